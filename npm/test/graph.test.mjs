// TF.js graph models: the real nsfwjs MobileNetV2 graph model (uint8-quantized, fused conv,
// depthwise and matmul ops) loaded with ff.loadGraphModel and with TF.js's tf.loadGraphModel from
// the same files, run on the same input in this process, every output compared; the ways to load
// (file://, http://, TF.js-style artifacts, progress) and hostile or broken models.
// The model comes from scripts/fetch-tfjs-models.sh (FERROFLOW_MODELS_DIR, default data/models);
// without it the tests skip and say so, unless FERROFLOW_REQUIRE_MODELS=1 (CI).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assertClose, ff, tf } from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const models = process.env.FERROFLOW_MODELS_DIR ? resolve(process.env.FERROFLOW_MODELS_DIR) : resolve(here, '../../../data/models');
const dir = join(models, 'tfjs/nsfwjs/mobilenet_v2_mid');
const present = existsSync(join(dir, 'model.json'));
if (!present) {
  const msg = `${dir} not found: run scripts/fetch-tfjs-models.sh`;
  if (process.env.FERROFLOW_REQUIRE_MODELS) throw new Error(msg);
  console.log(`SKIPPED graph-model tests: ${msg}`);
}
const skip = !present;

const modelJson = () => JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
const shardPaths = () => modelJson().weightsManifest.flatMap((g) => g.paths);

/** TF.js's artifacts for the folder (what tf.io.fromMemory takes). */
function tfjsArtifacts() {
  const json = modelJson();
  const data = Buffer.concat(shardPaths().map((p) => readFileSync(join(dir, p))));
  const { weightsManifest, ...rest } = json;
  return { ...rest, weightSpecs: weightsManifest.flatMap((g) => g.weights), weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) };
}

const PROBES = [
  'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/feature_vector/SpatialSqueeze',
  'StatefulPartitionedCall/sequential/dense/BiasAdd',
];

function input(batch) {
  const n = batch * 224 * 224 * 3;
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = ((i * 7919) % 1000) / 1000;
  return v;
}

/** `|a - b| <= 1e-3 * max(|b|, 1e-3 * max|b|)` for every element (as the native test). */
function assertRel(actual, expected, what) {
  const scale = expected.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), scale * 1e-3));
  }
  assert.ok(worst <= 1e-3, `${what}: max relative error ${worst} > 1e-3`);
  return worst;
}

test('the nsfwjs MobileNetV2 graph model matches TF.js (file://, every output and inner probe)', { skip }, async () => {
  const tfModel = await tf.loadGraphModel(tf.io.fromMemory(tfjsArtifacts()));
  const x = input(2);
  const names = ['Identity', ...PROBES];
  const want = tfModel.execute({ input: tf.tensor(x, [2, 224, 224, 3]) }, names);

  let fractions = [];
  const m = await ff.loadGraphModel(`file://${dir}/model.json`, { onProgress: (f) => fractions.push(f) });
  assert.deepEqual(fractions, [0, 0.5, 1]);
  assert.deepEqual(m.inputs, [{ name: 'input', shape: [-1, 224, 224, 3], dtype: 'float32' }]);
  for (const k of ['inputs', 'outputs', 'inputNodes', 'outputNodes', 'metadata', 'modelVersion']) {
    assert.deepEqual(m[k], tfModel[k], `${k} as TF.js gives it`);
  }
  assert.ok(m.ops.includes('FusedDepthwiseConv2dNative') && m.ops.includes('_FusedConv2D'), m.ops.join());

  const t0 = performance.now();
  const got = m.execute({ input: ff.tensor(x, [2, 224, 224, 3]) }, names);
  const errs = [];
  for (let k = 0; k < names.length; k++) {
    assert.deepEqual(got[k].shape, want[k].shape, names[k]);
    errs.push(assertRel(await got[k].data(), await want[k].data(), names[k]).toExponential(2));
  }
  console.log(`nsfwjs mobilenet_v2_mid on ${ff.getBackend()}: max rel errors ${errs.join(', ')}; ${(performance.now() - t0).toFixed(0)} ms`);

  // predict with a bare tensor gives the single output; so does executeAsync.
  const y = m.predict(ff.tensor(x.subarray(0, 224 * 224 * 3), [1, 224, 224, 3]));
  assertClose(await y.data(), (await want[0].data()).slice(0, 5), { rtol: 1e-3, atol: 1e-6 }, 'predict');
  const z = await m.executeAsync([ff.tensor(x.subarray(0, 224 * 224 * 3), [1, 224, 224, 3])], 'Identity:0');
  assert.deepEqual(z.shape, [1, 5]);
  m.dispose();
  assert.throws(() => m.predict(y), /predict: invalid argument: the model was disposed/);
});

test('TF.js-style artifacts and http:// with weightPathPrefix load the same model', { skip }, async () => {
  const x = ff.tensor(input(1), [1, 224, 224, 3]);
  const a = await ff.loadGraphModel({ load: async () => tfjsArtifacts() });
  const want = await a.predict(x).data();

  const server = createServer((req, res) => {
    const name = req.url.split('/').pop();
    const file = req.url.startsWith('/model/') && name === 'model.json' ? join(dir, name) : req.url.startsWith('/shards/') ? join(dir, name) : null;
    if (!file || !existsSync(file)) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200);
    res.end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const base = `http://127.0.0.1:${server.address().port}`;
    const b = await ff.loadGraphModel(`${base}/model/model.json`, { weightPathPrefix: '../shards/' });
    assertClose(await b.predict(x).data(), want, { rtol: 0, atol: 0 }, 'http');
    await assert.rejects(ff.loadGraphModel(`${base}/model/model.json`), /loadGraphModel: io error: fetching weights file "group1-shard1of2" .*HTTP 404/);
  } finally {
    server.close();
  }
});

test('broken and hostile graph models are errors that name the problem; the package keeps working', { skip }, async () => {
  const json = modelJson();
  const shards = Object.fromEntries(shardPaths().map((p) => [p, new Uint8Array(readFileSync(join(dir, p)))]));
  const load = (modelJson, weights) => ff.loadGraphModel({ load: async () => ({ modelJson: JSON.stringify(modelJson), weights }) });

  const short = { ...shards, 'group1-shard2of2': shards['group1-shard2of2'].subarray(1) };
  await assert.rejects(load(json, short), /loadGraphModel: model format error: weightsManifest\[0\] .*the shards hold \d+ bytes, the weights need \d+/);
  const { 'group1-shard2of2': _, ...missing } = shards;
  await assert.rejects(load(json, missing), /weights file "group1-shard2of2" listed in model.json was not found/);
  const escape = structuredClone(json);
  escape.weightsManifest[0].paths[0] = '../../etc/passwd';
  await assert.rejects(load(escape, shards), /weights path "..\/..\/etc\/passwd" rejected/);
  const quant = structuredClone(json);
  quant.weightsManifest[0].weights[0].quantization = { dtype: 'uint8', scale: 0.1 };
  await assert.rejects(load(quant, shards), /quantization uint8 needs min and scale/);
  const odd = structuredClone(json);
  odd.weightsManifest[0].weights[1].dtype = 'complex64';
  await assert.rejects(load(odd, shards), /unknown dtype "complex64"/);
  const unsupported = structuredClone(json);
  unsupported.modelTopology.node.find((n) => n.op === 'AvgPool').op = 'FractionalAvgPool';
  await assert.rejects(load(unsupported, shards), /TF ops Ferroflow does not support: FractionalAvgPool/);
  await assert.rejects(ff.loadGraphModel(`file://${dir}/model.json`, { onProgres: () => {} }), /unknown option "onProgres"/);

  const m = await load(json, shards);
  assert.throws(() => m.predict(ff.zeros([1, 224, 224, 4])), /input "input" must have shape \[-1, 224, 224, 3\], got \[1, 224, 224, 4\]/);
  assert.throws(() => m.predict([ff.zeros([1, 2]), ff.zeros([1, 2])]), /Input tensor count mismatch/);
  assert.throws(() => m.execute({ inputs: ff.zeros([1, 224, 224, 3]) }), /no node named "inputs"/);
  assert.throws(() => m.execute(ff.zeros([1, 224, 224, 3]), 'nowhere'), /no node named "nowhere"/);
  const y = m.predict(ff.zeros([1, 224, 224, 3]));
  assert.deepEqual(y.shape, [1, 5]);
  const p = await y.data();
  assert.ok(Math.abs(p.reduce((s, v) => s + v, 0) - 1) < 1e-5, `probabilities sum to ${p.reduce((s, v) => s + v, 0)}`);
});

// Every per-op case of scripts/tfjs-models/op-cases.cjs (one small graph model per case, TF.js's
// outputs recorded next to it) in this process: `execute`, and `executeAsync` for the cases TF.js
// itself runs only asynchronously (dynamic shapes).
const casesFile = join(models, 'tfjs/op-cases/cases.json');
// A random op's sample against TF.js's: within the distribution's bounds, mean and standard
// deviation within the case's tolerance of TF.js's.
function checkSample(got, r, what) {
  const n = got.length;
  const mean = got.reduce((a, v) => a + v, 0) / n;
  const std = Math.sqrt(got.reduce((a, v) => a + (v - mean) ** 2, 0) / n);
  assert.ok(got.every((v) => v >= r.lo && v <= r.hi), `${what}: a value outside [${r.lo}, ${r.hi}]`);
  assert.ok(Math.abs(mean - r.mean) <= r.tol && Math.abs(std - r.std) <= r.tol, `${what}: mean ${mean} std ${std}, TF.js ${r.mean} ${r.std} (tolerance ${r.tol})`);
}
test('every graph-model op case matches TF.js (execute and executeAsync)', { skip: !existsSync(casesFile) }, async () => {
  const cases = JSON.parse(readFileSync(casesFile, 'utf8'));
  const failures = [];
  for (const c of cases) {
    const { weightsManifest, ...rest } = c.modelJson;
    const bytes = Buffer.from(c.weights, 'base64');
    const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    try {
      const m = await ff.loadGraphModel({ load: async () => ({ ...rest, weightSpecs: weightsManifest[0].weights, weightData }) });
      const feeds = () => (c.feed ? { in0: ff.tensor(c.feed.values, c.feed.shape, c.feed.dtype) } : {});
      for (const ys of [m.execute(feeds(), c.fetch), ...(c.dynamic ? [await m.executeAsync(feeds(), c.fetch)] : [])]) {
        for (let k = 0; k < c.outputs.length; k++) {
          const want = c.outputs[k];
          assert.deepEqual([ys[k].dtype, ys[k].shape], [want.dtype, want.shape], `${c.name} output ${k}`);
          const got = Array.from(await ys[k].data(), Number);
          if (want.random) checkSample(got, want.random, `${c.name} output ${k}`);
          else assertClose(got, want.values.map((v) => v ?? NaN), {}, `${c.name} output ${k}`);
        }
      }
      m.dispose();
    } catch (e) {
      failures.push(`${c.name}: ${e.message}`);
    }
  }
  assert.deepEqual(failures, [], `${failures.length} of ${cases.length} cases`);
  console.log(`${cases.length} graph-model op cases match TF.js on ${ff.getBackend()}`);
});
