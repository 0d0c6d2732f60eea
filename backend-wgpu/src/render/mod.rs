//! The one WGSL renderer: core [`Kernel`]s in, WGSL compute shaders out.
//!
//! What to compute (validation, reduction strategy, GEMM geometry, view index terms) comes from
//! core's [`plan`], shared with the CUDA renderer; this module writes it as WGSL and fits it to
//! the device's limits.
//!
//! Elementwise and reduction kernels render their expression once ([`expr`]) and wrap it in a
//! template; matmul and conv share one tiled GEMM template ([`gemm`]) that differs only in how it
//! loads its operands; gather and scatter-add are small direct kernels ([`gather`]). Sizes are
//! baked into the source as constants, which lets the compiler strength-reduce the index
//! arithmetic, except a matmul's, which it reads from a uniform so that products of different
//! sizes share one pipeline ([`sizes`]).

mod expr;
mod gemm;
mod sizes;
pub(crate) mod wgsl;

use ferroflow_core::ir::clike;
use ferroflow_core::ir::plan::{self, Rejection};
use ferroflow_core::ir::Kernel;
use ferroflow_core::{DType, Result};

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
    /// The adapter is a CPU emulating a GPU (SwiftShader in browsers, lavapipe, WARP): GEMMs
    /// read their operands straight into registers instead of staging tiles in workgroup memory,
    /// K is never split, and 1-D workgroups are 64 invocations (see `gemm.rs` for why).
    pub software: bool,
    /// A matmul reads its sizes from a uniform, so products of other sizes share its pipeline
    /// (see `sizes.rs`): on GPUs, unless `FERROFLOW_WGPU_SIZES=baked` (natively) says otherwise.
    pub runtime_sizes: bool,
}

impl Default for RenderLimits {
    /// WebGPU's guaranteed minimums.
    fn default() -> Self {
        RenderLimits {
            workgroup_size: 256,
            max_workgroups_per_dim: 65_535,
            max_storage_buffers: 8,
            gemm_side: 8,
            software: false,
            runtime_sizes: true,
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
    /// Values of the uniform the shader reads its sizes from (bound after the output), in u32
    /// slots; empty when its sizes are baked into the source (see `sizes.rs`).
    pub sizes: Vec<u32>,
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
    let mut shader = render_plan(kernel, limits).map_err(|r| r.into_error("wgpu"))?;
    shader.link_prelude();
    Ok(shader)
}

impl Shader {
    /// Puts the prelude functions each pass calls in front of its source.
    fn link_prelude(&mut self) {
        self.source = wgsl::with_prelude(&self.source);
        if let Some(f) = &mut self.finish {
            f.shader.link_prelude();
        }
    }
}

fn render_plan(kernel: &Kernel, limits: &RenderLimits) -> plan::Result<Shader> {
    // Baked: the 1-D templates divide flat indices by the shape's dims (see `sizes.rs`).
    clike::render(
        &mut wgsl::Wgsl {
            sizes: &mut sizes::Sizes::baked(),
            limits,
        },
        kernel,
    )
}

/// Spreads `n` workgroups over x (up to the per-dimension limit) and y.
pub(crate) fn grid_1d(n: usize, limits: &RenderLimits) -> plan::Result<[u32; 3]> {
    let max = limits.max_workgroups_per_dim.max(1) as usize;
    let x = n.clamp(1, max);
    let y = n.div_ceil(x).max(1);
    if y > max {
        return Err(Rejection::size(format!(
            "{n} workgroups exceed the device's {max} x {max} grid"
        )));
    }
    Ok([x as u32, y as u32, 1])
}

/// Workgroups for `n` invocations of `limits.workgroup_size` each.
pub(crate) fn grid_for(n: usize, limits: &RenderLimits) -> plan::Result<[u32; 3]> {
    grid_1d(n.div_ceil(limits.workgroup_size as usize), limits)
}

#[cfg(test)]
mod tests;
