#!/usr/bin/env bash
# Sets up what the tests need and runs every test: formatting, lints, unit + conformance +
# property tests (cpu, and wgpu on Mesa's lavapipe), the op matrix on both (wgpu once more with
# the kernels for GPUs forced), type checks for
# macOS/Windows/wasm32, the conformance suite and a training step in headless Chromium (CPU-wasm
# and WebGPU), the npm package (built, installed from its tarball, tested against TF.js in Node),
# the browser MNIST demo end to end (WebGPU, no-WebGPU fallback, CPU-wasm to >= 90%, reload from
# IndexedDB, export), the edge binary on that export (x86_64 cpu/wgpu, aarch64 under qemu,
# Android type check), and the native MNIST runs (CPU with its accuracy bar; a short one on wgpu).
# A real TF.js graph model (nsfwjs MobileNetV2, fetched from npm) runs on every backend against
# TensorFlow.js's outputs for the same input.
# The PJRT CPU plugin (PyPI) is fetched first, so every test that runs on all present backends
# also runs on `pjrt` (XLA), which then trains MNIST to the same bar; the op matrix also runs on an
# older plugin (API 0.81) to prove version handling. NVRTC (PyPI) is fetched too, so every op's
# kernels are rendered to CUDA C and compiled to PTX (no GPU needed).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

stage setup ensure_rust_tools
stage setup-node ensure_node
stage setup-lavapipe ensure_lavapipe
stage setup-pjrt ensure_pjrt
stage setup-nvrtc ensure_nvrtc
# Real TF.js models (nsfwjs, npm) and TensorFlow.js's outputs for them: the graph-model tests
# compare against these and fail, rather than skip, when they are missing.
stage tfjs-models bash scripts/fetch-tfjs-models.sh
export FERROFLOW_REQUIRE_MODELS=1
stage fmt cargo fmt --all --check
stage clippy cargo clippy --workspace --all-targets --release -- -D warnings
stage unit-and-conformance-tests cargo test --workspace --release
stage op-matrix env FF_REQUIRED_BACKENDS="cpu wgpu pjrt" bash scripts/check-op-matrix.sh
# lavapipe is a software adapter, so wgpu renders its software kernels there by default; this
# pass runs every op on the kernels real GPUs get (workgroup-staged GEMMs, split-K).
stage op-matrix-wgpu-gpu-kernels env FERROFLOW_WGPU_TUNING=gpu FF_OP_MATRIX_ARGS="--backend wgpu" \
  FF_REQUIRED_BACKENDS=wgpu bash scripts/check-op-matrix.sh
stage op-matrix-pjrt-old-api env FERROFLOW_PJRT_PLUGIN="$FERROFLOW_PJRT_PLUGIN_OLD" \
  FF_OP_MATRIX_ARGS="--backend pjrt" FF_REQUIRED_BACKENDS=pjrt bash scripts/check-op-matrix.sh
stage other-targets bash scripts/check-targets.sh
stage browser-tests bash scripts/test-browser.sh
stage npm-package bash scripts/test-npm.sh
stage web-demo bash scripts/test-web-demo.sh
# After web-demo: it compares every edge build with the browser's predictions (its export).
stage edge bash scripts/test-edge.sh
stage mnist-native bash scripts/check-mnist.sh cpu
stage mnist-pjrt bash scripts/check-mnist.sh pjrt
stage mnist-wgpu bash scripts/check-mnist-wgpu.sh
echo "all stages passed"
