//! Reductions against a scalar f64 reference on shapes chosen to reach each evaluation order of
//! the CPU backend's reduce kernel (and the WGSL one where an adapter exists): natural-order
//! groups (pooling windows `[N, OH, kh, OW, kw, C]`, `[B, T, C]` over T, groups larger than one
//! block, several groups per block), reduced-axes-outermost, one long reduction split over
//! threads, and contiguous per-output ranges. Values are fused expressions, not bare loads, and
//! include ties, NaN and integers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferroflow::{HostData, Tensor};
use ferroflow_tests::conformance::backends::{present, skip_notes};

/// Shapes and reduced axes, each reaching a particular strategy on the CPU backend.
const CASES: &[(&[usize], &[usize])] = &[
    // Pooling windows: groups of one (n, oh) row, several per block.
    (&[4, 7, 2, 7, 2, 16], &[2, 4]),
    // [B, T, C] over T with a group larger than a block (1 x 3000 x 9).
    (&[3, 3000, 9], &[1]),
    // Trailing kept run of 8 exactly, one reduced axis in the middle.
    (&[5, 3, 8], &[1]),
    // Reduced axes outermost, kept innermost.
    (&[40, 33], &[0]),
    // All axes but the last (bias gradients).
    (&[6, 5, 4, 24], &[0, 1, 2]),
    // Innermost reduced: contiguous per-output ranges.
    (&[37, 130], &[1]),
    // One long reduction (split over threads).
    (&[70000], &[0]),
    // Short trailing run (below the natural-order minimum).
    (&[6, 4, 3], &[1]),
];

fn values(n: usize, seed: usize) -> Vec<f32> {
    // Few distinct values, so max/min ties occur; some negative.
    (0..n)
        .map(|i| ((i * 7919 + seed * 104_729) % 13) as f32 * 0.5 - 2.0)
        .collect()
}

/// `out[j]` = fold over the reduced positions of output `j`, in f64.
fn reference(x: &[f32], shape: &[usize], axes: &[usize], init: f64, f: impl Fn(f64, f64) -> f64) -> Vec<f64> {
    let out_shape: Vec<usize> = shape
        .iter()
        .enumerate()
        .map(|(d, &s)| if axes.contains(&d) { 1 } else { s })
        .collect();
    let mut out = vec![init; out_shape.iter().product()];
    for (p, &v) in x.iter().enumerate() {
        let mut rem = p;
        let mut idx = vec![0; shape.len()];
        for d in (0..shape.len()).rev() {
            idx[d] = rem % shape[d];
            rem /= shape[d];
        }
        let mut j = 0;
        for d in 0..shape.len() {
            j = j * out_shape[d] + if axes.contains(&d) { 0 } else { idx[d] };
        }
        out[j] = f(out[j], v as f64);
    }
    out
}

fn close(got: &[f32], want: &[f64], rel: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let ok = if w.is_nan() {
            g.is_nan()
        } else {
            (g as f64 - w).abs() <= rel * (1.0 + w.abs())
        };
        assert!(ok, "{what}: output {i} is {g}, expected {w}");
    }
}

#[test]
fn reductions_match_the_reference_in_every_order() {
    for note in skip_notes() {
        eprintln!("{note}");
    }
    for (name, dev) in present() {
        eprintln!("reduce orders on {name}");
        for (ci, &(shape, axes)) in CASES.iter().enumerate() {
            let n: usize = shape.iter().product();
            let raw = values(n, ci);
            let iaxes: Vec<isize> = axes.iter().map(|&a| a as isize).collect();
            let x = Tensor::from_host_on(HostData::F32(raw.clone()), shape, &dev).unwrap();
            // A fused prologue: y = 2x + 1.
            let y = x.mul(Tensor::scalar_on(2.0f32, &dev)).unwrap();
            let y = y.add(Tensor::scalar_on(1.0f32, &dev)).unwrap();
            let yv: Vec<f32> = raw.iter().map(|v| 2.0 * v + 1.0).collect();
            let what = |op: &str| format!("{name} {op} {shape:?} axes {axes:?}");

            let sum = y.sum(&iaxes, false).unwrap().to_vec_f32().unwrap();
            close(
                &sum,
                &reference(&yv, shape, axes, 0.0, |a, b| a + b),
                1e-5,
                &what("sum"),
            );
            let max = y.max(&iaxes, false).unwrap().to_vec_f32().unwrap();
            close(
                &max,
                &reference(&yv, shape, axes, f64::NEG_INFINITY, f64::max),
                0.0,
                &what("max"),
            );
            let min = y.min(&iaxes, false).unwrap().to_vec_f32().unwrap();
            close(
                &min,
                &reference(&yv, shape, axes, f64::INFINITY, f64::min),
                0.0,
                &what("min"),
            );
            let mean = y.mean(&iaxes, false).unwrap().to_vec_f32().unwrap();
            let count: usize = axes.iter().map(|&a| shape[a]).product();
            let want: Vec<f64> = reference(&yv, shape, axes, 0.0, |a, b| a + b)
                .into_iter()
                .map(|s| s / count as f64)
                .collect();
            close(&mean, &want, 1e-5, &what("mean"));

            // Integers: exact.
            let xi = x.cast(ferroflow::DType::I32).unwrap();
            let si = xi.sum(&iaxes, false).unwrap().to_vec_i32().unwrap();
            let xiv: Vec<f32> = raw.iter().map(|&v| v.trunc()).collect();
            let want = reference(&xiv, shape, axes, 0.0, |a, b| a + b);
            assert_eq!(
                si,
                want.iter().map(|&w| w as i32).collect::<Vec<_>>(),
                "{}",
                what("int32 sum")
            );

            // NaN is sticky for max wherever it occurs in a window.
            let mut nan = raw.clone();
            nan[n / 3] = f32::NAN;
            let xn = Tensor::from_host_on(HostData::F32(nan.clone()), shape, &dev).unwrap();
            let mn = xn.relu().unwrap().max(&iaxes, false).unwrap().to_vec_f32().unwrap();
            let nv: Vec<f32> = nan.iter().map(|&v| if v.is_nan() { v } else { v.max(0.0) }).collect();
            let want = reference(&nv, shape, axes, f64::NEG_INFINITY, |a, b| {
                if a.is_nan() || b.is_nan() {
                    f64::NAN
                } else {
                    a.max(b)
                }
            });
            close(&mn, &want, 0.0, &what("max with NaN"));
        }
    }
}
