//! The metrics a model compiles with, by their TF.js (Keras) names, each reported per batch as
//! the mean of its per-example values.

use super::losses::{one_hot_targets, LossKind};
use crate::{DType, Error, Result, Tensor};

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
    /// pick the binary, sparse or categorical variant from the loss and the output size; a loss
    /// name is that loss as a metric. Returns the history key with the metric; None for a name
    /// that is neither.
    pub fn from_name(name: &str, loss: Option<LossKind>, outputs: usize) -> Option<(String, MetricKind)> {
        let binary = outputs == 1 || loss == Some(LossKind::BinaryCrossentropy);
        let sparse = loss == Some(LossKind::SparseCategoricalCrossentropy);
        Some(match name {
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
            _ => (name.into(), MetricKind::Loss(LossKind::from_name(name)?)),
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
                return crate::ops::elementwise::where_(&den.greater(0.0f32)?, &tp.div(&safe)?, &den.mul(0.0f32)?);
            }
        };
        per.mean(&[], false)
    }
}
