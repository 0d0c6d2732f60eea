#!/usr/bin/env bash
# Type-checks the code paths of platforms CI cannot run, so they do not rot: the wgpu backend for
# macOS (Metal) and Windows (DX12), and the whole workspace library set for wasm32 (WebGPU and
# the single-threaded CPU backend). `cargo check` needs no linker or SDK for these targets.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
for t in aarch64-apple-darwin x86_64-pc-windows-msvc wasm32-unknown-unknown; do
    ensure_rust_target "$t"
done
cargo check --release -q -p ferroflow-wgpu --target aarch64-apple-darwin
cargo check --release -q -p ferroflow-wgpu --target x86_64-pc-windows-msvc
cargo check --release -q -p ferroflow-native --target wasm32-unknown-unknown --no-default-features
cargo check --release -q -p ferroflow-wgpu --target wasm32-unknown-unknown
cargo check --release -q -p ferroflow --target wasm32-unknown-unknown --no-default-features --features cpu,wgpu
echo "check-targets: ferroflow-wgpu type-checks for macOS/Metal, Windows/DX12 and wasm32/WebGPU; the ferroflow facade for wasm32 (cpu, wgpu)"
