//! Renders a kernel [`Expr`] (SSA nodes over loads through views) as one WGSL function of the
//! multi-index, `fn NAME(i0: u32, ..) -> T`, that elementwise and reduction templates call.

use std::fmt::Write;

use ferroflow_core::ir::{BinaryOp, Expr, ExprOp, Source, UnaryOp, View};
use ferroflow_core::{DType, Result};

use super::wgsl::{from_storage, literal, reg_ty, zero};
use super::{checked_i32, unsupported};

/// The dtypes the expression reads from each input slot (`None`: slot not read as data).
pub(crate) fn input_dtypes(expr: &Expr, num_inputs: usize) -> Result<Vec<Option<DType>>> {
    let mut types = vec![None; num_inputs];
    for node in &expr.nodes {
        let ExprOp::Load { src, .. } = &node.op else { continue };
        let (slot, dtype) = match src {
            Source::Input(i) => (*i, node.dtype),
            Source::Rand { seed_input } => (*seed_input, DType::I32),
            _ => continue,
        };
        let entry = types
            .get_mut(slot)
            .ok_or_else(|| unsupported(format!("load from input {slot} of a {num_inputs}-input kernel")))?;
        match entry {
            Some(d) if *d != dtype => {
                return Err(unsupported(format!("input {slot} read as both {d} and {dtype}")));
            }
            _ => *entry = Some(dtype),
        }
    }
    Ok(types)
}

/// `fn name(i0: u32, ...) -> T` computing the expression at one multi-index.
pub(crate) fn render_fn(expr: &Expr, name: &str) -> Result<String> {
    render(expr, name, false)
}

/// [`render_fn`] for an epilogue: an extra last parameter `acc: f32` is what
/// `Source::Accumulator` loads read.
pub(crate) fn render_fn_acc(expr: &Expr, name: &str) -> Result<String> {
    render(expr, name, true)
}

fn render(expr: &Expr, name: &str, with_acc: bool) -> Result<String> {
    let rank = expr.shape.len();
    let mut params: Vec<String> = (0..rank).map(|d| format!("i{d}: u32")).collect();
    if with_acc {
        params.push("acc: f32".into());
    }
    let mut s = format!("fn {name}({}) -> {} {{\n", params.join(", "), reg_ty(expr.dtype()));
    for (i, node) in expr.nodes.iter().enumerate() {
        let operand = |j: usize| -> Result<&ferroflow_core::ir::ExprNode> {
            if j < i {
                Ok(&expr.nodes[j])
            } else {
                Err(unsupported(format!("node {i} uses later node {j}")))
            }
        };
        let ty = reg_ty(node.dtype);
        match &node.op {
            ExprOp::Load { src, view } => {
                if view.shape != expr.shape {
                    return Err(unsupported(format!(
                        "load view shape {:?} differs from the expression shape {:?}",
                        view.shape, expr.shape
                    )));
                }
                if *src == Source::Accumulator && !(with_acc && view.is_contiguous() && node.dtype == DType::F32) {
                    return Err(unsupported(
                        "accumulator load outside an epilogue or through a non-identity view",
                    ));
                }
                render_load(&mut s, i, node.dtype, src, view)?;
            }
            ExprOp::Const(c) => {
                let _ = writeln!(s, "    let v{i}: {ty} = {};", literal(*c));
            }
            ExprOp::Unary(op, a) => {
                let rhs = unary(*op, operand(*a)?.dtype, &format!("v{a}"))?;
                let _ = writeln!(s, "    let v{i}: {ty} = {rhs};");
            }
            ExprOp::Binary(op, a, b) => {
                let rhs = binary(*op, operand(*a)?.dtype, &format!("v{a}"), &format!("v{b}"))?;
                operand(*b)?;
                let _ = writeln!(s, "    let v{i}: {ty} = {rhs};");
            }
            ExprOp::Where(c, a, b) => {
                operand(*c)?;
                operand(*a)?;
                operand(*b)?;
                let _ = writeln!(s, "    let v{i}: {ty} = select(v{b}, v{a}, v{c});");
            }
            ExprOp::Cast(a) => {
                let rhs = cast(operand(*a)?.dtype, node.dtype, &format!("v{a}"));
                let _ = writeln!(s, "    let v{i}: {ty} = {rhs};");
            }
        }
    }
    let last = expr
        .nodes
        .len()
        .checked_sub(1)
        .ok_or_else(|| unsupported("empty expression"))?;
    let _ = writeln!(s, "    return v{last};\n}}");
    Ok(s)
}

/// The source offset of a view at multi-index `i0..` as an i32 expression, and the validity test
/// (`None` when always valid).
pub(crate) fn view_offset(view: &View) -> Result<(String, Option<String>)> {
    let mut off = format!("{}i", checked_i32(view.offset)?);
    for (d, (&n, &st)) in view.shape.iter().zip(&view.strides).enumerate() {
        if n > 1 && st != 0 {
            let _ = write!(off, " + i32(i{d}) * {}i", checked_i32(st)?);
        }
    }
    let valid = match &view.mask {
        None => None,
        Some(m) => {
            let mut conds = Vec::new();
            for (d, (&(lo, hi), &n)) in m.iter().zip(&view.shape).enumerate() {
                if lo >= hi {
                    conds.clear();
                    conds.push("false".to_string());
                    break;
                }
                if lo > 0 {
                    conds.push(format!("i{d} >= {}u", checked_i32(lo as isize)?));
                }
                if hi < n {
                    conds.push(format!("i{d} < {}u", checked_i32(hi as isize)?));
                }
            }
            (!conds.is_empty()).then(|| conds.join(" && "))
        }
    };
    Ok((off, valid))
}

fn render_load(s: &mut String, i: usize, dtype: DType, src: &Source, view: &View) -> Result<()> {
    let (off, valid) = view_offset(view)?;
    let value = match src {
        Source::Input(slot) => from_storage(dtype, &format!("in{slot}[u32({off})]")),
        Source::Const(c) => literal(*c),
        Source::Arange => format!("({off})"),
        Source::Accumulator => "acc".to_string(),
        Source::Rand { seed_input } => format!(
            "ff_uniform(ff_rand_bits(bitcast<u32>(in{seed_input}[0]), bitcast<u32>(in{seed_input}[1]), u32({off})))"
        ),
    };
    let ty = reg_ty(dtype);
    match valid {
        None => {
            let _ = writeln!(s, "    let v{i}: {ty} = {value};");
        }
        Some(cond) => {
            // Branch rather than select: a masked position's offset may lie outside the buffer.
            let _ = writeln!(
                s,
                "    var v{i}: {ty} = {};\n    if ({cond}) {{ v{i} = {value}; }}",
                zero(dtype)
            );
        }
    }
    Ok(())
}

fn unary(op: UnaryOp, d: DType, a: &str) -> Result<String> {
    use UnaryOp::*;
    Ok(match (op, d) {
        (Neg, DType::F32 | DType::I32) => format!("-{a}"),
        (Not, DType::Bool) => format!("!{a}"),
        (Exp, DType::F32) => format!("ff_exp({a})"),
        (Log, DType::F32) => format!("ff_log({a})"),
        (Sqrt, DType::F32) => format!("ff_sqrt({a})"),
        (Recip, DType::F32) => format!("ff_div(1.0, {a})"),
        (Sin, DType::F32) => format!("ff_sin({a})"),
        (Cos, DType::F32) => format!("ff_cos({a})"),
        (Tanh, DType::F32) => format!("ff_tanh({a})"),
        (Sigmoid, DType::F32) => format!("ff_sigmoid({a})"),
        (Erf, DType::F32) => format!("ff_erf({a})"),
        (Floor, DType::F32) => format!("floor({a})"),
        (Ceil, DType::F32) => format!("ceil({a})"),
        (Round, DType::F32) => format!("round({a})"),
        _ => return Err(unsupported(format!("unary {} on {d}", op.name()))),
    })
}

fn binary(op: BinaryOp, d: DType, a: &str, b: &str) -> Result<String> {
    use BinaryOp::*;
    Ok(match (op, d) {
        (Add, DType::F32 | DType::I32) => format!("({a} + {b})"),
        (Sub, DType::F32 | DType::I32) => format!("({a} - {b})"),
        (Mul, DType::F32 | DType::I32) => format!("({a} * {b})"),
        (Div, DType::F32) => format!("ff_div({a}, {b})"),
        (Div, DType::I32) => format!("ff_div_i32({a}, {b})"),
        (Pow, DType::F32) => format!("ff_pow({a}, {b})"),
        (Pow, DType::I32) => format!("ff_pow_i32({a}, {b})"),
        (Max, DType::F32) => format!("ff_max({a}, {b})"),
        (Min, DType::F32) => format!("ff_min({a}, {b})"),
        (Max, DType::I32) => format!("max({a}, {b})"),
        (Min, DType::I32) => format!("min({a}, {b})"),
        (Mod, DType::F32) => format!("ff_mod({a}, {b})"),
        (Mod, DType::I32) => format!("ff_mod_i32({a}, {b})"),
        (Lt, DType::F32 | DType::I32) => format!("({a} < {b})"),
        (Le, DType::F32 | DType::I32) => format!("({a} <= {b})"),
        (Eq, _) => format!("({a} == {b})"),
        (And, DType::Bool) => format!("({a} && {b})"),
        (Or, DType::Bool) => format!("({a} || {b})"),
        _ => return Err(unsupported(format!("binary {} on {d}", op.name()))),
    })
}

fn cast(from: DType, to: DType, a: &str) -> String {
    match (from, to) {
        (DType::F32, DType::F32) | (DType::I32, DType::I32) | (DType::Bool, DType::Bool) => a.to_string(),
        (DType::F32, DType::I32) => format!("ff_f32_to_i32({a})"),
        (DType::F32, DType::Bool) => format!("({a} != 0.0)"),
        (DType::I32, DType::F32) => format!("f32({a})"),
        (DType::I32, DType::Bool) => format!("({a} != 0i)"),
        (DType::Bool, DType::F32) => format!("select(0.0, 1.0, {a})"),
        (DType::Bool, DType::I32) => format!("select(0i, 1i, {a})"),
    }
}
