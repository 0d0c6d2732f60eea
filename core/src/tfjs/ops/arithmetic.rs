//! Binary arithmetic with broadcasting (TF.js maps `Div` and `RealDiv` to `div`, `Mod` and
//! `FloorMod` to `mod`; `BiasAdd` is a broadcasting add whatever its `data_format`).

use super::{one, Ctx, Kernel};
use crate::ops::add_n;
use crate::{Result, Tensor};

fn pair<'a>(c: &'a Ctx) -> Result<(&'a Tensor, &'a Tensor)> {
    Ok((c.x(0)?, c.x(1)?))
}

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("Add", |c| pair(c).and_then(|(a, b)| one(a.add(b)))),
    ("AddV2", |c| pair(c).and_then(|(a, b)| one(a.add(b)))),
    ("BiasAdd", |c| pair(c).and_then(|(a, b)| one(a.add(b)))),
    ("AddN", |c| one(add_n(&c.inputs))),
    ("Sub", |c| pair(c).and_then(|(a, b)| one(a.sub(b)))),
    ("Mul", |c| pair(c).and_then(|(a, b)| one(a.mul(b)))),
    ("Div", |c| pair(c).and_then(|(a, b)| one(a.div(b)))),
    ("RealDiv", |c| pair(c).and_then(|(a, b)| one(a.div(b)))),
    // TF.js returns int32 whatever the inputs, as its floorDiv does.
    ("FloorDiv", |c| {
        pair(c).and_then(|(a, b)| one(a.floor_div(b)?.cast(crate::DType::I32)))
    }),
    ("Mod", |c| pair(c).and_then(|(a, b)| one(a.modulo(b)))),
    ("FloorMod", |c| pair(c).and_then(|(a, b)| one(a.modulo(b)))),
    ("Maximum", |c| pair(c).and_then(|(a, b)| one(a.maximum(b)))),
    ("Minimum", |c| pair(c).and_then(|(a, b)| one(a.minimum(b)))),
    ("Pow", |c| pair(c).and_then(|(a, b)| one(a.pow(b)))),
    ("SquaredDifference", |c| {
        pair(c).and_then(|(a, b)| one(a.squared_difference(b)))
    }),
];
