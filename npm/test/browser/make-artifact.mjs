// Run by scripts/test-browser.mjs in the scratch project before the page opens: saves a small
// model with Node's file:// into artifacts/browser-http-mlp/ (served to the page, which loads it
// over http:// and compares its predictions with expected.json).
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ff from 'ferroflow';

const dir = resolve('artifacts', 'browser-http-mlp');
const m = ff.sequential({
  layers: [ff.layers.dense({ units: 5, activation: 'relu', inputShape: [3] }), ff.layers.batchNormalization(), ff.layers.dense({ units: 2, activation: 'softmax' })],
});
await m.save(`file://${dir}`);
const x = ff.randomNormal([4, 3], 0, 1, 'float32', 7);
const y = m.predict(x);
writeFileSync(join(dir, 'expected.json'), JSON.stringify({ input: Array.from(x.dataSync()), inputShape: x.shape, output: Array.from(y.dataSync()), outputShape: y.shape }));
console.log(`make-artifact: saved ${dir}`);
