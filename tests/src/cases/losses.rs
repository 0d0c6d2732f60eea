//! `tf.losses` with the default reduction (mean over all elements). Inputs are `[labels,
//! predictions]`; references are per-element formulas averaged in f64.

use ferroflow::ops::losses;

use crate::conformance::reference::{reduce, scalar, Arr};
use crate::conformance::{Case, Rng, Tol};

/// Mean over elements of `f(label, prediction)`.
fn mean_of(a: &[Arr], f: impl Fn(f64, f64) -> f64) -> Arr {
    let (l, p) = (&a[0], &a[1]);
    scalar(l.data.iter().zip(&p.data).map(|(&l, &p)| f(l, p)).sum::<f64>() / l.numel().max(1) as f64)
}

/// Softmax cross-entropy over the last axis, averaged over rows.
fn softmax_ce(labels: &Arr, logits: &Arr, smoothing: f64) -> Arr {
    let c = *logits.shape.last().unwrap_or(&1);
    let rows = logits.numel() / c;
    let mut total = 0.0;
    for b in 0..rows {
        let x = &logits.data[b * c..(b + 1) * c];
        let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let lse = m + x.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
        for k in 0..c {
            let l = labels.data[b * c + k] * (1.0 - smoothing) + smoothing / c as f64;
            total -= l * (x[k] - lse);
        }
    }
    scalar(total / rows as f64)
}

/// Random probability rows (each sums to 1).
fn prob_rows(r: &mut Rng, rows: usize, c: usize) -> Vec<f64> {
    let mut v = vec![];
    for _ in 0..rows {
        let w = r.uniform(c, 0.1, 1.0);
        let s: f64 = w.iter().sum();
        v.extend(w.iter().map(|x| x / s));
    }
    v
}

pub fn cases() -> Vec<Case> {
    let mut r = Rng::new(0x1055);
    let mut v = vec![];
    let onehot = Arr::f32(
        &[3, 4],
        vec![0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
    );
    let probs = Arr::f32(&[3, 4], prob_rows(&mut r, 3, 4));
    let logits = Arr::f32(&[3, 4], r.uniform(12, -3.0, 3.0));
    for (name, labels, ls) in [
        ("onehot", onehot.clone(), 0.0),
        ("soft-labels", probs, 0.0),
        ("label-smoothing", onehot, 0.1),
    ] {
        v.push(
            Case::new("softmaxCrossEntropy", vec![labels, logits.clone()], move |t| {
                losses::softmax_cross_entropy(&t[0], &t[1], ls as f32)
            })
            .variant(name)
            .reference(move |a| softmax_ce(&a[0], &a[1], ls))
            .tol(Tol::MATH)
            .grad(Tol::GRAD),
        );
    }
    let cls = Arr::i32(&[3], vec![2.0, 0.0, 3.0]);
    v.push(
        Case::new("sparseSoftmaxCrossEntropy", vec![cls, logits], |t| {
            losses::sparse_softmax_cross_entropy(&t[0], &t[1])
        })
        .reference(|a| {
            let one_hot = Arr::from_fn(&[3, 4], ferroflow::DType::F32, |i| {
                (a[0].data[i[0]] as usize == i[1]) as u8 as f64
            });
            softmax_ce(&one_hot, &a[1], 0.0)
        })
        .tol(Tol::MATH)
        .grad(Tol::GRAD),
    );

    let n = 10;
    let sh = [2, 5];
    let binary = Arr::f32(&sh, r.bools(n).into_iter().map(|b| b as u8 as f64).collect());
    let soft = Arr::f32(&sh, r.uniform(n, 0.0, 1.0));
    let sig_logits = Arr::f32(&sh, r.away_from(n, -4.0, 4.0, &[0.0], 0.1));
    let sig_ce = |z: f64, x: f64| x.max(0.0) - x * z + (-x.abs()).exp().ln_1p();
    for (name, labels) in [("binary", binary.clone()), ("soft", soft.clone())] {
        v.push(
            Case::new("sigmoidCrossEntropy", vec![labels, sig_logits.clone()], |t| {
                losses::sigmoid_cross_entropy(&t[0], &t[1])
            })
            .variant(name)
            .reference(move |a| mean_of(a, sig_ce))
            .tol(Tol::MATH)
            .grad(Tol::GRAD),
        );
    }
    let labels = Arr::f32(&sh, r.uniform(n, -2.0, 2.0));
    // Predictions at offsets kept away from 0 (abs) and from +-delta (huber).
    let offsets: Vec<f64> = r.away_from(n, -2.5, 2.5, &[0.0, 1.0, -1.0], 0.1);
    let preds = Arr::f32(&sh, labels.data.iter().zip(&offsets).map(|(l, o)| l + o).collect());
    v.push(
        Case::new("meanSquaredError", vec![labels.clone(), preds.clone()], |t| {
            losses::mean_squared_error(&t[0], &t[1])
        })
        .reference(|a| mean_of(a, |l, p| (p - l) * (p - l)))
        .tol(Tol::MATH)
        .grad(Tol::GRAD),
    );
    v.push(
        Case::new("absoluteDifference", vec![labels.clone(), preds.clone()], |t| {
            losses::absolute_difference(&t[0], &t[1])
        })
        .reference(|a| mean_of(a, |l, p| (p - l).abs()))
        .tol(Tol::MATH)
        .grad(Tol::GRAD),
    );
    v.push(
        Case::new("huberLoss", vec![labels, preds], |t| {
            losses::huber_loss(&t[0], &t[1], 1.0)
        })
        .variant("delta1")
        .reference(|a| {
            mean_of(a, |l, p| {
                let e = (p - l).abs();
                if e <= 1.0 {
                    0.5 * e * e
                } else {
                    e - 0.5
                }
            })
        })
        .tol(Tol::MATH)
        .grad(Tol::GRAD),
    );
    let probs = Arr::f32(&sh, r.uniform(n, 0.05, 0.95));
    for (name, labels) in [("binary", binary.clone()), ("soft", soft)] {
        v.push(
            Case::new("logLoss", vec![labels, probs.clone()], |t| {
                losses::log_loss(&t[0], &t[1], 1e-7)
            })
            .variant(name)
            .reference(|a| mean_of(a, |l, p| -l * (p + 1e-7).ln() - (1.0 - l) * (1.0 - p + 1e-7).ln()))
            .tol(Tol::MATH)
            .grad(Tol::GRAD),
        );
    }
    // Hinge margins 1 - s*p kept away from 0.
    let hinge_p: Vec<f64> = binary
        .data
        .iter()
        .map(|&l| (2.0 * l - 1.0) * (1.0 + r.away_from(1, -1.5, 1.5, &[0.0], 0.1)[0]))
        .collect();
    v.push(
        Case::new("hingeLoss", vec![binary, Arr::f32(&sh, hinge_p)], |t| {
            losses::hinge_loss(&t[0], &t[1])
        })
        .reference(|a| mean_of(a, |l, p| (1.0 - (2.0 * l - 1.0) * p).max(0.0)))
        .tol(Tol::MATH)
        .grad(Tol::GRAD)
        .wrt(&[1]),
    );
    let cl = Arr::f32(&[3, 4], r.uniform(12, -1.0, 1.0));
    let cp = Arr::f32(&[3, 4], r.uniform(12, -1.0, 1.0));
    for axis in [1isize, 0] {
        v.push(
            Case::new("cosineDistance", vec![cl.clone(), cp.clone()], move |t| {
                losses::cosine_distance(&t[0], &t[1], axis)
            })
            .variant(format!("axis{axis}"))
            .reference(move |a| {
                let prod = Arr {
                    data: a[0].data.iter().zip(&a[1].data).map(|(x, y)| x * y).collect(),
                    ..a[0].clone()
                };
                let s = reduce(&prod, &[axis], false, ferroflow::DType::F32, |g| {
                    1.0 - g.iter().sum::<f64>()
                });
                scalar(s.data.iter().sum::<f64>() / s.numel() as f64)
            })
            .tol(Tol::MATH)
            .grad(Tol::GRAD),
        );
    }
    v
}
