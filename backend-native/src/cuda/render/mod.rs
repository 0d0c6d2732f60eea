//! The CUDA renderer: core [`Kernel`]s in, CUDA C modules (one `extern "C" __global__` kernel
//! each) out, compiled at run time by NVRTC.
//!
//! It mirrors the WGSL renderer of `ferroflow-wgpu` template for template, with the same
//! semantics: elementwise and reduction kernels render their expression once ([`expr`]) and wrap
//! it in a template; matmul and conv share one tiled GEMM ([`gemm`]) that differs only in how it
//! loads its operands; gather and scatter-add are small direct kernels ([`gather`]). Every size is
//! baked into the source: a kernel's shapes are part of its cache key anyway, and constants let
//! the compiler strength-reduce the index arithmetic.

mod cuda;
mod elementwise;
mod expr;
mod gather;
mod gemm;
mod reduce;

pub use cuda::KERNEL_ENTRY;

use ferroflow_core::ir::{Kernel, KernelBody};
use ferroflow_core::{DType, Error, Result};

/// What the renderer needs to know about the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderLimits {
    /// Threads per block for 1-D templates (a power of two, at most 1024).
    pub block_size: u32,
    /// Most blocks along y and z (x allows 2^31 - 1 on every GPU CUDA 13 supports).
    pub max_grid_yz: u32,
}

impl Default for RenderLimits {
    /// The limits of every GPU CUDA 13 supports (compute capability 7.5 and later).
    fn default() -> Self {
        RenderLimits {
            block_size: 256,
            max_grid_yz: 65_535,
        }
    }
}

/// A rendered kernel: CUDA C source plus how to launch it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CudaKernel {
    /// A complete translation unit defining `extern "C" __global__ void ff_kernel(...)`
    /// ([`KERNEL_ENTRY`]), whose parameters are the inputs `in0..` then `out`.
    pub source: String,
    /// Blocks to launch (x, y, z).
    pub grid: [u32; 3],
    /// Threads per block (x, y, z); shared memory is static, so nothing else is needed.
    pub block: [u32; 3],
    /// The dtype the kernel reads from each input pointer; `None` for an input it does not read
    /// (declared `const void*`, any buffer will do).
    pub inputs: Vec<Option<DType>>,
    pub output: DType,
}

/// Renders one kernel.
pub fn render(kernel: &Kernel, limits: &RenderLimits) -> Result<CudaKernel> {
    if !limits.block_size.is_power_of_two() || !(32..=1024).contains(&limits.block_size) {
        return Err(unsupported(format!(
            "block size {} (a power of two in 32..=1024)",
            limits.block_size
        )));
    }
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

/// A 1-D launch: one block per `per_block` items, blocks along x.
pub(crate) fn grid_1d(n: usize, per_block: u32) -> Result<[u32; 3]> {
    let blocks = n.div_ceil(per_block.max(1) as usize).max(1);
    let x = u32::try_from(blocks)
        .ok()
        .filter(|&x| x <= i32::MAX as u32)
        .ok_or_else(|| size_error(format!("{blocks} blocks exceed CUDA's 2^31 - 1 along x")))?;
    Ok([x, 1, 1])
}

/// A size that must fit the renderer's 32-bit (unsigned, below 2^31) index arithmetic.
pub(crate) fn checked_u32(v: usize) -> Result<u32> {
    u32::try_from(v)
        .ok()
        .filter(|&x| x <= i32::MAX as u32)
        .ok_or_else(|| size_error(format!("size {v} exceeds the 31-bit index range")))
}

/// A signed value that must fit in an `int`.
pub(crate) fn checked_i32(v: isize) -> Result<i32> {
    i32::try_from(v).map_err(|_| size_error(format!("index value {v} exceeds the 32-bit index range")))
}

pub(crate) fn unsupported(msg: impl Into<String>) -> Error {
    Error::backend("cuda", format!("cannot render kernel: {}", msg.into()))
}

pub(crate) fn size_error(msg: impl Into<String>) -> Error {
    Error::size("cuda", msg)
}

#[cfg(test)]
mod tests;
