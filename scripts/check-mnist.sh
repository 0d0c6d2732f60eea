#!/usr/bin/env bash
# Trains the native MNIST CNN on the CPU backend and checks the issue's bar: >= 97% test accuracy
# in <= 5 epochs and identical predictions after save + reload.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
cargo run --release -q -p ferroflow-demos --bin mnist-native -- --backend cpu --epochs 5 --json | tee target/mnist-native.log
tail -n 1 target/mnist-native.log | python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
print("mnist-native:", r)
assert r["train_examples"] >= 8000 and r["test_examples"] >= 2000, "too few examples"
assert r["test_accuracy"] >= 0.97, "accuracy below 0.97"
assert r.get("reload_identical") is True, "reloaded model predicts differently"
'
