//! Elementwise math and activations.

use super::{one, Ctx, Kernel};
use crate::{Result, Tensor};

fn x<'a>(c: &'a Ctx<'a>) -> Result<&'a Tensor> {
    c.x(0)
}

/// One shared body for the one-input ops: the op is called through a pointer, so each table
/// entry adds no copy of it to the wasm module.
fn unary(c: &Ctx, f: fn(&Tensor) -> Result<Tensor>) -> Result<Vec<Tensor>> {
    one(f(c.x(0)?))
}

/// `sqrt(1 - x^2)`: with `x` the sine and cosine of an angle whose atan2 is `asin`/`acos`.
fn cosine_of_asin(x: &Tensor) -> Result<Tensor> {
    x.ones_like()?.sub(&x.square()?)?.sqrt()
}

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("Abs", |c| unary(c, Tensor::abs)),
    ("Neg", |c| unary(c, Tensor::neg)),
    ("Exp", |c| unary(c, Tensor::exp)),
    ("Expm1", |c| unary(c, Tensor::expm1)),
    ("Log", |c| unary(c, Tensor::log)),
    ("Log1p", |c| unary(c, Tensor::log1p)),
    ("Sqrt", |c| unary(c, Tensor::sqrt)),
    ("Rsqrt", |c| unary(c, Tensor::rsqrt)),
    ("Square", |c| unary(c, Tensor::square)),
    ("Reciprocal", |c| unary(c, Tensor::reciprocal)),
    ("Sin", |c| unary(c, Tensor::sin)),
    ("Cos", |c| unary(c, Tensor::cos)),
    ("Tan", |c| unary(c, Tensor::tan)),
    ("Sinh", |c| unary(c, Tensor::sinh)),
    ("Cosh", |c| unary(c, Tensor::cosh)),
    ("Tanh", |c| unary(c, Tensor::tanh)),
    ("Asinh", |c| unary(c, Tensor::asinh)),
    ("Acosh", |c| unary(c, Tensor::acosh)),
    ("Atanh", |c| unary(c, Tensor::atanh)),
    ("Atan", |c| unary(c, Tensor::atan)),
    ("Asin", |c| one(x(c)?.atan2(&cosine_of_asin(x(c)?)?))),
    ("Acos", |c| one(cosine_of_asin(x(c)?)?.atan2(x(c)?))),
    ("Atan2", |c| one(x(c)?.atan2(c.x(1)?))),
    ("Erf", |c| unary(c, Tensor::erf)),
    ("Sigmoid", |c| unary(c, Tensor::sigmoid)),
    ("Softplus", |c| unary(c, Tensor::softplus)),
    ("Relu", |c| unary(c, Tensor::relu)),
    ("Relu6", |c| unary(c, Tensor::relu6)),
    ("Elu", |c| unary(c, Tensor::elu)),
    ("Selu", |c| unary(c, Tensor::selu)),
    ("LeakyRelu", |c| {
        one(x(c)?.leaky_relu(c.node.attr_float("alpha", 0.2) as f32))
    }),
    ("Prelu", |c| one(x(c)?.prelu(c.x(1)?))),
    ("Sign", |c| unary(c, Tensor::sign)),
    ("Floor", |c| unary(c, Tensor::floor)),
    ("Ceil", |c| unary(c, Tensor::ceil)),
    ("Round", |c| unary(c, Tensor::round)),
    ("IsNan", |c| unary(c, Tensor::is_nan)),
    ("IsInf", |c| unary(c, Tensor::is_inf)),
    ("IsFinite", |c| unary(c, Tensor::is_finite)),
    ("ClipByValue", |c| one(x(c)?.clip(c.scalar(1)?, c.scalar(2)?))),
];
