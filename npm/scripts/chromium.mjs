// Shared by the browser suite (npm/scripts/test-browser.mjs) and the browser benchmark
// (bench/web/run.mjs): a static file server over a few folders, and Debian's headless Chromium
// launched through playwright-core with a WebGPU adapter (--enable-unsafe-webgpu: SwiftShader here).
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.map': 'application/json' };

/**
 * Serves `routes` ([[urlPrefix, folder], ...], the first matching prefix wins; '/' last) on a free
 * local port; never outside a route's folder. Resolves to { origin, close }.
 */
export async function serveFolders(routes) {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const route = routes.find(([prefix]) => path.startsWith(prefix));
    const file = route && join(route[1], path.slice(route[0].length));
    if (!file || !file.startsWith(route[1]) || !existsSync(file) || statSync(file).isDirectory()) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

/** Headless Chromium with WebGPU enabled, through the given playwright-core `chromium` export. */
export async function launchChromium(pw, extraArgs = []) {
  const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(chromium)) throw new Error(`${chromium} is missing: apt-get install chromium (scripts/lib.sh: ensure_chromium)`);
  // Don't pass VK_DRIVER_FILES/VK_ICD_FILENAMES (set for lavapipe runs) to Chromium: they break
  // its SwiftShader adapter.
  const env = { ...process.env };
  delete env.VK_DRIVER_FILES;
  delete env.VK_ICD_FILENAMES;
  if (!env.XDG_RUNTIME_DIR || !existsSync(env.XDG_RUNTIME_DIR)) env.XDG_RUNTIME_DIR = mkdtempSync(join(tmpdir(), 'ff-xdg-'));
  return pw.launch({
    executablePath: chromium,
    headless: true,
    env,
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}
