#!/usr/bin/env python3
"""Peer timings for ferroflow-bench: PyTorch (CPU) and numpy on the same shapes.

Prints one JSON object to stdout; progress goes to stderr. Every figure is the median of
`--runs` timed runs after `--warmup` untimed ones, in milliseconds. A missing peer is reported as
{"available": false, "reason": "..."} instead of failing, so the Rust side can still print its own
numbers. The Rust binary pipes this file to `python3 -` (it is embedded with include_str!), so it
must stay a single self-contained file.

Workloads (names shared with the Rust side):
  matmul_256, matmul_1024      f32 [n,n] x [n,n]
  elementwise_4m               relu(a*b + c) over 4M f32
  conv2d                       NHWC 8x32x32x16 -> 32 filters 3x3, same padding (torch: channels_last)
  mlp_sgd_step                 784-256-128-10, batch 128, softmax CE, SGD, loss read back
  cnn_adam_step                conv3x3x32 relu maxpool2 conv3x3x64 relu maxpool2 dense10, 28x28x1,
                               batch 64, Adam, loss read back
"""

import argparse
import json
import os
import statistics
import sys
import time


ONLY = set()
# "cpu" (the default) or "cuda" (bench/gpu-check.sh: the GPU peer of the wgpu figures).
DEVICE = "cpu"


def log(msg):
    print(f"[peer] {msg}", file=sys.stderr, flush=True)


def sync():
    """Waits for queued GPU work, so a timed region counts it (a no-op on the CPU)."""
    if DEVICE != "cpu":
        import torch

        torch.cuda.synchronize()


def measure(name, fn, warmup, runs):
    if ONLY and name.split()[-1] not in ONLY:
        return None
    for _ in range(warmup):
        fn()
    sync()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        sync()
        samples.append((time.perf_counter() - t0) * 1e3)
    med = statistics.median(samples)
    log(f"{name}: median {med:.3f} ms over {runs} runs (min {min(samples):.3f})")
    return {"median_ms": med, "min_ms": min(samples), "runs": runs}


def counts(args, name):
    """(warmup, runs) per workload, mirroring the Rust side."""
    full = {
        "matmul_256": (5, 50),
        "matmul_1024": (3, 20),
        "matmul_2048": (2, 10),
        "matmul_4096": (2, 10),
        "elementwise_4m": (3, 20),
        "conv2d": (5, 30),
        "mlp_sgd_step": (5, 30),
        "cnn_adam_step": (3, 15),
    }
    quick = {k: (1, max(3, r // 5)) for k, (w, r) in full.items()}
    return (quick if args.quick else full)[name]


def bench_numpy(args):
    try:
        import numpy as np
    except Exception as e:  # noqa: BLE001 - report any import failure
        return {"available": False, "reason": f"{type(e).__name__}: {e}"}
    out = {"available": True, "version": np.__version__, "results": {}}
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        out["blas"] = f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # noqa: BLE001 - older numpy has no mode="dicts"
        out["blas"] = "unknown"
    rng = np.random.default_rng(0)
    res = out["results"]
    for n in (256, 1024):
        a = rng.standard_normal((n, n), dtype=np.float32)
        b = rng.standard_normal((n, n), dtype=np.float32)
        name = f"matmul_{n}"
        w, r = counts(args, name)
        res[name] = measure(f"numpy {name}", lambda a=a, b=b: a @ b, w, r)
    size = 4 * 1024 * 1024
    a, b, c = (rng.standard_normal(size, dtype=np.float32) for _ in range(3))

    def chain():
        t = np.multiply(a, b)
        np.add(t, c, out=t)
        np.maximum(t, 0.0, out=t)
        return t

    w, r = counts(args, "elementwise_4m")
    res["elementwise_4m"] = measure("numpy elementwise_4m", chain, w, r)
    return out


def bench_torch(args):
    try:
        import torch
        import torch.nn.functional as F
    except Exception as e:  # noqa: BLE001 - report any import failure (missing, broken CUDA libs...)
        return {"available": False, "reason": f"{type(e).__name__}: {e}"}
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if DEVICE != "cpu" and not torch.cuda.is_available():
        return {"available": False, "reason": f"torch {torch.__version__} sees no CUDA device"}
    # Every tensor and module below is created on DEVICE; TF32 stays off so f32 is f32.
    torch.set_default_device(DEVICE)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    out = {
        "available": True,
        "version": torch.__version__,
        "device": torch.cuda.get_device_name() if DEVICE != "cpu" else "cpu",
        "threads": torch.get_num_threads(),
        "results": {},
    }
    res = out["results"]
    with torch.no_grad():
        for n in (256, 1024) if DEVICE == "cpu" else (256, 1024, 2048, 4096):
            a = torch.randn(n, n)
            b = torch.randn(n, n)
            name = f"matmul_{n}"
            w, r = counts(args, name)
            res[name] = measure(f"torch {name}", lambda a=a, b=b: torch.mm(a, b), w, r)

        size = 4 * 1024 * 1024
        a, b, c = torch.randn(size), torch.randn(size), torch.randn(size)
        w, r = counts(args, "elementwise_4m")
        res["elementwise_4m"] = measure("torch elementwise_4m", lambda: torch.relu(a * b + c), w, r)

        x = torch.randn(8, 16, 32, 32).contiguous(memory_format=torch.channels_last)
        k = torch.randn(32, 16, 3, 3).contiguous(memory_format=torch.channels_last)
        w, r = counts(args, "conv2d")
        res["conv2d"] = measure("torch conv2d", lambda: F.conv2d(x, k, padding=1), w, r)

    # MLP 784-256-128-10, SGD, batch 128.
    mlp = torch.nn.Sequential(
        torch.nn.Linear(784, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 128),
        torch.nn.ReLU(),
        torch.nn.Linear(128, 10),
    )
    opt = torch.optim.SGD(mlp.parameters(), lr=0.1)
    xb = torch.rand(128, 784)
    yb = torch.randint(0, 10, (128,))

    def mlp_step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(mlp(xb), yb)
        loss.backward()
        opt.step()
        return loss.item()

    w, r = counts(args, "mlp_sgd_step")
    res["mlp_sgd_step"] = measure("torch mlp_sgd_step", mlp_step, w, r)

    # CNN, Adam, batch 64, NCHW (PyTorch's default layout).
    cnn = torch.nn.Sequential(
        torch.nn.Conv2d(1, 32, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(64 * 7 * 7, 10),
    )
    copt = torch.optim.Adam(cnn.parameters(), lr=1e-3)
    xc = torch.rand(64, 1, 28, 28)
    yc = torch.randint(0, 10, (64,))

    def cnn_step():
        copt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(cnn(xc), yc)
        loss.backward()
        copt.step()
        return loss.item()

    w, r = counts(args, "cnn_adam_step")
    res["cnn_adam_step"] = measure("torch cnn_adam_step", cnn_step, w, r)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--only", default="", help="comma-separated workloads (default: all)")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="torch's device (numpy is skipped on cuda)")
    a = p.parse_args()
    global DEVICE
    DEVICE = a.device
    ONLY.update(k for k in a.only.split(",") if k)
    log(f"python {sys.version.split()[0]}, {a.threads} threads, device {DEVICE}")
    result = {"python": sys.version.split()[0], "threads": a.threads, "device": DEVICE}
    result["numpy"] = bench_numpy(a) if DEVICE == "cpu" else {"available": False, "reason": "CPU-only peer"}
    result["torch"] = bench_torch(a)
    if not result["torch"]["available"]:
        log(f"PyTorch not available: {result['torch']['reason']}")
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
