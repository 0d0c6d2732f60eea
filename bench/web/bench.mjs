// The browser benchmark page: the same workloads, written once against the API that ferroflow
// shares with TF.js, timed for ferroflow `webgpu` vs TF.js `webgpu` and ferroflow `cpu` (wasm)
// vs TF.js `wasm`, in this one page. Each result separates the first run (shader compilation,
// kernel caches) from the steady-state median. Results go to window.__ffBench for run.mjs.
import * as ff from '/ferroflow/browser.js';

const tf = window.tf;
const params = new URLSearchParams(location.search);
const only = (params.get('only') || 'matmul_256,matmul_1024,mlp_sgd_step,cnn_adam_step').split(',');
const budgetMs = Number(params.get('budget_ms') || 8000);
const verbose = params.get('verbose') === '1'; // also log every run's time
const logEl = document.getElementById('log');
const log = (s) => {
  console.log(s);
  logEl.textContent += `\n${s}`;
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Runs `step` once (the first run), then at least 3 and at most `maxRuns` more, within the budget. */
async function measure(step, maxRuns) {
  let t = performance.now();
  await step();
  const first = performance.now() - t;
  const times = [];
  const start = performance.now();
  while (times.length < maxRuns && (times.length < 3 || performance.now() - start < budgetMs)) {
    t = performance.now();
    await step();
    times.push(performance.now() - t);
  }
  return { first_ms: first, median_ms: median(times), runs: times.length, times_ms: times };
}

// Deterministic inputs, identical for both libraries.
function values(n, seed, scale) {
  const v = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    v[i] = ((s >>> 0) / 4294967296 - 0.5) * 2 * scale;
  }
  return v;
}
const labelsOf = (n, classes) => Int32Array.from({ length: n }, (_, i) => (i * 7) % classes);

/** Workloads over `L` (ferroflow or TF.js: same calls). Each returns an async step function. */
const workloads = {
  matmul_256: (L) => matmulStep(L, 256),
  matmul_1024: (L) => matmulStep(L, 1024),
  mlp_sgd_step: (L) => {
    const v = (shape, seed) => L.variable(L.tensor(values(shape.reduce((a, b) => a * b), seed, 0.05), shape));
    const [w1, b1, w2, b2, w3, b3] = [v([784, 256], 1), v([256], 2), v([256, 128], 3), v([128], 4), v([128, 10], 5), v([10], 6)];
    const x = L.tensor(values(128 * 784, 7, 1), [128, 784]);
    const y = L.oneHot(L.tensor(labelsOf(128, 10), [128], 'int32'), 10);
    const opt = L.train.sgd(0.05);
    return async () => {
      const loss = opt.minimize(() => {
        const h1 = L.relu(L.add(L.matMul(x, w1), b1));
        const h2 = L.relu(L.add(L.matMul(h1, w2), b2));
        return L.losses.softmaxCrossEntropy(y, L.add(L.matMul(h2, w3), b3));
      }, true);
      await loss.data();
      loss.dispose();
    };
  },
  cnn_adam_step: (L) => {
    const v = (shape, seed, scale) => L.variable(L.tensor(values(shape.reduce((a, b) => a * b), seed, scale), shape));
    const [k1, c1, k2, c2, w3, b3] = [v([3, 3, 1, 32], 1, 0.3), v([32], 2, 0.01), v([3, 3, 32, 64], 3, 0.06), v([64], 4, 0.01), v([3136, 10], 5, 0.02), v([10], 6, 0.01)];
    const x = L.tensor(values(64 * 28 * 28, 7, 1), [64, 28, 28, 1]);
    const y = L.oneHot(L.tensor(labelsOf(64, 10), [64], 'int32'), 10);
    const opt = L.train.adam(1e-3);
    return async () => {
      const loss = opt.minimize(() => {
        const a = L.maxPool(L.relu(L.add(L.conv2d(x, k1, 1, 'same'), c1)), 2, 2, 'valid');
        const b = L.maxPool(L.relu(L.add(L.conv2d(a, k2, 1, 'same'), c2)), 2, 2, 'valid');
        return L.losses.softmaxCrossEntropy(y, L.add(L.matMul(L.reshape(b, [64, 3136]), w3), b3));
      }, true);
      await loss.data();
      loss.dispose();
    };
  },
};

// A real TF.js graph model (nsfwjs MobileNetV2, uint8-quantized, served by run.mjs from
// data/models/tfjs): batch-1 inference, loaded by each library from the same URL.
async function graphModelStep(L) {
  const model = await L.loadGraphModel('/models/nsfwjs/mobilenet_v2_mid/model.json');
  const x = L.tensor(values(224 * 224 * 3, 21, 0.5).map((v) => v + 0.5), [1, 224, 224, 3]);
  const step = async () => {
    const y = model.predict(x);
    await y.data();
    y.dispose();
  };
  step.cleanup = () => {
    x.dispose();
    model.dispose();
  };
  return step;
}
workloads.mobilenet_graph = graphModelStep;

function matmulStep(L, n) {
  const a = L.tensor(values(n * n, 11, 1), [n, n]);
  const b = L.tensor(values(n * n, 12, 1), [n, n]);
  return async () => {
    const c = L.matMul(a, b);
    await c.data();
    c.dispose();
  };
}
const maxRuns = { matmul_256: 20, matmul_1024: 5, mlp_sgd_step: 10, cnn_adam_step: 5, mobilenet_graph: 20 };
if (params.get('max_runs')) for (const k of Object.keys(maxRuns)) maxRuns[k] = Number(params.get('max_runs'));

// (library, backend name in that library) pairs, compared as ferroflow/TF.js per row.
// `?pairs=cpu` keeps only the pairs whose ferroflow backend is listed.
const pairNames = (params.get('pairs') || 'webgpu,cpu').split(',');
const pairs = [
  { ours: 'webgpu', peer: 'webgpu' },
  { ours: 'cpu', peer: 'wasm' },
].filter((p) => pairNames.includes(p.ours));

async function runOn(libName, L, backend, key) {
  const ok = await L.setBackend(backend);
  if (!ok || L.getBackend() !== backend) return { skipped: `${libName} ${backend}: backend unavailable` };
  let step;
  try {
    step = await workloads[key](L);
    const r = await measure(step, maxRuns[key]);
    log(`${libName.padEnd(9)} ${backend.padEnd(6)} ${key.padEnd(14)} first ${r.first_ms.toFixed(1)} ms, median ${r.median_ms.toFixed(2)} ms over ${r.runs}${verbose ? `: ${r.times_ms.map((x) => x.toFixed(1)).join(' ')}` : ''}`);
    return r;
  } catch (e) {
    return { error: `${libName} ${backend} ${key}: ${e.message || e}` };
  } finally {
    if (step && step.cleanup) step.cleanup();
    L.disposeVariables();
  }
}

async function main() {
  tf.wasm.setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
  const chosen = await ff.ready();
  log(`ferroflow ${ff.version ? ff.version() : ''} ready on ${chosen}; ${JSON.stringify(ff.backendInfo ? ff.backendInfo() : {})}`);
  log(`TF.js ${tf.version_core}; wasm threads/simd: ${await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')}/${await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')}`);
  const rows = [];
  for (const key of only) {
    for (const { ours, peer } of pairs) {
      const a = await runOn('ferroflow', ff, ours, key);
      let b = await runOn('tfjs', tf, peer, key);
      let peerName = peer;
      if (b.error && peer === 'wasm') {
        // TF.js's wasm backend cannot train convolutions (no Conv2DBackpropFilter kernel): its
        // users fall back to the plain-JS cpu backend, so that is the peer then.
        log(`${b.error}; timing TF.js cpu instead`);
        b = await runOn('tfjs', tf, 'cpu', key);
        peerName = 'cpu (wasm lacks a kernel)';
      }
      rows.push({ workload: key, ferroflow_backend: ours, tfjs_backend: peerName, ferroflow: a, tfjs: b });
    }
  }
  window.__ffBench = { userAgent: navigator.userAgent, rows };
}

main().catch((e) => {
  log(`benchmark failed: ${e.stack || e}`);
  window.__ffBench = { error: String(e.stack || e), rows: [] };
});
