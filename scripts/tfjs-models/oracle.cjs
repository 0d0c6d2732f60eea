// Runs a TF.js graph model folder with TensorFlow.js (cpu backend, Node) on a seeded input and
// writes what it returns: <dir>/<model>/oracle/{input.f32, output-K.f32, oracle.json}: the model's
// outputs and, where listed in PROBES, inner nodes too (the pooled features and the logits before
// the softmax, which check far more than saturated probabilities do).
// The input is a formula both sides can rebuild (oracle.json says which): element i of the
// flattened [batch, ...] input is (i * 7919 % 1000) / 1000.
// Usage: NODE_PATH=<node_modules with @tensorflow/tfjs> node oracle.cjs <dir> <model>...
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const tf = require('@tensorflow/tfjs');

const BATCH = 2;
const PROBES = {
  mobilenet_v2_mid: [
    'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/feature_vector/SpatialSqueeze',
    'StatefulPartitionedCall/sequential/dense/BiasAdd',
  ],
};

function folderHandler(dir) {
  return {
    load: async () => {
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      const specs = [];
      const buffers = [];
      for (const group of json.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
      }
      const all = Buffer.concat(buffers);
      const { weightsManifest, ...rest } = json;
      return { ...rest, weightSpecs: specs, weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) };
    },
  };
}

// ---- an RGB PNG for the edge binary: written here (zlib + CRC-32), decoded by the binary ----
const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function rgbPng(width, height, rgb) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = [];
  for (let y = 0; y < height; y++) rows.push(Buffer.from([0]), Buffer.from(rgb.subarray(y * width * 3, (y + 1) * width * 3)));
  const sig = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

/// A 300x200 RGB picture (smooth gradients and a disc), the model's prediction for it as TF.js
/// computes it: bytes / 255, resizeBilinear to the input size, predict.
async function imageOracle(model, folder) {
  const [w, h] = [300, 200];
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inDisc = (x - 180) ** 2 + (y - 90) ** 2 < 60 ** 2;
      const i = (y * w + x) * 3;
      rgb[i] = inDisc ? 230 : Math.round((255 * x) / w);
      rgb[i + 1] = inDisc ? 40 : Math.round((255 * y) / h);
      rgb[i + 2] = (x * 7 + y * 3) % 256;
    }
  }
  const dims = model.inputs[0].shape.slice(1, 3);
  const x = tf.image.resizeBilinear(tf.tensor(rgb, [1, h, w, 3], 'float32').div(255), dims);
  const y = model.predict(x);
  const oracle = path.join(folder, 'oracle');
  fs.writeFileSync(path.join(oracle, 'image.png'), rgbPng(w, h, rgb));
  fs.writeFileSync(path.join(oracle, 'image-prediction.json'), JSON.stringify({ resize: 'bilinear, alignCorners false, halfPixelCenters false', scale: '1/255', probabilities: Array.from(await y.data()) }) + '\n');
}

async function main() {
  const [dir, ...models] = process.argv.slice(2);
  await tf.setBackend('cpu');
  for (const name of models) {
    const folder = path.join(dir, name);
    const model = await tf.loadGraphModel(folderHandler(folder));
    const dims = model.inputs[0].shape.slice(1);
    const shape = [BATCH, ...dims];
    const n = shape.reduce((a, b) => a * b, 1);
    const input = new Float32Array(n);
    for (let i = 0; i < n; i++) input[i] = ((i * 7919) % 1000) / 1000;
    const names = [...model.outputs.map((o) => o.name), ...(PROBES[name] || [])];
    const ys = model.execute({ [model.inputs[0].name]: tf.tensor(input, shape) }, names);
    const oracle = path.join(folder, 'oracle');
    fs.mkdirSync(oracle, { recursive: true });
    fs.writeFileSync(path.join(oracle, 'input.f32'), Buffer.from(input.buffer));
    const outputs = [];
    for (const [k, y] of ys.entries()) {
      const file = `output-${k}.f32`;
      fs.writeFileSync(path.join(oracle, file), Buffer.from(new Float32Array(await y.data()).buffer));
      outputs.push({ name: names[k], shape: y.shape, file });
    }
    const meta = {
      tfjs: tf.version.tfjs,
      backend: tf.getBackend(),
      input: { name: model.inputs[0].name, shape, formula: '(i * 7919 % 1000) / 1000' },
      outputs,
    };
    fs.writeFileSync(path.join(oracle, 'oracle.json'), JSON.stringify(meta, null, 2) + '\n');
    await imageOracle(model, folder);
    console.error(`oracle: ${name}: [${shape}] -> ${outputs.map((o) => `[${o.shape}]`).join(', ')} with TF.js ${meta.tfjs} (${meta.backend})`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
