//! Elementwise math and activations.

use super::{one, Ctx, Kernel};
use crate::{Result, Tensor};

fn x<'a>(c: &'a Ctx<'a>) -> Result<&'a Tensor> {
    c.x(0)
}

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("Abs", |c| one(x(c)?.abs())),
    ("Neg", |c| one(x(c)?.neg())),
    ("Exp", |c| one(x(c)?.exp())),
    ("Expm1", |c| one(x(c)?.expm1())),
    ("Log", |c| one(x(c)?.log())),
    ("Log1p", |c| one(x(c)?.log1p())),
    ("Sqrt", |c| one(x(c)?.sqrt())),
    ("Rsqrt", |c| one(x(c)?.rsqrt())),
    ("Square", |c| one(x(c)?.square())),
    ("Reciprocal", |c| one(x(c)?.reciprocal())),
    ("Sin", |c| one(x(c)?.sin())),
    ("Cos", |c| one(x(c)?.cos())),
    ("Tan", |c| one(x(c)?.tan())),
    ("Sinh", |c| one(x(c)?.sinh())),
    ("Cosh", |c| one(x(c)?.cosh())),
    ("Tanh", |c| one(x(c)?.tanh())),
    ("Asinh", |c| one(x(c)?.asinh())),
    ("Acosh", |c| one(x(c)?.acosh())),
    ("Atanh", |c| one(x(c)?.atanh())),
    ("Atan", |c| one(x(c)?.atan())),
    ("Atan2", |c| one(x(c)?.atan2(c.x(1)?))),
    ("Erf", |c| one(x(c)?.erf())),
    ("Sigmoid", |c| one(x(c)?.sigmoid())),
    ("Softplus", |c| one(x(c)?.softplus())),
    ("Relu", |c| one(x(c)?.relu())),
    ("Relu6", |c| one(x(c)?.relu6())),
    ("Elu", |c| one(x(c)?.elu())),
    ("Selu", |c| one(x(c)?.selu())),
    ("LeakyRelu", |c| {
        one(x(c)?.leaky_relu(c.node.attr_float("alpha", 0.2) as f32))
    }),
    ("Prelu", |c| one(x(c)?.prelu(c.x(1)?))),
    ("Sign", |c| one(x(c)?.sign())),
    ("Floor", |c| one(x(c)?.floor())),
    ("Ceil", |c| one(x(c)?.ceil())),
    ("Round", |c| one(x(c)?.round())),
    ("IsNan", |c| one(x(c)?.is_nan())),
    ("IsInf", |c| one(x(c)?.is_inf())),
    ("IsFinite", |c| one(x(c)?.is_finite())),
    ("ClipByValue", |c| one(x(c)?.clip(c.scalar(1)?, c.scalar(2)?))),
];
