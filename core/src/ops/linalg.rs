//! Matrix products.

use crate::dtype::DType;
use crate::ops::prim;
use crate::shape::{broadcast_shapes, numel};
use crate::tensor::Tensor;
use crate::{Error, Result};

impl Tensor {
    /// Batched matrix product `[..., M, K] x [..., K, N]` with broadcast batch dims and optional
    /// transposes of the last two dims (TF.js `matMul`).
    pub fn matmul(&self, other: &Tensor, transpose_a: bool, transpose_b: bool) -> Result<Tensor> {
        if self.rank() < 2 || other.rank() < 2 {
            return Err(Error::shape(
                "matMul",
                format!(
                    "operands must have rank >= 2, got {:?} and {:?}",
                    self.shape(),
                    other.shape()
                ),
            ));
        }
        if self.dtype() != DType::F32 || other.dtype() != DType::F32 {
            return Err(Error::dtype(
                "matMul",
                format!("expects float32, got {} and {}", self.dtype(), other.dtype()),
            ));
        }
        let swap = |t: &Tensor, tr: bool| -> Result<Tensor> {
            if !tr {
                return Ok(t.clone());
            }
            let mut p: Vec<usize> = (0..t.rank()).collect();
            p.swap(t.rank() - 2, t.rank() - 1);
            prim::permute(t, &p)
        };
        let (a, b) = (swap(self, transpose_a)?, swap(other, transpose_b)?);
        let (ra, rb) = (a.rank(), b.rank());
        let (m, k) = (a.shape()[ra - 2], a.shape()[ra - 1]);
        let (k2, n) = (b.shape()[rb - 2], b.shape()[rb - 1]);
        if k != k2 {
            return Err(Error::shape(
                "matMul",
                format!(
                    "inner dimensions differ: {:?} x {:?} (after transposes)",
                    a.shape(),
                    b.shape()
                ),
            ));
        }
        let batch = broadcast_shapes("matMul", &a.shape()[..ra - 2], &b.shape()[..rb - 2])?;
        let bn = numel(&batch);
        let full = |t: &Tensor, r: usize, c: usize| -> Result<Tensor> {
            let mut s = batch.clone();
            s.extend([r, c]);
            let t = t.broadcast_to(&s)?;
            prim::reshape(&t, &[bn, r, c])
        };
        let out = prim::matmul3(&full(&a, m, k)?, &full(&b, k, n)?)?;
        let mut s = batch;
        s.extend([m, n]);
        prim::reshape(&out, &s)
    }
    /// Dot product of vectors, or matrix-vector / vector-matrix products (TF.js `dot`).
    pub fn dot(&self, other: &Tensor) -> Result<Tensor> {
        match (self.rank(), other.rank()) {
            (1, 1) => self.mul(other)?.sum(&[], false),
            (1, 2) => self.expand_dims(0)?.matmul(other, false, false)?.squeeze(&[0]),
            (2, 1) => self.matmul(&other.expand_dims(1)?, false, false)?.squeeze(&[1]),
            (2, 2) => self.matmul(other, false, false),
            (a, b) => Err(Error::shape(
                "dot",
                format!("expects rank 1 or 2 operands, got ranks {a} and {b}"),
            )),
        }
    }
    /// Outer product of two vectors.
    pub fn outer_product(&self, other: &Tensor) -> Result<Tensor> {
        if self.rank() != 1 || other.rank() != 1 {
            return Err(Error::shape("outerProduct", "expects two vectors"));
        }
        self.expand_dims(1)?.mul(&other.expand_dims(0)?)
    }
}
