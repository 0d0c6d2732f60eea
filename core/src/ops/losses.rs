//! Losses as in `tf.losses`, reduced to the mean over all elements (TF's default
//! SUM_BY_NONZERO_WEIGHTS with no weights).

use crate::dtype::DType;
use crate::ops::elementwise::where_;
use crate::tensor::Tensor;
use crate::{Error, Result};

fn same_shape(op: &str, a: &Tensor, b: &Tensor) -> Result<()> {
    if a.shape() != b.shape() {
        return Err(Error::shape(
            op,
            format!("labels shape {:?} != predictions shape {:?}", a.shape(), b.shape()),
        ));
    }
    Ok(())
}

/// Mean of `-sum(labels * log_softmax(logits), -1)`; labels are one-hot or probabilities.
pub fn softmax_cross_entropy(labels: &Tensor, logits: &Tensor, label_smoothing: f32) -> Result<Tensor> {
    same_shape("softmaxCrossEntropy", labels, logits)?;
    let mut l = labels.cast(DType::F32)?;
    if label_smoothing > 0.0 {
        let k = *logits.shape().last().unwrap_or(&1) as f32;
        l = l.mul(1.0 - label_smoothing)?.add(label_smoothing / k)?;
    }
    l.mul(&logits.log_softmax(-1)?)?
        .sum(&[-1], false)?
        .neg()?
        .mean(&[], false)
}

/// Softmax cross-entropy with int32 class labels `[batch]` against logits `[batch, classes]`.
pub fn sparse_softmax_cross_entropy(labels: &Tensor, logits: &Tensor) -> Result<Tensor> {
    if labels.dtype() != DType::I32 || logits.rank() != 2 || labels.shape() != [logits.shape()[0]] {
        return Err(Error::shape(
            "sparseSoftmaxCrossEntropy",
            format!(
                "labels {:?} {} vs logits {:?}",
                labels.shape(),
                labels.dtype(),
                logits.shape()
            ),
        ));
    }
    softmax_cross_entropy(&labels.one_hot(logits.shape()[1], 1.0, 0.0)?, logits, 0.0)
}

/// Mean of `max(x, 0) - x*z + log(1 + exp(-|x|))`.
pub fn sigmoid_cross_entropy(labels: &Tensor, logits: &Tensor) -> Result<Tensor> {
    same_shape("sigmoidCrossEntropy", labels, logits)?;
    let z = labels.cast(DType::F32)?;
    let x = logits;
    x.relu()?
        .sub(&x.mul(&z)?)?
        .add(&x.abs()?.neg()?.exp()?.log1p()?)?
        .mean(&[], false)
}

pub fn mean_squared_error(labels: &Tensor, predictions: &Tensor) -> Result<Tensor> {
    same_shape("meanSquaredError", labels, predictions)?;
    predictions.squared_difference(labels)?.mean(&[], false)
}

pub fn absolute_difference(labels: &Tensor, predictions: &Tensor) -> Result<Tensor> {
    same_shape("absoluteDifference", labels, predictions)?;
    predictions.sub(labels)?.abs()?.mean(&[], false)
}

pub fn huber_loss(labels: &Tensor, predictions: &Tensor, delta: f32) -> Result<Tensor> {
    same_shape("huberLoss", labels, predictions)?;
    let e = predictions.sub(labels)?.abs()?;
    let quad = e.square()?.mul(0.5f32)?;
    let lin = e.sub(0.5 * delta)?.mul(delta)?;
    where_(&e.less_equal(delta)?, &quad, &lin)?.mean(&[], false)
}

/// Binary cross-entropy on probabilities.
pub fn log_loss(labels: &Tensor, predictions: &Tensor, epsilon: f32) -> Result<Tensor> {
    same_shape("logLoss", labels, predictions)?;
    let l = labels.cast(DType::F32)?;
    let a = l.mul(&predictions.add(epsilon)?.log()?)?;
    let b = l
        .neg()?
        .add(1.0f32)?
        .mul(&predictions.neg()?.add(1.0 + epsilon)?.log()?)?;
    a.add(&b)?.neg()?.mean(&[], false)
}

/// Hinge loss with labels in {0, 1}.
pub fn hinge_loss(labels: &Tensor, predictions: &Tensor) -> Result<Tensor> {
    same_shape("hingeLoss", labels, predictions)?;
    let s = labels.cast(DType::F32)?.mul(2.0f32)?.sub(1.0f32)?;
    s.mul(predictions)?.neg()?.add(1.0f32)?.relu()?.mean(&[], false)
}

/// `1 - sum(l * p, axis)` averaged (inputs assumed unit-normalized, as TF).
pub fn cosine_distance(labels: &Tensor, predictions: &Tensor, axis: isize) -> Result<Tensor> {
    same_shape("cosineDistance", labels, predictions)?;
    labels
        .mul(predictions)?
        .sum(&[axis], false)?
        .neg()?
        .add(1.0f32)?
        .mean(&[], false)
}
