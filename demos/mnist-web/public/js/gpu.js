// What the browser says about its WebGPU adapter (navigator.gpu), for display: vendor,
// architecture, description, whether it is a fallback (software) adapter, and why there is none.

export async function queryAdapter() {
  if (typeof navigator === 'undefined' || !('gpu' in navigator) || !navigator.gpu) {
    return {
      available: false,
      reason:
        'navigator.gpu is missing: this browser has no WebGPU or it is disabled ' +
        '(Chrome/Edge 113+ have it; on Linux Chromium needs --enable-unsafe-webgpu; it also needs a secure context: https or localhost)',
    };
  }
  let adapter;
  try {
    adapter = await navigator.gpu.requestAdapter();
  } catch (e) {
    return { available: false, reason: `navigator.gpu.requestAdapter() failed: ${e && e.message ? e.message : e}` };
  }
  if (!adapter) {
    return {
      available: false,
      reason:
        'navigator.gpu.requestAdapter() returned null: this browser has WebGPU but no adapter for it ' +
        '(no supported GPU or driver, or WebGPU is blocked for this GPU; on Linux Chromium needs --enable-unsafe-webgpu)',
    };
  }
  let info = adapter.info;
  if (!info && typeof adapter.requestAdapterInfo === 'function') {
    try {
      info = await adapter.requestAdapterInfo();
    } catch {
      info = null;
    }
  }
  info = info || {};
  const isFallbackAdapter = info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? null;
  const result = {
    available: true,
    vendor: info.vendor || '',
    architecture: info.architecture || '',
    device: info.device || '',
    description: info.description || '',
    isFallbackAdapter,
    features: [...(adapter.features || [])].sort(),
    maxStorageBufferBindingSize: adapter.limits?.maxStorageBufferBindingSize ?? null,
    maxComputeInvocationsPerWorkgroup: adapter.limits?.maxComputeInvocationsPerWorkgroup ?? null,
  };
  result.summary = adapterSummary(result);
  return result;
}

/** "google / swiftshader / SwiftShader Device (Subzero) (fallback adapter)". */
export function adapterSummary(a) {
  if (!a || !a.available) return 'none';
  const parts = [a.vendor, a.architecture, a.description || a.device].filter(Boolean);
  const name = parts.length ? parts.join(' / ') : 'unnamed adapter (the browser hides its details)';
  return a.isFallbackAdapter ? `${name} (fallback adapter: software, slow)` : name;
}
