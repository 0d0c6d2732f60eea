//! Elementwise arithmetic, math, comparison and logical ops with TF.js broadcasting and dtype
//! promotion (bool < int32 < float32).

use crate::dtype::{DType, Scalar};
use crate::ir::{BinaryOp as B, UnaryOp as U};
use crate::ops::prim;
use crate::shape::broadcast_shapes;
use crate::tensor::Tensor;
use crate::{Error, Result};

/// Anything usable as the second operand of a binary op: a tensor or a number. Numbers become
/// constants on the other operand's device.
pub trait IntoOperand {
    fn into_operand(self, like: &Tensor) -> Tensor;
}
impl IntoOperand for &Tensor {
    fn into_operand(self, _: &Tensor) -> Tensor {
        self.clone()
    }
}
impl IntoOperand for Tensor {
    fn into_operand(self, _: &Tensor) -> Tensor {
        self
    }
}
macro_rules! number_operand {
    ($($t:ty => $e:expr),*) => {$(
        impl IntoOperand for $t {
            fn into_operand(self, like: &Tensor) -> Tensor {
                let f: fn($t) -> Scalar = $e;
                Tensor::scalar_on(f(self), &like.device())
            }
        }
    )*};
}
number_operand!(f32 => Scalar::F32, f64 => |v| Scalar::F32(v as f32), i32 => Scalar::I32, bool => Scalar::Bool);

/// The dtype two operands are promoted to (bool < int32 < float32, as TF.js `upcastType`).
pub fn upcast(a: DType, b: DType) -> DType {
    let rank = |d: DType| match d {
        DType::Bool => 0,
        DType::I32 => 1,
        DType::F32 => 2,
    };
    if rank(a) >= rank(b) {
        a
    } else {
        b
    }
}

/// Reshapes/expands `x` to `shape` (which it must broadcast to).
pub fn broadcast_to_shape(op: &str, x: &Tensor, shape: &[usize]) -> Result<Tensor> {
    if x.shape() == shape {
        return Ok(x.clone());
    }
    if x.rank() > shape.len() {
        return Err(Error::shape(
            op,
            format!("cannot broadcast {:?} to {shape:?}", x.shape()),
        ));
    }
    let mut s = vec![1; shape.len() - x.rank()];
    s.extend_from_slice(x.shape());
    if s.iter().zip(shape).any(|(&a, &b)| a != b && a != 1) {
        return Err(Error::shape(
            op,
            format!("cannot broadcast {:?} to {shape:?}", x.shape()),
        ));
    }
    prim::expand(&prim::reshape(x, &s)?, shape)
}

/// The elementwise sum of tensors of one shape and dtype, without broadcasting (TF.js `addN`).
pub fn add_n(tensors: &[Tensor]) -> Result<Tensor> {
    let op = "addN";
    let (first, rest) = tensors
        .split_first()
        .ok_or_else(|| Error::invalid(op, "argument 'tensors': expected at least one tensor, got none"))?;
    require_numeric(op, first)?;
    for (i, t) in rest.iter().enumerate() {
        if t.shape() != first.shape() {
            return Err(Error::shape(
                op,
                format!(
                    "argument 'tensors[{}]': expected shape {:?} (all tensors must have the same shape), got {:?}",
                    i + 1,
                    first.shape(),
                    t.shape()
                ),
            ));
        }
        if t.dtype() != first.dtype() {
            return Err(Error::dtype(
                op,
                format!(
                    "argument 'tensors[{}]': expected dtype {} (all tensors must have the same dtype), got {}",
                    i + 1,
                    first.dtype(),
                    t.dtype()
                ),
            ));
        }
    }
    rest.iter()
        .try_fold(first.clone(), |acc, t| prim::binary(&acc, t, B::Add))
}

/// Promotes and broadcasts two operands to a common dtype and shape.
pub fn align(op: &str, a: &Tensor, b: &Tensor) -> Result<(Tensor, Tensor)> {
    let d = upcast(a.dtype(), b.dtype());
    let shape = broadcast_shapes(op, a.shape(), b.shape())?;
    let a = broadcast_to_shape(op, &prim::cast(a, d)?, &shape)?;
    let b = broadcast_to_shape(op, &prim::cast(b, d)?, &shape)?;
    Ok((a, b))
}

/// `where(cond, a, b)` with broadcasting of all three.
pub fn where_(cond: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if cond.dtype() != DType::Bool {
        return Err(Error::dtype(
            "where",
            format!("condition must be bool, got {}", cond.dtype()),
        ));
    }
    let (a, b) = align("where", a, b)?;
    let shape = broadcast_shapes("where", cond.shape(), a.shape())?;
    let c = broadcast_to_shape("where", cond, &shape)?;
    let a = broadcast_to_shape("where", &a, &shape)?;
    let b = broadcast_to_shape("where", &b, &shape)?;
    prim::select(&c, &a, &b)
}

/// `x` as f32 (int32 cast; bool is an error naming `op`).
pub(crate) fn require_float(op: &str, x: &Tensor) -> Result<Tensor> {
    match x.dtype() {
        DType::F32 => Ok(x.clone()),
        DType::I32 => prim::cast(x, DType::F32),
        DType::Bool => Err(Error::dtype(op, "expects a numeric tensor, got bool")),
    }
}

fn require_numeric(op: &str, x: &Tensor) -> Result<()> {
    if x.dtype() == DType::Bool {
        return Err(Error::dtype(op, "expects a numeric tensor, got bool"));
    }
    Ok(())
}

macro_rules! float_unary {
    ($($(#[$m:meta])* $name:ident => $js:literal, $op:expr;)*) => {$(
        $(#[$m])*
        pub fn $name(&self) -> Result<Tensor> {
            prim::unary(&require_float($js, self)?, $op)
        }
    )*};
}

macro_rules! binary_ops {
    ($($(#[$m:meta])* $name:ident => $js:literal, $op:expr;)*) => {$(
        $(#[$m])*
        pub fn $name(&self, other: impl IntoOperand) -> Result<Tensor> {
            let other = other.into_operand(self);
            let (a, b) = align($js, self, &other)?;
            if a.dtype() == DType::Bool && !matches!($op, B::Eq | B::And | B::Or) {
                return Err(Error::dtype($js, "expects numeric operands, got bool"));
            }
            prim::binary(&a, &b, $op)
        }
    )*};
}

impl Tensor {
    binary_ops! {
        /// `self + other` with broadcasting.
        add => "add", B::Add;
        /// `self - other`.
        sub => "sub", B::Sub;
        /// `self * other`.
        mul => "mul", B::Mul;
        /// Elementwise maximum.
        maximum => "maximum", B::Max;
        /// Elementwise minimum.
        minimum => "minimum", B::Min;
        /// Floor modulo (result has the divisor's sign), as TF.js `mod`.
        modulo => "mod", B::Mod;
        /// `self < other` (bool).
        less => "less", B::Lt;
        /// `self <= other`.
        less_equal => "lessEqual", B::Le;
        /// `self == other`.
        equal => "equal", B::Eq;
        /// `self / other`; integer operands floor-divide (as TF.js `div` on int32).
        div => "div", B::Div;
        /// `self ^ other`.
        pow => "pow", B::Pow;
    }

    /// Floor division (float result floored; int floor division).
    pub fn floor_div(&self, other: impl IntoOperand) -> Result<Tensor> {
        let q = self.div(other)?;
        if q.dtype() == DType::F32 {
            q.floor()
        } else {
            Ok(q)
        }
    }
    /// `(self - other)^2`.
    pub fn squared_difference(&self, other: impl IntoOperand) -> Result<Tensor> {
        self.sub(other)?.square()
    }
    /// `self > other`.
    pub fn greater(&self, other: impl IntoOperand) -> Result<Tensor> {
        let other = other.into_operand(self);
        other.less(self)
    }
    /// `self >= other`.
    pub fn greater_equal(&self, other: impl IntoOperand) -> Result<Tensor> {
        let other = other.into_operand(self);
        other.less_equal(self)
    }
    /// `self != other`.
    pub fn not_equal(&self, other: impl IntoOperand) -> Result<Tensor> {
        self.equal(other)?.logical_not()
    }

    fn logical(&self, other: impl IntoOperand, op: B, name: &str) -> Result<Tensor> {
        let other = other.into_operand(self);
        if self.dtype() != DType::Bool || other.dtype() != DType::Bool {
            return Err(Error::dtype(
                name,
                format!("expects bool operands, got {} and {}", self.dtype(), other.dtype()),
            ));
        }
        let (a, b) = align(name, self, &other)?;
        prim::binary(&a, &b, op)
    }
    pub fn logical_and(&self, other: impl IntoOperand) -> Result<Tensor> {
        self.logical(other, B::And, "logicalAnd")
    }
    pub fn logical_or(&self, other: impl IntoOperand) -> Result<Tensor> {
        self.logical(other, B::Or, "logicalOr")
    }
    pub fn logical_xor(&self, other: impl IntoOperand) -> Result<Tensor> {
        let other = other.into_operand(self);
        self.logical_or(&other)?
            .logical_and(&self.logical_and(&other)?.logical_not()?)
    }
    pub fn logical_not(&self) -> Result<Tensor> {
        if self.dtype() != DType::Bool {
            return Err(Error::dtype(
                "logicalNot",
                format!("expects bool, got {}", self.dtype()),
            ));
        }
        prim::unary(self, U::Not)
    }

    /// Converts to another dtype (see [`Scalar::cast`] for the rules).
    pub fn cast(&self, to: DType) -> Result<Tensor> {
        prim::cast(self, to)
    }

    pub fn neg(&self) -> Result<Tensor> {
        require_numeric("neg", self)?;
        prim::unary(self, U::Neg)
    }
    float_unary! {
        exp => "exp", U::Exp;
        log => "log", U::Log;
        sqrt => "sqrt", U::Sqrt;
        /// `1 / x`.
        reciprocal => "reciprocal", U::Recip;
        sin => "sin", U::Sin;
        cos => "cos", U::Cos;
        tanh => "tanh", U::Tanh;
        sigmoid => "sigmoid", U::Sigmoid;
        erf => "erf", U::Erf;
    }
    /// Floor (identity on integers).
    pub fn floor(&self) -> Result<Tensor> {
        self.rounding(U::Floor, "floor")
    }
    pub fn ceil(&self) -> Result<Tensor> {
        self.rounding(U::Ceil, "ceil")
    }
    /// Round half to even.
    pub fn round(&self) -> Result<Tensor> {
        self.rounding(U::Round, "round")
    }
    fn rounding(&self, op: U, name: &str) -> Result<Tensor> {
        require_numeric(name, self)?;
        if self.dtype() == DType::I32 {
            return Ok(self.clone());
        }
        prim::unary(self, op)
    }
    pub fn abs(&self) -> Result<Tensor> {
        require_numeric("abs", self)?;
        where_(&self.less(0)?, &self.neg()?, self)
    }
    /// -1, 0 or 1 (same dtype).
    pub fn sign(&self) -> Result<Tensor> {
        require_numeric("sign", self)?;
        let pos = self.greater(0)?.cast(self.dtype())?;
        let neg = self.less(0)?.cast(self.dtype())?;
        pos.sub(&neg)
    }
    pub fn square(&self) -> Result<Tensor> {
        require_numeric("square", self)?;
        self.mul(self)
    }
    /// `1 / sqrt(x)`.
    pub fn rsqrt(&self) -> Result<Tensor> {
        self.sqrt()?.reciprocal()
    }
    /// `log(1 + x)`.
    pub fn log1p(&self) -> Result<Tensor> {
        require_float("log1p", self)?.add(1.0f32)?.log()
    }
    /// `exp(x) - 1`.
    pub fn expm1(&self) -> Result<Tensor> {
        self.exp()?.sub(1.0f32)
    }
    pub fn tan(&self) -> Result<Tensor> {
        self.sin()?.div(&self.cos()?)
    }
    pub fn sinh(&self) -> Result<Tensor> {
        let x = require_float("sinh", self)?;
        x.exp()?.sub(&x.neg()?.exp()?)?.mul(0.5f32)
    }
    pub fn cosh(&self) -> Result<Tensor> {
        let x = require_float("cosh", self)?;
        x.exp()?.add(&x.neg()?.exp()?)?.mul(0.5f32)
    }
    pub fn asinh(&self) -> Result<Tensor> {
        let x = require_float("asinh", self)?;
        x.add(&x.square()?.add(1.0f32)?.sqrt()?)?.log()
    }
    pub fn acosh(&self) -> Result<Tensor> {
        let x = require_float("acosh", self)?;
        x.add(&x.square()?.sub(1.0f32)?.sqrt()?)?.log()
    }
    pub fn atanh(&self) -> Result<Tensor> {
        let x = require_float("atanh", self)?;
        x.add(1.0f32)?.div(&x.neg()?.add(1.0f32)?)?.log()?.mul(0.5f32)
    }
    /// Clamps to `[lo, hi]` (TF.js `clipByValue`).
    pub fn clip(&self, lo: f32, hi: f32) -> Result<Tensor> {
        if lo > hi {
            return Err(Error::invalid("clipByValue", format!("min {lo} > max {hi}")));
        }
        self.maximum(lo)?.minimum(hi)
    }
    pub fn is_nan(&self) -> Result<Tensor> {
        require_numeric("isNaN", self)?;
        self.equal(self)?.logical_not()
    }
    pub fn is_inf(&self) -> Result<Tensor> {
        require_numeric("isInf", self)?;
        self.abs()?.equal(f32::INFINITY)
    }
    pub fn is_finite(&self) -> Result<Tensor> {
        require_numeric("isFinite", self)?;
        self.abs()?.less(f32::INFINITY)
    }
}
