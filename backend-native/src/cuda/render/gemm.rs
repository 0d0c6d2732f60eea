//! One tiled GEMM template for matmul and convolution (implicit GEMM: the filter is the B
//! matrix, input patches are gathered into A tiles on the fly, never materialized), as in the
//! WGSL renderer.
//!
//! Each block computes a `TILE x TILE` block of C for one batch (matmul) or group (conv):
//! `T x T` threads each own `R x R` = 4 x 4 outputs (4 consecutive rows x 4 consecutive columns,
//! register blocking), and the K loop stages `K_TILE`-deep slices of A and B through shared
//! memory, read back as float4s. Templates differ only in the `load_a`, `load_b` and `store`
//! device functions; an epilogue (`KernelBody::WithEpilogue`) is applied inside `store`, so the
//! template's result never reaches memory.

use std::fmt::Write;

use ferroflow_core::ir::{ConvParams, Expr, Kernel, KernelBody, View};
use ferroflow_core::{DType, Result};

use super::cuda::{decompose, join_nonempty, to_storage, Buffers, PRELUDE};
use super::expr::{index_names, input_dtypes, render_fn_acc, view_offset};
use super::{checked_i32, checked_u32, size_error, unsupported, CudaKernel, RenderLimits};

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

/// GEMM problem: `batches` independent `[m, k] x [k, n]` products.
struct Problem {
    batches: usize,
    m: usize,
    n: usize,
    k: usize,
}

pub(crate) fn render_matmul(
    kernel: &Kernel,
    a: &View,
    b: &View,
    epi: Option<&Expr>,
    limits: &RenderLimits,
) -> Result<CudaKernel> {
    let [bt, m, k] = dims3(a)?;
    let [bt2, k2, n] = dims3(b)?;
    if bt != bt2 || k != k2 || (epi.is_none() && (kernel.out_shape != [bt, m, n] || kernel.out_dtype != DType::F32)) {
        return Err(unsupported(format!(
            "matmul {:?} x {:?} -> {:?} {}",
            a.shape, b.shape, kernel.out_shape, kernel.out_dtype
        )));
    }
    if a.mask.is_some() || b.mask.is_some() || kernel.num_inputs < 2 {
        return Err(unsupported("matmul operands must be unmasked views of two inputs"));
    }
    if a.strides.len() != 3 || b.strides.len() != 3 {
        return Err(unsupported("matmul operand strides of the wrong rank"));
    }
    // view_offset names the multi-index i0 (batch), i1, i2.
    let (a_off, _) = view_offset(a)?;
    let (b_off, _) = view_offset(b)?;
    let (mu, nu, ku) = (checked_u32(m)?, checked_u32(n)?, checked_u32(k)?);
    let loads = format!(
        "FF_DEV float load_a({OPERANDS}, unsigned i0, unsigned i1, unsigned i2) {{\n    if (i1 >= {mu}u || i2 >= {ku}u) {{ return 0.0f; }}\n    return in0[{a_off}];\n}}\n\
         FF_DEV float load_b({OPERANDS}, unsigned i0, unsigned i1, unsigned i2) {{\n    if (i1 >= {ku}u || i2 >= {nu}u) {{ return 0.0f; }}\n    return in1[{b_off}];\n}}\n"
    );
    let index = format!("(batch * {mu}u + m) * {nu}u + n");
    checked_u32(bt.saturating_mul(m).saturating_mul(n))?;
    render_gemm(&Problem { batches: bt, m, n, k }, &loads, &index, kernel, epi, limits)
}

pub(crate) fn render_conv(
    kernel: &Kernel,
    p: &ConvParams,
    x: &[usize; 4],
    w: &[usize; 4],
    epi: Option<&Expr>,
    limits: &RenderLimits,
) -> Result<CudaKernel> {
    let [nb, h, wd, c] = *x;
    let [kh, kw, cg, oc] = *w;
    let g = p.groups;
    if g == 0 || cg.checked_mul(g) != Some(c) || oc % g != 0 || kernel.num_inputs < 2 {
        return Err(unsupported(format!("conv x {x:?} w {w:?} groups {g}")));
    }
    let [oh, ow] = p.out_spatial("conv", [h, wd], [kh, kw])?;
    if epi.is_none() && (kernel.out_shape != [nb, oh, ow, oc] || kernel.out_dtype != DType::F32) {
        return Err(unsupported(format!(
            "conv output {:?}, expected {:?}",
            kernel.out_shape,
            [nb, oh, ow, oc]
        )));
    }
    for n in [
        x.iter().product::<usize>(),
        w.iter().product(),
        nb.saturating_mul(oh).saturating_mul(ow).saturating_mul(oc),
    ] {
        checked_u32(n)?;
    }
    let og = oc / g;
    let (m, k) = (nb * oh * ow, kh * kw * cg);
    let u = checked_u32;
    let i = |v: isize| checked_i32(v);
    // The dilated-input coordinate of the largest output pixel and tap must fit in an int too.
    for d in 0..2 {
        let reach = [oh, ow][d].saturating_mul(p.stride[d]) + [kh, kw][d].saturating_mul(p.rhs_dilation[d]);
        checked_u32(reach)?;
    }
    let mut loads = String::new();
    let _ = write!(
        loads,
        "FF_DEV float load_a({OPERANDS}, unsigned grp, unsigned m, unsigned k) {{\n    if (m >= {m}u || k >= {k}u) {{ return 0.0f; }}\n\
         \x20   const unsigned b = m / {ohw}u; const unsigned pix = m % {ohw}u; const unsigned oh = pix / {ow}u; const unsigned ow = pix % {ow}u;\n\
         \x20   const unsigned ch = k % {cg}u; const unsigned tap = k / {cg}u; const unsigned ky = tap / {kw}u; const unsigned kx = tap % {kw}u;\n\
         \x20   const int yd = (int)(oh * {sh}u + ky * {dh}u) - ({ph}); const int xd = (int)(ow * {sw}u + kx * {dw}u) - ({pw});\n\
         \x20   if (yd < 0 || xd < 0) {{ return 0.0f; }}\n",
        m = u(m)?,
        k = u(k)?,
        ohw = u(oh * ow)?,
        ow = u(ow)?,
        cg = u(cg)?,
        kw = u(kw)?,
        sh = u(p.stride[0])?,
        sw = u(p.stride[1])?,
        dh = u(p.rhs_dilation[0])?,
        dw = u(p.rhs_dilation[1])?,
        ph = i(p.padding[0].0)?,
        pw = i(p.padding[1].0)?,
    );
    // lhs dilation (transposed convolution): only every ld-th dilated position is a real pixel.
    let (lh, lw) = (u(p.lhs_dilation[0])?, u(p.lhs_dilation[1])?);
    if lh > 1 || lw > 1 {
        let _ = writeln!(
            loads,
            "    if ((unsigned)yd % {lh}u != 0u || (unsigned)xd % {lw}u != 0u) {{ return 0.0f; }}"
        );
    }
    let _ = write!(
        loads,
        "    const unsigned y = (unsigned)yd / {lh}u; const unsigned xx = (unsigned)xd / {lw}u;\n\
         \x20   if (y >= {h}u || xx >= {w}u) {{ return 0.0f; }}\n\
         \x20   return in0[((b * {h}u + y) * {w}u + xx) * {c}u + grp * {cg}u + ch];\n}}\n\
         FF_DEV float load_b({OPERANDS}, unsigned grp, unsigned k, unsigned n) {{\n    if (k >= {k}u || n >= {og}u) {{ return 0.0f; }}\n\
         \x20   return in1[k * {oc}u + grp * {og}u + n];\n}}\n",
        h = u(h)?,
        w = u(wd)?,
        c = u(c)?,
        cg = u(cg)?,
        k = u(k)?,
        og = u(og)?,
        oc = u(oc)?,
    );
    let index = format!("m * {}u + batch * {}u + n", u(oc)?, u(og)?);
    render_gemm(
        &Problem {
            batches: g,
            m,
            n: og,
            k,
        },
        &loads,
        &index,
        kernel,
        epi,
        limits,
    )
}

fn dims3(v: &View) -> Result<[usize; 3]> {
    match v.shape[..] {
        [a, b, c] => Ok([a, b, c]),
        _ => Err(unsupported(format!("matmul operand of rank {}", v.shape.len()))),
    }
}

/// The output stage: `store(buffers.., batch, m, n, v)` writes element `index` (an expression of
/// those), through the epilogue when there is one; also the buffers the kernel binds.
fn store_fn(index: &str, kernel: &Kernel, epi: Option<&Expr>) -> Result<(String, Buffers)> {
    let Some(e) = epi else {
        let buffers = Buffers {
            inputs: vec![Some(DType::F32); kernel.num_inputs.min(2)],
            output: DType::F32,
        };
        let f = format!(
            "FF_DEV void store({}, unsigned batch, unsigned m, unsigned n, float v) {{\n    out[{index}] = v;\n}}\n",
            buffers.all_params()
        );
        return Ok((f, buffers));
    };
    if e.shape != kernel.out_shape || e.dtype() != kernel.out_dtype {
        return Err(unsupported("epilogue shape or dtype differs from the kernel output"));
    }
    let mut inputs = input_dtypes(e, kernel.num_inputs)?;
    for (slot, d) in inputs.iter_mut().enumerate().take(2) {
        if let Some(other) = d.filter(|&t| t != DType::F32) {
            return Err(unsupported(format!("epilogue reads template input {slot} as {other}")));
        }
        *d = Some(DType::F32);
    }
    let buffers = Buffers {
        inputs,
        output: e.dtype(),
    };
    let names = index_names(e.shape.len());
    let mut f = render_fn_acc(e, &buffers, "ff_epilogue")?;
    let _ = writeln!(
        f,
        "FF_DEV void store({}, unsigned batch, unsigned m, unsigned n, float v) {{\n    const unsigned idx = {index};",
        buffers.all_params()
    );
    f += &decompose("idx", &e.shape, &names);
    let call = format!(
        "ff_epilogue({})",
        join_nonempty(&[buffers.input_args(), names.join(", "), "v".into()])
    );
    let _ = writeln!(f, "    out[idx] = {};\n}}", to_storage(e.dtype(), &call));
    Ok((f, buffers))
}

fn render_gemm(
    p: &Problem,
    loads: &str,
    index: &str,
    kernel: &Kernel,
    epi: Option<&Expr>,
    limits: &RenderLimits,
) -> Result<CudaKernel> {
    // M tiles go along x (up to 2^31 - 1 blocks: conv's M is batch x pixels), N tiles along y
    // and batches (or groups) along z.
    let tiles_m = p.m.div_ceil(TILE as usize).max(1);
    let tiles_n = p.n.div_ceil(TILE as usize).max(1);
    let batches = p.batches.max(1);
    let max_yz = limits.max_grid_yz as usize;
    if tiles_n > max_yz || batches > max_yz {
        return Err(size_error(format!(
            "GEMM of {} x [{}, {}] x [{}, {}] needs {tiles_n} x {batches} blocks along y and z, beyond {max_yz}",
            p.batches, p.m, p.k, p.k, p.n
        )));
    }
    let grid = [checked_u32(tiles_m)?, tiles_n as u32, batches as u32];
    let (m, n, k) = (checked_u32(p.m)?, checked_u32(p.n)?, checked_u32(p.k)?);
    checked_u32(p.k.saturating_add(K_TILE as usize))?;
    let (store, buffers) = store_fn(index, kernel, epi)?;
    let mut s = String::from(PRELUDE);
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

/// A matmul or conv template with its elementwise epilogue, as one GEMM kernel.
pub(crate) fn render_with_epilogue(
    kernel: &Kernel,
    template: &KernelBody,
    epilogue: &Expr,
    limits: &RenderLimits,
) -> Result<CudaKernel> {
    let natural: usize = template.template_shape()?.iter().product();
    if natural != epilogue.shape.iter().product::<usize>() {
        return Err(unsupported("epilogue and template element counts differ"));
    }
    match template {
        KernelBody::MatMul { a, b } => render_matmul(kernel, a, b, Some(epilogue), limits),
        KernelBody::Conv {
            params,
            x_shape,
            w_shape,
        } => render_conv(kernel, params, x_shape, w_shape, Some(epilogue), limits),
        _ => Err(unsupported("an epilogue needs a matmul or conv template")),
    }
}
