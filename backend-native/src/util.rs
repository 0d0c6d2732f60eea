//! Small shared helpers: errors, element types, allocation, view bounds.

use ferroflow_core::ir::View;
use ferroflow_core::{DType, Error, HostData, Result, Scalar};

use crate::eval::{Dst, Opnd};
use crate::pool::{self, Pooled};

/// A backend error naming this backend.
pub(crate) fn err(msg: impl Into<String>) -> Error {
    Error::backend("cpu", msg)
}

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

/// A vector of `n` copies of `v`, failing (instead of aborting) when it cannot be allocated.
/// Reuses a cached allocation when one fits.
pub(crate) fn alloc<T: Clone + Pooled>(n: usize, v: T) -> Result<Vec<T>> {
    let mut out = alloc_empty::<T>(n)?;
    out.resize(n, v);
    Ok(out)
}

/// `n` elements with unspecified (but initialized) contents, for outputs that are overwritten
/// entirely: a cached buffer as is, or fresh zeroed pages.
pub(crate) fn alloc_dirty<T: Pooled + Copy + Default>(n: usize) -> Result<Vec<T>> {
    match pool::take_dirty::<T>(n) {
        Some(v) => Ok(v),
        None => alloc(n, T::default()),
    }
}

/// An empty vector with capacity for `n` elements (cached when possible).
pub(crate) fn alloc_empty<T: Pooled>(n: usize) -> Result<Vec<T>> {
    if let Some(v) = pool::take::<T>(n) {
        return Ok(v);
    }
    let bytes = n
        .checked_mul(std::mem::size_of::<T>().max(1))
        .filter(|&b| b <= isize::MAX as usize);
    if bytes.is_none() {
        return Err(err(format!("cannot allocate {n} elements")));
    }
    let mut out: Vec<T> = Vec::new();
    out.try_reserve_exact(n)
        .map_err(|e| err(format!("cannot allocate {n} elements: {e}")))?;
    Ok(out)
}

/// Element types a kernel computes with.
pub(crate) trait Elem: Copy + Default + PartialEq + Send + Sync + std::fmt::Debug + Pooled + 'static {
    fn reg(r: Opnd<'_>) -> Option<&[Self]>;
    /// A slice of outputs as an operation's destination.
    fn dst(s: &mut [Self]) -> Dst<'_>;
    fn into_host(v: Vec<Self>) -> HostData;
    /// The scalar after casting it to this type.
    fn from_scalar(s: Scalar) -> Self;
}

impl Elem for f32 {
    fn reg(r: Opnd<'_>) -> Option<&[f32]> {
        match r {
            Opnd::F32(v) => Some(v),
            _ => None,
        }
    }
    fn dst(s: &mut [f32]) -> Dst<'_> {
        Dst::F32(s)
    }
    fn into_host(v: Vec<f32>) -> HostData {
        HostData::F32(v)
    }
    fn from_scalar(s: Scalar) -> f32 {
        match s.cast(DType::F32) {
            Scalar::F32(v) => v,
            _ => 0.0,
        }
    }
}

impl Elem for i32 {
    fn reg(r: Opnd<'_>) -> Option<&[i32]> {
        match r {
            Opnd::I32(v) => Some(v),
            _ => None,
        }
    }
    fn dst(s: &mut [i32]) -> Dst<'_> {
        Dst::I32(s)
    }
    fn into_host(v: Vec<i32>) -> HostData {
        HostData::I32(v)
    }
    fn from_scalar(s: Scalar) -> i32 {
        match s.cast(DType::I32) {
            Scalar::I32(v) => v,
            _ => 0,
        }
    }
}

impl Elem for bool {
    fn reg(r: Opnd<'_>) -> Option<&[bool]> {
        match r {
            Opnd::Bool(v) => Some(v),
            _ => None,
        }
    }
    fn dst(s: &mut [bool]) -> Dst<'_> {
        Dst::Bool(s)
    }
    fn into_host(v: Vec<bool>) -> HostData {
        HostData::Bool(v)
    }
    fn from_scalar(s: Scalar) -> bool {
        match s.cast(DType::Bool) {
            Scalar::Bool(v) => v,
            _ => false,
        }
    }
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
