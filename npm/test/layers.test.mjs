// The layers API against TF.js: fit (loss history, metrics, final weights), evaluate, predict and
// summary agree; callbacks, History, saving and loading (file://, http://, custom handlers) in
// Ferroflow's own format (the bytes ferroflow_core::io writes), hostile configs and artifacts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertClose, assertThrowsError, ff, rng, tf } from './helpers.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'ff-layers-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

function uniform(seed, n, lo = -1, hi = 1) {
  const r = rng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** A classification set: `n` examples of `d` features, labels from a fixed rule. */
function classes(seed, n, d, k) {
  const xs = uniform(seed, n * d);
  const labels = [];
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += xs[i * d + j] * (j + 1);
    labels.push(Math.abs(Math.floor(s * 2)) % k);
  }
  return { xs, labels };
}

/** Builds the same model on both libraries; ferroflow gets TF.js's initial weights. */
function twin(build) {
  const theirs = build(tf);
  const mine = build(ff);
  mine.setWeights(theirs.getWeights().map((w) => ff.tensor(w.dataSync(), w.shape)));
  return { mine, theirs };
}

async function fitBoth({ build, compile, x, y, fit }) {
  const { mine, theirs } = twin(build);
  mine.compile(compile(ff));
  theirs.compile(compile(tf));
  const hm = await mine.fit(x(ff), y(ff), fit(ff));
  const ht = await theirs.fit(x(tf), y(tf), fit(tf));
  return { mine, theirs, hm, ht };
}

function compareWeights(mine, theirs, tol, what = 'weights') {
  const a = mine.getWeights();
  const b = theirs.getWeights();
  assert.equal(a.length, b.length, `${what}: count`);
  a.forEach((w, i) => {
    assert.deepEqual(w.shape, b[i].shape, `${what}[${i}] shape`);
    assertClose(w.dataSync(), b[i].dataSync(), tol, `${what}[${i}]`);
  });
  ff.dispose(a); // (TF.js's getWeights returns the variables themselves: not disposed)
}

function compareHistory(hm, ht, tol) {
  assert.deepEqual(hm.epoch, ht.epoch, 'epochs');
  assert.deepEqual(Object.keys(hm.history).sort(), Object.keys(ht.history).sort(), 'history keys');
  for (const k of Object.keys(ht.history)) assertClose(hm.history[k], ht.history[k], tol, `history.${k}`);
}

test('fit: an MLP (dense relu -> dense softmax, SGD, categoricalCrossentropy, accuracy) matches TF.js', async () => {
  const { xs, labels } = classes(1, 10, 4, 3);
  const { mine, theirs, hm, ht } = await fitBoth({
    build: (lib) =>
      lib.sequential({
        layers: [lib.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }), lib.layers.dense({ units: 3, activation: 'softmax' })],
      }),
    compile: (lib) => ({ optimizer: lib.train.sgd(0.2), loss: 'categoricalCrossentropy', metrics: ['accuracy'] }),
    x: (lib) => lib.tensor(xs, [10, 4]),
    y: (lib) => lib.oneHot(lib.tensor(labels, [10], 'int32'), 3),
    fit: () => ({ epochs: 4, batchSize: 4, shuffle: false }), // batches of 4, 4, 2
  });
  compareHistory(hm, ht, { rtol: 1e-4, atol: 1e-5 });
  assert.deepEqual(Object.keys(hm.history), ['loss', 'acc']);
  assert.ok(hm.history.loss[3] < hm.history.loss[0], `the loss falls: ${hm.history.loss}`);
  compareWeights(mine, theirs, { rtol: 1e-4, atol: 1e-5 });
  assert.equal(hm.params.epochs, 4);
  assert.equal(hm.params.samples, 10);
  assert.deepEqual(hm.params.metrics, ['loss', 'acc']);
});

test('fit: MSE regression with validationSplit, and with validationData, matches TF.js (val_loss)', async () => {
  const xs = uniform(2, 16 * 3);
  const ys = Array.from({ length: 16 }, (_, i) => xs[3 * i] - 2 * xs[3 * i + 1] + 0.5 * xs[3 * i + 2]);
  const build = (lib) => lib.sequential({ layers: [lib.layers.dense({ units: 5, activation: 'tanh', inputShape: [3] }), lib.layers.dense({ units: 1 })] });
  const compile = () => ({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['mae'] });
  const split = await fitBoth({
    build,
    compile,
    x: (lib) => lib.tensor(xs, [16, 3]),
    y: (lib) => lib.tensor(ys, [16, 1]),
    fit: () => ({ epochs: 3, batchSize: 5, shuffle: false, validationSplit: 0.25 }),
  });
  compareHistory(split.hm, split.ht, { rtol: 1e-4, atol: 1e-6 });
  assert.deepEqual(Object.keys(split.hm.history).sort(), ['loss', 'mae', 'val_loss', 'val_mae']);
  compareWeights(split.mine, split.theirs, { rtol: 1e-4, atol: 1e-6 });
  const data = await fitBoth({
    build,
    compile: (lib) => ({ optimizer: lib.train.momentum(0.05, 0.9), loss: 'meanSquaredError' }),
    x: (lib) => lib.tensor(xs.slice(0, 36), [12, 3]),
    y: (lib) => lib.tensor(ys.slice(0, 12), [12, 1]),
    fit: (lib) => ({ epochs: 3, batchSize: 4, shuffle: false, validationData: [lib.tensor(xs.slice(36), [4, 3]), lib.tensor(ys.slice(12), [4, 1])] }),
  });
  compareHistory(data.hm, data.ht, { rtol: 1e-4, atol: 1e-6 });
  assert.ok(data.hm.validationData, 'history.validationData');
});

test('fit: a CNN (conv2d, pooling, batchNormalization, flatten, dense; adam, sparse labels) matches TF.js', async () => {
  const n = 6;
  const xs = uniform(3, n * 6 * 6 * 2);
  const labels = Array.from({ length: n }, (_, i) => i % 3);
  const { mine, theirs, hm, ht } = await fitBoth({
    build: (lib) =>
      lib.sequential({
        layers: [
          // No bias before batch norm: its gradient is rounding noise, which Adam would amplify.
          lib.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', useBias: false, inputShape: [6, 6, 2] }),
          lib.layers.maxPooling2d({ poolSize: 2 }),
          lib.layers.batchNormalization(),
          lib.layers.conv2d({ filters: 3, kernelSize: [2, 2], strides: 1 }),
          lib.layers.averagePooling2d({ poolSize: 2, strides: 1 }),
          lib.layers.flatten(),
          lib.layers.dropout({ rate: 0 }),
          lib.layers.dense({ units: 3, activation: 'softmax' }),
        ],
      }),
    compile: () => ({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['acc'] }),
    x: (lib) => lib.tensor(xs, [n, 6, 6, 2]),
    y: (lib) => lib.tensor(labels, [n, 1]),
    fit: () => ({ epochs: 3, batchSize: 4, shuffle: false }),
  });
  compareHistory(hm, ht, { rtol: 2e-4, atol: 1e-5 });
  compareWeights(mine, theirs, { rtol: 2e-4, atol: 2e-5 });
  // Inference uses the moving statistics batch norm updated while training.
  const pm = mine.predict(ff.tensor(xs, [n, 6, 6, 2]));
  const pt = theirs.predict(tf.tensor(xs, [n, 6, 6, 2]));
  assertClose(pm.dataSync(), pt.dataSync(), { rtol: 2e-4, atol: 2e-5 }, 'predictions');
});

test('evaluate and predict (with batchSize) match TF.js', () => {
  const { xs, labels } = classes(4, 9, 4, 3);
  const { mine, theirs } = twin((lib) =>
    lib.sequential({ layers: [lib.layers.dense({ units: 6, activation: 'sigmoid', inputShape: [4] }), lib.layers.dense({ units: 3, activation: 'softmax' })] }),
  );
  for (const [m, lib] of [[mine, ff], [theirs, tf]]) m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy', 'mse'] });
  const ev = (m, lib) => m.evaluate(lib.tensor(xs, [9, 4]), lib.oneHot(lib.tensor(labels, [9], 'int32'), 3), { batchSize: 4 });
  const em = ev(mine, ff);
  const et = ev(theirs, tf);
  assert.equal(em.length, 3);
  em.forEach((t, i) => {
    assert.deepEqual(t.shape, []);
    assertClose(t.dataSync(), et[i].dataSync(), { rtol: 1e-5, atol: 1e-6 }, `evaluate[${i}]`);
  });
  assert.deepEqual(mine.metricsNames, ['loss', 'acc', 'mse']);
  const pm = mine.predict(ff.tensor(xs, [9, 4]), { batchSize: 2 });
  const pt = theirs.predict(tf.tensor(xs, [9, 4]), { batchSize: 2 });
  assert.deepEqual(pm.shape, [9, 3]);
  assertClose(pm.dataSync(), pt.dataSync(), { rtol: 1e-5, atol: 1e-6 }, 'predict');
  assertClose(mine.predictOnBatch(ff.tensor(xs, [9, 4])).dataSync(), pt.dataSync(), { rtol: 1e-5, atol: 1e-6 }, 'predictOnBatch');
  // Without metrics evaluate returns one scalar.
  mine.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  const only = mine.evaluate(ff.tensor(xs, [9, 4]), ff.oneHot(ff.tensor(labels, [9], 'int32'), 3));
  assert.ok(only instanceof ff.Tensor);
  assert.deepEqual(only.shape, []);
});

test('losses by name agree with TF.js through evaluate', () => {
  const xs = uniform(5, 6 * 3, 0.1, 0.9);
  const ys = uniform(6, 6 * 2, 0.05, 0.95);
  const { mine, theirs } = twin((lib) => lib.sequential({ layers: [lib.layers.dense({ units: 2, activation: 'sigmoid', inputShape: [3] })] }));
  const names = ['meanSquaredError', 'meanAbsoluteError', 'meanAbsolutePercentageError', 'meanSquaredLogarithmicError', 'squaredHinge', 'hinge', 'categoricalHinge', 'logcosh', 'categoricalCrossentropy', 'binaryCrossentropy', 'kullbackLeiblerDivergence', 'poisson', 'cosineProximity'];
  for (const loss of names) {
    mine.compile({ optimizer: 'sgd', loss });
    theirs.compile({ optimizer: 'sgd', loss });
    const a = mine.evaluate(ff.tensor(xs, [6, 3]), ff.tensor(ys, [6, 2]));
    const b = theirs.evaluate(tf.tensor(xs, [6, 3]), tf.tensor(ys, [6, 2]));
    assertClose(a.dataSync(), b.dataSync(), { rtol: 1e-4, atol: 1e-6 }, loss);
  }
});

test('summary prints the table TF.js prints (and returns nothing); printFn and options', () => {
  const build = (lib) => {
    const m = lib.sequential();
    m.add(lib.layers.conv2d({ name: 'conv', filters: 2, kernelSize: 3, inputShape: [8, 8, 1], padding: 'same' }));
    m.add(lib.layers.maxPooling2d({ name: 'pool', poolSize: 2 }));
    m.add(lib.layers.batchNormalization({ name: 'a_rather_long_batch_normalization_name' }));
    m.add(lib.layers.flatten({ name: 'flat' }));
    m.add(lib.layers.dense({ name: 'out', units: 3 }));
    return m;
  };
  const mine = [];
  const theirs = [];
  assert.equal(build(ff).summary(undefined, undefined, (s) => mine.push(s)), undefined);
  build(tf).summary(undefined, undefined, (s) => theirs.push(s));
  assert.deepEqual(mine, theirs);
  const viaOptions = [];
  build(ff).summary({ lineLength: 70, printFn: (s) => viaOptions.push(s) });
  assert.equal(viaOptions[0], '_'.repeat(70));
  assert.ok(viaOptions.includes('Total params: 127'), viaOptions.join('\n'));
  assert.ok(viaOptions.includes('Non-trainable params: 4'));
  const viaFn = [];
  build(ff).summary((s) => viaFn.push(s));
  assert.equal(viaFn.length, mine.length);
  // Default: console.log.
  const logged = [];
  const orig = console.log;
  console.log = (s) => logged.push(s);
  try {
    build(ff).summary();
  } finally {
    console.log = orig;
  }
  assert.equal(logged.length, mine.length);
});

test('layers: names, classes, shapes, weights in TF.js order, getConfig, countParams', () => {
  const m = ff.sequential({
    layers: [
      ff.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 3 }),
      ff.layers.flatten(),
      ff.layers.dense({ units: 5, useBias: false, kernelInitializer: 'heNormal' }),
      ff.layers.activation({ activation: 'relu6' }),
      ff.layers.batchNormalization({ momentum: 0.9 }),
      ff.layers.dense({ units: 1, kernelInitializer: 'zeros', biasInitializer: 'ones' }),
    ],
  });
  assert.deepEqual(m.layers.map((l) => l.getClassName()), ['Embedding', 'Flatten', 'Dense', 'Activation', 'BatchNormalization', 'Dense']);
  assert.match(m.layers[0].name, /^embedding_Embedding\d+$/);
  assert.match(m.layers[2].name, /^dense_Dense\d+$/);
  assert.deepEqual(m.layers.map((l) => l.outputShape), [[null, 3, 4], [null, 12], [null, 5], [null, 5], [null, 5], [null, 1]]);
  assert.deepEqual(m.inputs[0].shape, [null, 3]);
  assert.deepEqual(m.outputs[0].shape, [null, 1]);
  // A model lists trainable weights first (TF.js order), a layer its own in order.
  assert.deepEqual(m.weights.map((w) => w.name.split('/')[1]), ['embeddings', 'kernel', 'gamma', 'beta', 'kernel', 'bias', 'moving_mean', 'moving_variance']);
  assert.deepEqual(m.layers[4].weights.map((w) => w.name.split('/')[1]), ['gamma', 'beta', 'moving_mean', 'moving_variance']);
  assert.deepEqual(m.getWeights().map((w) => w.shape), m.weights.map((w) => w.shape));
  assert.deepEqual(m.trainableWeights.map((w) => w.name.split('/')[1]), ['embeddings', 'kernel', 'gamma', 'beta', 'kernel', 'bias']);
  assert.equal(m.nonTrainableWeights.length, 2);
  assert.equal(m.countParams(), 40 + 60 + 20 + 5 + 1);
  assert.equal(m.layers[2].countParams(), 60);
  const last = m.layers[5].getWeights();
  assert.deepEqual(Array.from(last[0].dataSync()), [0, 0, 0, 0, 0], 'kernelInitializer zeros');
  assert.deepEqual(Array.from(last[1].dataSync()), [1], 'biasInitializer ones');
  const he = m.layers[2].getWeights()[0].dataSync();
  const sd = Math.sqrt(he.reduce((s, v) => s + v * v, 0) / he.length);
  assert.ok(sd > 0.15 && sd < 0.7, `heNormal std ${sd} (expected about sqrt(2/12) = 0.41)`);
  assert.deepEqual(m.layers[2].getConfig(), { units: 5, activation: 'linear', useBias: false, name: m.layers[2].name, trainable: true, kernelInitializer: 'heNormal', biasInitializer: 'zeros' });
  assert.deepEqual(m.layers[0].getConfig().batchInputShape, [null, 3]);
  const w = m.weights[0];
  assert.deepEqual(w.shape, [10, 4]);
  const before = w.read();
  w.write(ff.ones([10, 4]));
  assert.deepEqual(Array.from(m.layers[0].getWeights()[0].dataSync()), new Array(40).fill(1));
  w.write(before);
  assert.equal(m.getLayer(m.layers[3].name), m.layers[3]);
  assert.equal(m.getLayer(undefined, 1), m.layers[1]);
  // Integer ids go through the embedding.
  const out = m.predict(ff.tensor([[1, 2, 3], [9, 0, 4]], undefined, 'int32'));
  assert.deepEqual(out.shape, [2, 1]);
});

test('callbacks: order, arguments, async callbacks, History; fit yields to the event loop', async () => {
  const { xs, labels } = classes(7, 10, 3, 2);
  const m = ff.sequential({ layers: [ff.layers.dense({ units: 2, activation: 'softmax', inputShape: [3] })] });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const events = [];
  let macrotask = false;
  setImmediate(() => (macrotask = true));
  let sawMacrotask = null;
  const h = await m.fit(ff.tensor(xs, [10, 3]), ff.tensor(labels, [10]), {
    epochs: 2,
    batchSize: 4,
    validationSplit: 0.2,
    callbacks: {
      onTrainBegin: async (logs) => events.push(['trainBegin', logs]),
      onEpochBegin: (epoch, logs) => events.push(['epochBegin', epoch, logs]),
      onBatchBegin: (batch, logs) => {
        if (batch === 1 && sawMacrotask === null) sawMacrotask = macrotask;
        events.push(['batchBegin', batch, logs]);
      },
      onBatchEnd: async (batch, logs) => {
        await new Promise((r) => setTimeout(r, 1));
        events.push(['batchEnd', batch, Object.keys(logs), logs.size]);
      },
      onEpochEnd: (epoch, logs) => events.push(['epochEnd', epoch, Object.keys(logs)]),
      onTrainEnd: (logs) => events.push(['trainEnd', logs]),
    },
  });
  assert.equal(sawMacrotask, true, 'a macrotask queued before fit ran before the second batch');
  const kinds = events.map((e) => e.slice(0, 2).join(' '));
  assert.deepEqual(kinds, [
    'trainBegin [object Object]',
    'epochBegin 0', 'batchBegin 0', 'batchEnd 0', 'batchBegin 1', 'batchEnd 1', 'epochEnd 0',
    'epochBegin 1', 'batchBegin 0', 'batchEnd 0', 'batchBegin 1', 'batchEnd 1', 'epochEnd 1',
    'trainEnd [object Object]',
  ]);
  assert.deepEqual(events[3], ['batchEnd', 0, ['batch', 'size', 'loss', 'acc'], 4]);
  assert.deepEqual(events[5][3], 4, 'the second batch has the remaining 4 of 8 training examples');
  assert.deepEqual(events[6], ['epochEnd', 0, ['val_loss', 'val_acc', 'loss', 'acc']]);
  assert.deepEqual(h.epoch, [0, 1]);
  assert.deepEqual(Object.keys(h.history), ['val_loss', 'val_acc', 'loss', 'acc']);
  for (const v of Object.values(h.history)) assert.ok(v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x)));
  assert.equal(m.history, h);
  assert.equal(m.isTraining, false);
});

test('stopTraining from a callback, earlyStopping, and one fit at a time', async () => {
  const m = ff.sequential({ layers: [ff.layers.dense({ units: 1, inputShape: [2] })] });
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  const x = ff.ones([8, 2]);
  const y = ff.zeros([8, 1]);
  let batches = 0;
  const yields = [];
  const batchLosses = [];
  const h = await m.fit(x, y, {
    epochs: 5,
    batchSize: 2,
    callbacks: {
      onBatchEnd: (b, logs) => { batches++; batchLosses.push(logs.loss); if (batches === 3) m.stopTraining = true; },
      onYield: (epoch, batch) => yields.push([epoch, batch]),
    },
  });
  assert.equal(batches, 3);
  assert.deepEqual(yields, [[0, 0], [0, 1], [0, 2]], 'onYield after each batch');
  assert.deepEqual(h.epoch, [0]);
  // The epoch's loss is the mean over the 3 batches seen (equal sizes), not over all 8 examples.
  const seenMean = batchLosses.reduce((a, v) => a + v, 0) / 3;
  assert.ok(Math.abs(h.history.loss[0] - seenMean) <= 1e-6 * Math.max(1, seenMean), `${h.history.loss[0]} vs ${seenMean}`);
  // The loss cannot improve with lr 0: earlyStopping (patience 2) stops after 3 epochs.
  m.compile({ optimizer: ff.train.sgd(0), loss: 'mse' });
  const h2 = await m.fit(x, y, { epochs: 20, callbacks: [ff.callbacks.earlyStopping({ monitor: 'loss', patience: 2 })] });
  assert.equal(h2.epoch.length, 3);
  const first = m.fit(x, y, { epochs: 1 });
  await assert.rejects(m.fit(x, y), /fit: invalid argument: the model is already training/);
  await first;
});

test('trainable = false freezes a layer; custom loss and metric functions; trainOnBatch', async () => {
  const m = ff.sequential({ layers: [ff.layers.dense({ units: 3, inputShape: [2], activation: 'relu' }), ff.layers.dense({ units: 1 })] });
  m.layers[0].trainable = false;
  assert.equal(m.trainableWeights.length, 2);
  const frozen = m.layers[0].getWeights().map((w) => Array.from(w.dataSync()));
  const head = m.layers[1].getWeights().map((w) => Array.from(w.dataSync()));
  const lossFn = (yTrue, yPred) => ff.mean(ff.square(ff.sub(yTrue, yPred)));
  function meanPred(yTrue, yPred) {
    return ff.mean(yPred);
  }
  m.compile({ optimizer: ff.train.sgd(0.1), loss: lossFn, metrics: [meanPred] });
  assert.deepEqual(m.metricsNames, ['loss', 'meanPred']);
  const before = ff.memory().numTensors;
  const h = await m.fit(ff.tensor([[1, 2], [3, 4], [5, 6]]), ff.tensor([[1], [2], [3]]), { epochs: 2, batchSize: 2 });
  assert.deepEqual(Object.keys(h.history), ['loss', 'meanPred']);
  assert.ok(ff.memory().numTensors <= before + 2, `fit leaked tensors: ${before} -> ${ff.memory().numTensors}`);
  assert.deepEqual(m.layers[0].getWeights().map((w) => Array.from(w.dataSync())), frozen, 'the frozen layer did not move');
  assert.notDeepEqual(m.layers[1].getWeights().map((w) => Array.from(w.dataSync())), head, 'the head trained');
  const r = await m.trainOnBatch(ff.tensor([[1, 1]]), ff.tensor([[0]]));
  assert.equal(r.length, 2);
  const err = new Error('from the loss');
  m.compile({ optimizer: 'sgd', loss: () => { throw err; } });
  await assert.rejects(m.fit(ff.ones([2, 2]), ff.ones([2, 1])), (e) => e === err);
  assert.equal(m.isTraining, false);
});

test('memory: fit, evaluate and predict inside tidy leave numTensors unchanged', async () => {
  const m = ff.sequential({ layers: [ff.layers.dense({ units: 4, activation: 'relu', inputShape: [3] }), ff.layers.dropout({ rate: 0.3 }), ff.layers.dense({ units: 2, activation: 'softmax' })] });
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const x = ff.randomNormal([40, 3], 0, 1, 'float32', 1);
  const y = ff.oneHot(ff.tensor(Array.from({ length: 40 }, (_, i) => i % 2), [40], 'int32'), 2);
  const start = ff.memory().numTensors;
  await m.fit(x, y, { epochs: 3, batchSize: 8, validationSplit: 0.25 });
  assert.equal(ff.memory().numTensors, start, 'after fit');
  ff.tidy(() => {
    m.evaluate(x, y, { batchSize: 16 });
    m.predict(x, { batchSize: 16 });
  });
  assert.equal(ff.memory().numTensors, start, 'after evaluate/predict in tidy');
});

test('save to file:// writes exactly what ferroflow_core::io writes; loadLayersModel gives identical predictions', async () => {
  const m = ff.sequential({
    layers: [
      ff.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [5, 5, 1] }),
      ff.layers.batchNormalization(),
      ff.layers.maxPooling2d({ poolSize: 2 }),
      ff.layers.flatten(),
      ff.layers.dropout({ rate: 0.5 }),
      ff.layers.dense({ units: 2, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  const x = ff.randomNormal([6, 5, 5, 1], 0, 1, 'float32', 3);
  await m.fit(x, ff.oneHot(ff.tensor([0, 1, 0, 1, 1, 0], [6], 'int32'), 2), { epochs: 2, batchSize: 3 });
  const dir = join(tmp, 'cnn');
  const res = await m.save(`file://${dir}`);
  assert.ok(res.modelArtifactsInfo.weightDataBytes > 0);
  // The layout: model.json (format, version, topology with the input shape, manifest with the
  // SHA-256 of the weights) and weights.safetensors (8-byte header length, JSON header, data).
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const weights = readFileSync(join(dir, 'weights.safetensors'));
  assert.equal(json.format, 'ferroflow-layers-model');
  assert.equal(json.format_version, 1);
  assert.equal(json.model.class_name, 'Sequential');
  assert.deepEqual(json.model.config.input_shape, [5, 5, 1]);
  assert.deepEqual(json.model.config.layers.map((l) => l.class_name), ['Conv2d', 'BatchNorm', 'MaxPool2d', 'Flatten', 'Dropout', 'Dense']);
  assert.equal(json.weights.length, 1);
  assert.equal(json.weights[0].path, 'weights.safetensors');
  assert.equal(json.weights[0].size, weights.length);
  assert.equal(json.weights[0].sha256, createHash('sha256').update(weights).digest('hex'));
  const headerLen = Number(weights.readBigUInt64LE(0));
  const header = JSON.parse(weights.subarray(8, 8 + headerLen).toString('utf8'));
  const names = json.weights[0].tensors.map((t) => t.name);
  assert.deepEqual(names, m.layers.flatMap((l) => l.weights.map((w) => w.name)));
  for (const t of json.weights[0].tensors) {
    assert.equal(header[t.name].dtype, 'F32');
    assert.deepEqual(header[t.name].shape, t.shape);
  }
  for (const source of [`file://${dir}`, `file://${dir}/model.json`]) {
    const back = await ff.loadLayersModel(source);
    assert.deepEqual(back.layers.map((l) => l.getClassName()), m.layers.map((l) => l.getClassName()));
    assert.deepEqual(back.layers.map((l) => l.name), m.layers.map((l) => l.name));
    assert.deepEqual(back.layers.map((l) => l.outputShape), m.layers.map((l) => l.outputShape));
    assert.deepEqual(Array.from(back.predict(x).dataSync()), Array.from(m.predict(x).dataSync()), source);
    back.dispose();
  }
  // Saving over an existing model replaces it.
  await m.save(`file://${dir}`);
});

test('a model saved here is written for the Rust loader test (scripts/test-npm.sh runs it)', async () => {
  const m = ff.sequential({
    layers: [ff.layers.dense({ units: 6, activation: 'relu', inputShape: [4] }), ff.layers.batchNormalization(), ff.layers.dense({ units: 3, activation: 'softmax' })],
  });
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  const xs = uniform(9, 5 * 4);
  await m.fit(ff.tensor(xs, [5, 4]), ff.oneHot(ff.tensor([0, 1, 2, 1, 0], [5], 'int32'), 3), { epochs: 2 });
  const dir = join(process.cwd(), 'artifacts', 'js-saved-mlp');
  rmSync(dir, { recursive: true, force: true });
  await m.save(`file://${dir}`);
  const out = m.predict(ff.tensor(xs, [5, 4]));
  writeFileSync(join(dir, 'expected.json'), JSON.stringify({ input: xs, inputShape: [5, 4], output: Array.from(out.dataSync()), outputShape: out.shape }));
});

test('a model.json without input_shape (as native code may write it) loads; shapes come from the first layer when they can', async () => {
  for (const [first, known] of [
    [ff.layers.dense({ units: 3, inputShape: [4] }), true],
    [ff.layers.conv2d({ filters: 2, kernelSize: 2, inputShape: [4, 4, 1] }), false],
  ]) {
    const m = ff.sequential({ layers: [first, ff.layers.flatten(), ff.layers.dense({ units: 2 })] });
    let saved;
    await m.save(ff.io.withSaveHandler((a) => { saved = a; }));
    const json = JSON.parse(new TextDecoder().decode(saved.modelJson));
    delete json.model.config.input_shape;
    const back = await ff.loadLayersModel(ff.io.fromMemory({ modelJson: JSON.stringify(json), weights: saved.weights }));
    const x = known ? ff.randomNormal([2, 4], 0, 1, 'float32', 1) : ff.randomNormal([2, 4, 4, 1], 0, 1, 'float32', 1);
    assert.deepEqual(Array.from(back.predict(x).dataSync()), Array.from(m.predict(x).dataSync()));
    if (known) {
      assert.deepEqual(back.layers.map((l) => l.outputShape), [[null, 3], [null, 3], [null, 2]]);
    } else {
      assert.equal(back.layers[0].outputShape, null);
      const lines = [];
      back.summary((l) => lines.push(l));
      assert.match(lines[3], /multiple/);
    }
  }
});

test('loadLayersModel over http://, and custom handlers (withSaveHandler, fromMemory)', async () => {
  const m = ff.sequential({ layers: [ff.layers.dense({ units: 3, activation: 'tanh', inputShape: [2] }), ff.layers.dense({ units: 1 })] });
  let saved = null;
  const r = await m.save(ff.io.withSaveHandler(async (artifacts) => { saved = artifacts; }));
  assert.ok(saved.modelJson instanceof Uint8Array);
  assert.deepEqual(Object.keys(saved.weights), ['weights.safetensors']);
  assert.equal(r.modelArtifactsInfo.weightDataBytes, saved.weights['weights.safetensors'].byteLength);
  const x = ff.tensor([[0.5, -1], [2, 0.25]]);
  const want = Array.from(m.predict(x).dataSync());
  const fromMem = await ff.loadLayersModel(ff.io.fromMemory(saved));
  assert.deepEqual(Array.from(fromMem.predict(x).dataSync()), want);
  const server = createServer((req, res) => {
    const body = req.url === '/m/model.json' ? saved.modelJson : req.url === '/m/weights.safetensors' ? saved.weights['weights.safetensors'] : null;
    res.writeHead(body ? 200 : 404);
    res.end(body ? Buffer.from(body) : undefined);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  try {
    const url = `http://127.0.0.1:${server.address().port}/m/model.json`;
    const back = await ff.loadLayersModel(url);
    assert.deepEqual(Array.from(back.predict(x).dataSync()), want);
    await assert.rejects(ff.loadLayersModel(url.replace('/m/', '/nope/')), /^Error: loadLayersModel: io error: fetching model\.json .*HTTP 404/);
    // '%2e%2e' passes a lexical check but URL resolution reads it as '..'.
    const j = JSON.parse(new TextDecoder().decode(saved.modelJson));
    j.weights[0].path = '%2e%2e/%2e%2e/weights.safetensors';
    const evil = new TextEncoder().encode(JSON.stringify(j));
    const escape = createServer((req, res) => {
      res.writeHead(req.url === '/a/b/model.json' ? 200 : 404);
      res.end(req.url === '/a/b/model.json' ? Buffer.from(evil) : undefined);
    });
    await new Promise((ok) => escape.listen(0, '127.0.0.1', ok));
    try {
      await assert.rejects(
        ff.loadLayersModel(`http://127.0.0.1:${escape.address().port}/a/b/model.json`),
        /^Error: loadLayersModel: model format error: weights path "%2e%2e\/%2e%2e\/weights\.safetensors" resolves to http:\/\/127\.0\.0\.1:\d+\/weights\.safetensors, outside the model's folder/,
      );
    } finally {
      escape.close();
    }
  } finally {
    server.close();
  }
  await assert.rejects(m.save('http://127.0.0.1:1/x'), /save: invalid argument: .*saving over HTTP is not supported/);
  await assert.rejects(m.save('indexeddb://m'), /save: io error: IndexedDB is not available/);
  await assert.rejects(m.save('localstorage://m'), /save: io error: localStorage is not available/);
  await assert.rejects(m.save('ftp://x'), /save: invalid argument: argument 'handlerOrURL'/);
  await assert.rejects(ff.loadLayersModel(42), /loadLayersModel: invalid argument: argument 'pathOrIOHandler'/);
});

// ---- hostile artifacts -------------------------------------------------------------------

async function validArtifacts() {
  const m = ff.sequential({ layers: [ff.layers.dense({ name: 'd1', units: 3, inputShape: [2] }), ff.layers.dense({ name: 'd2', units: 1 })] });
  let saved;
  await m.save(ff.io.withSaveHandler((a) => { saved = a; }));
  return { json: JSON.parse(new TextDecoder().decode(saved.modelJson)), weights: saved.weights['weights.safetensors'] };
}

function sha(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A safetensors file from a header object and a data section. */
function safetensors(header, data) {
  const h = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  return new Uint8Array(Buffer.concat([len, h, Buffer.from(data)]));
}

test('hostile artifacts throw a clear Error (never trap), and the module keeps working', async () => {
  const { json, weights } = await validArtifacts();
  const load = (modelJson, w) => ff.loadLayersModel(ff.io.fromMemory({ modelJson, weights: { 'weights.safetensors': w } }));
  const withManifest = (w, edit = (j) => j) => {
    const j = structuredClone(json);
    j.weights[0].size = w.length;
    j.weights[0].sha256 = sha(w);
    return JSON.stringify(edit(j));
  };
  const headerOf = (w) => JSON.parse(Buffer.from(w.subarray(8, 8 + Number(Buffer.from(w).readBigUInt64LE(0)))).toString());
  const dataOf = (w) => w.subarray(8 + Number(Buffer.from(w).readBigUInt64LE(0)));
  const cases = [
    ['truncated weights file', () => load(JSON.stringify(json), weights.subarray(0, weights.length - 7)), /model format error: weights file "weights\.safetensors": \d+ bytes, the manifest says \d+/],
    ['truncated weights with a matching manifest', () => { const w = weights.subarray(0, weights.length - 8); return load(withManifest(w), w); }, /model format error: .*safetensors: tensor .* exceed the \d+-byte data section/],
    ['wrong hash', () => { const w = weights.slice(); w[w.length - 1] ^= 1; return load(JSON.stringify(json), w); }, /model format error: .*sha256 mismatch/],
    ['huge header length', () => { const w = weights.slice(); Buffer.from(w.buffer).writeBigUInt64LE(2n ** 62n, 0); return load(withManifest(w), w); }, /model format error: .*header length \d+ exceeds the limit/],
    ['header length past the end', () => { const w = weights.slice(); Buffer.from(w.buffer).writeBigUInt64LE(BigInt(w.length), 0); return load(withManifest(w), w); }, /model format error: .*larger than the \d+ bytes that follow it/],
    ['dtype x shape != byte length', () => { const h = headerOf(weights); h['d1/bias'].shape = [4]; const w = safetensors(h, dataOf(weights)); return load(withManifest(w), w); }, /model format error: .*needs 16 bytes but data_offsets/],
    ['overlapping offsets', () => { const h = headerOf(weights); const k = Object.keys(h).find((n) => h[n].data_offsets && h[n].data_offsets[0] >= 4); const o = h[k].data_offsets; h[k].data_offsets = [o[0] - 4, o[1] - 4]; const w = safetensors(h, dataOf(weights)); return load(withManifest(w), w); }, /model format error: .*(overlaps|unused bytes)/],
    ['path traversal in the weights path', () => load(withManifest(weights, (j) => { j.weights[0].path = '../../etc/passwd'; return j; }), weights), /model format error: weights path "\.\.\/\.\.\/etc\/passwd" rejected/],
    ['absolute weights path', () => load(withManifest(weights, (j) => { j.weights[0].path = '/etc/passwd'; return j; }), weights), /model format error: weights path "\/etc\/passwd" rejected: absolute/],
    ['a tensor the topology lacks', () => load(withManifest(weights, (j) => { j.weights[0].tensors[0].name = 'd1/evil'; return j; }), weights), /model format error: variable "d1\/kernel" of the topology is missing/],
    ['a layer name with a slash', () => load(withManifest(weights, (j) => { j.model.config.layers[0].config.name = '../d1'; return j; }), weights), /model format error: model\.json: invalid topology: .*must not contain '\/'/],
    ['shape mismatch against the topology', () => load(withManifest(weights, (j) => { j.model.config.layers[0].config.units = 4; return j; }), weights), /model format error: tensor "d1\/kernel" .* the topology needs/],
    ['a huge layer', () => load(withManifest(weights, (j) => { j.model.config.layers[0].config.units = 2 ** 28; return j; }), weights), /model format error: tensor "d1\/kernel" .* the topology needs/],
    ['a size beyond usize', () => load(withManifest(weights, (j) => { j.model.config.layers[0].config.units = 2 ** 40; return j; }), weights), /model format error: model\.json: invalid value: integer `1099511627776`/],
    ['unknown format version', () => load(withManifest(weights, (j) => { j.format_version = 9; return j; }), weights), /model format error: model\.json: format_version 9 is not supported/],
    ['not a ferroflow model', () => load(JSON.stringify({ modelTopology: {}, weightsManifest: [] }), weights), /model format error: model\.json: unknown field/],
    ['not JSON', () => load('{"format": ', weights), /model format error: model\.json: EOF/],
    ['unknown layer class', () => load(withManifest(weights, (j) => { j.model.config.layers[1].class_name = 'Lambda'; return j; }), weights), /model format error: model\.json: unknown variant `Lambda`/],
    ['missing weights file', () => ff.loadLayersModel(ff.io.fromMemory({ modelJson: JSON.stringify(json), weights: {} })), /loadLayersModel: io error: weights file "weights\.safetensors" listed in model\.json was not found/],
    ['weights not bytes', () => ff.loadLayersModel(ff.io.fromMemory({ modelJson: JSON.stringify(json), weights: { 'weights.safetensors': 'abc' } })), /model format error: weights file "weights\.safetensors": 3 bytes/],
    ['a handler returning nothing', () => ff.loadLayersModel({ load: async () => null }), /loadLayersModel: io error: the load handler returned null/],
  ];
  for (const [label, call, pattern] of cases) {
    let err = null;
    try {
      await call();
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof Error, `${label}: expected an Error, got ${err}`);
    assert.ok(!(err instanceof WebAssembly.RuntimeError), `${label}: the module trapped: ${err.message}`);
    assert.match(err.message, /^loadLayersModel: /, `${label}: ${err.message}`);
    assert.match(err.message, pattern, label);
  }
  const ok = await load(JSON.stringify(json), weights);
  assert.deepEqual(ok.predict(ff.ones([1, 2])).shape, [1, 1], 'the module still works');
});

test('hostile files on disk: a symlink out of the folder, an oversized weights file, a missing folder', async () => {
  const { json, weights } = await validArtifacts();
  const dir = join(tmp, 'evil');
  mkdirSync(join(dir, 'inner'), { recursive: true });
  writeFileSync(join(dir, 'outside.safetensors'), weights);
  symlinkSync(join(dir, 'outside.safetensors'), join(dir, 'inner', 'weights.safetensors'));
  writeFileSync(join(dir, 'inner', 'model.json'), JSON.stringify(json));
  await assert.rejects(ff.loadLayersModel(`file://${join(dir, 'inner')}`), /^Error: loadLayersModel: model format error: weights path "weights\.safetensors" resolves to .*, outside the model folder/);
  const big = join(tmp, 'big');
  mkdirSync(big, { recursive: true });
  writeFileSync(join(big, 'model.json'), JSON.stringify(json));
  writeFileSync(join(big, 'weights.safetensors'), Buffer.concat([weights, Buffer.alloc(1000)]));
  await assert.rejects(ff.loadLayersModel(`file://${big}`), /^Error: loadLayersModel: model format error: weights file "weights\.safetensors": \d+ bytes, the manifest says \d+/);
  await assert.rejects(ff.loadLayersModel(`file://${join(tmp, 'missing')}`), /^Error: loadLayersModel: io error: .*missing.*ENOENT/);
});

// ---- hostile configs and calls -----------------------------------------------------------

test('hostile layer configs and model calls throw Errors naming the op and the argument', async () => {
  const dense = ff.sequential({ layers: [ff.layers.dense({ units: 2, inputShape: [3] })] });
  dense.compile({ optimizer: 'sgd', loss: 'mse' });
  const cases = [
    ['dense without units', () => ff.layers.dense({}), /^layers\.dense: invalid argument: argument 'config\.units': expected a positive integer, got undefined/],
    ['units 0', () => ff.layers.dense({ units: 0 }), /^layers\.dense: invalid argument: argument 'config\.units': expected a positive integer, got 0/],
    ['units NaN', () => ff.layers.dense({ units: NaN }), /^layers\.dense: invalid argument: argument 'config\.units': expected an integer, got the number NaN/],
    ['unknown option', () => ff.layers.dense({ units: 2, unit: 3 }), /^layers\.dense: invalid argument: argument 'config': unknown option "unit"/],
    ['unsupported TF.js option', () => ff.layers.dense({ units: 2, kernelRegularizer: 'l2' }), /^layers\.dense: invalid argument: argument 'config\.kernelRegularizer': this TF.js option is not supported/],
    ['unknown activation', () => ff.layers.dense({ units: 2, activation: 'hardSigmoid' }), /^layers\.dense: invalid argument: argument 'config\.activation': expected one of linear, relu/],
    ['unknown initializer', () => ff.layers.dense({ units: 2, kernelInitializer: 'orthogonal' }), /^layers\.dense: invalid argument: argument 'config\.kernelInitializer': expected one of glorotUniform/],
    ['channelsFirst', () => ff.layers.conv2d({ filters: 2, kernelSize: 3, dataFormat: 'channelsFirst' }), /^layers\.conv2d: invalid argument: argument 'config\.dataFormat': only 'channelsLast'/],
    ['causal padding', () => ff.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'causal' }), /^layers\.conv2d: invalid argument: argument 'config\.padding': expected 'valid' or 'same'/],
    ['conv without kernelSize', () => ff.layers.conv2d({ filters: 2 }), /^layers\.conv2d: invalid argument: argument 'config\.kernelSize'/],
    ['dropout rate 1', () => ff.layers.dropout({ rate: 1 }), /^layers\.dropout: invalid argument: argument 'config\.rate': expected a number in \[0, 1\), got the number 1/],
    ['batchNormalization axis 1', () => ff.layers.batchNormalization({ axis: 1 }), /^layers\.batchNormalization: invalid argument: argument 'config\.axis': only the last axis/],
    ['maskZero', () => ff.layers.embedding({ inputDim: 3, outputDim: 2, maskZero: true }), /^layers\.embedding: invalid argument: argument 'config\.maskZero'/],
    ['a layer name with a slash', () => ff.layers.flatten({ name: 'a/b' }), /^layers\.flatten: invalid argument: argument 'config\.name'/],
    ['inputShape with null', () => ff.layers.dense({ units: 2, inputShape: [null] }), /^layers\.dense: invalid argument: argument 'config\.inputShape\[0\]': expected a positive integer/],
    ['config not an object', () => ff.layers.dense(5), /^layers\.dense: invalid argument: argument 'config': expected an options object, got the number 5/],
    ['first layer without inputShape', () => ff.sequential({ layers: [ff.layers.dense({ units: 2 })] }), /^Sequential\.add: invalid argument: the first layer of a Sequential model needs an input shape/],
    ['conv after dense', () => ff.sequential({ layers: [ff.layers.dense({ units: 2, inputShape: [3] }), ff.layers.conv2d({ filters: 1, kernelSize: 1 })] }), /^layers\.conv2d: shape error: layer conv2d_Conv2D\d+ expects inputs of rank 4/],
    ['kernel larger than the input', () => ff.sequential({ layers: [ff.layers.conv2d({ filters: 1, kernelSize: 5, inputShape: [3, 3, 1] })] }), /^layers\.conv2d.*: (shape|invalid argument)/],
    ['a huge dense layer', () => ff.sequential({ layers: [ff.layers.dense({ units: 2 ** 20, inputShape: [512] })] }), /^layers\.dense: size error: weight .*kernel of shape \[512, 1048576\]: expected at most 1073741824 bytes per tensor/],
    ['a dense layer too large to index', () => ff.sequential({ layers: [ff.layers.dense({ units: 2 ** 30, inputShape: [1024] })] }), /^layers\.dense \(Dense\): size error: shape \[1024, 1073741824\]/],
    ['duplicate layer names', () => ff.sequential({ layers: [ff.layers.dense({ name: 'x', units: 2, inputShape: [2] }), ff.layers.dense({ name: 'x', units: 2 })] }), /^Sequential\.add: invalid argument: model sequential_\d+: a layer named "x" is already in the model/],
    ['a layer twice', () => { const l = ff.layers.dense({ units: 2, inputShape: [2] }); ff.sequential({ layers: [l] }); ff.sequential({ layers: [l] }); }, /^Sequential\.add: invalid argument: layer dense_Dense\d+ is already in model/],
    ['not a layer', () => ff.sequential({ layers: [{ units: 2 }] }), /^Sequential\.add: invalid argument: argument 'layer': expected a layer made by ff\.layers\.\*/],
    ['unknown loss', () => dense.compile({ optimizer: 'sgd', loss: 'softmaxCrossEntropy' }), /^compile: invalid argument: argument 'loss': expected one of .*use 'categoricalCrossentropy'/],
    ['unknown optimizer', () => dense.compile({ optimizer: 'adadelta', loss: 'mse' }), /^compile: invalid argument: argument 'args\.optimizer': expected 'sgd', 'adam'/],
    ['unknown metric', () => dense.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['auc'] }), /^compile: invalid argument: argument 'metrics\[0\]': expected 'accuracy'/],
    ['predict wrong features', () => dense.predict(ff.ones([4, 5])), /^predict \(Sequential\): shape error: model sequential_\d+ expects inputs \[batch, 3\], got \[4, 5\]/],
    ['predict not a tensor', () => dense.predict([[1, 2, 3]]), /^predict: invalid argument: argument 'x': expected a Tensor/],
    ['predict batchSize 0', () => dense.predict(ff.ones([1, 3]), { batchSize: 0 }), /^predict: invalid argument: argument 'batchSize': expected a positive integer/],
    ['evaluate x/y mismatch', () => dense.evaluate(ff.ones([4, 3]), ff.ones([3, 2])), /^evaluate: shape error: x has 4 examples but y has 3/],
    ['evaluate y shape', () => dense.evaluate(ff.ones([4, 3]), ff.ones([4, 5])), /^evaluate \(loss\): shape error: expected targets shaped like the model's output \[4, 2\], got \[4, 5\]/],
    ['setWeights wrong count', () => dense.setWeights([ff.ones([3, 2])]), /^setWeights: invalid argument: argument 'weights': expected 2 tensors/],
    ['setWeights wrong shape', () => dense.setWeights([ff.ones([2, 3]), ff.ones([2])]), /^setWeights: shape error: argument 'weights\[0\]': expected float32 \[3, 2\]/],
    ['summary printFn not a function', () => dense.summary(90, undefined, 5), /^summary: invalid argument: argument 'printFn'/],
  ];
  for (const [label, call, pattern] of cases) assertThrowsError(call, pattern, label);
  const fresh = ff.sequential({ layers: [ff.layers.dense({ units: 1, inputShape: [1] })] });
  await assert.rejects(fresh.fit(ff.ones([2, 1]), ff.ones([2, 1])), /^Error: fit: invalid argument: the model must be compiled first/);
  fresh.compile({ optimizer: 'sgd', loss: 'mse' });
  await assert.rejects(fresh.fit(ff.ones([2, 1]), ff.ones([3, 1])), /^Error: fit: shape error: x and y must have the same number of examples/);
  await assert.rejects(fresh.fit(ff.ones([2, 1]), ff.ones([2, 1]), { epochs: -1 }), /^Error: fit: invalid argument: argument 'args\.epochs'/);
  await assert.rejects(fresh.fit(ff.ones([2, 1]), ff.ones([2, 1]), { classWeight: {} }), /^Error: fit: invalid argument: argument 'args\.classWeight': this TF.js option is not supported/);
  await assert.rejects(fresh.fit(ff.ones([2, 1]), ff.ones([2, 1]), { callbacks: { onEpochEnded: () => {} } }), /^Error: fit: invalid argument: argument 'args\.callbacks': unknown callback "onEpochEnded"/);
  await assert.rejects(fresh.fit(ff.ones([4, 1]), ff.ones([4, 1]), { validationSplit: 1.5 }), /^Error: fit: invalid argument: argument 'args\.validationSplit'/);
  await assert.rejects(fresh.fit(ff.ones([4, 1]), ff.ones([4, 1]), { validationData: [ff.ones([1, 1]), ff.ones([1, 1]), ff.ones([1])] }), /^Error: fit: invalid argument: argument 'args\.validationData': expected \[xVal, yVal\], got an array of length 3 \(validation sample weights are not supported\)/);
  await assert.rejects(fresh.fit(ff.ones([4, 1]), ff.ones([4, 1]), { validationData: [ff.ones([1, 2]), ff.ones([1, 1])] }), /^Error: evaluate \(Sequential\): shape error: model sequential_\d+ expects inputs \[batch, 1\], got \[1, 2\]/);
  fresh.dispose();
  assertThrowsError(() => fresh.predict(ff.ones([1, 1])), /^predict: invalid argument: the model was disposed/, 'disposed model');
  assert.deepEqual(Array.from(dense.predict(ff.ones([1, 3])).shape), [1, 2], 'the module still works');
});
