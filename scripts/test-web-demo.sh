#!/usr/bin/env bash
# CI stage for the browser demo (demos/mnist-web): installs what it needs (node, the wasm32
# target, wasm-bindgen-cli at the locked version, Chromium), builds the npm package when its
# tarball is missing or stale, builds the demo, and runs its end-to-end test in headless Chromium:
# WebGPU (SwiftShader) for a few steps, Chromium without WebGPU (fallback notice, CPU-wasm), and
# CPU-wasm to >= 90% test accuracy with save/reload/download and the export for demos/edge
# (target/mnist-web/export/). Prints one JSON line per training run. A few minutes on 2 cores.
#   scripts/test-web-demo.sh [--full]   (--full: also the 10-epoch CPU-wasm run to >= 97%)
source "$(dirname "$0")/lib.sh"
cd "$ROOT/demos/mnist-web"

web_demo_setup() {
  ensure_node
  ensure_rust_target wasm32-unknown-unknown
  ensure_wasm_bindgen_cli
  ensure_chromium
  ensure_xdg_runtime_dir
}

stage web-demo-setup web_demo_setup
stage web-demo-build npm run build
# (The test keeps VK_DRIVER_FILES away from Chromium: it breaks its SwiftShader adapter.)
stage web-demo-e2e node test/e2e.mjs --no-build
if [ "${1:-}" = "--full" ]; then
  stage web-demo-e2e-full node test/e2e.mjs --no-build --headless-run
fi
