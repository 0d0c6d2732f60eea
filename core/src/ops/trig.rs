//! Inverse trigonometric functions composed from primitives (no backend has to implement them):
//! `atan` is Cephes' single-precision range reduction and polynomial (within a few ulp of
//! libm), `atan2` adds the quadrant. Their gradients are the exact derivatives, attached as
//! custom gradients, not the derivative of the polynomial.

use crate::ops::elementwise::{align, require_float, where_};
use crate::tensor::Tensor;
use crate::Result;

/// `atan(t)` for `t >= 0` (NaN stays NaN, +inf gives pi/2).
fn atan_nonnegative(t: &Tensor) -> Result<Tensor> {
    use std::f32::consts::{FRAC_PI_2, FRAC_PI_4};
    // tan(3pi/8) and tan(pi/8): the reduction's thresholds.
    let big = t.greater(2.414_213_6_f32)?;
    let mid = t.greater(0.414_213_57_f32)?;
    let zero = t.zeros_like()?;
    let base = where_(
        &big,
        &zero.add(FRAC_PI_2)?,
        &where_(&mid, &zero.add(FRAC_PI_4)?, &zero)?,
    )?;
    let reduced = where_(
        &big,
        &t.reciprocal()?.neg()?,
        &where_(&mid, &t.sub(1.0f32)?.div(&t.add(1.0f32)?)?, t)?,
    )?;
    let w = reduced.square()?;
    let poly = w
        .mul(8.053_744_5e-2_f32)?
        .sub(1.387_768_6e-1_f32)?
        .mul(&w)?
        .add(1.997_771_1e-1_f32)?
        .mul(&w)?
        .sub(3.333_295e-1_f32)?
        .mul(&w)?
        .mul(&reduced)?
        .add(&reduced)?;
    base.add(&poly)
}

/// True where `x` is negative, -0 included (its reciprocal is -inf).
fn sign_bit(x: &Tensor) -> Result<Tensor> {
    x.less(0.0f32)?.logical_or(&x.reciprocal()?.less(0.0f32)?)
}

impl Tensor {
    /// Elementwise arc tangent, in (-pi/2, pi/2) (TF.js `atan`); int32 inputs are cast to float32.
    pub fn atan(&self) -> Result<Tensor> {
        let x = require_float("atan", self)?;
        let t = atan_nonnegative(&x.abs()?)?;
        let out = where_(&sign_bit(&x)?, &t.neg()?, &t)?;
        crate::autograd::custom_grad_fn(std::slice::from_ref(&x), &out, {
            let x = x.clone();
            move |g| Ok(vec![g.div(&x.square()?.add(1.0f32)?)?])
        })
    }

    /// The angle of the point `(other, self)`, in [-pi, pi], with broadcasting (TF.js
    /// `atan2(a, b)`: `a` is the y coordinate). Signed zeros pick the quadrant as in libm.
    pub fn atan2(&self, other: &Tensor) -> Result<Tensor> {
        use std::f32::consts::PI;
        let (y, x) = align("atan2", &require_float("atan2", self)?, &require_float("atan2", other)?)?;
        let y_neg = sign_bit(&y)?;
        // atan(|y| / |x|) in [0, pi/2]; 0/0 is 0 and inf/inf is pi/4, as libm.
        let (ay, ax) = (y.abs()?, x.abs()?);
        let both_inf = ay.is_inf()?.logical_and(&ax.is_inf()?)?;
        let both_zero = ay.equal(0.0f32)?.logical_and(&ax.equal(0.0f32)?)?;
        let ratio = where_(
            &both_zero,
            &ay.zeros_like()?,
            &where_(&both_inf, &ay.ones_like()?, &ay.div(&ax)?)?,
        )?;
        let first = atan_nonnegative(&ratio)?;
        // Left half plane (x < 0, or x = -0): pi - angle.
        let angle = where_(&sign_bit(&x)?, &first.neg()?.add(PI)?, &first)?;
        let out = where_(&y_neg, &angle.neg()?, &angle)?;
        crate::autograd::custom_grad_fn(&[y.clone(), x.clone()], &out, {
            move |g| {
                let r2 = y.square()?.add(&x.square()?)?;
                Ok(vec![g.mul(&x)?.div(&r2)?, g.mul(&y)?.neg()?.div(&r2)?])
            }
        })
    }
}
