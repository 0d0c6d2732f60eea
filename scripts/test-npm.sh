#!/usr/bin/env bash
# Builds the npm package (bindings-js -> wasm-bindgen -> wasm-opt -> npm/dist -> tarball) and runs
# its Node suite against the installed tarball (oracle tests against @tensorflow/tfjs, gradients,
# optimizers, memory, hostile inputs, a TypeScript consumer). Installs what it needs (node, the
# wasm32 target, wasm-bindgen-cli at the locked version, npm devDependencies) and skips what is
# already there. Honors CARGO_TARGET_DIR.
source "$(dirname "$0")/lib.sh"
cd "$ROOT/npm"

npm_setup() {
  ensure_node
  ensure_rust_target wasm32-unknown-unknown
  ensure_wasm_bindgen_cli
  # The devDependencies (binaryen's wasm-opt) exactly as package-lock.json pins them (seconds).
  npm ci --no-audit --no-fund
}

stage npm-setup npm_setup
stage npm-build npm run build
stage npm-test npm test
