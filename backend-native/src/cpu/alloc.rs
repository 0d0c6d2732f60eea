//! Fallible allocation of kernel outputs and scratch, through the buffer cache (`pool.rs`).

use ferroflow_core::Result;

use super::err;
use super::pool::{self, Pooled};

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
