//! 2-D convolution layer, NHWC input and HWIO kernel as TF.js.

use serde::{Deserialize, Serialize};

use super::init::{checked_numel, positive, resolve_seed, unique_name, KernelBias};
use super::{Activation, LayerConfig, Module, PaddingConfig, VarSpec};
use crate::device::Device;
use crate::dtype::DType;
use crate::ops::conv::Conv2dOptions;
use crate::tensor::Tensor;
use crate::variable::Variable;
use crate::{Error, Result};

/// Config of [`Conv2d`]: kernel `[kh, kw, in_channels, filters]` (Glorot uniform), bias `[filters]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conv2dConfig {
    pub name: String,
    pub in_channels: usize,
    pub filters: usize,
    pub kernel_size: [usize; 2],
    #[serde(default = "ones2")]
    pub strides: [usize; 2],
    #[serde(default)]
    pub padding: PaddingConfig,
    #[serde(default = "ones2")]
    pub dilations: [usize; 2],
    #[serde(default)]
    pub activation: Activation,
    #[serde(default = "yes")]
    pub use_bias: bool,
    #[serde(default)]
    pub seed: Option<u64>,
}

fn ones2() -> [usize; 2] {
    [1, 1]
}
fn yes() -> bool {
    true
}

impl Conv2dConfig {
    pub fn new(in_channels: usize, filters: usize, kernel_size: [usize; 2]) -> Self {
        Conv2dConfig {
            name: String::new(),
            in_channels,
            filters,
            kernel_size,
            strides: [1, 1],
            padding: PaddingConfig::Valid,
            dilations: [1, 1],
            activation: Activation::Linear,
            use_bias: true,
            seed: None,
        }
    }
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }
    pub fn strides(mut self, s: [usize; 2]) -> Self {
        self.strides = s;
        self
    }
    pub fn padding(mut self, p: PaddingConfig) -> Self {
        self.padding = p;
        self
    }
    pub fn dilations(mut self, d: [usize; 2]) -> Self {
        self.dilations = d;
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
    fn kernel_shape(&self) -> Vec<usize> {
        vec![self.kernel_size[0], self.kernel_size[1], self.in_channels, self.filters]
    }
    pub(crate) fn validate(&self) -> Result<()> {
        positive("Conv2d", "in_channels", self.in_channels)?;
        positive("Conv2d", "filters", self.filters)?;
        for (what, v) in [
            ("kernel_size", self.kernel_size),
            ("strides", self.strides),
            ("dilations", self.dilations),
        ] {
            positive("Conv2d", what, v[0])?;
            positive("Conv2d", what, v[1])?;
        }
        checked_numel("Conv2d", &self.kernel_shape())?;
        Ok(())
    }
    pub(crate) fn variable_specs(&self) -> Vec<VarSpec> {
        KernelBias::specs(&self.name, self.kernel_shape(), self.use_bias)
    }
}

/// A 2-D convolution over `[N, H, W, C]` inputs.
pub struct Conv2d {
    config: Conv2dConfig,
    weights: KernelBias,
}

impl Conv2d {
    /// Builds the layer; an empty name becomes `conv2d_N`, a missing seed is drawn.
    pub fn new(dev: &Device, mut config: Conv2dConfig) -> Result<Conv2d> {
        if config.name.is_empty() {
            config.name = unique_name("conv2d");
        }
        let seed = resolve_seed(config.seed);
        config.seed = Some(seed);
        LayerConfig::Conv2d(config.clone()).validate()?;
        let [kh, kw] = config.kernel_size;
        let area = kh * kw;
        let (fan_in, fan_out) = (area * config.in_channels, area * config.filters);
        let weights = KernelBias::new(
            dev,
            &config.name,
            &config.kernel_shape(),
            (fan_in, fan_out),
            seed,
            config.use_bias,
        )?;
        Ok(Conv2d { config, weights })
    }
}

impl Module for Conv2d {
    fn name(&self) -> &str {
        &self.config.name
    }
    fn forward(&self, x: &Tensor, _training: bool) -> Result<Tensor> {
        if x.rank() != 4 || x.shape()[3] != self.config.in_channels {
            return Err(Error::shape(
                "Conv2d",
                format!(
                    "layer {} expects [N, H, W, {}], got {:?}",
                    self.config.name,
                    self.config.in_channels,
                    x.shape()
                ),
            ));
        }
        let c = &self.config;
        let opts = Conv2dOptions {
            strides: c.strides,
            padding: c.padding.into(),
            dilations: c.dilations,
            groups: 1,
        };
        let y = x.cast(DType::F32)?.conv2d(&self.weights.kernel.value(), opts)?;
        c.activation.apply(&self.weights.add_bias(y)?)
    }
    fn variables(&self) -> Vec<Variable> {
        self.weights.variables()
    }
    fn config(&self) -> LayerConfig {
        LayerConfig::Conv2d(self.config.clone())
    }
}
