//! Movement ops inside fused expressions: the scheduler turns pads, slices, transposes, flips and
//! broadcasts into views of one kernel's loads and pushes padding through zero-preserving math.
//! Each case chains a movement with elementwise math or a reduction so those rewrites are
//! checked against plain references (reported under the movement op, variant `fused-*`).

use ferroflow::ops;
use ferroflow::DType::{Bool, F32};

use crate::conformance::reference::{map, permute, reduce, zip, Arr};
use crate::conformance::{Case, Rng, Tol};

/// Zero padding of a 2-D array by `[(top, bottom), (left, right)]`, filled with `fill`.
fn pad2(a: &Arr, p: [(usize, usize); 2], fill: f64) -> Arr {
    let shape = [a.shape[0] + p[0].0 + p[0].1, a.shape[1] + p[1].0 + p[1].1];
    Arr::from_fn(&shape, a.dtype, |o| {
        let (i, j) = (o[0] as isize - p[0].0 as isize, o[1] as isize - p[1].0 as isize);
        if i >= 0 && j >= 0 && (i as usize) < a.shape[0] && (j as usize) < a.shape[1] {
            a.at(&[i as usize, j as usize])
        } else {
            fill
        }
    })
}

pub fn cases() -> Vec<Case> {
    let mut r = Rng::new(0xf05);
    let mut v = vec![];
    let x = Arr::f32(&[3, 4], r.uniform(12, -1.5, 1.5));
    let y = Arr::f32(&[3, 4], r.uniform(12, -1.5, 1.5));
    let p = [(1, 2), (2, 0)];
    let g = Tol::GRAD;

    // Not zero-preserving after a pad: padded positions must become exp(0) = 1, cos(0) = 1, ...
    v.push(
        Case::new("pad", vec![x.clone()], move |t| t[0].pad(&p, 0.0)?.exp())
            .variant("fused-exp-after")
            .reference(move |a| map(&pad2(&a[0], p, 0.0), F32, f64::exp))
            .tol(Tol::MATH)
            .grad(g),
    );
    v.push(
        Case::new("pad", vec![x.clone()], move |t| {
            t[0].pad(&p, 0.0)?.cos()?.mul(2.0f32)?.add(1.0f32)
        })
        .variant("fused-affine-cos-after")
        .reference(move |a| map(&pad2(&a[0], p, 0.0), F32, |v| 2.0 * v.cos() + 1.0))
        .tol(Tol::MATH)
        .grad(g),
    );
    // Zero-preserving chain before a pad (may be pushed through), then a reduction.
    v.push(
        Case::new("pad", vec![x.clone(), y.clone()], move |t| {
            t[0].mul(&t[1])?.sin()?.sub(&t[1])?.pad(&p, 0.0)?.sum(&[0], false)
        })
        .variant("fused-zero-preserving-before-then-sum")
        .reference(move |a| {
            let e = zip(&a[0], &a[1], F32, |u, w| (u * w).sin() - w);
            reduce(&pad2(&e, p, 0.0), &[0], false, F32, |g| g.iter().sum())
        })
        .tol(Tol::MATH)
        .grad(g),
    );
    // A constant inside the padded expression: x + 1 padded keeps zeros outside.
    v.push(
        Case::new("pad", vec![x.clone()], move |t| {
            t[0].add(1.0f32)?.pad(&p, 0.0)?.mul(3.0f32)
        })
        .variant("fused-const-inside")
        .reference(move |a| map(&pad2(&map(&a[0], F32, |v| v + 1.0), p, 0.0), F32, |v| 3.0 * v))
        .tol(Tol::F32)
        .grad(g),
    );
    // Comparisons that are true at zero must not leak into the padding.
    v.push(
        Case::new("pad", vec![x.clone()], move |t| {
            t[0].less_equal(0.25f32)?.pad(&p, 0.0)?.logical_not()
        })
        .variant("fused-bool-le-not")
        .reference(move |a| {
            let le = map(&a[0], Bool, |v| (v <= 0.25) as u8 as f64);
            map(&pad2(&le, p, 0.0), Bool, |v| (v == 0.0) as u8 as f64)
        })
        .tol(Tol::EXACT),
    );
    v.push(
        Case::new("pad", vec![x.clone()], move |t| t[0].pad(&p, 0.0)?.equal(0.0f32))
            .variant("fused-equal-zero")
            .reference(move |a| map(&pad2(&a[0], p, 0.0), Bool, |v| (v == 0.0) as u8 as f64))
            .tol(Tol::EXACT),
    );
    // Nested pads and a pad of a flipped slice.
    v.push(
        Case::new("pad", vec![x.clone()], move |t| {
            t[0].pad(&[(1, 0), (0, 1)], 0.0)?.pad(&[(0, 1), (2, 0)], 0.0)?.exp()
        })
        .variant("fused-nested")
        .reference(move |a| {
            map(
                &pad2(&pad2(&a[0], [(1, 0), (0, 1)], 0.0), [(0, 1), (2, 0)], 0.0),
                F32,
                f64::exp,
            )
        })
        .tol(Tol::MATH)
        .grad(g),
    );
    v.push(
        Case::new("reverse", vec![x.clone()], |t| {
            t[0].slice(&[1, 0], &[2, 3])?
                .reverse(&[1])?
                .pad(&[(1, 1), (0, 2)], -2.0)?
                .tanh()
        })
        .variant("fused-slice-reverse-pad")
        .reference(|a| {
            let s = Arr::from_fn(&[2, 3], F32, |o| a[0].at(&[o[0] + 1, 2 - o[1]]));
            map(&pad2(&s, [(1, 1), (0, 2)], -2.0), F32, f64::tanh)
        })
        .tol(Tol::MATH)
        .grad(g),
    );
    // Transposed and broadcast operands in one expression, then a reduction over a middle axis.
    let z = Arr::f32(&[2, 4, 3], r.uniform(24, -1.0, 1.0));
    let b = Arr::f32(&[3, 1], r.uniform(3, -1.0, 1.0));
    v.push(
        Case::new("transpose", vec![z, b], |t| {
            t[0].transpose(&[2, 0, 1])?
                .mul(&t[1].expand_dims(2)?)?
                .exp()?
                .sum(&[1], true)
        })
        .variant("fused-broadcast-mul-exp-sum")
        .reference(|a| {
            let zt = permute(&a[0], &[2, 0, 1]);
            let bb = a[1].reshaped(&[3, 1, 1]);
            reduce(&zip(&zt, &bb, F32, |u, w| (u * w).exp()), &[1], true, F32, |g| {
                g.iter().sum()
            })
        })
        .tol(Tol::MATH)
        .grad(g),
    );
    // Strided slice of a broadcast, then concat with a transposed tensor.
    let c = Arr::f32(&[1, 4], r.uniform(4, -1.0, 1.0));
    let d = Arr::f32(&[4, 2], r.uniform(8, -1.0, 1.0));
    v.push(
        Case::new("concat", vec![c, d], |t| {
            let s = t[0]
                .broadcast_to(&[5, 4])?
                .strided_slice(&[4, 0], &[0, 4], &[-2, 1], 0, 0, 0)?;
            ops::concat(&[s, t[1].transpose(&[])?], 0)?.square()
        })
        .variant("fused-strided-broadcast-transpose")
        .reference(|a| {
            let dt = permute(&a[1], &[1, 0]);
            Arr::from_fn(&[4, 4], F32, |o| {
                let v = if o[0] < 2 {
                    a[0].at(&[0, o[1]])
                } else {
                    dt.at(&[o[0] - 2, o[1]])
                };
                v * v
            })
        })
        .tol(Tol::F32)
        .grad(g),
    );
    // One tensor feeding several consumers (materialized once, read through different views).
    v.push(
        Case::new("reshape", vec![x], |t| {
            let e = t[0].exp()?;
            e.reshape(&[4, 3])?.transpose(&[])?.add(&e)?.sum(&[], false)
        })
        .variant("fused-shared-operand")
        .reference(|a| {
            let e = map(&a[0], F32, f64::exp);
            let rt = permute(&e.reshaped(&[4, 3]), &[1, 0]);
            let s: f64 = rt.data.iter().zip(&e.data).map(|(u, w)| u + w).sum();
            Arr::f32(&[], vec![s])
        })
        .tol(Tol::MATH)
        .grad(g),
    );
    v
}
