//! Activations and softmax.

use std::sync::Arc;

use crate::dtype::DType;
use crate::ops::elementwise::where_;
use crate::shape::normalize_axis;
use crate::tensor::Tensor;
use crate::{Error, Result};

/// The value of `x` with no gradient flowing back through it (lazy; nothing is computed).
pub fn stop_gradient(x: &Tensor) -> Result<Tensor> {
    crate::autograd::custom_grad(&[], x, Arc::new(|_| Ok(vec![])))
}

fn float(op: &str, x: &Tensor) -> Result<Tensor> {
    match x.dtype() {
        DType::Bool => Err(Error::dtype(op, "expects a numeric tensor, got bool")),
        _ => x.cast(DType::F32),
    }
}

impl Tensor {
    /// `max(x, 0)` with zero gradient at 0 (written `maximum(0, x)`: on ties the maximum's
    /// gradient goes to its first operand, here the constant).
    pub fn relu(&self) -> Result<Tensor> {
        let x = float("relu", self)?;
        x.zeros_like()?.maximum(&x)
    }
    /// `min(max(x, 0), 6)`.
    pub fn relu6(&self) -> Result<Tensor> {
        self.relu()?.minimum(6.0f32)
    }
    /// `x` if positive else `alpha * x`.
    pub fn leaky_relu(&self, alpha: f32) -> Result<Tensor> {
        let x = float("leakyRelu", self)?;
        where_(&x.greater(0.0f32)?, &x, &x.mul(alpha)?)
    }
    /// Parametric ReLU with a broadcastable `alpha` tensor.
    pub fn prelu(&self, alpha: &Tensor) -> Result<Tensor> {
        let x = float("prelu", self)?;
        where_(&x.greater(0.0f32)?, &x, &x.mul(alpha)?)
    }
    /// `x` if positive else `exp(x) - 1`.
    pub fn elu(&self) -> Result<Tensor> {
        let x = float("elu", self)?;
        where_(&x.greater(0.0f32)?, &x, &x.minimum(0.0f32)?.expm1()?)
    }
    /// Scaled ELU with the self-normalizing constants.
    pub fn selu(&self) -> Result<Tensor> {
        let (alpha, scale) = (1.673_263_2_f32, 1.050_701_f32);
        let x = float("selu", self)?;
        where_(&x.greater(0.0f32)?, &x, &x.minimum(0.0f32)?.expm1()?.mul(alpha)?)?.mul(scale)
    }
    /// `log(1 + exp(x))`, stable for large |x|.
    pub fn softplus(&self) -> Result<Tensor> {
        let x = float("softplus", self)?;
        x.relu()?.add(&x.abs()?.neg()?.exp()?.log1p()?)
    }
    /// `x / (1 + |x|)`.
    pub fn softsign(&self) -> Result<Tensor> {
        let x = float("softsign", self)?;
        x.div(&x.abs()?.add(1.0f32)?)
    }
    /// Exact GELU: `x * Phi(x)`.
    pub fn gelu(&self) -> Result<Tensor> {
        let x = float("gelu", self)?;
        x.mul(&x.mul(std::f32::consts::FRAC_1_SQRT_2)?.erf()?.add(1.0f32)?)?
            .mul(0.5f32)
    }
    /// `x * sigmoid(x)` (also called SiLU).
    pub fn swish(&self) -> Result<Tensor> {
        let x = float("swish", self)?;
        x.mul(&x.sigmoid()?)
    }
    /// `x * tanh(softplus(x))`.
    pub fn mish(&self) -> Result<Tensor> {
        let x = float("mish", self)?;
        x.mul(&x.softplus()?.tanh()?)
    }
    /// `log(sigmoid(x)) = -softplus(-x)`, stable for large |x| (TF.js `logSigmoid`).
    pub fn log_sigmoid(&self) -> Result<Tensor> {
        float("logSigmoid", self)?.neg()?.softplus()?.neg()
    }
    /// `1` where `x > 0`, else `alpha`; NaN stays NaN (TF.js `step`). The result keeps `x`'s
    /// dtype and has a zero gradient.
    pub fn step(&self, alpha: f32) -> Result<Tensor> {
        let x = float("step", self)?;
        let ones = x.ones_like()?;
        let stepped = where_(&x.greater(0.0f32)?, &ones, &ones.mul(alpha)?)?;
        let out = where_(&x.is_nan()?, &x, &stepped)?.cast(self.dtype())?;
        stop_gradient(&out)
    }
    /// Softmax along `axis` (TF.js default -1).
    pub fn softmax(&self, axis: isize) -> Result<Tensor> {
        let x = float("softmax", self)?;
        normalize_axis("softmax", axis, x.rank())?;
        let m = stop_gradient(&x.max(&[axis], true)?)?;
        let e = x.sub(&m)?.exp()?;
        e.div(&e.sum(&[axis], true)?)
    }
    /// Log-softmax along `axis`.
    pub fn log_softmax(&self, axis: isize) -> Result<Tensor> {
        let x = float("logSoftmax", self)?;
        normalize_axis("logSoftmax", axis, x.rank())?;
        x.sub(&x.log_sum_exp(&[axis], true)?)
    }
}
