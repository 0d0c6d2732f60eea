//! Size and bounds checks: element counts without overflow, and views that stay inside their
//! buffers.

use ferroflow_core::ir::View;
use ferroflow_core::Result;

use super::err;

/// Product of dims, or an error on overflow.
pub(crate) fn numel(what: &str, shape: &[usize]) -> Result<usize> {
    shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| err(format!("{what}: shape {shape:?} overflows usize")))
}

/// `a * b * ...`, or an error on overflow.
pub(crate) fn mul_all(what: &str, xs: &[usize]) -> Result<usize> {
    numel(what, xs)
}

/// Checks that a view is well-formed for an iteration space of `shape`.
pub(crate) fn check_view(what: &str, view: &View, shape: &[usize]) -> Result<()> {
    if view.shape != shape {
        return Err(err(format!(
            "{what}: view shape {:?} differs from iteration shape {shape:?}",
            view.shape
        )));
    }
    if view.strides.len() != shape.len() {
        return Err(err(format!(
            "{what}: {} strides for rank {}",
            view.strides.len(),
            shape.len()
        )));
    }
    if let Some(m) = &view.mask {
        if m.len() != shape.len() {
            return Err(err(format!("{what}: {} mask ranges for rank {}", m.len(), shape.len())));
        }
    }
    Ok(())
}

/// The valid index range of each dim (mask clamped to the shape); None when nothing is valid.
pub(crate) fn valid_ranges(view: &View) -> Option<Vec<(usize, usize)>> {
    let mut out = Vec::with_capacity(view.shape.len());
    for (d, &n) in view.shape.iter().enumerate() {
        let (lo, hi) = match &view.mask {
            Some(m) => m.get(d).copied().unwrap_or((0, n)),
            None => (0, n),
        };
        let hi = hi.min(n);
        if lo >= hi {
            return None;
        }
        out.push((lo, hi));
    }
    Some(out)
}

/// Smallest and largest source offset a view reads at a valid position (None when it reads
/// nothing). Errors when an offset does not fit in `isize`.
pub(crate) fn offset_range(what: &str, view: &View) -> Result<Option<(isize, isize)>> {
    let Some(ranges) = valid_ranges(view) else {
        return Ok(None);
    };
    let overflow = || err(format!("{what}: view offsets overflow"));
    let mut lo = view.offset as i128;
    let mut hi = lo;
    for (&(a, b), &s) in ranges.iter().zip(&view.strides) {
        let s = s as i128;
        let x = (a as i128).checked_mul(s).ok_or_else(overflow)?;
        let y = ((b - 1) as i128).checked_mul(s).ok_or_else(overflow)?;
        lo = lo.checked_add(x.min(y)).ok_or_else(overflow)?;
        hi = hi.checked_add(x.max(y)).ok_or_else(overflow)?;
    }
    let lo = isize::try_from(lo).map_err(|_| overflow())?;
    let hi = isize::try_from(hi).map_err(|_| overflow())?;
    Ok(Some((lo, hi)))
}

/// Checks that an offset range lies inside a buffer of `len` elements.
pub(crate) fn check_range(what: &str, range: Option<(isize, isize)>, len: usize) -> Result<()> {
    if let Some((lo, hi)) = range {
        if lo < 0 || hi < 0 || hi as usize >= len {
            return Err(err(format!(
                "{what}: view reads offsets {lo}..={hi} of a buffer of {len} elements"
            )));
        }
    }
    Ok(())
}
