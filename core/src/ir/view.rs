//! Strided views: how a kernel reads a buffer (or an index-computed source) for each element of
//! its iteration space, with an optional validity mask (positions outside read as zero). Movement
//! primitives are applied to views instead of copying; when one cannot be expressed (a reshape of a
//! padded or non-mergeable view) the scheduler materializes the input first.

use crate::shape::contiguous_strides;

/// `element(idx) = valid(idx) ? source[offset + sum(idx[d] * strides[d])] : 0`, where
/// `valid(idx) = mask[d].0 <= idx[d] < mask[d].1` for every d (always valid when `mask` is None).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct View {
    pub shape: Vec<usize>,
    pub strides: Vec<isize>,
    pub offset: isize,
    pub mask: Option<Vec<(usize, usize)>>,
}

impl View {
    /// Row-major view of a whole buffer.
    pub fn contiguous(shape: &[usize]) -> View {
        View {
            shape: shape.to_vec(),
            strides: contiguous_strides(shape),
            offset: 0,
            mask: None,
        }
    }

    /// True when element i reads source[i] for every i.
    pub fn is_contiguous(&self) -> bool {
        self.mask.is_none() && self.offset == 0 && self.strides == contiguous_strides(&self.shape) || self.numel() == 0
    }

    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }

    /// The source offset of a multi-index, or None when masked out.
    pub fn index(&self, idx: &[usize]) -> Option<isize> {
        if let Some(m) = &self.mask {
            if idx.iter().zip(m).any(|(&i, &(lo, hi))| i < lo || i >= hi) {
                return None;
            }
        }
        Some(
            self.offset
                + idx
                    .iter()
                    .zip(&self.strides)
                    .map(|(&i, &s)| i as isize * s)
                    .sum::<isize>(),
        )
    }

    pub fn permute(&self, perm: &[usize]) -> View {
        View {
            shape: perm.iter().map(|&p| self.shape[p]).collect(),
            strides: perm.iter().map(|&p| self.strides[p]).collect(),
            offset: self.offset,
            mask: self.mask.as_ref().map(|m| perm.iter().map(|&p| m[p]).collect()),
        }
    }

    /// Broadcasts size-1 dims to `to` (same rank, checked by the primitive).
    pub fn expand(&self, to: &[usize]) -> View {
        let mut v = self.clone();
        for d in 0..to.len() {
            if self.shape[d] != to[d] {
                v.strides[d] = 0;
                if let Some(m) = &mut v.mask {
                    m[d] = if m[d].0 < m[d].1 { (0, to[d]) } else { (0, 0) };
                }
            }
        }
        v.shape = to.to_vec();
        v
    }

    /// Elements `start + i*step` for `i < len` per dim.
    pub fn slice(&self, start: &[usize], len: &[usize], step: &[usize]) -> View {
        let mut v = self.clone();
        for d in 0..self.shape.len() {
            // Saturating: a step beyond the extent only matters for length <= 1, where the stride
            // is never used.
            v.offset += (start[d] as isize).saturating_mul(self.strides[d]);
            v.strides[d] = self.strides[d].saturating_mul(isize::try_from(step[d]).unwrap_or(isize::MAX));
            v.shape[d] = len[d];
            if let Some(m) = &mut v.mask {
                let (lo, hi) = m[d];
                let first = |b: usize| {
                    if b > start[d] {
                        (b - start[d]).div_ceil(step[d])
                    } else {
                        0
                    }
                };
                m[d] = (first(lo).min(len[d]), first(hi).min(len[d]));
            }
        }
        v.simplify_mask()
    }

    pub fn flip(&self, axes: &[usize]) -> View {
        let mut v = self.clone();
        for &d in axes {
            let n = self.shape[d];
            if n > 0 {
                v.offset += (n as isize - 1) * self.strides[d];
            }
            v.strides[d] = -self.strides[d];
            if let Some(m) = &mut v.mask {
                let (lo, hi) = m[d];
                m[d] = (n - hi, n - lo);
            }
        }
        v
    }

    /// Zero padding of (before, after) per dim.
    pub fn pad(&self, pads: &[(usize, usize)]) -> View {
        let mut mask = self
            .mask
            .clone()
            .unwrap_or_else(|| self.shape.iter().map(|&n| (0, n)).collect());
        let mut v = self.clone();
        for (d, &(lo, hi)) in pads.iter().enumerate() {
            v.offset -= lo as isize * self.strides[d];
            v.shape[d] = self.shape[d] + lo + hi;
            mask[d] = (mask[d].0 + lo, mask[d].1 + lo);
        }
        v.mask = Some(mask);
        v.simplify_mask()
    }

    /// Reinterprets the iteration space as `to` (same element count), or None when that cannot be
    /// a single strided view (then the caller materializes).
    pub fn reshape(&self, to: &[usize]) -> Option<View> {
        if self.shape == to {
            return Some(self.clone());
        }
        if self.numel() == 0 {
            return Some(View::contiguous(to));
        }
        if let Some(mask) = &self.mask {
            // Masked views reshape only by adding/removing size-1 dims.
            let keep: Vec<usize> = (0..self.shape.len()).filter(|&d| self.shape[d] != 1).collect();
            let new_keep: Vec<usize> = (0..to.len()).filter(|&d| to[d] != 1).collect();
            if keep.len() != new_keep.len() || keep.iter().zip(&new_keep).any(|(&a, &b)| self.shape[a] != to[b]) {
                return None;
            }
            // A size-1 dim whose mask excludes its only element makes everything invalid.
            let all_invalid = (0..self.shape.len()).any(|d| mask[d].0 >= mask[d].1);
            let mut v = View {
                shape: to.to_vec(),
                strides: vec![0; to.len()],
                offset: self.offset,
                mask: Some(vec![(0, 1); to.len()]),
            };
            for (&a, &b) in keep.iter().zip(&new_keep) {
                v.strides[b] = self.strides[a];
                if let Some(m) = &mut v.mask {
                    m[b] = mask[a];
                }
            }
            if all_invalid {
                v.mask = Some(vec![(0, 0); to.len()]);
            }
            return Some(v.simplify_mask());
        }
        // No mask: merge/split runs of dims whose strides chain (NumPy's no-copy reshape).
        let old: Vec<(usize, isize)> = self
            .shape
            .iter()
            .copied()
            .zip(self.strides.iter().copied())
            .filter(|&(n, _)| n != 1)
            .collect();
        let new_dims: Vec<usize> = to.iter().copied().filter(|&n| n != 1).collect();
        let mut new_strides = vec![0isize; new_dims.len()];
        let (mut oi, mut ni) = (0usize, 0usize);
        while ni < new_dims.len() && oi < old.len() {
            let (mut oj, mut nj) = (oi + 1, ni + 1);
            let (mut op, mut np) = (old[oi].0, new_dims[ni]);
            while op != np {
                if np < op {
                    np *= *new_dims.get(nj)?;
                    nj += 1;
                } else {
                    op *= old.get(oj)?.0;
                    oj += 1;
                }
            }
            for k in oi..oj - 1 {
                if old[k].1 != old[k + 1].1 * old[k + 1].0 as isize {
                    return None;
                }
            }
            new_strides[nj - 1] = old[oj - 1].1;
            for k in (ni + 1..nj).rev() {
                new_strides[k - 1] = new_strides[k] * new_dims[k] as isize;
            }
            ni = nj;
            oi = oj;
        }
        let mut strides = Vec::with_capacity(to.len());
        let mut it = new_strides.into_iter();
        for &n in to {
            strides.push(if n == 1 { 0 } else { it.next()? });
        }
        Some(View {
            shape: to.to_vec(),
            strides,
            offset: self.offset,
            mask: None,
        })
    }

    /// Drops a mask that excludes nothing.
    fn simplify_mask(mut self) -> View {
        if let Some(m) = &self.mask {
            if m.iter().zip(&self.shape).all(|(&(lo, hi), &n)| lo == 0 && hi >= n) {
                self.mask = None;
            } else if let Some(m) = &mut self.mask {
                for (r, &n) in m.iter_mut().zip(&self.shape) {
                    r.1 = r.1.min(n);
                    r.0 = r.0.min(r.1);
                }
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gather(v: &View, src: &[i32]) -> Vec<i32> {
        let n = v.numel();
        let mut out = Vec::with_capacity(n);
        let mut idx = vec![0usize; v.shape.len()];
        for _ in 0..n {
            out.push(v.index(&idx).map_or(0, |o| src[o as usize]));
            for d in (0..idx.len()).rev() {
                idx[d] += 1;
                if idx[d] < v.shape[d] {
                    break;
                }
                idx[d] = 0;
            }
        }
        out
    }

    #[test]
    fn permute_then_reshape_fails_but_contiguous_reshape_works() {
        let v = View::contiguous(&[2, 3]);
        assert_eq!(
            gather(&v.reshape(&[3, 2]).unwrap(), &[1, 2, 3, 4, 5, 6]),
            vec![1, 2, 3, 4, 5, 6]
        );
        let t = v.permute(&[1, 0]);
        assert_eq!(gather(&t, &[1, 2, 3, 4, 5, 6]), vec![1, 4, 2, 5, 3, 6]);
        assert!(t.reshape(&[6]).is_none());
        assert!(t.reshape(&[3, 1, 2]).is_some());
    }

    #[test]
    fn pad_slice_flip_compose() {
        let v = View::contiguous(&[3]).pad(&[(2, 1)]);
        assert_eq!(gather(&v, &[1, 2, 3]), vec![0, 0, 1, 2, 3, 0]);
        assert_eq!(gather(&v.flip(&[0]), &[1, 2, 3]), vec![0, 3, 2, 1, 0, 0]);
        assert_eq!(gather(&v.slice(&[1], &[3], &[2]), &[1, 2, 3]), vec![0, 2, 0]);
        // A size-1 dim that is masked out stays masked out when broadcast and reshaped.
        let e = View::contiguous(&[1])
            .pad(&[(1, 0)])
            .slice(&[0], &[1], &[1])
            .expand(&[3]);
        assert_eq!(gather(&e, &[7]), vec![0, 0, 0]);
        assert_eq!(gather(&e.reshape(&[3, 1]).unwrap(), &[7]), vec![0, 0, 0]);
    }
}
