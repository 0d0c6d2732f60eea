//! Renders a planned kernel expression ([`ExprPlan`]: SSA steps over loads through views) as one
//! WGSL function of the multi-index, `fn NAME(i0: u32, ..) -> T`, that elementwise, reduction
//! and epilogue templates call.

use std::fmt::Write;

use ferroflow_core::ir::plan::{self, checked_i32, Bound, ExprPlan, Rejection, StepOp, Validity, ViewIndex};
use ferroflow_core::ir::{BinaryOp, Source, UnaryOp};
use ferroflow_core::DType;

use super::sizes::Sizes;
use super::wgsl::{from_storage, literal, reg_ty, zero};

/// `fn name(i0: u32, ...) -> T` computing the expression at one multi-index; an epilogue's
/// takes an extra last parameter `acc: f32`, which `Source::Accumulator` loads read.
pub(crate) fn render_fn(plan: &ExprPlan, name: &str, sizes: &mut Sizes) -> plan::Result<String> {
    let mut params: Vec<String> = (0..plan.rank()).map(|d| format!("i{d}: u32")).collect();
    if plan.accumulator {
        params.push("acc: f32".into());
    }
    let mut s = format!("fn {name}({}) -> {} {{\n", params.join(", "), reg_ty(plan.dtype()));
    for (i, step) in plan.steps.iter().enumerate() {
        let ty = reg_ty(step.dtype);
        let value = match &step.op {
            StepOp::Load { src, index } => {
                render_load(&mut s, i, step.dtype, src, index, sizes)?;
                continue;
            }
            StepOp::Const(c) => literal(*c),
            StepOp::Unary { op, arg, arg_dtype } => unary(*op, *arg_dtype, &format!("v{arg}"))?,
            StepOp::Binary {
                op,
                lhs,
                rhs,
                operand_dtype,
            } => binary(*op, *operand_dtype, &format!("v{lhs}"), &format!("v{rhs}"))?,
            StepOp::Where { cond, then, otherwise } => format!("select(v{otherwise}, v{then}, v{cond})"),
            StepOp::Cast { arg, from } => cast(*from, step.dtype, &format!("v{arg}")),
        };
        let _ = writeln!(s, "    let v{i}: {ty} = {value};");
    }
    let _ = writeln!(s, "    return v{};\n}}", plan.result());
    Ok(s)
}

/// The source offset of a view at multi-index `i0..` as an i32 expression, and the validity test
/// (`None` when always valid).
pub(crate) fn view_offset(index: &ViewIndex, sizes: &mut Sizes) -> plan::Result<(String, Option<String>)> {
    // A zero offset and unit strides stay literal even when sizes are read at run time: they
    // are what contiguous operands have whatever their size, and with them the compiler can
    // drop the add and the multiply.
    let mut off = match index.offset {
        0 => "0i".to_string(),
        o => sizes.i(checked_i32(o)?),
    };
    for &(d, st) in &index.terms {
        match st {
            1 => {
                let _ = write!(off, " + i32(i{d})");
            }
            st => {
                let _ = write!(off, " + i32(i{d}) * {}", sizes.i(checked_i32(st)?));
            }
        }
    }
    let valid = match &index.validity {
        Validity::Always => None,
        Validity::Never => Some("false".to_string()),
        Validity::Within(bounds) => {
            let conds = bounds
                .iter()
                .map(|b| match *b {
                    Bound::AtLeast { dim, lo } => {
                        Ok(format!("i{dim} >= {}", sizes.u(checked_i32(lo as isize)? as u32)))
                    }
                    Bound::Below { dim, hi } => Ok(format!("i{dim} < {}", sizes.u(checked_i32(hi as isize)? as u32))),
                })
                .collect::<plan::Result<Vec<_>>>()?;
            Some(conds.join(" && "))
        }
    };
    Ok((off, valid))
}

fn render_load(
    s: &mut String,
    i: usize,
    dtype: DType,
    src: &Source,
    index: &ViewIndex,
    sizes: &mut Sizes,
) -> plan::Result<()> {
    let (off, valid) = view_offset(index, sizes)?;
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

fn unary(op: UnaryOp, d: DType, a: &str) -> plan::Result<String> {
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
        _ => return Err(Rejection::unsupported(format!("unary {} on {d}", op.name()))),
    })
}

fn binary(op: BinaryOp, d: DType, a: &str, b: &str) -> plan::Result<String> {
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
        _ => return Err(Rejection::unsupported(format!("binary {} on {d}", op.name()))),
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
