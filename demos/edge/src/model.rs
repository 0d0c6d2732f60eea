//! Loading a saved model (the web demo's export, a JS `model.save`, or `io::save_model`: one
//! format, no conversion) and classifying one digit at a time.
//!
//! Input: the model's recorded `input_shape` when it has one (its product must be 784: `[28, 28,
//! 1]`, `[784]`, ...); otherwise inferred from the first layer (a convolution or pooling layer
//! takes `[28, 28, 1]`, a dense layer `[784]`). Pixels are scaled to `[0, 1]` (byte / 255), as the
//! web demo and `mnist-native` train.
//!
//! Output rule: a model whose final layer applies softmax (a dense/conv layer with `"activation":
//! "softmax"`, or a softmax `Activation` layer; dropout and flatten after it do not count) outputs
//! probabilities, used as they are. Any other final activation means logits (or scores): softmax
//! is applied. Only when the config names no final layer at all are the outputs inspected: rows
//! of values in [0, 1] summing to 1 (within 1e-3) are taken as probabilities, others get softmax.
//! Either way the label is the same (softmax keeps the argmax); only the reported probability
//! depends on the rule.

use std::path::Path;
use std::time::{Duration, Instant};

use ferroflow::io::{self, LoadLimits, ValidatedModel, FORMAT, MODEL_JSON};
use ferroflow::nn::{Activation, LayerConfig, Module};
use ferroflow::{Device, HostData, Tensor};

use crate::digits::{plain_io, PIXELS};

/// How the model's outputs become probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputRule {
    /// The model ends in softmax: outputs are probabilities.
    ModelSoftmax,
    /// The model ends in another activation (named here): softmax is applied to its outputs.
    Logits(Activation),
    /// The config does not say: rows that already sum to 1 are kept, others get softmax.
    Inspect,
}

impl OutputRule {
    pub fn describe(self) -> String {
        match self {
            OutputRule::ModelSoftmax => "probabilities (the model ends in softmax)".into(),
            OutputRule::Logits(a) => format!(
                "logits (the model ends in a {} activation): softmax applied",
                serde_json::to_value(a)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_else(|| format!("{a:?}"))
            ),
            OutputRule::Inspect => "not stated by the model: softmax applied unless rows sum to 1".into(),
        }
    }
}

/// The activation the model's output passes through last, from its config; `None` when no layer
/// says (an empty model).
pub fn final_activation(cfg: &LayerConfig) -> Option<Activation> {
    match cfg {
        LayerConfig::Sequential(s) => s.layers.iter().rev().find_map(|l| match l {
            // Identity at inference: look further back.
            LayerConfig::Dropout(_) | LayerConfig::Flatten(_) => None,
            other => final_activation(other),
        }),
        LayerConfig::Dense(c) => Some(c.activation),
        LayerConfig::Conv2d(c) => Some(c.activation),
        LayerConfig::Activation(c) => Some(c.activation),
        LayerConfig::MaxPool2d(_)
        | LayerConfig::AvgPool2d(_)
        | LayerConfig::BatchNorm(_)
        | LayerConfig::Embedding(_) => Some(Activation::Linear),
        LayerConfig::Dropout(_) | LayerConfig::Flatten(_) => None,
    }
}

/// The rule for a model config (see the module docs).
pub fn output_rule(cfg: &LayerConfig) -> OutputRule {
    match final_activation(cfg) {
        Some(Activation::Softmax) => OutputRule::ModelSoftmax,
        Some(a) => OutputRule::Logits(a),
        None => OutputRule::Inspect,
    }
}

/// Softmax of one row, computed in f64.
pub fn softmax(row: &[f32]) -> Vec<f32> {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let e: Vec<f64> = row.iter().map(|&v| (f64::from(v) - f64::from(max)).exp()).collect();
    let sum: f64 = e.iter().sum();
    e.iter().map(|&v| (v / sum) as f32).collect()
}

/// Whether a row already is a probability distribution.
pub fn is_distribution(row: &[f32]) -> bool {
    let sum: f64 = row.iter().map(|&v| f64::from(v)).sum();
    row.iter().all(|&v| (0.0..=1.0).contains(&v)) && (sum - 1.0).abs() <= 1e-3
}

/// The per-example input shape (without the batch axis) the model takes 28x28 digits as.
pub fn input_shape(cfg: &LayerConfig) -> Result<Vec<usize>, String> {
    let LayerConfig::Sequential(s) = cfg else {
        return Err(format!(
            "the model is a single {} layer, not a Sequential model",
            cfg.class_name()
        ));
    };
    if let Some(shape) = &s.input_shape {
        let n: usize = shape.iter().product();
        if n != PIXELS {
            return Err(format!(
                "the model takes inputs of shape {shape:?} ({n} values each), not 28x28 digits (784 values)"
            ));
        }
        return Ok(shape.clone());
    }
    let first = s.layers.iter().find(|l| !matches!(l, LayerConfig::Dropout(_)));
    match first {
        Some(LayerConfig::Conv2d(c)) if c.in_channels == 1 => Ok(vec![28, 28, 1]),
        Some(LayerConfig::Conv2d(c)) => Err(format!(
            "the model's first convolution takes {} channels; a digit has 1",
            c.in_channels
        )),
        Some(LayerConfig::MaxPool2d(_) | LayerConfig::AvgPool2d(_) | LayerConfig::Flatten(_)) => Ok(vec![28, 28, 1]),
        Some(LayerConfig::Dense(d)) if d.input_dim == PIXELS => Ok(vec![PIXELS]),
        Some(LayerConfig::Dense(d)) => Err(format!(
            "the model's first dense layer takes {} inputs, not 28x28 = 784 pixels",
            d.input_dim
        )),
        Some(other) => Err(format!(
            "the model records no input shape and starts with a {} layer: cannot tell how to feed it a 28x28 digit",
            other.class_name()
        )),
        None => Err("the model has no layers".into()),
    }
}

/// Reads and validates the model folder without creating tensors, with clear messages for the
/// common mistakes (no folder, no model.json, a model.json that is not JSON or not ours).
pub fn validate(dir: &Path) -> Result<ValidatedModel, String> {
    let d = dir.display();
    let meta = std::fs::metadata(dir).map_err(|e| format!("model folder {d}: {}", plain_io(&e)))?;
    if !meta.is_dir() {
        return Err(format!(
            "model {d} is not a folder: give the folder holding model.json and weights.safetensors"
        ));
    }
    let json_path = dir.join(MODEL_JSON);
    let limits = LoadLimits::default();
    let len = std::fs::metadata(&json_path)
        .map_err(|e| format!("model folder {d}: {MODEL_JSON}: {}", plain_io(&e)))?
        .len();
    if len > limits.max_topology_bytes {
        return Err(format!(
            "{}: {len} bytes, over the limit of {} for a model topology",
            json_path.display(),
            limits.max_topology_bytes
        ));
    }
    let bytes = std::fs::read(&json_path).map_err(|e| format!("{}: {}", json_path.display(), plain_io(&e)))?;
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{}: not valid JSON ({e}): the file is corrupt", json_path.display()))?;
    let format = value.get("format").and_then(|f| f.as_str());
    if format != Some(FORMAT) {
        let hint = if value.get("modelTopology").is_some() || value.get("weightsManifest").is_some() {
            " (it looks like a TF.js/Keras model.json; this tool reads models saved by Ferroflow: the web demo, the npm package's model.save or save_model)"
        } else {
            ""
        };
        let found = match format {
            Some(f) => format!("\"format\" is {f:?}"),
            None => "it has no \"format\" field".into(),
        };
        return Err(format!(
            "{}: not a Ferroflow model: {found}, expected {FORMAT:?}{hint}",
            json_path.display()
        ));
    }
    io::validate_dir(dir, &limits).map_err(|e| format!("model {d}: {}", strip_kind(&e.to_string())))
}

/// Core's error text without the "model format error: " / "io error: " prefix.
fn strip_kind(s: &str) -> String {
    for p in ["model format error: ", "io error: "] {
        if let Some(rest) = s.strip_prefix(p) {
            return rest.to_string();
        }
    }
    s.to_string()
}

/// A loaded model ready to classify digits on one device.
pub struct Classifier {
    model: Box<dyn Module>,
    dev: Device,
    shape: Vec<usize>,
    pub rule: OutputRule,
    pub topology: LayerConfig,
}

/// One classification.
#[derive(Debug, Clone)]
pub struct Prediction {
    pub label: usize,
    pub probability: f32,
    pub probabilities: Vec<f32>,
    /// Host pixels in, host probabilities out: upload, forward pass, readback.
    pub latency: Duration,
}

impl Classifier {
    /// Builds the validated model on `dev`.
    pub fn new(validated: ValidatedModel, dev: &Device) -> Result<Classifier, String> {
        let topology = validated.manifest.model.clone();
        let shape = input_shape(&topology)?;
        let rule = output_rule(&topology);
        let model = validated.instantiate(dev).map_err(|e| strip_kind(&e.to_string()))?;
        Ok(Classifier {
            model,
            dev: dev.clone(),
            shape,
            rule,
            topology,
        })
    }

    /// The per-example input shape.
    pub fn input_shape(&self) -> &[usize] {
        &self.shape
    }

    /// Classifies one digit (784 bytes) as a batch of one.
    pub fn classify(&self, pixels: &[u8]) -> Result<Prediction, String> {
        if pixels.len() != PIXELS {
            return Err(format!("a digit has 784 pixels, got {}", pixels.len()));
        }
        let t0 = Instant::now();
        let x: Vec<f32> = pixels.iter().map(|&p| f32::from(p) / 255.0).collect();
        let mut shape = vec![1];
        shape.extend_from_slice(&self.shape);
        let input = Tensor::from_host_on(HostData::F32(x), &shape, &self.dev).map_err(|e| e.to_string())?;
        let y = self.model.forward(&input, false).map_err(|e| e.to_string())?;
        let out_shape = y.shape().to_vec();
        let row = y.to_vec_f32().map_err(|e| e.to_string())?;
        let latency = t0.elapsed();
        if out_shape.len() != 2 || out_shape[0] != 1 || out_shape[1] == 0 {
            return Err(format!(
                "the model outputs shape {out_shape:?} for one digit; expected [1, classes]"
            ));
        }
        if row.iter().any(|v| !v.is_finite()) {
            return Err(format!("the model output non-finite values: {row:?}"));
        }
        let probabilities = match self.rule {
            OutputRule::ModelSoftmax => row,
            OutputRule::Logits(_) => softmax(&row),
            OutputRule::Inspect if is_distribution(&row) => row,
            OutputRule::Inspect => softmax(&row),
        };
        let (label, probability) = argmax(&probabilities);
        Ok(Prediction {
            label,
            probability,
            probabilities,
            latency,
        })
    }
}

/// Index and value of the largest entry (the first on ties).
pub fn argmax(row: &[f32]) -> (usize, f32) {
    row.iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |b, (i, &v)| if v > b.1 { (i, v) } else { b })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferroflow::nn::{ActivationConfig, DenseConfig, DropoutConfig, FlattenConfig, SequentialConfig};

    fn seq(layers: Vec<LayerConfig>, input_shape: Option<Vec<usize>>) -> LayerConfig {
        LayerConfig::Sequential(SequentialConfig {
            name: "m".into(),
            layers,
            input_shape,
        })
    }

    #[test]
    fn output_rule_reads_the_final_activation() {
        let dense = |a| LayerConfig::Dense(DenseConfig::new(784, 10).activation(a));
        let drop = LayerConfig::Dropout(DropoutConfig::new(0.5));
        assert_eq!(
            output_rule(&seq(vec![dense(Activation::Softmax)], None)),
            OutputRule::ModelSoftmax
        );
        assert_eq!(
            output_rule(&seq(vec![dense(Activation::Softmax), drop.clone()], None)),
            OutputRule::ModelSoftmax
        );
        assert_eq!(
            output_rule(&seq(vec![dense(Activation::Linear)], None)),
            OutputRule::Logits(Activation::Linear)
        );
        let act = LayerConfig::Activation(ActivationConfig::new(Activation::Softmax));
        assert_eq!(
            output_rule(&seq(vec![dense(Activation::Relu), act], None)),
            OutputRule::ModelSoftmax
        );
        assert_eq!(output_rule(&seq(vec![drop], None)), OutputRule::Inspect);
    }

    #[test]
    fn input_shape_from_record_or_first_layer() {
        let dense = LayerConfig::Dense(DenseConfig::new(784, 10));
        assert_eq!(input_shape(&seq(vec![dense.clone()], None)), Ok(vec![784]));
        assert_eq!(
            input_shape(&seq(vec![dense.clone()], Some(vec![28, 28, 1]))),
            Ok(vec![28, 28, 1])
        );
        let flat = LayerConfig::Flatten(FlattenConfig::default());
        assert_eq!(input_shape(&seq(vec![flat, dense], None)), Ok(vec![28, 28, 1]));
        let e = input_shape(&seq(vec![LayerConfig::Dense(DenseConfig::new(4, 3))], Some(vec![4])));
        assert!(e.is_err_and(|m| m.contains("[4]") && m.contains("784")));
    }

    #[test]
    fn softmax_and_distribution() {
        let p = softmax(&[1.0, 2.0, 3.0]);
        assert!(is_distribution(&p));
        assert_eq!(argmax(&p).0, 2);
        assert!(!is_distribution(&[1.0, 2.0, 3.0]));
        assert!(!is_distribution(&[0.2, 0.2]));
        let big = softmax(&[1000.0, 0.0]);
        assert!((big[0] - 1.0).abs() < 1e-6);
    }
}
