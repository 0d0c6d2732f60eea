#!/usr/bin/env node
// Serves the demo (public/: the page, the built data files and the vendored ferroflow package) with
// the headers that make the page cross-origin isolated (COOP same-origin + COEP require-corp, so
// SharedArrayBuffer and wasm threads are possible) and prints the URL. Run `npm run build` first.
//
//   node serve.mjs [--host 127.0.0.1] [--port 8080]
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveFolders } from '../../scripts/chromium.mjs';

/** The headers every response of the demo carries. */
export const HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
};

export const publicDir = join(dirname(fileURLToPath(import.meta.url)), 'public');

/** What `npm run build` must have produced; a list of missing paths (empty when ready). */
export function missingBuildOutputs() {
  return ['vendor/ferroflow/browser.js', 'vendor/ferroflow/ferroflow_js_bg.wasm', 'data/meta.json', 'data/train-images-u8.bin', 'data/test-images-u8.bin'].filter(
    (p) => !existsSync(join(publicDir, p)),
  );
}

/** Starts the server; resolves to { origin, url, close }. */
export async function serveDemo({ host = '127.0.0.1', port = 0 } = {}) {
  const s = await serveFolders([['/', resolve(publicDir)]], { host, port, headers: HEADERS });
  return { ...s, url: `${s.origin}/` };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const opt = (name, dflt) => {
    const i = argv.indexOf(name);
    if (i < 0) return dflt;
    if (i + 1 >= argv.length) throw new Error(`${name} needs a value`);
    return argv[i + 1];
  };
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('usage: node serve.mjs [--host 127.0.0.1] [--port 8080]   (0.0.0.0 serves every interface)');
    process.exit(0);
  }
  const host = opt('--host', '127.0.0.1');
  const port = Number(opt('--port', '8080'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve: --port: expected a port number, got ${opt('--port')}`);
    process.exit(2);
  }
  const missing = missingBuildOutputs();
  if (missing.length) {
    console.error(`serve: public/ is not built (missing ${missing.join(', ')}): run \`npm run build\` in ${dirname(publicDir)} first`);
    process.exit(1);
  }
  let s;
  try {
    s = await serveDemo({ host, port });
  } catch (e) {
    console.error(`serve: cannot listen on ${host}:${port}: ${e.message}${e.code === 'EADDRINUSE' ? ' (use --port N, or --port 0 for a free one)' : ''}`);
    process.exit(1);
  }
  console.log(`Ferroflow MNIST demo: ${s.url}`);
  console.log(`(serving ${publicDir} with COOP/COEP headers; Ctrl-C stops)`);
  const stop = () => {
    s.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
