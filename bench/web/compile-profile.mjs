// Pipeline compile profile: which of ferroflow's WebGPU shaders cost how much to compile in
// headless Chromium (SwiftShader here), for one workload. Uses the built npm package.
//
//   node bench/web/compile-profile.mjs [--workload mlp_sgd_step|matmul_256] [--dump DIR (writes each shader's WGSL)]
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, serveFolders } from '../../scripts/chromium.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(resolve(here, '..', '..'), 'npm', 'dist');
const argv = process.argv.slice(2);
const workload = argv.includes('--workload') ? argv[argv.indexOf('--workload') + 1] : 'mlp_sgd_step';
const dump = argv.includes('--dump') ? resolve(argv[argv.indexOf('--dump') + 1]) : null;
if (!existsSync(join(dist, 'browser.js'))) throw new Error('build the package first: cd npm && npm run build');
if (!existsSync(join(here, 'node_modules', 'playwright-core'))) throw new Error('install first: cd bench/web && npm ci');

const server = await serveFolders([['/ferroflow/', dist], ['/', here]]);
const { chromium: pw } = await import(join(here, 'node_modules', 'playwright-core', 'index.mjs'));
const browser = await launchChromium(pw);
try {
  const page = await browser.newPage();
  page.on('console', (m) => console.log(m.text()));
  page.on('crash', () => console.log('the page crashed'));
  page.on('pageerror', (e) => console.log(`page error: ${e.stack || e}`));
  await page.goto(`${server.origin}/compile-profile.html?workload=${workload}`);
  await page.waitForFunction(() => window.__ffCompile !== undefined, null, { timeout: 600_000, polling: 500 });
  const r = await page.evaluate(() => window.__ffCompile);
  if (r.error) process.exitCode = 1;
  else if (dump) {
    mkdirSync(dump, { recursive: true });
    r.sources.forEach((code, i) => writeFileSync(join(dump, `${String(i).padStart(2, '0')}.wgsl`), code));
    console.log(`wrote ${r.sources.length} shaders to ${dump}`);
  }
} finally {
  await browser.close();
  server.close();
}
