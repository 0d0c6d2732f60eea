//! Shapes: element counts, broadcasting and axis normalization, all returning typed errors.

use crate::{Error, Result};

/// A tensor shape (row-major). Zero-sized dims are allowed.
pub type Shape = Vec<usize>;

/// Number of elements; errors on overflow so hostile shapes cannot wrap around. The product of
/// the nonzero dims must also fit in `isize`, so strides of any view of the shape (zero-element
/// shapes included) are representable.
pub fn numel_checked(op: &str, shape: &[usize]) -> Result<usize> {
    let too_big = || Error::size(op, format!("shape {shape:?} is too large to index"));
    let span = shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d.max(1)).ok_or_else(too_big))?;
    if span > isize::MAX as usize {
        return Err(too_big());
    }
    Ok(shape.iter().product())
}

/// Number of elements of a shape already validated at construction.
pub fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// Row-major strides of a contiguous shape.
pub fn contiguous_strides(shape: &[usize]) -> Vec<isize> {
    let mut strides = vec![0isize; shape.len()];
    let mut acc = 1isize;
    for i in (0..shape.len()).rev() {
        strides[i] = acc;
        acc = acc.saturating_mul(shape[i].max(1) as isize);
    }
    strides
}

/// NumPy/TF broadcasting of two shapes.
pub fn broadcast_shapes(op: &str, a: &[usize], b: &[usize]) -> Result<Shape> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let da = if i + a.len() >= n { a[i + a.len() - n] } else { 1 };
        let db = if i + b.len() >= n { b[i + b.len() - n] } else { 1 };
        out[i] = if da == db || db == 1 {
            da
        } else if da == 1 {
            db
        } else {
            return Err(Error::shape(
                op,
                format!("shapes {a:?} and {b:?} are not broadcastable (dim {i}: {da} vs {db})"),
            ));
        };
    }
    Ok(out)
}

/// Resolves a possibly negative axis against `rank`.
pub fn normalize_axis(op: &str, axis: isize, rank: usize) -> Result<usize> {
    let r = rank as isize;
    let a = if axis < 0 { axis + r } else { axis };
    if a < 0 || a >= r.max(0) {
        return Err(Error::axis(op, format!("axis {axis} is out of range for rank {rank}")));
    }
    Ok(a as usize)
}

/// Resolves a list of axes (empty = all axes), rejecting duplicates; result is sorted.
pub fn normalize_axes(op: &str, axes: &[isize], rank: usize) -> Result<Vec<usize>> {
    if axes.is_empty() {
        return Ok((0..rank).collect());
    }
    let mut out = Vec::with_capacity(axes.len());
    for &a in axes {
        let n = normalize_axis(op, a, rank)?;
        if out.contains(&n) {
            return Err(Error::axis(op, format!("axis {a} is repeated in {axes:?}")));
        }
        out.push(n);
    }
    out.sort_unstable();
    Ok(out)
}
