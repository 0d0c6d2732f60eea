//! CUDA's view offsets (64-bit): where a view's element at a multi-index lies in its buffer.

use std::fmt::Write;

use ferroflow_core::ir::plan::{Bound, Validity, ViewIndex};

/// The source offset of a view at multi-index `i0..` as a `long long` expression (64-bit: the
/// terms of a valid position may pass 2^31 on the way to an in-range sum), and the validity test
/// (`None` when always valid).
pub(crate) fn view_offset(index: &ViewIndex) -> (String, Option<String>) {
    let mut off = format!("{}LL", index.offset);
    for &(d, st) in &index.terms {
        let _ = write!(off, " + (long long)i{d} * {st}LL");
    }
    let valid = match &index.validity {
        Validity::Always => None,
        Validity::Never => Some("false".to_string()),
        Validity::Within(bounds) => Some(
            bounds
                .iter()
                .map(|b| match *b {
                    Bound::AtLeast { dim, lo } => format!("i{dim} >= {lo}u"),
                    Bound::Below { dim, hi } => format!("i{dim} < {hi}u"),
                })
                .collect::<Vec<_>>()
                .join(" && "),
        ),
    };
    (off, valid)
}
