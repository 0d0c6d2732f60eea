//! Creation ops: constants, ranges, identity, one-hot, *Like, and the seeded random ops, which
//! are judged by statistics (moments, bounds), determinism per seed, and agreement with the
//! counter-based generator every backend must reproduce.

use ferroflow::ir::primitive::{rand_bits, uniform_from_bits};
use ferroflow::ops::creation;
use ferroflow::DType::{Bool, F32, I32};
use ferroflow::{DType, Device, Tensor};

use crate::conformance::reference::Arr;
use crate::conformance::{Case, Tol};

fn constant(shape: &[usize], dtype: DType, v: f64) -> Arr {
    Arr::from_fn(shape, dtype, |_| v)
}

/// Sample mean and (population) standard deviation.
fn stats(v: &[f32]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().map(|&x| x as f64).sum::<f64>() / n;
    let var = v.iter().map(|&x| (x as f64 - m).powi(2)).sum::<f64>() / n;
    (m, var.sqrt())
}

/// The values of a read-back property tensor (f32 data converted to f64 and back exactly).
fn values(a: &Arr) -> Vec<f32> {
    a.data.iter().map(|&x| x as f32).collect()
}

fn within(what: &str, got: f64, want: f64, tol: f64) -> Result<(), String> {
    if (got - want).abs() <= tol {
        Ok(())
    } else {
        Err(format!("{what} = {got:.5}, expected {want:.5} +- {tol:.5}"))
    }
}

/// The tensors a property case reads: the big sample, then `f(42)`, `f(42)`, `f(43)` for
/// [`determinism`].
fn sample_and_seeds(
    sample: ferroflow::Result<Tensor>,
    f: impl Fn(u64) -> ferroflow::Result<Tensor>,
) -> ferroflow::Result<Vec<Tensor>> {
    Ok(vec![sample?, f(42)?, f(42)?, f(43)?])
}

/// The big sample of [`sample_and_seeds`] (`Err` if the tensors are missing).
fn sample(v: &[Arr]) -> Result<Vec<f32>, String> {
    match v {
        [s, _, _, _] => Ok(values(s)),
        _ => Err(format!("{} tensors read back, expected 4", v.len())),
    }
}

/// Same seed -> identical values; another seed -> different values (the last three tensors of
/// [`sample_and_seeds`]).
fn determinism(v: &[Arr]) -> Result<(), String> {
    let [_, a, b, c] = v else {
        return Err(format!("{} tensors read back, expected 4", v.len()));
    };
    let (a, b, c) = (values(a), values(b), values(c));
    if a != b {
        return Err("same seed gave different values".into());
    }
    if a == c {
        return Err("different seeds gave identical values".into());
    }
    Ok(())
}

const N: usize = 4096;
const SHAPE: [usize; 2] = [64, 64];
const UNIFORM: (f32, f32) = (-2.0, 3.0);
const NORMAL: (f32, f32) = (1.5, 2.0);
const TRUNCATED: (f32, f32) = (0.5, 1.5);

fn uniform_tensors(d: &Device) -> ferroflow::Result<Vec<Tensor>> {
    let (lo, hi) = UNIFORM;
    sample_and_seeds(creation::random_uniform(d, &SHAPE, lo, hi, 7), |seed| {
        creation::random_uniform(d, &[100], 0.0, 1.0, seed)
    })
}

fn uniform_props(t: &[Arr]) -> Result<(), String> {
    let (lo, hi) = UNIFORM;
    let v = sample(t)?;
    if v.len() != N {
        return Err(format!("{} values, expected {N}", v.len()));
    }
    if let Some(x) = v.iter().find(|&&x| !(lo..hi).contains(&x)) {
        return Err(format!("value {x} outside [{lo}, {hi})"));
    }
    let (m, s) = stats(&v);
    let sd = (hi - lo) as f64 / 12f64.sqrt();
    within("mean", m, 0.5, 5.0 * sd / (N as f64).sqrt())?;
    within("std", s, sd, 0.05 * sd)?;
    // Every backend must produce the documented counter-based stream.
    for (i, &x) in v.iter().enumerate().step_by(97) {
        let want = lo as f64 + (hi - lo) as f64 * uniform_from_bits(rand_bits(7, i as u32)) as f64;
        within(
            &format!("value {i} vs the counter-based generator"),
            x as f64,
            want,
            1e-5,
        )?;
    }
    determinism(t)
}

fn normal_tensors(d: &Device) -> ferroflow::Result<Vec<Tensor>> {
    let (mean, std) = NORMAL;
    sample_and_seeds(creation::random_normal(d, &SHAPE, mean, std, 11), |seed| {
        creation::random_normal(d, &[100], 0.0, 1.0, seed)
    })
}

fn normal_props(t: &[Arr]) -> Result<(), String> {
    let (mean, std) = NORMAL;
    let v = sample(t)?;
    if let Some(x) = v.iter().find(|x| !x.is_finite()) {
        return Err(format!("non-finite sample {x}"));
    }
    let (m, s) = stats(&v);
    within("mean", m, mean as f64, 5.0 * std as f64 / (N as f64).sqrt())?;
    within("std", s, std as f64, 0.06 * std as f64)?;
    let inside = v.iter().filter(|&&x| (x - mean).abs() < std).count() as f64 / N as f64;
    within("fraction within 1 std", inside, 0.6827, 0.03)?;
    determinism(t)
}

fn truncated_tensors(d: &Device) -> ferroflow::Result<Vec<Tensor>> {
    let (mean, std) = TRUNCATED;
    sample_and_seeds(creation::truncated_normal(d, &SHAPE, mean, std, 13), |seed| {
        creation::truncated_normal(d, &[100], 0.0, 1.0, seed)
    })
}

fn truncated_props(t: &[Arr]) -> Result<(), String> {
    let (mean, std) = TRUNCATED;
    let v = sample(t)?;
    let bound = 2.0 * std + 1e-4;
    // NaN must fail too, hence a negated `le` rather than `>`.
    if let Some(x) = v.iter().find(|&&x| !(x - mean).abs().le(&bound)) {
        return Err(format!("sample {x} outside mean +- 2 std"));
    }
    let (m, s) = stats(&v);
    // Std of a standard normal truncated to [-2, 2]: sqrt(1 - 4 phi(2) / (Phi(2) - Phi(-2))).
    let phi2 = (-2.0f64).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let tstd = (1.0 - 4.0 * phi2 / 0.954_499_736_103_641_6).sqrt() * std as f64;
    within("mean", m, mean as f64, 5.0 * tstd / (N as f64).sqrt())?;
    within("std", s, tstd, 0.06 * tstd)?;
    let tails = v.iter().filter(|&&x| (x - mean).abs() > 1.5 * std).count() as f64 / N as f64;
    // P(|z| > 1.5 | |z| <= 2) = (Phi(-1.5) - Phi(-2)) * 2 / 0.9545.
    within(
        "fraction beyond 1.5 std",
        tails,
        2.0 * (0.066_807_201 - 0.022_750_132) / 0.954_5,
        0.02,
    )?;
    determinism(t)
}

pub fn cases() -> Vec<Case> {
    let mut v = vec![Case::on_device("zeros", |d| creation::zeros(d, &[2, 3], F32))
        .reference(|_| constant(&[2, 3], F32, 0.0))
        .tol(Tol::EXACT)];
    v.push(
        Case::on_device("zeros", |d| creation::zeros(d, &[3, 0, 2], I32))
            .variant("int32-empty")
            .reference(|_| constant(&[3, 0, 2], I32, 0.0))
            .tol(Tol::EXACT),
    );
    v.push(
        Case::on_device("ones", |d| creation::ones(d, &[4, 1], F32))
            .reference(|_| constant(&[4, 1], F32, 1.0))
            .tol(Tol::EXACT),
    );
    v.push(
        Case::on_device("ones", |d| creation::ones(d, &[2, 2], Bool))
            .variant("bool")
            .reference(|_| constant(&[2, 2], Bool, 1.0))
            .tol(Tol::EXACT),
    );
    v.push(
        Case::on_device("fill", |d| creation::fill(d, &[2, 3], -1.25f32))
            .reference(|_| constant(&[2, 3], F32, -1.25))
            .tol(Tol::EXACT),
    );
    v.push(
        Case::on_device("fill", |d| creation::fill(d, &[3], 7i32))
            .variant("int32")
            .reference(|_| constant(&[3], I32, 7.0))
            .tol(Tol::EXACT),
    );
    v.push(
        Case::on_device("fill", |d| creation::fill(d, &[], true))
            .variant("bool-scalar")
            .reference(|_| constant(&[], Bool, 1.0))
            .tol(Tol::EXACT),
    );
    for (n, m) in [(3, 3), (2, 4), (4, 2)] {
        v.push(
            Case::on_device("eye", move |d| creation::eye(d, n, m))
                .variant(format!("{n}x{m}"))
                .reference(move |_| Arr::from_fn(&[n, m], F32, |i| (i[0] == i[1]) as u8 as f64))
                .tol(Tol::EXACT),
        );
    }
    type RangeSpec = (&'static str, f32, f32, f32, DType);
    let ranges: [RangeSpec; 5] = [
        ("float-step", 0.5, 3.0, 0.75, F32),
        ("negative-step", 5.0, -1.0, -1.5, F32),
        ("int32", -3.0, 7.0, 2.0, I32),
        ("empty", 3.0, 1.0, 1.0, F32),
        ("fractional-count", 0.0, 1.0, 0.3, F32),
    ];
    for (name, start, stop, step, dtype) in ranges {
        v.push(
            Case::on_device("range", move |d| creation::range(d, start, stop, step, dtype))
                .variant(name)
                .reference(move |_| {
                    // Count by walking, as TF.js does: values start + k*step strictly before stop.
                    let (s, e, st) = (start as f64, stop as f64, step as f64);
                    let mut vals = vec![];
                    let mut k = 0.0;
                    while (st > 0.0 && s + k * st < e) || (st < 0.0 && s + k * st > e) {
                        vals.push(s + k * st);
                        k += 1.0;
                    }
                    Arr {
                        shape: vec![vals.len()],
                        dtype,
                        data: vals,
                    }
                    .normalized()
                })
                .tol(Tol::F32),
        );
    }
    for (name, start, stop, num) in [
        ("5", -1.0f32, 1.0f32, 5usize),
        ("descending", 3.0, -2.0, 4),
        ("single", 2.5, 9.0, 1),
    ] {
        v.push(
            Case::on_device("linspace", move |d| creation::linspace(d, start, stop, num))
                .variant(name)
                .reference(move |_| {
                    let step = if num > 1 {
                        (stop as f64 - start as f64) / (num - 1) as f64
                    } else {
                        0.0
                    };
                    Arr::from_fn(&[num], F32, |i| start as f64 + step * i[0] as f64)
                })
                .tol(Tol::F32),
        );
    }
    let idx = Arr::i32(&[2, 3], vec![0.0, 3.0, 1.0, -1.0, 4.0, 2.0]);
    v.push(
        Case::new("oneHot", vec![idx], |t| t[0].one_hot(4, 1.0, 0.0))
            .variant("out-of-range-rows-off")
            .reference(|a| {
                Arr::from_fn(&[2, 3, 4], F32, |i| {
                    (a[0].at(&[i[0], i[1]]) == i[2] as f64) as u8 as f64
                })
            })
            .tol(Tol::EXACT),
    );
    v.push(
        Case::new("oneHot", vec![Arr::i32(&[3], vec![2.0, 0.0, 1.0])], |t| {
            t[0].one_hot(3, 5.0, -1.0)
        })
        .variant("on-off-values")
        .reference(|a| {
            Arr::from_fn(
                &[3, 3],
                F32,
                |i| if a[0].data[i[0]] == i[1] as f64 { 5.0 } else { -1.0 },
            )
        })
        .tol(Tol::EXACT),
    );
    let like = Arr::i32(&[2, 3], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    v.push(
        Case::new("zerosLike", vec![like.clone()], |t| t[0].zeros_like())
            .reference(|a| constant(&a[0].shape, a[0].dtype, 0.0))
            .tol(Tol::EXACT),
    );
    v.push(
        Case::new("onesLike", vec![like], |t| t[0].ones_like())
            .reference(|a| constant(&a[0].shape, a[0].dtype, 1.0))
            .tol(Tol::EXACT),
    );
    v.push(Case::property("randomUniform", uniform_tensors, uniform_props));
    v.push(Case::property("randomNormal", normal_tensors, normal_props));
    v.push(Case::property("truncatedNormal", truncated_tensors, truncated_props));
    v
}
