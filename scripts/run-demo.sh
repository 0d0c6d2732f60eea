#!/usr/bin/env bash
# The main demo: train a CNN on real MNIST digits in the browser (WebGPU, or the CPU backend
# compiled to wasm when the browser has no WebGPU), watch it learn, draw digits, save and reload.
#
#   scripts/run-demo.sh [--host H] [--port P]   installs what is missing (node, the wasm32 target,
#                        wasm-bindgen-cli, npm packages), builds the npm package and the demo
#                        (demos/mnist-web), serves it with COOP/COEP headers and prints the URL
#                        (default http://127.0.0.1:8080/; Ctrl-C stops)
#   scripts/run-demo.sh --headless [--epochs N] [--backend cpu|webgpu]
#                        no display needed: the same build, then a full training run in headless
#                        Chromium (CPU-wasm by default: SwiftShader's WebGPU is ~25x slower), with
#                        progress lines and a final JSON line; fails below 97% test accuracy
#   scripts/run-demo.sh --native [mnist-native args]
#                        the native demo: cargo run --release -p ferroflow-demos --bin mnist-native
#                        -- --backend cpu --epochs 5
# Env: FERROFLOW_SKIP_NPM_BUILD=1 uses npm/ferroflow-0.1.0.tgz as it is, even when its sources
# are newer.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

mode=serve
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --native) mode=native; shift; args=("$@"); break ;;
    --headless) mode=headless; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done

if [ "$mode" = native ]; then
  ensure_node
  exec cargo run --release -p ferroflow-demos --bin mnist-native -- --backend cpu --epochs 5 "${args[@]}"
fi

web_setup() {
  ensure_node
  # Only needed to (re)build npm/ferroflow-0.1.0.tgz from the Rust sources; each is skipped when present.
  ensure_rust_target wasm32-unknown-unknown
  ensure_wasm_bindgen_cli
  if [ "$mode" = headless ]; then
    ensure_chromium
    ensure_xdg_runtime_dir
  fi
}

stage demo-setup web_setup
stage demo-build bash -c 'cd demos/mnist-web && npm run build'

cd demos/mnist-web
if [ "$mode" = headless ]; then
  # Progress lines while it trains, then one JSON line (also in target/mnist-web/headless-result.jsonl).
  exec node test/e2e.mjs --headless-run --no-build "${args[@]}"
fi
exec node serve.mjs "${args[@]}"
