//! Tensor creation: constants, ranges, identity, one-hot and seeded random tensors. Random
//! tensors come from the counter-based `Prim::Rand`, so a seed gives the same values on every
//! backend.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::device::Device;
use crate::dtype::{DType, HostData, Scalar};
use crate::ir::Prim;
use crate::ops::{elementwise::where_, prim};
use crate::shape::{normalize_axis, numel_checked};
use crate::tensor::Tensor;
use crate::{Error, Result};

/// `[0, 1, ..., n-1]` as int32.
pub fn arange(dev: &Device, n: usize) -> Result<Tensor> {
    if n > i32::MAX as usize {
        return Err(Error::size("range", format!("{n} elements exceed int32 indices")));
    }
    Tensor::apply_on(Prim::Arange(n), &[], dev.clone())
}

/// A tensor filled with `value`.
pub fn fill(dev: &Device, shape: &[usize], value: impl Into<Scalar>) -> Result<Tensor> {
    numel_checked("fill", shape)?;
    let s = Tensor::scalar_on(value, dev);
    prim::expand(&prim::reshape(&s, &vec![1; shape.len()])?, shape)
}
pub fn zeros(dev: &Device, shape: &[usize], dtype: DType) -> Result<Tensor> {
    fill(dev, shape, Scalar::zero(dtype))
}
pub fn ones(dev: &Device, shape: &[usize], dtype: DType) -> Result<Tensor> {
    fill(dev, shape, Scalar::F32(1.0).cast(dtype))
}

/// A tensor from host values (TF.js `tensor`).
pub fn tensor(dev: &Device, data: impl Into<HostData>, shape: &[usize]) -> Result<Tensor> {
    Tensor::from_host_on(data.into(), shape, dev)
}

impl Tensor {
    pub fn zeros_like(&self) -> Result<Tensor> {
        zeros(&self.device(), self.shape(), self.dtype())
    }
    pub fn ones_like(&self) -> Result<Tensor> {
        ones(&self.device(), self.shape(), self.dtype())
    }
    /// One-hot encoding of int32 indices along a new last axis (out-of-range indices give all `off`).
    pub fn one_hot(&self, depth: usize, on: f32, off: f32) -> Result<Tensor> {
        if self.dtype() != DType::I32 {
            return Err(Error::dtype(
                "oneHot",
                format!("indices must be int32, got {}", self.dtype()),
            ));
        }
        let mut s = self.shape().to_vec();
        s.push(1);
        let mut full = self.shape().to_vec();
        full.push(depth);
        let idx = prim::expand(&prim::reshape(self, &s)?, &full)?;
        let mut rs = vec![1; self.rank()];
        rs.push(depth);
        let r = prim::expand(&prim::reshape(&arange(&self.device(), depth)?, &rs)?, &full)?;
        let dev = self.device();
        where_(
            &idx.equal(&r)?,
            &Tensor::scalar_on(on, &dev),
            &Tensor::scalar_on(off, &dev),
        )
    }
}

/// Evenly spaced values in `[start, stop)` with `step` (TF.js `range`).
pub fn range(dev: &Device, start: f32, stop: f32, step: f32, dtype: DType) -> Result<Tensor> {
    if step == 0.0 || !step.is_finite() || !start.is_finite() || !stop.is_finite() {
        return Err(Error::invalid(
            "range",
            format!("invalid start {start}, stop {stop}, step {step}"),
        ));
    }
    let n = ((stop - start) / step).ceil().max(0.0) as usize;
    let i = arange(dev, n)?.cast(DType::F32)?;
    i.mul(step)?.add(start)?.cast(dtype)
}

/// `num` evenly spaced values from `start` to `stop` inclusive.
pub fn linspace(dev: &Device, start: f32, stop: f32, num: usize) -> Result<Tensor> {
    if num == 0 {
        return Err(Error::invalid("linspace", "num must be >= 1"));
    }
    let step = if num > 1 {
        (stop - start) / (num - 1) as f32
    } else {
        0.0
    };
    arange(dev, num)?.cast(DType::F32)?.mul(step)?.add(start)
}

/// Identity matrix `[n, m]` (float32).
pub fn eye(dev: &Device, n: usize, m: usize) -> Result<Tensor> {
    let r = prim::expand(&prim::reshape(&arange(dev, n)?, &[n, 1])?, &[n, m])?;
    let c = prim::expand(&prim::reshape(&arange(dev, m)?, &[1, m])?, &[n, m])?;
    r.equal(&c)?.cast(DType::F32)
}

static SEED_COUNTER: AtomicU64 = AtomicU64::new(0x5eed_0000_0000_0001);

/// A fresh seed for callers that did not pass one (deterministic sequence per process).
pub fn next_seed() -> u64 {
    SEED_COUNTER.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed)
}

fn rand(dev: &Device, shape: &[usize], seed: u64) -> Result<Tensor> {
    Tensor::apply_on(
        Prim::Rand {
            seed,
            shape: shape.to_vec(),
        },
        &[],
        dev.clone(),
    )
}

/// Uniform values in `[lo, hi)`.
pub fn random_uniform(dev: &Device, shape: &[usize], lo: f32, hi: f32, seed: u64) -> Result<Tensor> {
    if hi < lo {
        return Err(Error::invalid("randomUniform", format!("maxval {hi} < minval {lo}")));
    }
    rand(dev, shape, seed)?.mul(hi - lo)?.add(lo)
}

/// Normal values (Box-Muller on two counter streams).
pub fn random_normal(dev: &Device, shape: &[usize], mean: f32, std: f32, seed: u64) -> Result<Tensor> {
    let u1 = rand(dev, shape, seed)?;
    let u2 = rand(dev, shape, seed ^ 0xa5a5_5a5a_c3c3_3c3c)?;
    let r = u1.neg()?.add(1.0f32)?.log()?.mul(-2.0f32)?.sqrt()?;
    let z = r.mul(&u2.mul(std::f32::consts::TAU)?.cos()?)?;
    z.mul(std)?.add(mean)
}

/// Normal values truncated to within two standard deviations (inverse-CDF sampling, no redraws).
pub fn truncated_normal(dev: &Device, shape: &[usize], mean: f32, std: f32, seed: u64) -> Result<Tensor> {
    // Phi(-2) and Phi(2): sample the CDF uniformly between them, then invert.
    let (lo, hi) = (0.022_750_132_f32, 0.977_249_87_f32);
    let p = rand(dev, shape, seed)?.mul(hi - lo)?.add(lo)?;
    let z = erfinv(&p.mul(2.0f32)?.sub(1.0f32)?)?.mul(std::f32::consts::SQRT_2)?;
    z.mul(std)?.add(mean)
}

/// Inverse error function for |x| < 0.99 (Giles' single-precision polynomial, central branch).
fn erfinv(x: &Tensor) -> Result<Tensor> {
    let w = x.square()?.neg()?.add(1.0f32)?.log()?.neg()?.sub(2.5f32)?;
    let coeffs = [
        2.810_226_4e-8_f32,
        3.432_739_4e-7,
        -3.523_387_7e-6,
        -4.391_506_5e-6,
        2.185_808_7e-4,
        -1.253_725e-3,
        -4.177_681_6e-3,
        0.246_640_73,
        1.501_409_4,
    ];
    let mut p = w.mul(0.0f32)?.add(coeffs[0])?;
    for &c in &coeffs[1..] {
        p = p.mul(&w)?.add(c)?;
    }
    p.mul(x)
}

/// Bernoulli(p) samples as float 0/1 (used by dropout).
pub fn random_bernoulli(dev: &Device, shape: &[usize], p: f32, seed: u64) -> Result<Tensor> {
    rand(dev, shape, seed)?.less(p)?.cast(DType::F32)
}

/// Validates an axis for creation helpers that take one.
pub fn check_axis(op: &str, axis: isize, rank: usize) -> Result<usize> {
    normalize_axis(op, axis, rank)
}
