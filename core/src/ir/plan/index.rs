//! Index arithmetic every template spells out: where a view reads at a multi-index, and how a
//! flat index splits into a multi-index.

use super::{Rejection, Result};
use crate::ir::View;

/// How a view addresses its source at the multi-index `i0, i1, ..`: `offset` plus
/// `index[dim] * stride` for each of `terms` (the dims that move), read only where `validity`
/// holds (elsewhere the load is zero and must not touch memory: the offset may be out of range).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewIndex {
    pub offset: isize,
    /// `(dim, stride)`, outermost dim first; dims of size 1 or stride 0 are left out.
    pub terms: Vec<(usize, isize)>,
    pub validity: Validity,
}

/// Where a masked view reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Validity {
    Always,
    /// An empty mask range: every position reads zero.
    Never,
    /// Where every bound holds (not empty), in dim order.
    Within(Vec<Bound>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// `index[dim] >= lo`
    AtLeast { dim: usize, lo: usize },
    /// `index[dim] < hi`
    Below { dim: usize, hi: usize },
}

impl ViewIndex {
    /// The index terms of `view`; an error when its strides or mask do not match its rank.
    pub fn of(view: &View) -> Result<ViewIndex> {
        if view.strides.len() != view.shape.len() {
            return Err(Rejection::unsupported("view strides rank differs from its shape"));
        }
        let terms = view
            .shape
            .iter()
            .zip(&view.strides)
            .enumerate()
            .filter(|(_, (&n, &st))| n > 1 && st != 0)
            .map(|(d, (_, &st))| (d, st))
            .collect();
        Ok(ViewIndex {
            offset: view.offset,
            terms,
            validity: validity(view)?,
        })
    }
}

fn validity(view: &View) -> Result<Validity> {
    let Some(mask) = &view.mask else {
        return Ok(Validity::Always);
    };
    if mask.len() != view.shape.len() {
        return Err(Rejection::unsupported("view mask rank differs from its shape"));
    }
    if mask.iter().any(|&(lo, hi)| lo >= hi) {
        return Ok(Validity::Never);
    }
    let mut bounds = Vec::new();
    for (dim, (&(lo, hi), &n)) in mask.iter().zip(&view.shape).enumerate() {
        if lo > 0 {
            bounds.push(Bound::AtLeast { dim, lo });
        }
        if hi < n {
            bounds.push(Bound::Below { dim, hi });
        }
    }
    Ok(if bounds.is_empty() {
        Validity::Always
    } else {
        Validity::Within(bounds)
    })
}

/// How one dim's index is taken from what remains of a row-major flat index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Digit {
    /// The dim has one position, or the space is empty (the code using it never runs): 0.
    Zero,
    /// Every outer dim has one position: all that remains.
    Rest,
    /// `remaining % n`, and the remainder goes on as `remaining / n`.
    DivMod(usize),
}

/// The digits of a flat index over `shape` as `(dim, digit)`, in the order to compute them:
/// innermost dim first (an empty space: every dim `Zero`, outermost first).
pub fn flat_digits(shape: &[usize]) -> Vec<(usize, Digit)> {
    if shape.contains(&0) {
        return (0..shape.len()).map(|d| (d, Digit::Zero)).collect();
    }
    (0..shape.len())
        .rev()
        .map(|d| {
            let digit = if shape[d] == 1 {
                Digit::Zero
            } else if shape[..d].iter().all(|&n| n == 1) {
                Digit::Rest
            } else {
                Digit::DivMod(shape[d])
            };
            (d, digit)
        })
        .collect()
}
