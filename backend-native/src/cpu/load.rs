//! Strided loads: views coalesced over a kernel's iteration space and block-wise fills.
//!
//! A block is a range of linear (row-major) positions of the iteration space. Filling walks the
//! multi-index incrementally and emits runs along the last dim, so the inner loops are slice
//! copies, fills or simple strided gathers, never a per-element div/mod unravel.

use ferroflow_core::ir::primitive::{rand_bits, uniform_from_bits};
use ferroflow_core::ir::View;

use crate::cpu::bounds::valid_ranges;

/// A view re-expressed over a coalesced iteration space.
#[derive(Debug, Clone)]
pub(crate) struct Strided {
    pub offset: isize,
    pub strides: Vec<isize>,
    /// Valid index range per dim (full ranges when unmasked).
    pub ranges: Vec<(usize, usize)>,
    pub masked: bool,
    /// No position is valid: everything reads zero.
    pub empty: bool,
    /// Unmasked and the strides chain (`s[d] = s[d+1] * n[d+1]`): any block is one strided run.
    pub linear: bool,
}

impl Strided {
    /// True when every position reads the same thing.
    pub(crate) fn invariant(&self) -> bool {
        self.empty || (!self.masked && self.strides.iter().all(|&s| s == 0))
    }
}

impl Strided {
    /// Source offset of linear position `pos` of `shape`, ignoring the mask.
    pub(crate) fn offset_at(&self, shape: &[usize], mut pos: usize) -> isize {
        let mut off = self.offset;
        for (d, &n) in shape.iter().enumerate().rev() {
            let n = n.max(1);
            let i = pos % n;
            pos /= n;
            off = off.wrapping_add((i as isize).wrapping_mul(self.strides.get(d).copied().unwrap_or(0)));
        }
        off
    }
}

/// Fills the `h x w` tile at linear position `start` (rows: consecutive indices of the
/// second-to-last dim, which the caller keeps from wrapping; columns: of the last dim) into `dst`
/// row-major, reading along whichever direction is contiguous in the source. Returns false when
/// the view needs the general walker (masked) or the tile does not fit.
pub(crate) fn fill_tile<T: Copy + Default>(
    sv: &Strided,
    shape: &[usize],
    start: usize,
    (h, w): (usize, usize),
    src: &[T],
    dst: &mut [T],
) -> bool {
    let r = shape.len();
    if sv.masked || sv.empty || r < 2 || dst.len() < h * w {
        return false;
    }
    let (s_row, s_col) = (sv.strides[r - 2], sv.strides[r - 1]);
    let base = sv.offset_at(shape, start);
    let at = |o: isize| src.get(o as usize).copied().unwrap_or_default();
    if s_row.unsigned_abs() < s_col.unsigned_abs() {
        for j in 0..w {
            let cb = base.wrapping_add((j as isize).wrapping_mul(s_col));
            for (i, x) in dst.iter_mut().skip(j).step_by(w).take(h).enumerate() {
                *x = at(cb.wrapping_add((i as isize).wrapping_mul(s_row)));
            }
        }
    } else {
        for (i, row) in dst.chunks_mut(w).take(h).enumerate() {
            let rb = base.wrapping_add((i as isize).wrapping_mul(s_row));
            for (j, x) in row.iter_mut().enumerate() {
                *x = at(rb.wrapping_add((j as isize).wrapping_mul(s_col)));
            }
        }
    }
    true
}

/// Coalesces the iteration space `shape` jointly for all `views` (each of that shape): size-1 dims
/// are dropped and adjacent dims merge when every view steps through them as one dim. The result
/// has rank >= 1 and the same row-major order of positions.
pub(crate) fn coalesce(shape: &[usize], views: &[&View]) -> (Vec<usize>, Vec<Strided>) {
    let ranges: Vec<Option<Vec<(usize, usize)>>> = views.iter().map(|v| valid_ranges(v)).collect();
    let kept: Vec<usize> = (0..shape.len()).filter(|&d| shape[d] != 1).collect();
    // Built innermost first, reversed at the end.
    let mut out_shape: Vec<usize> = Vec::new();
    let mut out_strides: Vec<Vec<isize>> = vec![Vec::new(); views.len()];
    let mut out_ranges: Vec<Vec<(usize, usize)>> = vec![Vec::new(); views.len()];
    for &d in kept.iter().rev() {
        let n = shape[d];
        let mergeable = match out_shape.last() {
            None => false,
            Some(&cur) => views.iter().enumerate().all(|(v, view)| {
                let Some(r) = &ranges[v] else { return true };
                let inner_stride = out_strides[v].last().copied().unwrap_or(0);
                let inner_range = out_ranges[v].last().copied().unwrap_or((0, 0));
                let s = view.strides.get(d).copied().unwrap_or(0);
                Some(s) == inner_stride.checked_mul(cur as isize)
                    && r.get(d) == Some(&(0, n))
                    && inner_range == (0, cur)
            }),
        };
        if mergeable {
            if let Some(cur) = out_shape.last_mut() {
                *cur *= n;
                let merged = *cur;
                for v in 0..views.len() {
                    if let Some(r) = out_ranges[v].last_mut() {
                        *r = (0, merged);
                    }
                }
            }
        } else {
            out_shape.push(n);
            for (v, view) in views.iter().enumerate() {
                out_strides[v].push(view.strides.get(d).copied().unwrap_or(0));
                let r = ranges[v].as_ref().and_then(|r| r.get(d).copied()).unwrap_or((0, 0));
                out_ranges[v].push(r);
            }
        }
    }
    if out_shape.is_empty() {
        out_shape.push(1);
        for v in 0..views.len() {
            out_strides[v].push(0);
            out_ranges[v].push((0, 1));
        }
    }
    out_shape.reverse();
    let strided = views
        .iter()
        .enumerate()
        .map(|(v, view)| {
            let mut strides = std::mem::take(&mut out_strides[v]);
            let mut rs = std::mem::take(&mut out_ranges[v]);
            strides.reverse();
            rs.reverse();
            let empty = ranges[v].is_none();
            let masked = !empty && rs.iter().zip(&out_shape).any(|(&(lo, hi), &n)| lo != 0 || hi != n);
            let linear = !empty
                && !masked
                && (1..out_shape.len()).all(|d| strides[d].checked_mul(out_shape[d] as isize) == Some(strides[d - 1]));
            Strided {
                offset: view.offset,
                strides,
                ranges: rs,
                masked,
                empty,
                linear,
            }
        })
        .collect();
    (out_shape, strided)
}

/// Calls `emit(dst_start, len, Some((src_offset, src_stride)))` for each valid run of the block
/// `start..start + n` of the iteration space, and `emit(dst_start, len, None)` for masked-out runs.
pub(crate) fn walk(
    sv: &Strided,
    shape: &[usize],
    start: usize,
    n: usize,
    mut emit: impl FnMut(usize, usize, Option<(isize, isize)>),
) {
    let r = shape.len();
    if n == 0 || r == 0 || shape.contains(&0) {
        return;
    }
    if sv.empty {
        emit(0, n, None);
        return;
    }
    if sv.linear {
        let stride = sv.strides.last().copied().unwrap_or(0);
        emit(0, n, Some((sv.offset_at(shape, start), stride)));
        return;
    }
    let mut small = [0usize; 8];
    let mut heap = Vec::new();
    let idx: &mut [usize] = if r <= small.len() {
        &mut small[..r]
    } else {
        heap.resize(r, 0);
        &mut heap
    };
    let mut rem = start;
    for d in (0..r).rev() {
        idx[d] = rem % shape[d];
        rem /= shape[d];
    }
    let last = r - 1;
    let nl = shape[last];
    let stride = |d: usize| sv.strides.get(d).copied().unwrap_or(0);
    let sl = stride(last);
    let (llo, lhi) = sv.ranges.get(last).copied().unwrap_or((0, nl));
    // Offset of (idx[..last], 0), kept up to date as the outer index advances.
    let mut base = sv.offset;
    for d in 0..last {
        base = base.wrapping_add((idx[d] as isize).wrapping_mul(stride(d)));
    }
    let mut done = 0;
    while done < n {
        let i0 = idx[last];
        let run = nl.saturating_sub(i0).min(n - done).max(1);
        let valid = !sv.masked
            || (0..last).all(|d| {
                let (lo, hi) = sv.ranges.get(d).copied().unwrap_or((0, 0));
                (lo..hi).contains(&idx[d])
            });
        if valid {
            let i1 = i0 + run;
            let a = llo.max(i0).min(i1);
            let b = lhi.max(a).min(i1);
            if a > i0 {
                emit(done, a - i0, None);
            }
            if b > a {
                emit(
                    done + (a - i0),
                    b - a,
                    Some((base.wrapping_add((a as isize).wrapping_mul(sl)), sl)),
                );
            }
            if i1 > b {
                emit(done + (b - i0), i1 - b, None);
            }
        } else {
            emit(done, run, None);
        }
        done += run;
        idx[last] += run;
        if idx[last] >= nl {
            idx[last] = 0;
            let mut d = last;
            while d > 0 {
                d -= 1;
                idx[d] += 1;
                base = base.wrapping_add(stride(d));
                if idx[d] < shape[d] {
                    break;
                }
                base = base.wrapping_sub(stride(d).wrapping_mul(shape[d] as isize));
                idx[d] = 0;
            }
        }
    }
}

fn seg<T>(dst: &mut [T], at: usize, len: usize) -> &mut [T] {
    let end = at.saturating_add(len).min(dst.len());
    let at = at.min(end);
    &mut dst[at..end]
}

/// Fills `dst` with the block at `start` read from `src` (bounds were validated; anything out of
/// range would read zero rather than panic).
pub(crate) fn fill_input<T: Copy + Default>(sv: &Strided, shape: &[usize], start: usize, src: &[T], dst: &mut [T]) {
    let n = dst.len();
    walk(sv, shape, start, n, |at, len, s| {
        let d = seg(dst, at, len);
        match s {
            None => d.fill(T::default()),
            Some((base, 1)) => {
                let b = base as usize;
                match src.get(b..b.saturating_add(d.len())) {
                    Some(s) if base >= 0 => copy_run(d, s),
                    _ => d.fill(T::default()),
                }
            }
            Some((base, 0)) => d.fill(src.get(base as usize).copied().unwrap_or_default()),
            Some((base, stride)) => {
                for (k, x) in d.iter_mut().enumerate() {
                    let o = base.wrapping_add((k as isize).wrapping_mul(stride));
                    *x = src.get(o as usize).copied().unwrap_or_default();
                }
            }
        }
    });
}

/// `dst.copy_from_slice(src)` without a `memcpy` call for short runs: broadcasts and pooling
/// windows load runs of a few dozen elements, where the call cost more than the copy.
#[inline(always)]
fn copy_run<T: Copy>(dst: &mut [T], src: &[T]) {
    const LANES: usize = 8;
    if dst.len() >= 256 || dst.len() != src.len() {
        dst.copy_from_slice(src);
        return;
    }
    let mut d = dst.chunks_exact_mut(LANES);
    let mut s = src.chunks_exact(LANES);
    for (a, b) in (&mut d).zip(&mut s) {
        if let (Ok(a), Ok(b)) = (<&mut [T; LANES]>::try_from(a), <&[T; LANES]>::try_from(b)) {
            *a = *b;
        }
    }
    for (a, b) in d.into_remainder().iter_mut().zip(s.remainder()) {
        *a = *b;
    }
}

/// Fills `dst` with `v` at valid positions and zero elsewhere.
pub(crate) fn fill_const<T: Copy + Default>(sv: &Strided, shape: &[usize], start: usize, v: T, dst: &mut [T]) {
    let n = dst.len();
    walk(sv, shape, start, n, |at, len, s| {
        seg(dst, at, len).fill(if s.is_some() { v } else { T::default() })
    });
}

/// Fills `dst` with the source offsets as i32 (zero where masked).
pub(crate) fn fill_arange(sv: &Strided, shape: &[usize], start: usize, dst: &mut [i32]) {
    let n = dst.len();
    walk(sv, shape, start, n, |at, len, s| {
        let d = seg(dst, at, len);
        match s {
            None => d.fill(0),
            Some((base, stride)) => {
                let (b, st) = (base as i32, stride as i32);
                for (k, x) in d.iter_mut().enumerate() {
                    *x = b.wrapping_add((k as i32).wrapping_mul(st));
                }
            }
        }
    });
}

/// Fills `dst` with `uniform_from_bits(rand_bits(seed, offset))` (zero where masked).
pub(crate) fn fill_rand(sv: &Strided, shape: &[usize], start: usize, seed: u64, dst: &mut [f32]) {
    let n = dst.len();
    walk(sv, shape, start, n, |at, len, s| {
        let d = seg(dst, at, len);
        match s {
            None => d.fill(0.0),
            Some((base, stride)) => {
                let (b, st) = (base as u32, stride as u32);
                for (k, x) in d.iter_mut().enumerate() {
                    *x = uniform_from_bits(rand_bits(seed, b.wrapping_add((k as u32).wrapping_mul(st))));
                }
            }
        }
    });
}
