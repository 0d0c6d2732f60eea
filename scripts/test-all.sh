#!/usr/bin/env bash
# Sets up what the tests need and runs every test: formatting, lints, unit + conformance +
# property tests (cpu, and wgpu on Mesa's lavapipe), the op matrix on both, type checks for
# macOS/Windows/wasm32, the conformance suite and a training step in headless Chromium (CPU-wasm
# and WebGPU), the npm package (built, installed from its tarball, tested against TF.js in Node),
# the browser MNIST demo end to end (WebGPU, no-WebGPU fallback, CPU-wasm to >= 90%, reload from
# IndexedDB, export), the edge binary on that export (x86_64 cpu/wgpu, aarch64 under qemu,
# Android type check), and the native MNIST runs (CPU with its accuracy bar; a short one on wgpu).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

stage setup ensure_rust_tools
stage setup-node ensure_node
stage setup-lavapipe ensure_lavapipe
stage fmt cargo fmt --all --check
stage clippy cargo clippy --workspace --all-targets --release -- -D warnings
stage unit-and-conformance-tests cargo test --workspace --release
stage op-matrix env FF_REQUIRED_BACKENDS="cpu wgpu" bash scripts/check-op-matrix.sh
stage other-targets bash scripts/check-targets.sh
stage browser-tests bash scripts/test-browser.sh
stage npm-package bash scripts/test-npm.sh
stage web-demo bash scripts/test-web-demo.sh
# After web-demo: it compares every edge build with the browser's predictions (its export).
stage edge bash scripts/test-edge.sh
stage mnist-native bash scripts/check-mnist.sh
stage mnist-wgpu bash scripts/check-mnist-wgpu.sh
echo "all stages passed"
