//! The kernel IR: what the scheduler hands to a backend. A kernel reads some input buffers and
//! writes one new output buffer. Kernels derive `Hash`/`Eq` structurally (buffers are referred to
//! by input slot, never by identity), so identical work across training steps hits the compile
//! cache.
//!
//! Elementwise and reduction kernels carry a small SSA expression whose leaves are loads through
//! [`View`]s; codegen backends render it (one renderer per language), the CPU backend evaluates it
//! in blocks. Matmul, conv, gather and scatter-add are template kernels with fixed inputs.

use super::primitive::{BinaryOp, ConvParams, ReduceOp, UnaryOp};
use super::view::View;
use crate::dtype::{DType, Scalar};
use crate::shape::Shape;

/// Where a load reads from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Source {
    /// Kernel input slot `i`.
    Input(usize),
    /// A constant (appears as a load only when masked, i.e. padded).
    Const(Scalar),
    /// The source offset itself as i32 (from `Prim::Arange`).
    Arange,
    /// `uniform_from_bits(rand_bits(seed, offset))` (from `Prim::Rand`). The u64 seed is read at
    /// run time from input slot `seed_input`, an int32 buffer `[low 32 bits, high 32 bits]`, so
    /// kernels that differ only in their seed (dropout every step) share one compiled kernel.
    Rand { seed_input: usize },
    /// The template's own result at this element; only in a [`KernelBody::WithEpilogue`]
    /// expression, through a contiguous view (element i reads result i).
    Accumulator,
}

/// One SSA instruction; operands are indices of earlier nodes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ExprOp {
    /// Masked-out positions read zero (false).
    Load {
        src: Source,
        view: View,
    },
    Const(Scalar),
    Unary(UnaryOp, usize),
    Binary(BinaryOp, usize, usize),
    Where(usize, usize, usize),
    Cast(usize),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExprNode {
    pub op: ExprOp,
    /// Result dtype of this node.
    pub dtype: DType,
}

/// An expression evaluated at every index of `shape`; the value is the last node.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Expr {
    pub shape: Shape,
    pub nodes: Vec<ExprNode>,
}

impl Expr {
    /// Dtype of the result.
    pub fn dtype(&self) -> DType {
        self.nodes.last().map_or(DType::F32, |n| n.dtype)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KernelBody {
    /// `out[i] = expr(i)` over `out_shape` (== `expr.shape`).
    Elementwise(Expr),
    /// `out = reduce(op, expr, axes)` with the reduced axes kept as size 1; `expr.shape` is the
    /// shape before reduction. f32 sums should accumulate in wider precision or pairwise.
    Reduce { op: ReduceOp, axes: Vec<usize>, expr: Expr },
    /// Input 0 read through `a` ([B, M, K]), input 1 through `b` ([B, K, N]); unmasked views.
    MatMul { a: View, b: View },
    /// Input 0 read through `x` (NHWC, `[N, H, W, C]`), input 1 through `w` (HWIO,
    /// `[KH, KW, C / groups, O]`); unmasked views, so a transposed operand (the filter gradient
    /// reads the input with batch and channels swapped) costs no copy.
    Conv { params: ConvParams, x: View, w: View },
    /// Input 0: x contiguous viewed as [outer, axis_len, inner]; input 1: i32 indices (n_idx).
    /// `out[o, j, i] = x[o, idx[j], i]`, or 0 when `idx[j]` is outside `0..axis_len`.
    Gather {
        outer: usize,
        axis_len: usize,
        n_idx: usize,
        inner: usize,
    },
    /// A matmul or conv (`template`, reading inputs 0 and 1) whose result goes through an
    /// elementwise `epilogue` before it is stored: `out[i] = epilogue(i)` over `epilogue.shape`
    /// (same element count as the template's output), where `Source::Accumulator` loads read the
    /// template's result and other loads read inputs as usual (bias, residual: slots 2..).
    /// One dispatch instead of two, and the template's output never reaches memory.
    WithEpilogue { template: Box<KernelBody>, epilogue: Expr },
    /// Input 0: updates [outer, n_idx, inner]; input 1: i32 indices (n_idx). Output
    /// [outer, axis_len, inner] zero-filled, then `out[o, idx[j], i] += upd[o, j, i]`;
    /// out-of-range indices are dropped.
    ScatterAdd {
        outer: usize,
        n_idx: usize,
        inner: usize,
        axis_len: usize,
    },
}

/// A unit of work for a backend: `num_inputs` input buffers -> one output buffer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Kernel {
    pub num_inputs: usize,
    pub out_shape: Shape,
    pub out_dtype: DType,
    pub body: KernelBody,
}

impl Kernel {
    /// A short label for profiles and logs ("elementwise", "reduce", "matmul", ...).
    pub fn kind(&self) -> &'static str {
        match &self.body {
            KernelBody::Elementwise(_) => "elementwise",
            KernelBody::Reduce { .. } => "reduce",
            KernelBody::MatMul { .. } => "matmul",
            KernelBody::Conv { .. } => "conv",
            KernelBody::Gather { .. } => "gather",
            KernelBody::ScatterAdd { .. } => "scatterAdd",
            KernelBody::WithEpilogue { template, .. } => match template.as_ref() {
                KernelBody::Conv { .. } => "conv+epilogue",
                _ => "matmul+epilogue",
            },
        }
    }
}

impl KernelBody {
    /// The natural output shape of a matmul (`[B, M, N]`) or conv (`[N, OH, OW, O]`) template;
    /// an error for other bodies or inconsistent operands.
    pub fn template_shape(&self) -> crate::Result<Shape> {
        match self {
            KernelBody::MatMul { a, b } if a.shape.len() == 3 && b.shape.len() == 3 => {
                Ok(vec![a.shape[0], a.shape[1], b.shape[2]])
            }
            KernelBody::Conv { params, x, w } if x.shape.len() == 4 && w.shape.len() == 4 => {
                let [oh, ow] = params.out_spatial("conv", [x.shape[1], x.shape[2]], [w.shape[0], w.shape[1]])?;
                Ok(vec![x.shape[0], oh, ow, w.shape[3]])
            }
            _ => Err(crate::Error::backend(
                "kernel",
                "an epilogue needs a matmul or conv template",
            )),
        }
    }
}
