#!/usr/bin/env bash
# Builds the npm package (bindings-js -> wasm-bindgen -> wasm-opt -> npm/dist -> tarball) and runs
# its Node suite against the installed tarball (oracle tests against @tensorflow/tfjs, gradients,
# optimizers, memory, hostile inputs, the layers API, a TypeScript consumer), loads a model the Node
# suite saved natively, then the browser suite in headless
# Chromium on WebGPU and on the CPU backend. Installs what it needs (node, the wasm32 target,
# wasm-bindgen-cli at the locked version, chromium, npm devDependencies) and skips what is
# already there. Honors CARGO_TARGET_DIR.
source "$(dirname "$0")/lib.sh"
cd "$ROOT/npm"

npm_setup() {
  ensure_node
  ensure_rust_target wasm32-unknown-unknown
  ensure_wasm_bindgen_cli
  ensure_chromium
  ensure_xdg_runtime_dir
  # The devDependencies (binaryen's wasm-opt) exactly as package-lock.json pins them (seconds).
  npm ci --no-audit --no-fund
}

stage npm-setup npm_setup
stage npm-build npm run build
stage npm-test npm test
# A model the Node suite saved with model.save('file://...') loads natively with
# ferroflow_core::io::load_model and predicts what it predicted in JS (bindings-js/tests).
stage npm-artifact-native env FERROFLOW_JS_ARTIFACT="$ROOT/npm/.scratch/artifacts/js-saved-mlp" \
  cargo test -p ferroflow-js --test js_saved_model -- --nocapture
# (The script keeps VK_DRIVER_FILES away from Chromium: it breaks its SwiftShader adapter.)
stage npm-test-browser npm run test:browser
