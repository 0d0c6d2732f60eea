//! Activation functions by name (as in Keras configs) and the `Activation` layer.

use serde::{Deserialize, Serialize};

use super::init::unique_name;
use super::{LayerConfig, Module};
use crate::tensor::Tensor;
use crate::variable::Variable;
use crate::Result;

/// An activation function, serialized by its Keras name (`"relu"`, `"softmax"`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// The identity.
    #[default]
    Linear,
    Relu,
    Relu6,
    Elu,
    Selu,
    Sigmoid,
    Tanh,
    /// Softmax over the last axis.
    Softmax,
    Softplus,
    Softsign,
    Gelu,
    Swish,
    Mish,
}

impl Activation {
    /// Applies the function.
    pub fn apply(self, x: &Tensor) -> Result<Tensor> {
        match self {
            Activation::Linear => Ok(x.clone()),
            Activation::Relu => x.relu(),
            Activation::Relu6 => x.relu6(),
            Activation::Elu => x.elu(),
            Activation::Selu => x.selu(),
            Activation::Sigmoid => x.sigmoid(),
            Activation::Tanh => x.tanh(),
            Activation::Softmax => x.softmax(-1),
            Activation::Softplus => x.softplus(),
            Activation::Softsign => x.softsign(),
            Activation::Gelu => x.gelu(),
            Activation::Swish => x.swish(),
            Activation::Mish => x.mish(),
        }
    }
}

/// Config of [`ActivationLayer`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivationConfig {
    pub name: String,
    pub activation: Activation,
}

impl ActivationConfig {
    pub fn new(activation: Activation) -> Self {
        ActivationConfig {
            name: String::new(),
            activation,
        }
    }
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }
}

/// A layer that applies an [`Activation`] (Keras `Activation`).
pub struct ActivationLayer {
    config: ActivationConfig,
}

impl ActivationLayer {
    pub fn new(mut config: ActivationConfig) -> Result<ActivationLayer> {
        if config.name.is_empty() {
            config.name = unique_name("activation");
        }
        LayerConfig::Activation(config.clone()).validate()?;
        Ok(ActivationLayer { config })
    }
}

impl Module for ActivationLayer {
    fn name(&self) -> &str {
        &self.config.name
    }
    fn forward(&self, x: &Tensor, _training: bool) -> Result<Tensor> {
        self.config.activation.apply(x)
    }
    fn variables(&self) -> Vec<Variable> {
        vec![]
    }
    fn config(&self) -> LayerConfig {
        LayerConfig::Activation(self.config.clone())
    }
}
