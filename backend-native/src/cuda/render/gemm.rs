//! One tiled GEMM template for matmul and convolution (implicit GEMM: the filter is the B
//! matrix, input patches are gathered into A tiles on the fly, never materialized), as in the
//! WGSL renderer.
//!
//! Each block computes a `TILE x TILE` block of C for one batch (matmul) or group (conv):
//! `T x T` threads each own `R x R` = 4 x 4 outputs (4 consecutive rows x 4 consecutive columns,
//! register blocking), and the K loop stages `K_TILE`-deep slices of A and B through shared
//! memory, read back as float4s. Templates differ only in the `load_a`, `load_b` and `store`
//! device functions, written from core's [`GemmPlan`]; an epilogue (`KernelBody::WithEpilogue`)
//! is applied inside `store`, so the template's result never reaches memory.

use std::fmt::Write;

use ferroflow_core::ir::clike;
use ferroflow_core::ir::plan::{
    self, checked_u32, ExprPlan, GemmOperands, GemmPlan, GemmProblem, Rejection, ViewIndex,
};
use ferroflow_core::DType;

use super::cuda::{join_nonempty, prelude, Buffers, Cuda};
use super::expr::view_offset;
use super::{CudaKernel, RenderLimits};

/// Threads along each side of a block.
const T: u32 = 16;
/// Outputs per thread along each of M and N.
const R: u32 = 4;
/// Outputs along each side of a block.
const TILE: u32 = T * R;
/// K slice staged per step.
const K_TILE: u32 = 16;
/// Row length of the A tile in shared memory: padded so that the threads storing one row's
/// consecutive k do not all hit one bank, and still a multiple of 4 for the float4 reads.
const TILE_A_ROW: u32 = TILE + 4;

/// The two operands as the loads see them.
const OPERANDS: &str = "const float* __restrict__ in0, const float* __restrict__ in1";

/// The two f32 operand buffers every GEMM reads (what `OPERANDS` declares).
fn operands() -> Buffers {
    Buffers {
        inputs: vec![Some(DType::F32), Some(DType::F32)],
        output: DType::F32,
    }
}

pub(crate) fn render(p: &GemmPlan, limits: &RenderLimits) -> plan::Result<CudaKernel> {
    let (m, n) = (p.problem.m, p.problem.n);
    // Loads, and the index `store` writes (batch, m, n) to.
    let (loads, index) = match &p.operands {
        GemmOperands::MatMul { a, b } => (matmul_loads(&p.problem, a, b), format!("(batch * {m}u + m) * {n}u + n")),
        GemmOperands::Conv { geometry: g, x, w } => (
            // The operands are in0 (input) and in1 (filter); tiles always check their edges.
            clike::conv_loads(&mut Cuda::new(operands(), limits), &p.problem, g, x, w, true)?,
            format!("m * {}u + batch * {}u + n", g.oc, g.og),
        ),
    };
    render_gemm(p, &loads, &index, limits)
}

fn matmul_loads(p: &GemmProblem, a: &ViewIndex, b: &ViewIndex) -> String {
    // view_offset names the multi-index i0 (batch), i1, i2.
    let (a_off, _) = view_offset(a);
    let (b_off, _) = view_offset(b);
    let (mu, nu, ku) = (p.m, p.n, p.k);
    format!(
        "FF_DEV float load_a({OPERANDS}, unsigned i0, unsigned i1, unsigned i2) {{\n    if (i1 >= {mu}u || i2 >= {ku}u) {{ return 0.0f; }}\n    return in0[{a_off}];\n}}\n\
         FF_DEV float load_b({OPERANDS}, unsigned i0, unsigned i1, unsigned i2) {{\n    if (i1 >= {ku}u || i2 >= {nu}u) {{ return 0.0f; }}\n    return in1[{b_off}];\n}}\n"
    )
}

/// The output stage: `store(buffers.., batch, m, n, v)` writes element `index` (an expression of
/// those), through the epilogue when there is one.
fn store_fn(
    index: &str,
    buffers: &Buffers,
    epilogue: Option<&ExprPlan>,
    limits: &RenderLimits,
) -> plan::Result<String> {
    let Some(e) = epilogue else {
        return Ok(format!(
            "FF_DEV void store({}, unsigned batch, unsigned m, unsigned n, float v) {{\n    out[{index}] = v;\n}}\n",
            buffers.all_params()
        ));
    };
    let names = clike::index_names(e.rank());
    let cuda = &mut Cuda::new(buffers.clone(), limits);
    let mut f = clike::expr_fn(cuda, e, "ff_epilogue")?;
    let _ = writeln!(
        f,
        "FF_DEV void store({}, unsigned batch, unsigned m, unsigned n, float v) {{\n    const unsigned idx = {index};",
        buffers.all_params()
    );
    f += &clike::decompose(cuda, "idx", e.shape(), &names, "    ")?;
    let call = format!(
        "ff_epilogue({})",
        join_nonempty(&[buffers.input_args(), names.join(", "), "v".into()])
    );
    let _ = writeln!(f, "    out[idx] = {};\n}}", clike::to_storage(cuda, e.dtype(), &call));
    Ok(f)
}

fn render_gemm(p: &GemmPlan, loads: &str, index: &str, limits: &RenderLimits) -> plan::Result<CudaKernel> {
    // M tiles go along x (up to 2^31 - 1 blocks: conv's M is batch x pixels), N tiles along y
    // and batches (or groups) along z.
    let problem = &p.problem;
    let tiles = problem.tiles(TILE as usize);
    let max_yz = limits.max_grid_yz as usize;
    if tiles.n > max_yz || tiles.batches > max_yz {
        return Err(Rejection::size(format!(
            "GEMM of {problem} needs {} x {} blocks along y and z, beyond {max_yz}",
            tiles.n, tiles.batches
        )));
    }
    let grid = [checked_u32(tiles.m)?, tiles.n as u32, tiles.batches as u32];
    let (m, n, k) = (problem.m, problem.n, problem.k);
    // The K loop's last step must not wrap either.
    checked_u32((k as usize).saturating_add(K_TILE as usize))?;
    let buffers = Buffers {
        inputs: p.inputs.clone(),
        output: p.output,
    };
    let store = store_fn(index, &buffers, p.epilogue.as_ref(), limits)?;
    let mut s = String::from(prelude());
    s += loads;
    s += &store;
    s += &buffers.entry(T * T);
    let _ = write!(
        s,
        "    __shared__ __align__(16) float tile_a[{K_TILE} * {TILE_A_ROW}];  // [k][m]\n\
         \x20   __shared__ __align__(16) float tile_b[{K_TILE} * {TILE}];  // [k][n]\n\
         \x20   const unsigned batch = blockIdx.z;\n\
         \x20   const unsigned m0 = blockIdx.x * {TILE}u;\n\
         \x20   const unsigned n0 = blockIdx.y * {TILE}u;\n\
         \x20   const unsigned tx = threadIdx.x, ty = threadIdx.y;\n\
         \x20   const unsigned tid = ty * {T}u + tx;\n\
         \x20   float acc[{R}][{R}];\n\
         \x20   #pragma unroll\n\
         \x20   for (int i = 0; i < {R}; ++i) {{\n\
         \x20       #pragma unroll\n\
         \x20       for (int j = 0; j < {R}; ++j) {{ acc[i][j] = 0.0f; }}\n\
         \x20   }}\n\
         \x20   for (unsigned k0 = 0u; k0 < {k}u; k0 += {K_TILE}u) {{\n\
         \x20       // Consecutive threads read consecutive k of A and consecutive columns of B.\n\
         \x20       for (unsigned e = tid; e < {K_TILE}u * {TILE}u; e += {TT}u) {{\n\
         \x20           const unsigned ka = e % {K_TILE}u, mi = e / {K_TILE}u;\n\
         \x20           tile_a[ka * {TILE_A_ROW}u + mi] = load_a(in0, in1, batch, m0 + mi, k0 + ka);\n\
         \x20           const unsigned kb = e / {TILE}u, ni = e % {TILE}u;\n\
         \x20           tile_b[kb * {TILE}u + ni] = load_b(in0, in1, batch, k0 + kb, n0 + ni);\n\
         \x20       }}\n\
         \x20       __syncthreads();\n\
         \x20       #pragma unroll\n\
         \x20       for (unsigned kk = 0u; kk < {K_TILE}u; ++kk) {{\n\
         \x20           const float4 a = reinterpret_cast<const float4*>(tile_a + kk * {TILE_A_ROW}u)[ty];\n\
         \x20           const float4 b = reinterpret_cast<const float4*>(tile_b + kk * {TILE}u)[tx];\n\
         \x20           const float av[{R}] = {{a.x, a.y, a.z, a.w}};\n\
         \x20           const float bv[{R}] = {{b.x, b.y, b.z, b.w}};\n\
         \x20           #pragma unroll\n\
         \x20           for (int i = 0; i < {R}; ++i) {{\n\
         \x20               #pragma unroll\n\
         \x20               for (int j = 0; j < {R}; ++j) {{ acc[i][j] = fmaf(av[i], bv[j], acc[i][j]); }}\n\
         \x20           }}\n\
         \x20       }}\n\
         \x20       __syncthreads();\n\
         \x20   }}\n\
         \x20   #pragma unroll\n\
         \x20   for (unsigned i = 0u; i < {R}u; ++i) {{\n\
         \x20       #pragma unroll\n\
         \x20       for (unsigned j = 0u; j < {R}u; ++j) {{\n\
         \x20           const unsigned m = m0 + ty * {R}u + i, n = n0 + tx * {R}u + j;\n\
         \x20           if (m < {m}u && n < {n}u) {{ store({args}, batch, m, n, acc[i][j]); }}\n\
         \x20       }}\n\
         \x20   }}\n}}\n",
        TT = T * T,
        args = buffers.all_args(),
    );
    Ok(CudaKernel {
        source: s,
        grid,
        block: [T, T, 1],
        inputs: buffers.inputs,
        output: buffers.output,
    })
}
