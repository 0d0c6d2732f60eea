//! Reductions, as core's [`ReducePlan`] lays them out: the expression is evaluated over
//! `kept ++ reduced` indices; each output either gets one invocation that loops over its reduced
//! range, or one workgroup whose invocations stride over the range and then combine in a tree in
//! workgroup memory. f32 sums are compensated (Neumaier) per invocation and combined pairwise,
//! which keeps them close to the CPU backend's f64 accumulation.

use std::fmt::Write;

use ferroflow_core::ir::clike;
use ferroflow_core::ir::plan::{self, ReducePlan, ReduceStrategy};

use super::expr::render_fn;
use super::sizes::Sizes;
use super::wgsl::{bindings, decompose, entry_1d, flat_invocation, Wgsl};
use super::{grid_1d, grid_for, RenderLimits, Shader};

pub(crate) fn render(p: &ReducePlan, limits: &RenderLimits) -> plan::Result<Shader> {
    let expr = &p.expr;
    let (outer_u, red_u) = (p.outputs, p.reduced_len);
    let wg = limits.workgroup_size;
    let tree = p.strategy == ReduceStrategy::Tree;

    // Baked: positions are divided by the shape's dims (see `sizes.rs`).
    let sizes = &mut Sizes::baked();
    let clike::Algebra {
        acc_ty,
        init,
        fold,
        merge,
    } = clike::algebra(&Wgsl { sizes: &mut *sizes }, p.op, expr.dtype())?;
    let mut s = String::new();
    s += &bindings(&expr.inputs, expr.dtype());
    if tree {
        let _ = writeln!(s, "var<workgroup> partial: array<{acc_ty}, {wg}>;");
    }
    s += &render_fn(expr, "ff_expr", sizes)?;
    s += &entry_1d(wg);
    let kept_names: Vec<String> = p.kept.iter().map(|d| format!("i{d}")).collect();
    let red_names: Vec<String> = p.reduced.iter().map(|d| format!("i{d}")).collect();
    let args = (0..expr.rank()).map(|d| format!("i{d}")).collect::<Vec<_>>().join(", ");
    let (start, step) = if tree { ("lid.x", wg) } else { ("0u", 1) };
    let mut body = format!(
        "        var acc: {acc_ty} = {init};\n        var comp: f32 = 0.0;\n        for (var r: u32 = {start}; r < {red_u}u; r = r + {step}u) {{\n"
    );
    body += &indent(&decompose("r", &p.reduced_shape, &red_names, sizes)?, 8);
    let _ = writeln!(
        body,
        "            let v = ff_expr({args});\n            {fold}\n        }}"
    );
    if p.compensated {
        body += "        let fin = acc + comp;\n        acc = select(fin, acc, ff_is_nan(fin) && !ff_is_nan(acc));\n";
    }
    // Accumulators already have the storage type (bool as u32).
    let store = "out[j] = acc;";
    if tree {
        // One workgroup per output: `j` is uniform, so every invocation reaches the barriers.
        s += "    let j = wid.x + wid.y * nwg.x;\n    var total: ";
        let _ = writeln!(s, "{acc_ty} = {init};");
        let _ = writeln!(s, "    if (j < {outer_u}u) {{");
        s += &decompose("j", &p.kept_shape, &kept_names, sizes)?;
        s += &body;
        s += "        total = acc;\n    }\n";
        let _ = writeln!(s, "    partial[lid.x] = total;\n    workgroupBarrier();");
        let _ = writeln!(
            s,
            "    for (var w: u32 = {}u; w > 0u; w = w >> 1u) {{\n        if (lid.x < w) {{ let a = partial[lid.x]; let b = partial[lid.x + w]; partial[lid.x] = {merge}; }}\n        workgroupBarrier();\n    }}",
            wg / 2,
        );
        let _ = writeln!(
            s,
            "    if (lid.x == 0u && j < {outer_u}u) {{ let acc = partial[0]; {store} }}\n}}"
        );
    } else {
        s += &flat_invocation(wg);
        let _ = writeln!(s, "    let j = g;\n    if (j >= {outer_u}u) {{ return; }}\n    {{");
        s += &decompose("j", &p.kept_shape, &kept_names, sizes)?;
        s += &body;
        let _ = writeln!(s, "        {store}\n    }}\n}}");
    }
    let grid = if tree {
        grid_1d(p.outputs as usize, limits)?
    } else {
        grid_for(p.outputs as usize, limits)?
    };
    Ok(Shader {
        source: s,
        grid,
        inputs: expr.inputs.clone(),
        output: expr.dtype(),
        sizes: Vec::new(),
        finish: None,
    })
}

fn indent(s: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    s.lines().map(|l| format!("{pad}{l}\n")).collect()
}
