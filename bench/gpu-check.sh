#!/usr/bin/env bash
# The wgpu checks that need a real GPU, as one script for the `device` tool (a machine with an
# NVIDIA GPU, no network). Prepare here, then run there once:
#
#   cargo build --release -p ferroflow-bench -p ferroflow-demos     # x86-64 binaries
#   bash scripts/run-demo.sh --epochs 0 || true                       # makes data/mnist if missing
#   cargo build --release -p ferroflow-tests --bin op-matrix
#   mkdir -p .gpu && cp target/release/{ferroflow-bench,mnist-native,op-matrix} .gpu/ && cp -r data/mnist .gpu/
#   (Vulkan loader debs into .gl/ as ../.library/device/README.md describes)
#   device run: carry [".gpu", ".gl"], command "bash bench/gpu-check.sh", timeout_s 420
#   (`bash bench/gpu-check.sh --profile`: only the bench plus a per-kernel profile of the CNN step)
#
# It prints the adapter; `op-matrix --backend wgpu` and `--backend cuda` (every op's forward and
# gradient check on the real GPU; cuda needs NVRTC, found in the image's pip packages) and `--backend pjrt` with XLA's CUDA plugin (jax-cuda13-pjrt, found through python3;
# FERROFLOW_PJRT_PLUGIN overrides); `ferroflow-bench --gpu` (matmul 256/1024/2048 GFLOP/s and the
# MNIST CNN step, wgpu and pjrt next to cpu, dispatches/programs and pipelines per step) beside
# the same workloads in PyTorch on CUDA (bench/peer_torch.py --device cuda, TF32 off), as ratios;
# the wgpu bench again with every size baked into the shaders (against run-time matmul sizes);
# and a full 5-epoch `mnist-native --backend wgpu` run against the CPU accuracy bar (>= 0.97), then
# the same on pjrt. Logs go to $OUT.
set -uo pipefail
OUT="${OUT:-/tmp/gpu-check}"
mkdir -p "$OUT"
if [ -d .gl ]; then
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
fi
if ! ldconfig -p | grep libvulkan >/dev/null; then   # (not grep -q: SIGPIPE under pipefail)
    echo "gpu-check: no Vulkan loader (carry .gl with libvulkan1)"; exit 2
fi
export XDG_RUNTIME_DIR="$(mktemp -d)"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | tee "$OUT/gpu.txt"
BIN=.gpu
# NVRTC for the cuda backend: the device image's pip nvidia-cuda-nvrtc (cu13 layout or older).
for sp in $(python3 -c 'import site; print(" ".join(site.getsitepackages()))' 2>/dev/null); do
    for d in "$sp/nvidia/cu13/lib" "$sp/nvidia/cuda_nvrtc/lib"; do
        if ls "$d"/libnvrtc.so* >/dev/null 2>&1; then export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
    done
done
echo "gpu-check: LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
if [ -z "${FERROFLOW_PJRT_PLUGIN:-}" ]; then
    FERROFLOW_PJRT_PLUGIN="$(python3 -c 'import os, jax_plugins.xla_cuda13 as p; print(os.path.join(os.path.dirname(p.__file__), "xla_cuda_plugin.so"))' 2>/dev/null || true)"
fi
if [ -f "${FERROFLOW_PJRT_PLUGIN:-}" ]; then
    export FERROFLOW_PJRT_PLUGIN
    echo "gpu-check: pjrt plugin $FERROFLOW_PJRT_PLUGIN"
else
    unset FERROFLOW_PJRT_PLUGIN
    echo "gpu-check: no PJRT CUDA plugin (pip jax-cuda13-pjrt); pjrt is skipped"
fi
[ -x "$BIN/ferroflow-bench" ] || { echo "gpu-check: build and carry .gpu/ferroflow-bench first"; exit 2; }
if [ "${1:-}" = "--profile" ]; then
    # Just the wgpu CNN step, kernel by kernel (synchronized after each): where the time goes.
    "$BIN/ferroflow-bench" --gpu --profile 2>&1 | grep -v "warmup" | tee "$OUT/profile-gpu.txt"
    exit 0
fi
run_bench() { "$BIN/ferroflow-bench" --gpu 2>&1 | tee "$OUT/bench-gpu.txt"; }
if ! run_bench || grep -q "wgpu SKIPPED" "$OUT/bench-gpu.txt"; then
    echo "gpu-check: retrying with the NVIDIA ICD named explicitly"
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    run_bench
fi

echo "== wgpu with every size baked (FERROFLOW_WGPU_SIZES=baked): what run-time matmul sizes cost =="
FERROFLOW_WGPU_SIZES=baked "$BIN/ferroflow-bench" --gpu --quick 2>&1 | grep -E "wgpu (matmul|MNIST)|pipelines built" \
    | tee "$OUT/bench-gpu-baked-sizes.txt"

for backend in wgpu cuda pjrt; do
    echo "== op-matrix on $backend (the real GPU) =="
    if [ ! -x "$BIN/op-matrix" ]; then echo "gpu-check: no .gpu/op-matrix carried; skipping"; break; fi
    if [ "$backend" = pjrt ] && [ -z "${FERROFLOW_PJRT_PLUGIN:-}" ]; then echo "skipped: no plugin"; continue; fi
    timeout 240 "$BIN/op-matrix" --json --backend "$backend" > "$OUT/op-matrix-$backend.jsonl" 2> "$OUT/op-matrix-$backend.err"
    tail -n 2 "$OUT/op-matrix-$backend.err"
    python3 - "$OUT/op-matrix-$backend.jsonl" "$backend" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
bad = [(r["op"], k, v) for r in rows for b, res in r["backends"].items() if b == sys.argv[2]
       for k, v in res.items() if k in ("forward", "grad") and v not in ("pass", "n/a")]
print(f"op-matrix {sys.argv[2]}: {len(rows)} ops, {len(bad)} failures {bad[:10]}")
PY
done

echo "== PyTorch on CUDA, same workloads =="
PYTHONUNBUFFERED=1 python3 bench/peer_torch.py --device cuda \
    --only matmul_256,matmul_1024,matmul_2048,matmul_4096,cnn_adam_step > "$OUT/torch-cuda.json" 2> "$OUT/torch-cuda.err" \
    || echo "gpu-check: the PyTorch peer failed: $(tail -n 3 "$OUT/torch-cuda.err")"
"$BIN/ferroflow-bench" --gpu --json > "$OUT/bench-gpu.json" 2>/dev/null
python3 - "$OUT/bench-gpu.json" "$OUT/torch-cuda.json" <<'PY'
import json, sys
ours = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])["gpu_report"]
try:
    torch = json.load(open(sys.argv[2]))["torch"]
except Exception as e:
    torch = {"available": False, "reason": repr(e)}
if not torch.get("available"):
    sys.exit(f"no comparison: torch {torch.get('reason', 'unavailable')}")
res = torch["results"]
for col in ours:
    if col["backend"] == "cpu":
        continue
    print(f"{col['backend']} on {col['device']} vs torch {torch['version']} on {torch['device']} (ratio = torch time / ours)")
    for m in col["matmul"]:
        t = res.get(f"matmul_{m['n']}")
        if t is None:
            print(f"  matmul {m['n']}^3: ours {m['ms']:.3f} ms ({m['gflops']:.0f} GF/s), torch: no figure")
            continue
        print(f"  matmul {m['n']}^3: ours {m['ms']:.3f} ms ({m['gflops']:.0f} GF/s), torch {t['median_ms']:.3f} ms -> {t['median_ms'] / m['ms']:.2f}x")
    t = res["cnn_adam_step"]
    print(f"  MNIST CNN Adam step b64: ours {col['mnist_step_ms']:.3f} ms, torch {t['median_ms']:.3f} ms -> {t['median_ms'] / col['mnist_step_ms']:.2f}x")
t = res.get("matmul_4096")
if t:
    print(f"  matmul 4096^3: torch {t['median_ms']:.3f} ms ({2 * 4096**3 / t['median_ms'] / 1e6:.0f} GF/s)")
PY
"$BIN/mnist-native" --backend wgpu --epochs 5 --json --data-dir "$BIN/mnist" --model-dir /tmp/mnist-model 2>&1 \
    | tee "$OUT/mnist-wgpu.txt" | grep -v "^epoch .*ETA"
tail -n 1 "$OUT/mnist-wgpu.txt" | python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
print("gpu-check mnist:", r)
assert r["test_accuracy"] >= 0.97, "accuracy below 0.97"
'
if [ -n "${FERROFLOW_PJRT_PLUGIN:-}" ]; then
    timeout 300 "$BIN/mnist-native" --backend pjrt --epochs 5 --json --data-dir "$BIN/mnist" --model-dir /tmp/mnist-model-pjrt 2>&1 \
        | tee "$OUT/mnist-pjrt.txt" | grep -v "^epoch .*ETA" | tail -n 3
fi
