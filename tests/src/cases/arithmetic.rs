//! Binary arithmetic with broadcasting and dtype promotion: float ops with gradients, int32
//! semantics (floor division and modulo with mixed signs, exact integer pow), NaN propagation.

use ferroflow::DType::{F32, I32};
use ferroflow::{DType, Result, Tensor};

use crate::conformance::reference::{map, zip};
use crate::conformance::{Arr, Case, Rng, Tol};

type BinaryFn = fn(&Tensor, &Tensor) -> Result<Tensor>;
/// A binary op with broadcasting, result dtype `out`.
fn binary(op: &'static str, a: Arr, b: Arr, f: BinaryFn, r: fn(f64, f64) -> f64, out: DType, tol: Tol) -> Case {
    Case::new(op, vec![a, b], move |t| f(&t[0], &t[1]))
        .reference(move |x| zip(&x[0], &x[1], out, r))
        .tol(tol)
}

/// TF floorMod on floats: fmod, shifted to the divisor's sign.
fn floor_mod(a: f64, b: f64) -> f64 {
    let r = a % b;
    if r != 0.0 && (r < 0.0) != (b < 0.0) {
        r + b
    } else {
        r
    }
}

/// TF floorMod on integers.
fn int_mod(a: f64, b: f64) -> f64 {
    let (a, b) = (a as i64, b as i64);
    let r = a % b;
    (if r != 0 && (r < 0) != (b < 0) { r + b } else { r }) as f64
}

/// Pairs `(a, b)` of equal shape with `a / b` at least 0.15 away from an integer, so floor and mod
/// are smooth under finite-difference steps.
fn quotient_pairs(rng: &mut Rng, n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut a = vec![];
    let mut b = vec![];
    for _ in 0..n {
        let d = rng.range(0.7, 2.0) * if rng.bools(1)[0] { 1.0 } else { -1.0 };
        let q = rng.int(-3, 2) as f64 + rng.range(0.15, 0.85);
        a.push(q * d);
        b.push(d);
    }
    (a, b)
}

pub fn cases() -> Vec<Case> {
    let mut r = Rng::new(0xe1e);
    let mut v = vec![];
    let f = |s: &[usize], d: Vec<f64>| Arr::f32(s, d);
    let i = |s: &[usize], d: Vec<f64>| Arr::i32(s, d);

    // Binary float arithmetic with broadcasting [2,3,1] x [4].
    let (a, b) = (f(&[2, 3, 1], r.uniform(6, -2.0, 2.0)), f(&[4], r.uniform(4, -2.0, 2.0)));
    v.push(
        binary(
            "add",
            a.clone(),
            b.clone(),
            |x, y| x.add(y),
            |x, y| x + y,
            F32,
            Tol::F32,
        )
        .variant("broadcast")
        .grad(Tol::GRAD),
    );
    v.push(
        Case::new("add", vec![a.clone()], |t| t[0].add(2.5f32))
            .variant("number")
            .reference(|x| map(&x[0], F32, |v| v + 2.5))
            .grad(Tol::GRAD),
    );
    let c = f(&[3, 1, 4], r.uniform(12, -2.0, 2.0));
    let d = f(&[2, 1], r.uniform(2, -2.0, 2.0));
    v.push(
        binary(
            "sub",
            c.clone(),
            d.clone(),
            |x, y| x.sub(y),
            |x, y| x - y,
            F32,
            Tol::F32,
        )
        .variant("broadcast")
        .grad(Tol::GRAD),
    );
    v.push(
        binary(
            "mul",
            a.clone(),
            b.clone(),
            |x, y| x.mul(y),
            |x, y| x * y,
            F32,
            Tol::F32,
        )
        .variant("broadcast")
        .grad(Tol::GRAD),
    );
    let den = f(&[4], r.away_from(4, -2.0, 2.0, &[0.0], 0.5));
    v.push(
        binary(
            "div",
            a.clone(),
            den.clone(),
            |x, y| x.div(y),
            |x, y| x / y,
            F32,
            Tol::F32,
        )
        .variant("broadcast")
        .grad(Tol::GRAD),
    );
    let base = f(&[3, 4], r.uniform(12, 0.5, 2.0));
    let expo = f(&[4], r.uniform(4, -2.0, 2.0));
    v.push(
        binary("pow", base, expo, |x, y| x.pow(y), f64::powf, F32, Tol::MATH)
            .variant("broadcast")
            .grad(Tol::GRAD),
    );

    // Max/min: all values pairwise >= 0.2 apart so neither ties nor FD steps change the winner.
    let vals = r.distinct(10, -2.0, 2.0);
    let (ma, mb) = (f(&[2, 3, 1], vals[..6].to_vec()), f(&[4], vals[6..].to_vec()));
    v.push(
        binary(
            "maximum",
            ma.clone(),
            mb.clone(),
            |x, y| x.maximum(y),
            f64::max,
            F32,
            Tol::EXACT,
        )
        .variant("broadcast")
        .grad(Tol::GRAD),
    );
    v.push(
        binary("minimum", ma, mb, |x, y| x.minimum(y), f64::min, F32, Tol::EXACT)
            .variant("broadcast")
            .grad(Tol::GRAD),
    );
    let nan_a = f(&[4], vec![f64::NAN, 1.0, -2.0, f64::NAN]);
    let nan_b = f(&[4], vec![0.5, f64::NAN, 3.0, f64::NAN]);
    let nan_max = |x: f64, y: f64| if x.is_nan() || y.is_nan() { f64::NAN } else { x.max(y) };
    let nan_min = |x: f64, y: f64| if x.is_nan() || y.is_nan() { f64::NAN } else { x.min(y) };
    v.push(
        binary(
            "maximum",
            nan_a.clone(),
            nan_b.clone(),
            |x, y| x.maximum(y),
            nan_max,
            F32,
            Tol::EXACT,
        )
        .variant("nan"),
    );
    v.push(binary("minimum", nan_a, nan_b, |x, y| x.minimum(y), nan_min, F32, Tol::EXACT).variant("nan"));

    let (qa, qb) = quotient_pairs(&mut r, 15);
    v.push(
        binary(
            "mod",
            f(&[3, 5], qa.clone()),
            f(&[3, 5], qb.clone()),
            |x, y| x.modulo(y),
            floor_mod,
            F32,
            Tol::LOOSE,
        )
        .grad(Tol::GRAD),
    );
    v.push(
        binary(
            "floorDiv",
            f(&[3, 5], qa),
            f(&[3, 5], qb),
            |x, y| x.floor_div(y),
            |x, y| (x / y).floor(),
            F32,
            Tol::EXACT,
        )
        .grad(Tol::GRAD),
    );
    let sa = f(&[2, 3, 4], r.uniform(24, -2.0, 2.0));
    let sb = f(&[3, 1], r.uniform(3, -2.0, 2.0));
    v.push(
        binary(
            "squaredDifference",
            sa,
            sb,
            |x, y| x.squared_difference(y),
            |x, y| (x - y) * (x - y),
            F32,
            Tol::F32,
        )
        .variant("broadcast")
        .grad(Tol::GRAD),
    );

    // Integer semantics: wrapping-free ranges, floor division/modulo with mixed signs.
    let ia = i(&[2, 3, 1], r.ints(6, -50, 50));
    let ib = i(&[4], r.ints(4, -50, 50));
    v.push(
        binary(
            "add",
            ia.clone(),
            ib.clone(),
            |x, y| x.add(y),
            |x, y| x + y,
            I32,
            Tol::EXACT,
        )
        .variant("int32"),
    );
    v.push(
        binary(
            "sub",
            ia.clone(),
            ib.clone(),
            |x, y| x.sub(y),
            |x, y| x - y,
            I32,
            Tol::EXACT,
        )
        .variant("int32"),
    );
    v.push(
        binary(
            "mul",
            ia.clone(),
            ib.clone(),
            |x, y| x.mul(y),
            |x, y| x * y,
            I32,
            Tol::EXACT,
        )
        .variant("int32"),
    );
    v.push(
        binary(
            "maximum",
            ia.clone(),
            ib.clone(),
            |x, y| x.maximum(y),
            f64::max,
            I32,
            Tol::EXACT,
        )
        .variant("int32"),
    );
    v.push(
        binary(
            "minimum",
            ia.clone(),
            ib.clone(),
            |x, y| x.minimum(y),
            f64::min,
            I32,
            Tol::EXACT,
        )
        .variant("int32"),
    );
    let num = i(
        &[3, 4],
        vec![-7.0, 7.0, -7.0, 7.0, -8.0, 8.0, 0.0, 9.0, -1.0, 1.0, 13.0, -13.0],
    );
    let dvs = i(
        &[3, 4],
        vec![2.0, -2.0, -2.0, 2.0, 4.0, -3.0, 5.0, 3.0, 3.0, -3.0, 5.0, 5.0],
    );
    let fdiv = |x: f64, y: f64| (x / y).floor();
    v.push(binary("div", num.clone(), dvs.clone(), |x, y| x.div(y), fdiv, I32, Tol::EXACT).variant("int32-floor"));
    v.push(
        binary(
            "floorDiv",
            num.clone(),
            dvs.clone(),
            |x, y| x.floor_div(y),
            fdiv,
            I32,
            Tol::EXACT,
        )
        .variant("int32"),
    );
    v.push(
        binary(
            "mod",
            num.clone(),
            dvs.clone(),
            |x, y| x.modulo(y),
            int_mod,
            I32,
            Tol::EXACT,
        )
        .variant("int32"),
    );
    let rn = i(&[2, 3, 1], r.ints(6, -40, 40));
    let rd = i(&[4], r.nonzero_ints(4, -6, 6));
    v.push(
        binary(
            "mod",
            rn.clone(),
            rd.clone(),
            |x, y| x.modulo(y),
            int_mod,
            I32,
            Tol::EXACT,
        )
        .variant("int32-broadcast"),
    );
    v.push(binary("floorDiv", rn, rd, |x, y| x.floor_div(y), fdiv, I32, Tol::EXACT).variant("int32-broadcast"));
    let pb = i(&[2, 4], vec![2.0, -3.0, 0.0, 5.0, -1.0, 1.0, 3.0, -2.0]);
    let pe = i(&[2, 4], vec![3.0, 3.0, 2.0, 0.0, 5.0, 7.0, 4.0, 1.0]);
    v.push(binary("pow", pb, pe, |x, y| x.pow(y), f64::powf, I32, Tol::EXACT).variant("int32"));
    let fl = f(&[3], vec![-1.5, 2.25, 0.5]);
    let it = i(&[2, 1], vec![3.0, -2.0]);
    v.push(
        binary(
            "add",
            fl.clone(),
            it.clone(),
            |x, y| x.add(y),
            |x, y| x + y,
            F32,
            Tol::EXACT,
        )
        .variant("float+int-promotes"),
    );
    let bl = Arr::bool(&[2, 1], vec![true, false]);
    v.push(binary("add", bl.clone(), it, |x, y| x.add(y), |x, y| x + y, I32, Tol::EXACT).variant("bool+int-promotes"));
    v.push(binary("mul", fl, bl, |x, y| x.mul(y), |x, y| x * y, F32, Tol::EXACT).variant("float*bool-promotes"));
    let (a, b, c) = (
        Arr::f32(&[2, 3], r.uniform(6, -2.0, 2.0)),
        Arr::f32(&[2, 3], r.uniform(6, -2.0, 2.0)),
        Arr::f32(&[2, 3], r.uniform(6, -2.0, 2.0)),
    );
    v.push(
        Case::new("addN", vec![a, b, c], ferroflow::ops::add_n)
            .reference(|a| crate::conformance::reference::zip3(&a[0], &a[1], &a[2], F32, |x, y, z| x + y + z))
            .tol(Tol::LOOSE)
            .grad(Tol::GRAD),
    );
    v
}
