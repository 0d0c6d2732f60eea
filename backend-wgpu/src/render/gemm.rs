//! One GEMM template for matmul and convolution (implicit GEMM: the filter is the B matrix,
//! input patches are gathered into A on the fly, never materialized).
//!
//! Each workgroup computes a `TILE x TILE` block of C for one batch (matmul) or group (conv):
//! `T x T` invocations each own `R x R` = 4 x 4 outputs (register blocking, one vec4 per row).
//! On GPUs the K loop stages `TILE x K_TILE` slices of A and B through workgroup memory as
//! vec4s. On software adapters each invocation reads its operands straight from storage: there
//! workgroup memory is ordinary memory, so staging buys nothing, and it is expensive to compile.
//! SwiftShader zero-fills workgroup memory with one store per scalar, so the two staged tiles
//! cost ~450 ms of pipeline compile per GEMM (a 32-float array ~25 ms), which made the first
//! MLP training step in a browser 25x its steady time; the direct kernel compiles in ~20-60 ms
//! and ran a 256^3 product in 18 ms against the staged kernel's 27 ms.
//! Templates differ only in the `load_a`, `load_b` and `store` functions, written from core's
//! [`GemmPlan`] (the problem's sizes, the operands' views or the conv's geometry, the layout of
//! the output); how to tile and split it over the device is decided here.

use std::fmt::Write;

use ferroflow_core::ir::clike;
use ferroflow_core::ir::plan::{
    self, checked_u32, ExprPlan, GemmOperands, GemmPlan, GemmProblem, Rejection, ViewIndex,
};
use ferroflow_core::DType;

use super::expr::view_offset;
use super::sizes::Sizes;
use super::wgsl::{bindings, entry_1d, flat_invocation, Wgsl};
use super::{grid_for, Finish, RenderLimits, Shader};

/// Outputs per invocation along each of M and N.
const R: u32 = 4;
/// K slice staged per step.
const K_TILE: u32 = 16;

pub(crate) fn render(p: &GemmPlan, limits: &RenderLimits) -> plan::Result<Shader> {
    let tiling = Tiling::of(p, limits)?;
    // On GPUs a matmul reads its sizes from a uniform, so products of other sizes share its
    // pipeline. A conv's loads divide by its geometry inside the K loop, a split-K pass's
    // partials layout depends on the split count, and software adapters run baked sizes
    // faster: those bake them (see `sizes.rs`).
    let mut sizes = match (&p.operands, tiling.splits) {
        (GemmOperands::MatMul { .. }, 1) if limits.runtime_sizes => Sizes::uniform(),
        _ => Sizes::baked(),
    };
    // Loads, and the index `store` writes (batch, m, n) to.
    // The staged kernel loads whole tiles, past the matrices' edges too; the direct one clamps
    // its indices instead, so its loads need no bounds checks.
    let checked = !limits.software;
    let (loads, index) = match &p.operands {
        GemmOperands::MatMul { a, b } => {
            let loads = matmul_loads(&p.problem, a, b, checked, &mut sizes)?;
            let (m, n) = (sizes.u(p.problem.m), sizes.u(p.problem.n));
            (loads, format!("(batch * {m} + m) * {n} + n"))
        }
        GemmOperands::Conv { geometry: g, x, w } => (
            clike::conv_loads(
                &mut Wgsl {
                    sizes: &mut Sizes::baked(),
                    limits,
                },
                &p.problem,
                g,
                x,
                w,
                checked,
            )?,
            format!("m * {}u + batch * {}u + n", g.oc, g.og),
        ),
    };
    render_gemm(p, &loads, &index, &tiling, sizes, limits)
}

/// `if (cond) { return 0.0; }` when `checked`, else nothing.
fn zero_if(checked: bool, cond: &str) -> String {
    if checked {
        format!("    if ({cond}) {{ return 0.0; }}\n")
    } else {
        String::new()
    }
}

fn matmul_loads(
    p: &GemmProblem,
    a: &ViewIndex,
    b: &ViewIndex,
    checked: bool,
    sizes: &mut Sizes,
) -> plan::Result<String> {
    // view_offset names the multi-index i0 (batch), i1, i2.
    let (a_off, _) = view_offset(a, sizes)?;
    let (b_off, _) = view_offset(b, sizes)?;
    let (a_check, b_check) = if checked {
        let (m, n, k) = (sizes.u(p.m), sizes.u(p.n), sizes.u(p.k));
        (
            zero_if(true, &format!("i1 >= {m} || i2 >= {k}")),
            zero_if(true, &format!("i1 >= {k} || i2 >= {n}")),
        )
    } else {
        (String::new(), String::new())
    };
    Ok(format!(
        "fn load_a(i0: u32, i1: u32, i2: u32) -> f32 {{\n{a_check}    return in0[u32({a_off})];\n}}\n\
         fn load_b(i0: u32, i1: u32, i2: u32) -> f32 {{\n{b_check}    return in1[u32({b_off})];\n}}\n"
    ))
}

/// The output stage: `store(batch, m, n, v)` writes element `index` (a WGSL expression of those),
/// through the epilogue when there is one. `coords` names the epilogue's multi-index when the
/// template knows it (a matmul whose epilogue is over `[B, M, N]`, or `[M, N]` with one batch);
/// otherwise the flat index is split by division.
fn store_fn(
    index: &str,
    epilogue: Option<&ExprPlan>,
    coords: Option<&[&str]>,
    sizes: &mut Sizes,
    limits: &RenderLimits,
) -> plan::Result<String> {
    let Some(e) = epilogue else {
        return Ok(format!(
            "fn store(batch: u32, m: u32, n: u32, v: f32) {{\n    out[{index}] = v;\n}}\n"
        ));
    };
    let names = clike::index_names(e.rank());
    let wgsl = &mut Wgsl { sizes, limits };
    let mut f = clike::expr_fn(wgsl, e, "ff_epilogue")?;
    f += &format!("fn store(batch: u32, m: u32, n: u32, v: f32) {{\n    let idx = {index};\n");
    match coords {
        Some(c) if c.len() == names.len() => {
            for (name, c) in names.iter().zip(c) {
                let _ = writeln!(f, "    let {name} = {c};");
            }
        }
        _ => f += &clike::decompose(wgsl, "idx", e.shape(), &names, "    ")?,
    }
    f += &format!(
        "    out[idx] = {};\n}}\n",
        clike::to_storage(
            wgsl,
            e.dtype(),
            &format!(
                "ff_epilogue({}{}v)",
                names.join(", "),
                if names.is_empty() { "" } else { ", " }
            )
        )
    );
    Ok(f)
}

/// Split K over several workgroups once the output tiles alone would leave most of a GPU idle.
/// The weight gradients of a conv (`[kh*kw*c, oc]` outputs, `K` = batch x pixels) are the
/// typical case: on an H200 the MNIST CNN's first-layer filter gradient was one workgroup
/// looping over K = 50,176 and took 135 ms of a 187 ms step.
const SPLIT_TARGET_WORKGROUPS: usize = 256;
/// Each split keeps at least this much of K, so the partials stay small next to the work.
const SPLIT_MIN_K: usize = 256;
const SPLIT_MAX: usize = 64;

/// How many K slices: 1 (no split) unless tiles are few and K is long.
/// Never on software adapters: a few CPU cores are busy with a handful of tiles, and the
/// finishing pass would be one more pipeline to compile.
fn k_splits(tiles: usize, k: usize, n_inputs: usize, limits: &RenderLimits) -> usize {
    // The finishing pass binds the kernel's inputs, the partials and the output.
    if limits.software || n_inputs + 2 > limits.max_storage_buffers as usize || tiles >= SPLIT_TARGET_WORKGROUPS / 4 {
        return 1;
    }
    SPLIT_TARGET_WORKGROUPS
        .div_ceil(tiles.max(1))
        .min(k / SPLIT_MIN_K)
        .clamp(1, SPLIT_MAX)
}

/// How a GEMM is spread over the device: workgroup side, output tile, grid and K splits.
struct Tiling {
    t: u32,
    tile: u32,
    grid: [u32; 3],
    batches: usize,
    splits: usize,
}

impl Tiling {
    fn of(p: &GemmPlan, limits: &RenderLimits) -> plan::Result<Tiling> {
        // 8 x 8 invocations (32 x 32 outputs) by default. Measured against 16 x 16 on lavapipe,
        // the MNIST CNN step ran 2.7x faster (its convs have N = 32 output channels, half of a
        // 64-wide tile idle) and 2048^3 matmul 1.7x; on an H200 too, 16 x 16 was slower (CNN
        // step 15.4 against 13.3 ms, 2048^3 47.9 against 39.1 ms). It is also what TF.js's
        // WebGPU matmul uses, and every WebGPU device allows 64 invocations per workgroup.
        let t: u32 = if limits.gemm_side == 16 { 16 } else { 8 };
        let tile = t * R;
        let max = limits.max_workgroups_per_dim as usize;
        let problem = &p.problem;
        let tiles = problem.tiles(tile as usize);
        let splits = k_splits(
            tiles.n * tiles.m * tiles.batches,
            problem.k as usize,
            p.num_inputs,
            limits,
        );
        let grid = [tiles.n, tiles.m, tiles.batches * splits];
        if grid.iter().any(|&g| g > max) {
            return Err(Rejection::size(format!(
                "GEMM of {problem} needs a {grid:?} grid, beyond the device's {max} per dimension"
            )));
        }
        Ok(Tiling {
            t,
            tile,
            grid: [grid[0] as u32, grid[1] as u32, grid[2] as u32],
            batches: tiles.batches,
            splits,
        })
    }
}

fn render_gemm(
    p: &GemmPlan,
    loads: &str,
    index: &str,
    tiling: &Tiling,
    mut sizes: Sizes,
    limits: &RenderLimits,
) -> plan::Result<Shader> {
    let Tiling {
        t,
        tile,
        grid,
        batches,
        splits,
    } = *tiling;
    let problem = &p.problem;
    let (m, n, k) = (problem.m, problem.n, problem.k);
    // Each split covers `k_chunk` of K, a whole number of staged slices.
    let k_chunk = checked_u32((k as usize).div_ceil(splits).next_multiple_of(K_TILE as usize))?;
    let outputs = checked_u32(batches.saturating_mul(m as usize).saturating_mul(n as usize))?;
    let (pm, pn) = (m as usize, n as usize);
    let coords = match (&p.operands, p.epilogue.as_ref().map(|e| e.shape())) {
        (GemmOperands::MatMul { .. }, Some(&[b, m, n])) if (b, m, n) == (problem.batches, pm, pn) => {
            Some(&["batch", "m", "n"][..])
        }
        (GemmOperands::MatMul { .. }, Some(&[m, n])) if problem.batches == 1 && (m, n) == (pm, pn) => {
            Some(&["m", "n"][..])
        }
        _ => None,
    };
    let store = store_fn(index, p.epilogue.as_ref(), coords, &mut sizes, limits)?;
    let (inputs, output) = (&p.inputs, p.output);
    let mut s = String::new();
    // The bindings this shader declares: a split's first pass reads only the template's two
    // operands and writes f32 partials; otherwise the store's inputs and output.
    let (shader_inputs, shader_output) = if splits > 1 {
        let mut first = vec![None; p.num_inputs];
        first[0] = Some(DType::F32);
        first[1] = Some(DType::F32);
        (first, DType::F32)
    } else {
        (inputs.clone(), output)
    };
    s += &bindings(&shader_inputs, shader_output);
    let finish = if splits > 1 {
        // Partial `s` of output (batch, m, n) goes to `out[s * outputs + (batch * M + m) * N + n]`.
        s += loads;
        let _ = writeln!(
            s,
            "fn store_partial(split: u32, batch: u32, m: u32, n: u32, v: f32) {{\n    out[split * {outputs}u + (batch * {m}u + m) * {n}u + n] = v;\n}}",
        );
        let partials = splits * outputs as usize;
        let shader = render_split_finish(splits, outputs, problem, &store, inputs, output, limits)?;
        Some(Box::new(Finish { shader, partials }))
    } else {
        s += loads;
        s += &store;
        None
    };
    let k_size = sizes.u(k);
    let (batch_of, k_begin, k_end, store_call) = if splits > 1 {
        (
            format!("wid.z / {splits}u"),
            format!("(wid.z % {splits}u) * {k_chunk}u"),
            format!("min(k_begin + {k_chunk}u, {k_size})"),
            format!("store_partial(wid.z % {splits}u, batch, m, n, acc[i][j])"),
        )
    } else {
        (
            "wid.z".into(),
            "0u".into(),
            k_size,
            "store(batch, m, n, acc[i][j])".to_string(),
        )
    };
    let kernel = Kernel {
        t,
        tile,
        m: sizes.u(m),
        n: sizes.u(n),
        m_last: sizes.u(m.saturating_sub(1)),
        n_last: sizes.u(n.saturating_sub(1)),
        batch_of: &batch_of,
        k_begin: &k_begin,
        k_end: &k_end,
        store_call: &store_call,
    };
    s += &if limits.software {
        kernel.direct()
    } else {
        kernel.staged()
    };
    s += &sizes.declaration(shader_inputs.len() + 1);
    Ok(Shader {
        source: s,
        grid,
        inputs: shader_inputs,
        output: shader_output,
        sizes: sizes.into_values(),
        finish,
    })
}

/// What the two GEMM kernels share: the workgroup shape, the problem's edges, and the
/// expressions for the batch, the K range and the store of `acc[i][j]`.
struct Kernel<'a> {
    t: u32,
    tile: u32,
    /// M and N, and their last indices, as WGSL expressions (literals or uniform slots).
    m: String,
    n: String,
    m_last: String,
    n_last: String,
    batch_of: &'a str,
    k_begin: &'a str,
    k_end: &'a str,
    store_call: &'a str,
}

impl Kernel<'_> {
    /// Staged in workgroup memory, for GPUs. Each invocation owns 4 consecutive rows x 4
    /// consecutive columns. Workgroup tiles hold vec4s (4 rows of A, or 4 columns of B, at one
    /// k), so the inner loop does two workgroup-memory loads and four vec4 FMAs per k where
    /// scalar tiles needed eight loads and sixteen FMAs. Global loads stay scalar (any layout,
    /// bounds-checked in load_a/load_b) and consecutive invocations read consecutive k of A and
    /// consecutive columns of B.
    fn staged(&self) -> String {
        let (t, tile) = (self.t, self.tile);
        let q = tile / R; // vec4s across a tile
        format!(
            "var<workgroup> tile_a: array<vec4<f32>, {kq}>;\nvar<workgroup> tile_b: array<vec4<f32>, {kq}>;\n\
             fn ld_a(batch: u32, m: u32, k: u32, k_end: u32) -> f32 {{ if (k >= k_end) {{ return 0.0; }} return load_a(batch, m, k); }}\n\
             fn ld_b(batch: u32, k: u32, n: u32, k_end: u32) -> f32 {{ if (k >= k_end) {{ return 0.0; }} return load_b(batch, k, n); }}\n\
             @compute @workgroup_size({t}, {t})\n\
             fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {{\n\
             \x20   let batch = {batch_of};\n    let m0 = wid.y * {tile}u;\n    let n0 = wid.x * {tile}u;\n\
             \x20   let k_begin = {k_begin};\n    let k_end = {k_end};\n\
             \x20   let tid = lid.y * {t}u + lid.x;\n\
             \x20   var acc: array<vec4<f32>, {r}>;\n\
             \x20   for (var k0: u32 = k_begin; k0 < k_end; k0 = k0 + {kt}u) {{\n\
             \x20       for (var e: u32 = tid; e < {kq}u; e = e + {tt}u) {{\n\
             \x20           let ka = e % {kt}u; let m = m0 + (e / {kt}u) * 4u;\n\
             \x20           tile_a[ka * {q}u + e / {kt}u] = vec4<f32>(ld_a(batch, m, k0 + ka, k_end), ld_a(batch, m + 1u, k0 + ka, k_end), \
             ld_a(batch, m + 2u, k0 + ka, k_end), ld_a(batch, m + 3u, k0 + ka, k_end));\n\
             \x20           let kb = e / {q}u; let n = n0 + (e % {q}u) * 4u;\n\
             \x20           tile_b[e] = vec4<f32>(ld_b(batch, k0 + kb, n, k_end), ld_b(batch, k0 + kb, n + 1u, k_end), \
             ld_b(batch, k0 + kb, n + 2u, k_end), ld_b(batch, k0 + kb, n + 3u, k_end));\n\
             \x20       }}\n\
             \x20       workgroupBarrier();\n\
             \x20       for (var kk: u32 = 0u; kk < {kt}u; kk = kk + 1u) {{\n\
             \x20           let a = tile_a[kk * {q}u + lid.y];\n\
             \x20           let b = tile_b[kk * {q}u + lid.x];\n\
             {fmas}\
             \x20       }}\n\
             \x20       workgroupBarrier();\n\
             \x20   }}\n\
             {stores}}}\n",
            batch_of = self.batch_of,
            k_begin = self.k_begin,
            k_end = self.k_end,
            kq = q * K_TILE,
            kt = K_TILE,
            tt = t * t,
            r = R,
            fmas = FMAS,
            stores = self.stores(&format!("m0 + lid.y * {R}u"), &format!("n0 + lid.x * {R}u")),
        )
    }

    /// Straight from storage into registers, for software adapters (see the module docs).
    /// Rows and columns past the edges repeat the last one, so every load is in bounds without
    /// a check; their sums are never stored. No barriers, so edge invocations may return early.
    fn direct(&self) -> String {
        let (t, tile, m, n) = (self.t, self.tile, &self.m, &self.n);
        format!(
            "@compute @workgroup_size({t}, {t})\n\
             fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {{\n\
             \x20   let batch = {batch_of};\n\
             \x20   let m0 = wid.y * {tile}u + lid.y * {r}u;\n    let n0 = wid.x * {tile}u + lid.x * {r}u;\n\
             \x20   if (m0 >= {m} || n0 >= {n}) {{ return; }}\n\
             \x20   let m1 = min(m0 + 1u, {ml}); let m2 = min(m0 + 2u, {ml}); let m3 = min(m0 + 3u, {ml});\n\
             \x20   let n1 = min(n0 + 1u, {nl}); let n2 = min(n0 + 2u, {nl}); let n3 = min(n0 + 3u, {nl});\n\
             \x20   let k_begin = {k_begin};\n    let k_end = {k_end};\n\
             \x20   var acc: array<vec4<f32>, {r}>;\n\
             \x20   for (var k: u32 = k_begin; k < k_end; k = k + 1u) {{\n\
             \x20       let a = vec4<f32>(load_a(batch, m0, k), load_a(batch, m1, k), load_a(batch, m2, k), load_a(batch, m3, k));\n\
             \x20       let b = vec4<f32>(load_b(batch, k, n0), load_b(batch, k, n1), load_b(batch, k, n2), load_b(batch, k, n3));\n\
             {fmas}\
             \x20   }}\n\
             {stores}}}\n",
            batch_of = self.batch_of,
            k_begin = self.k_begin,
            k_end = self.k_end,
            r = R,
            ml = self.m_last,
            nl = self.n_last,
            fmas = FMAS,
            stores = self.stores("m0", "n0"),
        )
    }

    /// Stores the invocation's 4 x 4 accumulators, from its first row and column (WGSL
    /// expressions), skipping those past the edges.
    fn stores(&self, first_row: &str, first_col: &str) -> String {
        let Kernel { m, n, store_call, .. } = self;
        format!(
            "    for (var i: u32 = 0u; i < {r}u; i = i + 1u) {{\n\
             \x20       for (var j: u32 = 0u; j < {r}u; j = j + 1u) {{\n\
             \x20           let m = {first_row} + i; let n = {first_col} + j;\n\
             \x20           if (m < {m} && n < {n}) {{ {store_call}; }}\n\
             \x20       }}\n\
             \x20   }}\n",
            r = R,
        )
    }
}

/// acc[i] += a[i] * b: four vec4 FMAs, the inner step of both kernels.
const FMAS: &str = "        acc[0] = fma(vec4<f32>(a.x), b, acc[0]);\n\
                    \x20       acc[1] = fma(vec4<f32>(a.y), b, acc[1]);\n\
                    \x20       acc[2] = fma(vec4<f32>(a.z), b, acc[2]);\n\
                    \x20       acc[3] = fma(vec4<f32>(a.w), b, acc[3]);\n";

/// The split-K finishing pass: one invocation per output sums its `splits` partials in split
/// order (deterministic, unlike atomics) and stores through the template's `store` (epilogue
/// included). The partials are bound as input `inputs.len()`.
fn render_split_finish(
    splits: usize,
    outputs: u32,
    p: &GemmProblem,
    store: &str,
    inputs: &[Option<DType>],
    output: DType,
    limits: &RenderLimits,
) -> plan::Result<Shader> {
    let mut with_partials = inputs.to_vec();
    with_partials.push(Some(DType::F32));
    let partials = format!("in{}", inputs.len());
    let wg = limits.workgroup_size;
    let mut s = String::new();
    s += &bindings(&with_partials, output);
    s += store;
    s += &entry_1d(wg);
    s += &flat_invocation(wg);
    let _ = write!(
        s,
        "    if (g >= {outputs}u) {{ return; }}\n\
         \x20   var v: f32 = 0.0;\n\
         \x20   for (var sp: u32 = 0u; sp < {splits}u; sp = sp + 1u) {{ v = v + {partials}[sp * {outputs}u + g]; }}\n\
         \x20   let n = g % {nu}u; let bm = g / {nu}u;\n\
         \x20   store(bm / {mu}u, bm % {mu}u, n, v);\n}}\n",
        nu = p.n,
        mu = p.m,
    );
    Ok(Shader {
        source: s,
        grid: grid_for(outputs as usize, limits)?,
        inputs: with_partials,
        output,
        sizes: Vec::new(),
        finish: None,
    })
}
