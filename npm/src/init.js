// Whether the wasm module is instantiated. The Node entry instantiates it synchronously at
// import; in browsers `ready()` / `setBackend()` fetch and instantiate it first.
import initWasm, * as wasm from './ferroflow_js.js';

export const state = { ready: false, loading: null };

export function markReady() {
  state.ready = true;
}

/** The wasm exports, or a clear error when the module is not instantiated yet. */
export function loadedWasm() {
  if (!state.ready) {
    throw new Error(
      'ferroflow: the WebAssembly module is not loaded yet: call `await ff.ready()` ' +
        '(or `await ff.setBackend(...)`) before creating tensors',
    );
  }
  return wasm;
}

/** Instantiates the module (browsers: fetches the .wasm next to this file). */
export async function ensureWasm(moduleOrPath) {
  if (state.ready) return;
  if (!state.loading) {
    state.loading = (moduleOrPath === undefined ? initWasm() : initWasm({ module_or_path: moduleOrPath })).then(
      () => markReady(),
      (e) => {
        state.loading = null;
        throw e;
      },
    );
  }
  await state.loading;
}

export { wasm };
