//! Comparisons (bool results), logical connectives and selection.

use super::{binary, one, Kernel};
use crate::ops::where_;

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("Equal", |c| binary(c, |a, b| a.equal(b))),
    ("NotEqual", |c| binary(c, |a, b| a.not_equal(b))),
    ("Less", |c| binary(c, |a, b| a.less(b))),
    ("LessEqual", |c| binary(c, |a, b| a.less_equal(b))),
    ("Greater", |c| binary(c, |a, b| a.greater(b))),
    ("GreaterEqual", |c| binary(c, |a, b| a.greater_equal(b))),
    ("LogicalAnd", |c| binary(c, |a, b| a.logical_and(b))),
    ("LogicalOr", |c| binary(c, |a, b| a.logical_or(b))),
    ("LogicalNot", |c| one(c.x(0)?.logical_not())),
    ("Select", |c| one(where_(c.x(0)?, c.x(1)?, c.x(2)?))),
    ("SelectV2", |c| one(where_(c.x(0)?, c.x(1)?, c.x(2)?))),
];
