//! TF.js's call forms of core ops: what an absent, empty or special argument means in TF.js
//! (`sum(x, [])` reduces nothing, a `-1` split size takes the rest, a rank-3 `conv2d` input is
//! one image, ...). The op table's entries call these where a TF.js argument needs
//! interpreting, so every front end (the JS package today) gets the same meaning.

use crate::dtype::DType;
use crate::ops::{Conv2dOptions, Padding};
use crate::shape::normalize_axis;
use crate::tensor::Tensor;
use crate::{Error, Result};

/// A reduction with TF.js's `axis`: absent reduces every axis, an empty list none (the result
/// then only takes the reduction's dtype).
pub fn reduce(
    op: &str,
    x: &Tensor,
    axis: Option<Vec<isize>>,
    keep_dims: bool,
    f: fn(&Tensor, &[isize], bool) -> Result<Tensor>,
) -> Result<Tensor> {
    match axis {
        Some(a) if a.is_empty() => match op {
            "sum" | "prod" if x.dtype() == DType::Bool => x.cast(DType::I32),
            "mean" | "logSumExp" => x.cast(DType::F32),
            "any" | "all" => x.cast(DType::Bool),
            _ => Ok(x.clone()),
        },
        a => f(x, &a.unwrap_or_default(), keep_dims),
    }
}

/// The order of a vector norm: `None` is TF.js's `'euclidean'` / `'fro'` (and 2).
pub fn norm(x: &Tensor, ord: Option<f64>, axis: Option<Vec<isize>>, keep_dims: bool) -> Result<Tensor> {
    let op = "norm";
    let x = x.cast(DType::F32)?;
    let axes = axis.unwrap_or_default();
    let p = match ord {
        Some(p) if p != 2.0 => p,
        _ => return x.norm(&axes, keep_dims),
    };
    if axes.len() == 2 {
        return Err(Error::invalid(
            op,
            format!("argument 'ord': expected 'euclidean' or 'fro' for a matrix norm, got the number {p}"),
        ));
    }
    let a = x.abs()?;
    if p == f64::INFINITY {
        a.max(&axes, keep_dims)
    } else if p == f64::NEG_INFINITY {
        a.min(&axes, keep_dims)
    } else if p == 1.0 {
        a.sum(&axes, keep_dims)
    } else if p > 0.0 && p.is_finite() {
        a.pow(p as f32)?.sum(&axes, keep_dims)?.pow((1.0 / p) as f32)
    } else {
        Err(Error::invalid(
            op,
            format!("argument 'ord': expected 'euclidean', 'fro', Infinity, -Infinity or a positive number, got the number {p}"),
        ))
    }
}

/// `transpose(x, perm?)`: without `perm` the dims reverse; `perm` must permute the dims.
pub fn transpose(x: &Tensor, perm: Option<Vec<usize>>) -> Result<Tensor> {
    let op = "transpose";
    let Some(p) = perm else { return x.transpose(&[]) };
    if p.len() != x.rank() {
        return Err(Error::shape(
            op,
            format!(
                "argument 'perm': expected {} entries (the rank of x), got {p:?}",
                x.rank()
            ),
        ));
    }
    let mut seen = vec![false; p.len()];
    for &d in &p {
        match seen.get_mut(d) {
            Some(s) if !*s => *s = true,
            _ => {
                return Err(Error::axis(
                    op,
                    format!("argument 'perm': expected a permutation of 0..{}, got {p:?}", x.rank()),
                ))
            }
        }
    }
    if x.rank() == 0 {
        return Ok(x.clone());
    }
    x.transpose(&p)
}

/// `squeeze` / `reverse` with TF.js's `axis`: absent means every axis, an empty list none.
pub fn over_axes(
    x: &Tensor,
    axis: Option<Vec<isize>>,
    f: impl FnOnce(&Tensor, &[isize]) -> Result<Tensor>,
) -> Result<Tensor> {
    match axis {
        Some(a) if a.is_empty() => Ok(x.clone()),
        a => f(x, &a.unwrap_or_default()),
    }
}

/// `slice(x, begin, size?)`: `begin` and `size` may be shorter than the rank (the rest start at
/// 0 and run to the end); a size of -1 runs to the end.
pub fn slice(x: &Tensor, begin: &[i64], size: Option<Vec<i64>>) -> Result<Tensor> {
    let op = "slice";
    let r = x.rank();
    let s = size.unwrap_or_default();
    if begin.len() > r || s.len() > r {
        return Err(Error::shape(
            op,
            format!("argument 'begin'/'size': expected at most {r} entries (the rank of x), got {begin:?} / {s:?}"),
        ));
    }
    let mut begin_u = vec![0usize; r];
    for (i, &v) in begin.iter().enumerate() {
        begin_u[i] = usize::try_from(v).map_err(|_| {
            Error::index(
                op,
                format!("argument 'begin[{i}]': expected a non-negative index, got {v}"),
            )
        })?;
    }
    let mut size_i = vec![-1isize; r];
    for (i, &v) in s.iter().enumerate() {
        size_i[i] = isize::try_from(v)
            .map_err(|_| Error::index(op, format!("argument 'size[{i}]': expected a size, got {v}")))?;
    }
    x.slice(&begin_u, &size_i)
}

/// `stridedSlice` with TF.js's masks; ellipsis and new-axis masks are not supported yet.
#[allow(clippy::too_many_arguments)]
pub fn strided_slice(
    x: &Tensor,
    begin: &[i64],
    end: &[i64],
    strides: Option<Vec<i64>>,
    begin_mask: u32,
    end_mask: u32,
    ellipsis_mask: u32,
    new_axis_mask: u32,
    shrink_axis_mask: u32,
) -> Result<Tensor> {
    let op = "stridedSlice";
    let to_isize = |arg: &str, v: &[i64]| -> Result<Vec<isize>> {
        v.iter()
            .map(|&d| {
                isize::try_from(d).map_err(|_| Error::index(op, format!("argument '{arg}': index {d} is too large")))
            })
            .collect()
    };
    let b = to_isize("begin", begin)?;
    let e = to_isize("end", end)?;
    let s = match strides {
        None => vec![1; b.len()],
        Some(s) => to_isize("strides", &s)?,
    };
    for (arg, m) in [("ellipsisMask", ellipsis_mask), ("newAxisMask", new_axis_mask)] {
        if m != 0 {
            return Err(Error::invalid(
                op,
                format!("argument '{arg}': only 0 is supported yet, got the number {m}"),
            ));
        }
    }
    x.strided_slice(&b, &e, &s, begin_mask, end_mask, shrink_axis_mask)
}

/// `numOrSizeSplits` of TF.js `split`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Splits {
    /// That many equal parts.
    Count(usize),
    /// These sizes; at most one may be -1 (the rest of the axis).
    Sizes(Vec<i64>),
}

/// `split(x, numOrSizeSplits, axis = 0)`.
pub fn split(x: &Tensor, splits: Splits, axis: isize) -> Result<Vec<Tensor>> {
    let op = "split";
    let sizes = match splits {
        Splits::Count(n) => return x.split_n(n, axis),
        Splits::Sizes(s) => s,
    };
    let dim = normalize_axis(op, axis, x.rank()).map(|d| x.shape()[d])?;
    let unknown = sizes.iter().filter(|&&s| s == -1).count();
    if unknown > 1 || sizes.iter().any(|&s| s < -1) {
        return Err(Error::invalid(
            op,
            format!("argument 'numOrSizeSplits': expected non-negative sizes with at most one -1, got {sizes:?}"),
        ));
    }
    let known: i64 = sizes.iter().filter(|&&s| s >= 0).sum();
    let rest = dim as i64 - known;
    if unknown == 1 && rest < 0 {
        return Err(Error::shape(
            op,
            format!("argument 'numOrSizeSplits': sizes {sizes:?} exceed {dim} on axis {axis}"),
        ));
    }
    let sizes: Vec<usize> = sizes
        .iter()
        .map(|&s| if s == -1 { rest as usize } else { s as usize })
        .collect();
    x.split(&sizes, axis)
}

/// `unstack(x, axis = 0)`: an empty axis gives no tensors.
pub fn unstack(x: &Tensor, axis: isize) -> Result<Vec<Tensor>> {
    let d = normalize_axis("unstack", axis, x.rank())?;
    if x.shape()[d] == 0 {
        return Ok(vec![]);
    }
    x.unstack(axis)
}

/// Runs a 4-D (NHWC) op on a rank-3 input by adding and removing the batch dim, as TF.js does.
pub fn batched(x: &Tensor, f: &dyn Fn(&Tensor) -> Result<Tensor>) -> Result<Tensor> {
    if x.rank() == 3 {
        return f(&x.expand_dims(0)?)?.squeeze(&[0]);
    }
    f(x)
}

/// `conv2d(x, filter, strides, pad, 'NHWC', dilations)`.
pub fn conv2d(
    x: &Tensor,
    filter: &Tensor,
    strides: [usize; 2],
    padding: Padding,
    dilations: [usize; 2],
) -> Result<Tensor> {
    let opts = Conv2dOptions {
        strides,
        padding,
        dilations,
        groups: 1,
    };
    batched(x, &|x| x.conv2d(filter, opts))
}

/// `conv2dTranspose(x, filter, outputShape, strides, pad)`; a rank-3 `x` takes a rank-3 shape.
pub fn conv2d_transpose(
    x: &Tensor,
    filter: &Tensor,
    output_shape: &[usize],
    strides: [usize; 2],
    padding: Padding,
) -> Result<Tensor> {
    let mut out = output_shape.to_vec();
    if x.rank() == 3 && out.len() == 3 {
        out.insert(0, 1);
    }
    let out: [usize; 4] = out.try_into().map_err(|o: Vec<usize>| {
        Error::shape(
            "conv2dTranspose",
            format!("argument 'outputShape': expected [batch, height, width, channels], got {o:?}"),
        )
    })?;
    batched(x, &|x| x.conv2d_transpose(filter, out, strides, padding))
}

/// TF.js's `Reduction` of a loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduction {
    Mean,
    Sum,
    SumByNonzeroWeights,
}

/// Applies `reduction` to a core loss (always the mean over `count` per-element losses): SUM
/// multiplies back by the count (weights are not supported yet, so the two means agree).
pub fn reduce_loss(mean: Tensor, count: usize, reduction: Reduction) -> Result<Tensor> {
    match reduction {
        Reduction::Mean | Reduction::SumByNonzeroWeights => Ok(mean),
        Reduction::Sum => mean.mul(count as f32),
    }
}

/// The number of per-element losses of a loss over `predictions` reduced along `axis`.
pub fn loss_count(predictions: &Tensor, axis: Option<isize>) -> Result<usize> {
    match axis {
        None => Ok(predictions.numel()),
        Some(a) => {
            let d = normalize_axis("loss", a, predictions.rank())?;
            Ok(predictions.numel() / predictions.shape()[d].max(1))
        }
    }
}

/// Sigmoid cross-entropy with TF.js's label smoothing: labels move towards 0.5 by half of it.
pub fn sigmoid_cross_entropy(labels: &Tensor, logits: &Tensor, label_smoothing: f32) -> Result<Tensor> {
    let labels = if label_smoothing > 0.0 {
        labels
            .cast(DType::F32)?
            .mul(1.0 - label_smoothing)?
            .add(0.5 * label_smoothing)?
    } else {
        labels.clone()
    };
    crate::ops::losses::sigmoid_cross_entropy(&labels, logits)
}
