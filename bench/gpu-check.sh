#!/usr/bin/env bash
# The wgpu checks that need a real GPU, as one script for the `device` tool (a machine with an
# NVIDIA GPU, no network). Prepare here, then run there once:
#
#   cargo build --release -p ferroflow-bench -p ferroflow-demos     # x86-64 binaries
#   bash scripts/run-demo.sh --epochs 0 || true                       # makes data/mnist if missing
#   mkdir -p .gpu && cp target/release/{ferroflow-bench,mnist-native} .gpu/ && cp -r data/mnist .gpu/
#   (Vulkan loader debs into .gl/ as ../.library/device/README.md describes)
#   device run: carry [".gpu", ".gl"], command "bash bench/gpu-check.sh", timeout_s 420
#
# It prints the adapter, `ferroflow-bench --gpu` (matmul 256/1024/2048 GFLOP/s and the MNIST
# CNN step, wgpu next to cpu, dispatches and pipelines per step) and a full 5-epoch
# `mnist-native --backend wgpu` run against the CPU accuracy bar (>= 0.97). Logs go to $OUT.
set -uo pipefail
OUT="${OUT:-/tmp/gpu-check}"
mkdir -p "$OUT"
if [ -d .gl ]; then
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
fi
if ! ldconfig -p | grep -q libvulkan; then
    echo "gpu-check: no Vulkan loader (carry .gl with libvulkan1)"; exit 2
fi
export XDG_RUNTIME_DIR="$(mktemp -d)"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | tee "$OUT/gpu.txt"
BIN=.gpu
[ -x "$BIN/ferroflow-bench" ] || { echo "gpu-check: build and carry .gpu/ferroflow-bench first"; exit 2; }
run_bench() { "$BIN/ferroflow-bench" --gpu 2>&1 | tee "$OUT/bench-gpu.txt"; }
if ! run_bench || grep -q "wgpu SKIPPED" "$OUT/bench-gpu.txt"; then
    echo "gpu-check: retrying with the NVIDIA ICD named explicitly"
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    run_bench
fi
"$BIN/mnist-native" --backend wgpu --epochs 5 --json --data-dir "$BIN/mnist" --model-dir /tmp/mnist-model 2>&1 \
    | tee "$OUT/mnist-wgpu.txt" | grep -v "^epoch .*ETA"
tail -n 1 "$OUT/mnist-wgpu.txt" | python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
print("gpu-check mnist:", r)
assert r["test_accuracy"] >= 0.97, "accuracy below 0.97"
'
