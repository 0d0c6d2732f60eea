//! Minimal reproductions of bugs the conformance and property suites found, one test each, so a
//! fix can be verified in isolation. Each doc comment names the file and the cause. Cases that
//! abort the process (stack overflow) run in a child process, so they fail only their own test.
//!
//! Native only: some cases run in a child process.

#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use ferroflow::ops::elementwise::upcast;
use ferroflow::ops::Padding;
use ferroflow::{DType, HostData, Tensor};
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

/// What a call did: panicked (with the message), returned an error, or returned a shape.
#[derive(Debug, PartialEq)]
enum Outcome {
    Panicked(String),
    Error,
    Shape(Vec<usize>),
}

/// Runs `f` on every present device, reading back small `Ok` results.
fn outcomes(what: &str, f: impl Fn(&ferroflow::Device) -> ferroflow::Result<Tensor>) -> Vec<(&'static str, Outcome)> {
    use ferroflow_tests::conformance::{guarded, Status};
    let mut out = vec![];
    for (name, dev) in present() {
        let mut result = Outcome::Error;
        let s = guarded(what, || {
            if let Ok(t) = f(&dev) {
                let n = t.shape().iter().try_fold(1usize, |a, &d| a.checked_mul(d));
                if n.is_some_and(|n| n < 1 << 16) {
                    let _ = t.to_host();
                }
                result = Outcome::Shape(t.shape().to_vec());
            }
            Status::Pass
        });
        if let Status::Fail(msg) = s {
            result = Outcome::Panicked(msg);
        }
        out.push((name, result));
    }
    out
}

/// The call must not panic (either answer is acceptable).
fn no_panic(what: &str, f: impl Fn(&ferroflow::Device) -> ferroflow::Result<Tensor>) {
    for (name, o) in outcomes(what, f) {
        assert!(!matches!(o, Outcome::Panicked(_)), "{what} on {name}: {o:?}");
    }
}

/// The call is invalid: it must return an error (not panic, and not be accepted, which is what
/// wrapping arithmetic does in release builds).
fn expect_err(what: &str, f: impl Fn(&ferroflow::Device) -> ferroflow::Result<Tensor>) {
    for (name, o) in outcomes(what, f) {
        assert_eq!(o, Outcome::Error, "{what} on {name}");
    }
}

/// The call is valid: it must return this shape.
fn expect_shape(what: &str, shape: &[usize], f: impl Fn(&ferroflow::Device) -> ferroflow::Result<Tensor>) {
    for (name, o) in outcomes(what, f) {
        assert_eq!(o, Outcome::Shape(shape.to_vec()), "{what} on {name}");
    }
}

fn zeros(dev: &ferroflow::Device, shape: &[usize]) -> Tensor {
    ferroflow::ops::creation::zeros(dev, shape, DType::F32)
        .unwrap()
        .detach()
        .unwrap()
}

/// core/src/ops/movement.rs `split`: `sizes.iter().sum::<usize>()` overflows (debug panic; in
/// release it wraps and [usize::MAX, 1] "sums" to 0, so a size-0 axis accepts it).
#[test]
fn split_sizes_that_overflow_are_an_error() {
    expect_err("split", |d| Ok(zeros(d, &[0]).split(&[usize::MAX, 1], 0)?.remove(0)));
}

/// core/src/ops/movement.rs `tile`: `r * self.shape()[d]` overflows before any validation.
#[test]
fn tile_reps_that_overflow_are_an_error() {
    expect_err("tile", |d| zeros(d, &[2]).tile(&[usize::MAX]));
    expect_err("tile", |d| zeros(d, &[0, 2]).tile(&[0, usize::MAX]));
}

/// core/src/ops/movement.rs `strided_slice`: `(e - b + s - 1) / s` overflows for s near
/// isize::MAX, and `-s` overflows for s == isize::MIN.
#[test]
fn strided_slice_extreme_strides_do_not_overflow() {
    // Both are valid: one element, and an empty range.
    expect_shape("stridedSlice", &[1], |d| {
        zeros(d, &[1]).strided_slice(&[0], &[1], &[isize::MAX], 0, 0, 0)
    });
    expect_shape("stridedSlice", &[0], |d| {
        zeros(d, &[2]).strided_slice(&[0], &[0], &[isize::MIN], 0, 0, 0)
    });
}

/// core/src/ops/conv.rs `conv2d`: `ws[2] * opts.groups` overflows for a huge `groups`.
#[test]
fn conv_huge_groups_is_an_error() {
    use ferroflow::ops::Conv2dOptions;
    expect_err("conv2d", |d| {
        let opts = Conv2dOptions {
            groups: usize::MAX,
            ..Default::default()
        };
        zeros(d, &[1, 3, 3, 2]).conv2d(&zeros(d, &[1, 1, 2, 2]), opts)
    });
}

/// core/src/ops/conv.rs `resolve_padding` (SAME): `(o - 1) * stride + k` and
/// `(k - 1) * dilation + 1` overflow for huge windows, strides or dilations.
#[test]
fn same_padding_with_huge_window_or_dilation_is_an_error() {
    use ferroflow::ops::Conv2dOptions;
    expect_err("maxPool", |d| {
        zeros(d, &[1, 2, 1, 1]).max_pool([usize::MAX, 1], [1, 1], Padding::Same)
    });
    expect_err("conv2d", |d| {
        let opts = Conv2dOptions {
            padding: Padding::Same,
            dilations: [1 << 62, 1],
            ..Default::default()
        };
        zeros(d, &[1, 3, 3, 1]).conv2d(&zeros(d, &[3, 1, 1, 1]), opts)
    });
}

/// core/src/ir/primitive.rs `ConvParams::out_spatial`: `dil(n, f) = (n as isize - 1) * f as isize
/// + 1` overflows (or goes negative through the casts) for extents/dilations >= 2^62, and huge
/// explicit padding overflows `span`.
#[test]
fn conv_geometry_with_huge_values_is_an_error() {
    use ferroflow::ops::Conv2dOptions;
    expect_err("conv2d dilation", |d| {
        let opts = Conv2dOptions {
            dilations: [1 << 62, 1],
            ..Default::default()
        };
        zeros(d, &[0, 0, 0, 2]).conv2d(&zeros(d, &[3, 0, 2, 2]), opts)
    });
    expect_err("conv2d padding", |d| {
        let opts = Conv2dOptions {
            padding: Padding::Explicit([[1 << 63, 1 << 63], [0, 0]]),
            ..Default::default()
        };
        zeros(d, &[1, 1, 1, 1]).conv2d(&zeros(d, &[1, 1, 1, 1]), opts)
    });
    expect_err("conv2dTranspose", |d| {
        zeros(d, &[0, 0, 0, 1]).conv2d_transpose(
            &zeros(d, &[0, 0, 0, 1]),
            [0, 1 << 63, 0, 0],
            [usize::MAX, 1],
            Padding::Valid,
        )
    });
}

/// core/src/shape.rs `contiguous_strides`: a zero-element shape may carry a dim >= 2^63
/// (`numel_checked` is 0), and `acc *= shape[i] as isize` overflows when the strides are built
/// (core/src/ir/view.rs `slice` and backend-native/src/load.rs hit the same). Shapes whose
/// dims do not fit isize should be rejected where shapes are validated.
#[test]
fn zero_element_shapes_with_huge_dims_are_rejected_or_handled() {
    no_panic("reshape", |d| zeros(d, &[0]).reshape(&[2, 0, isize::MAX]));
    no_panic("broadcastTo", |d| zeros(d, &[]).broadcast_to(&[0, usize::MAX, 2]));
    no_panic("maxPool", |d| {
        zeros(d, &[0, 0, 2, 0]).max_pool([1, 1], [1 << 63, 1], Padding::Same)
    });
}

/// core/src/ops/conv.rs `max_pool`: the fast path tested `xs[1] % window[0]` before checking
/// `window[0] > 0`, so a zero window panicked (divide by zero) instead of returning an error.
/// Found by `properties.rs::pool_never_panics`.
#[test]
fn max_pool_with_a_zero_window_is_an_error() {
    for (name, dev) in present() {
        let x = Tensor::from_host_on(HostData::F32(vec![1.0; 16]), &[1, 4, 4, 1], &dev).unwrap();
        assert!(x.max_pool([0, 2], [0, 2], Padding::Valid).is_err(), "{name}");
        assert!(x.max_pool([2, 0], [2, 0], Padding::Valid).is_err(), "{name}");
    }
}
