//! Graph plumbing: placeholders, constants, identities.

use super::{one, Ctx, Kernel};
use crate::Result;

fn placeholder(c: &Ctx) -> Result<Vec<crate::Tensor>> {
    Err(c.err("this input was not given"))
}

fn constant(c: &Ctx) -> Result<Vec<crate::Tensor>> {
    Err(c.err("a constant without a value"))
}

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("Placeholder", placeholder),
    ("Const", constant),
    ("PlaceholderWithDefault", |c| one(Ok(c.x(0)?.clone()))),
    ("Identity", |c| one(Ok(c.x(0)?.clone()))),
    ("Snapshot", |c| one(Ok(c.x(0)?.clone()))),
    ("StopGradient", |c| one(Ok(c.x(0)?.clone()))),
    ("IdentityN", |c| Ok(c.inputs.clone())),
    ("NoOp", |_| Ok(vec![])),
];
