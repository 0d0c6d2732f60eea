//! Minimal reproductions of bugs the conformance and property suites found, one test each, so a
//! fix can be verified in isolation. Each doc comment names the file and the cause. Cases that
//! abort the process (stack overflow) run in a child process, so they fail only their own test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use ferroflow_core::ops::elementwise::upcast;
use ferroflow_core::ops::Padding;
use ferroflow_core::{DType, HostData, Tensor};
use ferroflow_tests::conformance::backends::present;

/// Runs `body` in a child process (this test binary re-run on one test) and fails with the
/// child's output unless it exits successfully. Returns true in the child, after running `body`.
fn in_child(test: &str, body: impl FnOnce()) {
    if std::env::var_os("FF_REGRESSION_CHILD").is_some() {
        body();
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env("FF_REGRESSION_CHILD", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{test} crashed the process ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(6)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// core/src/ops/elementwise.rs `upcast` is `a.max(b)` with DType's derived `Ord`, which follows
/// declaration order (F32 < I32 < Bool), the reverse of the documented promotion
/// bool < int32 < float32. (core/src/ops/movement.rs `concat` picks its dtype the same way.)
#[test]
fn upcast_promotes_toward_float32() {
    assert_eq!(upcast(DType::F32, DType::I32), DType::F32);
    assert_eq!(upcast(DType::I32, DType::F32), DType::F32);
    assert_eq!(upcast(DType::Bool, DType::I32), DType::I32);
    assert_eq!(upcast(DType::F32, DType::Bool), DType::F32);
}

/// Consequence of the above: `x.less(0)` (an i32 literal) casts float x to int32, so -0.5 < 0 is
/// false and `abs(-0.5)` returns -0.5 (`sign`, `softplus`, `softsign`, `mish`,
/// `absoluteDifference` too), and float + int32 yields int32.
#[test]
fn abs_of_small_negative_float() {
    for (name, dev) in present() {
        let x = Tensor::from_host_on(vec![-0.5f32, 0.25, -1.5].into(), &[3], &dev).unwrap();
        assert_eq!(
            x.abs().unwrap().to_vec_f32().unwrap(),
            vec![0.5, 0.25, 1.5],
            "on {name}"
        );
        assert_eq!(
            x.add(1i32).unwrap().dtype(),
            DType::F32,
            "float + int literal on {name}"
        );
    }
}

/// core/src/tensor.rs: dropping a `Tensor` drops its `Node`, whose `inputs: Vec<Tensor>` drop
/// recursively, one stack frame group per graph level. A pending chain of ~20k ops overflows a
/// 2 MiB thread stack and aborts the process (the wasm stack is smaller still).
#[test]
fn dropping_a_long_op_chain_does_not_overflow_the_stack() {
    in_child("dropping_a_long_op_chain_does_not_overflow_the_stack", || {
        for (_, dev) in present() {
            let mut x = Tensor::from_host_on(vec![1.0f32].into(), &[1], &dev).unwrap();
            for _ in 0..100_000 {
                x = x.add(1.0f32).unwrap();
            }
            drop(x);
        }
    });
}

/// core/src/ops/conv.rs `pool_windows` builds one slice node per window tap (k0 * k1 of them,
/// concatenated into a chain). With an empty batch or channel dim, "same" padding accepts any
/// window (the padded tensor still has zero elements), so a huge window builds a huge graph:
/// 2^16 taps overflow the stack (see above); `usize::MAX` taps allocate until memory runs out.
#[test]
fn pool_graph_does_not_scale_with_window_on_empty_input() {
    in_child("pool_graph_does_not_scale_with_window_on_empty_input", || {
        for (_, dev) in present() {
            let x = Tensor::from_host_on(HostData::F32(vec![]), &[0, 5, 2, 0], &dev).unwrap();
            if let Ok(y) = x.avg_pool([1, 1 << 16], [1, 3], Padding::Same) {
                let _ = y.to_host();
            }
        }
    });
}
