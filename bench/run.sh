#!/usr/bin/env bash
# Runs the ferroflow CPU benchmarks next to PyTorch / numpy (CPU) and prints ratios.
#
# Sets up the peer venv once at ${FERROFLOW_BENCH_VENV:-$HOME/.cache/ferroflow-bench-venv} with
# numpy and torch (PyPI's torch is the CUDA build and pulls ~5 GB of nvidia packages: acceptable
# for this benchmark venv, never for CI), skipping the install when both already import.
# Extra arguments go to the binary: --json, --quick, --profile, --no-peer, --rounds N, --only KEYS
# (see --help).
#
# Environment: FERROFLOW_BENCH_VENV (venv folder), FERROFLOW_BENCH_SKIP_TORCH=1 (numpy only).
# Without a usable venv the binary falls back to `python3` and reports the peers it cannot import.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${FERROFLOW_BENCH_VENV:-$HOME/.cache/ferroflow-bench-venv}"
PY="$VENV/bin/python3"

log() { echo "[bench/run.sh] $*" >&2; }

if [ ! -x "$PY" ]; then
    log "creating venv at $VENV"
    mkdir -p "$(dirname "$VENV")"
    python3 -m venv "$VENV" || log "cannot create the venv; the peer columns will say why"
fi

if [ -x "$PY" ]; then
    if ! "$PY" -c 'import numpy' >/dev/null 2>&1; then
        log "installing numpy into $VENV"
        "$PY" -m pip install --quiet numpy || log "numpy install failed; the peer columns will say why"
    fi
    if [ "${FERROFLOW_BENCH_SKIP_TORCH:-0}" != "1" ]; then
        if ! "$PY" -c 'import torch' >/dev/null 2>&1; then
            log "installing torch into $VENV (CUDA wheel from PyPI, ~5 GB; once)"
            "$PY" -m pip install --quiet torch || log "torch install failed; the peer columns will say why"
        else
            log "numpy and torch already present in $VENV"
        fi
    fi
    export FERROFLOW_BENCH_PYTHON="$PY"
fi

cd "$ROOT"
log "building ferroflow-bench (release)"
cargo build --release -p ferroflow-bench >&2
exec "$ROOT/target/release/ferroflow-bench" "$@"
