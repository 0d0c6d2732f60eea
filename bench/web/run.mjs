// Browser benchmark runner: serves this folder (TF.js from node_modules) and the built npm
// package (npm/dist, as /ferroflow/), opens index.html in Debian's headless Chromium through
// playwright-core with --enable-unsafe-webgpu, and prints ferroflow vs TF.js side by side with
// ratios (TF.js time / ferroflow time: > 1 means ferroflow is faster) and each library's first
// run over its steady-state median. Installs its devDependencies and builds the package when
// missing. Writes the raw results to target/bench-web.json.
//
//   node bench/web/run.mjs [--only matmul_256,mlp_sgd_step,mobilenet_graph] [--pairs webgpu,cpu] [--budget-ms 8000] [--timeout 1500] [--verbose] [--max-runs N]
//   FF_DIST=/tmp/other-dist node bench/web/run.mjs   (times another build of the package)
//   FF_CHROMIUM_ARGS='--js-flags=--no-wasm-dynamic-tiering' node bench/web/run.mjs   (extra Chromium flags)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, serveFolders } from '../../scripts/chromium.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const dist = process.env.FF_DIST || join(root, 'npm', 'dist');
const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const only = opt('--only', 'matmul_256,matmul_1024,mlp_sgd_step,cnn_adam_step');
const pairs = opt('--pairs', 'webgpu,cpu');
const budget = opt('--budget-ms', '8000');
const timeoutS = Number(opt('--timeout', '1500'));

if (!existsSync(join(here, 'node_modules', 'playwright-core'))) {
  console.log('[bench-web] installing devDependencies (npm ci)');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: here, stdio: 'inherit' });
}
if (!existsSync(join(dist, 'browser.js'))) {
  console.log('[bench-web] building the npm package (npm run build in npm/)');
  execFileSync('npm', ['run', 'build'], { cwd: join(root, 'npm'), stdio: 'inherit' });
}

// The real TF.js models of the graph-model workload (scripts/fetch-tfjs-models.sh).
const models = join(root, 'data', 'models', 'tfjs');
if (only.includes('mobilenet_graph') && !existsSync(join(models, 'nsfwjs', 'mobilenet_v2_mid', 'model.json'))) {
  console.log('[bench-web] mobilenet_graph needs data/models/tfjs: running scripts/fetch-tfjs-models.sh');
  execFileSync('bash', [join(root, 'scripts', 'fetch-tfjs-models.sh')], { stdio: 'inherit' });
}
const server = await serveFolders([['/ferroflow/', dist], ['/models/', models], ['/', here]]);
const query = new URLSearchParams({ only, pairs, budget_ms: budget });
if (argv.includes('--verbose')) query.set('verbose', '1');
if (argv.includes('--max-runs')) query.set('max_runs', opt('--max-runs'));
const url = `${server.origin}/index.html?${query}`;

const { chromium: pw } = await import(join(here, 'node_modules', 'playwright-core', 'index.mjs'));
const browser = await launchChromium(pw, process.env.FF_CHROMIUM_ARGS ? process.env.FF_CHROMIUM_ARGS.split(" ") : []);
let result;
try {
  const page = await browser.newPage();
  page.on('console', (m) => console.log(`[page] ${m.text()}`));
  page.on('pageerror', (e) => console.log(`[page error] ${e.stack || e}`));
  console.log(`[bench-web] open ${url} (Chromium ${await browser.version()})`);
  await page.goto(url);
  await page.waitForFunction(() => window.__ffBench !== undefined, null, { timeout: timeoutS * 1000, polling: 1000 });
  result = await page.evaluate(() => window.__ffBench);
} finally {
  await browser.close();
  server.close();
}

mkdirSync(join(root, 'target'), { recursive: true });
writeFileSync(join(root, 'target', 'bench-web.json'), JSON.stringify(result, null, 2));
if (result.error) {
  console.log(`[bench-web] the page failed: ${result.error}`);
  process.exit(1);
}

const ms = (r) => (r && r.median_ms !== undefined ? `${r.median_ms.toFixed(2)} ms` : r ? (r.skipped || r.error) : '-');
const first = (r) => (r && r.median_ms ? `${(r.first_ms / r.median_ms).toFixed(1)}x` : '-');
const lines = [
  '| workload | ferroflow | ferroflow time | TF.js | TF.js time | ratio (TF.js / ferroflow) | target >= 2x | ferroflow first/steady | TF.js first/steady |',
  '|---|---|---|---|---|---|---|---|---|',
];
let missed = 0;
for (const row of result.rows) {
  const a = row.ferroflow;
  const b = row.tfjs;
  const ok = a.median_ms !== undefined && b.median_ms !== undefined;
  const ratio = ok ? b.median_ms / a.median_ms : undefined;
  const met = ratio === undefined ? '-' : ratio >= 2 ? 'yes' : 'NO';
  if (met === 'NO') missed++;
  if (a.median_ms && a.first_ms / a.median_ms > 2) missed++;
  lines.push(`| ${row.workload} | ${row.ferroflow_backend} | ${ms(a)} | ${row.tfjs_backend} | ${ms(b)} | ${ratio === undefined ? '-' : `${ratio.toFixed(2)}x`} | ${met} | ${first(a)} | ${first(b)} |`);
}
console.log(`\n# browser benchmark (headless Chromium; ${result.userAgent})\n`);
console.log(lines.join('\n'));
console.log(`\n${missed} target(s) missed (ratio >= 2x per pair; ferroflow first run <= 2x steady). A benchmark reports; it does not fail on misses.`);
console.log('[bench-web] raw results: target/bench-web.json');
