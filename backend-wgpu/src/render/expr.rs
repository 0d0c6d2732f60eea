//! WGSL's view offsets: where a view's element at a multi-index lies in its buffer.

use std::fmt::Write;

use ferroflow_core::ir::plan::{self, checked_i32, Bound, Validity, ViewIndex};

use super::sizes::Sizes;

/// The source offset of a view at multi-index `i0..` as an i32 expression, and the validity test
/// (`None` when always valid).
pub(crate) fn view_offset(index: &ViewIndex, sizes: &mut Sizes) -> plan::Result<(String, Option<String>)> {
    // A zero offset and unit strides stay literal even when sizes are read at run time: they
    // are what contiguous operands have whatever their size, and with them the compiler can
    // drop the add and the multiply.
    let mut off = match index.offset {
        0 => "0i".to_string(),
        o => sizes.i(checked_i32(o)?),
    };
    for &(d, st) in &index.terms {
        match st {
            1 => {
                let _ = write!(off, " + i32(i{d})");
            }
            st => {
                let _ = write!(off, " + i32(i{d}) * {}", sizes.i(checked_i32(st)?));
            }
        }
    }
    let valid = match &index.validity {
        Validity::Always => None,
        Validity::Never => Some("false".to_string()),
        Validity::Within(bounds) => {
            let conds = bounds
                .iter()
                .map(|b| match *b {
                    Bound::AtLeast { dim, lo } => {
                        Ok(format!("i{dim} >= {}", sizes.u(checked_i32(lo as isize)? as u32)))
                    }
                    Bound::Below { dim, hi } => Ok(format!("i{dim} < {}", sizes.u(checked_i32(hi as isize)? as u32))),
                })
                .collect::<plan::Result<Vec<_>>>()?;
            Some(conds.join(" && "))
        }
    };
    Ok((off, valid))
}
