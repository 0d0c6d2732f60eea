#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use ferroflow_core::ir::primitive::{rand_bits, uniform_from_bits};
use ferroflow_core::ir::{BinaryOp, ExprOp, Source, UnaryOp, View};
use ferroflow_core::{DType, HostData, Scalar};

fn check_unary(op: UnaryOp, dtype: DType, input: HostData) {
    let d = dev();
    let n = input.len();
    let k = elementwise(
        &[n],
        vec![
            load(0, View::contiguous(&[n]), dtype),
            node(ExprOp::Unary(op, 0), dtype),
        ],
        1,
    );
    let got = run(&d, &k, std::slice::from_ref(&input));
    let want: Vec<Scalar> = to_scalars(&input).into_iter().map(|x| ref_unary(op, x)).collect();
    match op {
        // Computed with vectorizable approximations: within 2 ulp of the f64 result (or a tiny
        // absolute error where the result underflows).
        UnaryOp::Exp | UnaryOp::Log | UnaryOp::Tanh | UnaryOp::Sigmoid => {
            for (g, w) in to_scalars(&got).iter().zip(&want) {
                let (Scalar::F32(g), Scalar::F32(w)) = (g, w) else {
                    panic!()
                };
                assert!(
                    ulps(*g, *w) <= 2 || (g - w).abs() < 1e-37,
                    "{}: got {g:e}, want {w:e}",
                    op.name()
                );
            }
        }
        UnaryOp::Erf => assert_close(&got, &want, 1.5e-7, op.name()),
        _ => assert_close(&got, &want, 0.0, op.name()),
    }
}

fn specials() -> Vec<f32> {
    let mut v = vec![
        0.0,
        -0.0,
        0.5,
        -0.5,
        1.5,
        -1.5,
        2.5,
        -2.5,
        3.5,
        1.0,
        -1.0,
        2.0,
        1e-3,
        -7.25,
        88.0,
        -88.0,
        100.0,
        -100.0,
        1e30,
        -1e30,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        f32::MIN_POSITIVE,
        8388609.0,
    ];
    let mut r = Lcg(7);
    v.extend((0..3000).map(|_| r.f32() * 6.0));
    v
}

#[test]
fn every_unary_op() {
    for op in [
        UnaryOp::Neg,
        UnaryOp::Exp,
        UnaryOp::Log,
        UnaryOp::Sqrt,
        UnaryOp::Recip,
        UnaryOp::Sin,
        UnaryOp::Cos,
        UnaryOp::Tanh,
        UnaryOp::Sigmoid,
        UnaryOp::Erf,
        UnaryOp::Floor,
        UnaryOp::Ceil,
        UnaryOp::Round,
    ] {
        check_unary(op, DType::F32, HostData::F32(specials()));
    }
    check_unary(
        UnaryOp::Neg,
        DType::I32,
        HostData::I32(vec![0, 1, -1, i32::MAX, i32::MIN, 12345]),
    );
    check_unary(
        UnaryOp::Not,
        DType::Bool,
        HostData::Bool(vec![true, false, false, true]),
    );
}

#[test]
fn unary_literals() {
    let d = dev();
    let un = |op: UnaryOp, x: Vec<f32>| -> Vec<f32> {
        let n = x.len();
        let k = elementwise(
            &[n],
            vec![
                load(0, View::contiguous(&[n]), DType::F32),
                node(ExprOp::Unary(op, 0), DType::F32),
            ],
            1,
        );
        run(&d, &k, &[HostData::F32(x)]).as_f32("t").unwrap().to_vec()
    };
    let r = un(UnaryOp::Round, vec![0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.7, -3.2, 1e20]);
    assert_eq!(r, vec![0.0, 2.0, 2.0, -0.0, -2.0, -2.0, 4.0, -3.0, 1e20]);
    assert!(r[3].is_sign_negative());
    let s = un(UnaryOp::Sigmoid, vec![-1000.0, 1000.0, 0.0]);
    assert_eq!(s, vec![0.0, 1.0, 0.5]);
    let t = un(UnaryOp::Tanh, vec![-1000.0, 1000.0]);
    assert_eq!(t, vec![-1.0, 1.0]);
    // exp, tanh and sigmoid over dense sweeps, within 2 ulp of f64.
    let xs: Vec<f32> = (-110_000..=110_000).map(|i| i as f32 * 1e-3).collect();
    for (op, f) in [(UnaryOp::Exp, f64::exp as fn(f64) -> f64), (UnaryOp::Tanh, f64::tanh)] {
        let got = un(op, xs.clone());
        for (x, g) in xs.iter().zip(&got) {
            let w = f(*x as f64) as f32;
            assert!(
                ulps(*g, w) <= 2 || (g - w).abs() < 1e-37,
                "{}({x}) = {g:e}, want {w:e}",
                op.name()
            );
        }
    }
    // ln over positive values from subnormals to the largest float (bit patterns stepped).
    let xs: Vec<f32> = (1u32..0x7f80_0000).step_by(997).map(f32::from_bits).collect();
    let got = un(UnaryOp::Log, xs.clone());
    for (x, g) in xs.iter().zip(&got) {
        let w = (*x as f64).ln() as f32;
        assert!(ulps(*g, w) <= 2, "ln({x:e}) = {g:e}, want {w:e}");
    }
    let l = un(
        UnaryOp::Log,
        vec![0.0, -0.0, -1.0, f32::INFINITY, f32::NEG_INFINITY, f32::NAN, 1.0],
    );
    assert_eq!(
        (l[0], l[1], l[3], l[6]),
        (f32::NEG_INFINITY, f32::NEG_INFINITY, f32::INFINITY, 0.0)
    );
    assert!(l[2].is_nan() && l[4].is_nan() && l[5].is_nan());
    assert_eq!(
        un(UnaryOp::Exp, vec![0.0, f32::INFINITY, f32::NEG_INFINITY, 89.0, -104.0]),
        vec![1.0, f32::INFINITY, 0.0, f32::INFINITY, 0.0]
    );
    assert!(un(UnaryOp::Exp, vec![f32::NAN])[0].is_nan() && un(UnaryOp::Tanh, vec![f32::NAN])[0].is_nan());
    assert_eq!(
        un(UnaryOp::Tanh, vec![0.0, -0.0, f32::INFINITY, f32::NEG_INFINITY]),
        vec![0.0, -0.0, 1.0, -1.0]
    );
    // erf within 1.5e-7 of an f64 series over a sweep.
    let xs: Vec<f32> = (-6000..=6000).map(|i| i as f32 * 1e-3).collect();
    let e = un(UnaryOp::Erf, xs.clone());
    for (x, y) in xs.iter().zip(&e) {
        assert!((*y as f64 - ref_erf(*x as f64)).abs() <= 1.5e-7, "erf({x}) = {y}");
    }
}

fn binary_kernel(op: BinaryOp, dtype: DType, n: usize) -> ferroflow_core::ir::Kernel {
    let out = op.result_dtype(dtype);
    elementwise(
        &[n],
        vec![
            load(0, View::contiguous(&[n]), dtype),
            load(1, View::contiguous(&[n]), dtype),
            node(ExprOp::Binary(op, 0, 1), out),
        ],
        2,
    )
}

#[test]
fn every_binary_op_f32_all_pairs() {
    let d = dev();
    let s = specials()[..25].to_vec();
    let (mut a, mut b) = (vec![], vec![]);
    for &x in &s {
        for &y in &s {
            a.push(x);
            b.push(y);
        }
    }
    let n = a.len();
    for op in [
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::Pow,
        BinaryOp::Max,
        BinaryOp::Min,
        BinaryOp::Mod,
        BinaryOp::Lt,
        BinaryOp::Le,
        BinaryOp::Eq,
    ] {
        let k = binary_kernel(op, DType::F32, n);
        let got = run(&d, &k, &[HostData::F32(a.clone()), HostData::F32(b.clone())]);
        let want: Vec<Scalar> = a
            .iter()
            .zip(&b)
            .map(|(&x, &y)| ref_binary(op, Scalar::F32(x), Scalar::F32(y)))
            .collect();
        assert_close(&got, &want, 0.0, op.name());
    }
}

#[test]
fn every_binary_op_i32_all_pairs() {
    let d = dev();
    let s = vec![
        0,
        1,
        -1,
        2,
        -2,
        3,
        -3,
        7,
        -7,
        10,
        31,
        32,
        -31,
        100,
        -100,
        i32::MAX,
        i32::MIN,
        i32::MAX - 1,
        i32::MIN + 1,
    ];
    let (mut a, mut b) = (vec![], vec![]);
    for &x in &s {
        for &y in &s {
            a.push(x);
            b.push(y);
        }
    }
    let n = a.len();
    for op in [
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::Pow,
        BinaryOp::Max,
        BinaryOp::Min,
        BinaryOp::Mod,
        BinaryOp::Lt,
        BinaryOp::Le,
        BinaryOp::Eq,
    ] {
        let k = binary_kernel(op, DType::I32, n);
        let got = run(&d, &k, &[HostData::I32(a.clone()), HostData::I32(b.clone())]);
        let want: Vec<Scalar> = a
            .iter()
            .zip(&b)
            .map(|(&x, &y)| ref_binary(op, Scalar::I32(x), Scalar::I32(y)))
            .collect();
        assert_close(&got, &want, 0.0, op.name());
    }
}

#[test]
fn integer_and_float_literals() {
    let d = dev();
    let bin_i = |op: BinaryOp, a: Vec<i32>, b: Vec<i32>| -> Vec<i32> {
        let k = binary_kernel(op, DType::I32, a.len());
        run(&d, &k, &[HostData::I32(a), HostData::I32(b)])
            .as_i32("t")
            .unwrap()
            .to_vec()
    };
    let a = vec![7, -7, 7, -7, 5, i32::MIN, i32::MIN, 0, -6, 6];
    let b = vec![2, 2, -2, -2, 0, -1, 1, -3, 3, 3];
    assert_eq!(
        bin_i(BinaryOp::Div, a.clone(), b.clone()),
        vec![3, -4, -4, 3, 0, i32::MIN, i32::MIN, 0, -2, 2]
    );
    assert_eq!(bin_i(BinaryOp::Mod, a, b), vec![1, 1, -1, -1, 0, 0, 0, 0, 0, 0]);
    assert_eq!(
        bin_i(
            BinaryOp::Pow,
            vec![2, -3, 2, 2, 1, -1, -1, 0, 0, 5],
            vec![10, 3, 31, -1, -5, -3, -2, -1, 0, 0]
        ),
        vec![1024, -27, i32::MIN, 0, 1, -1, 1, 0, 1, 1]
    );
    assert_eq!(bin_i(BinaryOp::Add, vec![i32::MAX], vec![1]), vec![i32::MIN]);
    assert_eq!(bin_i(BinaryOp::Mul, vec![65536], vec![65536]), vec![0]);
    let bin_f = |op: BinaryOp, a: Vec<f32>, b: Vec<f32>| -> Vec<f32> {
        let k = binary_kernel(op, DType::F32, a.len());
        run(&d, &k, &[HostData::F32(a), HostData::F32(b)])
            .as_f32("t")
            .unwrap()
            .to_vec()
    };
    assert_eq!(
        bin_f(BinaryOp::Mod, vec![5.5, -5.5, 5.5, -5.5], vec![2.0, 2.0, -2.0, -2.0]),
        vec![1.5, 0.5, -0.5, -1.5]
    );
    let m = bin_f(BinaryOp::Max, vec![f32::NAN, 1.0, 2.0], vec![1.0, f32::NAN, 1.0]);
    assert!(m[0].is_nan() && m[1].is_nan() && m[2] == 2.0);
    let m = bin_f(BinaryOp::Min, vec![f32::NAN, 1.0, 2.0], vec![1.0, f32::NAN, 1.0]);
    assert!(m[0].is_nan() && m[1].is_nan() && m[2] == 1.0);
}

#[test]
fn bool_ops_where_and_casts() {
    let d = dev();
    let a = vec![true, true, false, false];
    let b = vec![true, false, true, false];
    for op in [BinaryOp::And, BinaryOp::Or, BinaryOp::Eq] {
        let k = binary_kernel(op, DType::Bool, 4);
        let got = run(&d, &k, &[HostData::Bool(a.clone()), HostData::Bool(b.clone())]);
        let want: Vec<Scalar> = a
            .iter()
            .zip(&b)
            .map(|(&x, &y)| ref_binary(op, Scalar::Bool(x), Scalar::Bool(y)))
            .collect();
        assert_close(&got, &want, 0.0, op.name());
    }
    // where(c, x, y) for each branch dtype.
    for (dt, x, y) in [
        (
            DType::F32,
            HostData::F32(vec![1.0, 2.0, 3.0, 4.0]),
            HostData::F32(vec![-1.0, -2.0, -3.0, -4.0]),
        ),
        (
            DType::I32,
            HostData::I32(vec![1, 2, 3, 4]),
            HostData::I32(vec![-1, -2, -3, -4]),
        ),
        (
            DType::Bool,
            HostData::Bool(vec![true; 4]),
            HostData::Bool(vec![false; 4]),
        ),
    ] {
        let v = View::contiguous(&[4]);
        let k = elementwise(
            &[4],
            vec![
                load(0, v.clone(), DType::Bool),
                load(1, v.clone(), dt),
                load(2, v, dt),
                node(ExprOp::Where(0, 1, 2), dt),
            ],
            3,
        );
        let got = run(&d, &k, &[HostData::Bool(a.clone()), x.clone(), y.clone()]);
        let want: Vec<Scalar> = (0..4)
            .map(|i| if a[i] { x.get(i).unwrap() } else { y.get(i).unwrap() })
            .collect();
        assert_close(&got, &want, 0.0, "where");
    }
    // Casts between all dtypes.
    let f = vec![
        2.7,
        -2.7,
        f32::NAN,
        1e10,
        -1e10,
        f32::INFINITY,
        0.0,
        -0.0,
        0.1,
        16777217.0,
    ];
    let i = vec![0, 1, -1, i32::MAX, i32::MIN, 16777217, 7, -7, 2, 3];
    let bo = vec![true, false, true, true, false, false, true, false, true, false];
    let srcs = [
        (DType::F32, HostData::F32(f)),
        (DType::I32, HostData::I32(i)),
        (DType::Bool, HostData::Bool(bo)),
    ];
    for (from, data) in &srcs {
        for to in [DType::F32, DType::I32, DType::Bool] {
            let k = elementwise(
                &[10],
                vec![load(0, View::contiguous(&[10]), *from), node(ExprOp::Cast(0), to)],
                1,
            );
            let got = run(&d, &k, std::slice::from_ref(data));
            let want: Vec<Scalar> = to_scalars(data).into_iter().map(|s| s.cast(to)).collect();
            assert_close(&got, &want, 0.0, "cast");
        }
    }
    let k = elementwise(
        &[3],
        vec![
            load(0, View::contiguous(&[3]), DType::F32),
            node(ExprOp::Cast(0), DType::I32),
        ],
        1,
    );
    assert_eq!(
        run(&d, &k, &[HostData::F32(vec![2.7, f32::NAN, 3e9])]),
        HostData::I32(vec![2, 0, i32::MAX])
    );
    let k = elementwise(
        &[3],
        vec![
            load(0, View::contiguous(&[3]), DType::F32),
            node(ExprOp::Cast(0), DType::Bool),
        ],
        1,
    );
    assert_eq!(
        run(&d, &k, &[HostData::F32(vec![-0.0, f32::NAN, 0.5])]),
        HostData::Bool(vec![false, true, true])
    );
}

/// A composite expression over several views, checked against the scalar reference.
fn check_views(shape: &[usize], views: Vec<(View, usize)>, seed: u64) {
    let d = dev();
    let mut r = Lcg(seed);
    let sizes: Vec<usize> = views.iter().map(|(_, n)| *n).collect();
    let inputs: Vec<HostData> = sizes.iter().map(|&n| HostData::F32(r.vec_f32(n))).collect();
    let mut nodes = vec![];
    for (i, (v, _)) in views.iter().enumerate() {
        nodes.push(load(i, v.clone(), DType::F32));
    }
    // ((v0 * v1) + v2 ...) then max(., 0.1) and a constant.
    let mut acc = 0;
    for i in 1..views.len() {
        let op = if i % 2 == 1 { BinaryOp::Mul } else { BinaryOp::Add };
        nodes.push(node(ExprOp::Binary(op, acc, i), DType::F32));
        acc = nodes.len() - 1;
    }
    nodes.push(node(ExprOp::Const(Scalar::F32(0.1)), DType::F32));
    let c = nodes.len() - 1;
    nodes.push(node(ExprOp::Binary(BinaryOp::Max, acc, c), DType::F32));
    let k = elementwise(shape, nodes, views.len());
    let got = run(&d, &k, &inputs);
    let body = match &k.body {
        ferroflow_core::ir::KernelBody::Elementwise(e) => e.clone(),
        _ => unreachable!(),
    };
    let want = ref_eval(&body, &inputs);
    assert_close(&got, &want, 0.0, &format!("views on {shape:?}"));
}

#[test]
fn broadcast_permute_flip_pad_slice_views() {
    // Broadcasting: [3,1] and [1,4] to [3,4], plus a scalar.
    let a = View::contiguous(&[3, 1]).expand(&[3, 4]);
    let b = View::contiguous(&[1, 4]).expand(&[3, 4]);
    let s = View::contiguous(&[1, 1]).expand(&[3, 4]);
    check_views(&[3, 4], vec![(a, 3), (b, 4), (s, 1)], 1);

    // Large (multi-block, multi-thread) with permutes and broadcasts.
    let shape = [64, 33, 47];
    let p = View::contiguous(&[47, 64, 33]).permute(&[1, 2, 0]);
    let e = View::contiguous(&[64, 1, 47]).expand(&shape);
    let c = View::contiguous(&shape);
    check_views(&shape, vec![(p, 47 * 64 * 33), (e, 64 * 47), (c, 64 * 33 * 47)], 2);

    // Flips and slices with steps.
    let f = View::contiguous(&[20, 30])
        .flip(&[0, 1])
        .slice(&[1, 2], &[9, 14], &[2, 2]);
    let g = View::contiguous(&[9, 14]).flip(&[1]);
    let h = View::contiguous(&[40, 50]).slice(&[3, 5], &[9, 14], &[4, 3]).flip(&[0]);
    check_views(&[9, 14], vec![(f, 600), (g, 126), (h, 2000)], 3);

    // Padding (masks) including on the last dim and combined with flips/permutes/broadcasts.
    let p1 = View::contiguous(&[5, 6]).pad(&[(2, 1), (3, 4)]);
    let p2 = View::contiguous(&[6, 5])
        .permute(&[1, 0])
        .pad(&[(0, 3), (7, 0)])
        .flip(&[1]);
    let p3 = View::contiguous(&[1, 13]).pad(&[(0, 0), (0, 0)]).expand(&[8, 13]);
    check_views(&[8, 13], vec![(p1, 30), (p2, 30), (p3, 13)], 4);

    // Big masked view spanning many blocks and threads.
    let big = View::contiguous(&[300, 250]).pad(&[(5, 7), (11, 3)]).flip(&[0]);
    let big2 = View::contiguous(&[312, 264]);
    check_views(&[312, 264], vec![(big, 75000), (big2, 312 * 264)], 5);

    // Pad then slice back into the valid region, and a view that is entirely masked out.
    let ps = View::contiguous(&[10]).pad(&[(4, 4)]).slice(&[2], &[12], &[1]);
    let none = View::contiguous(&[1])
        .pad(&[(1, 0)])
        .slice(&[0], &[1], &[1])
        .expand(&[12]);
    check_views(&[12], vec![(ps, 10), (none, 1)], 6);

    // Transposed sources over wide rows (2-D tiled iteration), ragged tile edges, masks.
    let t1 = View::contiguous(&[200, 130]).permute(&[1, 0]);
    let t2 = View::contiguous(&[190, 127])
        .permute(&[1, 0])
        .pad(&[(2, 1), (4, 6)])
        .flip(&[0]);
    let t3 = View::contiguous(&[130, 200]);
    check_views(&[130, 200], vec![(t1, 26000), (t2, 190 * 127), (t3, 26000)], 10);
    let t4 = View::contiguous(&[3, 100, 70]).permute(&[0, 2, 1]);
    check_views(
        &[3, 70, 100],
        vec![(t4, 21000), (View::contiguous(&[1, 1, 100]).expand(&[3, 70, 100]), 100)],
        11,
    );

    // Rank 0 and size-0 shapes.
    check_views(&[], vec![(View::contiguous(&[]), 1), (View::contiguous(&[]), 1)], 7);
    check_views(&[3, 0, 2], vec![(View::contiguous(&[3, 0, 2]), 0)], 8);
    // Offset view into the middle of a buffer, high rank.
    let mut o = View::contiguous(&[2, 3, 2, 3, 2, 3, 2, 3, 2, 2]);
    o.offset = 5;
    check_views(
        &o.shape.clone(),
        vec![(o, 5 + 2 * 3 * 2 * 3 * 2 * 3 * 2 * 3 * 2 * 2)],
        9,
    );
}

#[test]
fn rand_and_arange_sources() {
    let d = dev();
    // Rand over a contiguous 2-D shape, and through a flipped, sliced view (offsets change).
    for view in [
        View::contiguous(&[37, 71]),
        View::contiguous(&[80, 100])
            .slice(&[3, 4], &[37, 71], &[2, 1])
            .flip(&[1]),
        View::contiguous(&[37, 71]).pad(&[(0, 0), (0, 0)]),
        View::contiguous(&[30, 71]).pad(&[(3, 4), (0, 0)]),
    ] {
        let k = elementwise(
            &[37, 71],
            vec![node(
                ExprOp::Load {
                    src: Source::Rand { seed_input: 0 },
                    view: view.clone(),
                },
                DType::F32,
            )],
            1,
        );
        let got = run(&d, &k, &[seed_words(0x1234_5678_9abc_def0)]);
        let want: Vec<Scalar> = indices(&[37, 71])
            .iter()
            .map(|i| {
                Scalar::F32(
                    view.index(i)
                        .map_or(0.0, |o| uniform_from_bits(rand_bits(0x1234_5678_9abc_def0, o as u32))),
                )
            })
            .collect();
        assert_close(&got, &want, 0.0, "rand");
    }
    // Contiguous rand equals the documented formula.
    let k = elementwise(
        &[5],
        vec![node(
            ExprOp::Load {
                src: Source::Rand { seed_input: 0 },
                view: View::contiguous(&[5]),
            },
            DType::F32,
        )],
        1,
    );
    let got = run(&d, &k, &[seed_words(42)]);
    let want: Vec<f32> = (0..5).map(|i| uniform_from_bits(rand_bits(42, i))).collect();
    assert_eq!(got, HostData::F32(want));

    // Arange: plain, reversed, padded and broadcast; plus arithmetic on it.
    let ar = |v: View| {
        node(
            ExprOp::Load {
                src: Source::Arange,
                view: v,
            },
            DType::I32,
        )
    };
    let k = elementwise(&[6], vec![ar(View::contiguous(&[6]))], 0);
    assert_eq!(run(&d, &k, &[]), HostData::I32(vec![0, 1, 2, 3, 4, 5]));
    let k = elementwise(&[6], vec![ar(View::contiguous(&[4]).flip(&[0]).pad(&[(1, 1)]))], 0);
    assert_eq!(run(&d, &k, &[]), HostData::I32(vec![0, 3, 2, 1, 0, 0]));
    let k = elementwise(
        &[3, 4],
        vec![
            ar(View::contiguous(&[3, 1]).expand(&[3, 4])),
            ar(View::contiguous(&[1, 4]).expand(&[3, 4])),
            node(ExprOp::Const(Scalar::I32(10)), DType::I32),
            node(ExprOp::Binary(BinaryOp::Mul, 0, 2), DType::I32),
            node(ExprOp::Binary(BinaryOp::Add, 3, 1), DType::I32),
            node(ExprOp::Cast(4), DType::F32),
        ],
        0,
    );
    assert_eq!(
        run(&d, &k, &[]),
        HostData::F32(vec![0., 1., 2., 3., 10., 11., 12., 13., 20., 21., 22., 23.])
    );
    // A masked constant load (padded constant) and an i32 masked input.
    let k = elementwise(
        &[5],
        vec![node(
            ExprOp::Load {
                src: Source::Const(Scalar::F32(2.5)),
                view: View::contiguous(&[1]).expand(&[3]).pad(&[(1, 1)]),
            },
            DType::F32,
        )],
        0,
    );
    assert_eq!(run(&d, &k, &[]), HostData::F32(vec![0.0, 2.5, 2.5, 2.5, 0.0]));
    let k = elementwise(
        &[5],
        vec![load(0, View::contiguous(&[3]).pad(&[(2, 0)]), DType::Bool)],
        1,
    );
    assert_eq!(
        run(&d, &k, &[HostData::Bool(vec![true; 3])]),
        HostData::Bool(vec![false, false, true, true, true])
    );
}

/// `x + rand` with `x` in slot 0 and the rand seed in slot 1.
fn rand_plus_input(n: usize) -> ferroflow_core::ir::Kernel {
    elementwise(
        &[n],
        vec![
            load(0, View::contiguous(&[n]), DType::F32),
            node(
                ExprOp::Load {
                    src: Source::Rand { seed_input: 1 },
                    view: View::contiguous(&[n]),
                },
                DType::F32,
            ),
            node(ExprOp::Binary(BinaryOp::Add, 0, 1), DType::F32),
        ],
        2,
    )
}

#[test]
fn rand_seed_is_a_runtime_input() {
    use std::collections::hash_map::DefaultHasher;
    use std::hash::{Hash, Hasher};
    let hash = |k: &ferroflow_core::ir::Kernel| {
        let mut h = DefaultHasher::new();
        k.hash(&mut h);
        h.finish()
    };
    let d = dev();
    let n = 1000;
    // Two separately built kernels: the seed is not part of the kernel, so they are equal
    // (one compile-cache entry for every seed).
    let (k1, k2) = (rand_plus_input(n), rand_plus_input(n));
    assert_eq!(k1, k2);
    assert_eq!(hash(&k1), hash(&k2));
    let x: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let base = 0x1234_5678_9abc_def0_u64;
    // Seeds differing in the low word, in the high word only, and the same seed again.
    let seeds = [base, base ^ 1, base ^ (1 << 40), base];
    let mut outs = Vec::new();
    for (i, &seed) in seeds.iter().enumerate() {
        let k = if i % 2 == 0 { &k1 } else { &k2 };
        let got = run(&d, k, &[HostData::F32(x.clone()), seed_words(seed)]);
        let want: Vec<f32> = (0..n)
            .map(|j| x[j] + uniform_from_bits(rand_bits(seed, j as u32)))
            .collect();
        assert_eq!(got, HostData::F32(want), "seed {seed:#x}");
        outs.push(got);
    }
    assert_ne!(outs[0], outs[1], "low seed word ignored");
    assert_ne!(outs[0], outs[2], "high seed word ignored");
    assert_ne!(outs[1], outs[2]);
    assert_eq!(outs[0], outs[3]);
}

#[test]
fn rand_seed_input_errors() {
    let d = dev();
    let n = 16;
    let x = HostData::F32(vec![0.0; n]);
    let k = rand_plus_input(n);
    assert!(try_run(&d, &k, &[x.clone(), seed_words(7)]).is_ok());
    for bad in [
        HostData::F32(vec![7.0, 0.0]),
        HostData::Bool(vec![true, false]),
        HostData::I32(vec![7]),
        HostData::I32(vec![]),
    ] {
        assert!(
            try_run(&d, &k, &[x.clone(), bad.clone()]).is_err(),
            "seed input {bad:?}"
        );
    }
    // Missing seed input.
    assert!(try_run(&d, &k, std::slice::from_ref(&x)).is_err());
    // A seed slot outside the kernel's inputs.
    let rand_at = |slot: usize| {
        node(
            ExprOp::Load {
                src: Source::Rand { seed_input: slot },
                view: View::contiguous(&[n]),
            },
            DType::F32,
        )
    };
    let k = elementwise(&[n], vec![rand_at(1)], 1);
    assert!(try_run(&d, &k, &[seed_words(7)]).is_err());
    // The seed slot also loaded as float32 by another node.
    let k = elementwise(
        &[n],
        vec![
            rand_at(0),
            load(0, View::contiguous(&[n]), DType::F32),
            node(ExprOp::Binary(BinaryOp::Add, 0, 1), DType::F32),
        ],
        1,
    );
    assert!(try_run(&d, &k, &[seed_words(7)]).is_err());
}

#[test]
fn fused_relu_axpy_large() {
    // relu(a*b + c) over 1M elements (multi-threaded path).
    let d = dev();
    let n = 1 << 20;
    let mut r = Lcg(11);
    let (a, b, c) = (r.vec_f32(n), r.vec_f32(n), r.vec_f32(n));
    let v = View::contiguous(&[1024, 1024]);
    let k = elementwise(
        &[1024, 1024],
        vec![
            load(0, v.clone(), DType::F32),
            load(1, v.clone(), DType::F32),
            load(2, v, DType::F32),
            node(ExprOp::Binary(BinaryOp::Mul, 0, 1), DType::F32),
            node(ExprOp::Binary(BinaryOp::Add, 3, 2), DType::F32),
            node(ExprOp::Const(Scalar::F32(0.0)), DType::F32),
            node(ExprOp::Binary(BinaryOp::Max, 4, 5), DType::F32),
        ],
        3,
    );
    let got = run(
        &d,
        &k,
        &[
            HostData::F32(a.clone()),
            HostData::F32(b.clone()),
            HostData::F32(c.clone()),
        ],
    );
    let want: Vec<f32> = (0..n).map(|i| (a[i] * b[i] + c[i]).max(0.0)).collect();
    assert_eq!(got, HostData::F32(want));
}

#[test]
fn single_threaded_backend_matches() {
    let one = ferroflow_core::Device::new(ferroflow_native::CpuBackend::with_threads(1).unwrap());
    assert!(one.description().contains("1 thread"));
    let many = dev();
    let v = View::contiguous(&[400, 300]).pad(&[(1, 0), (0, 2)]).flip(&[1]);
    let k = elementwise(
        &[401, 302],
        vec![load(0, v, DType::F32), node(ExprOp::Unary(UnaryOp::Exp, 0), DType::F32)],
        1,
    );
    let x = HostData::F32(Lcg(3).vec_f32(120000));
    assert_eq!(run(&one, &k, std::slice::from_ref(&x)), run(&many, &k, &[x]));
}
