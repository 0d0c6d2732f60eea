//! Matrix products, transposes and band masks.

use super::convolution::fused_epilogue;
use super::{one, Ctx, Kernel};
use crate::dtype::HostData;
use crate::ops::where_;
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
    c.x(0)?.transpose(&c.sizes(1, "a permutation entry")?)
}

/// `MatrixBandPart(a, num_lower, num_upper)`: the band of each inner matrix (a negative count
/// keeps that whole triangle), zeros elsewhere.
fn band_part(c: &Ctx) -> Result<Tensor> {
    let a = c.x(0)?;
    let r = a.rank();
    if r < 2 {
        return Err(c.err(format!("bandPart(): Rank must be at least 2, got {r}.")));
    }
    let (m, n) = (a.shape()[r - 2], a.shape()[r - 1]);
    let (lower, upper) = (c.int(1)?, c.int(2)?);
    let keep = |i: usize, j: usize| {
        let d = i as i64 - j as i64;
        (lower < 0 || d <= lower) && (upper < 0 || -d <= upper)
    };
    let mask: Vec<bool> = (0..m * n).map(|k| keep(k / n, k % n)).collect();
    where_(&c.upload(HostData::Bool(mask), &[m, n])?, a, &a.zeros_like()?)
}

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("MatrixBandPart", |c| one(band_part(c))),
    ("MatMul", |c| one(matmul(c))),
    ("_FusedMatMul", |c| one(fused_epilogue(c, matmul(c)?, 2, false))),
    ("BatchMatMul", |c| one(batch_matmul(c))),
    ("BatchMatMulV2", |c| one(batch_matmul(c))),
    ("BatchMatMulV3", |c| one(batch_matmul(c))),
    ("Transpose", |c| one(transpose(c))),
];
