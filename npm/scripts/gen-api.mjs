// Generates the op surface of the npm package from core's op table (ferroflow_core::ops::table,
// printed as JSON by `cargo run -p ferroflow-core --bin op-table`):
//   build/gen/ops.js          the op functions, the `losses` namespace and the chainable methods
//   build/gen/ops.d.ts        their TypeScript declarations (appended to src/api.d.ts -> index.d.ts)
//   build/gen/op-table.json   the table itself (the oracle suite checks every op has a case)
//   README.md                 the op list between <!-- ops:start --> and <!-- ops:end -->
// Nothing here is edited by hand: change the table (or the kind map below) and rebuild.
//
//   node scripts/gen-api.mjs [--table FILE]
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const npmDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(npmDir, '..');
const outDir = join(npmDir, 'build', 'gen');

// TypeScript type of each argument kind, and whether an absent argument has a meaning.
const KINDS = {
  Tensor: { ts: 'TensorInput' },
  IntTensor: { ts: 'TensorInput', dtype: 'int32' },
  BoolTensor: { ts: 'TensorInput', dtype: 'bool' },
  Tensors: { ts: 'TensorInput[]' },
  Number: { ts: 'number' },
  Finite: { ts: 'number' },
  Bound: { ts: 'number' },
  Size: { ts: 'number' },
  Axis: { ts: 'number' },
  Axes: { ts: 'number | number[] | null', absent: true },
  Bool: { ts: 'boolean' },
  DType: { ts: 'DataType' },
  Shape: { ts: 'number[]' },
  OptShape: { ts: 'number[]', absent: true },
  NewShape: { ts: 'number[]' },
  IntList: { ts: 'number[]' },
  OptIntList: { ts: 'number[]', absent: true },
  IntOrList: { ts: 'number | number[]' },
  OptIntOrList: { ts: 'number | number[]', absent: true },
  Mask: { ts: 'number' },
  Pair: { ts: 'Pair' },
  Padding: { ts: 'PaddingArg' },
  Paddings: { ts: 'Array<[number, number]>' },
  NormOrd: { ts: "number | 'euclidean' | 'fro'", absent: true },
  Splits: { ts: 'number | number[]' },
  ZeroOnly: { ts: '0' },
  Nhwc: { ts: "'NHWC'", absent: true },
  Unsupported: { ts: 'null', absent: true },
  Reduction: { ts: 'ReductionValue', absent: true },
};
// Groups in README order; `losses` is also a namespace (ff.losses.*).
const GROUPS = {
  arithmetic: 'Arithmetic',
  comparison: 'Comparison and logic',
  math: 'Math',
  activation: 'Activations',
  reduction: 'Reductions and scans',
  movement: 'Shapes and movement',
  linalg: 'Linear algebra',
  conv: 'Convolution and pooling (NHWC)',
  losses: 'Losses (`ff.losses.*`)',
};
const NAMESPACE_GROUPS = new Set(['losses']);

function loadTable() {
  const i = process.argv.indexOf('--table');
  if (i > 0) return JSON.parse(readFileSync(process.argv[i + 1], 'utf8'));
  const json = execFileSync('cargo', ['run', '-q', '--release', '-p', 'ferroflow-core', '--bin', 'op-table'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(json);
}

// The default as TF.js users write it (the table holds Rust syntax).
function jsDefault(d) {
  const s = d.replace(/\s+/g, '').replace(/\$crate::DType::I32/, "'int32'");
  if (/^-?\d+\.0$/.test(s)) return s.slice(0, -2);
  return s;
}

function check(ops) {
  for (const op of ops) {
    if (!GROUPS[op.group]) throw new Error(`op ${op.js}: group '${op.group}' is not in gen-api.mjs's GROUPS`);
    for (const a of op.args) {
      if (!KINDS[a.kind]) throw new Error(`op ${op.js}: argument kind '${a.kind}' has no TypeScript type in gen-api.mjs's KINDS`);
    }
  }
}

const doc = (op) => op.doc.trim();
const optional = (a) => a.default !== null || KINDS[a.kind].absent === true;

// Parameter declarations: an argument is optional (`?`) only when every later one is too.
function tsParams(args) {
  const out = [];
  let allOptionalAfter = true;
  for (let i = args.length - 1; i >= 0; i--) {
    const a = args[i];
    const opt = optional(a) && allOptionalAfter;
    allOptionalAfter = opt;
    const ts = KINDS[a.kind].ts;
    out.unshift(`${a.name}${opt ? '?' : ''}: ${optional(a) && !opt ? `${ts} | undefined` : ts}`);
  }
  return out.join(', ');
}

function tsReturn(op) {
  if (op.returns === 'Tensor') return 'Tensor';
  if (op.fields.length) return `{ ${op.fields.map((f) => `${f}: Tensor`).join('; ')} }`;
  return 'Tensor[]';
}

function tsDoc(op, indent) {
  const defaults = op.args.filter((a) => a.default !== null).map((a) => `\`${a.name} = ${jsDefault(a.default)}\``);
  const tail = [op.flags.includes('tfjs') ? '' : ' (not in TF.js)', defaults.length ? ` Defaults: ${defaults.join(', ')}.` : ''].join('');
  return `${indent}/** ${doc(op)}${tail} */`;
}

function jsFunction(op, fname) {
  const params = op.args.map((a) => a.name);
  const tensors = op.args.filter((a) => a.tensor);
  const call = `loadedWasm().${op.js}(${params.join(', ')})`;
  const lines = [`function ${fname}(${params.join(', ')}) {`];
  const wrap = (expr) => (op.fields.length ? `{ const [${op.fields.join(', ')}] = ${expr}; return { ${op.fields.join(', ')} }; }` : `return ${expr};`);
  if (tensors.length === 0) {
    lines.push(`  ${wrap(call)}`);
  } else {
    const names = tensors.map((a) => a.name);
    const specs = tensors.map((a) => `[${JSON.stringify(a.name)}, ${JSON.stringify(KINDS[a.kind].dtype ?? null)}]`);
    lines.push(`  if (${names.map((n) => `isTensor(${n})`).join(' && ')}) ${wrap(call)}`);
    lines.push(`  ${wrap(`lift(${JSON.stringify(op.js)}, [${names.join(', ')}], [${specs.join(', ')}], (${names.join(', ')}) => ${call})`)}`);
  }
  lines.push('}');
  return lines.join('\n');
}

function generate(ops) {
  const js = [
    '// GENERATED by npm/scripts/gen-api.mjs from core\'s op table (ferroflow_core::ops::table): do not edit.',
    '// Each op is documented in index.d.ts and the README.',
    "import { loadedWasm } from './init.js';",
    "import { defineMethods, isTensor, lift } from './args.js';",
    '',
  ];
  const dts = [
    '',
    '// ---- ops: GENERATED by npm/scripts/gen-api.mjs from core\'s op table (ferroflow_core::ops::table) ----',
    '',
  ];
  const methods = [];
  const namespaces = {};
  for (const op of ops) {
    const ns = NAMESPACE_GROUPS.has(op.group) ? op.group : null;
    const fname = ns ? `${ns}_${op.js}` : op.js;
    js.push(`${ns ? '' : 'export '}${jsFunction(op, fname)}`);
    if (ns) {
      (namespaces[ns] ??= []).push(op);
    } else {
      dts.push(tsDoc(op, ''));
      dts.push(`export declare function ${op.js}(${tsParams(op.args)}): ${tsReturn(op)};`);
      if (op.flags.includes('method')) methods.push(op);
    }
  }
  for (const [ns, list] of Object.entries(namespaces)) {
    js.push(`export const ${ns} = Object.freeze({ ${list.map((op) => `${op.js}: ${ns}_${op.js}`).join(', ')} });`);
    dts.push(`export declare const ${ns}: {`);
    for (const op of list) {
      dts.push(tsDoc(op, '  '));
      dts.push(`  ${op.js}(${tsParams(op.args)}): ${tsReturn(op)};`);
    }
    dts.push('};');
  }
  js.push('');
  js.push('// Chainable Tensor methods: x.op(...rest) is op(x, ...rest).');
  js.push(`defineMethods({ ${methods.map((op) => op.js).join(', ')} });`);
  dts.push('/** Chainable ops: `x.op(...rest)` is `op(x, ...rest)`. */');
  dts.push('export interface Tensor {');
  for (const op of methods) {
    dts.push(tsDoc(op, '  '));
    dts.push(`  ${op.js}(${tsParams(op.args.slice(1))}): ${tsReturn(op)};`);
  }
  dts.push('}');
  return { js: js.join('\n') + '\n', dts: dts.join('\n') + '\n' };
}

// The README's op list: one table per group, with signatures as TF.js documents them.
function readmeTable(ops) {
  const lines = [
    `Generated from core's op table by \`npm run build\` (npm/scripts/gen-api.mjs): ${ops.length} ops. ` +
      'Tensor arguments accept `Tensor`s, numbers, booleans, nested arrays and TypedArrays; ops marked ' +
      '*m* are also chainable `Tensor` methods; *ff* marks ops TF.js does not have.',
    '',
  ];
  for (const [group, title] of Object.entries(GROUPS)) {
    const list = ops.filter((op) => op.group === group);
    if (!list.length) continue;
    lines.push(`**${title}**`, '', '| op | notes | description |', '|---|---|---|');
    for (const op of list) {
      const sig = op.args.map((a) => (a.default !== null ? `${a.name} = ${jsDefault(a.default)}` : optional(a) ? `${a.name}?` : a.name)).join(', ');
      const marks = [op.flags.includes('method') ? '*m*' : '', op.flags.includes('tfjs') ? '' : '*ff*'].filter(Boolean).join(' ');
      const name = NAMESPACE_GROUPS.has(group) ? `${group}.${op.js}` : op.js;
      lines.push(`| \`${name}(${sig})\` | ${marks} | ${doc(op).replace(/\|/g, '\\|')} |`);
    }
    lines.push('');
  }
  return lines.join('\n').trim();
}

function replaceBetween(path, start, end, body) {
  const text = readFileSync(path, 'utf8');
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${path} lacks the ${start} ... ${end} markers`);
  const next = text.slice(0, i + start.length) + '\n' + body + '\n' + text.slice(j);
  if (next !== text) writeFileSync(path, next);
  return next !== text;
}

const ops = loadTable();
check(ops);
const { js, dts } = generate(ops);
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'ops.js'), js);
writeFileSync(join(outDir, 'ops.d.ts'), dts);
writeFileSync(join(outDir, 'op-table.json'), JSON.stringify(ops, null, 1) + '\n');
const changed = replaceBetween(join(npmDir, 'README.md'), '<!-- ops:start -->', '<!-- ops:end -->', readmeTable(ops));
console.log(`gen-api: ${ops.length} ops -> build/gen/ops.js, ops.d.ts, op-table.json; README op list ${changed ? 'updated' : 'unchanged'}`);
