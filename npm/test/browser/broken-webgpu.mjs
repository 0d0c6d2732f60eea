// An adapter that opens but cannot run kernels: every queue submission is dropped, so work never
// executes and readbacks return zeros. ready() must refuse WebGPU through its self-check and fall
// back to the CPU with the reason, and the CPU must then compute correctly.
GPUQueue.prototype.submit = function () {};
const ff = await import('ferroflow');

const results = [];
const check = (name, fn) => {
  try {
    fn();
    results.push({ backend: 'cpu', name, ok: true });
  } catch (e) {
    results.push({ backend: 'cpu', name, ok: false, error: String(e.message || e) });
  }
};
const chosen = await ff.ready();
const info = ff.backendInfo();
check('ready() falls back to cpu when the WebGPU self-check fails', () => {
  if (chosen !== 'cpu' || ff.getBackend() !== 'cpu') throw new Error(`ready() chose ${chosen}`);
});
check('backendInfo().fallbackReason names the failed self-check', () => {
  if (!/self-check/.test(info.fallbackReason || '')) throw new Error(`fallbackReason: ${info.fallbackReason}`);
});
check('setBackend("webgpu") then resolves false, with the same reason', () => {});
const again = await ff.setBackend('webgpu');
if (again !== false) results.at(-1).ok = false, (results.at(-1).error = `setBackend resolved ${again}`);
const sum = await ff.sum(ff.tensor([1, 2, 3, 4]).square()).data();
check('the cpu backend computes after the fallback', () => {
  if (sum[0] !== 30) throw new Error(`sum of squares ${sum[0]}`);
});
const failed = results.filter((r) => !r.ok).length;
window.__ffResults = { results, skipped: [], summary: `broken WebGPU: ${results.length - failed}/${results.length} passed (${info.fallbackReason})` };
