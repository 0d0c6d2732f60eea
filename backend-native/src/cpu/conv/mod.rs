//! General 2-D convolution (NHWC input, HWIO filter, XLA-style padding/dilations/groups).
//!
//! Strategies: a direct loop vectorized over output channels when each group has a single input
//! channel (depthwise convolutions); one gemm per output position for filter gradients (few
//! positions, large filters); with several threads, one group and a small filter, per-thread
//! column tiles that each task fills and multiplies single-threaded (no barrier between filling
//! and multiplying, the tile stays in the core's cache); otherwise im2col + gemm per group,
//! tiled over output pixels so the column matrix stays a few MiB. Input dilation is handled by
//! index arithmetic: a tap reads an input pixel only where its position in the dilated, padded
//! input is a multiple of the dilation.

mod filter_grad;
mod operand;

use std::borrow::Cow;

use ferroflow_core::ir::{ConvParams, View};
use ferroflow_core::{DType, HostData, Result};

use filter_grad::FilterGrad;
use operand::Operand;

use crate::cpu::alloc::{alloc, alloc_dirty};
use crate::cpu::bounds::mul_all;
use crate::cpu::err;
use crate::cpu::eval::{run_tiled_epilogue, Program};
use crate::cpu::matmul::{sgemm, sgemm_into, Mat};
use crate::cpu::par;
use crate::cpu::pool;

/// Floats per column tile of the threaded im2col path (256 KiB: a core's L2 share).
const COL_TILE_FLOATS: usize = 64 << 10;

/// A compiled convolution with its geometry resolved.
#[derive(Debug, Clone)]
pub(crate) struct ConvPlan {
    h: usize,
    w: usize,
    c: usize,
    kh: usize,
    kw: usize,
    /// Input channels per group.
    cg: usize,
    /// Output channels (all groups).
    o: usize,
    /// Output channels per group.
    og: usize,
    groups: usize,
    oh: usize,
    ow: usize,
    stride: [isize; 2],
    pad_lo: [isize; 2],
    lhs_d: [isize; 2],
    rhs_d: [isize; 2],
    /// Extent of the dilated (unpadded) input per spatial dim.
    dil_in: [isize; 2],
    xop: Operand,
    wop: Operand,
    /// Set when the filter is a transposed view that the filter-gradient path reads in place.
    filter_grad: Option<FilterGrad>,
    out_len: usize,
}

impl ConvPlan {
    pub(crate) fn build(
        p: &ConvParams,
        xv: &View,
        wv: &View,
        out_shape: &[usize],
        out_dtype: DType,
    ) -> Result<ConvPlan> {
        let (x_op, w_op) = (Operand::of("input", xv)?, Operand::of("filter", wv)?);
        let [n, h, wd, c] = x_op.dims;
        let [kh, kw, cg, o] = w_op.dims;
        let g = p.groups;
        if g == 0 || c % g != 0 || o % g != 0 || cg.checked_mul(g) != Some(c) {
            return Err(err(format!(
                "conv: channels {c}, groups {g}, filter in/out channels {cg}/{o} do not match"
            )));
        }
        // Extents must fit comfortably in isize before the output-size formula runs.
        for d in 0..2 {
            let (len, k) = ([h, wd][d], [kh, kw][d]);
            let fits = |n: usize, f: usize| {
                (n as u128).saturating_mul(f as u128) < (isize::MAX as u128) / 4 && f <= isize::MAX as usize / 4
            };
            let pad = p.padding[d].0.unsigned_abs().max(p.padding[d].1.unsigned_abs());
            if !fits(len, p.lhs_dilation[d]) || !fits(k, p.rhs_dilation[d]) || !fits(1, p.stride[d]) || !fits(pad, 1) {
                return Err(err("conv: sizes, strides, dilations or paddings overflow"));
            }
        }
        let [oh, ow] = p.out_spatial("conv", [h, wd], [kh, kw])?;
        if out_shape != [n, oh, ow, o] || out_dtype != DType::F32 {
            return Err(err(format!(
                "conv: output {out_shape:?} {out_dtype}, expected [{n}, {oh}, {ow}, {o}] float32"
            )));
        }
        let dil = |len: usize, d: usize| {
            if len == 0 {
                0
            } else {
                (len as isize - 1) * d as isize + 1
            }
        };
        let mut plan = ConvPlan {
            h,
            w: wd,
            c,
            kh,
            kw,
            cg,
            o,
            og: o / g,
            groups: g,
            oh,
            ow,
            stride: [p.stride[0] as isize, p.stride[1] as isize],
            pad_lo: [p.padding[0].0, p.padding[1].0],
            lhs_d: [p.lhs_dilation[0] as isize, p.lhs_dilation[1] as isize],
            rhs_d: [p.rhs_dilation[0] as isize, p.rhs_dilation[1] as isize],
            dil_in: [dil(h, p.lhs_dilation[0]), dil(wd, p.lhs_dilation[1])],
            xop: x_op,
            wop: w_op,
            filter_grad: None,
            out_len: mul_all("conv output", out_shape)?,
        };
        if !plan.wop.is_contiguous() {
            plan.filter_grad = FilterGrad::plan(&plan, &plan.wop);
        }
        Ok(plan)
    }

    /// Input coordinate along spatial dim `d` read by output position `o` at tap `t`.
    #[inline(always)]
    fn in_coord(&self, d: usize, o: usize, t: usize) -> Option<usize> {
        let pos = o as isize * self.stride[d] + t as isize * self.rhs_d[d] - self.pad_lo[d];
        if pos < 0 || pos >= self.dil_in[d] || pos % self.lhs_d[d] != 0 {
            None
        } else {
            Some((pos / self.lhs_d[d]) as usize)
        }
    }

    /// (batch, out row, out col) of output pixel `p`.
    #[inline(always)]
    fn unravel(&self, p: usize) -> (usize, usize, usize) {
        let per_img = (self.oh * self.ow).max(1);
        let ow = self.ow.max(1);
        (p / per_img, (p % per_img) / ow, p % ow)
    }

    /// The input and filter buffers, checked against the views.
    fn buffers<'a>(&self, inputs: &[&'a HostData]) -> Result<(&'a [f32], &'a [f32])> {
        let (Some(HostData::F32(x)), Some(HostData::F32(w))) = (inputs.first(), inputs.get(1)) else {
            return Err(err("conv: expects two float32 inputs"));
        };
        self.xop.check("input", x.len())?;
        self.wop.check("filter", w.len())?;
        Ok((x, w))
    }

    /// The input and filter in the contiguous layout the strategies index (copies through the
    /// views where they are not).
    fn operands<'a>(&self, inputs: &[&'a HostData]) -> Result<(Cow<'a, [f32]>, Cow<'a, [f32]>)> {
        let (x, w) = self.buffers(inputs)?;
        let layout = |op: &Operand, b: &'a [f32]| -> Result<Cow<'a, [f32]>> {
            if op.is_contiguous() {
                b.get(..op.len)
                    .map(Cow::Borrowed)
                    .ok_or_else(|| err("conv: operand shorter than its view"))
            } else {
                op.gather(b).map(Cow::Owned)
            }
        };
        Ok((layout(&self.xop, x)?, layout(&self.wop, w)?))
    }

    /// Nothing to multiply: the output is all zeros.
    fn trivial(&self) -> bool {
        self.out_len == 0 || self.kh * self.kw * self.cg == 0 || self.xop.len == 0
    }

    pub(crate) fn run(&self, inputs: &[&HostData]) -> Result<HostData> {
        if self.trivial() {
            self.buffers(inputs)?;
            return Ok(HostData::F32(alloc(self.out_len, 0f32)?));
        }
        if let Some(fg) = &self.filter_grad {
            let (xb, wb) = self.buffers(inputs)?;
            let mut out = alloc_dirty(self.out_len)?;
            fg.run(self, (xb, &self.xop), (wb, &self.wop), &mut out)?;
            return Ok(HostData::F32(out));
        }
        let (x, w) = self.operands(inputs)?;
        let (x, w) = (&x[..], &w[..]);
        if self.cg == 1 && self.groups > 1 {
            let mut out = alloc(self.out_len, 0f32)?;
            self.direct(x, w, &mut out)?;
            Ok(HostData::F32(out))
        } else if self.per_position_ok() {
            let mut out = alloc_dirty(self.out_len)?;
            self.per_position(x, w, &mut out)?;
            Ok(HostData::F32(out))
        } else {
            // Every output element is written by exactly one gemm (k > 0 here).
            let mut out = alloc_dirty(self.out_len)?;
            self.im2col_gemm(x, w, &mut out)?;
            Ok(HostData::F32(out))
        }
    }

    /// The conv followed by `epilogue` (an elementwise program reading the conv's result as input
    /// slot `inputs.len()`), applied to each column tile's result while it is in cache: `None`
    /// when this conv does not take the tiled path (the caller then runs the two passes).
    pub(crate) fn run_with_epilogue(&self, inputs: &[&HostData], epilogue: &Program) -> Result<Option<HostData>> {
        if self.trivial()
            || self.filter_grad.is_some()
            || !self.tiles_ok()
            || self.pointwise()
            || self.per_position_ok()
            || !epilogue.tileable(inputs.len())
        {
            return Ok(None);
        }
        let (x, w) = self.operands(inputs.get(..2).unwrap_or(inputs))?;
        let (x, w) = (&x[..], &w[..]);
        let o = self.o;
        let fill = |first: usize, tile: &mut [f32]| {
            if first % o != 0 || tile.len() % o != 0 {
                return Err(err("conv: internal tile not made of whole pixels"));
            }
            self.tile(x, w, first / o, tile)
        };
        run_tiled_epilogue(epilogue, inputs, self.tile_rows() * o, &fill).map(Some)
    }

    /// One input channel per group (depthwise): `out[p, oc] += x[tap(p), oc / og] * w[tap, oc]`.
    fn direct(&self, x: &[f32], w: &[f32], out: &mut [f32]) -> Result<()> {
        let (o, og, c) = (self.o, self.og, self.c);
        let pixels = self.out_len / o;
        let chunk = par::chunk_len(pixels, o * self.kh * self.kw, 1, 1);
        par::try_chunks_mut(out, chunk * o, |ci, dst| {
            for (pi, acc) in dst.chunks_mut(o).enumerate() {
                let (ni, ohi, owi) = self.unravel(ci * chunk + pi);
                for khi in 0..self.kh {
                    let Some(ih) = self.in_coord(0, ohi, khi) else { continue };
                    for kwi in 0..self.kw {
                        let Some(iw) = self.in_coord(1, owi, kwi) else { continue };
                        let xb = ((ni * self.h + ih) * self.w + iw) * c;
                        let wb = (khi * self.kw + kwi) * o;
                        let (Some(xs), Some(ws)) = (x.get(xb..xb + c), w.get(wb..wb + o)) else {
                            return Err(err("conv: internal index out of range"));
                        };
                        if og == 1 {
                            for ((a, &xv), &wv) in acc.iter_mut().zip(xs).zip(ws) {
                                *a += xv * wv;
                            }
                        } else {
                            for ((ac, wc), &xv) in acc.chunks_mut(og).zip(ws.chunks(og)).zip(xs) {
                                for (a, &wv) in ac.iter_mut().zip(wc) {
                                    *a += xv * wv;
                                }
                            }
                        }
                    }
                }
            }
            Ok(())
        })
    }

    /// Few output positions and a large filter (the filter-gradient convolution): one gemm per
    /// output position straight from the input, with no column matrix.
    fn per_position_ok(&self) -> bool {
        self.groups == 1
            && self.lhs_d == [1, 1]
            && self.rhs_d[1] == 1
            && self.oh * self.ow <= 64
            && self.kh * self.kw >= 16
            && self.c >= 8
            && self.out_len / (self.oh * self.ow * self.o).max(1) >= 16
    }

    /// `out[b, p, :] = sum over valid filter rows of x[b, row segment] * w[row segment, :]`, where
    /// a filter row's valid taps read one contiguous run of input pixels (unit rhs dilation).
    fn per_position(&self, x: &[f32], w: &[f32], out: &mut [f32]) -> Result<()> {
        let (n, c, o) = (self.out_len / (self.oh * self.ow * self.o).max(1), self.c, self.o);
        let positions = self.oh * self.ow;
        let t = par::threads();
        let img = self.h * self.w * c;
        // Split the batch too when the positions do not spread evenly over the threads.
        let split = if positions % t != 0 && n >= 32 { t } else { 1 };
        let per = n.div_ceil(split);
        let parts = par::try_map(positions * split, |task| {
            let (pos, part) = (task / split, task % split);
            let (ohi, owi) = (pos / self.ow, pos % self.ow);
            let b0 = (part * per).min(n);
            let rows = per.min(n - b0);
            let mut tmp = alloc(rows * o, 0f32)?;
            // Valid kw range: the input column must lie in 0..w.
            let iw0 = owi as isize * self.stride[1] - self.pad_lo[1];
            let k0 = (-iw0).max(0).min(self.kw as isize) as usize;
            let k1 = (self.w as isize - iw0).max(k0 as isize).min(self.kw as isize) as usize;
            let mut first = true;
            if k1 > k0 {
                for khi in 0..self.kh {
                    let Some(ih) = self.in_coord(0, ohi, khi) else { continue };
                    let iw = (iw0 + k0 as isize) as usize;
                    sgemm_into(
                        (rows, o, (k1 - k0) * c),
                        &mut tmp,
                        Mat {
                            off: 0,
                            rs: o as isize,
                            cs: 1,
                        },
                        x,
                        Mat {
                            off: (b0 * img + (ih * self.w + iw) * c) as isize,
                            rs: img as isize,
                            cs: 1,
                        },
                        w,
                        Mat {
                            off: ((khi * self.kw + k0) * c * o) as isize,
                            rs: o as isize,
                            cs: 1,
                        },
                        if positions * split >= t { 1 } else { t },
                        !first,
                    )?;
                    first = false;
                }
            }
            if first {
                tmp.fill(0.0);
            }
            Ok(tmp)
        })?;
        for (task, tmp) in parts.iter().enumerate() {
            let (pos, b0) = (task / split, (task % split) * per);
            for (b, row) in tmp.chunks_exact(o).enumerate() {
                let at = ((b0 + b) * positions + pos) * o;
                out.get_mut(at..at + o)
                    .ok_or_else(|| err("conv: internal index out of range"))?
                    .copy_from_slice(row);
            }
        }
        Ok(())
    }

    /// Writes row `p` of group `gi`'s column matrix: taps (kh, kw) x channels of the group.
    fn fill_row(&self, x: &[f32], p: usize, gi: usize, row: &mut [f32]) -> Result<()> {
        let (ni, ohi, owi) = self.unravel(p);
        let (c, cg, kw) = (self.c, self.cg, self.kw);
        let oob = || err("conv: internal index out of range");
        let contiguous = cg == c && self.rhs_d[1] == 1 && self.lhs_d[1] == 1;
        for (khi, seg) in row.chunks_mut(kw * cg).enumerate() {
            let Some(ih) = self.in_coord(0, ohi, khi) else {
                seg.fill(0.0);
                continue;
            };
            let pix_row = (ni * self.h + ih) * self.w;
            if contiguous {
                // Taps kw..kw+KW read adjacent pixels: one copy plus zero edges.
                let iw0 = owi as isize * self.stride[1] - self.pad_lo[1];
                let lo = (-iw0).max(0).min(kw as isize);
                let hi = (self.w as isize - iw0).max(lo).min(kw as isize);
                let (lo, hi) = (lo as usize, hi as usize);
                if hi == lo {
                    seg.fill(0.0);
                    continue;
                }
                let src0 = (pix_row as isize + iw0 + lo as isize) as usize * c;
                let n = (hi - lo) * c;
                let src = x.get(src0..src0 + n).ok_or_else(oob)?;
                seg[..lo * c].fill(0.0);
                seg[lo * c..hi * c].copy_from_slice(src);
                seg[hi * c..].fill(0.0);
            } else {
                for (kwi, dst) in seg.chunks_mut(cg).enumerate() {
                    match self.in_coord(1, owi, kwi) {
                        Some(iw) => {
                            let b = (pix_row + iw) * c + gi * cg;
                            dst.copy_from_slice(x.get(b..b + cg).ok_or_else(oob)?);
                        }
                        None => dst.fill(0.0),
                    }
                }
            }
        }
        Ok(())
    }

    /// One group whose filter stays in cache (every tile packs it again).
    fn tiles_ok(&self) -> bool {
        self.groups == 1 && self.kh * self.kw * self.cg * self.o <= COL_TILE_FLOATS
    }

    /// Output pixels per tile: the column tile and the result tile together stay in about a
    /// core's L2 share.
    fn tile_rows(&self) -> usize {
        let kk = self.kh * self.kw * self.cg;
        let pixels = self.out_len / self.o.max(1);
        (COL_TILE_FLOATS / (kk + self.o).max(1)).max(32).min(pixels.max(1))
    }

    /// A 1x1 conv with unit stride and no padding: the input already is the column matrix.
    fn pointwise(&self) -> bool {
        self.groups == 1
            && self.kh == 1
            && self.kw == 1
            && self.stride == [1, 1]
            && self.pad_lo == [0, 0]
            && self.lhs_d == [1, 1]
            && self.oh == self.h
            && self.ow == self.w
    }

    /// Results of output pixels `p0..` into `dst` (whole pixels of `o` channels), on this thread:
    /// fill the tile's column matrix, then one gemm (one group).
    fn tile(&self, x: &[f32], w: &[f32], p0: usize, dst: &mut [f32]) -> Result<()> {
        let (o, kk) = (self.o, self.kh * self.kw * self.cg);
        let n = dst.len() / o.max(1);
        pool::with_scratch(n * kk, |col| {
            for (ri, row) in col.chunks_mut(kk).enumerate() {
                self.fill_row(x, p0 + ri, 0, row)?;
            }
            let full = Mat {
                off: 0,
                rs: o as isize,
                cs: 1,
            };
            let a = Mat {
                off: 0,
                rs: kk as isize,
                cs: 1,
            };
            sgemm((n, o, kk), dst, full, col, a, w, full, 1)
        })
    }

    /// One group, several threads: each task fills a column tile small enough to stay in its
    /// core's L2 and multiplies it single-threaded, so fills and gemms overlap across threads
    /// with no barrier between them.
    fn im2col_tiles(&self, x: &[f32], w: &[f32], out: &mut [f32]) -> Result<()> {
        let rows = self.tile_rows();
        par::try_chunks_mut(out, rows * self.o, |ci, dst| self.tile(x, w, ci * rows, dst))
    }

    fn im2col_gemm(&self, x: &[f32], w: &[f32], out: &mut [f32]) -> Result<()> {
        let (o, og, cg) = (self.o, self.og, self.cg);
        let kk = self.kh * self.kw * cg;
        let pixels = self.out_len / o;
        let t = par::threads();
        if self.pointwise() {
            // The input already is the column matrix.
            return sgemm(
                (pixels, o, cg),
                out,
                Mat {
                    off: 0,
                    rs: o as isize,
                    cs: 1,
                },
                x,
                Mat {
                    off: 0,
                    rs: cg as isize,
                    cs: 1,
                },
                w,
                Mat {
                    off: 0,
                    rs: o as isize,
                    cs: 1,
                },
                t,
            );
        }
        // Per-thread tiles pack the filter once per tile: only for filters that stay in cache.
        if self.tiles_ok() && t > 1 && pixels >= 8 * t * 32 {
            return self.im2col_tiles(x, w, out);
        }
        let tile = ((1usize << 20) / kk).max(64).min(pixels).max(1);
        // Every row of the column matrix is rewritten before each use.
        let mut col = alloc_dirty(tile * kk)?;
        let mut p0 = 0;
        while p0 < pixels {
            let rows = tile.min(pixels - p0);
            for gi in 0..self.groups {
                let a = &mut col[..rows * kk];
                let chunk = par::chunk_len(rows, kk, 1, 1);
                par::try_chunks_mut(a, chunk * kk, |ci, dst| {
                    for (ri, row) in dst.chunks_mut(kk).enumerate() {
                        self.fill_row(x, p0 + ci * chunk + ri, gi, row)?;
                    }
                    Ok(())
                })?;
                sgemm(
                    (rows, og, kk),
                    out,
                    Mat {
                        off: (p0 * o + gi * og) as isize,
                        rs: o as isize,
                        cs: 1,
                    },
                    &col,
                    Mat {
                        off: 0,
                        rs: kk as isize,
                        cs: 1,
                    },
                    w,
                    Mat {
                        off: (gi * og) as isize,
                        rs: o as isize,
                        cs: 1,
                    },
                    t,
                )?;
            }
            p0 += rows;
        }
        pool::give(col);
        Ok(())
    }
}
