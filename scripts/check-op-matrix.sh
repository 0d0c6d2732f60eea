#!/usr/bin/env bash
# Runs every op's forward and gradient check on every present backend and enforces the bar:
# >= 80 ops, every forward "pass", every gradient "pass" or "n/a" (absent backends "skip").
# FF_REQUIRED_BACKENDS (default "cpu") names backends that must be present and pass every op;
# test-all.sh requires "cpu wgpu pjrt" because it installs lavapipe and the PJRT CPU plugin.
# FF_OP_MATRIX_ARGS passes extra arguments to op-matrix (e.g. "--backend pjrt").
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
mkdir -p target
read -r -a extra <<<"${FF_OP_MATRIX_ARGS:-}"
cargo run --release -q -p ferroflow-tests --bin op-matrix -- --json "${extra[@]}" > target/op-matrix.jsonl
FF_REQUIRED_BACKENDS="${FF_REQUIRED_BACKENDS:-cpu}" python3 - target/op-matrix.jsonl <<'PY'
import json, os, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
bad = []
counts = {}
for r in rows:
    for backend, res in r["backends"].items():
        c = counts.setdefault(backend, {"forward_pass": 0, "grad_pass": 0, "grad_na": 0, "skip": 0})
        if res["forward"] == "skip":
            c["skip"] += 1
            continue
        if res["forward"] == "pass":
            c["forward_pass"] += 1
        else:
            bad.append((r["op"], backend, "forward", res["forward"]))
        if res["grad"] == "pass":
            c["grad_pass"] += 1
        elif res["grad"] == "n/a":
            c["grad_na"] += 1
        else:
            bad.append((r["op"], backend, "grad", res["grad"]))
print(f"op-matrix: {len(rows)} ops; per backend: {counts}")
assert len(rows) >= 80, f"only {len(rows)} ops"
for required in os.environ["FF_REQUIRED_BACKENDS"].split():
    got = counts.get(required, {}).get("forward_pass", 0)
    assert got == len(rows), f"{required} must be present and pass every op ({got} of {len(rows)})"
assert not bad, f"failures: {bad}"
PY
