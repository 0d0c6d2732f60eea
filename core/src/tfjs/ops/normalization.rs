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

/// `LRN`: each channel divided by `(bias + alpha * sum of squares over the 2r+1 nearest
/// channels) ^ beta` (TF.js's `localResponseNormalization`).
fn lrn(c: &Ctx) -> Result<Tensor> {
    let x = c.x(0)?;
    if x.rank() != 4 {
        return Err(c.err(format!(
            "Error in localResponseNormalization: x must be rank 3 or 4 but got rank {}.",
            x.rank()
        )));
    }
    let r = c.node.attr_int("depth_radius", Some(5))?;
    let r = c.size(r, "depth_radius")?;
    let (bias, alpha, beta) = (
        c.node.attr_float("bias", 1.0),
        c.node.attr_float("alpha", 1.0),
        c.node.attr_float("beta", 0.5),
    );
    let depth = x.shape()[3];
    let sq = x.square()?.pad(&[(0, 0), (0, 0), (0, 0), (r, r)], 0.0)?;
    let mut sum = sq.slice(&[0, 0, 0, 0], &[-1, -1, -1, depth as isize])?;
    for k in 1..=2 * r {
        sum = sum.add(&sq.slice(&[0, 0, 0, k], &[-1, -1, -1, depth as isize])?)?;
    }
    x.mul(&sum.mul(alpha as f32)?.add(bias as f32)?.pow(-beta as f32)?)
}

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("LRN", |c| one(lrn(c))),
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
