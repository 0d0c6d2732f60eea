//! Renders a kernel [`Expr`] (SSA nodes over loads through views) as one CUDA device function of
//! the multi-index, `T name(in0.., unsigned i0, ..)`, that elementwise, reduction and epilogue
//! templates call. The same decomposition as the WGSL renderer: loads compute their view offset
//! and mask inline, a masked-out position reads zero without touching memory.

use std::fmt::Write;

use ferroflow_core::ir::{BinaryOp, Expr, ExprNode, ExprOp, Source, UnaryOp, View};
use ferroflow_core::{DType, Result};

use super::cuda::{from_storage, join_nonempty, literal, reg_ty, zero, Buffers};
use super::unsupported;

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

/// The device function `name(inputs.., i0, ..)` computing the expression at one multi-index.
pub(crate) fn render_fn(expr: &Expr, buffers: &Buffers, name: &str) -> Result<String> {
    render(expr, buffers, name, false)
}

/// [`render_fn`] for an epilogue: an extra last parameter `float acc` is what
/// `Source::Accumulator` loads read.
pub(crate) fn render_fn_acc(expr: &Expr, buffers: &Buffers, name: &str) -> Result<String> {
    render(expr, buffers, name, true)
}

/// The multi-index arguments `i0, i1, ..` of a rank-`rank` expression function.
pub(crate) fn index_names(rank: usize) -> Vec<String> {
    (0..rank).map(|d| format!("i{d}")).collect()
}

fn render(expr: &Expr, buffers: &Buffers, name: &str, with_acc: bool) -> Result<String> {
    let rank = expr.shape.len();
    let mut params: Vec<String> = vec![buffers.input_params()];
    params.extend((0..rank).map(|d| format!("unsigned i{d}")));
    if with_acc {
        params.push("float acc".into());
    }
    let mut s = format!(
        "FF_DEV {} {name}({}) {{\n",
        reg_ty(expr.dtype()),
        join_nonempty(&params)
    );
    for (i, node) in expr.nodes.iter().enumerate() {
        let operand = |j: usize| -> Result<&ExprNode> {
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
                if c.dtype() != node.dtype {
                    return Err(unsupported(format!("constant {c:?} in a {} node", node.dtype)));
                }
                let _ = writeln!(s, "    const {ty} v{i} = {};", literal(*c));
            }
            ExprOp::Unary(op, a) => {
                let rhs = unary(*op, operand(*a)?.dtype, &format!("v{a}"))?;
                let _ = writeln!(s, "    const {ty} v{i} = {rhs};");
            }
            ExprOp::Binary(op, a, b) => {
                let (da, db) = (operand(*a)?.dtype, operand(*b)?.dtype);
                if da != db {
                    return Err(unsupported(format!("binary {} on {da} and {db}", op.name())));
                }
                let rhs = binary(*op, da, &format!("v{a}"), &format!("v{b}"))?;
                let _ = writeln!(s, "    const {ty} v{i} = {rhs};");
            }
            ExprOp::Where(c, a, b) => {
                operand(*c)?;
                operand(*a)?;
                operand(*b)?;
                let _ = writeln!(s, "    const {ty} v{i} = v{c} ? v{a} : v{b};");
            }
            ExprOp::Cast(a) => {
                let rhs = cast(operand(*a)?.dtype, node.dtype, &format!("v{a}"));
                let _ = writeln!(s, "    const {ty} v{i} = {rhs};");
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

/// The source offset of a view at multi-index `i0..` as a `long long` expression (64-bit: the
/// terms of a valid position may pass 2^31 on the way to an in-range sum), and the validity test
/// (`None` when always valid).
pub(crate) fn view_offset(view: &View) -> Result<(String, Option<String>)> {
    let mut off = format!("{}LL", view.offset);
    for (d, (&n, &st)) in view.shape.iter().zip(&view.strides).enumerate() {
        if n > 1 && st != 0 {
            let _ = write!(off, " + (long long)i{d} * {st}LL");
        }
    }
    let valid = match &view.mask {
        None => None,
        Some(m) => {
            if m.len() != view.shape.len() {
                return Err(unsupported("view mask rank differs from its shape"));
            }
            let mut conds = Vec::new();
            for (d, (&(lo, hi), &n)) in m.iter().zip(&view.shape).enumerate() {
                if lo >= hi {
                    conds.clear();
                    conds.push("false".to_string());
                    break;
                }
                if lo > 0 {
                    conds.push(format!("i{d} >= {lo}u"));
                }
                if hi < n {
                    conds.push(format!("i{d} < {hi}u"));
                }
            }
            (!conds.is_empty()).then(|| conds.join(" && "))
        }
    };
    Ok((off, valid))
}

fn render_load(s: &mut String, i: usize, dtype: DType, src: &Source, view: &View) -> Result<()> {
    if view.strides.len() != view.shape.len() {
        return Err(unsupported("view strides rank differs from its shape"));
    }
    let (off, valid) = view_offset(view)?;
    let value = match src {
        Source::Input(slot) => from_storage(dtype, &format!("in{slot}[{off}]")),
        Source::Const(c) => literal(*c),
        Source::Arange => format!("(int)({off})"),
        Source::Accumulator => "acc".to_string(),
        Source::Rand { seed_input } => format!(
            "ff_uniform(ff_rand_bits((unsigned)in{seed_input}[0], (unsigned)in{seed_input}[1], (unsigned)({off})))"
        ),
    };
    let ty = reg_ty(dtype);
    match valid {
        None => {
            let _ = writeln!(s, "    const {ty} v{i} = {value};");
        }
        Some(cond) => {
            // Branch rather than select: a masked position's offset may lie outside the buffer.
            let _ = writeln!(
                s,
                "    {ty} v{i} = {};\n    if ({cond}) {{ v{i} = {value}; }}",
                zero(dtype)
            );
        }
    }
    Ok(())
}

fn unary(op: UnaryOp, d: DType, a: &str) -> Result<String> {
    use UnaryOp::*;
    // sqrt, division, sin, cos, floor, ceil and rint are IEEE-exact or within 2 ulp in CUDA
    // without fast math (the CPU uses Rust's std, likewise); exp, log, tanh, sigmoid are the
    // CPU's own approximations (prelude).
    Ok(match (op, d) {
        (Neg, DType::F32) => format!("(-{a})"),
        (Neg, DType::I32) => format!("ff_neg_i32({a})"),
        (Not, DType::Bool) => format!("(!{a})"),
        (Exp, DType::F32) => format!("ff_exp({a})"),
        (Log, DType::F32) => format!("ff_log({a})"),
        (Sqrt, DType::F32) => format!("sqrtf({a})"),
        (Recip, DType::F32) => format!("(1.0f / {a})"),
        (Sin, DType::F32) => format!("sinf({a})"),
        (Cos, DType::F32) => format!("cosf({a})"),
        (Tanh, DType::F32) => format!("ff_tanh({a})"),
        (Sigmoid, DType::F32) => format!("ff_sigmoid({a})"),
        (Erf, DType::F32) => format!("ff_erf({a})"),
        (Floor, DType::F32) => format!("floorf({a})"),
        (Ceil, DType::F32) => format!("ceilf({a})"),
        (Round, DType::F32) => format!("rintf({a})"),
        _ => return Err(unsupported(format!("unary {} on {d}", op.name()))),
    })
}

fn binary(op: BinaryOp, d: DType, a: &str, b: &str) -> Result<String> {
    use BinaryOp::*;
    Ok(match (op, d) {
        (Add, DType::F32) => format!("({a} + {b})"),
        (Sub, DType::F32) => format!("({a} - {b})"),
        (Mul, DType::F32) => format!("({a} * {b})"),
        (Add, DType::I32) => format!("ff_add_i32({a}, {b})"),
        (Sub, DType::I32) => format!("ff_sub_i32({a}, {b})"),
        (Mul, DType::I32) => format!("ff_mul_i32({a}, {b})"),
        (Div, DType::F32) => format!("({a} / {b})"),
        (Div, DType::I32) => format!("ff_div_i32({a}, {b})"),
        // C's powf has the IEEE special cases the CPU's f32::powf has.
        (Pow, DType::F32) => format!("powf({a}, {b})"),
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
        (DType::F32, DType::Bool) => format!("({a} != 0.0f)"),
        (DType::I32, DType::F32) => format!("(float)({a})"),
        (DType::I32, DType::Bool) => format!("({a} != 0)"),
        (DType::Bool, DType::F32) => format!("({a} ? 1.0f : 0.0f)"),
        (DType::Bool, DType::I32) => format!("({a} ? 1 : 0)"),
    }
}
