//! `out[i] = expr(i)`: one invocation per output element.

use std::fmt::Write;

use ferroflow_core::ir::{Expr, Kernel};
use ferroflow_core::Result;

use super::expr::{input_dtypes, render_fn};
use super::wgsl::{bindings, decompose, entry_1d, flat_invocation, to_storage, PRELUDE};
use super::{checked_u32, grid_for, unsupported, RenderLimits, Shader};

pub(crate) fn render(kernel: &Kernel, expr: &Expr, n: usize, limits: &RenderLimits) -> Result<Shader> {
    if expr.shape != kernel.out_shape || expr.dtype() != kernel.out_dtype {
        return Err(unsupported(
            "elementwise expression shape or dtype differs from the output",
        ));
    }
    let inputs = input_dtypes(expr, kernel.num_inputs)?;
    let wg = limits.workgroup_size;
    let mut s = String::from(PRELUDE);
    s += &bindings(&inputs, kernel.out_dtype);
    s += &render_fn(expr, "ff_expr")?;
    s += &entry_1d(wg);
    s += &flat_invocation(wg);
    let _ = writeln!(s, "    if (g >= {}u) {{ return; }}", checked_u32(n)?);
    let names: Vec<String> = (0..expr.shape.len()).map(|d| format!("i{d}")).collect();
    s += &decompose("g", &expr.shape, &names);
    let args = names.join(", ");
    let _ = writeln!(
        s,
        "    out[g] = {};\n}}",
        to_storage(kernel.out_dtype, &format!("ff_expr({args})"))
    );
    Ok(Shader {
        source: s,
        grid: grid_for(n, limits)?,
        inputs,
        output: kernel.out_dtype,
        finish: None,
    })
}
