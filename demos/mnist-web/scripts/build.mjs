// `npm run build`: everything the page needs under public/ (git-ignored outputs):
//   1. public/data/: the MNIST digits, split as the native demo does (scripts/build-data.mjs, which
//      runs demos/scripts/fetch-mnist.sh when data/mnist/ is missing);
//   2. the npm package: npm/ferroflow-0.1.0.tgz is (re)built with `npm run build` in npm/ when it
//      is missing or older than its sources (Rust crates, npm/src, build script, Cargo files);
//   3. node_modules/: the tarball installed as the `ferroflow` dependency (+ playwright-core for the
//      e2e test), by `npm ci` when the installed package differs from the tarball;
//   4. public/vendor/ferroflow/: the installed package's dist/ (what the import map points at).
// Idempotent: each step is skipped when its output is current.
//
//   node scripts/build.mjs [--skip-npm-build]   (or FERROFLOW_SKIP_NPM_BUILD=1: use the tarball as is)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const demoDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(demoDir, '..', '..');
const npmDir = join(root, 'npm');
const tarball = join(npmDir, 'ferroflow-0.1.0.tgz');
const stampDir = join(demoDir, '.build');
const skipNpmBuild = process.argv.includes('--skip-npm-build') || process.env.FERROFLOW_SKIP_NPM_BUILD === '1';
const t0 = Date.now();

function run(cmd, args, cwd) {
  console.log(`$ (cd ${cwd}) ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { stdio: 'inherit', cwd });
}
function step(name, fn) {
  const t = Date.now();
  console.log(`--- ${name}`);
  fn();
  console.log(`--- ${name}: ${((Date.now() - t) / 1000).toFixed(1)}s`);
}
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

// The files the npm package is built from (tracked and untracked-but-not-ignored).
const NPM_INPUTS = ['bindings-js', 'core', 'backend-native', 'backend-wgpu', 'npm/src', 'npm/scripts/build.mjs', 'npm/package.json', 'npm/package-lock.json', 'Cargo.toml', 'Cargo.lock', '.cargo'];
function npmInputs() {
  let list;
  try {
    list = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', ...NPM_INPUTS], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\0')
      .filter(Boolean);
  } catch {
    return null; // not a git checkout: fall back to "build when the tarball is missing"
  }
  const h = createHash('sha256');
  let newest = 0;
  for (const f of list.sort()) {
    const p = join(root, f);
    if (!existsSync(p)) continue; // deleted but still in the index
    h.update(f).update('\0').update(readFileSync(p)).update('\0');
    newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return { hash: h.digest('hex'), newest, files: list.length };
}

function ensureTarball() {
  const stampPath = join(stampDir, 'npm-package.json');
  const inputs = npmInputs();
  let why = null;
  if (!existsSync(tarball)) why = 'npm/ferroflow-0.1.0.tgz is missing';
  else if (inputs) {
    let stamp = null;
    try {
      stamp = JSON.parse(readFileSync(stampPath, 'utf8'));
    } catch {
      // No stamp yet.
    }
    const tgzSha = sha256(readFileSync(tarball));
    if (stamp && stamp.inputs === inputs.hash && stamp.tarball === tgzSha) why = null;
    else if (inputs.newest <= statSync(tarball).mtimeMs) why = null;
    else why = stamp && stamp.tarball === tgzSha ? 'its sources changed since it was built' : 'its sources are newer than the tarball';
  }
  if (why && skipNpmBuild && existsSync(tarball)) {
    console.log(`npm package: ${why}, but --skip-npm-build: using npm/ferroflow-0.1.0.tgz as it is`);
    return;
  }
  if (why) {
    console.log(`npm package: building it (${why})`);
    if (!existsSync(join(npmDir, 'node_modules', '.bin', 'wasm-opt'))) run('npm', ['ci', '--no-audit', '--no-fund'], npmDir);
    run('npm', ['run', 'build'], npmDir);
    if (!existsSync(tarball)) throw new Error(`npm run build did not produce ${tarball}`);
  } else {
    console.log('npm package: npm/ferroflow-0.1.0.tgz is up to date with its sources');
  }
  // Remembers that this tarball matches these sources (so a touched but unchanged file does not
  // trigger a rebuild next time).
  if (inputs) {
    mkdirSync(stampDir, { recursive: true });
    writeFileSync(stampPath, JSON.stringify({ inputs: inputs.hash, tarball: sha256(readFileSync(tarball)), files: inputs.files }, null, 2) + '\n');
  }
}

function ensureInstalled() {
  const want = sha256(readFileSync(tarball));
  const stampPath = join(demoDir, 'node_modules', '.ferroflow-tarball.sha256');
  const pw = JSON.parse(readFileSync(join(demoDir, 'package.json'), 'utf8')).devDependencies['playwright-core'];
  const havePw = (() => {
    try {
      return JSON.parse(readFileSync(join(demoDir, 'node_modules', 'playwright-core', 'package.json'), 'utf8')).version;
    } catch {
      return null;
    }
  })();
  const haveFf = existsSync(stampPath) && existsSync(join(demoDir, 'node_modules', 'ferroflow', 'dist', 'browser.js')) ? readFileSync(stampPath, 'utf8').trim() : null;
  if (haveFf === want && havePw === pw) {
    console.log(`node_modules: ferroflow (tarball ${want.slice(0, 12)}) and playwright-core ${pw} are installed`);
    return;
  }
  // npm ci installs exactly package-lock.json (whose ferroflow entry has no integrity hash, so a
  // rebuilt tarball installs too) and always replaces node_modules/ferroflow.
  run('npm', ['ci', '--no-audit', '--no-fund'], demoDir);
  writeFileSync(stampPath, want + '\n');
}

function vendor() {
  const src = join(demoDir, 'node_modules', 'ferroflow', 'dist');
  const dst = join(demoDir, 'public', 'vendor', 'ferroflow');
  rmSync(dst, { recursive: true, force: true });
  mkdirSync(dst, { recursive: true });
  cpSync(src, dst, { recursive: true, filter: (p) => !/(^|[/\\])(node(-io)?\.js)$/.test(p) });
  const wasm = statSync(join(dst, 'ferroflow_js_bg.wasm')).size;
  console.log(`public/vendor/ferroflow: ${(wasm / 1024).toFixed(0)} KiB of wasm`);
}

step('data', () => run(process.execPath, [join(demoDir, 'scripts', 'build-data.mjs')], demoDir));
step('npm package', ensureTarball);
step('install', ensureInstalled);
step('vendor', vendor);
console.log(`build done in ${((Date.now() - t0) / 1000).toFixed(1)}s: \`npm run serve\` serves public/`);
