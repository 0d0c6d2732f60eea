// The browser suite (npm run test:browser): loads the installed package through its browser entry,
// then on each backend (cpu, webgpu) runs every case of cases.mjs against TF.js (cpu backend) as
// the oracle, reading results with the async `data()` (WebGPU cannot block a page), plus
// gradients, an optimizer run, the 1000-step tidy memory test, the layers API (fit against TF.js,
// a CNN trained with fit, save/reload through indexeddb://, localstorage://, http:// and
// downloads://), readback rules and hostile inputs.
// Results go to `window.__ffResults`; scripts/test-browser.mjs drives the page with playwright.
import * as ff from 'ferroflow';
import * as tf from '@tensorflow/tfjs';
import { cases } from '../cases.mjs';
import { caseGradients, caseOutputs, firstMismatch, resolve, rng } from '../data.mjs';

const params = new URLSearchParams(location.search);
const BACKENDS = (params.get('backends') || 'cpu,webgpu').split(',');
const results = [];
const skipped = [];
const log = (s) => console.log(s);

async function check(backend, name, fn) {
  try {
    await fn();
    results.push({ backend, name, ok: true });
  } catch (e) {
    const error = String((e && e.message) || e);
    results.push({ backend, name, ok: false, error });
    log(`FAIL [${backend}] ${name}: ${error}`);
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}
function assertClose(actual, expected, tol, what) {
  assert(actual.length === expected.length, `${what}: length ${actual.length} vs ${expected.length}`);
  const i = firstMismatch(actual, expected, tol);
  assert(i < 0, `${what}: element ${i}: ferroflow ${actual[i]} vs reference ${expected[i]}`);
}
function assertThrows(fn, pattern, what) {
  let err = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert(err instanceof Error, `${what}: expected an Error, got ${err}`);
  assert(!(err instanceof WebAssembly.RuntimeError), `${what}: the module trapped: ${err.message}`);
  assert(pattern.test(err.message), `${what}: unexpected message: ${err.message}`);
}

async function read(ts) {
  const out = [];
  for (const t of ts) {
    out.push({ shape: t.shape, dtype: t.dtype, data: Array.from(await t.data()) });
    t.dispose();
  }
  return out;
}
const forward = caseOutputs;
const gradients = caseGradients;

// The oracle's answers, computed once (TF.js on its cpu backend).
await tf.setBackend('cpu');
const oracle = new Map();
for (const c of cases) {
  const hasTf = typeof resolve(tf, c.op) === 'function';
  const call = hasTf ? c.call : c.ref;
  if (!call) continue;
  const fwd = await read(forward(tf, c, call));
  const grad = c.grad && c.gradRef !== 'fd' ? await read(gradients(tf, c, call)) : null;
  oracle.set(c, { fwd, grad });
}
// Gradients TF.js lacks (gradRef 'fd'): ferroflow's cpu backend, checked against finite
// differences by the Node suite, is the reference for the other backends.
const cpuGrads = new Map();

async function suite(backend) {
  const ok = await ff.setBackend(backend);
  if (!ok) {
    const why = ff.backendInfo().webgpuError;
    skipped.push({ backend, why });
    log(`SKIP backend ${backend}: ${why}`);
    return;
  }
  log(`backend ${backend}: ${ff.backendInfo().description}`);
  const t0 = performance.now();
  const gpu = backend === 'webgpu';
  // GPU math (SwiftShader's and our WGSL ports of exp/log/erf) is a little less exact.
  const loosen = (tol) => (gpu ? { rtol: Math.max(tol?.rtol ?? 1e-4, 2e-4), atol: Math.max(tol?.atol ?? 1e-5, 2e-5) } : tol);

  for (const c of cases) {
    const ref = oracle.get(c);
    await check(backend, `op ${c.label}`, async () => {
      const before = ff.memory().numTensors;
      const mine = await read(forward(ff, c, c.call));
      // <=: while data() is awaited, the garbage collector may free tensors leaked earlier (their
      // JS objects were dropped), which only lowers the count.
      assert(ff.memory().numTensors <= before, `tensors leaked: ${before} -> ${ff.memory().numTensors}`);
      if (!ref) return; // ferroflow-only op without a reference: it runs
      assert(mine.length === ref.fwd.length, 'number of outputs');
      mine.forEach((m, k) => {
        assert(JSON.stringify(m.shape) === JSON.stringify(ref.fwd[k].shape), `shape ${m.shape} vs ${ref.fwd[k].shape}`);
        if (c.dtype !== false) assert(m.dtype === ref.fwd[k].dtype, `dtype ${m.dtype} vs ${ref.fwd[k].dtype}`);
        assertClose(m.data, ref.fwd[k].data, loosen(c.tol), `output ${k}`);
      });
    });
    if (!c.grad) continue;
    await check(backend, `grad ${c.label}`, async () => {
      const mine = await read(gradients(ff, c, c.call));
      let want = ref?.grad;
      if (c.gradRef === 'fd' || !want) {
        if (backend === 'cpu') {
          cpuGrads.set(c, mine);
          return;
        }
        want = cpuGrads.get(c);
        assert(want, 'no cpu reference gradient');
      }
      mine.forEach((m, k) => assertClose(m.data, want[k].data, loosen(c.tol ?? { rtol: 1e-3, atol: 1e-4 }), `gradient ${k}`));
    });
  }
  log(`[${backend}] ${cases.length} cases in ${((performance.now() - t0) / 1000).toFixed(1)}s`);

  await check(backend, 'readback: data() everywhere, dataSync() only where the backend can block', async () => {
    const t = ff.tensor([1, 2, 3]).square();
    assert(JSON.stringify(Array.from(await t.data())) === '[1,4,9]', 'data()');
    assert(JSON.stringify(await t.array()) === '[1,4,9]', 'array()');
    if (gpu) {
      assertThrows(() => t.dataSync(), /^dataSync: invalid argument: the webgpu backend cannot read data back synchronously.*await tensor\.data\(\)/, 'dataSync on webgpu');
    } else {
      assert(JSON.stringify(Array.from(t.dataSync())) === '[1,4,9]', 'dataSync on cpu');
    }
    assert(t.backend === backend, `tensor.backend ${t.backend}`);
    t.dispose();
  });

  await check(backend, 'train.adam: 20 steps match TF.js', async () => {
    const r = rng(5);
    const xs = Array.from({ length: 24 }, () => r() * 2 - 1);
    const ys = Array.from({ length: 8 }, () => r() * 2 - 1);
    const run = async (lib, tag) => {
      const x = lib.tensor(xs, [8, 3]);
      const y = lib.tensor(ys, [8, 1]);
      const w = lib.variable(lib.tensor([0.3, -0.2, 0.5], [3, 1]), true, `bw-${backend}-${tag}`);
      const opt = lib.train.adam(0.05);
      for (let i = 0; i < 20; i++) lib.tidy(() => opt.minimize(() => lib.losses.meanSquaredError(y, lib.matMul(x, w)), false, [w]));
      const out = Array.from(await w.data());
      lib.dispose([x, y, w]);
      return out;
    };
    assertClose(await run(ff, 'ff'), await run(tf, 'tf'), { rtol: 1e-3, atol: 1e-4 }, 'weights');
  });

  await check(backend, 'memory: 1000 training steps inside tidy keep numTensors', async () => {
    const x = ff.randomNormal([16, 4], 0, 1, 'float32', 1);
    const y = ff.randomNormal([16, 1], 0, 1, 'float32', 2);
    const w = ff.variable(ff.randomNormal([4, 8], 0, 0.5, 'float32', 3), true, `mem-w-${backend}`);
    const v = ff.variable(ff.randomNormal([8, 1], 0, 0.5, 'float32', 4), true, `mem-v-${backend}`);
    const opt = ff.train.adam(0.01);
    const loss = () => ff.losses.meanSquaredError(y, x.matMul(w).relu().matMul(v));
    const first = ff.tidy(() => opt.minimize(loss, true, [w, v]));
    const firstLoss = (await first.data())[0];
    first.dispose();
    const start = ff.memory().numTensors;
    const t1 = performance.now();
    for (let i = 0; i < 1000; i++) ff.tidy(() => { opt.minimize(loss, false, [w, v]); });
    const ms = (performance.now() - t1) / 1000;
    const end = ff.memory().numTensors;
    const last = ff.tidy(() => loss());
    const lastLoss = (await last.data())[0];
    last.dispose();
    log(`[${backend}] 1000 steps: ${(ms * 1000).toFixed(0)} ms total, loss ${firstLoss} -> ${lastLoss}`);
    assert(end === start, `numTensors ${start} -> ${end}`);
    assert(lastLoss < firstLoss, `loss did not fall: ${firstLoss} -> ${lastLoss}`);
    ff.dispose([x, y, w, v]);
    opt.dispose();
  });

  await layersChecks(backend, loosen);
  await graphModelCheck(backend);
  await graphOpCasesCheck(backend);

  await check(backend, 'hostile inputs throw Errors and the module keeps working', async () => {
    const x = ff.ones([2, 3]);
    assertThrows(() => ff.add(x, ff.ones([4])), /^add: shape error/, 'broadcast');
    assertThrows(() => ff.zeros([NaN]), /^zeros: invalid argument: argument 'shape\[0\]'/, 'NaN size');
    assertThrows(() => ff.ones([1e9]), /^ones: size error/, 'huge');
    assertThrows(() => ff.tensor([[1], [2, 3]]), /^tensor: invalid argument/, 'ragged');
    assertThrows(() => ff.conv2d(ff.ones([1, 3, 3, 2]), ff.ones([2, 2, 3, 1]), 1, 'valid'), /^conv2d: shape error/, 'conv channels');
    assertThrows(() => ff.grad(() => { throw new Error('boom'); })(x), /^boom$/, 'callback exception');
    assert(JSON.stringify(Array.from(await ff.add(x, 1).sum().data())) === '[12]', 'still works');
    x.dispose();
  });
}

// ---- TF.js graph models ------------------------------------------------------------------

// The nsfwjs MobileNetV2 graph model, served by the harness from data/models/tfjs (present when
// `models=1`), against TF.js 4.22's outputs for the same input (written by
// scripts/fetch-tfjs-models.sh): every output element within 1e-3 relative error.
async function graphModelCheck(backend) {
  if (params.get('models') !== '1') {
    log(`[${backend}] graph model: SKIPPED (data/models/tfjs not served: run scripts/fetch-tfjs-models.sh)`);
    return;
  }
  await check(backend, 'graph model: nsfwjs MobileNetV2 (uint8-quantized, fused ops) matches TF.js', async () => {
    const dir = new URL('/models/nsfwjs/mobilenet_v2_mid/', location.href).href;
    const f32 = async (name) => new Float32Array(await (await fetch(dir + name)).arrayBuffer());
    const meta = await (await fetch(dir + 'oracle/oracle.json')).json();
    const input = await f32('oracle/input.f32');
    const batch = backend === 'webgpu' ? 1 : meta.input.shape[0];
    const per = input.length / meta.input.shape[0];
    const t0 = performance.now();
    // A page-relative URL, as TF.js users write it.
    const m = await ff.loadGraphModel('/models/nsfwjs/mobilenet_v2_mid/model.json');
    const t1 = performance.now();
    const x = ff.tensor(input.subarray(0, per * batch), [batch, ...meta.input.shape.slice(1)]);
    const names = meta.outputs.map((o) => o.name);
    const ys = m.execute({ input: x }, names);
    const errs = [];
    for (let k = 0; k < names.length; k++) {
      const want = (await f32('oracle/' + meta.outputs[k].file)).subarray(0, (meta.outputs[k].shape[1] ?? 1) * batch);
      const got = await ys[k].data();
      assert(got.length === want.length, `${names[k]}: ${got.length} values vs ${want.length}`);
      const scale = want.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(Math.abs(want[i]), scale * 1e-3));
      assert(worst <= 1e-3, `${names[k]}: max relative error ${worst}`);
      errs.push(worst.toExponential(1));
      ys[k].dispose();
    }
    const t2 = performance.now();
    x.dispose();
    m.dispose();
    log(`[${backend}] graph model: load ${(t1 - t0).toFixed(0)} ms, first run ${(t2 - t1).toFixed(0)} ms (batch ${batch}), max rel errors ${errs.join(', ')}`);
  });
}

// The per-op graph models of scripts/tfjs-models/op-cases.cjs with TF.js's outputs. On WebGPU a
// page cannot block on a readback: the cases TF.js runs only in executeAsync (dynamic shapes) must
// fail in execute with TF.js's message and match in executeAsync; the rest run in execute.
async function graphOpCasesCheck(backend) {
  if (params.get('models') !== '1') return;
  await check(backend, 'graph model op cases match TF.js (dynamic ones through executeAsync)', async () => {
    const cases = await (await fetch('/models/op-cases/cases.json')).json();
    // On SwiftShader every distinct kernel compiles slowly: the ops this check is about, there.
    const todo = backend === 'webgpu' ? cases.filter((c) => c.dynamic || /^(Resize|CropAndResize|LowerBound|UpperBound|Conv2D|Conv1D|MatMul|ScatterNd|TensorScatterUpdate|SparseToDense|GatherNd|MirrorPad|SpaceToBatchND|BatchToSpaceND|DepthToSpace|MatrixBandPart|Asin|Acos|LRN|Cumprod|Conv3D|AvgPool3D|MaxPool3D|Dilation2D|MaxPoolWithArgmax|Einsum|Bincount|DenseBincount|BitwiseAnd|Sparse|ImageProjective|Random|TruncatedNormal|Multinomial|FFT|IFFT|RFFT|IRFFT|ComplexAbs)/.test(c.op)) : cases;
    const t0 = performance.now();
    let paused = 0;
    for (const c of todo) {
      const { weightsManifest, ...rest } = c.modelJson;
      const weightData = Uint8Array.from(atob(c.weights), (ch) => ch.charCodeAt(0)).buffer;
      const m = await ff.loadGraphModel({ load: async () => ({ ...rest, weightSpecs: weightsManifest[0].weights, weightData }) });
      const feeds = () => (c.feed ? { in0: ff.tensor(c.feed.values, c.feed.shape, c.feed.dtype) } : {});
      let ys;
      try {
        ys = m.execute(feeds(), c.fetch);
      } catch (e) {
        // Only where an input of a dynamic op lives on the GPU (constants are known on the host).
        assert(c.dynamic && backend === 'webgpu' && /Please use model\.executeAsync\(\) instead/.test(e.message), `${c.name} execute: ${e.message}`);
        paused++;
        ys = await m.executeAsync(feeds(), c.fetch);
      }
      for (let k = 0; k < c.outputs.length; k++) {
        const want = c.outputs[k];
        assert(JSON.stringify([ys[k].dtype, ys[k].shape]) === JSON.stringify([want.dtype, want.shape]), `${c.name} output ${k}: ${ys[k].dtype} [${ys[k].shape}] vs TF.js ${want.dtype} [${want.shape}]`);
        const got = await ys[k].data();
        if (want.random) {
          // A random op: TF.js's distribution (bounds, mean, standard deviation), not its values.
          const r = want.random;
          const n = got.length;
          const mean = got.reduce((a, v) => a + v, 0) / n;
          const std = Math.sqrt(got.reduce((a, v) => a + (v - mean) ** 2, 0) / n);
          assert(got.every((v) => v >= r.lo && v <= r.hi) && Math.abs(mean - r.mean) <= r.tol && Math.abs(std - r.std) <= r.tol, `${c.name} output ${k}: sample mean ${mean} std ${std} vs TF.js ${r.mean} ${r.std}`);
          ys[k].dispose();
          continue;
        }
        for (let i = 0; i < got.length; i++) {
          const w = want.values[i] ?? NaN;
          const g = Number(got[i]);
          assert((Number.isNaN(w) && Number.isNaN(g)) || Math.abs(g - w) <= 1e-5 + 1e-4 * Math.abs(w), `${c.name} output ${k} element ${i}: ${g} vs TF.js ${w}`);
        }
        ys[k].dispose();
      }
      m.dispose();
    }
    if (backend === 'webgpu') assert(paused > 0, 'no dynamic case needed executeAsync on WebGPU');
    log(`[${backend}] graph model op cases: ${todo.length} of ${cases.length} match TF.js, ${paused} through executeAsync after execute refused (${(performance.now() - t0).toFixed(0)} ms)`);
  });
}

// ---- the layers API ----------------------------------------------------------------------

const downloadChecks = [];

/** Labelled images: class 0 is bright on the left half, class 1 on the right (plus noise). */
function halves(n, seed) {
  const r = rng(seed);
  const xs = [];
  const labels = [];
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    labels.push(c);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) xs.push(((x < 4) === (c === 0) ? 1 : 0) + 0.3 * (r() - 0.5));
  }
  return { xs, labels };
}

async function layersChecks(backend, loosen) {
  const gpu = backend === 'webgpu';
  await check(backend, 'layers: fit matches TF.js (MLP, SGD, no shuffle, validationSplit)', async () => {
    const r = rng(11);
    const xs = Array.from({ length: 12 * 4 }, () => r() * 2 - 1);
    const labels = Array.from({ length: 12 }, (_, i) => (i * 7) % 3);
    const build = (lib) => lib.sequential({ layers: [lib.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }), lib.layers.dense({ units: 3, activation: 'softmax' })] });
    const theirs = build(tf);
    const mine = build(ff);
    mine.setWeights(theirs.getWeights().map((w) => ff.tensor(w.dataSync(), w.shape)));
    const hist = [];
    for (const [lib, m] of [[ff, mine], [tf, theirs]]) {
      m.compile({ optimizer: lib.train.sgd(0.2), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      hist.push(await m.fit(lib.tensor(xs, [12, 4]), lib.oneHot(lib.tensor(labels, [12], 'int32'), 3), { epochs: 3, batchSize: 4, shuffle: false, validationSplit: 0.25 }));
    }
    const [hm, ht] = hist;
    assert(JSON.stringify(Object.keys(hm.history).sort()) === JSON.stringify(Object.keys(ht.history).sort()), `history keys ${Object.keys(hm.history)}`);
    for (const k of Object.keys(ht.history)) assertClose(hm.history[k], ht.history[k], loosen({ rtol: 1e-4, atol: 1e-5 }), `history.${k}`);
    const wm = mine.getWeights();
    const wt = theirs.getWeights();
    for (let i = 0; i < wt.length; i++) assertClose(Array.from(await wm[i].data()), Array.from(wt[i].dataSync()), loosen({ rtol: 1e-4, atol: 1e-5 }), `weight ${i}`);
    ff.dispose(wm);
    mine.dispose();
  });

  let model = null;
  let x = null;
  await check(backend, 'layers: a CNN trains with fit (shuffled, async callbacks, no leaked tensors)', async () => {
    const { xs, labels } = halves(32, 3);
    x = ff.tensor(xs, [32, 8, 8, 1]);
    const y = ff.oneHot(ff.tensor(labels, [32], 'int32'), 2);
    model = ff.sequential({
      layers: [
        ff.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [8, 8, 1] }),
        ff.layers.maxPooling2d({ poolSize: 2 }),
        ff.layers.batchNormalization(),
        ff.layers.flatten(),
        ff.layers.dropout({ rate: 0.1 }),
        ff.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: ff.train.adam(0.02), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const before = ff.memory().numTensors;
    let epochsSeen = 0;
    const t0 = performance.now();
    const h = await model.fit(x, y, {
      epochs: 6,
      batchSize: 8,
      callbacks: {
        onEpochEnd: async (epoch, logs) => {
          epochsSeen++;
          await ff.nextFrame();
          assert(typeof logs.loss === 'number' && typeof logs.acc === 'number', `epoch logs ${JSON.stringify(logs)}`);
        },
      },
    });
    const ms = performance.now() - t0;
    log(`[${backend}] CNN fit: 6 epochs of 4 batches in ${ms.toFixed(0)} ms; loss ${h.history.loss.map((l) => l.toFixed(3)).join(' ')}, acc ${h.history.acc.at(-1)}`);
    assert(epochsSeen === 6 && h.epoch.length === 6, `epochs ${h.epoch}`);
    assert(h.history.loss[5] < 0.7 * h.history.loss[0], `loss did not fall: ${h.history.loss}`);
    assert(h.history.acc[5] >= 0.9, `accuracy ${h.history.acc}`);
    assert(ff.memory().numTensors <= before, `fit leaked tensors: ${before} -> ${ff.memory().numTensors}`);
    y.dispose();
  });

  for (const url of [`indexeddb://ff-browser-${backend}`, `localstorage://ff-browser-${backend}`]) {
    await check(backend, `layers: save to ${url.split(':')[0]}://, reload, identical predictions`, async () => {
      assert(model, 'no trained model');
      const want = model.predict(x);
      const p0 = Array.from(await want.data());
      const res = await model.save(url);
      assert(res.modelArtifactsInfo.weightDataBytes > 0, 'save result');
      const back = await ff.loadLayersModel(url);
      assert(JSON.stringify(back.layers.map((l) => l.outputShape)) === JSON.stringify(model.layers.map((l) => l.outputShape)), 'shapes');
      const got = back.predict(x);
      assertClose(Array.from(await got.data()), p0, { rtol: 1e-6, atol: 1e-7 }, 'predictions after reload');
      ff.dispose([want, got]);
      back.dispose();
    });
  }

  await check(backend, 'layers: loadLayersModel over http:// (a model Node saved with file://)', async () => {
    const base = new URL('/artifacts/browser-http-mlp/', location.href);
    const r = await fetch(new URL('expected.json', base));
    assert(r.ok, `expected.json: HTTP ${r.status} (scripts/test-browser.mjs makes it)`);
    const want = await r.json();
    const m = await ff.loadLayersModel(new URL('model.json', base).href);
    const out = m.predict(ff.tensor(want.input, want.inputShape));
    assert(JSON.stringify(out.shape) === JSON.stringify(want.outputShape), `shape ${out.shape}`);
    assertClose(Array.from(await out.data()), want.output, loosen({ rtol: 1e-5, atol: 1e-6 }), 'predictions');
    out.dispose();
    m.dispose();
    let err = null;
    try {
      await ff.loadLayersModel(new URL('missing/model.json', base).href);
    } catch (e) {
      err = e;
    }
    assert(err instanceof Error && /^loadLayersModel: io error: fetching model\.json .*HTTP 404/.test(err.message), `missing model: ${err}`);
  });

  if (!gpu) {
    await check(backend, 'layers: save to downloads:// starts the downloads (checked by the harness)', async () => {
      assert(model, 'no trained model');
      await model.save('downloads://ff-browser-model');
      downloadChecks.push({ backend, label: 'the CNN', inputShape: [8, 8, 1] });
    });
  }
  if (model) model.dispose();
  if (x) x.dispose();
}

const start = performance.now();
try {
  log(`ferroflow ${await ff.ready()} (${ff.backendInfo().description}); page: ${navigator.userAgent}`);
  for (const b of BACKENDS) await suite(b);
} catch (e) {
  results.push({ backend: '-', name: 'suite', ok: false, error: String((e && e.stack) || e) });
  log(`FAIL suite: ${(e && e.stack) || e}`);
}
const failed = results.filter((r) => !r.ok);
const summary = BACKENDS.map((b) => {
  const mine = results.filter((r) => r.backend === b);
  const s = skipped.find((s) => s.backend === b);
  return s ? `${b}: skipped (${s.why})` : `${b}: ${mine.length - mine.filter((r) => !r.ok).length}/${mine.length} passed`;
}).join('; ');
log(`SUMMARY ${summary}; ${failed.length} failed; ${((performance.now() - start) / 1000).toFixed(1)}s`);
window.__ffResults = { results, skipped, summary, failed: failed.length, downloads: downloadChecks };
