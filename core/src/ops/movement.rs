//! Shape and movement ops: reshape, transpose, slicing, concatenation, padding, tiling, gathers.

use crate::dtype::DType;
use crate::ir::BinaryOp;
use crate::ops::{creation, elementwise::where_, prim};
use crate::shape::{normalize_axes, normalize_axis, numel};
use crate::tensor::Tensor;
use crate::{Error, Result};

/// Resolves a TF-style shape with at most one -1.
fn resolve_shape(op: &str, from: &[usize], to: &[isize]) -> Result<Vec<usize>> {
    let total = numel(from);
    let mut unknown = None;
    let mut known = 1usize;
    for (i, &d) in to.iter().enumerate() {
        if d == -1 {
            if unknown.replace(i).is_some() {
                return Err(Error::shape(op, format!("at most one -1 allowed in {to:?}")));
            }
        } else if d < 0 {
            return Err(Error::shape(op, format!("negative dimension {d} in {to:?}")));
        } else {
            known = known
                .checked_mul(d as usize)
                .ok_or_else(|| Error::size(op, format!("shape {to:?} overflows")))?;
        }
    }
    let mut out: Vec<usize> = to.iter().map(|&d| d.max(0) as usize).collect();
    if let Some(i) = unknown {
        if known == 0 || total % known != 0 {
            return Err(Error::shape(
                op,
                format!("cannot reshape {from:?} ({total} elements) into {to:?}"),
            ));
        }
        out[i] = total / known;
    } else if known != total {
        return Err(Error::shape(
            op,
            format!("cannot reshape {from:?} ({total} elements) into {to:?}"),
        ));
    }
    Ok(out)
}

/// Concatenates along `axis` (TF.js `concat`). All inputs must agree on the other dims.
pub fn concat(tensors: &[Tensor], axis: isize) -> Result<Tensor> {
    let first = tensors
        .first()
        .ok_or_else(|| Error::invalid("concat", "needs at least one tensor"))?;
    let a = normalize_axis("concat", axis, first.rank())?;
    let dtype = tensors
        .iter()
        .map(|t| t.dtype())
        .fold(DType::Bool, crate::ops::elementwise::upcast);
    let mut total = 0usize;
    for t in tensors {
        if t.rank() != first.rank() || (0..t.rank()).any(|d| d != a && t.shape()[d] != first.shape()[d]) {
            return Err(Error::shape(
                "concat",
                format!(
                    "shape {:?} does not match {:?} outside axis {a}",
                    t.shape(),
                    first.shape()
                ),
            ));
        }
        total += t.shape()[a];
    }
    // Each part is zero-padded to the full length and the parts are summed: the scheduler fuses
    // this into one kernel of masked loads.
    let mut acc: Option<Tensor> = None;
    let mut offset = 0;
    for t in tensors {
        let n = t.shape()[a];
        let mut pads = vec![(0, 0); t.rank()];
        pads[a] = (offset, total - offset - n);
        offset += n;
        let p = prim::pad(&t.cast(dtype)?, &pads)?;
        let op = if dtype == DType::Bool {
            BinaryOp::Or
        } else {
            BinaryOp::Add
        };
        acc = Some(match acc {
            None => p,
            Some(prev) => prim::binary(&prev, &p, op)?,
        });
    }
    acc.ok_or_else(|| Error::invalid("concat", "needs at least one tensor"))
}

/// Stacks equal-shaped tensors along a new `axis`.
pub fn stack(tensors: &[Tensor], axis: isize) -> Result<Tensor> {
    let first = tensors
        .first()
        .ok_or_else(|| Error::invalid("stack", "needs at least one tensor"))?;
    if let Some(t) = tensors.iter().find(|t| t.shape() != first.shape()) {
        return Err(Error::shape(
            "stack",
            format!("shapes differ: {:?} vs {:?}", first.shape(), t.shape()),
        ));
    }
    let a = normalize_axis("stack", axis, first.rank() + 1)?;
    let parts = tensors
        .iter()
        .map(|t| t.expand_dims(a as isize))
        .collect::<Result<Vec<_>>>()?;
    concat(&parts, a as isize)
}

impl Tensor {
    /// New shape with the same elements; one dim may be -1.
    pub fn reshape(&self, shape: &[isize]) -> Result<Tensor> {
        let s = resolve_shape("reshape", self.shape(), shape)?;
        prim::reshape(self, &s)
    }
    /// Reshape to `[n]`.
    pub fn flatten(&self) -> Result<Tensor> {
        prim::reshape(self, &[self.numel()])
    }
    /// Permutes dims; an empty `perm` reverses them (TF.js default).
    pub fn transpose(&self, perm: &[usize]) -> Result<Tensor> {
        if perm.is_empty() {
            let p: Vec<usize> = (0..self.rank()).rev().collect();
            return prim::permute(self, &p);
        }
        prim::permute(self, perm)
    }
    /// Inserts a size-1 dim at `axis` (may be negative, counted against rank+1).
    pub fn expand_dims(&self, axis: isize) -> Result<Tensor> {
        let a = normalize_axis("expandDims", axis, self.rank() + 1)?;
        let mut s = self.shape().to_vec();
        s.insert(a, 1);
        prim::reshape(self, &s)
    }
    /// Removes size-1 dims (the given ones, or all when empty).
    pub fn squeeze(&self, axes: &[isize]) -> Result<Tensor> {
        let ax: Vec<usize> = if axes.is_empty() {
            (0..self.rank()).filter(|&d| self.shape()[d] == 1).collect()
        } else {
            normalize_axes("squeeze", axes, self.rank())?
        };
        if let Some(&d) = ax.iter().find(|&&d| self.shape()[d] != 1) {
            return Err(Error::shape(
                "squeeze",
                format!("cannot squeeze axis {d} of size {}", self.shape()[d]),
            ));
        }
        let s: Vec<usize> = (0..self.rank())
            .filter(|d| !ax.contains(d))
            .map(|d| self.shape()[d])
            .collect();
        prim::reshape(self, &s)
    }
    /// Broadcasts to `shape`.
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Tensor> {
        crate::ops::elementwise::broadcast_to_shape("broadcastTo", self, shape)
    }
    /// TF.js `slice(begin, size)`; a size of -1 runs to the end.
    pub fn slice(&self, begin: &[usize], size: &[isize]) -> Result<Tensor> {
        if begin.len() != self.rank() || size.len() != self.rank() {
            return Err(Error::shape(
                "slice",
                format!("begin {begin:?} / size {size:?} must have rank {}", self.rank()),
            ));
        }
        let mut len = vec![0; self.rank()];
        for d in 0..self.rank() {
            let n = self.shape()[d];
            if begin[d] > n {
                return Err(Error::index(
                    "slice",
                    format!("begin {} exceeds size {n} on axis {d}", begin[d]),
                ));
            }
            len[d] = if size[d] == -1 {
                n - begin[d]
            } else if size[d] < 0 {
                return Err(Error::invalid("slice", format!("size {} < -1", size[d])));
            } else {
                size[d] as usize
            };
            if begin[d] + len[d] > n {
                return Err(Error::index(
                    "slice",
                    format!("begin {} + size {} exceeds size {n} on axis {d}", begin[d], len[d]),
                ));
            }
        }
        let start: Vec<usize> = (0..self.rank())
            .map(|d| if len[d] == 0 { 0 } else { begin[d] })
            .collect();
        prim::slice(self, &start, &len, &vec![1; self.rank()])
    }
    /// TF `stridedSlice` with begin/end/shrink-axis masks; negative indices and strides allowed.
    pub fn strided_slice(
        &self,
        begin: &[isize],
        end: &[isize],
        strides: &[isize],
        begin_mask: u32,
        end_mask: u32,
        shrink_axis_mask: u32,
    ) -> Result<Tensor> {
        let r = self.rank();
        if begin.len() > r || end.len() != begin.len() || strides.len() != begin.len() {
            return Err(Error::shape(
                "stridedSlice",
                format!(
                    "begin/end/strides lengths {}/{}/{} vs rank {r}",
                    begin.len(),
                    end.len(),
                    strides.len()
                ),
            ));
        }
        let mut x = self.clone();
        let mut flips = vec![];
        let (mut start, mut len, mut step) = (vec![0; r], self.shape().to_vec(), vec![1; r]);
        for d in 0..begin.len() {
            let n = self.shape()[d] as isize;
            let s = strides[d];
            if s == 0 {
                return Err(Error::invalid("stridedSlice", format!("stride 0 on axis {d}")));
            }
            let norm = |v: isize| if v < 0 { v + n } else { v };
            let shrink = shrink_axis_mask >> d & 1 == 1;
            let (b, e) = (norm(begin[d]), norm(end[d]));
            if shrink {
                if b < 0 || b >= n {
                    return Err(Error::index(
                        "stridedSlice",
                        format!("index {} out of range for axis {d} of size {n}", begin[d]),
                    ));
                }
                start[d] = b as usize;
                len[d] = 1;
                continue;
            }
            if s > 0 {
                let b = if begin_mask >> d & 1 == 1 { 0 } else { b.clamp(0, n) };
                let e = if end_mask >> d & 1 == 1 { n } else { e.clamp(0, n) };
                let l = if e > b { ((e - b - 1) / s + 1) as usize } else { 0 };
                start[d] = if l > 0 { b as usize } else { 0 };
                len[d] = l;
                step[d] = s as usize;
            } else {
                let b = if begin_mask >> d & 1 == 1 {
                    n - 1
                } else {
                    b.clamp(-1, n - 1)
                };
                let e = if end_mask >> d & 1 == 1 { -1 } else { e.clamp(-1, n - 1) };
                let l = if b > e {
                    ((b - e - 1) as usize) / s.unsigned_abs() + 1
                } else {
                    0
                };
                flips.push(d);
                start[d] = if l > 0 { (n - 1 - b) as usize } else { 0 };
                len[d] = l;
                step[d] = s.unsigned_abs();
            }
        }
        x = prim::flip(&x, &flips)?;
        x = prim::slice(&x, &start, &len, &step)?;
        let keep: Vec<usize> = (0..r)
            .filter(|&d| !(d < begin.len() && shrink_axis_mask >> d & 1 == 1))
            .map(|d| len[d])
            .collect();
        prim::reshape(&x, &keep)
    }
    /// Splits along `axis` into pieces of the given sizes (must sum to the dim).
    pub fn split(&self, sizes: &[usize], axis: isize) -> Result<Vec<Tensor>> {
        let a = normalize_axis("split", axis, self.rank())?;
        let total = sizes.iter().try_fold(0usize, |acc, &n| acc.checked_add(n));
        if total != Some(self.shape()[a]) {
            return Err(Error::shape(
                "split",
                format!("sizes {sizes:?} do not sum to {} on axis {a}", self.shape()[a]),
            ));
        }
        let mut out = vec![];
        let mut off = 0;
        for &n in sizes {
            let mut start = vec![0; self.rank()];
            let mut len = self.shape().to_vec();
            start[a] = if n == 0 { 0 } else { off };
            len[a] = n;
            out.push(prim::slice(self, &start, &len, &vec![1; self.rank()])?);
            off += n;
        }
        Ok(out)
    }
    /// Splits into `n` equal pieces along `axis`.
    pub fn split_n(&self, n: usize, axis: isize) -> Result<Vec<Tensor>> {
        let a = normalize_axis("split", axis, self.rank())?;
        if n == 0 || self.shape()[a] % n != 0 {
            return Err(Error::shape(
                "split",
                format!("axis {a} of size {} is not divisible into {n} pieces", self.shape()[a]),
            ));
        }
        self.split(&vec![self.shape()[a] / n; n], axis)
    }
    /// Removes `axis`, returning its slices.
    pub fn unstack(&self, axis: isize) -> Result<Vec<Tensor>> {
        let a = normalize_axis("unstack", axis, self.rank())?;
        self.split_n(self.shape()[a].max(1), axis)?
            .into_iter()
            .map(|t| t.squeeze(&[a as isize]))
            .collect::<Result<Vec<_>>>()
            .map(|v| if self.shape()[a] == 0 { vec![] } else { v })
    }
    /// Pads with a constant: `paddings[d] = (before, after)`.
    pub fn pad(&self, paddings: &[(usize, usize)], value: f32) -> Result<Tensor> {
        if paddings.len() != self.rank() {
            return Err(Error::shape(
                "pad",
                format!("{} paddings for rank {}", paddings.len(), self.rank()),
            ));
        }
        let p = prim::pad(self, paddings)?;
        if value == 0.0 {
            return Ok(p);
        }
        let inside = prim::pad(&creation::ones(&self.device(), self.shape(), DType::Bool)?, paddings)?;
        where_(
            &inside,
            &p,
            &Tensor::scalar_on(crate::Scalar::F32(value).cast(self.dtype()), &self.device()),
        )
    }
    /// Repeats the tensor `reps[d]` times along each dim.
    pub fn tile(&self, reps: &[usize]) -> Result<Tensor> {
        if reps.len() != self.rank() {
            return Err(Error::shape(
                "tile",
                format!("{} reps for rank {}", reps.len(), self.rank()),
            ));
        }
        let mut s1 = vec![];
        let mut s2 = vec![];
        let mut s3 = vec![];
        for (d, &r) in reps.iter().enumerate() {
            s1.extend([1, self.shape()[d]]);
            s2.extend([r, self.shape()[d]]);
            s3.push(
                r.checked_mul(self.shape()[d])
                    .ok_or_else(|| Error::size("tile", format!("reps {reps:?} overflow")))?,
            );
        }
        prim::reshape(&prim::expand(&prim::reshape(self, &s1)?, &s2)?, &s3)
    }
    /// Reverses the given axes (all when empty).
    pub fn reverse(&self, axes: &[isize]) -> Result<Tensor> {
        let ax = normalize_axes("reverse", axes, self.rank())?;
        prim::flip(self, &ax)
    }
    /// Takes slices along `axis` at int32 `indices` (any shape). Out-of-range indices give zeros.
    pub fn gather(&self, indices: &Tensor, axis: isize) -> Result<Tensor> {
        if indices.dtype() != DType::I32 {
            return Err(Error::dtype(
                "gather",
                format!("indices must be int32, got {}", indices.dtype()),
            ));
        }
        let a = normalize_axis("gather", axis, self.rank())?;
        prim::gather(self, indices, a)
    }
    /// TF `gatherND`: `indices[..., k]` index the first k dims; out-of-range rows give zeros.
    pub fn gather_nd(&self, indices: &Tensor) -> Result<Tensor> {
        if indices.dtype() != DType::I32 || indices.rank() == 0 {
            return Err(Error::dtype(
                "gatherND",
                format!(
                    "indices must be int32 of rank >= 1, got {} {:?}",
                    indices.dtype(),
                    indices.shape()
                ),
            ));
        }
        let k = *indices.shape().last().unwrap_or(&0);
        if k == 0 || k > self.rank() {
            return Err(Error::shape(
                "gatherND",
                format!("index depth {k} invalid for rank {}", self.rank()),
            ));
        }
        let lead = &self.shape()[..k];
        let mut strides = vec![0i32; k];
        let mut acc: i64 = 1;
        for d in (0..k).rev() {
            strides[d] = i32::try_from(acc).map_err(|_| Error::size("gatherND", "indexed dims exceed int32"))?;
            acc *= lead[d] as i64;
        }
        let dev = self.device();
        let st = creation::tensor(&dev, strides, &[k])?;
        let bounds = creation::tensor(&dev, lead.iter().map(|&n| n as i32).collect::<Vec<_>>(), &[k])?;
        let lin = indices.mul(&st)?.sum(&[-1], false)?;
        let bad = indices
            .less(0)?
            .logical_or(&indices.greater_equal(&bounds)?)?
            .any(&[-1], false)?;
        let lin = where_(&bad, &lin.mul(0)?.sub(1)?, &lin)?;
        let mut flat = vec![numel(lead)];
        flat.extend_from_slice(&self.shape()[k..]);
        let g = prim::gather(&prim::reshape(self, &flat)?, &lin, 0)?;
        Ok(g)
    }
}
