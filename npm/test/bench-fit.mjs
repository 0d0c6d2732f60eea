// `fit` time per epoch, ferroflow (cpu backend: the wasm build in Node, one thread) against
// TF.js's cpu backend (pure JS), same models, data and batch size. Not a test: run it in the
// scratch project after `npm test` (node test/bench-fit.mjs [--quick]). Prints medians.
import * as ff from 'ferroflow';
import * as tf from '@tensorflow/tfjs';
import { rng } from './data.mjs';

await tf.setBackend('cpu');
const quick = process.argv.includes('--quick');

function data(n, shape, classes, seed) {
  const r = rng(seed);
  const per = shape.reduce((a, b) => a * b, 1);
  const xs = Float32Array.from({ length: n * per }, () => r());
  const labels = Int32Array.from({ length: n }, () => Math.floor(r() * classes));
  return { xs, labels };
}

async function timeFit(lib, build, compile, { n, shape, classes, batchSize, epochs }) {
  const { xs, labels } = data(n, shape, classes, 1);
  const m = build(lib);
  m.compile(compile(lib));
  const x = lib.tensor(xs, [n, ...shape]);
  const y = lib.oneHot(lib.tensor(labels, [n], 'int32'), classes);
  const times = [];
  let t0 = 0;
  const h = await m.fit(x, y, {
    epochs,
    batchSize,
    callbacks: { onEpochBegin: () => (t0 = performance.now()), onEpochEnd: () => times.push(performance.now() - t0) },
  });
  const steady = times.slice(1).sort((a, b) => a - b);
  return { first: times[0], median: steady[Math.floor(steady.length / 2)] ?? times[0], loss: h.history.loss.at(-1) };
}

const workloads = [
  {
    name: 'MLP 784-128-10, SGD, 2048 examples, batch 32 (64 steps/epoch)',
    build: (lib) => lib.sequential({ layers: [lib.layers.dense({ units: 128, activation: 'relu', inputShape: [784] }), lib.layers.dense({ units: 10, activation: 'softmax' })] }),
    compile: (lib) => ({ optimizer: lib.train.sgd(0.1), loss: 'categoricalCrossentropy', metrics: ['accuracy'] }),
    args: { n: 2048, shape: [784], classes: 10, batchSize: 32, epochs: quick ? 2 : 4 },
  },
  {
    name: 'CNN conv8-pool-conv16-pool-dense10 on 28x28x1, Adam, 256 examples, batch 32 (8 steps/epoch)',
    build: (lib) =>
      lib.sequential({
        layers: [
          lib.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
          lib.layers.maxPooling2d({ poolSize: 2 }),
          lib.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }),
          lib.layers.maxPooling2d({ poolSize: 2 }),
          lib.layers.flatten(),
          lib.layers.dense({ units: 10, activation: 'softmax' }),
        ],
      }),
    compile: () => ({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] }),
    args: { n: 256, shape: [28, 28, 1], classes: 10, batchSize: 32, epochs: quick ? 2 : 3 },
  },
];

console.log(`ferroflow ${ff.version()} (${ff.backendInfo().description}) vs TF.js ${tf.version.tfjs} (${tf.getBackend()}), Node ${process.version}`);
for (const w of workloads) {
  const mine = await timeFit(ff, w.build, w.compile, w.args);
  const theirs = await timeFit(tf, w.build, w.compile, w.args);
  console.log(`${w.name}`);
  console.log(`  ferroflow cpu: ${mine.median.toFixed(0)} ms/epoch (first epoch ${mine.first.toFixed(0)} ms), final loss ${mine.loss.toFixed(4)}`);
  console.log(`  TF.js cpu:     ${theirs.median.toFixed(0)} ms/epoch (first epoch ${theirs.first.toFixed(0)} ms), final loss ${theirs.loss.toFixed(4)}`);
  console.log(`  ratio: ferroflow is ${(theirs.median / mine.median).toFixed(1)}x faster`);
}
