//! Reductions, as core's [`ReducePlan`] lays them out for both renderers: the expression is
//! evaluated over `kept ++ reduced` indices; each output either gets one thread that loops over
//! its reduced range, or one block whose threads stride over the range and then combine in a
//! tree in shared memory. f32 sums are compensated (Neumaier) per thread and combined pairwise,
//! which keeps them close to the CPU backend's f64 accumulation.

use std::fmt::Write;

use ferroflow_core::ir::clike;
use ferroflow_core::ir::plan::{self, checked_u32, ReducePlan, ReduceStrategy};

use super::cuda::{decompose, Buffers, Cuda, FLAT_THREAD, PRELUDE};
use super::expr::render_fn;
use super::{grid_1d, CudaKernel, RenderLimits};

pub(crate) fn render(p: &ReducePlan, limits: &RenderLimits) -> plan::Result<CudaKernel> {
    let expr = &p.expr;
    let (outer_u, red_u) = (p.outputs, p.reduced_len);
    // The loop variable and the flat input index must not wrap either.
    checked_u32((outer_u as usize).saturating_mul(red_u as usize))?;

    let buffers = Buffers {
        inputs: expr.inputs.clone(),
        output: expr.dtype(),
    };
    let clike::Algebra {
        acc_ty,
        init,
        fold,
        merge,
    } = clike::algebra(&Cuda { buffers: &buffers }, p.op, expr.dtype())?;
    let bs = limits.block_size;
    let tree = p.strategy == ReduceStrategy::Tree;

    let mut s = String::from(PRELUDE);
    s += &render_fn(expr, &buffers, "ff_expr")?;
    s += &buffers.entry(bs);
    let kept_names: Vec<String> = p.kept.iter().map(|d| format!("i{d}")).collect();
    let red_names: Vec<String> = p.reduced.iter().map(|d| format!("i{d}")).collect();
    let mut args = vec![buffers.input_args()];
    args.extend((0..expr.rank()).map(|d| format!("i{d}")));
    let args = super::cuda::join_nonempty(&args);
    let (start, step) = if tree { ("threadIdx.x", bs) } else { ("0u", 1) };
    let mut body = format!(
        "        {acc_ty} acc = {init};\n        float comp = 0.0f;\n        for (unsigned r = {start}; r < {red_u}u; r += {step}u) {{\n"
    );
    body += &indent(&decompose("r", &p.reduced_shape, &red_names), 8);
    let _ = writeln!(
        body,
        "            const {} v = ff_expr({args});\n            {fold}\n        }}",
        clike::reg::<Cuda>(expr.dtype()),
    );
    if p.compensated {
        // A NaN compensation from infinite terms must not replace a finite-or-infinite sum.
        body +=
            "        const float fin = acc + comp;\n        acc = (ff_is_nan(fin) && !ff_is_nan(acc)) ? acc : fin;\n";
    } else {
        body += "        (void)comp;\n";
    }
    if tree {
        // One block per output: `j` is uniform, so every thread reaches the barriers.
        let _ = writeln!(s, "    __shared__ {acc_ty} partial[{bs}];");
        let _ = writeln!(s, "    const unsigned j = blockIdx.x;\n    {acc_ty} total = {init};");
        let _ = writeln!(s, "    if (j < {outer_u}u) {{");
        s += &indent(&decompose("j", &p.kept_shape, &kept_names), 4);
        s += &body;
        s += "        total = acc;\n    }\n";
        s += "    partial[threadIdx.x] = total;\n    __syncthreads();\n";
        let _ = writeln!(
            s,
            "    for (unsigned w = {}u; w > 0u; w >>= 1) {{\n        if (threadIdx.x < w) {{ const {ty} a = partial[threadIdx.x]; const {ty} b = partial[threadIdx.x + w]; partial[threadIdx.x] = {merge}; }}\n        __syncthreads();\n    }}",
            bs / 2,
            ty = acc_ty,
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
        s += &indent(&decompose("j", &p.kept_shape, &kept_names), 4);
        s += &body;
        s += "        out[j] = acc;\n    }\n}\n";
    }
    let per_block = if tree { 1 } else { bs };
    Ok(CudaKernel {
        source: s,
        grid: grid_1d(outer_u as usize, per_block)?,
        block: [bs, 1, 1],
        inputs: buffers.inputs,
        output: buffers.output,
    })
}

fn indent(s: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    s.lines().map(|l| format!("{pad}{l}\n")).collect()
}
