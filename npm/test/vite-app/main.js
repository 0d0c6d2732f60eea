// A minimal app bundled by Vite from the installed package (no manual copying of the .wasm: the
// package's `new URL('ferroflow_js_bg.wasm', import.meta.url)` is what Vite rewrites). It trains a
// tiny MLP on XOR on the backend `ready()` picks (WebGPU when there is an adapter) and on `cpu`.
import * as ff from 'ferroflow';

const results = [];
const skipped = [];

async function trainXor() {
  const x = ff.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const y = ff.tensor([[0], [1], [1], [0]]);
  const tag = ff.getBackend();
  const w1 = ff.variable(ff.randomNormal([2, 8], 0, 1, 'float32', 1), true, `w1-${tag}`);
  const b1 = ff.variable(ff.zeros([8]), true, `b1-${tag}`);
  const w2 = ff.variable(ff.randomNormal([8, 1], 0, 1, 'float32', 2), true, `w2-${tag}`);
  const b2 = ff.variable(ff.zeros([1]), true, `b2-${tag}`);
  const predict = () => x.matMul(w1).add(b1).tanh().matMul(w2).add(b2);
  const opt = ff.train.adam(0.1);
  const losses = [];
  for (let step = 0; step < 150; step++) {
    const cost = ff.tidy(() => opt.minimize(() => ff.losses.sigmoidCrossEntropy(y, predict()), true));
    if (step % 50 === 0 || step === 149) losses.push((await cost.data())[0]);
    cost.dispose();
  }
  const p = ff.tidy(() => predict().sigmoid());
  const probs = Array.from(await p.data());
  ff.dispose([x, y, w1, b1, w2, b2, p]);
  opt.dispose();
  return { losses, probs };
}

async function run(backend) {
  try {
    const { losses, probs } = await trainXor();
    const learned = probs[0] < 0.2 && probs[1] > 0.8 && probs[2] > 0.8 && probs[3] < 0.2;
    const ok = losses[losses.length - 1] < losses[0] / 4 && learned;
    console.log(`[${backend}] XOR loss ${losses.map((l) => l.toFixed(4)).join(' -> ')}; p = ${probs.map((q) => q.toFixed(3))}`);
    results.push({ backend, name: 'vite app: XOR MLP trains', ok, error: ok ? undefined : `loss ${losses}, p ${probs}` });
  } catch (e) {
    results.push({ backend, name: 'vite app: XOR MLP trains', ok: false, error: String((e && e.stack) || e) });
  }
}

async function main() {
  const first = await ff.ready();
  console.log(`vite app: ready() picked ${first}: ${ff.backendInfo().description}`);
  if (first !== 'webgpu') skipped.push({ backend: 'webgpu', why: ff.backendInfo().fallbackReason });
  await run(first);
  if (first !== 'cpu') {
    await ff.setBackend('cpu');
    await run('cpu');
  }
  const failed = results.filter((r) => !r.ok).length;
  const summary = `vite app: ${results.map((r) => `${r.backend} ${r.ok ? 'ok' : 'FAILED'}`).join(', ')}`;
  window.__ffResults = { results, skipped, summary, failed };
}

main().catch((e) => {
  window.__ffResults = { results: [{ backend: '-', name: 'vite app', ok: false, error: String((e && e.stack) || e) }], skipped, summary: 'vite app crashed', failed: 1 };
});
