// The Ferroflow MNIST demo: loads the real digits, trains a small CNN with `model.fit` on WebGPU
// (or on the CPU backend compiled to wasm when WebGPU is missing, saying why), draws live charts,
// shows predictions on test digits and on a drawing pad, and saves/loads the model
// (indexeddb://, downloads://). State for automation (the e2e test) is on `window.demo`.
import { LineChart } from './charts.js';
import { PIXELS, imagesTensor, loadDigits, oneHotTensor } from './data.js';
import { DrawPad, paintDigit } from './draw.js';
import { queryAdapter } from './gpu.js';
import { DOWNLOAD_URL, MODEL_NAME, MODEL_URL, buildModel, learningRate } from './model.js';

const $ = (id) => document.getElementById(id);
const MARKER_KEY = 'ferroflow-mnist-web/saved';
const GRID_MAX = 100;

// ---- state shared with automation --------------------------------------------------------

const demo = {
  /** starting | ready | training | evaluating | saving | trained | loading | loaded | no-saved-model | error */
  status: 'starting',
  params: null,
  requestedBackend: null,
  backend: null,
  backendDescription: null,
  /** Why the page runs on the CPU although WebGPU was wanted (null when it runs on WebGPU or cpu was asked for). */
  fallbackReason: null,
  /** ferroflow's own message for it (backendInfo().webgpuError / fallbackReason). */
  fallbackDetail: null,
  /** navigator.gpu's adapter ({available, vendor, architecture, description, isFallbackAdapter, summary} or {available: false, reason}). */
  adapter: null,
  crossOriginIsolated: typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated,
  data: null,
  steps: 0,
  stepsPlanned: 0,
  stepsPerEpoch: 0,
  losses: [],
  batchAccuracies: [],
  firstLoss: null,
  lastLoss: null,
  /** [{epoch, steps, complete, seconds, loss, acc, testAccuracy, evalSeconds}] */
  epochs: [],
  testAccuracy: null,
  testSize: 0,
  /** Over the first `testSize` test digits: {predicted: number[], probabilities: number[][], labels: number[]}. */
  predictions: null,
  /** epochSeconds: the median complete epoch (epochSecondsMeasured) or steady seconds per step x steps per epoch. */
  timing: { firstStepSeconds: null, steadySecondsPerStep: null, examplesPerSecond: null, trainSeconds: null, epochSeconds: null, epochSecondsMeasured: false },
  saved: null,
  loadedFrom: null,
  drawPrediction: null,
  chartDraws: 0,
  messages: [],
  error: null,
};
window.demo = demo;

let ff = null;
let digits = null;
let tensors = null; // {xTrain, yTrain, xTest}
let model = null;
let optimizer = null;
let stopRequested = false;
let busy = false;

// ---- messages ----------------------------------------------------------------------------

/** A message on the page (kind: info | warn | error), also kept in demo.messages. */
function say(kind, text, { id, html } = {}) {
  demo.messages.push({ kind, text, id: id || null, at: Date.now() });
  const box = $('messages');
  let el = id ? box.querySelector(`[data-id="${id}"]`) : null;
  if (!el) {
    el = document.createElement('div');
    if (id) el.dataset.id = id;
    box.appendChild(el);
  }
  el.className = `notice ${kind}`;
  if (html) el.innerHTML = html;
  else el.textContent = text;
  return el;
}

function unsay(id) {
  $('messages').querySelector(`[data-id="${id}"]`)?.remove();
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function errorText(e) {
  return e && e.message ? e.message : String(e);
}

window.addEventListener('error', (e) => {
  demo.error = errorText(e.error || e.message);
  say('error', `Unexpected error: ${demo.error}`, { id: 'uncaught' });
});
window.addEventListener('unhandledrejection', (e) => {
  demo.error = errorText(e.reason);
  say('error', `Unexpected error: ${demo.error}`, { id: 'uncaught' });
});

// ---- query parameters --------------------------------------------------------------------

function parseParams() {
  const q = new URLSearchParams(location.search);
  const p = {};
  const bad = [];
  const int = (name, dflt, min, max) => {
    const s = q.get(name);
    if (s === null || s === '') return dflt;
    const v = Number(s);
    if (!Number.isInteger(v) || v < min || v > max) {
      bad.push(`?${name}=${s} (expected an integer in ${min}..${max})`);
      return dflt;
    }
    return v;
  };
  const num = (name, dflt, lo, hi) => {
    const s = q.get(name);
    if (s === null || s === '') return dflt;
    const v = Number(s);
    if (!Number.isFinite(v) || v <= lo || v > hi) {
      bad.push(`?${name}=${s} (expected a number in (${lo}, ${hi}])`);
      return dflt;
    }
    return v;
  };
  const flag = (name) => ['1', 'true', 'yes', ''].includes(q.get(name) ?? 'no');
  const backend = q.get('backend') ?? 'auto';
  if (!['auto', 'webgpu', 'cpu'].includes(backend)) bad.push(`?backend=${backend} (expected auto, webgpu or cpu)`);
  p.backend = ['auto', 'webgpu', 'cpu'].includes(backend) ? backend : 'auto';
  p.epochs = int('epochs', 10, 1, 1000);
  p.batch = int('batch', 64, 1, 4096);
  p.lr = num('lr', 0.003, 0, 1);
  p.lrDecay = num('lrDecay', 0.8, 0, 1);
  p.maxSteps = int('maxSteps', null, 1, 1e9);
  p.stopAt = num('stopAt', null, 0, 1);
  p.testSize = int('testSize', null, 1, 1e9);
  p.trainSize = int('trainSize', null, 1, 1e9);
  p.autostart = flag('autostart');
  p.load = flag('load');
  if (bad.length) say('warn', `Ignored query parameters: ${bad.join('; ')}. Using the defaults for them.`, { id: 'params' });
  return p;
}

// ---- backend -----------------------------------------------------------------------------

async function initBackend(requested) {
  let fallback = null;
  if (requested === 'cpu') {
    await ff.setBackend('cpu');
  } else if (requested === 'webgpu') {
    if (!(await ff.setBackend('webgpu'))) {
      fallback = ff.backendInfo().webgpuError || 'WebGPU could not be opened';
      await ff.setBackend('cpu');
    }
  } else {
    await ff.ready();
    const info = ff.backendInfo();
    if (info.backend !== 'webgpu') fallback = info.fallbackReason || info.webgpuError || 'WebGPU could not be opened';
  }
  const info = ff.backendInfo();
  demo.backend = info.backend;
  demo.backendDescription = info.description;
  // The browser's own answer (navigator.gpu missing, or no adapter) says it best; ferroflow's
  // (wgpu's) message is kept as the detail.
  demo.fallbackDetail = fallback;
  demo.fallbackReason = fallback && demo.adapter && !demo.adapter.available ? demo.adapter.reason : fallback;
  return info;
}

function showBackend() {
  const a = demo.adapter;
  $('backend-name').textContent = demo.backend === 'webgpu' ? 'WebGPU' : 'CPU (wasm)';
  $('backend-desc').textContent = demo.backendDescription || '';
  $('backend-select').value = demo.params.backend;
  let adapterText;
  if (a && a.available) {
    adapterText = `${a.summary}${demo.backend === 'webgpu' ? '' : ' (not used)'}`;
  } else {
    adapterText = `no WebGPU adapter: ${a ? a.reason : 'unknown'}`;
  }
  $('adapter-info').textContent = adapterText;
  const cores = navigator.hardwareConcurrency || '?';
  $('isolation').textContent = demo.crossOriginIsolated
    ? `cross-origin isolated (COOP/COEP: wasm threads possible), ${cores} cores; the CPU backend runs on 1 thread`
    : `not cross-origin isolated (no COOP/COEP headers: no wasm threads), ${cores} cores`;
  const notice = $('fallback-notice');
  if (demo.fallbackReason) {
    notice.hidden = false;
    notice.innerHTML =
      `<strong>WebGPU is not available: training runs on the CPU backend (WebAssembly) instead.</strong> ` +
      `It works the same, only slower on large models.<br>Reason: <span class="why">${escapeHtml(demo.fallbackReason)}</span>` +
      (demo.fallbackDetail && demo.fallbackDetail !== demo.fallbackReason ? `<details><summary>details</summary><span class="why">${escapeHtml(demo.fallbackDetail)}</span></details>` : '');
  } else {
    notice.hidden = true;
  }
}

// ---- data --------------------------------------------------------------------------------

function makeTensors() {
  const p = demo.params;
  const nTrain = Math.min(digits.train.n, p.trainSize ?? digits.train.n);
  const nTest = Math.min(digits.test.n, p.testSize ?? digits.test.n);
  demo.testSize = nTest;
  tensors = {
    xTrain: imagesTensor(ff, digits.train.images, 0, nTrain),
    yTrain: oneHotTensor(ff, digits.train.labels, 0, nTrain),
    xTest: imagesTensor(ff, digits.test.images, 0, nTest),
    nTrain,
    nTest,
  };
  demo.data = { train: nTrain, test: nTest, source: digits.meta.source.from };
  $('data-info').textContent =
    `${nTrain.toLocaleString()} training digits, ${nTest.toLocaleString()} test digits` +
    `${nTest < digits.test.n ? ` (of ${digits.test.n.toLocaleString()}: ?testSize=${nTest})` : ''} — real MNIST digits from ${digits.meta.source.from.split(',')[0]}.`;
}

// ---- charts and progress -----------------------------------------------------------------

const lossChart = new LineChart($('loss-chart'), { title: 'Loss (categorical cross-entropy)', xLabel: 'step', yMin: 0 });
const accChart = new LineChart($('acc-chart'), { title: 'Accuracy', xLabel: 'step', yMin: 0, yMax: 1 });
let lastDraw = 0;

function ema(values, alpha = 0.1) {
  const out = [];
  let s = null;
  values.forEach((v, i) => {
    s = s === null ? v : s + alpha * (v - s);
    out.push([i + 1, s]);
  });
  return out;
}

function drawCharts() {
  lossChart.setSeries([
    { name: 'batch', label: 'loss per batch', color: '#b8c7e6', width: 1, points: demo.losses.map((v, i) => [i + 1, v]) },
    { name: 'smoothed', label: 'smoothed', color: '#2f6fde', width: 2.2, points: ema(demo.losses) },
  ]);
  let at = 0;
  const ends = demo.epochs.map((e) => (at += e.steps));
  accChart.setSeries([
    { name: 'batch', label: 'batch (smoothed)', color: '#b8c7e6', width: 1.5, points: ema(demo.batchAccuracies) },
    { name: 'train', label: 'train (epoch)', color: '#f08c2e', width: 2, dots: true, points: demo.epochs.map((e, i) => [ends[i], e.acc]) },
    { name: 'test', label: 'test (epoch)', color: '#1a8f4c', width: 2, dots: true, points: demo.epochs.map((e, i) => [ends[i], e.testAccuracy]).filter((p) => p[1] !== null) },
  ]);
  lossChart.draw();
  accChart.draw();
  demo.chartDraws++;
  lastDraw = performance.now();
}

function fmtSeconds(s) {
  if (!Number.isFinite(s)) return '—';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s - 60 * m)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

function pct(v, digits = 2) {
  return v === null || v === undefined ? '—' : `${(100 * v).toFixed(digits)}%`;
}

function showProgress() {
  const t = demo.timing;
  const done = demo.steps;
  const planned = Math.max(1, demo.stepsPlanned);
  $('progress-bar').style.width = `${Math.min(100, (100 * done) / planned).toFixed(1)}%`;
  let eta = '';
  if (t.steadySecondsPerStep !== null || (done === 1 && t.firstStepSeconds !== null)) {
    const per = t.steadySecondsPerStep ?? t.firstStepSeconds;
    eta = `, ETA ${fmtSeconds(per * (planned - done))}`;
  }
  $('progress-text').textContent = `step ${done} / ${planned} (${((100 * done) / planned).toFixed(0)}%)${eta}`;
  $('stat-step').textContent = `${done}`;
  $('stat-loss').textContent = demo.lastLoss === null ? '—' : demo.lastLoss.toFixed(4);
  $('stat-acc').textContent = pct(demo.batchAccuracies.at(-1), 1);
  $('stat-test').textContent = pct(demo.testAccuracy);
  $('stat-speed').textContent = t.examplesPerSecond === null ? '—' : `${t.examplesPerSecond.toFixed(0)} examples/s`;
  const ep = t.epochSeconds;
  $('stat-epoch-time').textContent = ep === null ? '—' : `${fmtSeconds(ep)}${t.epochSecondsMeasured ? '' : ' (estimated)'}`;
}

function addEpochRow(e) {
  const table = $('epoch-table');
  table.hidden = false;
  const tr = document.createElement('tr');
  const cells = [e.epoch + 1, `${e.steps}${e.complete ? '' : ' (partial)'}`, fmtSeconds(e.seconds), e.loss.toFixed(4), pct(e.acc), pct(e.testAccuracy)];
  for (const c of cells) {
    const td = document.createElement('td');
    td.textContent = c;
    tr.appendChild(td);
  }
  table.querySelector('tbody').appendChild(tr);
}

// ---- predictions -------------------------------------------------------------------------

/** The model's class probabilities for `n` images of `bytes` from image `start`. */
async function predictBytes(bytes, start, n) {
  const x = imagesTensor(ff, bytes, start, n);
  let probs;
  try {
    const y = model.predict(x, { batchSize: 250 });
    try {
      probs = await y.data();
    } finally {
      y.dispose();
    }
  } finally {
    x.dispose();
  }
  return probs;
}

function argmaxRows(probs, n) {
  const predicted = new Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < 10; k++) if (probs[i * 10 + k] > probs[i * 10 + best]) best = k;
    predicted[i] = best;
  }
  return predicted;
}

/** Predicts the first `testSize` test digits; sets demo.predictions and demo.testAccuracy. */
async function evaluateTest() {
  const n = tensors.nTest;
  const y = model.predict(tensors.xTest, { batchSize: 250 });
  let probs;
  try {
    probs = await y.data();
  } finally {
    y.dispose();
  }
  const predicted = argmaxRows(probs, n);
  const labels = Array.from(digits.test.labels.subarray(0, n));
  let right = 0;
  for (let i = 0; i < n; i++) right += predicted[i] === labels[i] ? 1 : 0;
  const probabilities = [];
  for (let i = 0; i < n; i++) probabilities.push(Array.from(probs.subarray(i * 10, i * 10 + 10)));
  demo.predictions = { predicted, probabilities, labels };
  demo.testAccuracy = right / n;
  return demo.testAccuracy;
}

function renderGrid() {
  const grid = $('grid');
  const p = demo.predictions;
  if (!p) return;
  const n = p.predicted.length;
  const wrong = [];
  for (let i = 0; i < n; i++) if (p.predicted[i] !== p.labels[i]) wrong.push(i);
  $('grid-summary').textContent = `· ${n - wrong.length} of ${n} right (${pct(demo.testAccuracy)}), ${wrong.length} wrong (marked red)`;
  const ids = $('mistakes-only').checked ? wrong.slice(0, GRID_MAX) : Array.from({ length: Math.min(GRID_MAX, n) }, (_, i) => i);
  grid.textContent = '';
  if (!ids.length) {
    grid.innerHTML = '<p class="muted">No mistakes among these test digits.</p>';
    return;
  }
  for (const i of ids) {
    const ok = p.predicted[i] === p.labels[i];
    const cell = document.createElement('div');
    cell.className = `cell ${ok ? 'right' : 'wrong'}`;
    cell.dataset.index = i;
    cell.dataset.predicted = p.predicted[i];
    cell.dataset.label = p.labels[i];
    const conf = p.probabilities[i][p.predicted[i]];
    cell.title = `test digit #${i}: label ${p.labels[i]}, predicted ${p.predicted[i]} (${pct(conf, 1)})`;
    const c = document.createElement('canvas');
    c.width = 28;
    c.height = 28;
    paintDigit(c, digits.test.images, i * PIXELS);
    const label = document.createElement('div');
    label.className = 'pred';
    label.textContent = ok ? `${p.predicted[i]}` : `${p.predicted[i]} (is ${p.labels[i]})`;
    cell.append(c, label);
    grid.appendChild(cell);
  }
}

// ---- training ----------------------------------------------------------------------------

function setBusy(b) {
  busy = b;
  const haveModel = model !== null;
  $('train-btn').disabled = b || !tensors;
  $('stop-btn').disabled = !(b && demo.status === 'training');
  $('save-btn').disabled = b || !haveModel;
  $('download-btn').disabled = b || !haveModel;
  $('load-btn').disabled = b || !tensors;
}

function readSettings() {
  const p = demo.params;
  const get = (id, dflt, ok) => {
    const v = Number($(id).value);
    if (ok(v)) return v;
    say('warn', `Ignored ${id} = ${$(id).value}: using ${dflt}.`, { id: `bad-${id}` });
    $(id).value = dflt;
    return dflt;
  };
  p.epochs = get('epochs', p.epochs, (v) => Number.isInteger(v) && v >= 1 && v <= 1000);
  p.batch = get('batch', p.batch, (v) => Number.isInteger(v) && v >= 1 && v <= 4096);
  p.lr = get('lr', p.lr, (v) => Number.isFinite(v) && v > 0 && v <= 1);
}

async function train() {
  if (busy) return;
  readSettings();
  const p = demo.params;
  stopRequested = false;
  demo.status = 'training';
  setBusy(true);
  unsay('trained');
  if (model) model.dispose();
  if (optimizer) optimizer.dispose();
  model = buildModel(ff);
  optimizer = ff.train.adam(p.lr);
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  demo.loadedFrom = null;
  demo.saved = null;
  Object.assign(demo, { steps: 0, losses: [], batchAccuracies: [], firstLoss: null, lastLoss: null, epochs: [], testAccuracy: null, predictions: null });
  demo.timing = { firstStepSeconds: null, steadySecondsPerStep: null, examplesPerSecond: null, trainSeconds: null, epochSeconds: null, epochSecondsMeasured: false };
  $('epoch-table').querySelector('tbody').textContent = '';
  $('epoch-table').hidden = true;
  const stepsPerEpoch = Math.ceil(tensors.nTrain / p.batch);
  demo.stepsPerEpoch = stepsPerEpoch;
  demo.stepsPlanned = Math.min(p.maxSteps ?? Infinity, p.epochs * stepsPerEpoch);
  $('model-info').textContent = `Training a new model: ${model.countParams().toLocaleString()} parameters, Adam lr ${p.lr} (x${p.lrDecay} per epoch), batch ${p.batch}, ${p.epochs} epoch(s)${p.maxSteps ? `, at most ${p.maxSteps} steps` : ''}${p.stopAt ? `, stopping once test accuracy >= ${pct(p.stopAt, 0)}` : ''}.`;
  drawCharts();
  showProgress();

  const t0 = performance.now();
  const stepEnds = []; // [time, examples]
  let epochStart = t0;
  let epochSteps = 0;
  let epochLoss = 0;
  let epochAcc = 0;
  let epochN = 0;
  let stopReason = null;
  const completeEpochSeconds = [];
  const callbacks = {
    onEpochBegin: async (epoch) => {
      optimizer.setLearningRate(learningRate(p.lr, epoch, p.lrDecay));
      epochStart = performance.now();
      epochSteps = 0;
      epochLoss = 0;
      epochAcc = 0;
      epochN = 0;
    },
    onBatchEnd: async (_batch, logs) => {
      const now = performance.now();
      demo.steps++;
      epochSteps++;
      demo.losses.push(logs.loss);
      demo.batchAccuracies.push(logs.acc);
      demo.firstLoss ??= logs.loss;
      demo.lastLoss = logs.loss;
      epochLoss += logs.loss * logs.size;
      epochAcc += logs.acc * logs.size;
      epochN += logs.size;
      stepEnds.push([now, logs.size]);
      const t = demo.timing;
      if (demo.steps === 1) t.firstStepSeconds = (now - t0) / 1000;
      else t.steadySecondsPerStep = (now - stepEnds[0][0]) / 1000 / (demo.steps - 1);
      const w = stepEnds.slice(-21);
      if (w.length > 1) t.examplesPerSecond = w.slice(1).reduce((s, x) => s + x[1], 0) / ((w.at(-1)[0] - w[0][0]) / 1000);
      else t.examplesPerSecond = logs.size / t.firstStepSeconds;
      if (!t.epochSecondsMeasured && t.steadySecondsPerStep !== null) t.epochSeconds = t.steadySecondsPerStep * stepsPerEpoch;
      if (!Number.isFinite(logs.loss)) {
        stopReason = `the loss is ${logs.loss}: training diverged (try a smaller learning rate)`;
        model.stopTraining = true;
      }
      if (p.maxSteps && demo.steps >= p.maxSteps) {
        stopReason ??= `reached ?maxSteps=${p.maxSteps}`;
        model.stopTraining = true;
      }
      if (stopRequested) {
        stopReason ??= 'stopped';
        model.stopTraining = true;
      }
      if (now - lastDraw > 120 || model.stopTraining) {
        showProgress();
        drawCharts();
      }
    },
    onEpochEnd: async (epoch) => {
      const seconds = (performance.now() - epochStart) / 1000;
      const complete = epochSteps === stepsPerEpoch;
      if (complete) {
        // The median of the complete epochs so far.
        completeEpochSeconds.push(seconds);
        const sorted = [...completeEpochSeconds].sort((a, b) => a - b);
        demo.timing.epochSeconds = sorted[Math.floor((sorted.length - 1) / 2)];
        demo.timing.epochSecondsMeasured = true;
      }
      demo.status = 'evaluating';
      $('progress-text').textContent = `evaluating on ${tensors.nTest} test digits…`;
      const te = performance.now();
      const testAccuracy = await evaluateTest();
      const e = { epoch, steps: epochSteps, complete, seconds, loss: epochLoss / Math.max(1, epochN), acc: epochAcc / Math.max(1, epochN), testAccuracy, evalSeconds: (performance.now() - te) / 1000 };
      demo.epochs.push(e);
      addEpochRow(e);
      renderGrid();
      showProgress();
      drawCharts();
      if (p.stopAt && testAccuracy >= p.stopAt && !model.stopTraining) {
        stopReason = `test accuracy ${pct(testAccuracy)} reached ?stopAt=${p.stopAt}`;
        model.stopTraining = true;
      }
      demo.status = 'training';
    },
  };
  try {
    await model.fit(tensors.xTrain, tensors.yTrain, { epochs: p.epochs, batchSize: p.batch, shuffle: true, callbacks });
    demo.timing.trainSeconds = (performance.now() - t0) / 1000;
    showProgress();
    drawCharts();
    $('progress-text').textContent = `done: ${demo.steps} steps in ${fmtSeconds(demo.timing.trainSeconds)}${stopReason ? ` (${stopReason})` : ''}`;
    $('progress-bar').style.width = '100%';
    say('info', `Trained ${demo.steps} steps on ${demo.backend === 'webgpu' ? 'WebGPU' : 'the CPU (wasm)'}: test accuracy ${pct(demo.testAccuracy)} on ${tensors.nTest} digits${stopReason ? ` (${stopReason})` : ''}.`, { id: 'trained' });
    demo.status = 'saving';
    await saveModel();
    demo.status = 'trained';
  } catch (e) {
    fail('Training failed', e);
  } finally {
    setBusy(false);
  }
}

function fail(what, e) {
  demo.status = 'error';
  demo.error = `${what}: ${errorText(e)}`;
  say('error', demo.error, { id: 'failure' });
  console.error(demo.error);
}

// ---- saving and loading ------------------------------------------------------------------

async function saveModel() {
  const r = await model.save(MODEL_URL);
  const marker = { savedAt: new Date().toISOString(), testAccuracy: demo.testAccuracy, testSize: tensors.nTest, backend: demo.backend, steps: demo.steps, bytes: r.modelArtifactsInfo.weightDataBytes };
  try {
    localStorage.setItem(MARKER_KEY, JSON.stringify(marker));
  } catch {
    // Only the "a saved model exists" hint is lost.
  }
  demo.saved = { url: MODEL_URL, ...marker };
  $('model-info').textContent = `Saved to IndexedDB as "${MODEL_NAME}" (${MODEL_URL}, ${(r.modelArtifactsInfo.weightDataBytes / 1024).toFixed(1)} KiB of weights). Reload the page and press "Load saved model" (or open ?load=1) to get it back.`;
}

async function saveClicked() {
  if (busy || !model) return;
  setBusy(true);
  try {
    await saveModel();
    say('info', `Saved the model to ${MODEL_URL}.`, { id: 'saved' });
  } catch (e) {
    say('error', `Saving to IndexedDB failed: ${errorText(e)}`, { id: 'saved' });
  } finally {
    setBusy(false);
  }
}

async function downloadClicked() {
  if (busy || !model) return;
  setBusy(true);
  try {
    await model.save(DOWNLOAD_URL);
    demo.downloaded = true;
    say('info', 'Downloading model.json and weights.safetensors: keep them in one folder; ff.loadLayersModel (http://…/model.json) and ferroflow_core::io::load_model read them as they are.', { id: 'downloaded' });
  } catch (e) {
    say('error', `Download failed: ${errorText(e)}`, { id: 'downloaded' });
  } finally {
    setBusy(false);
  }
}

function savedMarker() {
  try {
    return JSON.parse(localStorage.getItem(MARKER_KEY) || 'null');
  } catch {
    return null;
  }
}

async function loadSaved() {
  if (busy) return;
  setBusy(true);
  demo.status = 'loading';
  try {
    let loaded;
    try {
      loaded = await ff.loadLayersModel(MODEL_URL);
    } catch (e) {
      if (/no model named/.test(errorText(e))) {
        demo.status = 'no-saved-model';
        say('warn', `No saved model in this browser's IndexedDB yet (${MODEL_URL}): train one first — it is saved automatically when training ends.`, { id: 'load' });
        return;
      }
      throw e;
    }
    if (model) model.dispose();
    model = loaded;
    demo.loadedFrom = MODEL_URL;
    const marker = savedMarker();
    await evaluateTest();
    renderGrid();
    $('stat-test').textContent = pct(demo.testAccuracy);
    const when = marker ? ` trained on ${marker.backend} (${marker.steps} steps), saved ${new Date(marker.savedAt).toLocaleString()}` : '';
    $('model-info').textContent = `Loaded ${MODEL_URL}${when}: ${model.countParams().toLocaleString()} parameters, test accuracy ${pct(demo.testAccuracy)} on ${tensors.nTest} digits.`;
    say('info', `Loaded the saved model from IndexedDB: test accuracy ${pct(demo.testAccuracy)}.`, { id: 'load' });
    demo.status = 'loaded';
  } catch (e) {
    fail('Loading the saved model failed', e);
  } finally {
    setBusy(false);
  }
}

// ---- drawing -----------------------------------------------------------------------------

let pad = null;

function renderProbs(probs) {
  const box = $('probs');
  box.textContent = '';
  const top = argmaxRows(probs, 1)[0];
  for (let k = 0; k < 10; k++) {
    const row = document.createElement('div');
    row.className = `bar-row${k === top ? ' top' : ''}`;
    row.dataset.digit = k;
    row.innerHTML = `<span class="digit">${k}</span><span class="bar"><div style="width:${(100 * probs[k]).toFixed(1)}%"></div></span><span class="pct">${pct(probs[k], 1)}</span>`;
    box.appendChild(row);
  }
}

async function predictDrawing() {
  const result = $('draw-result');
  const pixels = pad.toMnist();
  const preview = $('pad-preview');
  if (!pixels) {
    preview.getContext('2d').clearRect(0, 0, 28, 28);
    result.textContent = 'The canvas is empty: draw a digit first.';
    $('probs').textContent = '';
    demo.drawPrediction = { empty: true };
    return;
  }
  paintDigit(preview, pixels);
  if (!model) {
    result.textContent = 'No model yet: train one (section 1) or load the saved one (section 3), then draw again.';
    demo.drawPrediction = { noModel: true };
    return;
  }
  try {
    const probs = await predictBytes(pixels, 0, 1);
    const k = argmaxRows(probs, 1)[0];
    result.innerHTML = `Predicted: <strong>${k}</strong> (${pct(probs[k], 1)})`;
    renderProbs(probs);
    demo.drawPrediction = { predicted: k, probabilities: Array.from(probs) };
  } catch (e) {
    result.textContent = `Prediction failed: ${errorText(e)}`;
    demo.drawPrediction = { error: errorText(e) };
  }
}

// ---- automation helpers (used by the e2e test) -------------------------------------------

/** Probabilities and classes of the first `n` test digits under the current model. */
demo.predictTest = async (n) => {
  if (!model) throw new Error('no model');
  n = Math.min(n, digits.test.n);
  const probs = await predictBytes(digits.test.images, 0, n);
  const probabilities = [];
  for (let i = 0; i < n; i++) probabilities.push(Array.from(probs.subarray(i * 10, i * 10 + 10)));
  return { predicted: argmaxRows(probs, n), probabilities };
};
demo.train = () => train();
demo.stop = () => {
  stopRequested = true;
};
demo.load = () => loadSaved();

// ---- start -------------------------------------------------------------------------------

async function main() {
  demo.params = parseParams();
  const p = demo.params;
  demo.requestedBackend = p.backend;
  $('epochs').value = p.epochs;
  $('batch').value = p.batch;
  $('lr').value = p.lr;
  $('backend-select').value = p.backend;
  $('backend-select').addEventListener('change', () => {
    const q = new URLSearchParams(location.search);
    q.set('backend', $('backend-select').value);
    q.delete('autostart');
    q.delete('load');
    location.search = q.toString();
  });
  $('train-btn').addEventListener('click', () => train());
  $('stop-btn').addEventListener('click', () => {
    stopRequested = true;
    $('stop-btn').disabled = true;
  });
  $('save-btn').addEventListener('click', () => saveClicked());
  $('download-btn').addEventListener('click', () => downloadClicked());
  $('load-btn').addEventListener('click', () => loadSaved());
  $('mistakes-only').addEventListener('change', () => renderGrid());
  pad = new DrawPad($('pad'), { onStrokeEnd: () => predictDrawing() });
  $('clear-btn').addEventListener('click', () => {
    pad.clear();
    $('probs').textContent = '';
    $('pad-preview').getContext('2d').clearRect(0, 0, 28, 28);
    $('draw-result').textContent = 'Draw a digit (0–9) with the mouse or a finger.';
    demo.drawPrediction = null;
  });
  $('predict-btn').addEventListener('click', () => predictDrawing());
  let resizeTimer = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(drawCharts, 150);
  });
  drawCharts();

  try {
    ff = await import('ferroflow');
  } catch (e) {
    fail('Could not load the ferroflow package (vendor/ferroflow/browser.js; run `npm run build` in demos/mnist-web)', e);
    return;
  }
  try {
    demo.adapter = await queryAdapter();
    await initBackend(p.backend);
  } catch (e) {
    fail('Could not start ferroflow (loading its WebAssembly module)', e);
    return;
  }
  showBackend();
  try {
    digits = await loadDigits();
    makeTensors();
  } catch (e) {
    fail('Could not load the MNIST digits', e);
    return;
  }
  demo.status = 'ready';
  setBusy(false);
  const marker = savedMarker();
  if (marker && !p.load) {
    const el = say(
      'info',
      '',
      {
        id: 'offer',
        html: `A model trained here before is saved in IndexedDB (${escapeHtml(marker.backend)}, ${escapeHtml(marker.steps)} steps, test accuracy ${escapeHtml(pct(marker.testAccuracy))}, ${escapeHtml(new Date(marker.savedAt).toLocaleString())}). <button id="offer-load">Load it</button>`,
      },
    );
    el.querySelector('#offer-load').addEventListener('click', () => {
      unsay('offer');
      loadSaved();
    });
  }
  if (p.load) await loadSaved();
  if (p.autostart) await train();
}

main();
