// A TypeScript consumer of the installed package, checked with `tsc --noEmit` (not run): the
// declarations must cover what a TF.js-style program uses.
import * as ff from 'ferroflow';

async function main(): Promise<number> {
  const backend: ff.BackendName = await ff.ready();
  const info: ff.BackendInfo = ff.backendInfo();
  console.log(backend, info.fallbackReason ?? 'preferred backend', ff.getBackend());

  const a: ff.Tensor = ff.tensor([[1, 2], [3, 4]]);
  const b = ff.tensor2d([1, 2, 3, 4], [2, 2], 'float32');
  const c = a.add(b).relu().mul(2).sum(1, true).transpose();
  const shape: number[] = c.shape;
  const dtype: ff.DataType = c.dtype;
  const values = await c.data();
  const nested = c.arraySync();
  const parts: ff.Tensor[] = ff.split(a, 2, 1);
  const { mean, variance } = ff.moments(a, 0);
  const idx = ff.tensor1d([0, 1], 'int32');
  const oh = ff.oneHot(idx, 3);
  const conv = ff.conv2d(ff.ones([1, 4, 4, 1]), ff.ones([2, 2, 1, 1]), 1, 'same');
  const pooled = conv.maxPool(2, 2, 'valid');

  const kept = ff.tidy(() => {
    const t = ff.keep(ff.scalar(1));
    return [t, ff.add(t, 1)];
  });
  ff.dispose(kept);

  const g = ff.grad((x: ff.Tensor) => x.square().sum());
  const dx: ff.Tensor = g(ff.tensor([1, 2, 3]));
  const [ga, gb] = ff.grads((x: ff.Tensor, y: ff.Tensor) => x.mul(y).sum())([a, b]);
  const vg = ff.valueAndGrad((x: ff.Tensor) => x.mean())(a);
  const vgs = ff.valueAndGrads((x: ff.Tensor, y: ff.Tensor) => x.sub(y).square().sum())([a, b]);

  const w: ff.Variable = ff.variable(ff.randomNormal([2, 1], 0, 0.1, 'float32', 1), true, 'w');
  const name: string = w.name;
  const opt: ff.Optimizer = ff.train.adam(0.01);
  const cost = opt.minimize(() => ff.losses.meanSquaredError(ff.ones([2, 1]), a.matMul(w)), true, [w]);
  const { value, grads } = ff.variableGrads(() => a.matMul(w).sum());
  opt.applyGradients(grads);
  const sq = ff.customGrad((x: ff.Tensor, save: ff.GradSaveFunc) => {
    save([x]);
    return { value: x.square(), gradFunc: (dy: ff.Tensor, [saved]: ff.Tensor[]) => dy.mul(saved).mul(2) };
  });
  const y: ff.Tensor = sq(ff.tensor([1, 2]));

  const m: ff.MemoryInfo = ff.memory();
  const ok: boolean = await ff.setBackend('cpu');
  ff.dispose([a, b, c, parts, mean, variance, idx, oh, conv, pooled, dx, ga, gb, vg.value, vg.grad, vgs.value, vgs.grads, value, y]);
  if (cost) cost.dispose();
  w.dispose();
  opt.dispose();
  return shape.length + dtype.length + values.length + JSON.stringify(nested).length + name.length + m.numTensors + Number(ok);
}

void main();

// The layers API.
async function layersApi(): Promise<number> {
  const model: ff.Sequential = ff.sequential({
    layers: [
      ff.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [8, 8, 1] }),
      ff.layers.maxPooling2d({ poolSize: 2 }),
      ff.layers.batchNormalization(),
      ff.layers.flatten(),
      ff.layers.dropout({ rate: 0.25 }),
    ],
  });
  model.add(ff.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: 'heNormal' }));
  const emb = ff.sequential();
  emb.add(ff.layers.embedding({ inputDim: 10, outputDim: 2, inputLength: 4 }));
  emb.add(ff.layers.activation({ activation: 'tanh' }));
  emb.add(ff.layers.flatten({ name: 'flat' }));
  emb.add(ff.layers.dense({ units: 1, useBias: false, biasInitializer: 'zeros' }));
  model.compile({ optimizer: ff.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  model.compile({ optimizer: 'sgd', loss: (yTrue: ff.Tensor, yPred: ff.Tensor) => ff.losses.meanSquaredError(yTrue, yPred) });
  const x = ff.randomNormal([16, 8, 8, 1]);
  const y = ff.oneHot(ff.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 'int32'), 3);
  const history: ff.History = await model.fit(x, y, {
    epochs: 2,
    batchSize: 4,
    shuffle: true,
    validationSplit: 0.25,
    callbacks: {
      onEpochEnd: async (epoch: number, logs?: ff.Logs) => console.log(epoch, logs?.loss, logs?.val_loss),
      onBatchEnd: (batch: number, logs?: ff.Logs) => console.log(batch, logs?.size),
    },
  });
  await model.fit(x, y, { epochs: 1, callbacks: [ff.callbacks.earlyStopping({ monitor: 'loss', patience: 1 })] });
  const losses: number[] = history.history.loss;
  const evaluated = model.evaluate(x, y, { batchSize: 8 });
  const predictions: ff.Tensor = model.predict(x, { batchSize: 8 });
  const printed: string[] = [];
  model.summary(undefined, undefined, (line: string) => printed.push(line));
  model.summary({ printFn: (line: string) => printed.push(line) });
  const first: ff.Layer = model.layers[0];
  const shape: ff.Shape = first.outputShape;
  first.trainable = false;
  const w: ff.LayerVariable[] = model.trainableWeights;
  const values: ff.Tensor[] = model.getWeights();
  model.setWeights(values);
  const kernel: ff.Tensor = w[0].read();
  const config = first.getConfig();
  const saved: ff.SaveResult = await model.save('indexeddb://my-model');
  await model.save('localstorage://my-model');
  await model.save('downloads://my-model');
  await model.save('file://./my-model');
  let artifacts: ff.ModelArtifacts | null = null;
  await model.save(ff.io.withSaveHandler(async (a: ff.ModelArtifacts) => { artifacts = a; }));
  const loaded: ff.LayersModel = await ff.loadLayersModel('indexeddb://my-model');
  const fromHttp = await ff.loadLayersModel('https://example.com/model/model.json', { requestInit: { credentials: 'include' } });
  if (artifacts) await ff.loadLayersModel(ff.io.fromMemory(artifacts));
  model.dispose();
  return losses.length + printed.length + shape.length + kernel.size + Object.keys(config).length + saved.modelArtifactsInfo.weightDataBytes +
    loaded.countParams() + fromHttp.layers.length + predictions.size + (Array.isArray(evaluated) ? evaluated.length : 1);
}

void layersApi();
