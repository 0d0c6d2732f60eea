//! Unary math, rounding, clipping, NaN/Inf predicates, int32 unary ops and casts. Inputs stay
//! inside each function's smooth domain (positive for log/sqrt, away from 0 for abs/sign, away
//! from integers for floor/ceil, away from the clip bounds).

use ferroflow::DType::{Bool, F32, I32};
use ferroflow::{Result, Tensor};

use crate::conformance::reference::{erf, map, round_half_even, zip};
use crate::conformance::{Arr, Case, Rng, Tol};

type UnaryFn = fn(&Tensor) -> Result<Tensor>;

/// A float unary op on `x` of `shape`, checked against `r` elementwise.
fn unary(op: &'static str, shape: &[usize], x: Vec<f64>, f: UnaryFn, r: fn(f64) -> f64, tol: Tol) -> Case {
    Case::new(op, vec![Arr::f32(shape, x)], move |t| f(&t[0]))
        .reference(move |a| map(&a[0], a[0].dtype, r))
        .tol(tol)
}

pub fn cases() -> Vec<Case> {
    let mut r = Rng::new(0x3a7);
    let mut v = vec![];
    let f = |s: &[usize], d: Vec<f64>| Arr::f32(s, d);
    let i = |s: &[usize], d: Vec<f64>| Arr::i32(s, d);

    // Unary math, inputs kept inside each function's smooth domain.
    let sh = [3, 5];
    v.push(unary("neg", &sh, r.uniform(15, -3.0, 3.0), Tensor::neg, |x| -x, Tol::EXACT).grad(Tol::GRAD));
    v.push(
        unary(
            "abs",
            &sh,
            r.away_from(15, -1.5, 1.5, &[0.0], 0.1),
            Tensor::abs,
            f64::abs,
            Tol::EXACT,
        )
        .grad(Tol::GRAD),
    );
    v.push(
        unary(
            "sign",
            &sh,
            r.away_from(15, -3.0, 3.0, &[0.0], 0.1),
            Tensor::sign,
            f64::signum,
            Tol::EXACT,
        )
        .grad(Tol::GRAD),
    );
    v.push(
        unary(
            "sign",
            &[4],
            vec![0.0, -0.0, 2.0, -0.5],
            Tensor::sign,
            |x| if x == 0.0 { 0.0 } else { x.signum() },
            Tol::EXACT,
        )
        .variant("zero"),
    );
    let non_int: Vec<f64> = (0..15).map(|_| r.int(-3, 2) as f64 + r.range(0.1, 0.9)).collect();
    v.push(unary("floor", &sh, non_int.clone(), Tensor::floor, f64::floor, Tol::EXACT).grad(Tol::GRAD));
    v.push(unary("ceil", &sh, non_int, Tensor::ceil, f64::ceil, Tol::EXACT).grad(Tol::GRAD));
    let halves = vec![0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49, 0.51, -3.7, 4.2, 3.5, -4.5];
    v.push(unary("round", &[3, 4], halves, Tensor::round, round_half_even, Tol::EXACT).variant("half-to-even"));
    let clip_x = r.away_from(15, -3.0, 3.0, &[-1.0, 1.5], 0.05);
    v.push(
        Case::new("clipByValue", vec![f(&sh, clip_x)], |t| t[0].clip(-1.0, 1.5))
            .reference(|a| map(&a[0], F32, |x| x.clamp(-1.0, 1.5)))
            .tol(Tol::EXACT)
            .grad(Tol::GRAD),
    );
    v.push(
        unary(
            "square",
            &sh,
            r.uniform(15, -3.0, 3.0),
            Tensor::square,
            |x| x * x,
            Tol::F32,
        )
        .grad(Tol::GRAD),
    );
    v.push(unary("sqrt", &sh, r.uniform(15, 0.2, 4.0), Tensor::sqrt, f64::sqrt, Tol::MATH).grad(Tol::GRAD));
    v.push(
        unary(
            "rsqrt",
            &sh,
            r.uniform(15, 0.2, 4.0),
            Tensor::rsqrt,
            |x| 1.0 / x.sqrt(),
            Tol::MATH,
        )
        .grad(Tol::GRAD),
    );
    v.push(
        unary(
            "reciprocal",
            &sh,
            r.away_from(15, -3.0, 3.0, &[0.0], 0.3),
            Tensor::reciprocal,
            |x| 1.0 / x,
            Tol::MATH,
        )
        .grad(Tol::GRAD),
    );
    v.push(unary("exp", &sh, r.uniform(15, -3.0, 2.5), Tensor::exp, f64::exp, Tol::MATH).grad(Tol::GRAD));
    v.push(unary("log", &sh, r.uniform(15, 0.1, 5.0), Tensor::log, f64::ln, Tol::MATH).grad(Tol::GRAD));
    v.push(
        unary(
            "log1p",
            &sh,
            r.uniform(15, -0.8, 3.0),
            Tensor::log1p,
            f64::ln_1p,
            Tol::LOOSE,
        )
        .grad(Tol::GRAD),
    );
    v.push(
        unary(
            "expm1",
            &sh,
            r.uniform(15, -2.0, 2.0),
            Tensor::expm1,
            f64::exp_m1,
            Tol::LOOSE,
        )
        .grad(Tol::GRAD),
    );
    v.push(unary("sin", &sh, r.uniform(15, -4.0, 4.0), Tensor::sin, f64::sin, Tol::MATH).grad(Tol::GRAD));
    v.push(unary("cos", &sh, r.uniform(15, -4.0, 4.0), Tensor::cos, f64::cos, Tol::MATH).grad(Tol::GRAD));
    v.push(unary("tan", &sh, r.uniform(15, -1.2, 1.2), Tensor::tan, f64::tan, Tol::MATH).grad(Tol::GRAD));
    v.push(
        unary(
            "sinh",
            &sh,
            r.uniform(15, -2.5, 2.5),
            Tensor::sinh,
            f64::sinh,
            Tol::LOOSE,
        )
        .grad(Tol::GRAD),
    );
    v.push(
        unary(
            "cosh",
            &sh,
            r.uniform(15, -2.5, 2.5),
            Tensor::cosh,
            f64::cosh,
            Tol::MATH,
        )
        .grad(Tol::GRAD),
    );
    v.push(
        unary(
            "asinh",
            &sh,
            r.uniform(15, -2.5, 2.5),
            Tensor::asinh,
            f64::asinh,
            Tol::LOOSE,
        )
        .grad(Tol::GRAD),
    );
    v.push(
        unary(
            "acosh",
            &sh,
            r.uniform(15, 1.2, 4.0),
            Tensor::acosh,
            f64::acosh,
            Tol::LOOSE,
        )
        .grad(Tol::GRAD),
    );
    v.push(
        unary(
            "atanh",
            &sh,
            r.uniform(15, -0.85, 0.85),
            Tensor::atanh,
            f64::atanh,
            Tol::LOOSE,
        )
        .grad(Tol::GRAD),
    );
    v.push(
        unary(
            "tanh",
            &sh,
            r.uniform(15, -3.0, 3.0),
            Tensor::tanh,
            f64::tanh,
            Tol::MATH,
        )
        .grad(Tol::GRAD),
    );
    v.push(
        unary(
            "tanh",
            &[4],
            vec![-30.0, 30.0, -90.0, 90.0],
            Tensor::tanh,
            f64::tanh,
            Tol::MATH,
        )
        .variant("saturated")
        .grad(Tol::GRAD),
    );
    v.push(
        unary(
            "erf",
            &sh,
            r.uniform(15, -2.5, 2.5),
            Tensor::erf,
            erf,
            Tol::new(1e-5, 3e-7),
        )
        .grad(Tol::GRAD),
    );

    // Predicates on special values.
    let special = vec![
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.0,
        1.5,
        -2.0,
        f64::NAN,
        3.0e38,
    ];
    for (op, func, pred) in [
        ("isNaN", Tensor::is_nan as UnaryFn, f64::is_nan as fn(f64) -> bool),
        ("isFinite", Tensor::is_finite, f64::is_finite),
        ("isInf", Tensor::is_inf, f64::is_infinite),
    ] {
        v.push(
            Case::new(op, vec![f(&[2, 4], special.clone())], move |t| func(&t[0]))
                .reference(move |a| map(&a[0], Bool, |x| pred(x) as u8 as f64))
                .tol(Tol::EXACT),
        );
    }

    // Integer unary ops keep int32.
    let iu = i(&[2, 4], vec![-7.0, 0.0, 3.0, -1.0, 12.0, -12.0, 5.0, 1.0]);
    for (op, func, rf) in [
        ("neg", Tensor::neg as UnaryFn, (|x: f64| -x) as fn(f64) -> f64),
        ("abs", Tensor::abs, f64::abs),
        ("sign", Tensor::sign, |x| if x == 0.0 { 0.0 } else { x.signum() }),
        ("square", Tensor::square, |x| x * x),
        ("floor", Tensor::floor, f64::floor),
    ] {
        v.push(
            Case::new(op, vec![iu.clone()], move |t| func(&t[0]))
                .variant("int32")
                .reference(move |a| map(&a[0], I32, rf))
                .tol(Tol::EXACT),
        );
    }

    // Casts: float -> int truncates toward zero, nonzero -> true.
    let cx = f(&[2, 4], vec![-2.7, -0.5, 0.0, 0.4, 1.9, 3.0, -3.0, 7.5]);
    for (to, name) in [(I32, "float32-to-int32"), (Bool, "float32-to-bool")] {
        v.push(
            Case::new("cast", vec![cx.clone()], move |t| t[0].cast(to))
                .variant(name)
                .reference(move |a| {
                    map(
                        &a[0],
                        to,
                        |x| if to == I32 { x.trunc() } else { (x != 0.0) as u8 as f64 },
                    )
                })
                .tol(Tol::EXACT),
        );
    }
    v.push(
        Case::new("cast", vec![iu.clone()], |t| t[0].cast(F32))
            .variant("int32-to-float32")
            .reference(|a| map(&a[0], F32, |x| x))
            .tol(Tol::EXACT),
    );
    let bx = Arr::bool(&[5], vec![true, false, false, true, true]);
    v.push(
        Case::new("cast", vec![bx], |t| t[0].cast(F32))
            .variant("bool-to-float32")
            .reference(|a| map(&a[0], F32, |x| x))
            .tol(Tol::EXACT),
    );
    v.push(
        Case::new("cast", vec![iu], |t| t[0].cast(Bool))
            .variant("int32-to-bool")
            .reference(|a| map(&a[0], Bool, |x| (x != 0.0) as u8 as f64))
            .tol(Tol::EXACT),
    );
    v.push(
        Case::new("cast", vec![f(&[3, 2], r.uniform(6, -2.0, 2.0))], |t| {
            t[0].cast(F32)?.mul(3.0f32)
        })
        .variant("float32-identity")
        .reference(|a| map(&a[0], F32, |x| 3.0 * x))
        .grad(Tol::GRAD),
    );
    // atan: all three ranges of its reduction; atan2: all four quadrants, axes and signed zeros.
    v.push(
        unary(
            "atan",
            &sh,
            r.uniform(15, -5.0, 5.0),
            Tensor::atan,
            f64::atan,
            Tol::MATH,
        )
        .grad(Tol::GRAD),
    );
    v.push(
        Case::new(
            "atan2",
            vec![
                f(&[3, 5], r.away_from(15, -3.0, 3.0, &[0.0], 0.1)),
                f(&[5], r.away_from(5, -3.0, 3.0, &[0.0], 0.1)),
            ],
            |t| t[0].atan2(&t[1]),
        )
        .variant("broadcast")
        .reference(|a| zip(&a[0], &a[1], F32, f64::atan2))
        .tol(Tol::MATH)
        .grad(Tol::GRAD),
    );
    v.push(
        Case::new(
            "atan2",
            vec![
                f(&[8], vec![1.0, -1.0, 1.0, -1.0, 0.0, 0.0, 2.0, -3.0]),
                f(&[8], vec![1.0, 1.0, -1.0, -1.0, -1.0, 1.0, 0.0, 0.0]),
            ],
            |t| t[0].atan2(&t[1]),
        )
        .variant("quadrants")
        .reference(|a| zip(&a[0], &a[1], F32, f64::atan2))
        .tol(Tol::MATH),
    );
    v
}
