#!/usr/bin/env bash
# Trains the native MNIST CNN on one backend (argument; default cpu) and checks the issue's bar:
# >= 97% test accuracy in <= 5 epochs and identical predictions after save + reload.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
backend="${1:-cpu}"
log="target/mnist-native-$backend.log"
cargo run --release -q -p ferroflow-demos --bin mnist-native -- --backend "$backend" --epochs 5 --json | tee "$log"
tail -n 1 "$log" | BACKEND="$backend" python3 -c '
import json, os, sys
r = json.loads(sys.stdin.read())
assert r["backend"] == os.environ["BACKEND"], "ran on " + r["backend"]
print("mnist-native:", r)
assert r["train_examples"] >= 8000 and r["test_examples"] >= 2000, "too few examples"
assert r["test_accuracy"] >= 0.97, "accuracy below 0.97"
assert r.get("reload_identical") is True, "reloaded model predicts differently"
'
