//! Reductions: sum/mean/max/min/prod over axes (negative, several, all; keepDims), arg-extremes,
//! logSumExp, any/all, moments and the Euclidean norm.

use ferroflow::DType::{Bool, F32, I32};

use crate::conformance::reference::reduce;
use crate::conformance::{Arr, Case, Rng, Tol};

fn sum(g: &[f64]) -> f64 {
    g.iter().sum()
}
fn mean(g: &[f64]) -> f64 {
    g.iter().sum::<f64>() / g.len() as f64
}
fn max(g: &[f64]) -> f64 {
    g.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}
fn min(g: &[f64]) -> f64 {
    g.iter().copied().fold(f64::INFINITY, f64::min)
}
fn argmax(g: &[f64]) -> f64 {
    (0..g.len()).fold(0, |best, i| if g[i] > g[best] { i } else { best }) as f64
}
fn argmin(g: &[f64]) -> f64 {
    (0..g.len()).fold(0, |best, i| if g[i] < g[best] { i } else { best }) as f64
}
fn logsumexp(g: &[f64]) -> f64 {
    g.iter().map(|x| x.exp()).sum::<f64>().ln()
}
fn variance(g: &[f64]) -> f64 {
    let m = mean(g);
    g.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / g.len() as f64
}

pub fn cases() -> Vec<Case> {
    let mut r = Rng::new(0x5ed);
    let mut v = vec![];
    let shape = [2, 3, 4];
    let x = Arr::f32(&shape, r.uniform(24, -2.0, 2.0));
    let distinct = Arr::f32(&shape, r.distinct(24, -3.0, 3.0));

    for (axes, keep, name) in [
        (vec![1], false, "axis1"),
        (vec![-1, 0], true, "axes-1,0-keepdims"),
        (vec![], false, "all"),
    ] {
        let (a1, a2) = (axes.clone(), axes.clone());
        v.push(
            Case::new("sum", vec![x.clone()], move |t| t[0].sum(&a1, keep))
                .variant(name)
                .reference(move |i| reduce(&i[0], &a2, keep, F32, sum))
                .tol(Tol::MATH)
                .grad(Tol::GRAD),
        );
        let (a1, a2) = (axes.clone(), axes.clone());
        v.push(
            Case::new("mean", vec![x.clone()], move |t| t[0].mean(&a1, keep))
                .variant(name)
                .reference(move |i| reduce(&i[0], &a2, keep, F32, mean))
                .tol(Tol::MATH)
                .grad(Tol::GRAD),
        );
        let (a1, a2) = (axes.clone(), axes.clone());
        v.push(
            Case::new("max", vec![distinct.clone()], move |t| t[0].max(&a1, keep))
                .variant(name)
                .reference(move |i| reduce(&i[0], &a2, keep, F32, max))
                .tol(Tol::EXACT)
                .grad(Tol::GRAD),
        );
        let (a1, a2) = (axes.clone(), axes.clone());
        v.push(
            Case::new("min", vec![distinct.clone()], move |t| t[0].min(&a1, keep))
                .variant(name)
                .reference(move |i| reduce(&i[0], &a2, keep, F32, min))
                .tol(Tol::EXACT)
                .grad(Tol::GRAD),
        );
        let (a1, a2) = (axes.clone(), axes);
        v.push(
            Case::new("logSumExp", vec![x.clone()], move |t| t[0].log_sum_exp(&a1, keep))
                .variant(name)
                .reference(move |i| reduce(&i[0], &a2, keep, F32, logsumexp))
                .tol(Tol::MATH)
                .grad(Tol::GRAD),
        );
    }
    // Large logits: the stable formulation must not overflow.
    let big = Arr::f32(&[2, 3], vec![100.0, 101.0, 99.5, -100.0, -101.0, -99.0]);
    v.push(
        Case::new("logSumExp", vec![big], |t| t[0].log_sum_exp(&[1], false))
            .variant("large")
            .reference(|i| {
                reduce(&i[0], &[1], false, F32, |g| {
                    let m = max(g);
                    m + g.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
                })
            })
            .tol(Tol::MATH)
            .grad(Tol::GRAD),
    );
    let nonzero = Arr::f32(
        &[3, 4],
        (0..12)
            .map(|_| r.range(0.5, 1.5) * if r.bools(1)[0] { 1.0 } else { -1.0 })
            .collect(),
    );
    v.push(
        Case::new("prod", vec![nonzero.clone()], |t| t[0].prod(&[0], false))
            .variant("axis0")
            .reference(|i| reduce(&i[0], &[0], false, F32, |g| g.iter().product()))
            .tol(Tol::MATH)
            .grad(Tol::GRAD),
    );
    v.push(
        Case::new("prod", vec![nonzero], |t| t[0].prod(&[], true))
            .variant("all-keepdims")
            .reference(|i| reduce(&i[0], &[], true, F32, |g| g.iter().product()))
            .tol(Tol::MATH)
            .grad(Tol::GRAD),
    );

    // Integer and bool reductions.
    let xi = Arr::i32(&[3, 5], r.ints(15, -20, 20));
    v.push(
        Case::new("sum", vec![xi.clone()], |t| t[0].sum(&[1], false))
            .variant("int32")
            .reference(|i| reduce(&i[0], &[1], false, I32, sum))
            .tol(Tol::EXACT),
    );
    v.push(
        Case::new("max", vec![xi.clone()], |t| t[0].max(&[0], false))
            .variant("int32")
            .reference(|i| reduce(&i[0], &[0], false, I32, max))
            .tol(Tol::EXACT),
    );
    v.push(
        Case::new("min", vec![xi.clone()], |t| t[0].min(&[-1], true))
            .variant("int32")
            .reference(|i| reduce(&i[0], &[-1], true, I32, min))
            .tol(Tol::EXACT),
    );
    v.push(
        Case::new(
            "prod",
            vec![Arr::i32(&[2, 3], vec![2.0, -3.0, 4.0, 1.0, 0.0, 7.0])],
            |t| t[0].prod(&[1], false),
        )
        .variant("int32")
        .reference(|i| reduce(&i[0], &[1], false, I32, |g| g.iter().product()))
        .tol(Tol::EXACT),
    );
    v.push(
        Case::new("mean", vec![xi.clone()], |t| t[0].mean(&[1], false))
            .variant("int32")
            .reference(|i| reduce(&i[0], &[1], false, F32, mean))
            .tol(Tol::F32),
    );
    let xb = Arr::bool(&[3, 4], r.bools(12));
    v.push(
        Case::new("sum", vec![xb], |t| t[0].sum(&[0], false))
            .variant("bool-counts")
            .reference(|i| reduce(&i[0], &[0], false, I32, sum))
            .tol(Tol::EXACT),
    );
    let rows = Arr::bool(
        &[4, 3],
        vec![
            true, true, true, false, false, false, true, false, true, false, true, false,
        ],
    );
    for (op, axis, any) in [
        ("any", 1isize, true),
        ("all", 1, false),
        ("any", 0, true),
        ("all", 0, false),
    ] {
        v.push(
            Case::new(op, vec![rows.clone()], move |t| {
                if any {
                    t[0].any(&[axis], false)
                } else {
                    t[0].all(&[axis], false)
                }
            })
            .variant(format!("axis{axis}"))
            .reference(move |i| reduce(&i[0], &[axis], false, Bool, |g| if any { max(g) } else { min(g) }))
            .tol(Tol::EXACT),
        );
    }
    v.push(
        Case::new(
            "any",
            vec![Arr::f32(&[2, 3], vec![0.0, 0.0, 0.5, 0.0, 0.0, 0.0])],
            |t| t[0].any(&[], false),
        )
        .variant("float-all-axes")
        .reference(|i| reduce(&i[0], &[], false, Bool, |g| g.iter().any(|&x| x != 0.0) as u8 as f64))
        .tol(Tol::EXACT),
    );

    // Arg-extremes: distinct values (no ties), int32 output.
    for (axis, name) in [(1isize, "axis1"), (-1, "axis-1"), (0, "axis0")] {
        v.push(
            Case::new("argMax", vec![distinct.clone()], move |t| t[0].arg_max(axis))
                .variant(name)
                .reference(move |i| reduce(&i[0], &[axis], false, I32, argmax))
                .tol(Tol::EXACT),
        );
        v.push(
            Case::new("argMin", vec![distinct.clone()], move |t| t[0].arg_min(axis))
                .variant(name)
                .reference(move |i| reduce(&i[0], &[axis], false, I32, argmin))
                .tol(Tol::EXACT),
        );
    }
    let ties = Arr::i32(&[2, 5], vec![3.0, 7.0, 7.0, 1.0, 7.0, -2.0, -2.0, 0.0, -2.0, 5.0]);
    v.push(
        Case::new("argMax", vec![ties.clone()], |t| t[0].arg_max(1))
            .variant("int32-ties-first")
            .reference(|i| reduce(&i[0], &[1], false, I32, argmax))
            .tol(Tol::EXACT),
    );
    v.push(
        Case::new("argMin", vec![ties], |t| t[0].arg_min(1))
            .variant("int32-ties-first")
            .reference(|i| reduce(&i[0], &[1], false, I32, argmin))
            .tol(Tol::EXACT),
    );

    // Moments: two outputs (mean, population variance).
    v.push(
        Case::multi("moments", vec![x.clone()], |t| {
            let (m, var) = t[0].moments(&[0, 2], false)?;
            Ok(vec![m, var])
        })
        .variant("axes0,2")
        .reference_multi(|i| {
            vec![
                reduce(&i[0], &[0, 2], false, F32, mean),
                reduce(&i[0], &[0, 2], false, F32, variance),
            ]
        })
        .tol(Tol::MATH)
        .grad(Tol::GRAD),
    );
    v.push(
        Case::multi("moments", vec![x.clone()], |t| {
            let (m, var) = t[0].moments(&[-1], true)?;
            Ok(vec![m, var])
        })
        .variant("axis-1-keepdims")
        .reference_multi(|i| {
            vec![
                reduce(&i[0], &[-1], true, F32, mean),
                reduce(&i[0], &[-1], true, F32, variance),
            ]
        })
        .tol(Tol::MATH)
        .grad(Tol::GRAD),
    );
    let l2 = |g: &[f64]| g.iter().map(|x| x * x).sum::<f64>().sqrt();
    v.push(
        Case::new("norm", vec![x.clone()], |t| t[0].norm(&[], false))
            .variant("all")
            .reference(move |i| reduce(&i[0], &[], false, F32, l2))
            .tol(Tol::MATH)
            .grad(Tol::GRAD),
    );
    v.push(
        Case::new("norm", vec![x], |t| t[0].norm(&[1], true))
            .variant("axis1-keepdims")
            .reference(move |i| reduce(&i[0], &[1], true, F32, l2))
            .tol(Tol::MATH)
            .grad(Tol::GRAD),
    );
    // Empty reductions return the identity (TF/numpy): 0 for sum, -inf for max, NaN for mean.
    let empty = Arr::f32(&[0, 3], vec![]);
    v.push(
        Case::new("sum", vec![empty.clone()], |t| t[0].sum(&[0], false))
            .variant("empty-axis")
            .reference(|_| Arr::f32(&[3], vec![0.0; 3]))
            .tol(Tol::EXACT)
            .grad(Tol::GRAD),
    );
    v.push(
        Case::new("max", vec![empty.clone()], |t| t[0].max(&[0], false))
            .variant("empty-axis")
            .reference(|_| Arr::f32(&[3], vec![f64::NEG_INFINITY; 3]))
            .tol(Tol::EXACT),
    );
    v.push(
        Case::new("mean", vec![empty], |t| t[0].mean(&[0], false))
            .variant("empty-axis-nan")
            .reference(|_| Arr::f32(&[3], vec![f64::NAN; 3]))
            .tol(Tol::EXACT),
    );
    // cumsum: a Hillis-Steele scan; lengths that are not powers of two, both flags, int32.
    let prefix = |lane: &[f64], exclusive: bool, reverse: bool| {
        let n = lane.len();
        let mut out = vec![0.0; n];
        let mut acc = 0.0;
        for k in 0..n {
            let i = if reverse { n - 1 - k } else { k };
            if exclusive {
                out[i] = acc;
                acc += lane[i];
            } else {
                acc += lane[i];
                out[i] = acc;
            }
        }
        out
    };
    let xc = Arr::f32(&[3, 7, 2], r.uniform(42, -2.0, 2.0));
    for (axis, exclusive, reverse, name) in [
        (1, false, false, "axis1"),
        (1, true, false, "exclusive"),
        (0, false, true, "reverse"),
        (2, true, true, "exclusive-reverse"),
    ] {
        v.push(
            Case::new("cumsum", vec![xc.clone()], move |t| {
                t[0].cumsum(axis, exclusive, reverse)
            })
            .variant(name)
            .reference(move |a| {
                crate::conformance::reference::along_axis(&a[0], axis as usize, |l| prefix(l, exclusive, reverse))
            })
            .tol(Tol::LOOSE)
            .grad(Tol::GRAD),
        );
    }
    let xi = Arr::i32(&[2, 5], r.uniform(10, -9.0, 9.0).into_iter().map(f64::round).collect());
    v.push(
        Case::new("cumsum", vec![xi], |t| t[0].cumsum(-1, false, false))
            .variant("int32")
            .reference(move |a| crate::conformance::reference::along_axis(&a[0], 1, |l| prefix(l, false, false)))
            .tol(Tol::EXACT),
    );
    v
}
