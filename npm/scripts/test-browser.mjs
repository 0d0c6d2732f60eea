// `npm run test:browser`: the browser suite. Serves the scratch project (the installed tarball,
// TF.js, test/browser/) over HTTP and opens, in Debian's headless Chromium through playwright-core
// (--enable-unsafe-webgpu gives a WebGPU adapter: SwiftShader), (1) test/browser/index.html, the
// op/gradient/memory suite on webgpu and cpu, and (2) test/vite-app bundled by `vite build` from
// the installed package (the .wasm must be emitted by Vite, not copied), which trains a tiny model,
// and (3) test/browser/broken-webgpu.html, where WebGPU opens but runs nothing: ready() must
// fall back to the CPU with the reason.
// Fails when any check fails, or when WebGPU was skipped unless FF_ALLOW_WEBGPU_SKIP=1. Creates
// the scratch project (and the tarball) first when missing.
//
//   node scripts/test-browser.mjs [--backends cpu,webgpu] [--timeout 900]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, serveFolders } from '../../scripts/chromium.mjs';

const npmDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const scratch = join(npmDir, '.scratch');
const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const backends = opt('--backends', 'cpu,webgpu');
const timeoutS = Number(opt('--timeout', '900'));
const t0 = Date.now();

if (['playwright-core', 'ferroflow', 'vite'].some((p) => !existsSync(join(scratch, 'node_modules', p)))) {
  execFileSync(process.execPath, [join(npmDir, 'scripts', 'test.mjs'), '--only-scratch'], { stdio: 'inherit', cwd: npmDir });
} else {
  // Refresh the test files (the package itself is refreshed by `npm test` / --only-scratch).
  cpSync(join(npmDir, 'test'), join(scratch, 'test'), { recursive: true });
}
// A model saved by Node (file://) that the page loads over http:// (artifacts/browser-http-mlp).
execFileSync(process.execPath, [join('test', 'browser', 'make-artifact.mjs')], { stdio: 'inherit', cwd: scratch });

// The Vite app, built from the installed package; its .wasm must be among the emitted assets.
const viteOut = join(scratch, 'vite-dist');
{
  const t = Date.now();
  execFileSync(join(scratch, 'node_modules', '.bin', 'vite'), ['build', join('test', 'vite-app'), '--outDir', viteOut, '--emptyOutDir', '--base', './', '--logLevel', 'warn'], { stdio: 'inherit', cwd: scratch });
  const assets = readdirSync(join(viteOut, 'assets'));
  const wasm = assets.filter((f) => f.endsWith('.wasm'));
  console.log(`vite build: ${assets.length} assets (${wasm.join(', ') || 'NO .wasm'}) in ${((Date.now() - t) / 1000).toFixed(1)}s`);
  if (wasm.length !== 1) throw new Error('vite build did not emit the ferroflow .wasm as an asset');
}

// The page saved a model with downloads://: two files, exactly as ferroflow_core::io writes them
// (model.json whose manifest holds the size and SHA-256 of weights.safetensors).
function checkDownloads(want, files) {
  const name = `downloads:// saved ${want.label}: model.json + weights.safetensors, manifest matches`;
  try {
    const json = files.filter((f) => f.name === 'model.json').at(-1);
    const weights = files.filter((f) => f.name === 'weights.safetensors').at(-1);
    if (!json || !weights) throw new Error(`downloads: ${files.map((f) => f.name).join(', ') || 'none'}`);
    const m = JSON.parse(json.bytes.toString('utf8'));
    const w = m.weights[0];
    const sha = createHash('sha256').update(weights.bytes).digest('hex');
    if (m.format !== 'ferroflow-layers-model' || w.path !== 'weights.safetensors' || w.size !== weights.bytes.length || w.sha256 !== sha) {
      throw new Error(`manifest ${JSON.stringify(w)} vs ${weights.bytes.length} bytes, sha256 ${sha}`);
    }
    if (JSON.stringify(m.model.config.input_shape) !== JSON.stringify(want.inputShape)) throw new Error(`input_shape ${m.model.config.input_shape}`);
    return { backend: want.backend, name, ok: true };
  } catch (e) {
    return { backend: want.backend, name, ok: false, error: String(e.message || e) };
  }
}

// Real TF.js models and TF.js's outputs for them (scripts/fetch-tfjs-models.sh), for the
// graph-model check; required when FERROFLOW_REQUIRE_MODELS=1 (CI).
const models = process.env.FERROFLOW_MODELS_DIR ? resolve(process.env.FERROFLOW_MODELS_DIR, 'tfjs') : resolve(npmDir, '..', 'data', 'models', 'tfjs');
const haveModels = existsSync(join(models, 'nsfwjs', 'mobilenet_v2_mid', 'oracle', 'oracle.json'));
if (!haveModels && process.env.FERROFLOW_REQUIRE_MODELS) throw new Error(`${models} lacks the nsfwjs models: run scripts/fetch-tfjs-models.sh`);
const server = await serveFolders(haveModels ? [['/models/', models], ['/', scratch]] : [['/', scratch]]);
const origin = server.origin;
const pages = [
  `${origin}/test/browser/index.html?backends=${backends}&models=${haveModels ? 1 : 0}`,
  `${origin}/vite-dist/index.html`,
  `${origin}/test/browser/broken-webgpu.html`,
];

const { chromium: pw } = await import(join(scratch, 'node_modules', 'playwright-core', 'index.mjs'));
const browser = await launchChromium(pw, ['--disable-quic']);
let code = 0;
try {
  for (const url of pages) {
    const page = await browser.newPage();
    page.on('console', (m) => console.log(`[page] ${m.text()}`));
    page.on('pageerror', (e) => console.log(`[page error] ${e.stack || e}`));
    // model.save('downloads://...') in the page: the files are checked below.
    const downloads = [];
    page.on('download', (d) => downloads.push(d.path().then((path) => ({ name: d.suggestedFilename(), bytes: readFileSync(path) }))));
    console.log(`open ${url} (Chromium ${await browser.version()})`);
    await page.goto(url);
    await page.waitForFunction(() => window.__ffResults !== undefined, null, { timeout: timeoutS * 1000, polling: 1000 });
    const r = await page.evaluate(() => window.__ffResults);
    for (const want of r.downloads || []) r.results.push(checkDownloads(want, await Promise.all(downloads)));
    await page.close();
    console.log(`result: ${r.summary}${r.downloads ? ` (+${r.downloads.length} download check)` : ''}`);
    for (const f of r.results.filter((x) => !x.ok)) console.log(`  FAIL [${f.backend}] ${f.name}: ${f.error}`);
    const layerChecks = r.results.filter((x) => /^(layers|downloads)/.test(x.name));
    if (layerChecks.length) console.log(`  layers API: ${layerChecks.filter((x) => x.ok).length}/${layerChecks.length} checks passed`);
    if (r.results.some((x) => !x.ok) || r.results.length === 0) code = 1;
    if (r.skipped.some((s) => s.backend === 'webgpu') && process.env.FF_ALLOW_WEBGPU_SKIP !== '1') {
      console.log('WebGPU was skipped (set FF_ALLOW_WEBGPU_SKIP=1 to accept that)');
      code = 1;
    }
  }
} catch (e) {
  console.log(`test:browser: ${e.stack || e}`);
  code = 1;
} finally {
  await browser.close();
  server.close();
}
console.log(`test:browser ${code === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
process.exit(code);
