//! Complex values and Fourier transforms: `Complex`, `Real`, `Imag`, `ComplexAbs` (category
//! basic_math) and `FFT`, `IFFT`, `RFFT`, `IRFFT` (spectral). Core has no complex dtype, so a
//! complex64 value is a float32 tensor with a trailing axis of 2 (real, imaginary); the graph is
//! checked at load so that only these ops and `Identity` see one (`refuses_complex`). The
//! transforms are DFTs as matrix products with cosine and sine tables made on the host, over
//! the innermost axis; lengths and TF.js's rules for RFFT/IRFFT are TensorFlow's.

use super::{one, Ctx, Kernel};
use crate::dtype::HostData;
use crate::ops::movement::stack;
use crate::tfjs::graph_def::NodeDef;
use crate::{Result, Tensor};

/// The ops that may take or give complex values.
const COMPLEX_OPS: [&str; 9] = [
    "Complex",
    "Real",
    "Imag",
    "ComplexAbs",
    "FFT",
    "IFFT",
    "RFFT",
    "IRFFT",
    "Identity",
];

/// Whether node `n` would see complex values in an op that cannot take them (refused at load).
pub(crate) fn refuses_complex(n: &NodeDef) -> bool {
    let complex = |key: &str| {
        n.attr
            .get(key)
            .and_then(|a| a.get("type"))
            .and_then(|t| t.as_str())
            .is_some_and(|t| t.starts_with("DT_COMPLEX"))
    };
    !COMPLEX_OPS.contains(&n.op.as_str()) && ["T", "dtype", "Tcomplex"].into_iter().any(complex)
}

/// A complex value's real and imaginary parts.
fn parts(c: &Ctx, i: usize) -> Result<(Tensor, Tensor)> {
    let x = c.x(i)?;
    if x.shape().last() != Some(&2) {
        return Err(c.err(format!(
            "input {i} must be complex (a trailing axis of 2), got shape {:?}",
            x.shape()
        )));
    }
    let mut p = x.unstack(-1)?.into_iter();
    match (p.next(), p.next()) {
        (Some(re), Some(im)) => Ok((re, im)),
        _ => Err(c.err("a complex value needs two parts")),
    }
}

fn complex(re: &Tensor, im: &Tensor) -> Result<Tensor> {
    stack(&[re.clone(), im.clone()], -1)
}

/// `Complex(real, imag)`: same shapes, as TF.js's `complex`.
fn make_complex(c: &Ctx) -> Result<Tensor> {
    let (re, im) = (c.x(0)?, c.x(1)?);
    if re.shape() != im.shape() {
        return Err(c.err(format!(
            "real and imag shapes, {:?} and {:?}, must match in call to tf.complex().",
            re.shape(),
            im.shape()
        )));
    }
    complex(&re.cast(crate::DType::F32)?, &im.cast(crate::DType::F32)?)
}

fn complex_abs(c: &Ctx) -> Result<Tensor> {
    let (re, im) = parts(c, 0)?;
    re.square()?.add(&im.square()?)?.sqrt()
}

/// Cosine and sine tables `[rows, cols]` of `2 pi r k / n` times `scale[r]`.
fn tables(c: &Ctx, rows: usize, cols: usize, n: usize, scale: &dyn Fn(usize) -> f64) -> Result<(Tensor, Tensor)> {
    crate::shape::numel_checked("FFT", &[rows, cols])?;
    let (mut cos, mut sin) = (Vec::with_capacity(rows * cols), Vec::with_capacity(rows * cols));
    for r in 0..rows {
        for k in 0..cols {
            // Reduced mod n first, so large products keep their precision.
            let a = std::f64::consts::TAU * ((r * k) % n.max(1)) as f64 / n.max(1) as f64;
            cos.push((a.cos() * scale(r)) as f32);
            sin.push((a.sin() * scale(r)) as f32);
        }
    }
    Ok((
        c.upload(HostData::F32(cos), &[rows, cols])?,
        c.upload(HostData::F32(sin), &[rows, cols])?,
    ))
}

/// `x` as `[batch, n]` (its innermost axis kept), and its shape.
fn rows(x: &Tensor) -> Result<(Tensor, Vec<usize>)> {
    let shape = x.shape().to_vec();
    let n = *shape.last().unwrap_or(&1);
    Ok((x.reshape(&[-1, n as isize])?, shape))
}

fn with_last(shape: &[usize], last: usize) -> Vec<isize> {
    let mut s: Vec<isize> = shape.iter().map(|&d| d as isize).collect();
    if let Some(l) = s.last_mut() {
        *l = last as isize;
    }
    s
}

/// `FFT` / `IFFT` over the innermost axis.
fn fft(c: &Ctx, inverse: bool) -> Result<Tensor> {
    let (re, im) = parts(c, 0)?;
    let (re2, shape) = rows(&re)?;
    let (im2, _) = rows(&im)?;
    let n = *shape.last().unwrap_or(&1);
    let k = if inverse { 1.0 / n.max(1) as f64 } else { 1.0 };
    let (cos, sin) = tables(c, n, n, n, &|_| k)?;
    let (out_re, out_im) = if inverse {
        (
            re2.matmul(&cos, false, false)?.sub(&im2.matmul(&sin, false, false)?)?,
            im2.matmul(&cos, false, false)?.add(&re2.matmul(&sin, false, false)?)?,
        )
    } else {
        (
            re2.matmul(&cos, false, false)?.add(&im2.matmul(&sin, false, false)?)?,
            im2.matmul(&cos, false, false)?.sub(&re2.matmul(&sin, false, false)?)?,
        )
    };
    let s = with_last(&shape, n);
    complex(&out_re.reshape(&s)?, &out_im.reshape(&s)?)
}

/// The transform length: input 1 (`fft_length`) where given, else `default`.
fn fft_length(c: &Ctx, default: usize) -> Result<usize> {
    if c.inputs.len() < 2 {
        return Ok(default);
    }
    let n = c.int(1)?;
    usize::try_from(n)
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| c.err(format!("fft_length must be positive, got {n}")))
}

/// `RFFT(x, fft_length)`: the first `n/2 + 1` bins of the transform of the real input,
/// cropped or zero-padded to `n`.
fn rfft(c: &Ctx) -> Result<Tensor> {
    let x = c.x(0)?.cast(crate::DType::F32)?;
    let (x2, shape) = rows(&x)?;
    let inner = *shape.last().unwrap_or(&1);
    let n = fft_length(c, inner)?;
    let half = n / 2 + 1;
    let used = inner.min(n);
    let (cos, sin) = tables(c, used, half, n, &|_| 1.0)?;
    let x2 = if used < inner {
        x2.slice(&[0, 0], &[-1, used as isize])?
    } else {
        x2
    };
    let s = with_last(&shape, half);
    complex(
        &x2.matmul(&cos, false, false)?.reshape(&s)?,
        &x2.matmul(&sin, false, false)?.neg()?.reshape(&s)?,
    )
}

/// `IRFFT(x, fft_length)`: the real signal of length `n` whose spectrum's first bins `x` are
/// (TF.js's `n` without `fft_length`: `2 (m - 1)`, or `m` for `m <= 2` bins).
fn irfft(c: &Ctx) -> Result<Tensor> {
    let (re, im) = parts(c, 0)?;
    let (re2, shape) = rows(&re)?;
    let (im2, _) = rows(&im)?;
    let m = *shape.last().unwrap_or(&1);
    let n = fft_length(c, if m <= 2 { m } else { 2 * (m - 1) })?;
    let used = m.min(n / 2 + 1);
    // Each bin but the first (and the middle one of an even length) stands for its mirror too.
    let weight = |k: usize| {
        let twice = k != 0 && !(n % 2 == 0 && k == n / 2);
        (if twice { 2.0 } else { 1.0 }) / n as f64
    };
    let (cos, sin) = tables(c, used, n, n, &weight)?;
    let take = |t: Tensor| -> Result<Tensor> {
        if used < m {
            t.slice(&[0, 0], &[-1, used as isize])
        } else {
            Ok(t)
        }
    };
    let out = take(re2)?
        .matmul(&cos, false, false)?
        .sub(&take(im2)?.matmul(&sin, false, false)?)?;
    out.reshape(&with_last(&shape, n))
}

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("Complex", |c| one(make_complex(c))),
    ("Real", |c| one(parts(c, 0).map(|p| p.0))),
    ("Imag", |c| one(parts(c, 0).map(|p| p.1))),
    ("ComplexAbs", |c| one(complex_abs(c))),
    ("FFT", |c| one(fft(c, false))),
    ("IFFT", |c| one(fft(c, true))),
    ("RFFT", |c| one(rfft(c))),
    ("IRFFT", |c| one(irfft(c))),
];
