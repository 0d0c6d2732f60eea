//! Reductions: the expression is evaluated over `kept ++ reduced` indices, and each output is
//! reduced by one invocation or, for few outputs with long ranges, by a whole workgroup.

use super::expr::{self, ExprPlan};
use super::{checked_u32, Rejection, Result};
use crate::dtype::DType;
use crate::ir::{Expr, Kernel, ReduceOp};

/// Use a workgroup per output once a reduction is at least this long and outputs are few.
const TREE_MIN_LEN: usize = 256;
const TREE_MAX_OUTPUTS: usize = 16_384;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReduceStrategy {
    /// One invocation per output loops over its reduced range (many outputs, or short ranges).
    Loop,
    /// One workgroup per output: its invocations stride over the range, then combine their
    /// partial results in a tree in workgroup memory (few outputs with long ranges).
    Tree,
}

#[derive(Debug, Clone)]
pub struct ReducePlan<'k> {
    pub op: ReduceOp,
    /// Over the shape before reduction; its dtype is the output's.
    pub expr: ExprPlan<'k>,
    /// The expression's dims that are kept, ascending, and their sizes.
    pub kept: Vec<usize>,
    pub kept_shape: Vec<usize>,
    /// The reduced dims (the kernel's axes), ascending, and their sizes.
    pub reduced: Vec<usize>,
    pub reduced_shape: Vec<usize>,
    /// Outputs, and the elements each reduces.
    pub outputs: u32,
    pub reduced_len: u32,
    pub strategy: ReduceStrategy,
    /// f32 sums keep a Neumaier compensation per invocation, added at the end, which keeps them
    /// close to the CPU backend's f64 accumulation.
    pub compensated: bool,
}

pub(super) fn plan<'k>(kernel: &Kernel, op: ReduceOp, axes: &[usize], expr: &'k Expr) -> Result<ReducePlan<'k>> {
    let rank = expr.shape.len();
    if axes.windows(2).any(|w| w[0] >= w[1]) || axes.iter().any(|&a| a >= rank) {
        return Err(Rejection::unsupported(format!("reduce axes {axes:?} for rank {rank}")));
    }
    let mut expect = expr.shape.clone();
    for &a in axes {
        expect[a] = 1;
    }
    if expect != kernel.out_shape || expr.dtype() != kernel.out_dtype {
        return Err(Rejection::unsupported(
            "reduce output shape or dtype differs from the expression",
        ));
    }
    let kept: Vec<usize> = (0..rank).filter(|d| !axes.contains(d)).collect();
    let kept_shape: Vec<usize> = kept.iter().map(|&d| expr.shape[d]).collect();
    let reduced_shape: Vec<usize> = axes.iter().map(|&d| expr.shape[d]).collect();
    let len = |shape: &[usize]| checked_u32(shape.iter().fold(1usize, |a, &d| a.saturating_mul(d)));
    let (outputs, reduced_len) = (len(&kept_shape)?, len(&reduced_shape)?);
    let tree = reduced_len as usize >= TREE_MIN_LEN && outputs as usize <= TREE_MAX_OUTPUTS;
    Ok(ReducePlan {
        op,
        expr: expr::plan(expr, kernel.num_inputs, false)?,
        kept,
        kept_shape,
        reduced: axes.to_vec(),
        reduced_shape,
        outputs,
        reduced_len,
        strategy: if tree {
            ReduceStrategy::Tree
        } else {
            ReduceStrategy::Loop
        },
        compensated: op == ReduceOp::Sum && expr.dtype() == DType::F32,
    })
}
