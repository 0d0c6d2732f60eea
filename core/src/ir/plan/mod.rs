//! What a kernel renderer computes before it writes any source. [`plan`] checks a [`Kernel`]
//! against its output shape and dtype and turns it into plain data, one plan per template: the
//! expression's steps and view index terms, the reduction strategy with its kept and reduced
//! dims, the GEMM problem a matmul or conv becomes, the sizes of a gather. The WGSL renderer
//! (`ferroflow-wgpu`) and the CUDA renderer (`ferroflow-native`, feature `cuda`) both start from
//! these plans, so their templates agree by construction; each keeps only its language's syntax
//! and its device's launch limits.
//!
//! Both languages index with 32-bit integers, so sizes that reach index arithmetic are checked
//! here against 2^31 once.

mod elementwise;
mod expr;
mod gather;
mod gemm;
mod index;
mod reduce;

pub use elementwise::ElementwisePlan;
pub use expr::{ExprPlan, Step, StepOp};
pub use gather::GatherPlan;
pub use gemm::{ConvGeometry, GemmOperands, GemmPlan, GemmProblem, Tiles};
pub use index::{flat_digits, Bound, Digit, Validity, ViewIndex};
pub use reduce::{ReducePlan, ReduceStrategy};

use super::kernel::{Kernel, KernelBody};
use crate::Error;

/// Why a kernel cannot be rendered; the renderer names its backend in [`Rejection::into_error`].
#[derive(Debug, Clone, PartialEq)]
pub enum Rejection {
    /// A malformed kernel, or one the templates do not cover.
    Unsupported(String),
    /// A size beyond 32-bit index arithmetic or the device's grid.
    Size(String),
    /// An error the kernel's own parameters raised (a conv window that does not fit), as is.
    Kernel(Error),
}

/// The result of planning (and of rendering, up to the renderer's entry point).
pub type Result<T> = std::result::Result<T, Rejection>;

impl Rejection {
    pub fn unsupported(msg: impl Into<String>) -> Self {
        Rejection::Unsupported(msg.into())
    }

    pub fn size(msg: impl Into<String>) -> Self {
        Rejection::Size(msg.into())
    }

    /// The typed error the renderer of `backend` returns.
    pub fn into_error(self, backend: &str) -> Error {
        match self {
            Rejection::Unsupported(msg) => Error::backend(backend, format!("cannot render kernel: {msg}")),
            Rejection::Size(msg) => Error::size(backend, msg),
            Rejection::Kernel(e) => e,
        }
    }
}

impl From<Error> for Rejection {
    fn from(e: Error) -> Self {
        Rejection::Kernel(e)
    }
}

/// A kernel, checked and planned: one variant per template.
#[derive(Debug, Clone)]
pub enum KernelPlan<'k> {
    Elementwise(ElementwisePlan<'k>),
    Reduce(ReducePlan<'k>),
    /// Matmul, conv, and either with an epilogue.
    Gemm(GemmPlan<'k>),
    Gather(GatherPlan),
    ScatterAdd(GatherPlan),
}

/// Checks `kernel` and computes everything its template needs.
pub fn plan(kernel: &Kernel) -> Result<KernelPlan<'_>> {
    let outputs = output_len(kernel)?;
    Ok(match &kernel.body {
        KernelBody::Elementwise(expr) => KernelPlan::Elementwise(elementwise::plan(kernel, expr, outputs)?),
        KernelBody::Reduce { op, axes, expr } => KernelPlan::Reduce(reduce::plan(kernel, *op, axes, expr)?),
        KernelBody::MatMul { .. } | KernelBody::Conv { .. } | KernelBody::WithEpilogue { .. } => {
            KernelPlan::Gemm(gemm::plan(kernel)?)
        }
        KernelBody::Gather {
            outer,
            axis_len,
            n_idx,
            inner,
        } => KernelPlan::Gather(gather::plan_gather(
            kernel,
            [*outer, *axis_len, *n_idx, *inner],
            outputs,
        )?),
        KernelBody::ScatterAdd {
            outer,
            n_idx,
            inner,
            axis_len,
        } => KernelPlan::ScatterAdd(gather::plan_scatter_add(
            kernel,
            [*outer, *axis_len, *n_idx, *inner],
            outputs,
        )?),
    })
}

/// The output's element count; outputs are indexed by one invocation each, so at most 2^31 - 1.
fn output_len(kernel: &Kernel) -> Result<usize> {
    kernel
        .out_shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .filter(|&n| n <= i32::MAX as usize)
        .ok_or_else(|| Rejection::size(format!("output of shape {:?} exceeds 2^31 elements", kernel.out_shape)))
}

/// The element count of `shape`, or `None` when it overflows.
fn numel(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d))
}

/// A size that must fit unsigned 32-bit index arithmetic (below 2^31, so it also fits an i32).
pub fn checked_u32(v: usize) -> Result<u32> {
    u32::try_from(v)
        .ok()
        .filter(|&x| x <= i32::MAX as u32)
        .ok_or_else(|| Rejection::size(format!("size {v} exceeds the 31-bit index range")))
}

/// A signed value that must fit an i32.
pub fn checked_i32(v: isize) -> Result<i32> {
    i32::try_from(v).map_err(|_| Rejection::size(format!("index value {v} exceeds the 32-bit index range")))
}

#[cfg(test)]
mod tests;
