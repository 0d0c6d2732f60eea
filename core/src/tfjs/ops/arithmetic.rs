//! Binary arithmetic with broadcasting (TF.js maps `Div` and `RealDiv` to `div`, `Mod` and
//! `FloorMod` to `mod`; `BiasAdd` is a broadcasting add whatever its `data_format`).

use super::{binary, one, Kernel};
use crate::ops::add_n;

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("Add", |c| binary(c, |a, b| a.add(b))),
    ("AddV2", |c| binary(c, |a, b| a.add(b))),
    ("BiasAdd", |c| binary(c, |a, b| a.add(b))),
    ("AddN", |c| one(add_n(&c.inputs))),
    ("Sub", |c| binary(c, |a, b| a.sub(b))),
    ("Mul", |c| binary(c, |a, b| a.mul(b))),
    ("Div", |c| binary(c, |a, b| a.div(b))),
    ("RealDiv", |c| binary(c, |a, b| a.div(b))),
    // 0 where the divisor is 0, as TF.js's divNoNan.
    ("DivNoNan", |c| {
        binary(c, |a, b| {
            crate::ops::where_(&b.equal(0.0f32)?, &a.zeros_like()?, &a.div(b)?)
        })
    }),
    // TF.js returns int32 whatever the inputs, as its floorDiv does.
    ("FloorDiv", |c| {
        binary(c, |a, b| a.floor_div(b)?.cast(crate::DType::I32))
    }),
    ("Mod", |c| binary(c, |a, b| a.modulo(b))),
    ("FloorMod", |c| binary(c, |a, b| a.modulo(b))),
    ("Maximum", |c| binary(c, |a, b| a.maximum(b))),
    ("Minimum", |c| binary(c, |a, b| a.minimum(b))),
    ("Pow", |c| binary(c, |a, b| a.pow(b))),
    ("SquaredDifference", |c| binary(c, |a, b| a.squared_difference(b))),
];
