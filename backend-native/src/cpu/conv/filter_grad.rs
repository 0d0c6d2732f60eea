//! Convolutions whose filter is a transposed view: the filter gradient. Autograd writes
//! `dW = conv(x with batch and channels swapped, dy with batch and channels swapped)`; the
//! conv's filter is then `dy` read as `[oh, ow, batch, o]`, and the conv's batch is the input
//! channel. Rather than materializing either transpose, this path runs the product in the
//! layout the buffers already have: with K ordered as the filter's strides chain (for `dy`:
//! batch, row, column), the filter is a plain strided matrix `[K, o]` (dy itself), and the
//! other operand is a column tile built per K chunk from the input (each entry a run of the
//! conv's batch = input channels, contiguous in NHWC). K is long (batch x pixels) and the
//! output small, so K is split over threads and the partial products summed in a fixed order.

use ferroflow_core::Result;

use super::operand::Operand;
use super::{ConvPlan, COL_TILE_FLOATS};
use crate::cpu::alloc::alloc;
use crate::cpu::err;
use crate::cpu::matmul::{sgemm_into, Mat};
use crate::cpu::par;
use crate::cpu::pool;

/// The filter's (ky, kx, channel) dims in an order where their strides chain.
#[derive(Debug, Clone)]
pub(crate) struct FilterGrad {
    /// Filter dims (0 = ky, 1 = kx, 2 = channel), outermost first.
    order: [usize; 3],
    /// Filter stride between consecutive K (the innermost dim of `order`), and between outputs.
    k_stride: isize,
    o_stride: isize,
    /// Input row read at output row p and filter row r (`rows[p * kh + r]`), and column at
    /// output column q and filter column s (`cols[q * kw + s]`); None in padding.
    rows: Vec<Option<usize>>,
    cols: Vec<Option<usize>>,
}

impl FilterGrad {
    /// The path applies to one group without input dilation, when the filter's three reduced
    /// dims chain in some order (every permutation of a contiguous buffer does).
    pub(crate) fn plan(conv: &ConvPlan, w: &Operand) -> Option<FilterGrad> {
        if conv.groups != 1 || conv.lhs_d != [1, 1] {
            return None;
        }
        let mut order = [0usize, 1, 2];
        // Outermost first: larger strides first; size-1 dims (any stride) go outermost.
        order.sort_by_key(|&d| {
            let n = w.dims[d];
            (n > 1, std::cmp::Reverse(w.strides[d]))
        });
        let inner = order[2];
        let k_stride = if w.dims[inner] > 1 { w.strides[inner] } else { 1 };
        if k_stride <= 0 {
            return None;
        }
        let mut expect = k_stride;
        for &d in order.iter().rev() {
            if w.dims[d] <= 1 {
                continue;
            }
            if w.strides[d] != expect {
                return None;
            }
            expect = expect.checked_mul(w.dims[d] as isize)?;
        }
        let (kh, kw) = (w.dims[0], w.dims[1]);
        let rows = (0..conv.oh * kh).map(|i| conv.in_coord(0, i / kh, i % kh)).collect();
        let cols = (0..conv.ow * kw).map(|i| conv.in_coord(1, i / kw, i % kw)).collect();
        Some(FilterGrad {
            order,
            k_stride,
            o_stride: w.strides[3],
            rows,
            cols,
        })
    }

    /// `out[b, p, q, o] = sum_k A[(p, q, b), k] * W[k, o]` with `A` built tile by tile.
    pub(crate) fn run(
        &self,
        conv: &ConvPlan,
        (xb, x): (&[f32], &Operand),
        (wb, w): (&[f32], &Operand),
        out: &mut [f32],
    ) -> Result<()> {
        let bsz = x.dims[0];
        let (p_n, q_n, o) = (conv.oh, conv.ow, conv.o);
        let m = p_n * q_n * bsz;
        let kn = w.dims[0] * w.dims[1] * w.dims[2];
        let kc = (COL_TILE_FLOATS / m.max(1)).clamp(8, kn.max(8));
        let chunks = kn.div_ceil(kc);
        let parts = chunks.min(par::threads().max(1));
        let per_part = chunks.div_ceil(parts.max(1));
        let partials = par::try_map(parts, |part| {
            let mut acc = alloc(m * o, 0f32)?;
            let (c0, c1) = (part * per_part, ((part + 1) * per_part).min(chunks));
            let mut first = true;
            for chunk in c0..c1 {
                let k0 = chunk * kc;
                let len = kc.min(kn - k0);
                // acc[m, o] += tile^T[m, k] * W[k, o]; the tile is stored k-major.
                let w_k = Mat {
                    off: w.offset + k0 as isize * self.k_stride,
                    rs: self.k_stride,
                    cs: self.o_stride,
                };
                let tile_mk = Mat {
                    off: 0,
                    rs: 1,
                    cs: m as isize,
                };
                let acc_mo = Mat {
                    off: 0,
                    rs: o as isize,
                    cs: 1,
                };
                pool::with_scratch(len * m, |tile| -> Result<()> {
                    self.fill(conv, xb, x, w, k0, tile)?;
                    sgemm_into((m, o, len), &mut acc, acc_mo, tile, tile_mk, wb, w_k, 1, !first)
                })?;
                first = false;
            }
            Ok(acc)
        })?;
        // Rows are (p, q, b); the output is [b, p, q, o].
        out.fill(0.0);
        let oob = || err("conv: internal filter-gradient index out of range");
        for acc in &partials {
            for row in 0..m {
                let (pq, b) = (row / bsz, row % bsz);
                let at = (b * p_n * q_n + pq) * o;
                let dst = out.get_mut(at..at + o).ok_or_else(oob)?;
                let vals = acc.get(row * o..(row + 1) * o).ok_or_else(oob)?;
                for (d, &v) in dst.iter_mut().zip(vals) {
                    *d += v;
                }
            }
        }
        Ok(())
    }

    /// Column tile for K `k0..k0 + tile.len() / m`: entry `(k, (p, q, b))` is the input the conv
    /// multiplies with filter element k at output (b, p, q); zero where it falls in padding.
    fn fill(&self, conv: &ConvPlan, xb: &[f32], x: &Operand, w: &Operand, k0: usize, tile: &mut [f32]) -> Result<()> {
        let bsz = x.dims[0];
        let (p_n, q_n) = (conv.oh, conv.ow);
        let m = p_n * q_n * bsz;
        let [s0, s1, s2, s3] = x.strides;
        let oob = || err("conv: internal filter-gradient read out of range");
        let sizes = [w.dims[self.order[0]], w.dims[self.order[1]], w.dims[self.order[2]]];
        let (kh, kw) = (w.dims[0], w.dims[1]);
        for (kk, row) in tile.chunks_mut(m.max(1)).enumerate() {
            let k = k0 + kk;
            let digits = [k / (sizes[1] * sizes[2]), (k / sizes[2]) % sizes[1], k % sizes[2]];
            let mut tap = [0usize; 3];
            for (j, &d) in self.order.iter().enumerate() {
                tap[d] = digits[j];
            }
            let [r, s, i] = tap;
            for (p, prow) in row.chunks_mut(q_n * bsz).enumerate() {
                let Some(y) = self.rows.get(p * kh + r).copied().flatten() else {
                    prow.fill(0.0);
                    continue;
                };
                for (q, seg) in prow.chunks_mut(bsz.max(1)).enumerate() {
                    let Some(xx) = self.cols.get(q * kw + s).copied().flatten() else {
                        seg.fill(0.0);
                        continue;
                    };
                    let base = x.offset + y as isize * s1 + xx as isize * s2 + i as isize * s3;
                    let start = usize::try_from(base).map_err(|_| oob())?;
                    if bsz == 1 {
                        seg[0] = *xb.get(start).ok_or_else(oob)?;
                    } else if s0 == 1 {
                        seg.copy_from_slice(xb.get(start..start + bsz).ok_or_else(oob)?);
                    } else {
                        for (b, v) in seg.iter_mut().enumerate() {
                            let at = usize::try_from(base + b as isize * s0).map_err(|_| oob())?;
                            *v = *xb.get(at).ok_or_else(oob)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
