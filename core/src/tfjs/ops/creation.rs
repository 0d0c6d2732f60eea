//! Tensors made from shapes and scalars: `Fill`, `ZerosLike`, `OnesLike`, `Range`, `OneHot`, and
//! the random ops (core's counter-based generator; TF.js's values cannot be reproduced, only
//! their distributions, which the op cases compare).

use super::{one, Ctx, Kernel};
use crate::dtype::{DType, HostData, Scalar};
use crate::ops::creation;
use crate::{Result, Tensor};

fn fill(c: &Ctx) -> Result<Tensor> {
    let dims: Vec<usize> = c.sizes(0, "a dimension")?;
    let v = c.x(1)?;
    if v.numel() != 1 {
        return Err(c.err(format!("the value must be a scalar, got shape {:?}", v.shape())));
    }
    let value = match c.host_data(1)? {
        HostData::F32(x) => Scalar::F32(x[0]),
        HostData::I32(x) => Scalar::I32(x[0]),
        HostData::Bool(x) => Scalar::Bool(x[0]),
    };
    crate::shape::numel_checked("Fill", &dims)?;
    creation::fill(&v.device(), &dims, value)
}

/// `Range(start, limit, delta)`: float32 unless all three are int32 (TF.js's `range` dtypes).
fn range(c: &Ctx) -> Result<Tensor> {
    let ints = (0..3).all(|i| c.x(i).is_ok_and(|t| t.dtype() == DType::I32));
    let (start, limit, delta) = (c.scalar(0)?, c.scalar(1)?, c.scalar(2)?);
    if delta == 0.0 || !(start.is_finite() && limit.is_finite() && delta.is_finite()) {
        return Err(c.err(format!("range({start}, {limit}, {delta}) has no finite step")));
    }
    let n = ((limit - start) / delta).ceil();
    if n > 1e8 {
        return Err(c.err(format!("range({start}, {limit}, {delta}) has {n} elements")));
    }
    creation::range(
        &c.x(0)?.device(),
        start,
        limit,
        delta,
        if ints { DType::I32 } else { DType::F32 },
    )
}

/// `OneHot(indices, depth, on_value, off_value)` along the last axis.
fn one_hot(c: &Ctx) -> Result<Tensor> {
    let axis = c.node.attr_int("axis", Some(-1))?;
    if axis != -1 {
        return Err(c.err(format!("only axis -1 is supported, got {axis}")));
    }
    let depth = c.size(c.int(1)?, "depth")?;
    c.x(0)?.cast(DType::I32)?.one_hot(depth, c.scalar(2)?, c.scalar(3)?)
}

/// `Zeros`/`Ones`: the shape as the input, the dtype as the attribute.
fn constant(c: &Ctx, value: f32) -> Result<Tensor> {
    let dims: Vec<usize> = c.sizes(0, "a dimension")?;
    crate::shape::numel_checked(&c.node.op, &dims)?;
    let dtype = c.node.attr_dtype("dtype")?.unwrap_or(DType::F32);
    creation::fill(&c.x(0)?.device(), &dims, value)?.cast(dtype)
}

fn linspace(c: &Ctx) -> Result<Tensor> {
    let num = c.size(c.int(2)?, "num")?;
    if num > 1 << 26 {
        return Err(c.err(format!("num {num} is too large")));
    }
    creation::linspace(&c.x(0)?.device(), c.scalar(0)?, c.scalar(1)?, num)
}

/// The node's seed: its `seed`/`seed2` attributes where set (the same values on every run, as
/// TF.js with a seed), else a fresh one.
fn seed(c: &Ctx) -> Result<u64> {
    let (a, b) = (c.node.attr_int("seed", Some(0))?, c.node.attr_int("seed2", Some(0))?);
    Ok(if a == 0 && b == 0 {
        creation::next_seed()
    } else {
        (a as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (b as u64)
    })
}

/// The output shape of a random op (input 0), checked.
fn random_shape(c: &Ctx) -> Result<Vec<usize>> {
    let dims = c.sizes(0, "a dimension")?;
    crate::shape::numel_checked(&c.node.op, &dims)?;
    Ok(dims)
}

fn random_uniform(c: &Ctx) -> Result<Tensor> {
    let dims = random_shape(c)?;
    let (lo, hi) = (
        c.node.attr_float("minval", 0.0) as f32,
        c.node.attr_float("maxval", 1.0) as f32,
    );
    let t = creation::random_uniform(&c.x(0)?.device(), &dims, lo, hi, seed(c)?)?;
    t.cast(c.node.attr_dtype("dtype")?.unwrap_or(DType::F32))
}

/// `RandomUniformInt(shape, minval, maxval)`: integers in `[minval, maxval)`. TensorFlow passes
/// the bounds as inputs, TF.js's op list as attributes; inputs win where present.
fn random_uniform_int(c: &Ctx) -> Result<Tensor> {
    let dims = random_shape(c)?;
    let bound = |i: usize, key: &str| -> Result<i64> {
        if c.inputs.len() > i {
            c.int(i)
        } else {
            c.node.attr_int(key, Some(0))
        }
    };
    let (lo, hi) = (bound(1, "minval")?, bound(2, "maxval")?);
    if hi <= lo {
        return Err(c.err(format!("Need minval < maxval: {lo} >= {hi}")));
    }
    let u = creation::random_uniform(&c.x(0)?.device(), &dims, lo as f32, hi as f32, seed(c)?)?;
    // Floor, then keep below maxval where rounding to f32 reached it.
    u.floor()?.clip(lo as f32, (hi - 1) as f32)?.cast(DType::I32)
}

fn random_normal(c: &Ctx, truncated: bool) -> Result<Tensor> {
    let dims = random_shape(c)?;
    let dev = c.x(0)?.device();
    let t = if truncated {
        let (mean, std) = (
            c.node.attr_float("means", 0.0) as f32,
            c.node.attr_float("stddev", 1.0) as f32,
        );
        creation::truncated_normal(&dev, &dims, mean, std, seed(c)?)?
    } else {
        creation::random_normal(&dev, &dims, 0.0, 1.0, seed(c)?)?
    };
    t.cast(c.node.attr_dtype("dtype")?.unwrap_or(DType::F32))
}

/// `Multinomial(logits, num_samples)`: for each row of logits, samples of a category with
/// probability softmax(logits), by the Gumbel-max trick (argmax of logits plus Gumbel noise).
fn multinomial(c: &Ctx) -> Result<Tensor> {
    let logits = c.x(0)?;
    if logits.numel() < 2 {
        return Err(c.err(format!(
            "Error in multinomial: you need at least 2 outcomes, but got {}.",
            logits.numel()
        )));
    }
    let rank = logits.rank();
    if rank == 0 || rank > 2 {
        return Err(c.err(format!("Rank of probabilities must be 1 or 2, but is {rank}")));
    }
    let rows = if rank == 1 {
        logits.reshape(&[1, -1])?
    } else {
        logits.clone()
    };
    let (b, k) = (rows.shape()[0], rows.shape()[1]);
    let n = c.size(c.int(1)?, "num_samples")?;
    crate::shape::numel_checked("Multinomial", &[b, n, k])?;
    let u = creation::random_uniform(&rows.device(), &[b, n, k], 1e-7, 1.0, seed(c)?)?;
    let gumbel = u.log()?.neg()?.log()?.neg()?;
    let picks = rows.reshape(&[b as isize, 1, k as isize])?.add(&gumbel)?.arg_max(2)?;
    let out = if rank == 1 {
        picks.reshape(&[n as isize])?
    } else {
        picks
    };
    out.cast(DType::I32)
}

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("RandomUniform", |c| one(random_uniform(c))),
    ("RandomUniformInt", |c| one(random_uniform_int(c))),
    ("RandomStandardNormal", |c| one(random_normal(c, false))),
    ("TruncatedNormal", |c| one(random_normal(c, true))),
    ("Multinomial", |c| one(multinomial(c))),
    ("Zeros", |c| one(constant(c, 0.0))),
    ("Ones", |c| one(constant(c, 1.0))),
    ("LinSpace", |c| one(linspace(c))),
    ("Fill", |c| one(fill(c))),
    ("ZerosLike", |c| one(c.x(0)?.zeros_like())),
    ("OnesLike", |c| one(c.x(0)?.ones_like())),
    ("Range", |c| one(range(c))),
    ("OneHot", |c| one(one_hot(c))),
];
