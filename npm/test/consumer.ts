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
