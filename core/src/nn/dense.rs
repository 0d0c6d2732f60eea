//! Fully connected layer: `activation(x @ kernel + bias)`.

use serde::{Deserialize, Serialize};

use super::init::{checked_numel, glorot_uniform, positive, resolve_seed, unique_name, variable};
use super::{Activation, LayerConfig, Module, VarSpec};
use crate::device::Device;
use crate::dtype::DType;
use crate::ops::creation;
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
        let mut v = vec![VarSpec::f32(
            &self.name,
            "kernel",
            vec![self.input_dim, self.units],
            true,
        )];
        if self.use_bias {
            v.push(VarSpec::f32(&self.name, "bias", vec![self.units], true));
        }
        v
    }
}

/// A densely connected layer over the last axis.
pub struct Dense {
    config: DenseConfig,
    kernel: Variable,
    bias: Option<Variable>,
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
        let kernel = variable(&config.name, "kernel", &glorot_uniform(dev, &[i, u], i, u, seed)?, true)?;
        let bias = match config.use_bias {
            true => Some(variable(
                &config.name,
                "bias",
                &creation::zeros(dev, &[u], DType::F32)?,
                true,
            )?),
            false => None,
        };
        Ok(Dense { config, kernel, bias })
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
        let mut y = x.cast(DType::F32)?.matmul(&self.kernel.value(), false, false)?;
        if let Some(b) = &self.bias {
            y = y.add(b.value())?;
        }
        self.config.activation.apply(&y)
    }
    fn variables(&self) -> Vec<Variable> {
        let mut v = vec![self.kernel.clone()];
        v.extend(self.bias.clone());
        v
    }
    fn config(&self) -> LayerConfig {
        LayerConfig::Dense(self.config.clone())
    }
}
