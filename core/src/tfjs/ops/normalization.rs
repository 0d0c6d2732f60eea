//! Softmax and batch normalization (inference form: the given mean and variance).

use super::{one, Ctx, Kernel};
use crate::{Result, Tensor};

/// `(x - mean) / sqrt(variance + epsilon) * scale + offset`; TF.js returns only this output.
fn fused_batch_norm(c: &Ctx) -> Result<Tensor> {
    let (x, scale, offset, mean, variance) = (c.x(0)?, c.x(1)?, c.x(2)?, c.x(3)?, c.x(4)?);
    let eps = c.node.attr_float("epsilon", 0.001) as f32;
    let inv = variance.add(eps)?.rsqrt()?.mul(scale)?;
    if c.nchw()? {
        let r = |t: &Tensor| t.reshape(&[1, -1, 1, 1]);
        return x.sub(&r(mean)?)?.mul(&r(&inv)?)?.add(&r(offset)?);
    }
    x.sub(mean)?.mul(&inv)?.add(offset)
}

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("EuclideanNorm", |c| {
        let axes: Vec<isize> = c.axes(1)?;
        one(c.x(0)?.norm(&axes, c.node.attr_bool("keep_dims", false)))
    }),
    ("Softmax", |c| one(c.x(0)?.softmax(-1))),
    ("LogSoftmax", |c| one(c.x(0)?.log_softmax(-1))),
    ("FusedBatchNorm", |c| one(fused_batch_norm(c))),
    ("FusedBatchNormV2", |c| one(fused_batch_norm(c))),
    ("FusedBatchNormV3", |c| one(fused_batch_norm(c))),
];
