#!/usr/bin/env bash
# Sets up what the tests need and runs every test: formatting, lints, unit + conformance +
# property tests, the op matrix on every present backend, the wasm32 build of the CPU backend,
# the conformance suite in headless Chromium (wasm32), and the native MNIST training run with its
# accuracy bar.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

stage setup ensure_rust_tools
stage setup-node ensure_node
stage fmt cargo fmt --all --check
stage clippy cargo clippy --workspace --all-targets --release -- -D warnings
stage unit-and-conformance-tests cargo test --workspace --release
stage op-matrix bash scripts/check-op-matrix.sh
stage wasm32-check cargo check -p ferroflow-native --target wasm32-unknown-unknown --no-default-features
stage browser-tests bash scripts/test-browser.sh
stage mnist-native bash scripts/check-mnist.sh
echo "all stages passed"
