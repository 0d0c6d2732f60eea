//! Gather and scatter-add, one invocation per output element.
//!
//! Scatter-add is written as a gather over the indices (each output sums the updates whose index
//! hits it, in index order) instead of float atomics, which WGSL lacks: results are
//! deterministic and bit-identical to the CPU backend, at O(n_idx) work per output.

use std::fmt::Write;

use ferroflow_core::ir::Kernel;
use ferroflow_core::{DType, Result};

use super::wgsl::{bindings, entry_1d, flat_invocation, zero, PRELUDE};
use super::{checked_u32, grid_for, unsupported, RenderLimits, Shader};

/// `[outer, axis_len, n_idx, inner]`.
type Dims = [usize; 4];

fn header(kernel: &Kernel, data: DType, limits: &RenderLimits, n: usize) -> Result<String> {
    if kernel.num_inputs != 2 || kernel.out_dtype != data {
        return Err(unsupported("gather/scatter kernels take data and int32 indices"));
    }
    let wg = limits.workgroup_size;
    let mut s = String::from(PRELUDE);
    s += &bindings(&[Some(data), Some(DType::I32)], data);
    s += &entry_1d(wg);
    s += &flat_invocation(wg);
    let _ = writeln!(s, "    if (g >= {}u) {{ return; }}", checked_u32(n)?);
    Ok(s)
}

pub(crate) fn render_gather(kernel: &Kernel, dims: Dims, n: usize, limits: &RenderLimits) -> Result<Shader> {
    let [outer, axis_len, n_idx, inner] = dims.map(checked_u32);
    let (outer, axis_len, n_idx, inner) = (outer?, axis_len?, n_idx?, inner?);
    if (outer as usize) * (n_idx as usize) * (inner as usize) != n {
        return Err(unsupported("gather output size"));
    }
    checked_u32(dims[0].saturating_mul(dims[1]).saturating_mul(dims[3]))?;
    let d = kernel.out_dtype;
    let mut s = header(kernel, d, limits, n)?;
    let _ = write!(
        s,
        "    let i = g % {inner}u; let oj = g / {inner}u; let j = oj % {n_idx}u; let o = oj / {n_idx}u;\n\
         \x20   let ix = in1[j];\n\
         \x20   var v = {zero};\n\
         \x20   if (ix >= 0i && ix < {axis_len}i) {{ v = in0[(o * {axis_len}u + u32(ix)) * {inner}u + i]; }}\n\
         \x20   out[g] = v;\n}}\n",
        zero = storage_zero(d),
    );
    Ok(Shader {
        source: s,
        grid: grid_for(n, limits)?,
        inputs: vec![Some(d), Some(DType::I32)],
        output: d,
        finish: None,
    })
}

pub(crate) fn render_scatter_add(kernel: &Kernel, dims: Dims, n: usize, limits: &RenderLimits) -> Result<Shader> {
    let [outer, axis_len, n_idx, inner] = dims.map(checked_u32);
    let (outer, axis_len, n_idx, inner) = (outer?, axis_len?, n_idx?, inner?);
    if (outer as usize) * (axis_len as usize) * (inner as usize) != n {
        return Err(unsupported("scatterAdd output size"));
    }
    checked_u32(dims[0].saturating_mul(dims[2]).saturating_mul(dims[3]))?;
    let d = kernel.out_dtype;
    let add = match d {
        DType::F32 | DType::I32 => "acc = acc + in0[src];",
        DType::Bool => "acc = acc | in0[src];",
    };
    let mut s = header(kernel, d, limits, n)?;
    let _ = write!(
        s,
        "    let i = g % {inner}u; let oa = g / {inner}u; let a = i32(oa % {axis_len}u); let o = oa / {axis_len}u;\n\
         \x20   var acc = {zero};\n\
         \x20   for (var j: u32 = 0u; j < {n_idx}u; j = j + 1u) {{\n\
         \x20       if (in1[j] == a) {{ let src = (o * {n_idx}u + j) * {inner}u + i; {add} }}\n\
         \x20   }}\n\
         \x20   out[g] = acc;\n}}\n",
        zero = storage_zero(d),
    );
    Ok(Shader {
        source: s,
        grid: grid_for(n, limits)?,
        inputs: vec![Some(d), Some(DType::I32)],
        output: d,
        finish: None,
    })
}

/// Zero in the storage representation (bool is u32).
fn storage_zero(d: DType) -> &'static str {
    match d {
        DType::Bool => "0u",
        _ => zero(d),
    }
}
