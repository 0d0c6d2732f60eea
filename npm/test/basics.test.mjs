// Tensors, creation, dtype inference, broadcasting, methods, readback, memory and tidy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose, ff, tf } from './helpers.mjs';

test('the package loads in Node without ready(), on the cpu backend', async () => {
  assert.equal(ff.getBackend(), 'cpu');
  assert.equal(typeof ff.version(), 'string');
  assert.equal(await ff.ready(), 'cpu');
  const info = ff.backendInfo();
  assert.equal(info.backend, 'cpu');
  assert.match(info.description, /cpu/);
});

test('webgpu is unavailable in Node, with the reason readable', async () => {
  assert.equal(await ff.setBackend('webgpu'), false);
  assert.equal(ff.getBackend(), 'cpu');
  assert.match(ff.backendInfo().webgpuError, /navigator/);
  assert.equal(await ff.setBackend('cpu'), true);
  await assert.rejects(ff.setBackend('tpu'), /setBackend: invalid argument: argument 'backendName': expected one of/);
});

test('creation: shape, dtype and values as TF.js infers them', () => {
  const cases = [
    [(lib) => lib.tensor(5), [], 'float32'],
    [(lib) => lib.tensor(true), [], 'bool'],
    [(lib) => lib.tensor([1, 2, 3]), [3], 'float32'],
    [(lib) => lib.tensor([[1, 2], [3, 4]], undefined, 'int32'), [2, 2], 'int32'],
    [(lib) => lib.tensor([[[true]], [[false]]]), [2, 1, 1], 'bool'],
    [(lib) => lib.tensor(new Float32Array([1, 2, 3, 4]), [2, 2]), [2, 2], 'float32'],
    [(lib) => lib.tensor(new Int32Array([1, 2])), [2], 'int32'],
    [(lib) => lib.tensor(new Uint8Array([1, 2])), [2], 'int32'],
    [(lib) => lib.tensor([1.7, -2.2], [2], 'int32'), [2], 'int32'],
    [(lib) => lib.tensor([0, 2, -1], [3], 'bool'), [3], 'bool'],
    [(lib) => lib.tensor([]), [0], 'float32'],
    [(lib) => lib.tensor([[], []]), [2, 0], 'float32'],
  ];
  for (const [make, shape, dtype] of cases) {
    const a = make(ff);
    const b = make(tf);
    assert.deepEqual(a.shape, shape, String(make));
    assert.deepEqual(b.shape, shape, `TF.js: ${make}`);
    assert.equal(a.dtype, dtype, String(make));
    assert.equal(b.dtype, dtype, `TF.js: ${make}`);
    assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()), String(make));
    assert.equal(a.dataSync().constructor, b.dataSync().constructor, `${make}: TypedArray type`);
    assert.equal(a.rank, shape.length);
    assert.equal(a.size, shape.reduce((x, y) => x * y, 1));
  }
});

test('broadcasting and mixed operands (numbers, arrays, typed arrays) match TF.js', () => {
  const calls = [
    (lib) => lib.add(lib.tensor([[1, 2, 3], [4, 5, 6]]), [10, 20, 30]),
    (lib) => lib.mul(lib.tensor([[1], [2]]), lib.tensor([1, 2, 3])),
    (lib) => lib.sub(2, lib.tensor([1, 2, 3])),
    (lib) => lib.div(lib.tensor([[1, 2], [3, 4]]), new Float32Array([2, 4])),
    (lib) => lib.add(lib.tensor([1, 2], [2], 'int32'), 1),
    (lib) => lib.add(lib.tensor([1, 2], [2], 'int32'), lib.tensor([1, 1], [2], 'int32')),
    (lib) => lib.maximum(lib.ones([2, 1, 3]), lib.zeros([4, 1])),
    (lib) => lib.where(lib.tensor([true, false, true]), 1, lib.tensor([[5, 6, 7], [8, 9, 10]])),
    (lib) => lib.add(lib.scalar(1), lib.scalar(2)),
    (lib) => lib.greater(lib.tensor([1, 5, 3]), 2),
  ];
  for (const call of calls) {
    const a = call(ff);
    const b = call(tf);
    assert.deepEqual(a.shape, b.shape, String(call));
    assert.equal(a.dtype, b.dtype, String(call));
    assertClose(a.dataSync(), b.dataSync(), {}, String(call));
  }
});

test('chainable methods', () => {
  const x = ff.tensor([[1, -2], [3, -4]]);
  const y = x.abs().add(1).relu().mul(2).sum(1).reshape([2, 1]).transpose();
  assert.deepEqual(y.shape, [1, 2]);
  assert.deepEqual(Array.from(y.dataSync()), [10, 18]);
  assert.deepEqual(x.concat(x, 0).shape, [4, 2]);
  assert.deepEqual(x.stack(x).shape, [2, 2, 2]);
  assert.equal(x.toInt().dtype, 'int32');
  assert.deepEqual(x.as1D().shape, [4]);
  assert.deepEqual(x.flatten().arraySync(), [1, -2, 3, -4]);
  assert.equal(ff.scalar(3).arraySync(), 3);
  assert.match(String(ff.tensor([1, 2])), /\[1,2\]/);
  assert.equal(typeof x.matMul, 'function');
  assert.ok(x instanceof ff.Tensor);
});

test('data() and array() resolve asynchronously', async () => {
  const x = ff.tensor([[1, 2], [3, 4]], undefined, 'int32');
  const d = await x.data();
  assert.ok(d instanceof Int32Array);
  assert.deepEqual(Array.from(d), [1, 2, 3, 4]);
  assert.deepEqual(await x.array(), [[1, 2], [3, 4]]);
  assert.deepEqual(await ff.tensor([true, false]).array(), [1, 0]);
  assert.deepEqual(await ff.tensor([true, false]).array(), await tf.tensor([true, false]).array());
});

test('dispose, isDisposed, clone and memory()', () => {
  const start = ff.memory();
  const a = ff.tensor([1, 2, 3, 4]);
  const b = a.clone();
  let m = ff.memory();
  assert.equal(m.numTensors, start.numTensors + 2);
  assert.equal(m.numBytes, start.numBytes + 32);
  a.dispose();
  assert.equal(a.isDisposed, true);
  assert.deepEqual(a.shape, [4], 'shape is still known after dispose');
  a.dispose(); // idempotent
  assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3, 4], 'the clone survives');
  ff.dispose([b, { nested: [ff.scalar(1)] }]);
  m = ff.memory();
  assert.equal(m.numTensors, start.numTensors, 'dispose() walks arrays and objects');
  assert.throws(() => a.dataSync(), /dataSync: invalid argument: argument 'this': expected a live tensor, got tensor #\d+ which is disposed/);
  assert.throws(() => ff.add(a, 1), /add: .*argument 'a'.*disposed/);
  // A tensor computed from a disposed one stays valid (the graph keeps what it needs).
  const c = ff.tensor([1, 2]);
  const d = c.mul(3);
  c.dispose();
  assert.deepEqual(Array.from(d.dataSync()), [3, 6]);
  assert.equal(typeof m.numDataBuffers, 'number');
  assert.equal(m.backend, 'cpu');
});

test('tidy disposes intermediates, keeps returned and kept tensors, nests', () => {
  const before = ff.memory().numTensors;
  let kept;
  const out = ff.tidy(() => {
    const a = ff.ones([3]);
    kept = ff.keep(a.add(1));
    const inner = ff.tidy('inner', () => {
      const t = a.mul(5);
      return { t, list: [t.add(1)] };
    });
    assert.equal(inner.t.isDisposed, false);
    return [inner.t.sum(), inner.list[0]];
  });
  assert.equal(ff.memory().numTensors, before + 3, 'two returned + one kept');
  assert.deepEqual(Array.from(out[0].dataSync()), [15]);
  assert.deepEqual(Array.from(out[1].dataSync()), [6, 6, 6]);
  assert.deepEqual(Array.from(kept.dataSync()), [2, 2, 2]);
  ff.dispose([out, kept]);
  assert.equal(ff.memory().numTensors, before);

  // A throwing function still closes its scope.
  assert.throws(() => ff.tidy(() => { ff.ones([2]); throw new Error('inside tidy'); }), /inside tidy/);
  assert.equal(ff.memory().numTensors, before);
  assert.throws(() => ff.tidy(async () => ff.ones([1])), /tidy: .*Promise/);
  assert.equal(ff.memory().numTensors, before);
  // Variables survive tidy.
  const v = ff.tidy(() => ff.variable(ff.ones([2]), true, 'tidy-survivor'));
  assert.equal(v.isDisposed, false);
  v.dispose();
});

test('variables: assign, names, trainable', () => {
  const v = ff.variable(ff.tensor([1, 2]), false, 'my-var');
  assert.equal(v.isVariable, true);
  assert.equal(v.name, 'my-var');
  assert.equal(v.trainable, false);
  v.assign(ff.tensor([3, 4]));
  assert.deepEqual(Array.from(v.dataSync()), [3, 4]);
  v.assign([5, 6]);
  assert.deepEqual(Array.from(v.add(1).dataSync()), [6, 7]);
  assert.throws(() => v.assign(ff.ones([3])), /assign: shape error/);
  assert.throws(() => ff.variable(ff.ones([1]), true, 'my-var'), /variable: invalid argument: argument 'name'/);
  assert.throws(() => ff.ones([2]).assign(ff.ones([2])), /assign: .*expected a variable/);
  const auto = ff.variable(ff.zeros([1]));
  assert.match(auto.name, /^variable_\d+$/);
  assert.equal(auto.trainable, true);
  assert.equal(ff.ones([1]).name, undefined);
  ff.dispose([v, auto]);
});

test('seeded random: deterministic, with the requested moments', () => {
  const a = ff.randomUniform([2000], -1, 3, 'float32', 42).dataSync();
  const b = ff.randomUniform([2000], -1, 3, 'float32', 42).dataSync();
  assert.deepEqual(a, b, 'same seed, same values');
  assert.notDeepEqual(a, ff.randomUniform([2000], -1, 3, 'float32', 43).dataSync());
  assert.ok(a.every((x) => x >= -1 && x < 3));
  const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const std = (xs) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
  assert.ok(Math.abs(mean(a) - 1) < 0.1);
  const n = ff.randomNormal([4000], 2, 0.5, 'float32', 7).dataSync();
  assert.ok(Math.abs(mean(n) - 2) < 0.05 && Math.abs(std(n) - 0.5) < 0.05, `normal ${mean(n)} ${std(n)}`);
  const t = ff.truncatedNormal([4000], 0, 1, 'float32', 9).dataSync();
  assert.ok(t.every((x) => Math.abs(x) <= 2.0001), 'truncated to 2 std');
  const i = ff.randomUniform([100], 0, 10, 'int32', 1);
  assert.equal(i.dtype, 'int32');
  assert.ok(i.dataSync().every((x) => x >= 0 && x < 10));
  const sn = ff.randomStandardNormal([4000], 'float32', 11).dataSync();
  assert.ok(Math.abs(mean(sn)) < 0.05 && Math.abs(std(sn) - 1) < 0.05, `standard normal ${mean(sn)} ${std(sn)}`);
  const bern = ff.randomBernoulli([1000], 0.25, 3).dataSync();
  assert.ok(Math.abs(mean(bern) - 0.25) < 0.05);
});

test('moments returns {mean, variance}', () => {
  const { mean, variance } = ff.moments(ff.tensor([1, 2, 3, 4]));
  assertClose(mean.dataSync(), [2.5]);
  assertClose(variance.dataSync(), [1.25]);
});
