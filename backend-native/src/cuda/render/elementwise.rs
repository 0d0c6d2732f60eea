//! `out[i] = expr(i)`: one thread per output element.

use std::fmt::Write;

use ferroflow_core::ir::{Expr, Kernel};
use ferroflow_core::Result;

use super::cuda::{decompose, join_nonempty, to_storage, Buffers, FLAT_THREAD, PRELUDE};
use super::expr::{index_names, input_dtypes, render_fn};
use super::{checked_u32, grid_1d, unsupported, CudaKernel, RenderLimits};

pub(crate) fn render(kernel: &Kernel, expr: &Expr, n: usize, limits: &RenderLimits) -> Result<CudaKernel> {
    if expr.shape != kernel.out_shape || expr.dtype() != kernel.out_dtype {
        return Err(unsupported(
            "elementwise expression shape or dtype differs from the output",
        ));
    }
    let buffers = Buffers {
        inputs: input_dtypes(expr, kernel.num_inputs)?,
        output: kernel.out_dtype,
    };
    let bs = limits.block_size;
    let mut s = String::from(PRELUDE);
    s += &render_fn(expr, &buffers, "ff_expr")?;
    s += &buffers.entry(bs);
    s += FLAT_THREAD;
    let _ = writeln!(s, "    if (g >= {}u) {{ return; }}", checked_u32(n)?);
    let names = index_names(expr.shape.len());
    s += &decompose("g", &expr.shape, &names);
    let call = format!("ff_expr({})", join_nonempty(&[buffers.input_args(), names.join(", ")]));
    let _ = writeln!(s, "    out[g] = {};\n}}", to_storage(kernel.out_dtype, &call));
    Ok(CudaKernel {
        source: s,
        grid: grid_1d(n, bs)?,
        block: [bs, 1, 1],
        inputs: buffers.inputs,
        output: kernel.out_dtype,
    })
}
