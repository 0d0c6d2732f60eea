//! The CUDA renderer: core [`Kernel`]s in, CUDA C modules (one `extern "C" __global__` kernel
//! each) out, compiled at run time by NVRTC.
//!
//! It mirrors the WGSL renderer of `ferroflow-wgpu` template for template, with the same
//! semantics, and starts from the same plans (core's [`plan`]: validation, reduction strategy,
//! GEMM geometry, view index terms), so only CUDA syntax and launch limits live here.
//! Elementwise and reduction kernels render their expression once ([`expr`]) and wrap it in a
//! template; matmul and conv share one tiled GEMM ([`gemm`]) that differs only in how it loads
//! its operands; gather and scatter-add are small direct kernels ([`gather`]). Every size is
//! baked into the source: a kernel's shapes are part of its cache key anyway, and constants let
//! the compiler strength-reduce the index arithmetic.

mod cuda;
mod expr;
mod gemm;

pub use cuda::KERNEL_ENTRY;

use ferroflow_core::ir::clike;
use ferroflow_core::ir::plan::{self, Rejection};
use ferroflow_core::ir::Kernel;
use ferroflow_core::{DType, Result};

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
    render_plan(kernel, limits).map_err(|r| r.into_error("cuda"))
}

fn render_plan(kernel: &Kernel, limits: &RenderLimits) -> plan::Result<CudaKernel> {
    if !limits.block_size.is_power_of_two() || !(32..=1024).contains(&limits.block_size) {
        return Err(Rejection::unsupported(format!(
            "block size {} (a power of two in 32..=1024)",
            limits.block_size
        )));
    }
    clike::render(&mut cuda::Cuda::unbound(limits), kernel)
}

/// A 1-D launch: one block per `per_block` items, blocks along x.
pub(crate) fn grid_1d(n: usize, per_block: u32) -> plan::Result<[u32; 3]> {
    let blocks = n.div_ceil(per_block.max(1) as usize).max(1);
    let x = u32::try_from(blocks)
        .ok()
        .filter(|&x| x <= i32::MAX as u32)
        .ok_or_else(|| Rejection::size(format!("{blocks} blocks exceed CUDA's 2^31 - 1 along x")))?;
    Ok([x, 1, 1])
}

#[cfg(test)]
mod tests;
