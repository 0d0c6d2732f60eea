//! Thin constructors for each primitive, skipping no-op movements. The op library and the VJP
//! rules are written with these; they validate through `Prim::infer`.

use crate::dtype::DType;
use crate::ir::{BinaryOp, ConvParams, Prim, ReduceOp, UnaryOp};
use crate::tensor::Tensor;
use crate::Result;

pub fn unary(x: &Tensor, op: UnaryOp) -> Result<Tensor> {
    Tensor::apply(Prim::Unary(op), &[x])
}
pub fn binary(a: &Tensor, b: &Tensor, op: BinaryOp) -> Result<Tensor> {
    Tensor::apply(Prim::Binary(op), &[a, b])
}
pub fn select(c: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    Tensor::apply(Prim::Where, &[c, a, b])
}
pub fn cast(x: &Tensor, to: DType) -> Result<Tensor> {
    if x.dtype() == to {
        return Ok(x.clone());
    }
    Tensor::apply(Prim::Cast(to), &[x])
}
/// Reduction keeping the reduced axes (sorted, unique) as size 1.
pub fn reduce(x: &Tensor, op: ReduceOp, axes: &[usize]) -> Result<Tensor> {
    Tensor::apply(
        Prim::Reduce {
            op,
            axes: axes.to_vec(),
        },
        &[x],
    )
}
pub fn reshape(x: &Tensor, to: &[usize]) -> Result<Tensor> {
    if x.shape() == to {
        return Ok(x.clone());
    }
    Tensor::apply(Prim::Reshape(to.to_vec()), &[x])
}
pub fn permute(x: &Tensor, perm: &[usize]) -> Result<Tensor> {
    if perm.iter().enumerate().all(|(i, &p)| i == p) && perm.len() == x.rank() {
        return Ok(x.clone());
    }
    Tensor::apply(Prim::Permute(perm.to_vec()), &[x])
}
pub fn expand(x: &Tensor, to: &[usize]) -> Result<Tensor> {
    if x.shape() == to {
        return Ok(x.clone());
    }
    Tensor::apply(Prim::Expand(to.to_vec()), &[x])
}
/// Zero padding (false for bool).
pub fn pad(x: &Tensor, pads: &[(usize, usize)]) -> Result<Tensor> {
    if pads.len() == x.rank() && pads.iter().all(|&(a, b)| a == 0 && b == 0) {
        return Ok(x.clone());
    }
    Tensor::apply(Prim::Pad(pads.to_vec()), &[x])
}
/// A step is irrelevant where at most one element is taken; it is normalized to 1 there so such
/// slices share kernels and huge steps never reach view arithmetic.
pub fn slice(x: &Tensor, start: &[usize], len: &[usize], step: &[usize]) -> Result<Tensor> {
    let step: Vec<usize> = step
        .iter()
        .zip(len)
        .map(|(&s, &l)| if l <= 1 && s > 1 { 1 } else { s })
        .collect();
    let step = step.as_slice();
    if start.iter().all(|&s| s == 0) && len == x.shape() && step.iter().all(|&s| s == 1) && start.len() == x.rank() {
        return Ok(x.clone());
    }
    Tensor::apply(
        Prim::Slice {
            start: start.to_vec(),
            len: len.to_vec(),
            step: step.to_vec(),
        },
        &[x],
    )
}
pub fn flip(x: &Tensor, axes: &[usize]) -> Result<Tensor> {
    if axes.is_empty() {
        return Ok(x.clone());
    }
    Tensor::apply(Prim::Flip(axes.to_vec()), &[x])
}
/// `[B, M, K] x [B, K, N]`.
pub fn matmul3(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    Tensor::apply(Prim::MatMul, &[a, b])
}
pub fn conv(x: &Tensor, w: &Tensor, p: ConvParams) -> Result<Tensor> {
    Tensor::apply(Prim::Conv(p), &[x, w])
}
pub fn gather(x: &Tensor, idx: &Tensor, axis: usize) -> Result<Tensor> {
    Tensor::apply(Prim::Gather { axis }, &[x, idx])
}
pub fn scatter_add(upd: &Tensor, idx: &Tensor, axis: usize, size: usize) -> Result<Tensor> {
    Tensor::apply(Prim::ScatterAdd { axis, size }, &[upd, idx])
}
/// A constant of `x`'s dtype and device, broadcast to `x`'s shape.
pub fn full_like(x: &Tensor, v: f64) -> Result<Tensor> {
    let s = Tensor::scalar_on(crate::Scalar::F32(v as f32).cast(x.dtype()), &x.device());
    if x.dtype() == DType::I32 {
        let s = Tensor::scalar_on(crate::Scalar::I32(v as i32), &x.device());
        return expand(&reshape(&s, &vec![1; x.rank()])?, x.shape());
    }
    expand(&reshape(&s, &vec![1; x.rank()])?, x.shape())
}
