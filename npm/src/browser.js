// Browser / bundler entry: the .wasm is fetched by `await ff.ready()` (or `setBackend`) from
// `new URL('ferroflow_js_bg.wasm', import.meta.url)`, which bundlers such as Vite rewrite to
// the emitted asset. Use `loadWasm(url)` to load it from elsewhere.
export * from './api.js';
