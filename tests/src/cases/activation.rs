//! Activations, softmax and logSoftmax. Inputs stay away from the kinks (0, and 6 for relu6).

use ferroflow::DType::F32;
use ferroflow::{Result, Tensor};

use crate::conformance::reference::{along_axis, erf, map, zip, Arr};
use crate::conformance::{Case, Rng, Tol};

type UnaryFn = fn(&Tensor) -> Result<Tensor>;

const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;
const SELU_SCALE: f64 = 1.050_700_987_355_480_5;

fn relu(x: f64) -> f64 {
    x.max(0.0)
}
fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}
fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}
fn softmax(lane: &[f64]) -> Vec<f64> {
    let m = lane.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let s: f64 = lane.iter().map(|x| (x - m).exp()).sum();
    lane.iter().map(|x| (x - m).exp() / s).collect()
}
fn log_softmax(lane: &[f64]) -> Vec<f64> {
    softmax(lane).into_iter().map(f64::ln).collect()
}

pub fn cases() -> Vec<Case> {
    let mut r = Rng::new(0xac7);
    let mut v = vec![];
    let shape = [3, 5];
    let mut x = |avoid: &[f64]| Arr::f32(&shape, r.away_from(15, -3.0, 3.0, avoid, 0.1));
    let table: [(&'static str, UnaryFn, fn(f64) -> f64, &[f64]); 10] = [
        ("relu", Tensor::relu, relu, &[0.0]),
        (
            "leakyRelu",
            |t| t.leaky_relu(0.2),
            |x| if x > 0.0 { x } else { 0.2 * x },
            &[0.0],
        ),
        ("elu", Tensor::elu, |x| if x > 0.0 { x } else { x.exp_m1() }, &[0.0]),
        (
            "selu",
            Tensor::selu,
            |x| SELU_SCALE * if x > 0.0 { x } else { SELU_ALPHA * x.exp_m1() },
            &[0.0],
        ),
        ("sigmoid", Tensor::sigmoid, sigmoid, &[]),
        ("softplus", Tensor::softplus, softplus, &[]),
        ("softsign", Tensor::softsign, |x| x / (1.0 + x.abs()), &[0.0]),
        (
            "gelu",
            Tensor::gelu,
            |x| 0.5 * x * (1.0 + erf(x / std::f64::consts::SQRT_2)),
            &[],
        ),
        ("swish", Tensor::swish, |x| x * sigmoid(x), &[]),
        ("mish", Tensor::mish, |x| x * softplus(x).tanh(), &[]),
    ];
    for (op, f, rf, avoid) in table {
        v.push(
            Case::new(op, vec![x(avoid)], move |t| f(&t[0]))
                .reference(move |a| map(&a[0], F32, rf))
                .tol(Tol::MATH)
                .grad(Tol::GRAD),
        );
    }
    // Large magnitudes: saturation without overflow or NaN, in value and gradient.
    let big = Arr::f32(&[6], vec![-80.0, -20.0, -0.5, 0.5, 20.0, 80.0]);
    for (op, f, rf) in [
        ("relu", Tensor::relu as UnaryFn, relu as fn(f64) -> f64),
        ("sigmoid", Tensor::sigmoid, sigmoid),
        ("softplus", Tensor::softplus, softplus),
    ] {
        v.push(
            Case::new(op, vec![big.clone()], move |t| f(&t[0]))
                .variant("large")
                .reference(move |a| map(&a[0], F32, rf))
                .tol(Tol::MATH)
                .grad(Tol::GRAD),
        );
    }
    let r6 = Arr::f32(&shape, Rng::new(6).away_from(15, -2.0, 8.0, &[0.0, 6.0], 0.1));
    v.push(
        Case::new("relu6", vec![r6], |t| t[0].relu6())
            .reference(|a| map(&a[0], F32, |x| x.clamp(0.0, 6.0)))
            .tol(Tol::EXACT)
            .grad(Tol::GRAD),
    );
    let px = Arr::f32(&[2, 3, 4], Rng::new(7).away_from(24, -3.0, 3.0, &[0.0], 0.1));
    let alpha = Arr::f32(&[4], vec![0.1, 0.25, -0.3, 0.5]);
    v.push(
        Case::new("prelu", vec![px, alpha], |t| t[0].prelu(&t[1]))
            .variant("broadcast-alpha")
            .reference(|a| zip(&a[0], &a[1], F32, |x, al| if x > 0.0 { x } else { al * x }))
            .tol(Tol::F32)
            .grad(Tol::GRAD),
    );

    let mut r = Rng::new(0x50f);
    let logits = Arr::f32(&[3, 4], r.uniform(12, -3.0, 3.0));
    for (axis, name) in [(-1isize, "axis-1"), (0, "axis0")] {
        let ax = if axis < 0 { 1 } else { 0 };
        v.push(
            Case::new("softmax", vec![logits.clone()], move |t| t[0].softmax(axis))
                .variant(name)
                .reference(move |a| along_axis(&a[0], ax, softmax))
                .tol(Tol::MATH)
                .grad(Tol::GRAD),
        );
        v.push(
            Case::new("logSoftmax", vec![logits.clone()], move |t| t[0].log_softmax(axis))
                .variant(name)
                .reference(move |a| along_axis(&a[0], ax, log_softmax))
                .tol(Tol::MATH)
                .grad(Tol::GRAD),
        );
    }
    let large = Arr::f32(&[2, 3], vec![1000.0, 1001.0, 999.0, -1000.0, -1002.0, -1001.0]);
    v.push(
        Case::new("softmax", vec![large.clone()], |t| t[0].softmax(-1))
            .variant("large-logits")
            .reference(|a| along_axis(&a[0], 1, softmax))
            .tol(Tol::MATH)
            .grad(Tol::GRAD),
    );
    v.push(
        Case::new("logSoftmax", vec![large], |t| t[0].log_softmax(-1))
            .variant("large-logits")
            .reference(|a| along_axis(&a[0], 1, log_softmax))
            // x - logSumExp(x) at |x| ~ 1000 cancels: one f32 ulp of 1000 is 6e-5.
            .tol(Tol::new(1e-5, 2e-4))
            .grad(Tol::GRAD),
    );
    let xs = Arr::f32(&shape, Rng::new(0x15).away_from(15, -25.0, 25.0, &[0.0], 0.1));
    v.push(
        Case::new("logSigmoid", vec![xs.clone()], |t| t[0].log_sigmoid())
            .reference(|a| map(&a[0], F32, |x| -softplus(-x)))
            .tol(Tol::MATH)
            .grad(Tol::GRAD),
    );
    v.push(
        Case::new("step", vec![xs], |t| t[0].step(0.3))
            .reference(|a| map(&a[0], F32, |x| if x > 0.0 { 1.0 } else { 0.3 }))
            .tol(Tol::EXACT)
            .grad(Tol::GRAD),
    );
    v
}
