// End-to-end test of the MNIST web demo in Debian's headless Chromium (playwright-core), served
// by serve.mjs (COOP/COEP). Prints one JSON line per training run and fails (exit 1) on any failed
// check, page error or console error.
//
//   node test/e2e.mjs               the CI test (a few minutes):
//     1. webgpu: --enable-unsafe-webgpu (SwiftShader here), a bounded number of small steps: the
//        adapter is reported and the loss falls; the model saved to IndexedDB reloads after a page
//        reload and predicts the same;
//     2. no-webgpu: Chromium without WebGPU: the fallback notice and its reason show, a missing
//        saved model and an empty drawing give messages, and training still works on CPU-wasm;
//     3. cpu: CPU-wasm until the test accuracy reaches >= 90% (at most 3 epochs): charts and the
//        prediction grid rendered, a drawn digit is classified, the downloads:// files equal the
//        IndexedDB artifacts, reload gives identical predictions; writes target/mnist-web/export/
//        (model.json, weights.safetensors, digits-100-u8.bin, labels-100-u8.bin,
//        predictions-100.json) and target/mnist-web/screenshot.png.
//   node test/e2e.mjs --full         3. as a full run: 10 epochs on CPU-wasm, test accuracy >= 97%.
//   node test/e2e.mjs --headless-run only the full CPU-wasm run, with progress lines (run-demo.sh --headless).
// Options: --no-build (don't run scripts/build.mjs first), --only RUN[,RUN] (webgpu, no-webgpu, cpu), --epochs N (full runs), --backend B
// (--headless-run: cpu by default; webgpu on SwiftShader takes ~2.5 min per epoch here), --timeout S (per run).
// FF_ALLOW_WEBGPU_SKIP=1 accepts a machine where Chromium has no WebGPU adapter (run 1 is skipped).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../../../scripts/chromium.mjs';
import { serveDemo } from '../serve.mjs';

const demoDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(demoDir, '..', '..');
const outDir = join(root, 'target', 'mnist-web');
const exportDir = join(outDir, 'export');
const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const headlessRun = argv.includes('--headless-run');
const full = argv.includes('--full') || headlessRun;
const fullEpochs = Number(opt('--epochs', '10'));
const timeoutS = Number(opt('--timeout', full ? '3600' : '900'));
const only = opt('--only', null)?.split(','); // e.g. --only cpu,no-webgpu (debugging)
const wants = (run) => !only || only.includes(run);
const t0 = Date.now();

if (!argv.includes('--no-build')) execFileSync(process.execPath, [join(demoDir, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: demoDir });

const { chromium: pw } = await import(join(demoDir, 'node_modules', 'playwright-core', 'index.mjs'));
const failures = [];
const check = (run, ok, what) => {
  if (!ok) failures.push(`[${run}] ${what}`);
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} [${run}] ${what}`);
  return ok;
};
const secs = () => ((Date.now() - t0) / 1000).toFixed(0);

/** A page that records page errors and console errors. */
async function openPage(context, run) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => {
    errors.push(`pageerror: ${e.stack || e}`);
    console.log(`  [${run} page error] ${e.stack || e}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') {
      errors.push(`console.error: ${m.text()}`);
      console.log(`  [${run} console.error] ${m.text()}`);
    }
  });
  page.errors = errors;
  return page;
}

/** Waits for window.demo.status to be one of `states`, printing progress every ~10 s. */
async function waitStatus(page, run, states, timeout = timeoutS) {
  const end = Date.now() + timeout * 1000;
  let lastPrint = 0;
  for (;;) {
    const s = await page.evaluate(() => {
      const d = window.demo;
      if (!d) return null;
      return { status: d.status, steps: d.steps, planned: d.stepsPlanned, loss: d.lastLoss, acc: d.batchAccuracies.at(-1), test: d.testAccuracy, epochs: d.epochs.length, t: d.timing, error: d.error };
    });
    if (s && states.includes(s.status)) return s.status;
    if (s && s.status === 'error') throw new Error(`[${run}] the page reports an error: ${s.error}`);
    if (Date.now() > end) throw new Error(`[${run}] timed out after ${timeout}s waiting for status ${states.join('|')} (status: ${s && s.status})`);
    if (s && s.status === 'training' && Date.now() - lastPrint > 10000 && s.steps > 0) {
      lastPrint = Date.now();
      const eta = s.t.steadySecondsPerStep ? ` ETA ${Math.round(s.t.steadySecondsPerStep * (s.planned - s.steps))}s` : '';
      console.log(
        `  [${run}] ${secs()}s step ${s.steps}/${s.planned} epoch ${s.epochs + 1} loss ${s.loss.toFixed(4)} batch acc ${(100 * s.acc).toFixed(1)}%` +
          `${s.test !== null ? ` test acc ${(100 * s.test).toFixed(2)}%` : ''} ${s.t.examplesPerSecond ? `${s.t.examplesPerSecond.toFixed(0)} ex/s` : ''}${eta}`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

const state = (page) =>
  page.evaluate(() => {
    const d = window.demo;
    return {
      status: d.status,
      backend: d.backend,
      backendDescription: d.backendDescription,
      adapter: d.adapter,
      fallbackReason: d.fallbackReason,
      crossOriginIsolated: d.crossOriginIsolated,
      steps: d.steps,
      stepsPerEpoch: d.stepsPerEpoch,
      losses: d.losses,
      firstLoss: d.firstLoss,
      lastLoss: d.lastLoss,
      epochs: d.epochs,
      testAccuracy: d.testAccuracy,
      testSize: d.testSize,
      predictions: d.predictions,
      timing: d.timing,
      saved: d.saved,
      chartDraws: d.chartDraws,
      messages: d.messages,
    };
  });

/** Pixels of the loss chart's smoothed line and the accuracy chart's test-accuracy dots. */
const chartPixels = (page) =>
  page.evaluate(() => {
    const count = (id, [r, g, b]) => {
      const c = document.getElementById(id);
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - r) < 30 && Math.abs(d[i + 1] - g) < 30 && Math.abs(d[i + 2] - b) < 30) n++;
      return n;
    };
    return { loss: count('loss-chart', [47, 111, 222]), test: count('acc-chart', [26, 143, 76]), batchAcc: count('acc-chart', [184, 199, 230]) };
  });

const gridInfo = (page) =>
  page.evaluate(() => {
    const cells = [...document.querySelectorAll('#grid .cell')];
    const inked = cells.filter((c) => {
      const cv = c.querySelector('canvas');
      const d = cv.getContext('2d').getImageData(0, 0, 28, 28).data;
      for (let i = 0; i < d.length; i += 4) if (d[i] > 128) return true;
      return false;
    }).length;
    return { cells: cells.length, inked, wrong: document.querySelectorAll('#grid .cell.wrong').length, summary: document.getElementById('grid-summary').textContent };
  });

function samePredictions(a, b) {
  if (!a || !b || a.predicted.length !== b.predicted.length) return { identical: false, maxAbsDiff: null, differentClasses: null };
  let maxAbsDiff = 0;
  let differentClasses = 0;
  for (let i = 0; i < a.predicted.length; i++) {
    if (a.predicted[i] !== b.predicted[i]) differentClasses++;
    for (let k = 0; k < 10; k++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a.probabilities[i][k] - b.probabilities[i][k]));
  }
  return { identical: differentClasses === 0 && maxAbsDiff <= 1e-6, maxAbsDiff, differentClasses };
}

const mean = (xs) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);

/**
 * Opens `query`, waits for training to end, checks it, reloads with ?load=1 and compares the
 * predictions. Returns {page, st, reload, line}.
 */
async function trainRun(context, run, url, query, { expectBackend, minAccuracy, minSteps }, beforeReload = async () => {}) {
  const page = await openPage(context, run);
  console.log(`[${run}] ${secs()}s open ${url}?${query}`);
  await page.goto(`${url}?${query}`);
  await waitStatus(page, run, ['trained']);
  const st = await state(page);
  const t = st.timing;
  console.log(
    `[${run}] ${secs()}s trained: backend ${st.backend} (${st.backendDescription}), ${st.steps} steps, loss ${st.firstLoss.toFixed(4)} -> ${st.lastLoss.toFixed(4)}, ` +
      `test accuracy ${(100 * st.testAccuracy).toFixed(2)}% on ${st.testSize}, first step ${t.firstStepSeconds.toFixed(2)}s, ${t.steadySecondsPerStep?.toFixed(3)}s/step after, ` +
      `${t.examplesPerSecond?.toFixed(0)} examples/s, epoch ${t.epochSeconds?.toFixed(1)}s (${t.epochSecondsMeasured ? 'measured' : 'extrapolated from steps'})`,
  );
  for (const e of st.epochs) {
    console.log(`    epoch ${e.epoch + 1}: ${e.steps} steps${e.complete ? '' : ' (partial)'} ${e.seconds.toFixed(1)}s loss ${e.loss.toFixed(4)} train acc ${(100 * e.acc).toFixed(2)}% test acc ${(100 * e.testAccuracy).toFixed(2)}% (eval ${e.evalSeconds.toFixed(1)}s)`);
  }
  check(run, st.backend === expectBackend, `backend is ${expectBackend} (got ${st.backend})`);
  check(run, st.crossOriginIsolated === true, 'the page is cross-origin isolated (COOP/COEP headers)');
  check(run, st.steps >= minSteps && st.losses.length === st.steps && st.losses.every(Number.isFinite), `${st.steps} steps (>= ${minSteps}) with finite losses`);
  const k = Math.max(1, Math.min(5, Math.floor(st.steps / 3)));
  const head = mean(st.losses.slice(0, k));
  const tail = mean(st.losses.slice(-k));
  check(run, tail < head, `the loss falls (mean of the first ${k} steps ${head.toFixed(4)}, of the last ${k} ${tail.toFixed(4)})`);
  if (minAccuracy !== undefined) check(run, st.testAccuracy >= minAccuracy, `test accuracy ${(100 * st.testAccuracy).toFixed(2)}% >= ${100 * minAccuracy}%`);
  const px = await chartPixels(page);
  check(run, px.loss > 100 && px.test > 10 && px.batchAcc > 50 && st.chartDraws > 1, `charts drawn (loss line ${px.loss} px, test accuracy dots ${px.test} px, batch accuracy ${px.batchAcc} px, ${st.chartDraws} redraws)`);
  const g = await gridInfo(page);
  const wrong = st.predictions.predicted.slice(0, 100).filter((p, i) => p !== st.predictions.labels[i]).length;
  check(run, g.cells === Math.min(100, st.testSize) && g.inked === g.cells && g.wrong === wrong, `prediction grid: ${g.cells} digits drawn, ${g.wrong} marked wrong (${g.summary.trim()})`);
  check(run, st.saved && st.saved.url === 'indexeddb://ferroflow-mnist', 'saved to indexeddb://ferroflow-mnist after training');
  const extra = await beforeReload(page, st);

  // Reload: the saved model, loaded from IndexedDB, predicts the same.
  const before = st.predictions;
  const reloadQuery = new URLSearchParams(query);
  reloadQuery.delete('autostart');
  reloadQuery.set('load', '1');
  await page.goto(`${url}?${reloadQuery}`);
  await waitStatus(page, run, ['loaded', 'no-saved-model']);
  const after = await state(page);
  const same = samePredictions(before, after.predictions);
  check(
    run,
    after.status === 'loaded' && same.identical && after.testAccuracy === st.testAccuracy,
    `after a page reload, the model loaded from IndexedDB predicts the same on ${after.testSize} test digits (${same.differentClasses} different classes, max |dp| ${same.maxAbsDiff})`,
  );
  const adapter = st.backend === 'webgpu' ? (st.adapter?.summary ?? null) : st.backendDescription;
  const line = {
    backend: st.backend,
    adapter,
    steps: st.steps,
    first_loss: +st.firstLoss.toFixed(5),
    last_loss: +st.lastLoss.toFixed(5),
    test_accuracy: +st.testAccuracy.toFixed(4),
    reload_identical: same.identical,
    run,
    test_size: st.testSize,
    batch: Number(new URLSearchParams(query).get('batch') || 64),
    epochs: st.epochs.length,
    seconds_per_step: t.steadySecondsPerStep === null ? null : +t.steadySecondsPerStep.toFixed(4),
    first_step_seconds: +t.firstStepSeconds.toFixed(3),
    examples_per_second: +(t.examplesPerSecond ?? 0).toFixed(1),
    epoch_seconds: t.epochSeconds === null ? null : +t.epochSeconds.toFixed(2),
    epoch_seconds_measured: t.epochSecondsMeasured,
    train_seconds: +t.trainSeconds.toFixed(2),
    ...extra,
  };
  return { page, st, after, line };
}

/** The IndexedDB record model.save('indexeddb://ferroflow-mnist') wrote, as bytes. */
async function readIndexedDbArtifacts(page) {
  const r = await page.evaluate(async () => {
    const db = await new Promise((res, rej) => {
      const q = indexedDB.open('ferroflow_models');
      q.onsuccess = () => res(q.result);
      q.onerror = () => rej(q.error);
    });
    const rec = await new Promise((res, rej) => {
      const tx = db.transaction('models', 'readonly');
      const q = tx.objectStore('models').get('ferroflow-mnist');
      q.onsuccess = () => res(q.result);
      q.onerror = () => rej(q.error);
    });
    db.close();
    const b64 = (v) => {
      const u8 = typeof v === 'string' ? new TextEncoder().encode(v) : v instanceof Uint8Array ? v : new Uint8Array(v.buffer ?? v);
      let s = '';
      for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000));
      return btoa(s);
    };
    return { modelJson: b64(rec.modelJson), weights: Object.fromEntries(Object.entries(rec.weights).map(([k, v]) => [k, b64(v)])) };
  });
  return { modelJson: Buffer.from(r.modelJson, 'base64'), weights: Object.fromEntries(Object.entries(r.weights).map(([k, v]) => [k, Buffer.from(v, 'base64')])) };
}

const lines = [];
const server = await serveDemo();
const url = server.url;
console.log(`e2e: serving ${url} (Chromium ${process.env.CHROMIUM || '/usr/bin/chromium'})`);
const browser = await launchChromium(pw, ['--disable-quic']);
let noGpuBrowser = null;
try {
  console.log(`e2e: Chromium ${browser.version()}`);

  // ---- 1. WebGPU (SwiftShader): a few small steps ------------------------------------------
  if (!headlessRun && wants('webgpu')) {
    const run = 'webgpu';
    const context = await browser.newContext();
    const probe = await openPage(context, run);
    await probe.goto(`${url}?backend=cpu`);
    await waitStatus(probe, run, ['ready']);
    const adapter = (await state(probe)).adapter;
    await probe.close();
    if (!adapter?.available && process.env.FF_ALLOW_WEBGPU_SKIP === '1') {
      console.log(`[${run}] skipped: no WebGPU adapter (${adapter?.reason}); FF_ALLOW_WEBGPU_SKIP=1`);
    } else {
      check(run, adapter?.available === true, `Chromium with --enable-unsafe-webgpu has an adapter: ${adapter?.summary ?? adapter?.reason}`);
      const steps = Number(process.env.FF_E2E_WEBGPU_STEPS || 15);
      const r = await trainRun(context, run, url, `backend=webgpu&epochs=1&maxSteps=${steps}&batch=16&testSize=200&autostart=1`, { expectBackend: 'webgpu', minSteps: steps });
      check(run, !!r.line.adapter && /swiftshader|google|nvidia|amd|intel|apple|arm|qualcomm/i.test(`${r.line.adapter}`), `the adapter is reported: ${r.line.adapter}`);
      check(run, r.page.errors.length === 0, `no page errors or console errors (${r.page.errors.length})`);
      lines.push(r.line);
      console.log(JSON.stringify(r.line));
    }
    await context.close();
  }

  // ---- 2. No WebGPU: the fallback notice, messages, training on CPU-wasm ------------------
  if (!headlessRun && wants('no-webgpu')) {
    const run = 'no-webgpu';
    noGpuBrowser = await launchChromium(pw, ['--disable-quic'], { webgpu: false });
    const context = await noGpuBrowser.newContext();
    const page = await openPage(context, run);
    // WebGPU asked for explicitly, and a saved model asked for that does not exist.
    await page.goto(`${url}?backend=webgpu&load=1`);
    await waitStatus(page, run, ['no-saved-model', 'loaded']);
    let st = await state(page);
    const notice = await page.locator('#fallback-notice').innerText();
    check(run, st.backend === 'cpu' && !!st.fallbackReason, `?backend=webgpu falls back to cpu: ${st.fallbackReason}`);
    check(run, (await page.locator('#fallback-notice').isVisible()) && /not available/i.test(notice) && notice.includes(st.fallbackReason), `the fallback notice shows with its reason: "${notice.replace(/\s+/g, ' ').trim()}"`);
    const adapterLine = await page.locator('#adapter-info').innerText();
    check(run, /navigator\.gpu/.test(st.fallbackReason) && /no WebGPU adapter/.test(adapterLine), `the reason is the browser's (navigator.gpu); the adapter line says there is none: "${adapterLine}"`);
    const loadMsg = st.messages.find((m) => m.id === 'load');
    check(run, st.status === 'no-saved-model' && loadMsg && /No saved model/.test(loadMsg.text) && (await page.getByText('No saved model in this browser').isVisible()), `a missing saved model gives a message: "${loadMsg?.text}"`);
    await page.click('#predict-btn');
    await page.waitForFunction(() => window.demo.drawPrediction !== null);
    check(run, (await page.locator('#draw-result').innerText()).includes('empty'), `an empty drawing gives a message: "${await page.locator('#draw-result').innerText()}"`);
    // ?epochs=abc: a bad parameter is reported, not thrown.
    await page.goto(`${url}?epochs=abc`);
    await waitStatus(page, run, ['ready']);
    st = await state(page);
    check(run, st.messages.some((m) => m.id === 'params' && m.text.includes('?epochs=abc')), 'a bad query parameter gives a message');
    await page.close();
    check(run, page.errors.length === 0, `no page errors or console errors so far (${page.errors.length})`);
    const r = await trainRun(context, run, url, 'epochs=1&maxSteps=40&testSize=500&autostart=1', { expectBackend: 'cpu', minSteps: 40 });
    check(run, !!r.st.fallbackReason && (await r.page.locator('#fallback-notice').isVisible()), 'training ran with the fallback notice shown');
    check(run, r.page.errors.length === 0, `no page errors or console errors (${r.page.errors.length})`);
    r.line.fallback_reason = r.st.fallbackReason;
    lines.push(r.line);
    console.log(JSON.stringify(r.line));
    await context.close();
    await noGpuBrowser.close();
    noGpuBrowser = null;
  }

  // ---- 3. CPU-wasm to >= 90% (--full: 10 epochs, >= 97%) ----------------------------------
  if (wants('cpu')) {
    const backend = headlessRun ? opt('--backend', 'cpu') : 'cpu';
    // Named after the backend, so a `--headless-run --backend webgpu` line says webgpu.
    const run = backend;
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    const query = full ? `backend=${backend}&epochs=${fullEpochs}&autostart=1` : 'backend=cpu&epochs=3&stopAt=0.9&autostart=1';
    const afterTraining = async (page, st) => {
      // Draw a "1" and a "0" on the pad.
      const stroke = async (pts) => {
        await page.locator('#pad').scrollIntoViewIfNeeded();
        const box = await page.locator('#pad').boundingBox();
        await page.mouse.move(box.x + pts[0][0] * box.width, box.y + pts[0][1] * box.height);
        await page.mouse.down();
        for (const [x, y] of pts.slice(1)) await page.mouse.move(box.x + x * box.width, box.y + y * box.height, { steps: 4 });
        await page.mouse.up();
      };
      const drawn = [];
      for (const [digit, pts] of [
        [1, [[0.52, 0.15], [0.5, 0.5], [0.48, 0.85]]],
        [0, Array.from({ length: 25 }, (_, i) => [0.5 + 0.22 * Math.sin((2 * Math.PI * i) / 24), 0.5 - 0.32 * Math.cos((2 * Math.PI * i) / 24)])],
      ]) {
        await page.click('#clear-btn');
        await stroke(pts);
        await page.waitForFunction(() => window.demo.drawPrediction && Array.isArray(window.demo.drawPrediction.probabilities), null, { timeout: 60000 });
        const d = await page.evaluate(() => window.demo.drawPrediction);
        const bars = await page.locator('#probs .bar-row').count();
        const sum = d.probabilities.reduce((s, p) => s + p, 0);
        drawn.push(`${digit} -> ${d.predicted} (${(100 * d.probabilities[d.predicted]).toFixed(1)}%)`);
        check(run, bars === 10 && Math.abs(sum - 1) < 1e-3, `a drawn "${digit}" is classified: ${d.predicted} (${(100 * d.probabilities[d.predicted]).toFixed(1)}%), 10 probability bars, sum ${sum.toFixed(4)}`);
        if (d.predicted !== digit) console.log(`  note [${run}] the drawn "${digit}" was read as ${d.predicted}`);
      }

      // downloads:// gives the two files, equal to the IndexedDB artifacts.
      const downloads = [];
      page.on('download', (d) => downloads.push(d));
      await page.click('#download-btn');
      for (let i = 0; i < 100 && downloads.length < 2; i++) await new Promise((res) => setTimeout(res, 100));
      const files = {};
      for (const d of downloads) files[d.suggestedFilename()] = readFileSync(await d.path());
      const art = await readIndexedDbArtifacts(page);
      const ws = art.weights['weights.safetensors'];
      const manifest = JSON.parse(art.modelJson.toString('utf8'));
      const w0 = manifest.weights?.[0];
      check(
        run,
        manifest.format === 'ferroflow-layers-model' && w0?.path === 'weights.safetensors' && w0.size === ws?.length && w0.sha256 === createHash('sha256').update(ws).digest('hex'),
        `IndexedDB artifacts: model.json (${art.modelJson.length} B, manifest sha256 matches) + weights.safetensors (${ws?.length} B)`,
      );
      check(
        run,
        Object.keys(files).sort().join(',') === 'model.json,weights.safetensors' && files['model.json'].equals(art.modelJson) && files['weights.safetensors'].equals(ws),
        `downloads:// saved model.json + weights.safetensors, byte-identical to the IndexedDB artifacts (${Object.keys(files).join(', ') || 'none'})`,
      );

      // The export for the native edge binary (demos/edge).
      mkdirSync(exportDir, { recursive: true });
      writeFileSync(join(exportDir, 'model.json'), art.modelJson);
      writeFileSync(join(exportDir, 'weights.safetensors'), ws);
      const testImages = readFileSync(join(demoDir, 'public', 'data', 'test-images-u8.bin'));
      const testLabels = readFileSync(join(demoDir, 'public', 'data', 'test-labels-u8.bin'));
      writeFileSync(join(exportDir, 'digits-100-u8.bin'), testImages.subarray(0, 100 * 784));
      writeFileSync(join(exportDir, 'labels-100-u8.bin'), testLabels.subarray(0, 100));
      const p100 = await page.evaluate(() => window.demo.predictTest(100));
      const be = await page.evaluate(() => window.demo.backend);
      const same100 = samePredictions(p100, { predicted: st.predictions.predicted.slice(0, 100), probabilities: st.predictions.probabilities.slice(0, 100) });
      check(run, same100.identical, `predictions-100 equal the test-set predictions made during training on the first 100 test digits (max |dp| ${same100.maxAbsDiff})`);
      writeFileSync(join(exportDir, 'predictions-100.json'), JSON.stringify({ predicted: p100.predicted, probabilities: p100.probabilities, backend: be }) + '\n');
      const right100 = p100.predicted.filter((p, i) => p === testLabels[i]).length;
      console.log(`[${run}] export: ${exportDir} (model.json, weights.safetensors, digits-100-u8.bin, labels-100-u8.bin, predictions-100.json: ${right100}/100 right, backend ${be})`);

      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(outDir, 'screenshot.png'), fullPage: true });
      console.log(`[${run}] screenshot: ${join(outDir, 'screenshot.png')}`);
      return { drawn };
    };
    const r = await trainRun(context, run, url, query, { expectBackend: backend, minAccuracy: full ? 0.97 : 0.9, minSteps: 1 }, afterTraining);
    const page = r.page;
    check(run, page.errors.length === 0, `no page errors or console errors (${page.errors.length})`);
    lines.push(r.line);
    console.log(JSON.stringify(r.line));
    await context.close();
  }
} catch (e) {
  failures.push(String(e.stack || e));
  console.log(`e2e: ${e.stack || e}`);
} finally {
  await browser.close();
  if (noGpuBrowser) await noGpuBrowser.close();
  server.close();
}

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, headlessRun ? 'headless-result.jsonl' : full ? 'e2e-full-result.jsonl' : 'e2e-result.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
console.log(`\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
if (failures.length) {
  console.log(`\ne2e FAILED in ${secs()}s:\n${failures.map((f) => `  ${f}`).join('\n')}`);
  process.exit(1);
}
console.log(`\ne2e passed in ${secs()}s`);
