//! Fully connected layer: `activation(x @ kernel + bias)`.

use serde::{Deserialize, Serialize};

use super::init::{checked_numel, positive, resolve_seed, unique_name, KernelBias};
use super::{Activation, LayerConfig, Module, VarSpec};
use crate::device::Device;
use crate::dtype::DType;
use crate::tensor::Tensor;
use crate::variable::Variable;
use crate::{Error, Result};

/// Config of [`Dense`]: kernel `[input_dim, units]` (Glorot uniform), bias `[units]` (zeros).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DenseConfig {
    pub name: String,
    pub input_dim: usize,
    pub units: usize,
    #[serde(default)]
    pub activation: Activation,
    #[serde(default = "yes")]
    pub use_bias: bool,
    /// Kernel initializer seed; drawn (and recorded here) when absent.
    #[serde(default)]
    pub seed: Option<u64>,
}

fn yes() -> bool {
    true
}

impl DenseConfig {
    pub fn new(input_dim: usize, units: usize) -> Self {
        DenseConfig {
            name: String::new(),
            input_dim,
            units,
            activation: Activation::Linear,
            use_bias: true,
            seed: None,
        }
    }
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }
    pub fn activation(mut self, a: Activation) -> Self {
        self.activation = a;
        self
    }
    pub fn use_bias(mut self, b: bool) -> Self {
        self.use_bias = b;
        self
    }
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }
    pub(crate) fn validate(&self) -> Result<()> {
        positive("Dense", "input_dim", self.input_dim)?;
        positive("Dense", "units", self.units)?;
        checked_numel("Dense", &[self.input_dim, self.units])?;
        Ok(())
    }
    pub(crate) fn variable_specs(&self) -> Vec<VarSpec> {
        KernelBias::specs(&self.name, vec![self.input_dim, self.units], self.use_bias)
    }
}

/// A densely connected layer over the last axis.
pub struct Dense {
    config: DenseConfig,
    weights: KernelBias,
}

impl Dense {
    /// Builds the layer; an empty name becomes `dense_N`, a missing seed is drawn.
    pub fn new(dev: &Device, mut config: DenseConfig) -> Result<Dense> {
        if config.name.is_empty() {
            config.name = unique_name("dense");
        }
        let seed = resolve_seed(config.seed);
        config.seed = Some(seed);
        LayerConfig::Dense(config.clone()).validate()?;
        let (i, u) = (config.input_dim, config.units);
        let weights = KernelBias::new(dev, &config.name, &[i, u], (i, u), seed, config.use_bias)?;
        Ok(Dense { config, weights })
    }
}

impl Module for Dense {
    fn name(&self) -> &str {
        &self.config.name
    }
    fn forward(&self, x: &Tensor, _training: bool) -> Result<Tensor> {
        if x.rank() < 2 || x.shape().last() != Some(&self.config.input_dim) {
            return Err(Error::shape(
                "Dense",
                format!(
                    "layer {} expects [..., {}], got {:?}",
                    self.config.name,
                    self.config.input_dim,
                    x.shape()
                ),
            ));
        }
        let y = x.cast(DType::F32)?.matmul(&self.weights.kernel.value(), false, false)?;
        self.config.activation.apply(&self.weights.add_bias(y)?)
    }
    fn variables(&self) -> Vec<Variable> {
        self.weights.variables()
    }
    fn config(&self) -> LayerConfig {
        LayerConfig::Dense(self.config.clone())
    }
}
