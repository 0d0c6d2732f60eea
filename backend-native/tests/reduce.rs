#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use ferroflow_core::ir::{BinaryOp, ExprOp, KernelBody, ReduceOp, UnaryOp, View};
use ferroflow_core::{DType, HostData, Scalar};

fn check(op: ReduceOp, axes: &[usize], shape: &[usize], dtype: DType, input: HostData, view: View, tol: f32) {
    let d = dev();
    let k = reduce_kernel(op, axes, shape, vec![load(0, view, dtype)], 1);
    let got = run(&d, &k, std::slice::from_ref(&input));
    let KernelBody::Reduce { expr, .. } = &k.body else {
        unreachable!()
    };
    let want = ref_reduce(op, axes, expr, &[input]);
    assert_close(&got, &want, tol, &format!("{op:?} over {axes:?} of {shape:?}"));
}

fn axis_sets(rank: usize) -> Vec<Vec<usize>> {
    (0..1usize << rank)
        .map(|m| (0..rank).filter(|d| m >> d & 1 == 1).collect())
        .collect()
}

#[test]
fn all_axis_sets_all_ops() {
    let shape = [3, 4, 5];
    let mut r = Lcg(5);
    let f = HostData::F32(r.vec_f32(60));
    let i = HostData::I32(r.vec_i32(60, -50, 50));
    let b = HostData::Bool((0..60).map(|k| k % 7 != 0).collect());
    for axes in axis_sets(3) {
        for op in [ReduceOp::Sum, ReduceOp::Max, ReduceOp::Min, ReduceOp::Prod] {
            check(op, &axes, &shape, DType::F32, f.clone(), View::contiguous(&shape), 1e-6);
            check(op, &axes, &shape, DType::I32, i.clone(), View::contiguous(&shape), 0.0);
        }
        for op in [ReduceOp::Max, ReduceOp::Min] {
            check(op, &axes, &shape, DType::Bool, b.clone(), View::contiguous(&shape), 0.0);
        }
    }
}

#[test]
fn through_views_and_large() {
    let mut r = Lcg(9);
    // Permuted, padded and flipped source.
    let shape = [7, 9, 6];
    let v = View::contiguous(&[6, 7, 5])
        .permute(&[1, 2, 0])
        .pad(&[(0, 0), (2, 2), (0, 0)])
        .flip(&[2]);
    let x = HostData::F32(r.vec_f32(6 * 7 * 5));
    for axes in axis_sets(3) {
        for op in [ReduceOp::Sum, ReduceOp::Max, ReduceOp::Min] {
            check(op, &axes, &shape, DType::F32, x.clone(), v.clone(), 1e-6);
        }
    }
    // Broadcast source (stride 0 along a reduced axis).
    let v = View::contiguous(&[5, 1]).expand(&[5, 300]);
    check(
        ReduceOp::Sum,
        &[1],
        &[5, 300],
        DType::F32,
        HostData::F32(r.vec_f32(5)),
        v.clone(),
        1e-6,
    );
    check(
        ReduceOp::Sum,
        &[0],
        &[5, 300],
        DType::F32,
        HostData::F32(r.vec_f32(5)),
        v,
        1e-6,
    );
    // Large: few outputs with long reductions (split over threads), many short ones, and both.
    let big = [4, 70_000];
    let xb = HostData::F32(r.vec_f32(280_000));
    check(
        ReduceOp::Sum,
        &[1],
        &big,
        DType::F32,
        xb.clone(),
        View::contiguous(&big),
        1e-6,
    );
    check(
        ReduceOp::Sum,
        &[0],
        &big,
        DType::F32,
        xb.clone(),
        View::contiguous(&big),
        1e-6,
    );
    check(
        ReduceOp::Max,
        &[0, 1],
        &big,
        DType::F32,
        xb.clone(),
        View::contiguous(&big),
        0.0,
    );
    check(
        ReduceOp::Sum,
        &[0, 1],
        &big,
        DType::F32,
        xb,
        View::contiguous(&big),
        1e-6,
    );
    // Column sums with few outputs and long columns (outputs tiled, rows split and merged).
    let tall = [5000, 300];
    let xt = HostData::F32(r.vec_f32(1_500_000));
    check(
        ReduceOp::Sum,
        &[0],
        &tall,
        DType::F32,
        xt.clone(),
        View::contiguous(&tall),
        1e-6,
    );
    check(
        ReduceOp::Max,
        &[0],
        &tall,
        DType::F32,
        xt.clone(),
        View::contiguous(&tall),
        0.0,
    );
    // Reducing the last axis of a transposed source reads it column-wise.
    let tv = View::contiguous(&[300, 5000]).permute(&[1, 0]);
    check(ReduceOp::Sum, &[1], &tall, DType::F32, xt, tv, 1e-6);
    let xi = HostData::I32(r.vec_i32(280_000, -1000, 1000));
    check(
        ReduceOp::Sum,
        &[1],
        &big,
        DType::I32,
        xi.clone(),
        View::contiguous(&big),
        0.0,
    );
    check(ReduceOp::Min, &[0], &big, DType::I32, xi, View::contiguous(&big), 0.0);
}

#[test]
fn empty_and_degenerate() {
    let d = dev();
    // Reducing a size-0 axis gives the identity.
    for (op, want) in [
        (ReduceOp::Sum, HostData::F32(vec![0.0; 3])),
        (ReduceOp::Prod, HostData::F32(vec![1.0; 3])),
        (ReduceOp::Max, HostData::F32(vec![f32::NEG_INFINITY; 3])),
        (ReduceOp::Min, HostData::F32(vec![f32::INFINITY; 3])),
    ] {
        let k = reduce_kernel(
            op,
            &[1],
            &[3, 0],
            vec![load(0, View::contiguous(&[3, 0]), DType::F32)],
            1,
        );
        assert_eq!(run(&d, &k, &[HostData::F32(vec![])]), want);
    }
    for (op, want) in [
        (ReduceOp::Max, vec![i32::MIN; 2]),
        (ReduceOp::Min, vec![i32::MAX; 2]),
        (ReduceOp::Prod, vec![1; 2]),
    ] {
        let k = reduce_kernel(
            op,
            &[0],
            &[0, 2],
            vec![load(0, View::contiguous(&[0, 2]), DType::I32)],
            1,
        );
        assert_eq!(run(&d, &k, &[HostData::I32(vec![])]), HostData::I32(want));
    }
    let k = reduce_kernel(
        ReduceOp::Min,
        &[0],
        &[0],
        vec![load(0, View::contiguous(&[0]), DType::Bool)],
        1,
    );
    assert_eq!(run(&d, &k, &[HostData::Bool(vec![])]), HostData::Bool(vec![true]));
    // Size-0 kept axis: empty output.
    let k = reduce_kernel(
        ReduceOp::Sum,
        &[1],
        &[0, 4],
        vec![load(0, View::contiguous(&[0, 4]), DType::F32)],
        1,
    );
    assert_eq!(run(&d, &k, &[HostData::F32(vec![])]), HostData::F32(vec![]));
    // Empty axes list: a copy.
    let k = reduce_kernel(
        ReduceOp::Sum,
        &[],
        &[2, 3],
        vec![load(0, View::contiguous(&[2, 3]), DType::F32)],
        1,
    );
    let x = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    assert_eq!(run(&d, &k, &[HostData::F32(x.clone())]), HostData::F32(x));
    // Rank 0.
    let k = reduce_kernel(
        ReduceOp::Max,
        &[],
        &[],
        vec![load(0, View::contiguous(&[]), DType::F32)],
        1,
    );
    assert_eq!(run(&d, &k, &[HostData::F32(vec![3.0])]), HostData::F32(vec![3.0]));
    // NaN propagation in max/min, inf handling in sum.
    let x = HostData::F32(vec![
        1.0,
        f32::NAN,
        3.0,
        -1.0,
        5.0,
        2.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        0.0,
    ]);
    for op in [ReduceOp::Max, ReduceOp::Min, ReduceOp::Sum] {
        let k = reduce_kernel(
            op,
            &[1],
            &[3, 3],
            vec![load(0, View::contiguous(&[3, 3]), DType::F32)],
            1,
        );
        let got = run(&d, &k, std::slice::from_ref(&x));
        let g = got.as_f32("t").unwrap();
        assert!(g[0].is_nan(), "{op:?}: {g:?}");
        match op {
            ReduceOp::Max => assert_eq!(&g[1..], &[5.0, f32::INFINITY]),
            ReduceOp::Min => assert_eq!(&g[1..], &[-1.0, f32::NEG_INFINITY]),
            _ => assert!(g[1] == 6.0 && g[2].is_nan()),
        }
    }
    // A long NaN-containing row split over threads.
    let mut v = vec![1.0f32; 100_000];
    v[77_777] = f32::NAN;
    let k = reduce_kernel(
        ReduceOp::Max,
        &[0],
        &[100_000],
        vec![load(0, View::contiguous(&[100_000]), DType::F32)],
        1,
    );
    assert!(run(&d, &k, &[HostData::F32(v)]).as_f32("t").unwrap()[0].is_nan());
}

#[test]
fn sum_accuracy_and_fused_prologue() {
    let d = dev();
    // 2^24 + many small values: naive f32 accumulation would lose them all.
    let n = 1 << 20;
    let mut v = vec![0.25f32; n];
    v[0] = 16_777_216.0;
    let k = reduce_kernel(
        ReduceOp::Sum,
        &[0],
        &[n],
        vec![load(0, View::contiguous(&[n]), DType::F32)],
        1,
    );
    let got = run(&d, &k, &[HostData::F32(v)]).as_f32("t").unwrap()[0];
    assert_eq!(got, 16_777_216.0 + 0.25 * (n - 1) as f32);
    // sum(exp(x) * 2) over the last axis: a fused expression as the reduced value.
    let shape = [33, 129];
    let x = HostData::F32(Lcg(4).vec_f32(33 * 129));
    let nodes = vec![
        load(0, View::contiguous(&shape), DType::F32),
        node(ExprOp::Unary(UnaryOp::Exp, 0), DType::F32),
        node(ExprOp::Const(Scalar::F32(2.0)), DType::F32),
        node(ExprOp::Binary(BinaryOp::Mul, 1, 2), DType::F32),
    ];
    let k = reduce_kernel(ReduceOp::Sum, &[1], &shape, nodes, 1);
    let got = run(&d, &k, std::slice::from_ref(&x));
    let KernelBody::Reduce { expr, .. } = &k.body else {
        unreachable!()
    };
    assert_close(&got, &ref_reduce(ReduceOp::Sum, &[1], expr, &[x]), 1e-6, "fused sum");
    // Comparison results reduced as bool (any / all).
    let shape = [4, 6];
    let x = HostData::F32(Lcg(8).vec_f32(24));
    let nodes = vec![
        load(0, View::contiguous(&shape), DType::F32),
        node(ExprOp::Const(Scalar::F32(0.5)), DType::F32),
        node(ExprOp::Binary(BinaryOp::Lt, 0, 1), DType::Bool),
    ];
    for op in [ReduceOp::Max, ReduceOp::Min] {
        let k = reduce_kernel(op, &[1], &shape, nodes.clone(), 1);
        let got = run(&d, &k, std::slice::from_ref(&x));
        let KernelBody::Reduce { expr, .. } = &k.body else {
            unreachable!()
        };
        assert_close(
            &got,
            &ref_reduce(op, &[1], expr, std::slice::from_ref(&x)),
            0.0,
            "bool reduce",
        );
    }
}

#[test]
fn invalid_reduce_kernels_error() {
    let d = dev();
    // Sum of bool, unsorted axes, wrong output shape: errors, not panics.
    let k = reduce_kernel(
        ReduceOp::Sum,
        &[0],
        &[3],
        vec![load(0, View::contiguous(&[3]), DType::Bool)],
        1,
    );
    assert!(try_run(&d, &k, &[HostData::Bool(vec![true; 3])]).is_err());
    let mut k = reduce_kernel(
        ReduceOp::Sum,
        &[0, 1],
        &[2, 2],
        vec![load(0, View::contiguous(&[2, 2]), DType::F32)],
        1,
    );
    if let KernelBody::Reduce { axes, .. } = &mut k.body {
        *axes = vec![1, 0];
    }
    assert!(try_run(&d, &k, &[HostData::F32(vec![0.0; 4])]).is_err());
    let mut k = reduce_kernel(
        ReduceOp::Sum,
        &[1],
        &[2, 2],
        vec![load(0, View::contiguous(&[2, 2]), DType::F32)],
        1,
    );
    k.out_shape = vec![2];
    assert!(try_run(&d, &k, &[HostData::F32(vec![0.0; 4])]).is_err());
}
