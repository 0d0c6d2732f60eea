//! Gather and scatter-add, one thread per output element.
//!
//! Scatter-add is written as a gather over the indices (each output sums the updates whose index
//! hits it, in index order) instead of float atomics: results are deterministic and
//! bit-identical to the CPU backend, at O(n_idx) work per output.

use std::fmt::Write;

use ferroflow_core::ir::plan::{self, GatherPlan};
use ferroflow_core::DType;

use super::cuda::{Buffers, FLAT_THREAD, PRELUDE};
use super::{grid_1d, CudaKernel, RenderLimits};

fn header(p: &GatherPlan, limits: &RenderLimits) -> String {
    let buffers = Buffers {
        inputs: p.inputs(),
        output: p.dtype,
    };
    let mut s = String::from(PRELUDE);
    s += &buffers.entry(limits.block_size);
    s += FLAT_THREAD;
    let _ = writeln!(s, "    if (g >= {}u) {{ return; }}", p.outputs);
    s
}

fn kernel(p: &GatherPlan, source: String, limits: &RenderLimits) -> plan::Result<CudaKernel> {
    Ok(CudaKernel {
        source,
        grid: grid_1d(p.outputs as usize, limits.block_size)?,
        block: [limits.block_size, 1, 1],
        inputs: p.inputs(),
        output: p.dtype,
    })
}

pub(crate) fn render_gather(p: &GatherPlan, limits: &RenderLimits) -> plan::Result<CudaKernel> {
    let (axis_len, n_idx, inner) = (p.axis_len, p.n_idx, p.inner);
    let mut s = header(p, limits);
    let _ = write!(
        s,
        "    const unsigned i = g % {inner}u; const unsigned oj = g / {inner}u;\n\
         \x20   const unsigned j = oj % {n_idx}u; const unsigned o = oj / {n_idx}u;\n\
         \x20   const int ix = in1[j];\n\
         \x20   // An index outside 0..axis_len reads 0 (false), as on every backend.\n\
         \x20   out[g] = (ix >= 0 && ix < {axis_len}) ? in0[(o * {axis_len}u + (unsigned)ix) * {inner}u + i] : 0;\n}}\n"
    );
    kernel(p, s, limits)
}

pub(crate) fn render_scatter_add(p: &GatherPlan, limits: &RenderLimits) -> plan::Result<CudaKernel> {
    let (axis_len, n_idx, inner) = (p.axis_len, p.n_idx, p.inner);
    let (acc_ty, add) = match p.dtype {
        DType::F32 => ("float", "acc = acc + in0[src];"),
        DType::I32 => ("int", "acc = ff_add_i32(acc, in0[src]);"),
        DType::Bool => ("unsigned char", "acc = acc | in0[src];"),
    };
    let mut s = header(p, limits);
    let _ = write!(
        s,
        "    const unsigned i = g % {inner}u; const unsigned oa = g / {inner}u;\n\
         \x20   const int a = (int)(oa % {axis_len}u); const unsigned o = oa / {axis_len}u;\n\
         \x20   {acc_ty} acc = 0;\n\
         \x20   for (unsigned j = 0u; j < {n_idx}u; ++j) {{\n\
         \x20       if (in1[j] == a) {{ const unsigned src = (o * {n_idx}u + j) * {inner}u + i; {add} }}\n\
         \x20   }}\n\
         \x20   out[g] = acc;\n}}\n"
    );
    kernel(p, s, limits)
}
