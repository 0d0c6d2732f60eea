//! Matrix products and transposes.

use super::convolution::fused_epilogue;
use super::{one, Ctx, Kernel};
use crate::{Result, Tensor};

fn matmul(c: &Ctx) -> Result<Tensor> {
    let ta = c.node.attr_bool("transpose_a", false);
    let tb = c.node.attr_bool("transpose_b", false);
    c.x(0)?.matmul(c.x(1)?, ta, tb)
}

fn batch_matmul(c: &Ctx) -> Result<Tensor> {
    let ta = c.node.attr_bool("adj_x", false);
    let tb = c.node.attr_bool("adj_y", false);
    c.x(0)?.matmul(c.x(1)?, ta, tb)
}

fn transpose(c: &Ctx) -> Result<Tensor> {
    let perm = c.ints(1)?;
    let perm: Vec<usize> = perm
        .iter()
        .map(|&p| c.size(p, "a permutation entry"))
        .collect::<Result<_>>()?;
    c.x(0)?.transpose(&perm)
}

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("MatMul", |c| one(matmul(c))),
    ("_FusedMatMul", |c| one(fused_epilogue(c, matmul(c)?, 2, false))),
    ("BatchMatMul", |c| one(batch_matmul(c))),
    ("BatchMatMulV2", |c| one(batch_matmul(c))),
    ("BatchMatMulV3", |c| one(batch_matmul(c))),
    ("Transpose", |c| one(transpose(c))),
];
