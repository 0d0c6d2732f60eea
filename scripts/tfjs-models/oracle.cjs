// Runs a TF.js graph model folder with TensorFlow.js (cpu backend, Node) on a seeded input and
// writes what it returns: <dir>/<model>/oracle/{input.f32, output-K.f32, oracle.json}: the model's
// outputs and, where listed in PROBES, inner nodes too (the pooled features and the logits before
// the softmax, which check far more than saturated probabilities do).
// The input is a formula both sides can rebuild (oracle.json says which): element i of the
// flattened [batch, ...] input is (i * 7919 % 1000) / 1000.
// Usage: NODE_PATH=<node_modules with @tensorflow/tfjs> node oracle.cjs <dir> <model>...
const fs = require('fs');
const path = require('path');
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
    console.error(`oracle: ${name}: [${shape}] -> ${outputs.map((o) => `[${o.shape}]`).join(', ')} with TF.js ${meta.tfjs} (${meta.backend})`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
