// Records the WGSL of every shader module ferroflow creates while it runs one workload on
// WebGPU, then compiles each again on a fresh device with createComputePipelineAsync and times
// it. The first step's excess over a steady one is mostly these compiles (see run.mjs).
const shaders = [];
const createShaderModule = GPUDevice.prototype.createShaderModule;
GPUDevice.prototype.createShaderModule = function (desc) {
  shaders.push(desc.code);
  return createShaderModule.call(this, desc);
};
const ff = await import('/ferroflow/browser.js');
const log = (s) => {
  console.log(s);
  document.getElementById('log').textContent += `\n${s}`;
};
const values = (n, seed) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * 0.05);

const workloads = {
  matmul_256: () => {
    const a = ff.tensor(values(256 * 256, 1), [256, 256]);
    const b = ff.tensor(values(256 * 256, 2), [256, 256]);
    return () => ff.matMul(a, b);
  },
  mlp_sgd_step: () => {
    const v = (shape, seed) => ff.variable(ff.tensor(values(shape.reduce((a, b) => a * b), seed), shape));
    const [w1, b1, w2, b2, w3, b3] = [v([784, 256], 1), v([256], 2), v([256, 128], 3), v([128], 4), v([128, 10], 5), v([10], 6)];
    const x = ff.tensor(values(128 * 784, 7), [128, 784]);
    const y = ff.oneHot(ff.tensor(Int32Array.from({ length: 128 }, (_, i) => (i * 7) % 10), [128], 'int32'), 10);
    const opt = ff.train.sgd(0.05);
    return () =>
      opt.minimize(() => {
        const h1 = ff.relu(ff.add(ff.matMul(x, w1), b1));
        const h2 = ff.relu(ff.add(ff.matMul(h1, w2), b2));
        return ff.losses.softmaxCrossEntropy(y, ff.add(ff.matMul(h2, w3), b3));
      }, true);
  },
};

/** A shader's kind, from what its source declares. */
const kindOf = (code) =>
  code.includes('fn load_a') ? 'gemm' : code.includes('var<workgroup>') ? 'reduce (tree)' : code.includes('acc') ? 'reduce' : 'elementwise';

try {
  const key = new URLSearchParams(location.search).get('workload') || 'mlp_sgd_step';
  await ff.ready();
  if (!(await ff.setBackend('webgpu'))) throw new Error(`no webgpu backend: ${JSON.stringify(ff.backendInfo())}`);
  const step = workloads[key]();
  const steps = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const out = step();
    await out.data();
    out.dispose();
    steps.push(performance.now() - t);
  }
  log(`${key}: steps ${steps.map((t) => t.toFixed(1)).join(', ')} ms; ${shaders.length} shader modules`);
  GPUDevice.prototype.createShaderModule = createShaderModule; // stop recording
  const adapter = await navigator.gpu.requestAdapter();
  const device = await adapter.requestDevice();
  const rows = [];
  for (const code of shaders) {
    const t = performance.now();
    // A comment makes the source unique, so no cache of the browser's answers.
    const module = device.createShaderModule({ code: `${code}\n// ${Math.random()}` });
    await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    rows.push({ kind: kindOf(code), chars: code.length, compile_ms: performance.now() - t });
  }
  const total = rows.reduce((s, r) => s + r.compile_ms, 0);
  for (const r of rows) log(`  ${r.kind.padEnd(14)} ${String(r.chars).padStart(6)} chars  ${r.compile_ms.toFixed(1).padStart(7)} ms`);
  log(`total ${total.toFixed(0)} ms over ${rows.length} pipelines (compiled one at a time)`);
  // The same pipelines requested all at once: what a step would wait for if the browser
  // compiled them concurrently (Chromium may use worker threads for async creation).
  const t = performance.now();
  await Promise.all(
    shaders.map((code) =>
      device.createComputePipelineAsync({
        layout: 'auto',
        compute: { module: device.createShaderModule({ code: `${code}\n// ${Math.random()}` }), entryPoint: 'main' },
      }),
    ),
  );
  const concurrent = performance.now() - t;
  log(`all ${rows.length} requested at once: ${concurrent.toFixed(0)} ms`);
  window.__ffCompile = { workload: key, steps_ms: steps, rows, total_ms: total, concurrent_ms: concurrent, sources: shaders };
} catch (e) {
  log(`failed: ${e.stack || e}`);
  window.__ffCompile = { error: String(e.stack || e) };
}
