//! `out[i] = expr(i)`: one thread per output element.

use std::fmt::Write;

use ferroflow_core::ir::plan::{self, ElementwisePlan};

use super::cuda::{decompose, join_nonempty, to_storage, Buffers, FLAT_THREAD, PRELUDE};
use super::expr::{index_names, render_fn};
use super::{grid_1d, CudaKernel, RenderLimits};

pub(crate) fn render(p: &ElementwisePlan, limits: &RenderLimits) -> plan::Result<CudaKernel> {
    let expr = &p.expr;
    let buffers = Buffers {
        inputs: expr.inputs.clone(),
        output: expr.dtype(),
    };
    let bs = limits.block_size;
    let mut s = String::from(PRELUDE);
    s += &render_fn(expr, &buffers, "ff_expr")?;
    s += &buffers.entry(bs);
    s += FLAT_THREAD;
    let _ = writeln!(s, "    if (g >= {}u) {{ return; }}", p.outputs);
    let names = index_names(expr.rank());
    s += &decompose("g", expr.shape(), &names);
    let call = format!("ff_expr({})", join_nonempty(&[buffers.input_args(), names.join(", ")]));
    let _ = writeln!(s, "    out[g] = {};\n}}", to_storage(expr.dtype(), &call));
    Ok(CudaKernel {
        source: s,
        grid: grid_1d(p.outputs as usize, bs)?,
        block: [bs, 1, 1],
        inputs: buffers.inputs,
        output: buffers.output,
    })
}
