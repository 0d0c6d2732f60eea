//! The one WGSL renderer: core [`Kernel`]s in, WGSL compute shaders out.
//!
//! Elementwise and reduction kernels render their expression once ([`expr`]) and wrap it in a
//! template; matmul and conv share one tiled GEMM template ([`gemm`]) that differs only in how it
//! loads its operands; gather and scatter-add are small direct kernels ([`gather`]). Every size is
//! baked into the source as a constant: a kernel's shapes are part of its cache key anyway, and
//! constants let the compiler strength-reduce the index arithmetic.

mod elementwise;
mod expr;
mod gather;
mod gemm;
mod reduce;
pub(crate) mod wgsl;

use ferroflow_core::ir::{Kernel, KernelBody};
use ferroflow_core::{DType, Error, Result};

/// What the renderer needs to know about the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderLimits {
    /// Invocations per workgroup for 1-D templates (a power of two, <= the device's limit).
    pub workgroup_size: u32,
    /// Most workgroups per grid dimension.
    pub max_workgroups_per_dim: u32,
    /// Storage buffers one shader may bind (a split-K GEMM's second pass binds two extra).
    pub max_storage_buffers: u32,
    /// Invocations along each side of a GEMM workgroup (each owns 4 x 4 outputs): 8, or 16
    /// where `FERROFLOW_WGPU_GEMM_SIDE=16` asks for it (see `context.rs`).
    pub gemm_side: u32,
}

impl Default for RenderLimits {
    /// WebGPU's guaranteed minimums.
    fn default() -> Self {
        RenderLimits {
            workgroup_size: 256,
            max_workgroups_per_dim: 65_535,
            max_storage_buffers: 8,
            gemm_side: 8,
        }
    }
}

/// A rendered kernel: WGSL source plus how to dispatch it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shader {
    pub source: String,
    /// Workgroups to dispatch (x, y, z).
    pub grid: [u32; 3],
    /// The dtype the shader reads from each input binding; `None` for a binding it does not
    /// read (declared as u32, accepts any buffer).
    pub inputs: Vec<Option<DType>>,
    pub output: DType,
    /// Split-K GEMMs only: this shader writes `partials` f32 partial products instead of the
    /// output, and `finish` folds them into the output (see `gemm.rs`).
    pub finish: Option<Box<Finish>>,
}

/// The second pass of a split-K GEMM. It binds the kernel's inputs, then the partials as one
/// more read-only input, then the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finish {
    pub shader: Shader,
    /// f32 elements of the partials buffer the first pass writes.
    pub partials: usize,
}

/// Renders one kernel.
pub fn render(kernel: &Kernel, limits: &RenderLimits) -> Result<Shader> {
    let out_len = kernel
        .out_shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .filter(|&n| n <= i32::MAX as usize)
        .ok_or_else(|| size_error(format!("output of shape {:?} exceeds 2^31 elements", kernel.out_shape)))?;
    match &kernel.body {
        KernelBody::Elementwise(expr) => elementwise::render(kernel, expr, out_len, limits),
        KernelBody::Reduce { op, axes, expr } => reduce::render(kernel, *op, axes, expr, limits),
        KernelBody::MatMul { a, b } => gemm::render_matmul(kernel, a, b, None, limits),
        KernelBody::Conv {
            params,
            x_shape,
            w_shape,
        } => gemm::render_conv(kernel, params, x_shape, w_shape, None, limits),
        KernelBody::WithEpilogue { template, epilogue } => {
            gemm::render_with_epilogue(kernel, template, epilogue, limits)
        }
        KernelBody::Gather {
            outer,
            axis_len,
            n_idx,
            inner,
        } => gather::render_gather(kernel, [*outer, *axis_len, *n_idx, *inner], out_len, limits),
        KernelBody::ScatterAdd {
            outer,
            n_idx,
            inner,
            axis_len,
        } => gather::render_scatter_add(kernel, [*outer, *axis_len, *n_idx, *inner], out_len, limits),
    }
}

/// Spreads `n` workgroups over x (up to the per-dimension limit) and y.
pub(crate) fn grid_1d(n: usize, limits: &RenderLimits) -> Result<[u32; 3]> {
    let max = limits.max_workgroups_per_dim.max(1) as usize;
    let x = n.clamp(1, max);
    let y = n.div_ceil(x).max(1);
    if y > max {
        return Err(size_error(format!(
            "{n} workgroups exceed the device's {max} x {max} grid"
        )));
    }
    Ok([x as u32, y as u32, 1])
}

/// Workgroups for `n` invocations of `limits.workgroup_size` each.
pub(crate) fn grid_for(n: usize, limits: &RenderLimits) -> Result<[u32; 3]> {
    grid_1d(n.div_ceil(limits.workgroup_size as usize), limits)
}

/// A value that must fit in WGSL's i32 index arithmetic.
pub(crate) fn checked_i32(v: isize) -> Result<i32> {
    i32::try_from(v).map_err(|_| size_error(format!("index value {v} exceeds WGSL's 32-bit index range")))
}

pub(crate) fn checked_u32(v: usize) -> Result<u32> {
    u32::try_from(v)
        .ok()
        .filter(|&x| x <= i32::MAX as u32)
        .ok_or_else(|| size_error(format!("size {v} exceeds WGSL's 31-bit index range")))
}

pub(crate) fn unsupported(msg: impl Into<String>) -> Error {
    Error::backend("wgpu", format!("cannot render kernel: {}", msg.into()))
}

pub(crate) fn size_error(msg: impl Into<String>) -> Error {
    Error::size("wgpu", msg)
}

#[cfg(test)]
mod tests;
