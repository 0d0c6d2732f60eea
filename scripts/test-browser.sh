#!/usr/bin/env bash
# Runs the conformance suite (every case, forward and gradient) in headless Chromium through
# wasm-bindgen-test: tests/tests/browser.rs, compiled to wasm32-unknown-unknown in release, on
# every backend that opens in the page. Chromium's flags are in tests/webdriver.json.
# Installs what it needs (wasm32 target, chromium + chromedriver, wasm-bindgen-cli at the locked
# version) and skips what is already there. Extra arguments go to the test binary.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

browser_setup() {
  ensure_rust_target wasm32-unknown-unknown
  ensure_chromium
  ensure_wasm_bindgen_cli
  ensure_xdg_runtime_dir
}

export CHROMEDRIVER=/usr/bin/chromedriver
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
# The default 20 s is far too short for the whole suite (and for WebGPU on a software adapter).
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-600}"
# Don't export VK_DRIVER_FILES: it breaks Chromium's SwiftShader (WebGPU's adapter here).
unset VK_DRIVER_FILES VK_ICD_FILENAMES

test_browser=(cargo test --release --target wasm32-unknown-unknown -p ferroflow-tests --test browser)
stage browser-setup browser_setup
stage browser-build "${test_browser[@]}" --no-run
# --nocapture: the per-family lines and the per-backend summary go to the log even on success.
stage browser-run "${test_browser[@]}" -- --nocapture "$@"
