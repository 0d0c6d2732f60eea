// Every case of cases.mjs on ferroflow and on TF.js (cpu backend): same shapes, dtypes and values
// within tolerance; for differentiable cases, the gradients of sum(output * weights) agree too.
import assert from 'node:assert/strict';
import { test, after } from 'node:test';
import { readFileSync } from 'node:fs';
import { cases } from './cases.mjs';
import { assertClose, ff, rng, tf, values } from './helpers.mjs';
import { caseGradients, caseOutputs, resolve } from './data.mjs';

// Host copies of tensors, which are then freed.
function host(ts) {
  return ts.map((t) => {
    const h = { shape: t.shape, dtype: t.dtype, data: Array.from(t.dataSync()) };
    t.dispose();
    return h;
  });
}

function run(lib, c, call = c.call) {
  return host(caseOutputs(lib, c, call));
}

// Gradients of sum(f(...inputs) * w) with respect to the float inputs (or `gradArgs`).
function gradients(lib, c, call = c.call) {
  return host(caseGradients(lib, c, call)).map(({ shape, data }) => ({ shape, data }));
}

// The same gradients by central differences of ferroflow's forward pass (sums in float64).
function finiteDifferences(c) {
  const base = c.inputs.map((s, i) => ({ spec: s, data: Array.from(values(s, 1000 + i * 17)) }));
  const which = c.gradArgs ?? base.map((b, i) => (b.spec.dtype === 'float32' ? i : -1)).filter((i) => i >= 0);
  const loss = (inputs) =>
    ff.tidy(() => {
      const y = c.call(ff, ...inputs.map((b) => ff.tensor(b.data, b.spec.shape, b.spec.dtype)));
      const r = rng(7);
      let acc = 0;
      for (const v of y.dataSync()) acc += v * (0.5 + r());
      return acc;
    });
  const eps = 1e-3;
  return which.map((k) => {
    const g = new Array(base[k].data.length);
    for (let j = 0; j < g.length; j++) {
      const plus = base.map((b) => ({ ...b, data: b.data.slice() }));
      const minus = base.map((b) => ({ ...b, data: b.data.slice() }));
      plus[k].data[j] += eps;
      minus[k].data[j] -= eps;
      g[j] = (loss(plus) - loss(minus)) / (2 * eps);
    }
    return { shape: base[k].spec.shape, data: g };
  });
}

// The op table (copied here by scripts/test.mjs from the build's build/gen/op-table.json): every
// op it declares needs a case; ops TF.js lacks need a composed TF.js reference (`ref`).
const table = JSON.parse(readFileSync(new URL('./op-table.json', import.meta.url), 'utf8'));
test('every op of the op table has an oracle case', () => {
  const name = (op) => (op.group === 'losses' ? `losses.${op.js}` : op.js);
  const withCase = new Set(cases.map((c) => c.op));
  const missing = table.filter((op) => !withCase.has(name(op))).map(name);
  assert.deepEqual(missing, [], `ops without an oracle case: ${missing.join(', ')}`);
  const unreferenced = table
    .filter((op) => !op.flags.includes('tfjs') && !cases.some((c) => c.op === name(op) && c.ref))
    .map(name);
  assert.deepEqual(unreferenced, [], `ferroflow-only ops without a composed TF.js reference: ${unreferenced.join(', ')}`);
  const wrongFlag = table.filter((op) => (typeof resolve(tf, name(op)) === 'function') !== op.flags.includes('tfjs')).map(name);
  assert.deepEqual(wrongFlag, [], `ops whose 'tfjs' flag disagrees with TF.js ${tf.version.tfjs}: ${wrongFlag.join(', ')}`);
});

const compared = new Set();
const viaRef = new Set();
const ffOnly = new Set();

for (const c of cases) {
  const hasTf = typeof resolve(tf, c.op) === 'function';
  if (!hasTf && !c.ref) {
    ffOnly.add(c.op);
    continue;
  }
  const tfCall = hasTf ? c.call : c.ref;
  test(`op ${c.label}${hasTf ? '' : ' (vs composed TF.js reference)'}`, () => {
    const before = ff.memory().numTensors;
    const mine = run(ff, c);
    const theirs = run(tf, c, tfCall);
    assert.equal(mine.length, theirs.length, 'number of outputs');
    mine.forEach((m, k) => {
      const t = theirs[k];
      assert.deepEqual(m.shape, t.shape, `output ${k} shape`);
      if (c.dtype !== false) assert.equal(m.dtype, t.dtype, `output ${k} dtype`);
      assertClose(m.data, t.data, c.tol, `${c.label} output ${k}`);
    });
    // tidy leaves nothing behind.
    assert.equal(ff.memory().numTensors, before, 'tensors leaked by the case');
    (hasTf ? compared : viaRef).add(c.op);
  });
  if (c.grad) {
    const fd = c.gradRef === 'fd';
    test(`grad ${c.label}${fd ? ` (vs finite differences: ${c.why})` : ''}`, () => {
      const mine = gradients(ff, c);
      const theirs = fd ? finiteDifferences(c) : gradients(tf, c, tfCall);
      assert.equal(mine.length, theirs.length);
      mine.forEach((m, k) => {
        assert.deepEqual(m.shape, theirs[k].shape, `gradient ${k} shape`);
        const tol = fd ? { rtol: 5e-3, atol: 5e-3 } : c.tol ?? { rtol: 1e-3, atol: 1e-4 };
        assertClose(m.data, theirs[k].data, tol, `${c.label} gradient ${k}`);
      });
    });
  }
}

// A case for an op whose TF.js counterpart does not exist is still run (values are checked
// elsewhere); here it just must not throw.
for (const c of cases.filter((c) => ffOnly.has(c.op))) {
  test(`ferroflow-only op ${c.label} runs`, () => {
    const out = run(ff, c);
    assert.ok(out.length > 0);
    if (c.grad) gradients(ff, c);
  });
}

after(() => {
  console.log(
    `# compared ${compared.size} ops with their TF.js counterparts and ${viaRef.size} ferroflow-only ops ` +
      `with composed TF.js references (${[...viaRef].join(', ')}) over ${cases.length} cases; ` +
      `not compared: ${[...ffOnly].join(', ') || 'none'}`,
  );
});
