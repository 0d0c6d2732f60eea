//! Tensors made from shapes and scalars: `Fill`, `ZerosLike`, `OnesLike`, `Range`, `OneHot`.

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

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("Zeros", |c| one(constant(c, 0.0))),
    ("Ones", |c| one(constant(c, 1.0))),
    ("LinSpace", |c| one(linspace(c))),
    ("Fill", |c| one(fill(c))),
    ("ZerosLike", |c| one(c.x(0)?.zeros_like())),
    ("OnesLike", |c| one(c.x(0)?.ones_like())),
    ("Range", |c| one(range(c))),
    ("OneHot", |c| one(one_hot(c))),
];
