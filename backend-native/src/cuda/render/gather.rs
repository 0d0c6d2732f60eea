//! Gather and scatter-add, one thread per output element.
//!
//! Scatter-add is written as a gather over the indices (each output sums the updates whose index
//! hits it, in index order) instead of float atomics: results are deterministic and
//! bit-identical to the CPU backend, at O(n_idx) work per output.

use std::fmt::Write;

use ferroflow_core::ir::Kernel;
use ferroflow_core::{DType, Result};

use super::cuda::{Buffers, FLAT_THREAD, PRELUDE};
use super::{checked_u32, grid_1d, unsupported, CudaKernel, RenderLimits};

/// `[outer, axis_len, n_idx, inner]`.
type Dims = [usize; 4];

fn buffers(kernel: &Kernel) -> Result<Buffers> {
    if kernel.num_inputs != 2 {
        return Err(unsupported("gather/scatter kernels take data and int32 indices"));
    }
    Ok(Buffers {
        inputs: vec![Some(kernel.out_dtype), Some(DType::I32)],
        output: kernel.out_dtype,
    })
}

fn header(buffers: &Buffers, limits: &RenderLimits, n: usize) -> Result<String> {
    let mut s = String::from(PRELUDE);
    s += &buffers.entry(limits.block_size);
    s += FLAT_THREAD;
    let _ = writeln!(s, "    if (g >= {}u) {{ return; }}", checked_u32(n)?);
    Ok(s)
}

fn dims_u32(dims: Dims) -> Result<[u32; 4]> {
    let [a, b, c, d] = dims.map(checked_u32);
    Ok([a?, b?, c?, d?])
}

pub(crate) fn render_gather(kernel: &Kernel, dims: Dims, n: usize, limits: &RenderLimits) -> Result<CudaKernel> {
    let [outer, axis_len, n_idx, inner] = dims_u32(dims)?;
    if (outer as usize) * (n_idx as usize) * (inner as usize) != n {
        return Err(unsupported("gather output size"));
    }
    checked_u32(dims[0].saturating_mul(dims[1]).saturating_mul(dims[3]))?;
    let buffers = buffers(kernel)?;
    let mut s = header(&buffers, limits, n)?;
    let _ = write!(
        s,
        "    const unsigned i = g % {inner}u; const unsigned oj = g / {inner}u;\n\
         \x20   const unsigned j = oj % {n_idx}u; const unsigned o = oj / {n_idx}u;\n\
         \x20   const int ix = in1[j];\n\
         \x20   // An index outside 0..axis_len reads 0 (false), as on every backend.\n\
         \x20   out[g] = (ix >= 0 && ix < {axis_len}) ? in0[(o * {axis_len}u + (unsigned)ix) * {inner}u + i] : 0;\n}}\n"
    );
    Ok(CudaKernel {
        source: s,
        grid: grid_1d(n, limits.block_size)?,
        block: [limits.block_size, 1, 1],
        inputs: buffers.inputs,
        output: buffers.output,
    })
}

pub(crate) fn render_scatter_add(kernel: &Kernel, dims: Dims, n: usize, limits: &RenderLimits) -> Result<CudaKernel> {
    let [outer, axis_len, n_idx, inner] = dims_u32(dims)?;
    if (outer as usize) * (axis_len as usize) * (inner as usize) != n {
        return Err(unsupported("scatterAdd output size"));
    }
    checked_u32(dims[0].saturating_mul(dims[2]).saturating_mul(dims[3]))?;
    let buffers = buffers(kernel)?;
    let (acc_ty, add) = match kernel.out_dtype {
        DType::F32 => ("float", "acc = acc + in0[src];"),
        DType::I32 => ("int", "acc = ff_add_i32(acc, in0[src]);"),
        DType::Bool => ("unsigned char", "acc = acc | in0[src];"),
    };
    let mut s = header(&buffers, limits, n)?;
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
    Ok(CudaKernel {
        source: s,
        grid: grid_1d(n, limits.block_size)?,
        block: [limits.block_size, 1, 1],
        inputs: buffers.inputs,
        output: buffers.output,
    })
}
