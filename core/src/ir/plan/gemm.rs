//! Matmul and convolution as one GEMM problem: `batches` independent `[m, k] x [k, n]` products.
//! A conv is an implicit GEMM per group: the filter is the B matrix and input patches are
//! gathered into A on the fly (row = image and output pixel, column = output channel of the
//! group, k = filter tap and input channel of the group). An epilogue runs on each result before
//! it is stored.

use std::fmt;

use super::expr::{self, ExprPlan};
use super::index::ViewIndex;
use super::{checked_i32, checked_u32, numel, Rejection, Result};
use crate::dtype::DType;
use crate::ir::{ConvParams, Expr, Kernel, KernelBody, View};

#[derive(Debug, Clone)]
pub struct GemmPlan<'k> {
    pub problem: GemmProblem,
    pub operands: GemmOperands,
    /// Applied to each result before it is stored (`Source::Accumulator` reads the result).
    pub epilogue: Option<ExprPlan<'k>>,
    /// What storing reads and writes: the epilogue's inputs (the template's operands, slots 0
    /// and 1, as f32) and dtype; without one, the two operands and f32.
    pub inputs: Vec<Option<DType>>,
    pub output: DType,
    /// The kernel's input count (an epilogue may read more than the two operands).
    pub num_inputs: usize,
}

/// `batches` independent `[m, k] x [k, n]` products: a matmul's batch, or a conv's groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GemmProblem {
    pub batches: usize,
    pub m: u32,
    pub n: u32,
    pub k: u32,
}

/// How many output tiles a GEMM grid covers along M and N, and how many batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tiles {
    pub m: usize,
    pub n: usize,
    pub batches: usize,
}

impl GemmProblem {
    /// Tiles of `tile` x `tile` outputs; each count at least 1, as a grid dimension must be.
    pub fn tiles(&self, tile: usize) -> Tiles {
        let tile = tile.max(1);
        Tiles {
            m: (self.m as usize).div_ceil(tile).max(1),
            n: (self.n as usize).div_ceil(tile).max(1),
            batches: self.batches.max(1),
        }
    }
}

impl fmt::Display for GemmProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let GemmProblem { batches, m, n, k } = self;
        write!(f, "{batches} x [{m}, {k}] x [{k}, {n}]")
    }
}

/// Where A and B come from, and so where the result at (batch, row, column) goes.
#[derive(Debug, Clone)]
pub enum GemmOperands {
    /// Input 0 through view `a` (`[batch, m, k]`), input 1 through `b` (`[batch, k, n]`); the
    /// views are unmasked. The output is `[batch, m, n]`: `(batch * m + row) * n + column`.
    MatMul { a: ViewIndex, b: ViewIndex },
    /// Input 0 the NHWC image read through `x` (multi-index `[n, y, x, channel]`), input 1 the
    /// HWIO filter through `w` (`[ky, kx, channel of the group, output channel]`); unmasked
    /// views. The output is NHWC with each group a slice of the channels:
    /// `row * oc + batch * og + column`.
    Conv {
        geometry: ConvGeometry,
        x: ViewIndex,
        w: ViewIndex,
    },
}

/// What a conv's loads index with (named as in the templates), each checked to fit 32-bit
/// arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvGeometry {
    /// Input height, width and channels (NHWC), and channels per group.
    pub h: u32,
    pub w: u32,
    pub c: u32,
    pub cg: u32,
    /// Output width, and output pixels per image (height x width).
    pub ow: u32,
    pub ohw: u32,
    /// Filter width (taps per filter row).
    pub kw: u32,
    /// Output channels, and per group.
    pub oc: u32,
    pub og: u32,
    pub stride: [u32; 2],
    pub rhs_dilation: [u32; 2],
    /// Above 1: zeros between input pixels (transposed convolutions).
    pub lhs_dilation: [u32; 2],
    /// Leading padding; negative crops.
    pub padding_lo: [i32; 2],
}

pub(super) fn plan(kernel: &Kernel) -> Result<GemmPlan<'_>> {
    let (template, epilogue) = match &kernel.body {
        KernelBody::WithEpilogue { template, epilogue } => {
            let natural = numel(&template.template_shape()?);
            if natural.is_none() || natural != numel(&epilogue.shape) {
                return Err(Rejection::unsupported("epilogue and template element counts differ"));
            }
            (template.as_ref(), Some(epilogue))
        }
        body => (body, None),
    };
    let fused = epilogue.is_some();
    let (problem, operands) = match template {
        KernelBody::MatMul { a, b } => matmul(kernel, a, b, fused)?,
        KernelBody::Conv { params, x, w } => conv(kernel, params, x, w, fused)?,
        _ => return Err(Rejection::unsupported("an epilogue needs a matmul or conv template")),
    };
    let epilogue = epilogue.map(|e| plan_epilogue(kernel, e)).transpose()?;
    let (inputs, output) = match &epilogue {
        Some(e) => (e.inputs.clone(), e.dtype()),
        None => (vec![Some(DType::F32); 2], DType::F32),
    };
    Ok(GemmPlan {
        problem,
        operands,
        epilogue,
        inputs,
        output,
        num_inputs: kernel.num_inputs,
    })
}

type Template = (GemmProblem, GemmOperands);

/// `fused`: an epilogue decides the output's shape and dtype, not the template.
fn matmul(kernel: &Kernel, a: &View, b: &View, fused: bool) -> Result<Template> {
    let [bt, m, k] = dims3(a)?;
    let [bt2, k2, n] = dims3(b)?;
    if bt != bt2 || k != k2 || (!fused && (kernel.out_shape != [bt, m, n] || kernel.out_dtype != DType::F32)) {
        return Err(Rejection::unsupported(format!(
            "matmul {:?} x {:?} -> {:?} {}",
            a.shape, b.shape, kernel.out_shape, kernel.out_dtype
        )));
    }
    if a.mask.is_some() || b.mask.is_some() || kernel.num_inputs < 2 {
        return Err(Rejection::unsupported(
            "matmul operands must be unmasked views of two inputs",
        ));
    }
    let operands = GemmOperands::MatMul {
        a: ViewIndex::of(a)?,
        b: ViewIndex::of(b)?,
    };
    let problem = GemmProblem {
        batches: bt,
        m: checked_u32(m)?,
        n: checked_u32(n)?,
        k: checked_u32(k)?,
    };
    checked_u32(bt.saturating_mul(m).saturating_mul(n))?;
    Ok((problem, operands))
}

fn dims3(v: &View) -> Result<[usize; 3]> {
    match v.shape[..] {
        [a, b, c] => Ok([a, b, c]),
        _ => Err(Rejection::unsupported(format!(
            "matmul operand of rank {}",
            v.shape.len()
        ))),
    }
}

/// `x`: NHWC, `w`: HWIO with I = C / groups.
fn conv(kernel: &Kernel, p: &ConvParams, xv: &View, wv: &View, fused: bool) -> Result<Template> {
    let dims4 = |v: &View| -> Result<[usize; 4]> {
        match v.shape[..] {
            [a, b, c, d] if v.mask.is_none() => Ok([a, b, c, d]),
            _ => Err(Rejection::unsupported(format!(
                "conv operand {:?} must be an unmasked rank-4 view",
                v.shape
            ))),
        }
    };
    let (x, w) = (&dims4(xv)?, &dims4(wv)?);
    let [nb, h, wd, c] = *x;
    let [kh, kw, cg, oc] = *w;
    let g = p.groups;
    if g == 0 || cg.checked_mul(g) != Some(c) || oc % g != 0 || kernel.num_inputs < 2 {
        return Err(Rejection::unsupported(format!("conv x {x:?} w {w:?} groups {g}")));
    }
    let [oh, ow] = p.out_spatial("conv", [h, wd], [kh, kw])?;
    if !fused && (kernel.out_shape != [nb, oh, ow, oc] || kernel.out_dtype != DType::F32) {
        return Err(Rejection::unsupported(format!(
            "conv output {:?}, expected {:?}",
            kernel.out_shape,
            [nb, oh, ow, oc]
        )));
    }
    let size = |dims: &[usize]| checked_u32(dims.iter().fold(1usize, |a, &d| a.saturating_mul(d)));
    for dims in [&x[..], &w[..], &[nb, oh, ow, oc]] {
        size(dims)?;
    }
    // The dilated-input coordinate of the last output pixel and filter tap must fit too.
    for d in 0..2 {
        let reach = [oh, ow][d]
            .saturating_mul(p.stride[d])
            .saturating_add([kh, kw][d].saturating_mul(p.rhs_dilation[d]));
        checked_u32(reach)?;
    }
    let og = oc / g;
    let u = checked_u32;
    let geometry = ConvGeometry {
        h: u(h)?,
        w: u(wd)?,
        c: u(c)?,
        cg: u(cg)?,
        ow: u(ow)?,
        ohw: size(&[oh, ow])?,
        kw: u(kw)?,
        oc: u(oc)?,
        og: u(og)?,
        stride: [u(p.stride[0])?, u(p.stride[1])?],
        rhs_dilation: [u(p.rhs_dilation[0])?, u(p.rhs_dilation[1])?],
        lhs_dilation: [u(p.lhs_dilation[0])?, u(p.lhs_dilation[1])?],
        padding_lo: [checked_i32(p.padding[0].0)?, checked_i32(p.padding[1].0)?],
    };
    let problem = GemmProblem {
        batches: g,
        m: size(&[nb, oh, ow])?,
        n: u(og)?,
        k: size(&[kh, kw, cg])?,
    };
    let operands = GemmOperands::Conv {
        geometry,
        x: ViewIndex::of(xv)?,
        w: ViewIndex::of(wv)?,
    };
    Ok((problem, operands))
}

fn plan_epilogue<'k>(kernel: &Kernel, e: &'k Expr) -> Result<ExprPlan<'k>> {
    if e.shape != kernel.out_shape || e.dtype() != kernel.out_dtype {
        return Err(Rejection::unsupported(
            "epilogue shape or dtype differs from the kernel output",
        ));
    }
    let mut plan = expr::plan(e, kernel.num_inputs, true)?;
    // The template binds its two operands as f32; the epilogue may read them only as such.
    for (slot, d) in plan.inputs.iter_mut().enumerate().take(2) {
        if let Some(other) = d.filter(|&t| t != DType::F32) {
            return Err(Rejection::unsupported(format!(
                "epilogue reads template input {slot} as {other}"
            )));
        }
        *d = Some(DType::F32);
    }
    Ok(plan)
}
