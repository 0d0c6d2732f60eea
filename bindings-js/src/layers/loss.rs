//! The losses and metrics `model.compile` accepts by name (core's `nn::losses` and
//! `nn::metrics`, TF.js's Keras formulas), with the errors TF.js users see for other names.

use ferroflow::nn::losses::{LossKind, LOSSES};
use ferroflow::nn::metrics::MetricKind;
use ferroflow::{Error, Result};

/// The loss named `name`, or an error listing the names (and a function) `compile` accepts.
pub fn parse_loss(op: &str, arg: &str, name: &str) -> Result<LossKind> {
    LossKind::from_name(name).ok_or_else(|| {
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

/// The metric named `name` with its history key (see `MetricKind::from_name`), or an error
/// listing what `compile` accepts.
pub fn parse_metric(
    op: &str,
    arg: &str,
    name: &str,
    loss: Option<LossKind>,
    outputs: usize,
) -> Result<(String, MetricKind)> {
    MetricKind::from_name(name, loss, outputs).ok_or_else(|| {
        Error::invalid(
            op,
            format!(
                "argument '{arg}': expected 'accuracy', 'acc', 'crossentropy', 'ce', 'binaryAccuracy', \
                 'categoricalAccuracy', 'sparseCategoricalAccuracy', 'precision', 'recall', a loss name \
                 or a function (yTrue, yPred) => Tensor, got {name:?}"
            ),
        )
    })
}
