//! A planned kernel expression ([`ExprPlan`]: SSA steps over loads through views) as one CUDA
//! device function of the multi-index, `T name(in0.., unsigned i0, ..)`, that elementwise,
//! reduction and epilogue templates call (written by core's C-like writer), and CUDA's view
//! offsets (64-bit).

use std::fmt::Write;

use ferroflow_core::ir::clike;
use ferroflow_core::ir::plan::{self, Bound, ExprPlan, Validity, ViewIndex};

use super::cuda::{Buffers, Cuda};

/// The device function `name(inputs.., i0, ..)` computing the expression at one multi-index
/// (core's C-like writer in CUDA C); an epilogue's takes an extra last parameter `float acc`.
pub(crate) fn render_fn(plan: &ExprPlan, buffers: &Buffers, name: &str) -> plan::Result<String> {
    clike::expr_fn(&mut Cuda { buffers }, plan, name)
}

/// The multi-index arguments `i0, i1, ..` of a rank-`rank` expression function.
pub(crate) fn index_names(rank: usize) -> Vec<String> {
    (0..rank).map(|d| format!("i{d}")).collect()
}

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
