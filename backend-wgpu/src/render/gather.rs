//! Gather and scatter-add, one invocation per output element.
//!
//! Scatter-add is written as a gather over the indices (each output sums the updates whose index
//! hits it, in index order) instead of float atomics, which WGSL lacks: results are
//! deterministic and bit-identical to the CPU backend, at O(n_idx) work per output.

use std::fmt::Write;

use ferroflow_core::ir::clike;
use ferroflow_core::ir::plan::{self, GatherPlan};
use ferroflow_core::DType;

use super::wgsl::{bindings, entry_1d, flat_invocation, Wgsl};
use super::{grid_for, RenderLimits, Shader};

fn header(p: &GatherPlan, limits: &RenderLimits) -> String {
    let wg = limits.workgroup_size;
    let mut s = String::new();
    s += &bindings(&p.inputs(), p.dtype);
    s += &entry_1d(wg);
    s += &flat_invocation(wg);
    let _ = writeln!(s, "    if (g >= {}u) {{ return; }}", p.outputs);
    s
}

fn shader(p: &GatherPlan, source: String, limits: &RenderLimits) -> plan::Result<Shader> {
    Ok(Shader {
        source,
        grid: grid_for(p.outputs as usize, limits)?,
        inputs: p.inputs(),
        output: p.dtype,
        sizes: Vec::new(),
        finish: None,
    })
}

pub(crate) fn render_gather(p: &GatherPlan, limits: &RenderLimits) -> plan::Result<Shader> {
    let (axis_len, n_idx, inner) = (p.axis_len, p.n_idx, p.inner);
    let mut s = header(p, limits);
    let _ = write!(
        s,
        "    let i = g % {inner}u; let oj = g / {inner}u; let j = oj % {n_idx}u; let o = oj / {n_idx}u;\n\
         \x20   let ix = in1[j];\n\
         \x20   var v = {zero};\n\
         \x20   if (ix >= 0i && ix < {axis_len}i) {{ v = in0[(o * {axis_len}u + u32(ix)) * {inner}u + i]; }}\n\
         \x20   out[g] = v;\n}}\n",
        zero = clike::stored_zero::<Wgsl>(p.dtype),
    );
    shader(p, s, limits)
}

pub(crate) fn render_scatter_add(p: &GatherPlan, limits: &RenderLimits) -> plan::Result<Shader> {
    let (axis_len, n_idx, inner) = (p.axis_len, p.n_idx, p.inner);
    let add = match p.dtype {
        DType::F32 | DType::I32 => "acc = acc + in0[src];",
        DType::Bool => "acc = acc | in0[src];",
    };
    let mut s = header(p, limits);
    let _ = write!(
        s,
        "    let i = g % {inner}u; let oa = g / {inner}u; let a = i32(oa % {axis_len}u); let o = oa / {axis_len}u;\n\
         \x20   var acc = {zero};\n\
         \x20   for (var j: u32 = 0u; j < {n_idx}u; j = j + 1u) {{\n\
         \x20       if (in1[j] == a) {{ let src = (o * {n_idx}u + j) * {inner}u + i; {add} }}\n\
         \x20   }}\n\
         \x20   out[g] = acc;\n}}\n",
        zero = clike::stored_zero::<Wgsl>(p.dtype),
    );
    shader(p, s, limits)
}
