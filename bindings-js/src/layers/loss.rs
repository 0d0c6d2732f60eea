//! The losses and metrics `model.compile` accepts by name, with TF.js's (Keras') formulas: each
//! reduces the last axis to a per-example value; the model averages those over the batch. Inputs
//! are probabilities where Keras expects them (`categoricalCrossentropy` after a softmax), clipped
//! to `[epsilon, 1 - epsilon]` with TF.js's epsilon 1e-7.

use ferroflow::{DType, Error, Result, Tensor};

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

const LOSSES: [(&str, LossKind); 24] = [
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
    pub fn parse(op: &str, arg: &str, name: &str) -> Result<LossKind> {
        LOSSES.iter().find(|(n, _)| *n == name).map(|(_, k)| *k).ok_or_else(|| {
            let hint = if name.to_ascii_lowercase().contains("softmaxcrossentropy") {
                " (use 'categoricalCrossentropy' for softmax outputs)"
            } else {
                ""
            };
            let names: Vec<&str> = LOSSES.iter().map(|(n, _)| *n).collect();
            Error::invalid(
                op,
                format!(
                    "argument '{arg}': expected one of {} or a function (yTrue, yPred) => Tensor, got {name:?}{hint}",
                    names.join(", ")
                ),
            )
        })
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
fn one_hot_targets(y_true: &Tensor, yp: &Tensor) -> Result<Tensor> {
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

/// A built-in metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    Precision,
    Recall,
    Loss(LossKind),
}

impl MetricKind {
    /// Resolves a metric name as TF.js does: `'accuracy'`/`'acc'` (and `'crossentropy'`/`'ce'`)
    /// pick the binary, sparse or categorical variant from the loss and the output size.
    /// Returns the history key with the metric.
    pub fn parse(
        op: &str,
        arg: &str,
        name: &str,
        loss: Option<LossKind>,
        outputs: usize,
    ) -> Result<(String, MetricKind)> {
        let binary = outputs == 1 || loss == Some(LossKind::BinaryCrossentropy);
        let sparse = loss == Some(LossKind::SparseCategoricalCrossentropy);
        Ok(match name {
            "accuracy" | "acc" => (
                "acc".into(),
                if binary {
                    MetricKind::BinaryAccuracy
                } else if sparse {
                    MetricKind::SparseCategoricalAccuracy
                } else {
                    MetricKind::CategoricalAccuracy
                },
            ),
            "crossentropy" | "ce" => (
                "ce".into(),
                MetricKind::Loss(if binary {
                    LossKind::BinaryCrossentropy
                } else if sparse {
                    LossKind::SparseCategoricalCrossentropy
                } else {
                    LossKind::CategoricalCrossentropy
                }),
            ),
            "binaryAccuracy" => (name.into(), MetricKind::BinaryAccuracy),
            "categoricalAccuracy" => (name.into(), MetricKind::CategoricalAccuracy),
            "sparseCategoricalAccuracy" => (name.into(), MetricKind::SparseCategoricalAccuracy),
            "precision" => (name.into(), MetricKind::Precision),
            "recall" => (name.into(), MetricKind::Recall),
            _ => match LossKind::parse(op, arg, name) {
                Ok(k) => (name.into(), MetricKind::Loss(k)),
                Err(_) => {
                    return Err(Error::invalid(
                        op,
                        format!(
                            "argument '{arg}': expected 'accuracy', 'acc', 'crossentropy', 'ce', 'binaryAccuracy', \
                             'categoricalAccuracy', 'sparseCategoricalAccuracy', 'precision', 'recall', a loss name \
                             or a function (yTrue, yPred) => Tensor, got {name:?}"
                        ),
                    ))
                }
            },
        })
    }

    /// The metric over a batch (a scalar: the mean of per-example values, as TF.js reports it).
    pub fn batch_value(self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
        let yp = y_pred.cast(DType::F32)?;
        let per = match self {
            MetricKind::Loss(k) => k.per_example(y_true, &yp)?,
            MetricKind::BinaryAccuracy => {
                let yt = y_true.cast(DType::F32)?;
                let hit = yp.greater(0.5f32)?.cast(DType::F32)?.equal(&yt)?.cast(DType::F32)?;
                hit.mean(&[-1], false)?
            }
            MetricKind::CategoricalAccuracy => {
                let yt = y_true.cast(DType::F32)?;
                if yt.shape() != yp.shape() {
                    return Err(Error::shape(
                        "categoricalAccuracy",
                        format!(
                            "expected targets shaped like the output {:?}, got {:?}",
                            yp.shape(),
                            yt.shape()
                        ),
                    ));
                }
                yt.arg_max(-1)?.equal(&yp.arg_max(-1)?)?.cast(DType::F32)?
            }
            MetricKind::SparseCategoricalAccuracy => {
                let t = one_hot_targets(y_true, &yp)?;
                t.arg_max(-1)?.equal(&yp.arg_max(-1)?)?.cast(DType::F32)?
            }
            MetricKind::Precision | MetricKind::Recall => {
                let yt = y_true.cast(DType::F32)?;
                let is = |x: &Tensor, v: f32| -> Result<Tensor> { x.equal(v) };
                let tp = is(&yt, 1.0)?
                    .logical_and(&is(&yp, 1.0)?)?
                    .cast(DType::F32)?
                    .sum(&[], false)?;
                let other = match self {
                    MetricKind::Precision => is(&yt, 0.0)?.logical_and(&is(&yp, 1.0)?)?,
                    _ => is(&yt, 1.0)?.logical_and(&is(&yp, 0.0)?)?,
                };
                let den = tp.add(&other.cast(DType::F32)?.sum(&[], false)?)?;
                let safe = den.maximum(1.0f32)?;
                return ferroflow::ops::elementwise::where_(&den.greater(0.0f32)?, &tp.div(&safe)?, &den.mul(0.0f32)?);
            }
        };
        per.mean(&[], false)
    }
}
