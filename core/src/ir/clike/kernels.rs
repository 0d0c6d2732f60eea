//! The one-thread-per-output kernels (elementwise, reduction, gather, scatter-add) and the one
//! dispatch from a kernel's plan to its template, over a [`KernelDialect`].

use std::fmt::Write;

use crate::dtype::{DType, Scalar};
use crate::ir::plan::{
    self, checked_i32, checked_u32, flat_digits, Digit, ElementwisePlan, GatherPlan, GemmPlan, KernelPlan, ReducePlan,
    ReduceStrategy,
};
use crate::ir::{BinaryOp, Kernel};

use super::{algebra, binary, constants_line, expr_fn, reg, slot, storage, stored_zero, to_storage, Algebra, Dialect};

/// How many threads a 1-D kernel launches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Launch {
    /// One thread per item: `ceil(n / threads)` groups.
    PerThread(usize),
    /// One group per item.
    PerGroup(usize),
}

/// A kernel as the templates wrote it, before the backend wraps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub source: String,
    pub launch: Launch,
    /// The dtype the kernel reads from each input (None: bound, never read), and its output's.
    pub inputs: Vec<Option<DType>>,
    pub output: DType,
}

/// A dialect that writes whole kernels: the launch vocabulary, and the backend's kernel value.
pub trait KernelDialect: Dialect {
    /// What the backend launches (source plus grid and buffer dtypes).
    type Kernel;
    /// The thread's index within its group, the group's flat index, and a group-wide barrier
    /// call (without semicolon).
    const LOCAL_THREAD: &'static str;
    const GROUP: &'static str;
    const BARRIER: &'static str;
    /// Threads per group of the 1-D templates.
    fn threads(&self) -> u32;
    /// What precedes a kernel's functions for buffers `in0..` (None: bound, never read) and
    /// `out`: declarations or a prelude. Functions written after it may load from the inputs.
    fn module_head(&mut self, inputs: &[Option<DType>], output: DType) -> String;
    /// The entry point's opening through `{\n`, with a group-shared array `partial` of
    /// `(type, length)` where asked.
    fn entry(&self, shared: Option<(&str, u32)>) -> String;
    /// The statement (indented, with newline) naming the flat thread index `g`.
    fn flat_thread(&self) -> String;
    /// A call of a function written by [`expr_fn`] at multi-index `args`.
    fn call(&self, name: &str, args: &[String]) -> String;
    /// The source as the backend's kernel.
    fn kernel(&mut self, written: Written) -> plan::Result<Self::Kernel>;
    /// A matmul or convolution: tiled per language.
    fn gemm(&mut self, p: &GemmPlan) -> plan::Result<Self::Kernel>;
}

/// Renders one kernel: core's plan, then its template.
pub fn render<D: KernelDialect>(d: &mut D, kernel: &Kernel) -> plan::Result<D::Kernel> {
    match plan::plan(kernel)? {
        KernelPlan::Elementwise(p) => elementwise(d, &p),
        KernelPlan::Reduce(p) => reduce(d, &p),
        KernelPlan::Gemm(p) => d.gemm(&p),
        KernelPlan::Gather(p) => gather(d, &p),
        KernelPlan::ScatterAdd(p) => scatter_add(d, &p),
    }
}

/// The multi-index names `i0, i1, ..` of a rank-`rank` expression function.
pub fn index_names(rank: usize) -> Vec<String> {
    (0..rank).map(|d| format!("i{d}")).collect()
}

/// Statements (each indented by `indent`) that split the flat unsigned index `flat` into the
/// unsigned locals `names[d]` for each dim of `shape`, row-major.
pub fn decompose<D: Dialect>(
    d: &mut D,
    flat: &str,
    shape: &[usize],
    names: &[String],
    indent: &str,
) -> plan::Result<String> {
    let u = D::U32;
    let rem = format!("rem_{}", names.first().map_or("x", |n| n.as_str()));
    let digits = flat_digits(shape);
    let mut s = String::new();
    // Declared only where read: C compilers warn about an unused local.
    if digits.iter().any(|(_, g)| !matches!(g, Digit::Zero)) {
        let _ = writeln!(s, "{indent}{}", d.variable(&rem, u, flat));
    }
    for (dim, digit) in digits {
        let name = &names[dim];
        let _ = match digit {
            Digit::Zero => writeln!(s, "{indent}{}", d.constant(name, u, "0u")),
            Digit::Rest => writeln!(s, "{indent}{}", d.constant(name, u, &rem)),
            Digit::DivMod(n) => {
                let n = d.size(checked_u32(n)?);
                writeln!(
                    s,
                    "{indent}{}\n{indent}{rem} = {rem} / {n};",
                    d.constant(name, u, &format!("{rem} % {n}"))
                )
            }
        };
    }
    Ok(s)
}

/// The flat thread index `g`, and an early return for threads past `n`.
fn guarded_thread<D: KernelDialect>(d: &D, n: u32) -> String {
    format!("{}    if (g >= {n}u) {{ return; }}\n", d.flat_thread())
}

/// `out[i] = expr(i)`: one thread per output element.
fn elementwise<D: KernelDialect>(d: &mut D, p: &ElementwisePlan) -> plan::Result<D::Kernel> {
    let e = &p.expr;
    let mut s = d.module_head(&e.inputs, e.dtype());
    s += &expr_fn(d, e, "ff_expr")?;
    s += &d.entry(None);
    s += &guarded_thread(d, p.outputs);
    let names = index_names(e.rank());
    s += &decompose(d, "g", e.shape(), &names, "    ")?;
    let value = to_storage(d, e.dtype(), &d.call("ff_expr", &names));
    let _ = writeln!(s, "    out[g] = {value};\n}}");
    d.kernel(Written {
        source: s,
        launch: Launch::PerThread(p.outputs as usize),
        inputs: e.inputs.clone(),
        output: e.dtype(),
    })
}

/// A reduction as core's [`ReducePlan`] lays it out: the expression is evaluated over
/// `kept ++ reduced` indices; each output either gets one thread that loops over its reduced
/// range, or one group whose threads stride over the range and then combine in a tree in
/// group-shared memory. f32 sums are compensated (Neumaier) per thread and combined pairwise,
/// which keeps them close to the CPU backend's f64 accumulation.
fn reduce<D: KernelDialect>(d: &mut D, p: &ReducePlan) -> plan::Result<D::Kernel> {
    let e = &p.expr;
    let (outputs, reduced_len) = (p.outputs, p.reduced_len);
    // The loop variable and the flat input index must not wrap either.
    checked_u32((outputs as usize).saturating_mul(reduced_len as usize))?;
    let Algebra {
        acc_ty,
        init,
        fold,
        merge,
    } = algebra(d, p.op, e.dtype())?;
    let (u, f32) = (D::U32, reg::<D>(DType::F32));
    let threads = d.threads();
    let tree = p.strategy == ReduceStrategy::Tree;
    let lid = D::LOCAL_THREAD;

    let mut s = d.module_head(&e.inputs, e.dtype());
    s += &expr_fn(d, e, "ff_expr")?;
    s += &d.entry(tree.then_some((acc_ty, threads)));
    let names = |dims: &[usize]| dims.iter().map(|dim| format!("i{dim}")).collect::<Vec<_>>();
    let (start, step) = if tree { (lid, threads) } else { ("0u", 1) };
    let mut body = format!("        {}\n", d.variable("acc", acc_ty, &init));
    if p.compensated {
        let _ = writeln!(body, "        {}", d.variable("comp", f32, D::ZERO[slot(DType::F32)]));
    }
    let _ = writeln!(
        body,
        "        for ({} r < {reduced_len}u; r = r + {step}u) {{",
        d.variable("r", u, start)
    );
    body += &decompose(d, "r", &p.reduced_shape, &names(&p.reduced), "            ")?;
    let value = d.call("ff_expr", &index_names(e.rank()));
    let _ = writeln!(
        body,
        "            {}\n            {fold}\n        }}",
        d.constant("v", reg::<D>(e.dtype()), &value)
    );
    if p.compensated {
        // A NaN compensation from infinite terms must not replace a finite-or-infinite sum.
        let _ = writeln!(
            body,
            "        {}\n        acc = {};",
            d.constant("fin", f32, "acc + comp"),
            d.select("ff_is_nan(fin) && !ff_is_nan(acc)", "acc", "fin")
        );
    }
    let kept = names(&p.kept);
    if tree {
        // One group per output: `j` is uniform, so every thread reaches the barriers.
        let barrier = D::BARRIER;
        let _ = writeln!(s, "    {}", d.constant("j", u, D::GROUP));
        let _ = writeln!(
            s,
            "    {}\n    if (j < {outputs}u) {{",
            d.variable("total", acc_ty, &init)
        );
        s += &decompose(d, "j", &p.kept_shape, &kept, "        ")?;
        s += &body;
        s += "        total = acc;\n    }\n";
        let _ = writeln!(s, "    partial[{lid}] = total;\n    {barrier};");
        let _ = writeln!(
            s,
            "    for ({} w > 0u; w = w >> 1u) {{\n        if ({lid} < w) {{ {} {} partial[{lid}] = {merge}; }}\n        {barrier};\n    }}",
            d.variable("w", u, &format!("{}u", threads / 2)),
            d.constant("a", acc_ty, &format!("partial[{lid}]")),
            d.constant("b", acc_ty, &format!("partial[{lid} + w]")),
        );
        let _ = writeln!(
            s,
            "    if ({lid} == 0u && j < {outputs}u) {{ out[j] = partial[0]; }}\n}}"
        );
    } else {
        s += &guarded_thread(d, outputs);
        let _ = writeln!(s, "    {}\n    {{", d.constant("j", u, "g"));
        s += &decompose(d, "j", &p.kept_shape, &kept, "        ")?;
        s += &body;
        // Accumulators already have the storage type (bool as a number).
        s += "        out[j] = acc;\n    }\n}\n";
    }
    let launch = if tree {
        Launch::PerGroup(outputs as usize)
    } else {
        Launch::PerThread(outputs as usize)
    };
    d.kernel(Written {
        source: s,
        launch,
        inputs: e.inputs.clone(),
        output: e.dtype(),
    })
}

/// What gather and scatter-add open with: buffers, entry, the guarded flat thread `g`, and `g`
/// split into unsigned locals `(name, value)` on one line.
fn gather_head<D: KernelDialect>(d: &mut D, p: &GatherPlan, split: &[(&str, String)]) -> String {
    let mut s = d.module_head(&p.inputs(), p.dtype);
    s += &d.entry(None);
    s += &guarded_thread(d, p.outputs);
    let defs: Vec<(&str, &str, String)> = split.iter().map(|(n, v)| (*n, D::U32, v.clone())).collect();
    s + &constants_line(d, &defs)
}

/// `out[o, j, i] = data[o, idx[j], i]`, one thread per output element; an index outside
/// `0..axis_len` reads zero (false), as on every backend.
fn gather<D: KernelDialect>(d: &mut D, p: &GatherPlan) -> plan::Result<D::Kernel> {
    let (n_idx, inner) = (p.n_idx, p.inner);
    let mut s = gather_head(
        d,
        p,
        &[
            ("i", format!("g % {inner}u")),
            ("oj", format!("g / {inner}u")),
            ("j", format!("oj % {n_idx}u")),
            ("o", format!("oj / {n_idx}u")),
        ],
    );
    let axis_len = d.literal(Scalar::I32(checked_i32(p.axis_len as isize)?));
    let source = format!("(o * {}u + {}) * {inner}u + i", p.axis_len, d.to_u32("ix"));
    let _ = write!(
        s,
        "    {}\n    {}\n    if (ix >= {zero} && ix < {axis_len}) {{ v = {}; }}\n    out[g] = v;\n}}\n",
        d.constant("ix", reg::<D>(DType::I32), &d.element(1, "j")),
        d.variable("v", storage::<D>(p.dtype), stored_zero::<D>(p.dtype)),
        d.element(0, &source),
        zero = D::ZERO[slot(DType::I32)],
    );
    d.kernel(Written {
        source: s,
        launch: Launch::PerThread(p.outputs as usize),
        inputs: p.inputs(),
        output: p.dtype,
    })
}

/// Scatter-add written as a gather over the indices: each output sums the updates whose index
/// hits it, in index order, instead of float atomics (which WGSL lacks): deterministic and
/// bit-identical to the CPU backend, at O(n_idx) work per output.
fn scatter_add<D: KernelDialect>(d: &mut D, p: &GatherPlan) -> plan::Result<D::Kernel> {
    let (axis_len, n_idx, inner) = (p.axis_len, p.n_idx, p.inner);
    let mut s = gather_head(
        d,
        p,
        &[
            ("i", format!("g % {inner}u")),
            ("oa", format!("g / {inner}u")),
            ("o", format!("oa / {axis_len}u")),
        ],
    );
    let update = d.element(0, "src");
    let add = match p.dtype {
        DType::Bool => format!("(acc | {update})"),
        _ => binary(d, BinaryOp::Add, p.dtype, "acc", &update)?,
    };
    let u = D::U32;
    let _ = write!(
        s,
        "    {}\n    {}\n    for ({} j < {n_idx}u; j = j + 1u) {{\n        if ({} == a) {{ {} acc = {add}; }}\n    }}\n    out[g] = acc;\n}}\n",
        d.constant("a", reg::<D>(DType::I32), &d.to_i32(&format!("oa % {axis_len}u"))),
        d.variable("acc", storage::<D>(p.dtype), stored_zero::<D>(p.dtype)),
        d.variable("j", u, "0u"),
        d.element(1, "j"),
        d.constant("src", u, &format!("(o * {n_idx}u + j) * {inner}u + i")),
    );
    d.kernel(Written {
        source: s,
        launch: Launch::PerThread(p.outputs as usize),
        inputs: p.inputs(),
        output: p.dtype,
    })
}
