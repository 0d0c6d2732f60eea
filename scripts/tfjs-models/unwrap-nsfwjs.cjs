// Unwraps nsfwjs's JS-wrapped models: `require()` of model.min.js gives the model JSON, of each
// groupN-shardMofK.min.js the shard as a base64 string. Writes <out>/<model>/model.json and the
// shard files under the names the weightsManifest lists, checking every shard's size against the
// manifest's byte count.
// Usage: node unwrap-nsfwjs.cjs <nsfwjs>/dist/models <out>
const fs = require('fs');
const path = require('path');

const [src, out] = process.argv.slice(2);
const BYTES = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

for (const name of fs.readdirSync(src).sort()) {
  const dir = path.join(src, name);
  if (!fs.statSync(dir).isDirectory()) continue;
  const wrapped = require(path.join(dir, 'model.min.js'));
  const model = typeof wrapped === 'string' ? JSON.parse(wrapped) : wrapped;
  const dest = path.join(out, name);
  fs.mkdirSync(dest, { recursive: true });
  let expected = 0;
  let written = 0;
  for (const group of model.weightsManifest) {
    for (const w of group.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      expected += n * BYTES[w.quantization ? w.quantization.dtype : w.dtype];
    }
    for (const p of group.paths) {
      if (p.includes('/') || p.includes('\\') || p.startsWith('.')) throw new Error(`${name}: odd shard path ${p}`);
      const b64 = require(path.join(dir, `${p}.min.js`));
      if (typeof b64 !== 'string') throw new Error(`${name}/${p}: expected a base64 string`);
      const bytes = Buffer.from(b64, 'base64');
      fs.writeFileSync(path.join(dest, p), bytes);
      written += bytes.length;
    }
  }
  if (written !== expected) throw new Error(`${name}: shards hold ${written} bytes, the manifest needs ${expected}`);
  fs.writeFileSync(path.join(dest, 'model.json'), JSON.stringify(model));
  console.error(`unwrap-nsfwjs: ${name}: ${model.format || 'layers-model'}, ${written} weight bytes`);
}
