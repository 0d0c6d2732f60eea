//! Reductions. Axes may be negative; an empty axis list means "all axes" (as TF.js with no axis).

use crate::dtype::DType;
use crate::ir::ReduceOp;
use crate::ops::prim;
use crate::shape::{normalize_axes, normalize_axis};
use crate::tensor::Tensor;
use crate::{Error, Result};

/// `shape` with the (normalized) reduced `axes` removed.
fn without_axes(shape: &[usize], axes: &[usize]) -> Vec<usize> {
    (0..shape.len())
        .filter(|d| !axes.contains(d))
        .map(|d| shape[d])
        .collect()
}

impl Tensor {
    fn reduce_with(&self, op: ReduceOp, name: &str, axes: &[isize], keep_dims: bool) -> Result<Tensor> {
        let ax = normalize_axes(name, axes, self.rank())?;
        let r = prim::reduce(self, op, &ax)?;
        if keep_dims {
            return Ok(r);
        }
        prim::reshape(&r, &without_axes(self.shape(), &ax))
    }
    fn numeric(&self, name: &str) -> Result<Tensor> {
        if self.dtype() == DType::Bool {
            return self.cast(DType::I32);
        }
        let _ = name;
        Ok(self.clone())
    }

    /// Sum over `axes` (all when empty); bool sums as int32.
    pub fn sum(&self, axes: &[isize], keep_dims: bool) -> Result<Tensor> {
        self.numeric("sum")?.reduce_with(ReduceOp::Sum, "sum", axes, keep_dims)
    }
    /// Product over `axes`.
    pub fn prod(&self, axes: &[isize], keep_dims: bool) -> Result<Tensor> {
        self.numeric("prod")?
            .reduce_with(ReduceOp::Prod, "prod", axes, keep_dims)
    }
    /// Maximum over `axes`.
    pub fn max(&self, axes: &[isize], keep_dims: bool) -> Result<Tensor> {
        self.reduce_with(ReduceOp::Max, "max", axes, keep_dims)
    }
    /// Minimum over `axes`.
    pub fn min(&self, axes: &[isize], keep_dims: bool) -> Result<Tensor> {
        self.reduce_with(ReduceOp::Min, "min", axes, keep_dims)
    }
    /// Mean over `axes` (integers are averaged as float32).
    pub fn mean(&self, axes: &[isize], keep_dims: bool) -> Result<Tensor> {
        let x = self.cast(DType::F32)?;
        let ax = normalize_axes("mean", axes, self.rank())?;
        let count: usize = ax.iter().map(|&a| self.shape()[a]).product();
        x.sum(axes, keep_dims)?.div(count as f32)
    }
    /// Mean and (population) variance over `axes`, as TF.js `moments`.
    pub fn moments(&self, axes: &[isize], keep_dims: bool) -> Result<(Tensor, Tensor)> {
        let mean = self.mean(axes, true)?;
        let var = self.cast(DType::F32)?.sub(&mean)?.square()?.mean(axes, keep_dims)?;
        let mean = if keep_dims { mean } else { self.mean(axes, false)? };
        Ok((mean, var))
    }
    /// True where any element along `axes` is true.
    pub fn any(&self, axes: &[isize], keep_dims: bool) -> Result<Tensor> {
        self.cast(DType::Bool)?
            .reduce_with(ReduceOp::Max, "any", axes, keep_dims)
    }
    /// True where every element along `axes` is true.
    pub fn all(&self, axes: &[isize], keep_dims: bool) -> Result<Tensor> {
        self.cast(DType::Bool)?
            .reduce_with(ReduceOp::Min, "all", axes, keep_dims)
    }
    /// `log(sum(exp(x)))`, computed stably.
    pub fn log_sum_exp(&self, axes: &[isize], keep_dims: bool) -> Result<Tensor> {
        let x = self.cast(DType::F32)?;
        let m = crate::ops::activation::stop_gradient(&x.max(axes, true)?)?;
        // A row of -inf would give inf - inf; use 0 as the shift there.
        let m = crate::ops::elementwise::where_(&m.is_finite()?, &m, &m.zeros_like()?)?;
        let s = x.sub(&m)?.exp()?.sum(axes, true)?.log()?.add(&m)?;
        if keep_dims {
            return Ok(s);
        }
        let ax = normalize_axes("logSumExp", axes, self.rank())?;
        prim::reshape(&s, &without_axes(self.shape(), &ax))
    }
    /// Index of the maximum along `axis` (first one on ties), int32.
    pub fn arg_max(&self, axis: isize) -> Result<Tensor> {
        self.arg_extreme(axis, true)
    }
    /// Index of the minimum along `axis` (first one on ties), int32.
    pub fn arg_min(&self, axis: isize) -> Result<Tensor> {
        self.arg_extreme(axis, false)
    }
    fn arg_extreme(&self, axis: isize, is_max: bool) -> Result<Tensor> {
        let name = if is_max { "argMax" } else { "argMin" };
        if self.dtype() == DType::Bool {
            return self.cast(DType::I32)?.arg_extreme(axis, is_max);
        }
        let a = normalize_axis(name, axis, self.rank())?;
        let n = self.shape()[a];
        if n == 0 {
            return Err(Error::shape(name, format!("axis {axis} has size 0")));
        }
        let ext = if is_max {
            self.max(&[a as isize], true)?
        } else {
            self.min(&[a as isize], true)?
        };
        // NaN counts as the extreme (TF/numpy behaviour): match it by self != self.
        let hit = self.equal(&ext)?.logical_or(&self.is_nan()?)?;
        let mut s = vec![1; self.rank()];
        s[a] = n;
        let idx = prim::expand(
            &prim::reshape(&crate::ops::creation::arange(&self.device(), n)?, &s)?,
            self.shape(),
        )?;
        let big = idx.mul(0)?.add(n as i32)?;
        let cand = crate::ops::elementwise::where_(&hit, &idx, &big)?;
        cand.reduce_with(ReduceOp::Min, name, &[a as isize], false)
    }
    /// Euclidean norm over `axes`.
    pub fn norm(&self, axes: &[isize], keep_dims: bool) -> Result<Tensor> {
        self.cast(DType::F32)?.square()?.sum(axes, keep_dims)?.sqrt()
    }
}
