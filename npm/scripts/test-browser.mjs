// `npm run test:browser`: the browser suite. Serves the scratch project (the installed tarball,
// TF.js, test/browser/) over HTTP, opens test/browser/index.html in Debian's headless Chromium
// through playwright-core (--enable-unsafe-webgpu gives a WebGPU adapter: SwiftShader), waits for
// the page's results and fails when any check fails, or when WebGPU was skipped unless
// FF_ALLOW_WEBGPU_SKIP=1. Creates the scratch project (and the tarball) first when missing.
//
//   node scripts/test-browser.mjs [--backends cpu,webgpu] [--timeout 900]
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const npmDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const scratch = join(npmDir, '.scratch');
const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const backends = opt('--backends', 'cpu,webgpu');
const timeoutS = Number(opt('--timeout', '900'));
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
const t0 = Date.now();

if (!existsSync(join(scratch, 'node_modules', 'playwright-core')) || !existsSync(join(scratch, 'node_modules', 'ferroflow'))) {
  execFileSync(process.execPath, [join(npmDir, 'scripts', 'test.mjs'), '--only-scratch'], { stdio: 'inherit', cwd: npmDir });
} else {
  // Refresh the test files (the package itself is refreshed by `npm test` / --only-scratch).
  cpSync(join(npmDir, 'test'), join(scratch, 'test'), { recursive: true });
}
if (!existsSync(chromium)) throw new Error(`${chromium} is missing: apt-get install chromium (scripts/lib.sh: ensure_chromium)`);

const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.map': 'application/json' };
const server = createServer((req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
  const file = join(scratch, path);
  if (!file.startsWith(scratch) || !existsSync(file) || statSync(file).isDirectory()) {
    res.writeHead(404);
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': types[extname(file)] || 'application/octet-stream' });
  res.end(readFileSync(file));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/test/browser/index.html?backends=${backends}`;

const { chromium: pw } = await import(join(scratch, 'node_modules', 'playwright-core', 'index.mjs'));
// Don't pass VK_DRIVER_FILES/VK_ICD_FILENAMES to Chromium: they break its SwiftShader.
const env = { ...process.env };
delete env.VK_DRIVER_FILES;
delete env.VK_ICD_FILENAMES;
if (!env.XDG_RUNTIME_DIR || !existsSync(env.XDG_RUNTIME_DIR)) env.XDG_RUNTIME_DIR = mkdtempSync(join(tmpdir(), 'ff-xdg-'));
const browser = await pw.launch({
  executablePath: chromium,
  headless: true,
  env,
  args: ['--no-sandbox', '--enable-unsafe-webgpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
});
let code = 1;
try {
  const page = await browser.newPage();
  page.on('console', (m) => console.log(`[page] ${m.text()}`));
  page.on('pageerror', (e) => console.log(`[page error] ${e.stack || e}`));
  console.log(`open ${url} (${await browser.version()})`);
  await page.goto(url);
  await page.waitForFunction(() => window.__ffResults !== undefined, null, { timeout: timeoutS * 1000, polling: 1000 });
  const r = await page.evaluate(() => window.__ffResults);
  const webgpuSkipped = r.skipped.some((s) => s.backend === 'webgpu');
  console.log(`browser suite: ${r.summary}`);
  for (const f of r.results.filter((x) => !x.ok)) console.log(`  FAIL [${f.backend}] ${f.name}: ${f.error}`);
  if (webgpuSkipped && process.env.FF_ALLOW_WEBGPU_SKIP !== '1') {
    console.log('WebGPU was skipped (set FF_ALLOW_WEBGPU_SKIP=1 to accept that)');
  } else if (r.failed === 0 && r.results.length > 0) {
    code = 0;
  }
} finally {
  await browser.close();
  server.close();
}
console.log(`test:browser ${code === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
process.exit(code);
