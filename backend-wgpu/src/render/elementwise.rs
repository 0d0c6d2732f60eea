//! `out[i] = expr(i)`: one invocation per output element.

use std::fmt::Write;

use ferroflow_core::ir::plan::{self, ElementwisePlan};

use super::expr::render_fn;
use super::sizes::Sizes;
use super::wgsl::{bindings, decompose, entry_1d, flat_invocation, to_storage};
use super::{grid_for, RenderLimits, Shader};

pub(crate) fn render(p: &ElementwisePlan, limits: &RenderLimits) -> plan::Result<Shader> {
    let expr = &p.expr;
    let wg = limits.workgroup_size;
    // Baked: the flat index is divided by the shape's dims (see `sizes.rs`).
    let sizes = &mut Sizes::baked();
    let mut s = String::new();
    s += &bindings(&expr.inputs, expr.dtype());
    s += &render_fn(expr, "ff_expr", sizes)?;
    s += &entry_1d(wg);
    s += &flat_invocation(wg);
    let _ = writeln!(s, "    if (g >= {}u) {{ return; }}", p.outputs);
    let names: Vec<String> = (0..expr.rank()).map(|d| format!("i{d}")).collect();
    s += &decompose("g", expr.shape(), &names, sizes)?;
    let args = names.join(", ");
    let _ = writeln!(
        s,
        "    out[g] = {};\n}}",
        to_storage(expr.dtype(), &format!("ff_expr({args})"))
    );
    Ok(Shader {
        source: s,
        grid: grid_for(p.outputs as usize, limits)?,
        inputs: expr.inputs.clone(),
        output: expr.dtype(),
        sizes: Vec::new(),
        finish: None,
    })
}
