// Shared by the npm browser suite (npm/scripts/test-browser.mjs), the browser benchmark
// (bench/web/run.mjs) and the MNIST web demo (demos/mnist-web: serve.mjs, the e2e test): a static
// file server over a few folders, and Debian's headless Chromium launched through playwright-core
// with a WebGPU adapter (--enable-unsafe-webgpu: SwiftShader here) unless asked not to.
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.bin': 'application/octet-stream',
  '.safetensors': 'application/octet-stream',
};

/**
 * Serves `routes` ([[urlPrefix, folder], ...], the first matching prefix wins; '/' last) on
 * `options.host` (default 127.0.0.1) and `options.port` (default: a free one); never outside a
 * route's folder. A folder's `index.html` answers for the folder. `options.headers` are added to
 * every response (e.g. COOP/COEP). Resolves to { origin, close, server }.
 */
export async function serveFolders(routes, options = {}) {
  const { host = '127.0.0.1', port = 0, headers = {} } = options;
  const server = createServer((req, res) => {
    let path;
    try {
      path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    } catch {
      res.writeHead(400, headers);
      res.end();
      return;
    }
    const route = routes.find(([prefix]) => path.startsWith(prefix));
    let file = route && join(route[1], path.slice(route[0].length));
    if (file && file.startsWith(route[1]) && existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!file || !file.startsWith(route[1]) || !existsSync(file) || statSync(file).isDirectory()) {
      res.writeHead(404, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] || 'application/octet-stream' });
    res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return { origin: `http://${shown}:${server.address().port}`, close: () => server.close(), server };
}

/**
 * Headless Chromium through the given playwright-core `chromium` export, with WebGPU enabled
 * unless `options.webgpu` is false (then `navigator.gpu` is missing, as in browsers without it).
 */
export async function launchChromium(pw, extraArgs = [], options = {}) {
  const { webgpu = true } = options;
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
    args: ['--no-sandbox', ...(webgpu ? ['--enable-unsafe-webgpu'] : []), '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}
