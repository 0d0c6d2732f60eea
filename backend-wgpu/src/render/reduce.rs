//! Reductions. The expression is evaluated over `kept ++ reduced` indices; each output either
//! gets one invocation that loops over its reduced range (many outputs, or short ranges), or one
//! workgroup whose invocations stride over the range and then combine in a tree in workgroup
//! memory (few outputs with long ranges). f32 sums are compensated (Neumaier) per invocation
//! and combined pairwise, which keeps them close to the CPU backend's f64 accumulation.

use std::fmt::Write;

use ferroflow_core::ir::{Expr, Kernel, ReduceOp};
use ferroflow_core::{DType, Result};

use super::expr::{input_dtypes, render_fn};
use super::wgsl::{bindings, decompose, entry_1d, flat_invocation, PRELUDE};
use super::{checked_u32, grid_1d, grid_for, unsupported, RenderLimits, Shader};

/// Use a workgroup per output once a reduction is at least this long and outputs are few.
const TREE_MIN_LEN: usize = 256;
const TREE_MAX_OUTPUTS: usize = 16_384;

/// How a reduction accumulates, as WGSL snippets over `acc` and `v`.
struct Algebra {
    acc_ty: &'static str,
    init: &'static str,
    /// Statements folding value `v` into `acc` (f32 sums also keep `comp`). The accumulator type
    /// is the output's storage type, so the result is stored as is.
    fold: &'static str,
    /// Combines two partial accumulators `a` and `b`.
    merge: &'static str,
    compensated: bool,
}

fn algebra(op: ReduceOp, dtype: DType) -> Result<Algebra> {
    use ReduceOp::*;
    let a = |acc_ty, init, fold, merge| Algebra {
        acc_ty,
        init,
        fold,
        merge,
        compensated: false,
    };
    Ok(match (op, dtype) {
        (Sum, DType::F32) => Algebra {
            acc_ty: "f32",
            init: "0.0",
            fold: "let t = acc + v; comp = comp + select((v - t) + acc, (acc - t) + v, abs(acc) >= abs(v)); acc = t;",
            merge: "a + b",
            compensated: true,
        },
        (Prod, DType::F32) => a("f32", "1.0", "acc = acc * v;", "a * b"),
        (Max, DType::F32) => a("f32", "-ff_inf()", "acc = ff_max_step(acc, v);", "ff_max_step(a, b)"),
        (Min, DType::F32) => a("f32", "ff_inf()", "acc = ff_min_step(acc, v);", "ff_min_step(a, b)"),
        (Sum, DType::I32) => a("i32", "0i", "acc = acc + v;", "a + b"),
        (Prod, DType::I32) => a("i32", "1i", "acc = acc * v;", "a * b"),
        (Max, DType::I32) => a("i32", "i32(-2147483648)", "acc = max(acc, v);", "max(a, b)"),
        (Min, DType::I32) => a("i32", "2147483647i", "acc = min(acc, v);", "min(a, b)"),
        (Max, DType::Bool) => a("u32", "0u", "acc = acc | select(0u, 1u, v);", "a | b"),
        (Min, DType::Bool) => a("u32", "1u", "acc = acc & select(0u, 1u, v);", "a & b"),
        _ => return Err(unsupported(format!("reduce {op:?} of {dtype}"))),
    })
}

pub(crate) fn render(
    kernel: &Kernel,
    op: ReduceOp,
    axes: &[usize],
    expr: &Expr,
    limits: &RenderLimits,
) -> Result<Shader> {
    let rank = expr.shape.len();
    if axes.windows(2).any(|w| w[0] >= w[1]) || axes.iter().any(|&a| a >= rank) {
        return Err(unsupported(format!("reduce axes {axes:?} for rank {rank}")));
    }
    let mut expect = expr.shape.clone();
    for &a in axes {
        expect[a] = 1;
    }
    if expect != kernel.out_shape || expr.dtype() != kernel.out_dtype {
        return Err(unsupported("reduce output shape or dtype differs from the expression"));
    }
    let alg = algebra(op, expr.dtype())?;
    let kept: Vec<usize> = (0..rank).filter(|d| !axes.contains(d)).collect();
    let kept_shape: Vec<usize> = kept.iter().map(|&d| expr.shape[d]).collect();
    let red_shape: Vec<usize> = axes.iter().map(|&d| expr.shape[d]).collect();
    let outer: usize = kept_shape.iter().product();
    let red: usize = red_shape.iter().product();
    let (outer_u, red_u) = (checked_u32(outer)?, checked_u32(red)?);

    let inputs = input_dtypes(expr, kernel.num_inputs)?;
    let wg = limits.workgroup_size;
    let tree = red >= TREE_MIN_LEN && outer <= TREE_MAX_OUTPUTS;

    let mut s = String::from(PRELUDE);
    s += &bindings(&inputs, kernel.out_dtype);
    if tree {
        let _ = writeln!(s, "var<workgroup> partial: array<{}, {wg}>;", alg.acc_ty);
    }
    s += &render_fn(expr, "ff_expr")?;
    s += &entry_1d(wg);
    let kept_names: Vec<String> = kept.iter().map(|d| format!("i{d}")).collect();
    let red_names: Vec<String> = axes.iter().map(|d| format!("i{d}")).collect();
    let args = (0..rank).map(|d| format!("i{d}")).collect::<Vec<_>>().join(", ");
    let (start, step) = if tree { ("lid.x", wg) } else { ("0u", 1) };
    let mut body = format!(
        "        var acc: {ty} = {init};\n        var comp: f32 = 0.0;\n        for (var r: u32 = {start}; r < {red_u}u; r = r + {step}u) {{\n",
        ty = alg.acc_ty,
        init = alg.init
    );
    body += &indent(&decompose("r", &red_shape, &red_names), 8);
    let _ = writeln!(
        body,
        "            let v = ff_expr({args});\n            {}\n        }}",
        alg.fold
    );
    if alg.compensated {
        body += "        let fin = acc + comp;\n        acc = select(fin, acc, ff_is_nan(fin) && !ff_is_nan(acc));\n";
    }
    // Accumulators already have the storage type (bool as u32).
    let store = "out[j] = acc;";
    if tree {
        // One workgroup per output: `j` is uniform, so every invocation reaches the barriers.
        s += "    let j = wid.x + wid.y * nwg.x;\n    var total: ";
        let _ = writeln!(s, "{} = {};", alg.acc_ty, alg.init);
        let _ = writeln!(s, "    if (j < {outer_u}u) {{");
        s += &decompose("j", &kept_shape, &kept_names);
        s += &body;
        s += "        total = acc;\n    }\n";
        let _ = writeln!(s, "    partial[lid.x] = total;\n    workgroupBarrier();");
        let _ = writeln!(
            s,
            "    for (var w: u32 = {}u; w > 0u; w = w >> 1u) {{\n        if (lid.x < w) {{ let a = partial[lid.x]; let b = partial[lid.x + w]; partial[lid.x] = {}; }}\n        workgroupBarrier();\n    }}",
            wg / 2,
            alg.merge
        );
        let _ = writeln!(
            s,
            "    if (lid.x == 0u && j < {outer_u}u) {{ let acc = partial[0]; {store} }}\n}}"
        );
    } else {
        s += &flat_invocation(wg);
        let _ = writeln!(s, "    let j = g;\n    if (j >= {outer_u}u) {{ return; }}\n    {{");
        s += &decompose("j", &kept_shape, &kept_names);
        s += &body;
        let _ = writeln!(s, "        {store}\n    }}\n}}");
    }
    let grid = if tree {
        grid_1d(outer, limits)?
    } else {
        grid_for(outer, limits)?
    };
    Ok(Shader {
        source: s,
        grid,
        inputs,
        output: kernel.out_dtype,
        finish: None,
    })
}

fn indent(s: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    s.lines().map(|l| format!("{pad}{l}\n")).collect()
}
