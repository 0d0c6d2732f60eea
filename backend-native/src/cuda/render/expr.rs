//! Renders a planned kernel expression ([`ExprPlan`]: SSA steps over loads through views) as one
//! CUDA device function of the multi-index, `T name(in0.., unsigned i0, ..)`, that elementwise,
//! reduction and epilogue templates call. As in the WGSL renderer, loads compute their view
//! offset and mask inline, and a masked-out position reads zero without touching memory.

use std::fmt::Write;

use ferroflow_core::ir::plan::{self, Bound, ExprPlan, Rejection, StepOp, Validity, ViewIndex};
use ferroflow_core::ir::{BinaryOp, Source, UnaryOp};
use ferroflow_core::DType;

use super::cuda::{from_storage, join_nonempty, literal, reg_ty, zero, Buffers};

/// The device function `name(inputs.., i0, ..)` computing the expression at one multi-index; an
/// epilogue's takes an extra last parameter `float acc`, which `Source::Accumulator` loads read.
pub(crate) fn render_fn(plan: &ExprPlan, buffers: &Buffers, name: &str) -> plan::Result<String> {
    let mut params: Vec<String> = vec![buffers.input_params()];
    params.extend((0..plan.rank()).map(|d| format!("unsigned i{d}")));
    if plan.accumulator {
        params.push("float acc".into());
    }
    let mut s = format!(
        "FF_DEV {} {name}({}) {{\n",
        reg_ty(plan.dtype()),
        join_nonempty(&params)
    );
    for (i, step) in plan.steps.iter().enumerate() {
        let ty = reg_ty(step.dtype);
        let value = match &step.op {
            StepOp::Load { src, index } => {
                render_load(&mut s, i, step.dtype, src, index);
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
            StepOp::Where { cond, then, otherwise } => format!("v{cond} ? v{then} : v{otherwise}"),
            StepOp::Cast { arg, from } => cast(*from, step.dtype, &format!("v{arg}")),
        };
        let _ = writeln!(s, "    const {ty} v{i} = {value};");
    }
    let _ = writeln!(s, "    return v{};\n}}", plan.result());
    Ok(s)
}

/// The multi-index arguments `i0, i1, ..` of a rank-`rank` expression function.
pub(crate) fn index_names(rank: usize) -> Vec<String> {
    (0..rank).map(|d| format!("i{d}")).collect()
}

/// The source offset of a view at multi-index `i0..` as a `long long` expression (64-bit: the
/// terms of a valid position may pass 2^31 on the way to an in-range sum), and the validity test
/// (`None` when always valid).
pub(crate) fn view_offset(index: &ViewIndex) -> (String, Option<String>) {
    let mut off = format!("{}LL", index.offset);
    for &(d, st) in &index.terms {
        let _ = write!(off, " + (long long)i{d} * {st}LL");
    }
    let valid = match &index.validity {
        Validity::Always => None,
        Validity::Never => Some("false".to_string()),
        Validity::Within(bounds) => Some(
            bounds
                .iter()
                .map(|b| match *b {
                    Bound::AtLeast { dim, lo } => format!("i{dim} >= {lo}u"),
                    Bound::Below { dim, hi } => format!("i{dim} < {hi}u"),
                })
                .collect::<Vec<_>>()
                .join(" && "),
        ),
    };
    (off, valid)
}

fn render_load(s: &mut String, i: usize, dtype: DType, src: &Source, index: &ViewIndex) {
    let (off, valid) = view_offset(index);
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
}

fn unary(op: UnaryOp, d: DType, a: &str) -> plan::Result<String> {
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
        _ => return Err(Rejection::unsupported(format!("unary {} on {d}", op.name()))),
    })
}

fn binary(op: BinaryOp, d: DType, a: &str, b: &str) -> plan::Result<String> {
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
        _ => return Err(Rejection::unsupported(format!("binary {} on {d}", op.name()))),
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
