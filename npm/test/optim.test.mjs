// Optimizer steps against TF.js, and the memory test: 1000 training steps inside tidy end with
// the tensor count they started with.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose, ff, rng, tf } from './helpers.mjs';

const r = rng(5);
const XS = Array.from({ length: 8 * 3 }, () => r() * 2 - 1);
const YS = Array.from({ length: 8 }, () => r() * 2 - 1);
const W0 = [0.3, -0.2, 0.5];

// A small linear regression trained for `steps` steps with minimize(); returns the weights.
function train(lib, makeOpt, tag, steps = 5) {
  const x = lib.tensor(XS, [8, 3]);
  const y = lib.tensor(YS, [8, 1]);
  const w = lib.variable(lib.tensor(W0, [3, 1]), true, `w-${tag}`);
  const b = lib.variable(lib.zeros([1]), true, `b-${tag}`);
  const opt = makeOpt(lib);
  const costs = [];
  for (let i = 0; i < steps; i++) {
    const cost = opt.minimize(() => lib.losses.meanSquaredError(y, lib.add(lib.matMul(x, w), b)), true, [w, b]);
    costs.push(cost.dataSync()[0]);
    cost.dispose();
  }
  const out = { w: Array.from(w.dataSync()), b: Array.from(b.dataSync()), costs };
  lib.dispose([x, y, w, b]);
  return out;
}

const optimizers = {
  sgd: (lib) => lib.train.sgd(0.1),
  momentum: (lib) => lib.train.momentum(0.05, 0.9),
  'momentum (nesterov)': (lib) => lib.train.momentum(0.05, 0.9, true),
  adam: (lib) => lib.train.adam(0.05),
  'adam (betas, epsilon)': (lib) => lib.train.adam(0.02, 0.8, 0.95, 1e-4),
  rmsprop: (lib) => lib.train.rmsprop(0.01),
  // Centered: TF.js computes sqrt(ms - (mg^2 + epsilon)), ferroflow (like TF Python / Keras)
  // sqrt(ms - mg^2 + epsilon); a tiny epsilon compares the rest of the rule.
  'rmsprop (momentum, centered)': (lib) => lib.train.rmsprop(0.01, 0.8, 0.5, 1e-12, true),
  adagrad: (lib) => lib.train.adagrad(0.1),
};

let n = 0;
for (const [name, make] of Object.entries(optimizers)) {
  test(`train.${name}: 5 minimize() steps match TF.js`, () => {
    n++;
    const mine = train(ff, make, `ff-${n}`);
    const theirs = train(tf, make, `tf-${n}`);
    assertClose(mine.costs, theirs.costs, { rtol: 1e-4, atol: 1e-5 }, 'costs');
    assertClose(mine.w, theirs.w, { rtol: 1e-4, atol: 1e-5 }, 'weights');
    assertClose(mine.b, theirs.b, { rtol: 1e-4, atol: 1e-5 }, 'bias');
    assert.ok(mine.costs[4] < mine.costs[0], 'the loss falls');
  });
}

test('train.adamw: decoupled weight decay (no TF.js counterpart: checked by hand)', () => {
  const lr = 0.1;
  const wd = 0.01;
  const w = ff.variable(ff.tensor([1, -2]), true, 'adamw-w');
  const opt = ff.train.adamw(lr, wd);
  opt.minimize(() => w.square().sum());
  // Step 1: m/(1-b1) = g, v/(1-b2) = g^2, so the Adam update is lr * g/(|g| + eps) ~ lr * sign(g),
  // plus lr * wd * w.
  const expected = [1, -2].map((p) => p - lr * Math.sign(2 * p) - lr * wd * p);
  assertClose(w.dataSync(), expected, { rtol: 1e-5, atol: 1e-5 });
  assert.equal(opt.iterations, 1);
  w.dispose();
  opt.dispose();
});

test('applyGradients with variableGrads, learning rate, getWeights', () => {
  const w = ff.variable(ff.tensor([1, 2]), true, 'apply-w');
  const opt = ff.train.sgd(0.5);
  const { value, grads } = ff.variableGrads(() => w.square().sum(), [w]);
  opt.applyGradients(grads);
  assert.deepEqual(Array.from(w.dataSync()), [0, 0]);
  opt.setLearningRate(0.25);
  assert.equal(opt.learningRate, 0.25);
  opt.applyGradients([{ name: 'apply-w', tensor: ff.tensor([4, 4]) }]);
  assert.deepEqual(Array.from(w.dataSync()), [-1, -1]);
  assert.throws(() => opt.applyGradients({ nope: ff.ones([2]) }), /sgd: invalid argument: argument 'variableGradients'/);
  assert.throws(() => opt.setLearningRate(-1), /learningRate/);
  const adam = ff.train.adam(0.1);
  adam.minimize(() => w.square().sum());
  assert.ok(adam.getWeights().length >= 2);
  ff.dispose([w, value, grads]);
});

test('minimize: returnCost false returns null; f must return a scalar; f errors propagate', () => {
  const w = ff.variable(ff.tensor([1, 2]), true, 'min-w');
  const opt = ff.train.sgd(0.1);
  assert.equal(opt.minimize(() => w.square().sum()), null);
  assert.throws(() => opt.minimize(() => w.square()), /sgd: shape error: argument 'f': expected f to return a scalar/);
  const err = new Error('from the loss function');
  assert.throws(() => opt.minimize(() => { throw err; }), (e) => e === err);
  assert.throws(() => opt.minimize(() => w.sum(), false, [ff.ones([2])]), /expected a variable/);
  w.dispose();
});

test('memory: 1000 training steps inside tidy end with the same numTensors (cpu)', () => {
  const x = ff.randomNormal([16, 4], 0, 1, 'float32', 1);
  const y = ff.randomNormal([16, 1], 0, 1, 'float32', 2);
  const w = ff.variable(ff.randomNormal([4, 8], 0, 0.5, 'float32', 3), true, 'mem-w');
  const v = ff.variable(ff.randomNormal([8, 1], 0, 0.5, 'float32', 4), true, 'mem-v');
  const opt = ff.train.adam(0.01);
  const loss = () => ff.losses.meanSquaredError(y, x.matMul(w).relu().matMul(v));
  const start = ff.memory().numTensors;
  const startBytes = ff.memory().numBytes;
  let first;
  let last;
  for (let i = 0; i < 1000; i++) {
    const c = ff.tidy(() => {
      const cost = opt.minimize(loss, true, [w, v]);
      const extra = ff.square(cost).add(1); // an intermediate tidy must dispose
      extra.dataSync();
      return cost.dataSync()[0];
    });
    if (i === 0) first = c;
    last = c;
  }
  assert.equal(ff.memory().numTensors, start, 'numTensors after 1000 steps');
  assert.equal(ff.memory().numBytes, startBytes, 'numBytes after 1000 steps');
  assert.ok(last < first, `the loss falls (${first} -> ${last})`);
  assert.equal(opt.iterations, 1000);
  ff.dispose([x, y, w, v]);
});
