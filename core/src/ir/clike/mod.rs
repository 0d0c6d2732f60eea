//! The C-like source writer shared by the kernel renderers (WGSL in `ferroflow-wgpu`, CUDA C in
//! `ferroflow-native`). Kernels are written here once over a [`Dialect`], which holds only what
//! a language spells differently: its types and literals, locals, `select`, view offsets, loads
//! and function headers, and the op spellings where they differ from C's; a
//! [`KernelDialect`] adds the launch vocabulary (buffer declarations, entry point, thread and
//! group indices, barriers) and turns source into the backend's kernel.
//!
//! Written here: the expression function (an [`ExprPlan`] as one function of the multi-index,
//! called by the elementwise, reduction and epilogue templates), a reduction's accumulator
//! algebra, a convolution's implicit-GEMM operand loads ([`conv_loads`]), and the elementwise,
//! reduction, gather and scatter-add kernels with the one dispatch over [`plan::KernelPlan`]
//! ([`render`]). Per language: GEMM tiling (the two languages tile differently) and the preludes.

mod conv;
mod kernels;

pub use conv::conv_loads;
pub use kernels::{decompose, index_names, render, KernelDialect, Launch, Written};

use std::fmt::Write;

use crate::dtype::{DType, Scalar};
use crate::ir::plan::{self, ExprPlan, Rejection, StepOp, ViewIndex};
use crate::ir::{approx, BinaryOp, ReduceOp, Source, UnaryOp};

/// The position of a dtype in a dialect's per-dtype tables: f32, i32, bool.
pub fn slot(d: DType) -> usize {
    match d {
        DType::F32 => 0,
        DType::I32 => 1,
        DType::Bool => 2,
    }
}

/// What a C-like kernel language spells its own way. Every spelling defaults to C's (CUDA C
/// is C with a few additions), so a dialect states only where it differs, as WGSL does.
pub trait Dialect {
    /// Register types, per dtype ([`slot`] order).
    const REG: [&'static str; 3] = ["float", "int", "bool"];
    /// Buffer element types: bool is a number in storage (one byte: a C `bool`'s layout).
    const STORAGE: [&'static str; 3] = ["float", "int", "unsigned char"];
    /// Zeros (what masked loads read) and ones, in registers.
    const ZERO: [&'static str; 3] = ["0.0f", "0", "false"];
    const ONE: [&'static str; 3] = ["1.0f", "1", "true"];
    /// `false` and `true` as bool storage elements.
    const BOOL_STORED: [&'static str; 2] = ["0", "1"];
    /// The function computing |x| of an f32.
    const FABS: &'static str = "fabsf";
    /// The unsigned index type.
    const U32: &'static str = "unsigned";

    /// An exact literal.
    fn literal(&self, s: Scalar) -> String;
    /// An immutable local, without indentation or newline.
    fn constant(&self, name: &str, ty: &str, value: &str) -> String {
        format!("const {ty} {name} = {value};")
    }
    /// A mutable local, likewise.
    fn variable(&self, name: &str, ty: &str, value: &str) -> String {
        format!("{ty} {name} = {value};")
    }
    /// `cond ? then : otherwise`, usable as an operand.
    fn select(&self, cond: &str, then: &str, otherwise: &str) -> String {
        format!("({cond} ? {then} : {otherwise})")
    }
    /// A value converted to the register or index type `ty` (number to number).
    fn convert(&self, ty: &str, a: &str) -> String {
        format!("({ty})({a})")
    }
    /// The op where the language spells it differently from C ([`unary`]); None otherwise.
    fn unary(&self, _op: UnaryOp, _d: DType, _a: &str) -> Option<String> {
        None
    }
    /// Likewise for binary ops ([`binary`]).
    fn binary(&self, _op: BinaryOp, _d: DType, _a: &str, _b: &str) -> Option<String> {
        None
    }
    /// The source offset of a view at multi-index `i0..` and its validity test (None: always).
    fn view_offset(&mut self, index: &ViewIndex) -> plan::Result<(String, Option<String>)>;
    /// Storage element `offset` of input `slot`.
    fn element(&self, slot: usize, offset: &str) -> String {
        format!("in{slot}[{offset}]")
    }
    /// The storage bits of element `index` of input `slot` as an unsigned value.
    fn bits(&self, slot: usize, index: usize) -> String {
        self.convert(Self::U32, &format!("in{slot}[{index}]"))
    }
    /// An unsigned size literal (a dialect may read it at run time instead).
    fn size(&mut self, n: u32) -> String {
        format!("{n}u")
    }
    /// The opening of function `name` taking `(name, type)` parameters (and whatever else the
    /// language must pass, such as CUDA's input buffers) and returning `ret`, through `{\n`.
    fn function(&self, name: &str, params: &[(String, String)], ret: &str) -> String;

    /// An i32 register value as f32.
    fn i32_to_f32(&self, a: &str) -> String {
        self.convert(Self::REG[slot(DType::F32)], a)
    }
    /// An unsigned index as i32, and an i32 as unsigned.
    fn to_i32(&self, a: &str) -> String {
        self.convert(Self::REG[slot(DType::I32)], a)
    }
    fn to_u32(&self, a: &str) -> String {
        self.convert(Self::U32, a)
    }
}

/// Immutable locals `(name, type, value)` on one indented line.
pub(crate) fn constants_line<D: Dialect>(d: &D, defs: &[(&str, &str, String)]) -> String {
    let defs: Vec<String> = defs.iter().map(|(n, t, v)| d.constant(n, t, v)).collect();
    format!("    {}\n", defs.join(" "))
}

/// The register type of `d`.
pub fn reg<D: Dialect>(d: DType) -> &'static str {
    D::REG[slot(d)]
}

/// The storage element type of `d`.
pub fn storage<D: Dialect>(d: DType) -> &'static str {
    D::STORAGE[slot(d)]
}

/// The zero of `d` as a storage element.
pub fn stored_zero<D: Dialect>(d: DType) -> &'static str {
    match d {
        DType::Bool => D::BOOL_STORED[0],
        _ => D::ZERO[slot(d)],
    }
}

/// A storage element of `d` as a register value.
pub fn from_storage<D: Dialect>(d: DType, element: &str) -> String {
    match d {
        DType::Bool => format!("({element} != {})", D::BOOL_STORED[0]),
        _ => element.to_string(),
    }
}

/// A register value of `d` as a storage element.
pub fn to_storage<D: Dialect>(dialect: &D, d: DType, value: &str) -> String {
    match d {
        DType::Bool => dialect.select(value, D::BOOL_STORED[1], D::BOOL_STORED[0]),
        _ => value.to_string(),
    }
}

/// Whether unary `op` is defined on `d` (negation on numbers, not on bools, math on f32).
pub fn unary_defined(op: UnaryOp, d: DType) -> bool {
    match op {
        UnaryOp::Neg => matches!(d, DType::F32 | DType::I32),
        UnaryOp::Not => d == DType::Bool,
        _ => d == DType::F32,
    }
}

/// A unary op on a register value: the dialect's spelling, else C's; an error for an op the
/// dtype does not have.
pub fn unary<D: Dialect>(dialect: &D, op: UnaryOp, d: DType, a: &str) -> plan::Result<String> {
    use UnaryOp::*;
    if !unary_defined(op, d) {
        return Err(Rejection::unsupported(format!("unary {} on {d}", op.name())));
    }
    if let Some(s) = dialect.unary(op, d, a) {
        return Ok(s);
    }
    Ok(match op {
        Neg => format!("(-{a})"),
        Not => format!("(!{a})"),
        Recip => format!("(1.0 / {a})"),
        // Ports of the CPU backend's approximations, in every prelude.
        Exp | Log | Tanh | Sigmoid | Erf => format!("ff_{}({a})", op.name()),
        Sqrt | Sin | Cos | Floor | Ceil | Round => format!("{}({a})", op.name()),
    })
}

/// A binary op on register values of dtype `d`, likewise.
pub fn binary<D: Dialect>(dialect: &D, op: BinaryOp, d: DType, a: &str, b: &str) -> plan::Result<String> {
    use BinaryOp::*;
    let defined = match op {
        Add | Sub | Mul | Div | Pow | Max | Min | Mod | Lt | Le => matches!(d, DType::F32 | DType::I32),
        Eq => true,
        And | Or => d == DType::Bool,
    };
    if !defined {
        return Err(Rejection::unsupported(format!("binary {} on {d}", op.name())));
    }
    if let Some(s) = dialect.binary(op, d, a, b) {
        return Ok(s);
    }
    let infix = |sym: &str| format!("({a} {sym} {b})");
    let int = d == DType::I32;
    Ok(match op {
        Add => infix("+"),
        Sub => infix("-"),
        Mul => infix("*"),
        Lt => infix("<"),
        Le => infix("<="),
        Eq => infix("=="),
        And => infix("&&"),
        Or => infix("||"),
        // Integer max/min are exact everywhere; float ones propagate NaN (prelude).
        Max | Min if int => format!("{}({a}, {b})", if op == Max { "max" } else { "min" }),
        // Floor division and modulo, powers, NaN-propagating max/min: prelude functions.
        Div | Pow | Mod | Max | Min => {
            let name = match op {
                Max => "max",
                Min => "min",
                _ => op.name(),
            };
            format!("ff_{name}{}({a}, {b})", if int { "_i32" } else { "" })
        }
    })
}

/// A conversion between register dtypes.
pub fn cast<D: Dialect>(dialect: &D, from: DType, to: DType, a: &str) -> String {
    let (zero, one) = (D::ZERO[slot(to)], D::ONE[slot(to)]);
    match (from, to) {
        _ if from == to => a.to_string(),
        (DType::F32, DType::I32) => format!("ff_f32_to_i32({a})"),
        (DType::I32, DType::F32) => dialect.i32_to_f32(a),
        (_, DType::Bool) => format!("({a} != {})", D::ZERO[slot(from)]),
        (DType::Bool, _) => dialect.select(a, one, zero),
        _ => a.to_string(),
    }
}

/// The function `name(i0, .., acc?)` computing `plan` at one multi-index: one local per step, a
/// masked load branching around its read (its offset may lie outside the buffer). An
/// epilogue's takes the accumulator `acc` (f32), which `Source::Accumulator` loads read.
pub fn expr_fn<D: Dialect>(dialect: &mut D, plan: &ExprPlan, name: &str) -> plan::Result<String> {
    let mut params: Vec<(String, String)> = (0..plan.rank())
        .map(|d| (format!("i{d}"), D::U32.to_string()))
        .collect();
    if plan.accumulator {
        params.push(("acc".into(), reg::<D>(DType::F32).into()));
    }
    let mut s = dialect.function(name, &params, reg::<D>(plan.dtype()));
    for (i, step) in plan.steps.iter().enumerate() {
        let ty = reg::<D>(step.dtype);
        let v = |k: &usize| format!("v{k}");
        let value = match &step.op {
            StepOp::Load { src, index } => {
                let (off, valid) = dialect.view_offset(index)?;
                let value = match src {
                    Source::Input(slot) => from_storage::<D>(step.dtype, &dialect.element(*slot, &off)),
                    Source::Const(c) => dialect.literal(*c),
                    Source::Arange => dialect.to_i32(&off),
                    Source::Accumulator => "acc".to_string(),
                    Source::Rand { seed_input } => format!(
                        "ff_uniform(ff_rand_bits({}, {}, {}))",
                        dialect.bits(*seed_input, 0),
                        dialect.bits(*seed_input, 1),
                        dialect.to_u32(&off)
                    ),
                };
                if let Some(cond) = valid {
                    let zero = D::ZERO[slot(step.dtype)];
                    let _ = writeln!(
                        s,
                        "    {}\n    if ({cond}) {{ v{i} = {value}; }}",
                        dialect.variable(&v(&i), ty, zero)
                    );
                    continue;
                }
                value
            }
            StepOp::Const(c) => dialect.literal(*c),
            StepOp::Unary { op, arg, arg_dtype } => unary(dialect, *op, *arg_dtype, &v(arg))?,
            StepOp::Binary {
                op,
                lhs,
                rhs,
                operand_dtype,
            } => binary(dialect, *op, *operand_dtype, &v(lhs), &v(rhs))?,
            StepOp::Where { cond, then, otherwise } => dialect.select(&v(cond), &v(then), &v(otherwise)),
            StepOp::Cast { arg, from } => cast(dialect, *from, step.dtype, &v(arg)),
        };
        let _ = writeln!(s, "    {}", dialect.constant(&v(&i), ty, &value));
    }
    let _ = writeln!(s, "    return v{};\n}}", plan.result());
    Ok(s)
}

/// How a reduction accumulates: the accumulator's type (the output's storage type, so the
/// result is stored as is), its initial value, the statements folding value `v` into `acc`
/// (a compensated f32 sum also keeps `comp`), and the expression combining partial
/// accumulators `a` and `b`.
pub struct Algebra {
    pub acc_ty: &'static str,
    pub init: String,
    pub fold: String,
    pub merge: String,
}

/// The accumulator algebra of reduction `op` over `d` (Neumaier-compensated f32 sums, which
/// keep GPU sums close to the CPU's f64 accumulation; max/min propagate NaN).
pub fn algebra<D: Dialect>(dialect: &D, op: ReduceOp, d: DType) -> plan::Result<Algebra> {
    use ReduceOp::*;
    let acc_ty = storage::<D>(d);
    let combine = |a: &str, b: &str| -> plan::Result<String> {
        Ok(match (op, d) {
            (Sum, DType::F32 | DType::I32) => binary(dialect, BinaryOp::Add, d, a, b)?,
            (Prod, DType::F32 | DType::I32) => binary(dialect, BinaryOp::Mul, d, a, b)?,
            (Max, DType::F32) => format!("ff_max_step({a}, {b})"),
            (Min, DType::F32) => format!("ff_min_step({a}, {b})"),
            (Max, DType::I32) => binary(dialect, BinaryOp::Max, d, a, b)?,
            (Min, DType::I32) => binary(dialect, BinaryOp::Min, d, a, b)?,
            (Max, DType::Bool) => format!("{a} | {b}"),
            (Min, DType::Bool) => format!("{a} & {b}"),
            _ => return Err(Rejection::unsupported(format!("reduce {op:?} of {d}"))),
        })
    };
    let merge = combine("a", "b")?;
    let init = match (op, d) {
        (Sum, _) => D::ZERO[slot(d)].to_string(),
        (Prod, _) => D::ONE[slot(d)].to_string(),
        (Max, DType::F32) => "-ff_inf()".into(),
        (Min, DType::F32) => "ff_inf()".into(),
        (Max, DType::I32) => dialect.literal(Scalar::I32(i32::MIN)),
        (Min, DType::I32) => dialect.literal(Scalar::I32(i32::MAX)),
        (Max, _) => D::BOOL_STORED[0].into(),
        (Min, _) => D::BOOL_STORED[1].into(),
    };
    let fold = match (op, d) {
        (Sum, DType::F32) => {
            let fabs = D::FABS;
            let carry = dialect.select(&format!("{fabs}(acc) >= {fabs}(v)"), "(acc - t) + v", "(v - t) + acc");
            format!(
                "{} comp = comp + {carry}; acc = t;",
                dialect.constant("t", reg::<D>(DType::F32), "acc + v")
            )
        }
        (_, DType::Bool) => format!("acc = {};", combine("acc", &to_storage(dialect, d, "v"))?),
        _ => format!("acc = {};", combine("acc", "v")?),
    };
    Ok(Algebra {
        acc_ty,
        init,
        fold,
        merge,
    })
}

/// A prelude's text with each line `// horner: P = NAME(X)` (NAME one of [`approx`]'s
/// polynomials: EXP, LN, TANH) replaced by the statements computing that polynomial at `X` into
/// a new mutable f32 local `P`, one multiply and one add per coefficient, as the CPU backend
/// evaluates it.
pub fn expand_polynomials<D: Dialect>(d: &D, prelude: &str) -> String {
    let mut out = String::with_capacity(prelude.len() + 1024);
    for line in prelude.lines() {
        let spec = line.trim_start().strip_prefix("// horner: ").and_then(|rest| {
            let (p, call) = rest.split_once(" = ")?;
            let (name, x) = call.strip_suffix(')')?.split_once('(')?;
            let coefficients: &[f32] = match name {
                "EXP" => &approx::EXP,
                "LN" => &approx::LN,
                "TANH" => &approx::TANH,
                _ => return None,
            };
            Some((p, x, coefficients))
        });
        let Some((p, x, coefficients)) = spec else {
            out += line;
            out.push('\n');
            continue;
        };
        let indent = &line[..line.len() - line.trim_start().len()];
        let lit = |c: f32| d.literal(Scalar::F32(c));
        let f32 = reg::<D>(DType::F32);
        let _ = writeln!(out, "{indent}{}", d.variable(p, f32, &lit(coefficients[0])));
        for &c in &coefficients[1..] {
            let _ = writeln!(out, "{indent}{p} = {p} * {x} + {};", lit(c));
        }
    }
    out
}
