//! The losses a model compiles with, by their TF.js (Keras) names, with TF.js's formulas: each
//! reduces the last axis to a per-example value; the model averages those over the batch. Inputs
//! are probabilities where Keras expects them (`categoricalCrossentropy` after a softmax), clipped
//! to `[epsilon, 1 - epsilon]` with TF.js's epsilon 1e-7. (`ops::losses` holds TF.js's op-level
//! `tf.losses.*`, which take logits or weights and reduce as asked.)

use crate::{DType, Error, Result, Tensor};

const EPSILON: f32 = 1e-7;

/// A built-in loss (TF.js `tf.losses` names of the Keras losses, and their aliases).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LossKind {
    MeanSquaredError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    SquaredHinge,
    Hinge,
    CategoricalHinge,
    Logcosh,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    BinaryCrossentropy,
    KullbackLeiblerDivergence,
    Poisson,
    CosineProximity,
}

/// Every name a loss is known by, with its kind.
pub const LOSSES: [(&str, LossKind); 24] = [
    ("meanSquaredError", LossKind::MeanSquaredError),
    ("mse", LossKind::MeanSquaredError),
    ("MSE", LossKind::MeanSquaredError),
    ("meanAbsoluteError", LossKind::MeanAbsoluteError),
    ("mae", LossKind::MeanAbsoluteError),
    ("MAE", LossKind::MeanAbsoluteError),
    ("meanAbsolutePercentageError", LossKind::MeanAbsolutePercentageError),
    ("mape", LossKind::MeanAbsolutePercentageError),
    ("MAPE", LossKind::MeanAbsolutePercentageError),
    ("meanSquaredLogarithmicError", LossKind::MeanSquaredLogarithmicError),
    ("msle", LossKind::MeanSquaredLogarithmicError),
    ("MSLE", LossKind::MeanSquaredLogarithmicError),
    ("squaredHinge", LossKind::SquaredHinge),
    ("hinge", LossKind::Hinge),
    ("categoricalHinge", LossKind::CategoricalHinge),
    ("logcosh", LossKind::Logcosh),
    ("categoricalCrossentropy", LossKind::CategoricalCrossentropy),
    ("sparseCategoricalCrossentropy", LossKind::SparseCategoricalCrossentropy),
    ("binaryCrossentropy", LossKind::BinaryCrossentropy),
    ("kullbackLeiblerDivergence", LossKind::KullbackLeiblerDivergence),
    ("kld", LossKind::KullbackLeiblerDivergence),
    ("poisson", LossKind::Poisson),
    ("cosineProximity", LossKind::CosineProximity),
    ("cosine", LossKind::CosineProximity),
];

impl LossKind {
    /// The loss named `name` (any of its aliases), if there is one.
    pub fn from_name(name: &str) -> Option<LossKind> {
        LOSSES.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
    }

    /// Per-example losses (the last axis reduced).
    pub fn per_example(self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
        let op = "loss";
        let yp = y_pred.cast(DType::F32)?;
        if self == LossKind::SparseCategoricalCrossentropy {
            return sparse_categorical_crossentropy(y_true, &yp);
        }
        let yt = y_true.cast(DType::F32)?;
        if yt.shape() != yp.shape() {
            return Err(Error::shape(
                op,
                format!(
                    "expected targets shaped like the model's output {:?}, got {:?}",
                    yp.shape(),
                    yt.shape()
                ),
            ));
        }
        let last = [-1isize];
        match self {
            LossKind::MeanSquaredError => yp.sub(&yt)?.square()?.mean(&last, false),
            LossKind::MeanAbsoluteError => yp.sub(&yt)?.abs()?.mean(&last, false),
            LossKind::MeanAbsolutePercentageError => {
                let clipped = yt.abs()?.maximum(EPSILON)?;
                yt.sub(&yp)?.div(&clipped)?.abs()?.mean(&last, false)?.mul(100.0f32)
            }
            LossKind::MeanSquaredLogarithmicError => {
                let a = yp.maximum(EPSILON)?.add(1.0f32)?.log()?;
                let b = yt.maximum(EPSILON)?.add(1.0f32)?.log()?;
                a.sub(&b)?.square()?.mean(&last, false)
            }
            LossKind::SquaredHinge => hinge_terms(&yt, &yp)?.square()?.mean(&last, false),
            LossKind::Hinge => hinge_terms(&yt, &yp)?.mean(&last, false),
            LossKind::CategoricalHinge => {
                let pos = yt.mul(&yp)?.sum(&last, false)?;
                let neg = yt.neg()?.add(1.0f32)?.mul(&yp)?.max(&last, false)?;
                neg.sub(&pos)?.add(1.0f32)?.maximum(0.0f32)
            }
            LossKind::Logcosh => {
                let d = yp.sub(&yt)?;
                d.add(&d.mul(-2.0f32)?.softplus()?)?
                    .sub(std::f32::consts::LN_2)?
                    .mean(&last, false)
            }
            LossKind::CategoricalCrossentropy => categorical_crossentropy(&yt, &yp),
            LossKind::BinaryCrossentropy => {
                let y = yp.clip(EPSILON, 1.0 - EPSILON)?;
                let logits = y.div(&y.neg()?.add(1.0f32)?)?.log()?;
                let x = &logits;
                x.relu()?
                    .sub(&x.mul(&yt)?)?
                    .add(&x.abs()?.neg()?.exp()?.log1p()?)?
                    .mean(&last, false)
            }
            LossKind::KullbackLeiblerDivergence => {
                let t = yt.clip(EPSILON, 1.0)?;
                let p = yp.clip(EPSILON, 1.0)?;
                yt.mul(&t.div(&p)?.log()?)?.sum(&last, false)
            }
            LossKind::Poisson => yp.sub(&yt.mul(&yp.add(EPSILON)?.log()?)?)?.mean(&last, false),
            LossKind::CosineProximity => {
                let t = l2_normalize(&yt)?;
                let p = l2_normalize(&yp)?;
                t.mul(&p)?.sum(&last, false)?.neg()
            }
            LossKind::SparseCategoricalCrossentropy => sparse_categorical_crossentropy(y_true, &yp),
        }
    }
}

fn hinge_terms(yt: &Tensor, yp: &Tensor) -> Result<Tensor> {
    yt.mul(yp)?.neg()?.add(1.0f32)?.maximum(0.0f32)
}

fn l2_normalize(x: &Tensor) -> Result<Tensor> {
    let norm = x.square()?.sum(&[-1], true)?.maximum(EPSILON)?.sqrt()?;
    x.div(&norm)
}

fn categorical_crossentropy(yt: &Tensor, yp: &Tensor) -> Result<Tensor> {
    let p = yp.div(&yp.sum(&[-1], true)?)?.clip(EPSILON, 1.0 - EPSILON)?;
    yt.mul(&p.log()?)?.sum(&[-1], false)?.neg()
}

/// Class ids (any dtype, floored; `[batch]` or `[batch, 1]`) as one-hot rows like `yp`.
pub(crate) fn one_hot_targets(y_true: &Tensor, yp: &Tensor) -> Result<Tensor> {
    let classes = yp.shape().last().copied().unwrap_or(1);
    let rows: usize = yp.shape().iter().rev().skip(1).product();
    if y_true.numel() != rows {
        return Err(Error::shape(
            "loss",
            format!(
                "expected one class id per example ({rows} for outputs {:?}), got targets {:?}",
                yp.shape(),
                y_true.shape()
            ),
        ));
    }
    let ids = match y_true.dtype() {
        DType::I32 => y_true.clone(),
        _ => y_true.cast(DType::F32)?.floor()?.cast(DType::I32)?,
    };
    let flat = ids.reshape(&[-1])?;
    let shape: Vec<isize> = yp.shape().iter().map(|&d| d as isize).collect();
    flat.one_hot(classes, 1.0, 0.0)?.reshape(&shape)
}

fn sparse_categorical_crossentropy(y_true: &Tensor, yp: &Tensor) -> Result<Tensor> {
    let yp = yp.clip(EPSILON, 1.0 - EPSILON)?;
    let t = one_hot_targets(y_true, &yp)?;
    categorical_crossentropy(&t, &yp)
}
