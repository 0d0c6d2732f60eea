//! The primitive set. Every user op in `ops` is a composition of these; autograd has one VJP rule
//! per primitive (`autograd::vjp`); backends never see anything else (they see kernels built from
//! them). Semantics that backends must reproduce bit-for-bit or within tolerance are documented
//! here, next to each primitive, and nowhere else.

use crate::dtype::{DType, Scalar};
use crate::shape::{numel_checked, Shape};
use crate::{Error, Result};

/// Elementwise unary primitives. Math ops take f32; `Neg` also i32; `Not` takes bool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    Exp,
    Log,
    Sqrt,
    Recip,
    Sin,
    Cos,
    /// Kept primitive (not exp-composed) so large |x| neither overflows nor yields NaN gradients.
    Tanh,
    /// 1/(1+e^-x), primitive for the same reason as `Tanh`.
    Sigmoid,
    /// Error function; backends without one use an approximation with |error| <= 1.5e-7.
    Erf,
    Floor,
    Ceil,
    /// Round half to even (as TF).
    Round,
    Not,
}

impl UnaryOp {
    pub fn name(self) -> &'static str {
        match self {
            UnaryOp::Neg => "neg",
            UnaryOp::Exp => "exp",
            UnaryOp::Log => "log",
            UnaryOp::Sqrt => "sqrt",
            UnaryOp::Recip => "recip",
            UnaryOp::Sin => "sin",
            UnaryOp::Cos => "cos",
            UnaryOp::Tanh => "tanh",
            UnaryOp::Sigmoid => "sigmoid",
            UnaryOp::Erf => "erf",
            UnaryOp::Floor => "floor",
            UnaryOp::Ceil => "ceil",
            UnaryOp::Round => "round",
            UnaryOp::Not => "logicalNot",
        }
    }
    fn accepts(self, d: DType) -> bool {
        match self {
            UnaryOp::Not => d == DType::Bool,
            UnaryOp::Neg => d != DType::Bool,
            _ => d == DType::F32,
        }
    }
}

/// Elementwise binary primitives on two operands of the same shape and dtype.
///
/// Integer semantics: `Div` is floor division and `Mod` floor modulo (sign of the divisor, as TF's
/// floorDiv/floorMod); division or modulo by zero gives 0; add/sub/mul wrap. `Pow` on i32 is exact
/// repeated multiplication (wrapping); a negative exponent gives 1/base truncated (0 unless |base|=1).
/// Float `Mod` is `x - floor(x/y)*y`. `Max`/`Min` propagate NaN. `Lt`/`Le`/`Eq` give bool;
/// `And`/`Or` take bool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Max,
    Min,
    Mod,
    Lt,
    Le,
    Eq,
    And,
    Or,
}

impl BinaryOp {
    pub fn name(self) -> &'static str {
        match self {
            BinaryOp::Add => "add",
            BinaryOp::Sub => "sub",
            BinaryOp::Mul => "mul",
            BinaryOp::Div => "div",
            BinaryOp::Pow => "pow",
            BinaryOp::Max => "maximum",
            BinaryOp::Min => "minimum",
            BinaryOp::Mod => "mod",
            BinaryOp::Lt => "less",
            BinaryOp::Le => "lessEqual",
            BinaryOp::Eq => "equal",
            BinaryOp::And => "logicalAnd",
            BinaryOp::Or => "logicalOr",
        }
    }
    /// Dtype of the result given the (shared) operand dtype.
    pub fn result_dtype(self, d: DType) -> DType {
        match self {
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Eq => DType::Bool,
            _ => d,
        }
    }
    fn accepts(self, d: DType) -> bool {
        match self {
            BinaryOp::And | BinaryOp::Or => d == DType::Bool,
            BinaryOp::Eq => true,
            _ => d != DType::Bool,
        }
    }
}

/// Reductions. Sums of f32 accumulate in at least f32 with pairwise/blocked or wider accumulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReduceOp {
    Sum,
    Max,
    Min,
    Prod,
}

impl ReduceOp {
    /// The identity element (what an empty reduction returns).
    pub fn identity(self, d: DType) -> Scalar {
        match (self, d) {
            (ReduceOp::Sum, _) => Scalar::zero(d),
            (ReduceOp::Prod, _) => Scalar::F32(1.0).cast(d),
            (ReduceOp::Max, DType::F32) => Scalar::F32(f32::NEG_INFINITY),
            (ReduceOp::Max, DType::I32) => Scalar::I32(i32::MIN),
            (ReduceOp::Max, DType::Bool) => Scalar::Bool(false),
            (ReduceOp::Min, DType::F32) => Scalar::F32(f32::INFINITY),
            (ReduceOp::Min, DType::I32) => Scalar::I32(i32::MAX),
            (ReduceOp::Min, DType::Bool) => Scalar::Bool(true),
        }
    }
}

/// A 2-D convolution in the general form XLA uses: input NHWC, filter HWIO with I = C/groups,
/// output NHWC. `padding` may be negative (crops). `lhs_dilation` > 1 inserts zeros between input
/// pixels (this is how transposed convolutions and input gradients are expressed);
/// `rhs_dilation` dilates the filter. Output spatial size per dim:
/// `floor((dil(in, lhs_d) + lo + hi - dil(k, rhs_d)) / stride) + 1`, where `dil(n, d) = (n-1)*d+1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConvParams {
    pub stride: [usize; 2],
    pub padding: [(isize, isize); 2],
    pub lhs_dilation: [usize; 2],
    pub rhs_dilation: [usize; 2],
    pub groups: usize,
}

impl ConvParams {
    /// Output spatial size, or an error when the window does not fit.
    pub fn out_spatial(&self, op: &str, in_hw: [usize; 2], k_hw: [usize; 2]) -> Result<[usize; 2]> {
        let mut out = [0; 2];
        for d in 0..2 {
            if self.stride[d] == 0 || self.lhs_dilation[d] == 0 || self.rhs_dilation[d] == 0 {
                return Err(Error::invalid(op, "strides and dilations must be >= 1"));
            }
            // i128: no combination of usize extents and isize paddings can overflow it.
            let dil = |n: usize, f: usize| if n == 0 { 0 } else { (n as i128 - 1) * f as i128 + 1 };
            let span = dil(in_hw[d], self.lhs_dilation[d]) + self.padding[d].0 as i128 + self.padding[d].1 as i128;
            let k = dil(k_hw[d], self.rhs_dilation[d]);
            if k <= 0 || span < k || span > isize::MAX as i128 {
                return Err(Error::shape(
                    op,
                    format!("window of extent {k} does not fit input extent {span} (after padding) in spatial dim {d}"),
                ));
            }
            out[d] = ((span - k) / self.stride[d] as i128) as usize + 1;
        }
        Ok(out)
    }
}

/// One primitive operation. Shape-carrying variants hold the output shape so that inference needs
/// nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Prim {
    /// A leaf backed by a device buffer.
    Data,
    /// A rank-0 constant.
    Const(Scalar),
    /// `[0, 1, ..., n-1]` as i32.
    Arange(usize),
    /// Uniform f32 in [0, 1): element i is `uniform_from_bits(rand_bits(seed, i))`, the same on every backend.
    Rand {
        seed: u64,
        shape: Shape,
    },
    Unary(UnaryOp),
    Binary(BinaryOp),
    /// `where(cond: bool, a, b)`, all the same shape.
    Where,
    /// Conversion; see [`Scalar::cast`] for the rules.
    Cast(DType),
    /// Reduction over `axes` (sorted, unique), keeping them as size-1 dims.
    Reduce {
        op: ReduceOp,
        axes: Vec<usize>,
    },
    /// Same elements, new shape.
    Reshape(Shape),
    /// Output dim i is input dim `perm[i]`.
    Permute(Vec<usize>),
    /// Broadcast size-1 dims to the given shape (same rank).
    Expand(Shape),
    /// Zero-padding (false for bool) of (before, after) per dim.
    Pad(Vec<(usize, usize)>),
    /// Elements `start + i*step` for `i < len` per dim, `step >= 1`.
    Slice {
        start: Vec<usize>,
        len: Vec<usize>,
        step: Vec<usize>,
    },
    /// Reverse the given axes.
    Flip(Vec<usize>),
    /// `[B, M, K] x [B, K, N] -> [B, M, N]` (f32).
    MatMul,
    /// See [`ConvParams`]; inputs x NHWC, w HWIO (f32).
    Conv(ConvParams),
    /// `out[o, j, i] = x[o, idx[j], i]` with `axis` splitting outer/inner; indices out of range give 0.
    Gather {
        axis: usize,
    },
    /// Inverse of gather: `out[o, idx[j], i] += upd[o, j, i]`, out has `size` along `axis`;
    /// out-of-range indices are dropped.
    ScatterAdd {
        axis: usize,
        size: usize,
    },
}

/// Counter-based random bits: a few rounds of a 32-bit integer mixer keyed by the seed. Written
/// with u32 arithmetic only so that WGSL and CUDA renderers reproduce it exactly.
pub fn rand_bits(seed: u64, index: u32) -> u32 {
    fn mix(mut x: u32) -> u32 {
        x ^= x >> 16;
        x = x.wrapping_mul(0x7feb_352d);
        x ^= x >> 15;
        x = x.wrapping_mul(0x846c_a68b);
        x ^= x >> 16;
        x
    }
    let k0 = seed as u32;
    let k1 = (seed >> 32) as u32;
    mix(mix(mix(index ^ k0) ^ k1).wrapping_add(0x9e37_79b9))
}

/// Maps random bits to a uniform f32 in [0, 1) using the top 24 bits.
pub fn uniform_from_bits(bits: u32) -> f32 {
    (bits >> 8) as f32 * (1.0 / 16_777_216.0)
}

impl Prim {
    /// A short name for errors and debugging.
    pub fn name(&self) -> &'static str {
        match self {
            Prim::Data => "data",
            Prim::Const(_) => "const",
            Prim::Arange(_) => "arange",
            Prim::Rand { .. } => "rand",
            Prim::Unary(u) => u.name(),
            Prim::Binary(b) => b.name(),
            Prim::Where => "where",
            Prim::Cast(_) => "cast",
            Prim::Reduce { .. } => "reduce",
            Prim::Reshape(_) => "reshape",
            Prim::Permute(_) => "permute",
            Prim::Expand(_) => "expand",
            Prim::Pad(_) => "pad",
            Prim::Slice { .. } => "slice",
            Prim::Flip(_) => "flip",
            Prim::MatMul => "matmul",
            Prim::Conv(_) => "conv",
            Prim::Gather { .. } => "gather",
            Prim::ScatterAdd { .. } => "scatterAdd",
        }
    }

    /// True for the ops that only re-index their input (views when the scheduler can).
    pub fn is_movement(&self) -> bool {
        matches!(
            self,
            Prim::Reshape(_) | Prim::Permute(_) | Prim::Expand(_) | Prim::Pad(_) | Prim::Slice { .. } | Prim::Flip(_)
        )
    }

    /// Infers output shape and dtype from input shapes and dtypes, validating everything. User ops
    /// validate first with friendlier messages; this is the backstop that keeps the graph sound.
    pub fn infer(&self, inputs: &[(&[usize], DType)]) -> Result<(Shape, DType)> {
        let op = self.name();
        let arity = match self {
            Prim::Data | Prim::Const(_) | Prim::Arange(_) | Prim::Rand { .. } => 0,
            Prim::Binary(_) | Prim::MatMul | Prim::Conv(_) | Prim::Gather { .. } | Prim::ScatterAdd { .. } => 2,
            Prim::Where => 3,
            _ => 1,
        };
        if inputs.len() != arity {
            return Err(Error::invalid(
                op,
                format!("expected {arity} inputs, got {}", inputs.len()),
            ));
        }
        let same_shape = |a: &[usize], b: &[usize]| -> Result<()> {
            if a != b {
                return Err(Error::shape(op, format!("operand shapes differ: {a:?} vs {b:?}")));
            }
            Ok(())
        };
        let out = match self {
            Prim::Data => {
                return Err(Error::invalid(
                    op,
                    "data leaves are created with a buffer, not inferred",
                ))
            }
            Prim::Const(s) => (vec![], s.dtype()),
            Prim::Arange(n) => (vec![*n], DType::I32),
            Prim::Rand { shape, .. } => {
                let n = numel_checked(op, shape)?;
                if n > u32::MAX as usize {
                    return Err(Error::size(op, format!("{n} elements exceed the 2^32 random counter")));
                }
                (shape.clone(), DType::F32)
            }
            Prim::Unary(u) => {
                let (s, d) = inputs[0];
                if !u.accepts(d) {
                    return Err(Error::dtype(op, format!("does not accept {d}")));
                }
                (s.to_vec(), d)
            }
            Prim::Binary(b) => {
                let ((sa, da), (sb, db)) = (inputs[0], inputs[1]);
                same_shape(sa, sb)?;
                if da != db {
                    return Err(Error::dtype(op, format!("operand dtypes differ: {da} vs {db}")));
                }
                if !b.accepts(da) {
                    return Err(Error::dtype(op, format!("does not accept {da}")));
                }
                (sa.to_vec(), b.result_dtype(da))
            }
            Prim::Where => {
                let ((sc, dc), (sa, da), (sb, db)) = (inputs[0], inputs[1], inputs[2]);
                same_shape(sc, sa)?;
                same_shape(sa, sb)?;
                if dc != DType::Bool {
                    return Err(Error::dtype(op, format!("condition must be bool, got {dc}")));
                }
                if da != db {
                    return Err(Error::dtype(op, format!("branch dtypes differ: {da} vs {db}")));
                }
                (sa.to_vec(), da)
            }
            Prim::Cast(d) => (inputs[0].0.to_vec(), *d),
            Prim::Reduce { op: r, axes } => {
                let (s, d) = inputs[0];
                if axes.windows(2).any(|w| w[0] >= w[1]) || axes.iter().any(|&a| a >= s.len()) {
                    return Err(Error::axis(op, format!("axes {axes:?} invalid for rank {}", s.len())));
                }
                if d == DType::Bool && matches!(r, ReduceOp::Sum | ReduceOp::Prod) {
                    return Err(Error::dtype(op, "sum/prod of bool: cast first"));
                }
                let mut o = s.to_vec();
                for &a in axes {
                    o[a] = 1;
                }
                (o, d)
            }
            Prim::Reshape(to) => {
                let (s, d) = inputs[0];
                if numel_checked(op, to)? != numel_checked(op, s)? {
                    return Err(Error::shape(
                        op,
                        format!("cannot reshape {s:?} into {to:?}: element counts differ"),
                    ));
                }
                (to.clone(), d)
            }
            Prim::Permute(p) => {
                let (s, d) = inputs[0];
                let mut seen = vec![false; s.len()];
                if p.len() != s.len() || p.iter().any(|&i| i >= s.len() || std::mem::replace(&mut seen[i], true)) {
                    return Err(Error::axis(
                        op,
                        format!("{p:?} is not a permutation of rank {}", s.len()),
                    ));
                }
                (p.iter().map(|&i| s[i]).collect(), d)
            }
            Prim::Expand(to) => {
                let (s, d) = inputs[0];
                if to.len() != s.len() || s.iter().zip(to).any(|(&a, &b)| a != b && a != 1) {
                    return Err(Error::shape(op, format!("cannot expand {s:?} to {to:?}")));
                }
                numel_checked(op, to)?;
                (to.clone(), d)
            }
            Prim::Pad(p) => {
                let (s, d) = inputs[0];
                if p.len() != s.len() {
                    return Err(Error::shape(op, format!("{} paddings for rank {}", p.len(), s.len())));
                }
                let mut o = Vec::with_capacity(s.len());
                for (&n, &(lo, hi)) in s.iter().zip(p) {
                    o.push(
                        n.checked_add(lo)
                            .and_then(|v| v.checked_add(hi))
                            .ok_or_else(|| Error::size(op, "padding overflows"))?,
                    );
                }
                numel_checked(op, &o)?;
                (o, d)
            }
            Prim::Slice { start, len, step } => {
                let (s, d) = inputs[0];
                if start.len() != s.len() || len.len() != s.len() || step.len() != s.len() {
                    return Err(Error::shape(op, "slice spec rank differs from input rank"));
                }
                for i in 0..s.len() {
                    if step[i] == 0 {
                        return Err(Error::invalid(op, "step must be >= 1"));
                    }
                    let last = if len[i] == 0 {
                        Some(start[i])
                    } else {
                        (len[i] - 1)
                            .checked_mul(step[i])
                            .and_then(|v| v.checked_add(start[i] + 1))
                    };
                    if last.is_none_or(|l| l > s[i]) || (len[i] > 0 && start[i] >= s[i]) {
                        return Err(Error::index(
                            op,
                            format!(
                                "slice dim {i} (start {}, len {}, step {}) exceeds size {}",
                                start[i], len[i], step[i], s[i]
                            ),
                        ));
                    }
                }
                (len.clone(), d)
            }
            Prim::Flip(axes) => {
                let (s, d) = inputs[0];
                if axes.iter().any(|&a| a >= s.len()) {
                    return Err(Error::axis(op, format!("axes {axes:?} invalid for rank {}", s.len())));
                }
                (s.to_vec(), d)
            }
            Prim::MatMul => {
                let ((a, da), (b, db)) = (inputs[0], inputs[1]);
                if da != DType::F32 || db != DType::F32 {
                    return Err(Error::dtype(op, format!("expects float32, got {da} and {db}")));
                }
                if a.len() != 3 || b.len() != 3 || a[0] != b[0] || a[2] != b[1] {
                    return Err(Error::shape(
                        op,
                        format!("expects [B,M,K] x [B,K,N], got {a:?} x {b:?}"),
                    ));
                }
                (vec![a[0], a[1], b[2]], DType::F32)
            }
            Prim::Conv(p) => {
                let ((x, dx), (w, dw)) = (inputs[0], inputs[1]);
                if dx != DType::F32 || dw != DType::F32 {
                    return Err(Error::dtype(op, format!("expects float32, got {dx} and {dw}")));
                }
                if x.len() != 4 || w.len() != 4 {
                    return Err(Error::shape(
                        op,
                        format!("expects NHWC input and HWIO filter, got {x:?} and {w:?}"),
                    ));
                }
                if p.groups == 0 || x[3] % p.groups != 0 || w[3] % p.groups != 0 || w[2] * p.groups != x[3] {
                    return Err(Error::shape(
                        op,
                        format!(
                            "channels {} / groups {} do not match filter in-channels {} and out-channels {}",
                            x[3], p.groups, w[2], w[3]
                        ),
                    ));
                }
                let hw = p.out_spatial(op, [x[1], x[2]], [w[0], w[1]])?;
                (vec![x[0], hw[0], hw[1], w[3]], DType::F32)
            }
            Prim::Gather { axis } => {
                let ((x, d), (idx, di)) = (inputs[0], inputs[1]);
                if di != DType::I32 {
                    return Err(Error::dtype(op, format!("indices must be int32, got {di}")));
                }
                if *axis >= x.len() {
                    return Err(Error::axis(
                        op,
                        format!("axis {axis} out of range for rank {}", x.len()),
                    ));
                }
                let mut o = x[..*axis].to_vec();
                o.extend_from_slice(idx);
                o.extend_from_slice(&x[axis + 1..]);
                numel_checked(op, &o)?;
                (o, d)
            }
            Prim::ScatterAdd { axis, size } => {
                let ((u, d), (idx, di)) = (inputs[0], inputs[1]);
                if di != DType::I32 || idx.len() != 1 {
                    return Err(Error::dtype(op, format!("indices must be 1-D int32, got {di} {idx:?}")));
                }
                if *axis >= u.len() || u[*axis] != idx[0] {
                    return Err(Error::shape(
                        op,
                        format!("updates {u:?} do not match {} indices on axis {axis}", idx[0]),
                    ));
                }
                let mut o = u.to_vec();
                o[*axis] = *size;
                (o, d)
            }
        };
        Ok(out)
    }
}
