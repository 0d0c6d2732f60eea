#!/usr/bin/env bash
# The MNIST demo end to end on the wgpu backend (lavapipe in CI): a short run that must learn
# (>= 0.6 test accuracy after one epoch on 640 digits) and reload to identical predictions.
# Software Vulkan trains ~20 examples/s, so the full 5-epoch accuracy bar (>= 0.97) is checked
# on a real GPU instead (bench/gpu-check.sh) and was measured once on lavapipe (see the notes).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
cargo run --release -q -p ferroflow-demos --bin mnist-native -- --backend wgpu --epochs 1 --limit 640 \
    --model-dir target/mnist-wgpu-model --json --quiet | tee target/mnist-wgpu.log
tail -n 1 target/mnist-wgpu.log | python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
print("mnist-native on wgpu:", r)
assert r["backend"] == "wgpu", "did not run on wgpu"
assert r["test_accuracy"] >= 0.6, "did not learn"
assert r.get("reload_identical") is True, "reloaded model predicts differently"
'
