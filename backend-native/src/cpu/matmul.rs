//! Batched matmul through the `gemm` crate, with strides taken straight from the views.

use ferroflow_core::ir::View;
use ferroflow_core::{DType, HostData, Result};

use crate::cpu::alloc::{alloc, alloc_dirty};
use crate::cpu::bounds::{check_range, offset_range};
use crate::cpu::err;
use crate::cpu::par;

/// One strided matrix operand: element (i, j) is `data[off + i*rs + j*cs]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mat {
    pub off: isize,
    pub rs: isize,
    pub cs: isize,
}

fn span(off: isize, dims: [(usize, isize); 2]) -> Option<(isize, isize)> {
    let mut lo = off as i128;
    let mut hi = lo;
    for (n, s) in dims {
        if n == 0 {
            return None;
        }
        let e = (n as i128 - 1) * s as i128;
        lo += e.min(0);
        hi += e.max(0);
    }
    Some((isize::try_from(lo).ok()?, isize::try_from(hi).ok()?))
}

fn inside(r: Option<(isize, isize)>, len: usize) -> bool {
    match r {
        None => true,
        Some((lo, hi)) => lo >= 0 && (hi as usize) < len,
    }
}

/// `dst[m x n] = a[m x k] * b[k x n]` (overwriting dst). Every element either operand reads and
/// every element written is checked to lie inside its slice before the unsafe call, and dst rows
/// may not overlap, so this is safe for any arguments.
pub(crate) fn sgemm(
    mnk: (usize, usize, usize),
    dst: &mut [f32],
    d: Mat,
    a: &[f32],
    am: Mat,
    b: &[f32],
    bm: Mat,
    threads: usize,
) -> Result<()> {
    sgemm_into(mnk, dst, d, a, am, b, bm, threads, false)
}

/// [`sgemm`], or with `acc` `dst += a * b`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn sgemm_into(
    (m, n, k): (usize, usize, usize),
    dst: &mut [f32],
    d: Mat,
    a: &[f32],
    am: Mat,
    b: &[f32],
    bm: Mat,
    threads: usize,
    acc: bool,
) -> Result<()> {
    if m == 0 || n == 0 {
        return Ok(());
    }
    if d.cs != 1 || (m > 1 && d.rs < n as isize) {
        return Err(err("matmul: output rows overlap"));
    }
    if !inside(span(d.off, [(m, d.rs), (n, d.cs)]), dst.len()) {
        return Err(err("matmul: output out of range"));
    }
    if k == 0 {
        if acc {
            return Ok(());
        }
        for i in 0..m {
            let o = (d.off + i as isize * d.rs) as usize;
            if let Some(row) = dst.get_mut(o..o + n) {
                row.fill(0.0);
            }
        }
        return Ok(());
    }
    if !inside(span(am.off, [(m, am.rs), (k, am.cs)]), a.len())
        || !inside(span(bm.off, [(k, bm.rs), (n, bm.cs)]), b.len())
    {
        return Err(err("matmul: operand view out of range"));
    }
    let parallelism = parallelism(threads);
    // SAFETY: all offsets reachable from the three base pointers with the given sizes and
    // strides were checked above to be in bounds of their slices; the destination rows do not
    // overlap (cs == 1, rs >= n) and `dst` is borrowed mutably, so nothing else aliases it.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr().offset(d.off),
            d.cs,
            d.rs,
            acc,
            a.as_ptr().offset(am.off),
            am.cs,
            am.rs,
            b.as_ptr().offset(bm.off),
            bm.cs,
            bm.rs,
            if acc { 1.0 } else { 0.0 },
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
    Ok(())
}

fn parallelism(threads: usize) -> gemm::Parallelism {
    #[cfg(all(feature = "threads", not(target_arch = "wasm32")))]
    {
        if threads > 1 {
            return gemm::Parallelism::Rayon(threads);
        }
    }
    let _ = threads;
    gemm::Parallelism::None
}

/// One `m x n` product into contiguous `dst`. Mid-sized problems (below gemm's own threading
/// threshold, above the point where threads pay off) are split into row blocks, one
/// single-threaded gemm each; large ones use gemm's internal threading.
fn gemm_split_rows(
    (m, n, k): (usize, usize, usize),
    dst: &mut [f32],
    a: &[f32],
    am: Mat,
    b: &[f32],
    bm: Mat,
    threads: usize,
) -> Result<()> {
    let flops = m.saturating_mul(n).saturating_mul(k);
    let rows = m.div_ceil(threads.max(1)).max(16);
    if threads <= 1 || !((1 << 20)..(1 << 27)).contains(&flops) || m < 2 * rows || n == 0 {
        return sgemm(
            (m, n, k),
            dst,
            Mat {
                off: 0,
                rs: n as isize,
                cs: 1,
            },
            a,
            am,
            b,
            bm,
            threads,
        );
    }
    par::try_chunks_mut(dst, rows * n, |ci, d| {
        let i0 = ci * rows;
        let sub = Mat {
            off: am.off + i0 as isize * am.rs,
            ..am
        };
        sgemm(
            (d.len() / n, n, k),
            d,
            Mat {
                off: 0,
                rs: n as isize,
                cs: 1,
            },
            a,
            sub,
            b,
            bm,
            1,
        )
    })
}

/// A compiled `[B, M, K] x [B, K, N]` matmul.
#[derive(Debug, Clone)]
pub(crate) struct MatMulPlan {
    a: View,
    b: View,
    dims: [usize; 4],
    a_range: Option<(isize, isize)>,
    b_range: Option<(isize, isize)>,
}

impl MatMulPlan {
    pub(crate) fn build(a: &View, b: &View, out_shape: &[usize], out_dtype: DType) -> Result<MatMulPlan> {
        for (name, v) in [("a", a), ("b", b)] {
            if v.shape.len() != 3 || v.strides.len() != 3 {
                return Err(err(format!(
                    "matmul: view {name} must be rank 3, got shape {:?}",
                    v.shape
                )));
            }
            if v.mask.is_some() {
                return Err(err(format!("matmul: view {name} is masked")));
            }
        }
        let (bt, m, k, n) = (a.shape[0], a.shape[1], a.shape[2], b.shape[2]);
        if b.shape[0] != bt || b.shape[1] != k {
            return Err(err(format!(
                "matmul: shapes {:?} x {:?} do not chain",
                a.shape, b.shape
            )));
        }
        if out_shape != [bt, m, n] || out_dtype != DType::F32 {
            return Err(err(format!(
                "matmul: output {out_shape:?} {out_dtype}, expected [{bt}, {m}, {n}] float32"
            )));
        }
        Ok(MatMulPlan {
            a: a.clone(),
            b: b.clone(),
            dims: [bt, m, k, n],
            a_range: offset_range("matmul a", a)?,
            b_range: offset_range("matmul b", b)?,
        })
    }

    pub(crate) fn run(&self, inputs: &[&HostData]) -> Result<HostData> {
        let (Some(HostData::F32(x)), Some(HostData::F32(y))) = (inputs.first(), inputs.get(1)) else {
            return Err(err("matmul: expects two float32 inputs"));
        };
        check_range("matmul a", self.a_range, x.len())?;
        check_range("matmul b", self.b_range, y.len())?;
        let [bt, m, k, n] = self.dims;
        let mn = m.checked_mul(n).ok_or_else(|| err("matmul: output too large"))?;
        let total = bt.checked_mul(mn).ok_or_else(|| err("matmul: output too large"))?;
        if total == 0 || k == 0 {
            return Ok(HostData::F32(alloc(total, 0f32)?));
        }
        // gemm overwrites every output element (k > 0).
        let mut out = alloc_dirty(total)?;
        let (a, b) = (&self.a, &self.b);
        let t = par::threads();
        let flops = mn.saturating_mul(k);
        let batch_parallel = t > 1 && bt > 1 && flops < (1 << 21);
        let per_chunk = if batch_parallel {
            par::chunk_len(bt, flops, 1, 1)
        } else {
            bt
        };
        let a_mat = |bi: usize| Mat {
            off: a.offset + bi as isize * a.strides[0],
            rs: a.strides[1],
            cs: a.strides[2],
        };
        let b_mat = |bi: usize| Mat {
            off: b.offset + bi as isize * b.strides[0],
            rs: b.strides[1],
            cs: b.strides[2],
        };
        par::try_chunks_mut(&mut out, per_chunk * mn, |ci, dst| {
            for (j, d) in dst.chunks_mut(mn).enumerate() {
                let bi = ci * per_chunk + j;
                if batch_parallel {
                    sgemm(
                        (m, n, k),
                        d,
                        Mat {
                            off: 0,
                            rs: n as isize,
                            cs: 1,
                        },
                        x,
                        a_mat(bi),
                        y,
                        b_mat(bi),
                        1,
                    )?;
                } else {
                    gemm_split_rows((m, n, k), d, x, a_mat(bi), y, b_mat(bi), t)?;
                }
            }
            Ok(())
        })?;
        Ok(HostData::F32(out))
    }
}
