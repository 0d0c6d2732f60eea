//! Comparisons (bool results), logical connectives, selection and `BitwiseAnd`.

use super::{binary, one, Ctx, Kernel};
use crate::dtype::{DType, HostData};
use crate::ops::where_;
use crate::{Result, Tensor};

/// `BitwiseAnd(x, y)`: int32 tensors of one shape (TF.js's rules), computed on the host.
fn bitwise_and(c: &Ctx) -> Result<Tensor> {
    let (x, y) = (c.x(0)?, c.x(1)?);
    if x.shape() != y.shape() {
        return Err(c.err(format!(
            "BitwiseAnd: Tensors must have the same shape. x: {:?}, y: {:?}",
            x.shape(),
            y.shape()
        )));
    }
    if x.dtype() != DType::I32 || y.dtype() != DType::I32 {
        return Err(c.err(format!(
            "BitwiseAnd: Only supports 'int32' values in tensor, found type of x: {:?} and type of y: {:?}",
            x.dtype(),
            y.dtype()
        )));
    }
    match c.prefetch(&[0, 1])?.as_slice() {
        [HostData::I32(a), HostData::I32(b)] => {
            let v = a.iter().zip(b).map(|(p, q)| p & q).collect();
            c.upload(HostData::I32(v), x.shape())
        }
        _ => Err(c.err("BitwiseAnd reads int32 values")),
    }
}

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("Equal", |c| binary(c, |a, b| a.equal(b))),
    ("NotEqual", |c| binary(c, |a, b| a.not_equal(b))),
    ("Less", |c| binary(c, |a, b| a.less(b))),
    ("LessEqual", |c| binary(c, |a, b| a.less_equal(b))),
    ("Greater", |c| binary(c, |a, b| a.greater(b))),
    ("GreaterEqual", |c| binary(c, |a, b| a.greater_equal(b))),
    ("LogicalAnd", |c| binary(c, |a, b| a.logical_and(b))),
    ("LogicalOr", |c| binary(c, |a, b| a.logical_or(b))),
    ("LogicalNot", |c| one(c.x(0)?.logical_not())),
    ("Select", |c| one(where_(c.x(0)?, c.x(1)?, c.x(2)?))),
    ("SelectV2", |c| one(where_(c.x(0)?, c.x(1)?, c.x(2)?))),
    ("BitwiseAnd", |c| one(bitwise_and(c))),
];
