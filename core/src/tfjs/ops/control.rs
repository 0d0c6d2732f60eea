//! v2 control flow (`While`, `StatelessWhile`, `If`, `StatelessIf`): calls of the graph's
//! library functions, run by the executor itself (`graph.rs`), which can pause a call for an
//! asynchronous read and resume it; the table entries only make them known ops.

use super::{Ctx, Kernel};
use crate::Result;
use crate::Tensor;

/// The attributes that name a called function.
pub(crate) const FUNCTION_ATTRS: [&str; 4] = ["cond", "body", "then_branch", "else_branch"];

fn in_executor(c: &Ctx) -> Result<Vec<Tensor>> {
    Err(c.err("control flow runs in the graph executor, not as a kernel"))
}

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("While", in_executor),
    ("StatelessWhile", in_executor),
    ("If", in_executor),
    ("StatelessIf", in_executor),
];

/// Whether the executor runs `op` as a function call.
pub(crate) fn is_call(op: &str) -> bool {
    OPS.iter().any(|(n, _)| *n == op)
}
