// `npm test`: the Node suite against the packed tarball, as a user would install it. Creates a
// scratch project (npm/.scratch), installs the tarball there with the oracle (@tensorflow/tfjs,
// pure JS, cpu backend) and typescript, copies test/ into it, runs `node --test` and
// `tsc --noEmit` on a TypeScript consumer, and regenerates the README's table of TF.js ops that
// have no ferroflow counterpart. Builds the tarball first only when there is none.
//
//   node scripts/test.mjs [--only-ops-table | --only-scratch] [-- extra node --test args]
// (--only-scratch: just (re)create the scratch project, as scripts/test-browser.mjs needs it.)
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const npmDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const scratch = join(npmDir, '.scratch');
const argv = process.argv.slice(2);
const onlyTable = argv.includes('--only-ops-table');
const onlyScratch = argv.includes('--only-scratch');
const extra = argv.includes('--') ? argv.slice(argv.indexOf('--') + 1) : [];
const t0 = Date.now();

// Versions of the scratch project's other dependencies (pinned: the oracle must not drift).
const TFJS = '4.22.0';
const TYPESCRIPT = '5.9.3';
const PLAYWRIGHT_CORE = '1.65.1'; // drives Debian's Chromium in the browser suite (no browser download)
const VITE = '7.3.8'; // bundles test/vite-app in the browser suite

function run(cmd, args, cwd) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { stdio: 'inherit', cwd });
}
function step(name, fn) {
  const t = Date.now();
  console.log(`--- ${name}`);
  const r = fn();
  console.log(`--- ${name}: ${((Date.now() - t) / 1000).toFixed(1)}s`);
  return r;
}

const findTarball = () => readdirSync(npmDir).find((f) => /^ferroflow-.*\.tgz$/.test(f));
let tarball = findTarball();
if (!tarball) {
  step('no tarball yet: npm run build', () => run(process.execPath, [join(npmDir, 'scripts', 'build.mjs')], npmDir));
  tarball = findTarball();
  if (!tarball) throw new Error('the build produced no tarball');
}

step('scratch project', () => {
  mkdirSync(scratch, { recursive: true });
  const pkg = {
    name: 'ferroflow-scratch',
    private: true,
    type: 'module',
    dependencies: {
      ferroflow: `file:../${tarball}`,
      '@tensorflow/tfjs': TFJS,
      typescript: TYPESCRIPT,
      'playwright-core': PLAYWRIGHT_CORE,
      vite: VITE,
    },
  };
  writeFileSync(join(scratch, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  // The tarball keeps its version across builds: remove the old copy so npm unpacks the new one.
  rmSync(join(scratch, 'node_modules', 'ferroflow'), { recursive: true, force: true });
  run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'], scratch);
  rmSync(join(scratch, 'test'), { recursive: true, force: true });
  cpSync(join(npmDir, 'test'), join(scratch, 'test'), { recursive: true });
  // The op table the build generated the package from (the oracle suite iterates it).
  cpSync(join(npmDir, 'build', 'gen', 'op-table.json'), join(scratch, 'test', 'op-table.json'));
});

if (onlyScratch) {
  console.log(`scratch project ready in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  process.exit(0);
}

// The README table: TF.js op functions (functions on the tf namespace and tf.losses, not
// classes, not backend/engine/IO utilities) with no ferroflow export of the same name.
step('README: TF.js ops without a ferroflow counterpart', () => {
  const out = execFileSync(process.execPath, [join(scratch, 'test', 'ops-table.mjs')], {
    cwd: scratch,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  writeMarked('tfjs-missing-ops', out.trim(), 'table');
});

// The README table of graph-model ops: the converter's op list (the oracle's installed
// @tensorflow/tfjs-converter) per category, split into what the executor runs and what it refuses
// at load (`--graph-ops` prints core's list).
step('README: TF.js graph-model ops supported and refused', () => {
  const supported = new Set(JSON.parse(execFileSync('cargo', ['run', '-q', '--release', '-p', 'ferroflow-core', '--bin', 'op-table', '--', '--graph-ops'], { cwd: npmDir, encoding: 'utf8' })));
  const listDir = join(scratch, 'node_modules', '@tensorflow', 'tfjs-converter', 'dist', 'operations', 'op_list');
  const byCategory = new Map();
  const require = createRequire(import.meta.url);
  for (const file of readdirSync(listDir).filter((f) => f.endsWith('.js')).sort()) {
    for (const o of require(join(listDir, file)).json) {
      const cat = o.category ?? file.replace(/\.js$/, ''); // simple_ml's entries name none
      if (!byCategory.has(cat)) byCategory.set(cat, []);
      byCategory.get(cat).push(o.tfOpName);
    }
  }
  const rows = ['| category | supported | runs | refused at load (named in the error) |', '|---|---|---|---|'];
  let total = 0;
  let ours = 0;
  for (const [cat, ops] of [...byCategory].sort()) {
    const yes = ops.filter((o) => supported.has(o)).sort();
    const no = ops.filter((o) => !supported.has(o)).sort();
    total += ops.length;
    ours += yes.length;
    rows.push(`| ${cat} | ${yes.length}/${ops.length} | ${yes.join(', ') || '-'} | ${no.join(', ') || '-'} |`);
  }
  if (total < 200) throw new Error(`read only ${total} ops from ${listDir}`);
  const extra = [...supported].filter((o) => ![...byCategory.values()].some((ops) => ops.includes(o))).sort();
  rows.push('', `${ours} of the converter's ${total} ops run${extra.length ? `; beyond its list: ${extra.join(', ')}` : ''}.`);
  writeMarked('graph-ops', rows.join('\n'), 'graph-ops table');
});

if (!onlyTable) {
  step('tsc --noEmit (TypeScript consumer)', () =>
    run(join(scratch, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', join('test', 'tsconfig.json')], scratch),
  );
  step('node --test', () => {
    const files = readdirSync(join(scratch, 'test'))
      .filter((f) => f.endsWith('.test.mjs'))
      .sort()
      .map((f) => join('test', f));
    const reporter = extra.some((a) => a.startsWith('--test-reporter')) ? [] : ['--test-reporter=spec'];
    run(process.execPath, ['--test', ...reporter, ...extra, ...files], scratch);
  });
}
console.log(`npm test done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);

/** Replaces what lies between README.md's `<!-- NAME:start -->` and `<!-- NAME:end -->` markers. */
function writeMarked(name, text, what) {
  const readmePath = join(npmDir, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const i = readme.indexOf(start);
  const j = readme.indexOf(end);
  if (i < 0 || j < i) throw new Error(`README.md lacks the ${start} ... ${end} markers`);
  const next = readme.slice(0, i + start.length) + '\n' + text + '\n' + readme.slice(j);
  if (next !== readme) {
    writeFileSync(readmePath, next);
    console.log(`README.md: ${what} updated`);
  } else {
    console.log(`README.md: ${what} unchanged`);
  }
}
