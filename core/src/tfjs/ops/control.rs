//! Control flow, run by the executor itself (`graph/`): v2 (`While`, `StatelessWhile`, `If`,
//! `StatelessIf`) as calls of the graph's library functions, which can pause for an
//! asynchronous read and resume; TF1 (`Switch`, `Merge`, `Enter`, `Exit`, `NextIteration`,
//! `LoopCond`) as dataflow over loop frames (`graph/frames.rs`). The frame ops pass their
//! input through; the executor does the routing.

use super::{identity, Ctx, Kernel};
use crate::Result;
use crate::Tensor;

/// The attributes that name a called function.
pub(crate) const FUNCTION_ATTRS: [&str; 4] = ["cond", "body", "then_branch", "else_branch"];

fn in_executor(c: &Ctx) -> Result<Vec<Tensor>> {
    Err(c.err("control flow runs in the graph executor, not as a kernel"))
}

const CALLS: [&str; 4] = ["While", "StatelessWhile", "If", "StatelessIf"];

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("While", in_executor),
    ("StatelessWhile", in_executor),
    ("If", in_executor),
    ("StatelessIf", in_executor),
    ("Switch", in_executor),
    ("Merge", in_executor),
    ("Enter", identity),
    ("Exit", identity),
    ("NextIteration", identity),
    ("LoopCond", identity),
];

/// Whether the executor runs `op` as a function call.
pub(crate) fn is_call(op: &str) -> bool {
    CALLS.contains(&op)
}
