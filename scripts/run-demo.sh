#!/usr/bin/env bash
# The main job (until the browser demo lands): fetch real MNIST digits, train a CNN natively on
# the CPU backend with live progress, save the model, reload it and evaluate.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_node
cargo run --release -p ferroflow-demos --bin mnist-native -- --backend cpu --epochs 5 "$@"
