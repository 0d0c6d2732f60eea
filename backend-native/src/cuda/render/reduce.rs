//! Reductions, as the WGSL renderer does them. The expression is evaluated over
//! `kept ++ reduced` indices; each output either gets one thread that loops over its reduced
//! range (many outputs, or short ranges), or one block whose threads stride over the range and
//! then combine in a tree in shared memory (few outputs with long ranges). f32 sums are
//! compensated (Neumaier) per thread and combined pairwise, which keeps them close to the CPU
//! backend's f64 accumulation.

use std::fmt::Write;

use ferroflow_core::ir::{Expr, Kernel, ReduceOp};
use ferroflow_core::{DType, Result};

use super::cuda::{decompose, Buffers, FLAT_THREAD, PRELUDE};
use super::expr::{input_dtypes, render_fn};
use super::{checked_u32, grid_1d, unsupported, CudaKernel, RenderLimits};

/// Use a block per output once a reduction is at least this long and outputs are few.
const TREE_MIN_LEN: usize = 256;
const TREE_MAX_OUTPUTS: usize = 16_384;

/// How a reduction accumulates, as CUDA snippets over `acc` and `v`.
struct Algebra {
    /// The accumulator's type: the output's storage type, so the result is stored as is.
    acc_ty: &'static str,
    init: &'static str,
    /// Statements folding value `v` into `acc` (f32 sums also keep `comp`).
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
            acc_ty: "float",
            init: "0.0f",
            fold: "const float t = acc + v; comp += (fabsf(acc) >= fabsf(v)) ? (acc - t) + v : (v - t) + acc; acc = t;",
            merge: "a + b",
            compensated: true,
        },
        (Prod, DType::F32) => a("float", "1.0f", "acc = acc * v;", "a * b"),
        (Max, DType::F32) => a("float", "-ff_inf()", "acc = ff_max_step(acc, v);", "ff_max_step(a, b)"),
        (Min, DType::F32) => a("float", "ff_inf()", "acc = ff_min_step(acc, v);", "ff_min_step(a, b)"),
        (Sum, DType::I32) => a("int", "0", "acc = ff_add_i32(acc, v);", "ff_add_i32(a, b)"),
        (Prod, DType::I32) => a("int", "1", "acc = ff_mul_i32(acc, v);", "ff_mul_i32(a, b)"),
        (Max, DType::I32) => a("int", "(-2147483647 - 1)", "acc = max(acc, v);", "max(a, b)"),
        (Min, DType::I32) => a("int", "2147483647", "acc = min(acc, v);", "min(a, b)"),
        (Max, DType::Bool) => a("unsigned char", "0", "acc = acc | (v ? 1 : 0);", "a | b"),
        (Min, DType::Bool) => a("unsigned char", "1", "acc = acc & (v ? 1 : 0);", "a & b"),
        _ => return Err(unsupported(format!("reduce {op:?} of {dtype}"))),
    })
}

pub(crate) fn render(
    kernel: &Kernel,
    op: ReduceOp,
    axes: &[usize],
    expr: &Expr,
    limits: &RenderLimits,
) -> Result<CudaKernel> {
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
    // The loop variable and the flat input index must not wrap either.
    checked_u32(outer.saturating_mul(red))?;

    let buffers = Buffers {
        inputs: input_dtypes(expr, kernel.num_inputs)?,
        output: kernel.out_dtype,
    };
    let bs = limits.block_size;
    let tree = red >= TREE_MIN_LEN && outer <= TREE_MAX_OUTPUTS;

    let mut s = String::from(PRELUDE);
    s += &render_fn(expr, &buffers, "ff_expr")?;
    s += &buffers.entry(bs);
    let kept_names: Vec<String> = kept.iter().map(|d| format!("i{d}")).collect();
    let red_names: Vec<String> = axes.iter().map(|d| format!("i{d}")).collect();
    let mut args = vec![buffers.input_args()];
    args.extend((0..rank).map(|d| format!("i{d}")));
    let args = super::cuda::join_nonempty(&args);
    let (start, step) = if tree { ("threadIdx.x", bs) } else { ("0u", 1) };
    let mut body = format!(
        "        {ty} acc = {init};\n        float comp = 0.0f;\n        for (unsigned r = {start}; r < {red_u}u; r += {step}u) {{\n",
        ty = alg.acc_ty,
        init = alg.init
    );
    body += &indent(&decompose("r", &red_shape, &red_names), 8);
    let _ = writeln!(
        body,
        "            const {} v = ff_expr({args});\n            {}\n        }}",
        super::cuda::reg_ty(expr.dtype()),
        alg.fold
    );
    if alg.compensated {
        // A NaN compensation from infinite terms must not replace a finite-or-infinite sum.
        body +=
            "        const float fin = acc + comp;\n        acc = (ff_is_nan(fin) && !ff_is_nan(acc)) ? acc : fin;\n";
    } else {
        body += "        (void)comp;\n";
    }
    if tree {
        // One block per output: `j` is uniform, so every thread reaches the barriers.
        let _ = writeln!(s, "    __shared__ {} partial[{bs}];", alg.acc_ty);
        let _ = writeln!(
            s,
            "    const unsigned j = blockIdx.x;\n    {} total = {};",
            alg.acc_ty, alg.init
        );
        let _ = writeln!(s, "    if (j < {outer_u}u) {{");
        s += &indent(&decompose("j", &kept_shape, &kept_names), 4);
        s += &body;
        s += "        total = acc;\n    }\n";
        s += "    partial[threadIdx.x] = total;\n    __syncthreads();\n";
        let _ = writeln!(
            s,
            "    for (unsigned w = {}u; w > 0u; w >>= 1) {{\n        if (threadIdx.x < w) {{ const {ty} a = partial[threadIdx.x]; const {ty} b = partial[threadIdx.x + w]; partial[threadIdx.x] = {}; }}\n        __syncthreads();\n    }}",
            bs / 2,
            alg.merge,
            ty = alg.acc_ty,
        );
        let _ = writeln!(
            s,
            "    if (threadIdx.x == 0u && j < {outer_u}u) {{ out[j] = partial[0]; }}\n}}"
        );
    } else {
        s += FLAT_THREAD;
        let _ = writeln!(
            s,
            "    const unsigned j = g;\n    if (j >= {outer_u}u) {{ return; }}\n    {{"
        );
        s += &indent(&decompose("j", &kept_shape, &kept_names), 4);
        s += &body;
        s += "        out[j] = acc;\n    }\n}\n";
    }
    let grid = if tree { grid_1d(outer, 1)? } else { grid_1d(outer, bs)? };
    Ok(CudaKernel {
        source: s,
        grid,
        block: [bs, 1, 1],
        inputs: buffers.inputs,
        output: kernel.out_dtype,
    })
}

fn indent(s: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    s.lines().map(|l| format!("{pad}{l}\n")).collect()
}
