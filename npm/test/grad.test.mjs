// grad / grads / valueAndGrad(s) / variableGrads / customGrad against TF.js.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose, ff, tf } from './helpers.mjs';

const X = [[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]];
const Y = [0.2, -0.4, 1.1];

function both(fn) {
  return [fn(ff), fn(tf)];
}

test('grad(f)(x) and grad with dy', () => {
  const [a, b] = both((lib) => lib.grad((x) => lib.sum(lib.mul(lib.sin(x), lib.exp(x))))(lib.tensor(X)));
  assertClose(a.dataSync(), b.dataSync());
  const [c, d] = both((lib) => lib.grad((x) => lib.square(x))(lib.tensor(Y), lib.tensor([1, 2, 3])));
  assertClose(c.dataSync(), d.dataSync());
});

test('grads(f)([a, b]) with broadcasting', () => {
  const f = (lib) => (a, b) => lib.sum(lib.tanh(lib.add(lib.mul(a, b), b)));
  const [mine, theirs] = both((lib) => lib.grads(f(lib))([lib.tensor(X), lib.tensor(Y)]));
  assert.equal(mine.length, 2);
  mine.forEach((g, i) => {
    assert.deepEqual(g.shape, theirs[i].shape);
    assertClose(g.dataSync(), theirs[i].dataSync());
  });
});

test('valueAndGrad and valueAndGrads', () => {
  const [m, t] = both((lib) => lib.valueAndGrad((x) => lib.mean(lib.square(x)))(lib.tensor(X)));
  assertClose(m.value.dataSync(), t.value.dataSync());
  assertClose(m.grad.dataSync(), t.grad.dataSync());
  const [m2, t2] = both((lib) =>
    lib.valueAndGrads((a, b) => lib.sum(lib.matMul(a, b)))([lib.tensor(X), lib.tensor([[1], [2], [3]])]),
  );
  assertClose(m2.value.dataSync(), t2.value.dataSync());
  m2.grads.forEach((g, i) => assertClose(g.dataSync(), t2.grads[i].dataSync()));
});

test('grads accepts arrays and numbers as arguments (converted like TF.js)', () => {
  const [g] = ff.grads((a, b) => ff.mul(a, b).sum())([[1, 2], 3]);
  assert.deepEqual(Array.from(g.dataSync()), [3, 3]);
});

test('variableGrads: all trainable variables, or a list', () => {
  const make = (lib, n) => [
    lib.variable(lib.tensor(X), true, `vg-w-${n}`),
    lib.variable(lib.tensor(Y), true, `vg-b-${n}`),
    lib.variable(lib.tensor([5]), false, `vg-frozen-${n}`),
  ];
  const [fw, fb, ffz] = make(ff, 'ff');
  const [tw, tb, tfz] = make(tf, 'tf');
  const loss = (lib, w, b, z) => () => lib.sum(lib.square(lib.add(lib.mul(w, b), z)));
  const mine = ff.variableGrads(loss(ff, fw, fb, ffz));
  const theirs = tf.variableGrads(loss(tf, tw, tb, tfz), [tw, tb]);
  assertClose(mine.value.dataSync(), theirs.value.dataSync());
  assert.deepEqual(Object.keys(mine.grads).sort(), ['vg-b-ff', 'vg-w-ff']);
  assertClose(mine.grads['vg-w-ff'].dataSync(), theirs.grads['vg-w-tf'].dataSync());
  assertClose(mine.grads['vg-b-ff'].dataSync(), theirs.grads['vg-b-tf'].dataSync());
  const only = ff.variableGrads(loss(ff, fw, fb, ffz), [fb]);
  assert.deepEqual(Object.keys(only.grads), ['vg-b-ff']);
  assert.throws(() => ff.variableGrads(() => fw.sum(0)), /variableGrads: shape error: argument 'f': expected f to return a scalar/);
  ff.dispose([fw, fb, ffz, mine, only]);
});

test('intermediate tensors created by f are disposed', () => {
  const x = ff.tensor(X);
  const before = ff.memory().numTensors;
  const g = ff.grad((x) => x.square().exp().mul(2).sum())(x);
  assert.equal(ff.memory().numTensors, before + 1, 'only the gradient remains');
  g.dispose();
});

test('customGrad: forward value, user gradient, saved tensors (as TF.js)', () => {
  const make = (lib) =>
    lib.customGrad((x, save) => {
      save([x]);
      return {
        value: lib.square(x),
        gradFunc: (dy, [saved]) => [lib.mul(dy, lib.mul(saved, 3))], // deliberately not 2x
      };
    });
  const [m, t] = both((lib) => {
    const f = make(lib);
    const x = lib.tensor(Y);
    return { y: f(x), g: lib.grad((x) => lib.sum(f(x)))(x) };
  });
  assertClose(m.y.dataSync(), t.y.dataSync());
  assertClose(m.g.dataSync(), t.g.dataSync());
  assertClose(m.g.dataSync(), Y.map((v) => 3 * v));
});

test('customGrad with two inputs and a single-tensor gradFunc result checked', () => {
  const f = ff.customGrad((a, b) => ({ value: ff.mul(a, b), gradFunc: (dy) => [dy, ff.mul(dy, 2)] }));
  const [ga, gb] = ff.grads((a, b) => f(a, b).sum())([ff.tensor([1, 2]), ff.tensor([3, 4])]);
  assert.deepEqual(Array.from(ga.dataSync()), [1, 1]);
  assert.deepEqual(Array.from(gb.dataSync()), [2, 2]);
  const bad = ff.customGrad((a, b) => ({ value: ff.mul(a, b), gradFunc: (dy) => dy }));
  assert.throws(() => ff.grads((a, b) => bad(a, b).sum())([ff.tensor([1]), ff.tensor([2])]), /grads \(customGrad\): invalid argument: gradFunc: expected 2 gradient/);
});

test('exceptions thrown by f and by gradFunc reach the caller unchanged', () => {
  const boom = new TypeError('boom from f');
  assert.throws(() => ff.grad(() => { throw boom; })(ff.scalar(1)), (e) => e === boom);
  const g = ff.customGrad((x) => ({ value: x.mul(1), gradFunc: () => { throw new RangeError('boom from gradFunc'); } }));
  assert.throws(() => ff.grad((x) => g(x).sum())(ff.scalar(1)), (e) => e instanceof RangeError && e.message === 'boom from gradFunc');
  assert.throws(() => ff.grad((x) => 5)(ff.scalar(1)), /grad: invalid argument: argument 'f': expected f to return a Tensor, got the number 5/);
  assert.throws(() => ff.grad(5), /grad: invalid argument: argument 'f': expected a function/);
  assert.throws(() => ff.grad((x) => x.cast('int32').sum())(ff.tensor([1, 2])), /grad: dtype error/);
  // The module still works.
  assert.deepEqual(Array.from(ff.grad((x) => x.square().sum())(ff.tensor([2])).dataSync()), [4]);
});
