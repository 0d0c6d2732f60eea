// Builds the npm package: the op surface generated from core's op table (scripts/gen-api.mjs) ->
// cargo (wasm32, profile wasm-release) -> wasm-bindgen --target web -> wasm-opt -O3 (npm binaryen)
// -> dist/ (the hand-written ES modules, the generated ops.js, index.d.ts = src/api.d.ts + the
// generated declarations) -> npm pack.
// Prints the raw and gzipped sizes of what a browser loads and fails over its budgets (gzipped size,
// largest wasm function). Honors CARGO_TARGET_DIR.
//
//   node scripts/build.mjs [--skip-cargo] [--no-opt] [--no-pack]
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const npmDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(npmDir, '..');
const args = new Set(process.argv.slice(2));
const targetDir = process.env.CARGO_TARGET_DIR ? resolve(root, process.env.CARGO_TARGET_DIR) : join(root, 'target');
const t0 = Date.now();
// Cargo.toml's [profile.wasm-release]: release with fat LTO and one codegen unit.
const PROFILE = process.env.FERROFLOW_WASM_PROFILE || 'wasm-release';

function run(cmd, argv, opts = {}) {
  console.log(`$ ${cmd} ${argv.join(' ')}`);
  execFileSync(cmd, argv, { stdio: 'inherit', cwd: root, ...opts });
}
function output(cmd, argv) {
  try {
    return execFileSync(cmd, argv, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}
function step(name, fn) {
  const t = Date.now();
  console.log(`--- ${name}`);
  fn();
  console.log(`--- ${name}: ${((Date.now() - t) / 1000).toFixed(1)}s`);
}

// The wasm-bindgen crate version in Cargo.lock: the CLI must be exactly this version.
function lockedWasmBindgen() {
  const lock = readFileSync(join(root, 'Cargo.lock'), 'utf8');
  const m = lock.match(/name = "wasm-bindgen"\nversion = "([^"]+)"/);
  if (!m) throw new Error('wasm-bindgen is not in Cargo.lock');
  return m[1];
}

function checkTools() {
  if (!output('rustup', ['target', 'list', '--installed']).split('\n').includes('wasm32-unknown-unknown')) {
    run('rustup', ['target', 'add', 'wasm32-unknown-unknown']);
  }
  const want = lockedWasmBindgen();
  const have = output('wasm-bindgen', ['--version']).split(' ')[1];
  if (have !== want) {
    throw new Error(
      `wasm-bindgen CLI ${have ?? '(missing)'} does not match the crate's ${want}: ` +
        `cargo install wasm-bindgen-cli --version ${want} (or: source scripts/lib.sh && ensure_wasm_bindgen_cli)`,
    );
  }
  const wasmOpt = join(npmDir, 'node_modules', '.bin', 'wasm-opt');
  if (!args.has('--no-opt') && !existsSync(wasmOpt)) {
    throw new Error(`${wasmOpt} is missing: run \`npm ci\` in ${npmDir} first (binaryen is a devDependency)`);
  }
  return wasmOpt;
}

/** Body sizes of the functions a wasm module defines (its code section), in bytes. */
function functionBodySizes(bytes) {
  let at = 8;
  const leb = () => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[at++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
  };
  while (at < bytes.length) {
    const id = bytes[at++];
    const len = leb();
    const end = at + len;
    if (id === 10) {
      const sizes = [];
      for (let n = leb(); n > 0; n--) {
        const size = leb();
        sizes.push(size);
        at += size;
      }
      return sizes;
    }
    at = end;
  }
  return [];
}

function sizes(dir) {
  const rows = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(wasm|js)$/.test(name) && !/^node\.js$/.test(name)) {
        const bytes = readFileSync(p);
        rows.push([relative(dir, p), bytes.length, gzipSync(bytes, { level: 9 }).length]);
      }
    }
  };
  walk(dir);
  return rows.sort((a, b) => b[1] - a[1]);
}

const wasmOpt = checkTools();
const gen = join(npmDir, 'build', 'wasm');
const dist = join(npmDir, 'dist');
const rawWasm = join(targetDir, 'wasm32-unknown-unknown', PROFILE, 'ferroflow_js.wasm');

step('generate the op surface from core\'s op table', () => run(process.execPath, [join(npmDir, 'scripts', 'gen-api.mjs')]));

if (!args.has('--skip-cargo')) {
  step(`cargo build (wasm32, profile ${PROFILE})`, () =>
    run('cargo', ['build', '--profile', PROFILE, '--target', 'wasm32-unknown-unknown', '-p', 'ferroflow-js']),
  );
}
if (!existsSync(rawWasm)) throw new Error(`${rawWasm} is missing (cargo build failed?)`);

step('wasm-bindgen --target web', () => {
  rmSync(gen, { recursive: true, force: true });
  mkdirSync(gen, { recursive: true });
  run('wasm-bindgen', ['--target', 'web', '--no-typescript', '--out-dir', gen, '--out-name', 'ferroflow_js', rawWasm]);
});

const bgWasm = join(gen, 'ferroflow_js_bg.wasm');
if (!args.has('--no-opt')) {
  step('wasm-opt -O3 (binaryen from npm)', () => {
    const before = statSync(bgWasm).size;
    // The features rustc's wasm32 target enables by default (rustc >= 1.82).
    run(wasmOpt, [
      '-O3',
      // Binaryen inlines every function that has one caller, whatever its size; capped here.
      // V8 compiles wasm lazily, per function, on first call, and optimizes hot functions one by
      // one in the background: one 93 KB function holding all forty reduction loops (most never
      // run) cost the first CPU training step ~15 ms of baseline compile and its tier-up ~0.3 s of
      // optimizing compile. With the cap the MLP step's first run compiles 278 KB of wasm, not
      // 360 KB, and the package is ~4 KB smaller gzipped.
      '--one-caller-inline-max-function-size=200',
      '--enable-bulk-memory',
      '--enable-mutable-globals',
      '--enable-nontrapping-float-to-int',
      '--enable-sign-ext',
      '--enable-reference-types',
      '--enable-multivalue',
      bgWasm,
      '-o',
      bgWasm,
    ]);
    console.log(`wasm-opt: ${before} -> ${statSync(bgWasm).size} bytes`);
  });
}

step('assemble dist/', () => {
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  cpSync(gen, dist, { recursive: true });
  for (const f of readdirSync(join(npmDir, 'src'))) {
    if (!f.endsWith('.d.ts')) cpSync(join(npmDir, 'src', f), join(dist, f));
  }
  const genDir = join(npmDir, 'build', 'gen');
  cpSync(join(genDir, 'ops.js'), join(dist, 'ops.js'));
  writeFileSync(
    join(dist, 'index.d.ts'),
    readFileSync(join(npmDir, 'src', 'api.d.ts'), 'utf8') + readFileSync(join(genDir, 'ops.d.ts'), 'utf8'),
  );
  const pkg = JSON.parse(readFileSync(join(npmDir, 'package.json'), 'utf8'));
  writeFileSync(join(dist, 'BUILD_INFO.json'), JSON.stringify({ version: pkg.version, wasmBindgen: lockedWasmBindgen() }, null, 2) + '\n');
});

console.log('--- sizes (what a browser loads: every .js and .wasm in dist/ except the Node entry)');
let raw = 0;
let gz = 0;
for (const [name, r, g] of sizes(dist)) {
  console.log(`${name.padEnd(60)} ${String(r).padStart(9)} B raw ${String(g).padStart(9)} B gzip`);
  raw += r;
  gz += g;
}
console.log(`${'total'.padEnd(60)} ${String(raw).padStart(9)} B raw ${String(gz).padStart(9)} B gzip (${(gz / 1024).toFixed(1)} KiB)`);

// Budgets, checked on every build. The download: what a page loads, gzipped (TF.js's tfjs +
// webgpu + wasm backends weigh ~610 KB). Raised from 600,000 as the TF.js graph-model reader and
// executor (loadGraphModel, its op kernels, executeAsync) joined the module; the speed-and-size
// issue brings it back down. The largest function: V8 compiles each wasm function on
// its first call and optimizes hot ones one at a time, so one huge function (most of it unused by
// any given step) delays the first training step and the step's tier-up (see the wasm-opt flags).
const GZIP_BUDGET = 770_000;
const FUNCTION_BUDGET = 48 * 1024;
const bodies = functionBodySizes(readFileSync(join(dist, 'ferroflow_js_bg.wasm')));
const largest = bodies.map((size, i) => [size, i]).sort((a, b) => b[0] - a[0]).slice(0, 3);
console.log(`largest wasm functions: ${largest.map(([size, i]) => `#${i} of the code section ${size} B`).join(', ')} (budget ${FUNCTION_BUDGET} B; names: build with --no-opt)`);
// Budgets hold for the optimized build only (--no-opt is for reading names, not shipping).
if (!args.has('--no-opt')) {
  if (gz > GZIP_BUDGET) throw new Error(`the package is ${gz} B gzipped, over its ${GZIP_BUDGET} B budget`);
  if (largest.length && largest[0][0] > FUNCTION_BUDGET) {
    throw new Error(`a wasm function body is ${largest[0][0]} B, over the ${FUNCTION_BUDGET} B budget: find it with --no-opt (its name section) and keep cold paths out of line`);
  }
}

if (!args.has('--no-pack')) {
  step('npm pack', () => {
    for (const f of readdirSync(npmDir)) if (f.endsWith('.tgz')) rmSync(join(npmDir, f));
    run('npm', ['pack', '--pack-destination', npmDir], { cwd: npmDir });
  });
}
console.log(`build done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
