//! The serializable topology: one [`LayerConfig`] per layer, written to `model.json` as
//! `{"class_name": "Dense", "config": {...}}` (the shape Keras and TF.js use).

use serde::{Deserialize, Serialize};

use super::{
    ActivationConfig, BatchNormConfig, Conv2dConfig, DenseConfig, DropoutConfig, EmbeddingConfig, FlattenConfig,
    Module, PoolConfig, SequentialConfig,
};
use crate::device::Device;
use crate::dtype::DType;
use crate::ops::conv::Padding;
use crate::{Error, Result};

/// A variable a layer will own: what the model file must provide for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarSpec {
    pub name: String,
    pub shape: Vec<usize>,
    pub dtype: DType,
    pub trainable: bool,
}

impl VarSpec {
    pub(crate) fn f32(layer: &str, weight: &str, shape: Vec<usize>, trainable: bool) -> VarSpec {
        VarSpec {
            name: format!("{layer}/{weight}"),
            shape,
            dtype: DType::F32,
            trainable,
        }
    }
}

/// Serializable padding (`"same"`, `"valid"` or `{"explicit": [[top, bottom], [left, right]]}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PaddingConfig {
    Same,
    #[default]
    Valid,
    Explicit([[usize; 2]; 2]),
}

impl From<PaddingConfig> for Padding {
    fn from(p: PaddingConfig) -> Padding {
        match p {
            PaddingConfig::Same => Padding::Same,
            PaddingConfig::Valid => Padding::Valid,
            PaddingConfig::Explicit(e) => Padding::Explicit(e),
        }
    }
}

impl From<Padding> for PaddingConfig {
    fn from(p: Padding) -> PaddingConfig {
        match p {
            Padding::Same => PaddingConfig::Same,
            Padding::Valid => PaddingConfig::Valid,
            Padding::Explicit(e) => PaddingConfig::Explicit(e),
        }
    }
}

/// One layer's description. Unknown fields are rejected when reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "class_name", content = "config", deny_unknown_fields)]
pub enum LayerConfig {
    Dense(DenseConfig),
    Conv2d(Conv2dConfig),
    MaxPool2d(PoolConfig),
    AvgPool2d(PoolConfig),
    Flatten(FlattenConfig),
    Dropout(DropoutConfig),
    BatchNorm(BatchNormConfig),
    Embedding(EmbeddingConfig),
    Activation(ActivationConfig),
    Sequential(SequentialConfig),
}

impl LayerConfig {
    /// The layer's name (empty until the layer is built, for configs made with `new`).
    pub fn name(&self) -> &str {
        match self {
            LayerConfig::Dense(c) => &c.name,
            LayerConfig::Conv2d(c) => &c.name,
            LayerConfig::MaxPool2d(c) | LayerConfig::AvgPool2d(c) => &c.name,
            LayerConfig::Flatten(c) => &c.name,
            LayerConfig::Dropout(c) => &c.name,
            LayerConfig::BatchNorm(c) => &c.name,
            LayerConfig::Embedding(c) => &c.name,
            LayerConfig::Activation(c) => &c.name,
            LayerConfig::Sequential(c) => &c.name,
        }
    }

    /// The Keras-style class name (`"Dense"`, `"Conv2d"`, ...).
    pub fn class_name(&self) -> &'static str {
        match self {
            LayerConfig::Dense(_) => "Dense",
            LayerConfig::Conv2d(_) => "Conv2d",
            LayerConfig::MaxPool2d(_) => "MaxPool2d",
            LayerConfig::AvgPool2d(_) => "AvgPool2d",
            LayerConfig::Flatten(_) => "Flatten",
            LayerConfig::Dropout(_) => "Dropout",
            LayerConfig::BatchNorm(_) => "BatchNorm",
            LayerConfig::Embedding(_) => "Embedding",
            LayerConfig::Activation(_) => "Activation",
            LayerConfig::Sequential(_) => "Sequential",
        }
    }

    /// Checks every value (sizes >= 1, rates in range, names set, element counts that fit).
    pub fn validate(&self) -> Result<()> {
        let name = self.name();
        if name.is_empty() {
            return Err(Error::invalid(self.class_name(), "layer name must not be empty"));
        }
        if name.contains('/') || name.chars().any(char::is_control) {
            return Err(Error::invalid(
                self.class_name(),
                format!("layer name {name:?} must not contain '/' or control characters"),
            ));
        }
        match self {
            LayerConfig::Dense(c) => c.validate(),
            LayerConfig::Conv2d(c) => c.validate(),
            LayerConfig::MaxPool2d(c) => c.validate("MaxPool2d"),
            LayerConfig::AvgPool2d(c) => c.validate("AvgPool2d"),
            LayerConfig::Flatten(_) | LayerConfig::Activation(_) => Ok(()),
            LayerConfig::Dropout(c) => c.validate(),
            LayerConfig::BatchNorm(c) => c.validate(),
            LayerConfig::Embedding(c) => c.validate(),
            LayerConfig::Sequential(c) => c.validate(),
        }
    }

    /// The variables the layer owns, in the order [`Module::variables`] returns them. Computed
    /// from the config alone, so a model file can be checked before anything is allocated.
    pub fn variable_specs(&self) -> Result<Vec<VarSpec>> {
        self.validate()?;
        Ok(match self {
            LayerConfig::Dense(c) => c.variable_specs(),
            LayerConfig::Conv2d(c) => c.variable_specs(),
            LayerConfig::BatchNorm(c) => c.variable_specs(),
            LayerConfig::Embedding(c) => c.variable_specs(),
            LayerConfig::Sequential(c) => c.variable_specs()?,
            LayerConfig::MaxPool2d(_)
            | LayerConfig::AvgPool2d(_)
            | LayerConfig::Flatten(_)
            | LayerConfig::Dropout(_)
            | LayerConfig::Activation(_) => vec![],
        })
    }

    /// Builds the layer on `dev`, initializing its weights from the config's seeds.
    pub fn build(&self, dev: &Device) -> Result<Box<dyn Module>> {
        Ok(match self {
            LayerConfig::Dense(c) => Box::new(super::Dense::new(dev, c.clone())?),
            LayerConfig::Conv2d(c) => Box::new(super::Conv2d::new(dev, c.clone())?),
            LayerConfig::MaxPool2d(c) => Box::new(super::MaxPool2d::new(c.clone())?),
            LayerConfig::AvgPool2d(c) => Box::new(super::AvgPool2d::new(c.clone())?),
            LayerConfig::Flatten(c) => Box::new(super::Flatten::new(c.clone())?),
            LayerConfig::Dropout(c) => Box::new(super::Dropout::new(c.clone())?),
            LayerConfig::BatchNorm(c) => Box::new(super::BatchNorm::new(dev, c.clone())?),
            LayerConfig::Embedding(c) => Box::new(super::Embedding::new(dev, c.clone())?),
            LayerConfig::Activation(c) => Box::new(super::ActivationLayer::new(c.clone())?),
            LayerConfig::Sequential(c) => Box::new(super::Sequential::from_config(dev, c)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Activation;

    #[test]
    fn config_json_round_trips_and_rejects_unknown_fields() -> Result<()> {
        let cfg = LayerConfig::Sequential(SequentialConfig {
            name: "m".into(),
            input_shape: None,
            layers: vec![
                LayerConfig::Conv2d(
                    Conv2dConfig::new(1, 8, [3, 3])
                        .padding(PaddingConfig::Same)
                        .activation(Activation::Relu)
                        .name("c")
                        .seed(3),
                ),
                LayerConfig::MaxPool2d(PoolConfig::new([2, 2]).name("p")),
                LayerConfig::Flatten(FlattenConfig::default().name("f")),
                LayerConfig::Dense(DenseConfig::new(8 * 14 * 14, 10).name("d").seed(4)),
            ],
        });
        let text = serde_json::to_string(&cfg).map_err(|e| Error::Format(e.to_string()))?;
        let back: LayerConfig = serde_json::from_str(&text).map_err(|e| Error::Format(e.to_string()))?;
        assert_eq!(back, cfg);
        let specs = cfg.variable_specs()?;
        let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["c/kernel", "c/bias", "d/kernel", "d/bias"]);
        assert_eq!(specs[0].shape, [3, 3, 1, 8]);
        let bad = text.replace("\"units\":10", "\"units\":10,\"extra\":1");
        assert!(serde_json::from_str::<LayerConfig>(&bad).is_err());
        Ok(())
    }

    #[test]
    fn validate_rejects_bad_values() {
        let zero = LayerConfig::Dense(DenseConfig::new(0, 3).name("d"));
        assert!(zero.validate().is_err());
        let unnamed = LayerConfig::Dense(DenseConfig::new(2, 3));
        assert!(unnamed.validate().is_err());
        let slash = LayerConfig::Dense(DenseConfig::new(2, 3).name("a/b"));
        assert!(slash.validate().is_err());
        let rate = LayerConfig::Dropout(DropoutConfig::new(1.0).name("x"));
        assert!(rate.validate().is_err());
        let huge = LayerConfig::Dense(DenseConfig::new(usize::MAX, 3).name("d"));
        assert!(huge.variable_specs().is_err());
        let dup = LayerConfig::Sequential(SequentialConfig {
            name: "s".into(),
            input_shape: None,
            layers: vec![
                LayerConfig::Dense(DenseConfig::new(2, 2).name("d")),
                LayerConfig::Dense(DenseConfig::new(2, 2).name("d")),
            ],
        });
        assert!(dup.variable_specs().is_err());
    }
}
