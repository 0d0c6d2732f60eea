//! Comparisons (float with deliberate ties, int32, bool), logical ops and `where`.

use ferroflow::DType::{Bool, F32, I32};
use ferroflow::{ops, Result, Tensor};

use crate::conformance::reference::{zip, zip3};
use crate::conformance::{Arr, Case, Rng, Tol};

type BinaryFn = fn(&Tensor, &Tensor) -> Result<Tensor>;
type Pred = fn(f64, f64) -> bool;

fn bool_of(b: bool) -> f64 {
    b as u8 as f64
}

pub fn cases() -> Vec<Case> {
    let mut r = Rng::new(0x10c);
    let mut v = vec![];
    // Small integers stored as floats: many exact ties between the broadcast operands.
    let fa = Arr::f32(&[2, 3, 1], r.ints(6, -2, 2));
    let fb = Arr::f32(&[4], r.ints(4, -2, 2));
    let ia = Arr::i32(&[3, 1], r.ints(3, -3, 3));
    let ib = Arr::i32(&[2, 1, 4], r.ints(8, -3, 3));
    let comparisons: [(&'static str, BinaryFn, Pred); 6] = [
        ("equal", |a, b| a.equal(b), |a, b| a == b),
        ("notEqual", |a, b| a.not_equal(b), |a, b| a != b),
        ("less", |a, b| a.less(b), |a, b| a < b),
        ("lessEqual", |a, b| a.less_equal(b), |a, b| a <= b),
        ("greater", |a, b| a.greater(b), |a, b| a > b),
        ("greaterEqual", |a, b| a.greater_equal(b), |a, b| a >= b),
    ];
    for (op, f, p) in comparisons {
        for (variant, a, b) in [("float32", &fa, &fb), ("int32", &ia, &ib)] {
            v.push(
                Case::new(op, vec![a.clone(), b.clone()], move |t| f(&t[0], &t[1]))
                    .variant(variant)
                    .reference(move |x| zip(&x[0], &x[1], Bool, |a, b| bool_of(p(a, b))))
                    .tol(Tol::EXACT),
            );
        }
    }
    v.push(
        Case::new("less", vec![fa.clone()], |t| t[0].less(0.5f32))
            .variant("number")
            .reference(|x| crate::conformance::reference::map(&x[0], Bool, |a| bool_of(a < 0.5)))
            .tol(Tol::EXACT),
    );

    let ba = Arr::bool(&[2, 3, 1], r.bools(6));
    let bb = Arr::bool(&[4], r.bools(4));
    v.push(
        Case::new("equal", vec![ba.clone(), bb.clone()], |t| t[0].equal(&t[1]))
            .variant("bool")
            .reference(|x| zip(&x[0], &x[1], Bool, |a, b| bool_of(a == b)))
            .tol(Tol::EXACT),
    );
    let logical: [(&'static str, BinaryFn, Pred); 3] = [
        ("logicalAnd", |a, b| a.logical_and(b), |a, b| a != 0.0 && b != 0.0),
        ("logicalOr", |a, b| a.logical_or(b), |a, b| a != 0.0 || b != 0.0),
        ("logicalXor", |a, b| a.logical_xor(b), |a, b| (a != 0.0) != (b != 0.0)),
    ];
    for (op, f, p) in logical {
        v.push(
            Case::new(op, vec![ba.clone(), bb.clone()], move |t| f(&t[0], &t[1]))
                .variant("broadcast")
                .reference(move |x| zip(&x[0], &x[1], Bool, |a, b| bool_of(p(a, b))))
                .tol(Tol::EXACT),
        );
    }
    v.push(
        Case::new("logicalNot", vec![ba.clone()], |t| t[0].logical_not())
            .reference(|x| crate::conformance::reference::map(&x[0], Bool, |a| bool_of(a == 0.0)))
            .tol(Tol::EXACT),
    );

    // where(cond [2,1,4], a [3,4], b [2,3,1]) -> [2,3,4]; gradients flow to the chosen branch.
    let cond = Arr::bool(&[2, 1, 4], r.bools(8));
    let wa = Arr::f32(&[3, 4], r.uniform(12, -2.0, 2.0));
    let wb = Arr::f32(&[2, 3, 1], r.uniform(6, -2.0, 2.0));
    v.push(
        Case::new("where", vec![cond.clone(), wa, wb], |t| {
            ops::where_(&t[0], &t[1], &t[2])
        })
        .variant("broadcast")
        .reference(|x| zip3(&x[0], &x[1], &x[2], F32, |c, a, b| if c != 0.0 { a } else { b }))
        .tol(Tol::EXACT)
        .grad(Tol::GRAD),
    );
    let ia2 = Arr::i32(&[4], r.ints(4, -9, 9));
    let ib2 = Arr::i32(&[2, 1, 1], r.ints(2, -9, 9));
    v.push(
        Case::new("where", vec![cond, ia2, ib2], |t| ops::where_(&t[0], &t[1], &t[2]))
            .variant("int32")
            .reference(|x| zip3(&x[0], &x[1], &x[2], I32, |c, a, b| if c != 0.0 { a } else { b }))
            .tol(Tol::EXACT),
    );
    // Mixed branch dtypes promote (int32 and float32 -> float32).
    let c2 = Arr::bool(&[3], vec![true, false, true]);
    let fi = Arr::i32(&[3], vec![4.0, -5.0, 6.0]);
    let ff = Arr::f32(&[3], vec![0.5, 1.5, -2.5]);
    v.push(
        Case::new("where", vec![c2, fi, ff], |t| ops::where_(&t[0], &t[1], &t[2]))
            .variant("int32-float32-promotes")
            .reference(|x| zip3(&x[0], &x[1], &x[2], F32, |c, a, b| if c != 0.0 { a } else { b }))
            .tol(Tol::EXACT),
    );
    v
}
