//! Batch normalization over the last (channel) axis, as Keras `BatchNormalization(axis=-1)`.
//!
//! Training normalizes with the batch's mean and (population) variance and updates the moving
//! statistics `moving = moving * momentum + batch * (1 - momentum)` through [`Variable::assign`];
//! inference normalizes with the moving statistics.

use serde::{Deserialize, Serialize};

use super::init::{positive, unique_name, variable};
use super::{LayerConfig, Module, VarSpec};
use crate::device::Device;
use crate::dtype::DType;
use crate::ops::creation;
use crate::tensor::Tensor;
use crate::variable::Variable;
use crate::{Error, Result};

/// Config of [`BatchNorm`] (Keras defaults: momentum 0.99, epsilon 1e-3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchNormConfig {
    pub name: String,
    /// Size of the last axis.
    pub features: usize,
    #[serde(default = "default_momentum")]
    pub momentum: f32,
    #[serde(default = "default_epsilon")]
    pub epsilon: f32,
    /// Learn an offset `beta`.
    #[serde(default = "yes")]
    pub center: bool,
    /// Learn a scale `gamma`.
    #[serde(default = "yes")]
    pub scale: bool,
}

fn default_momentum() -> f32 {
    0.99
}
fn default_epsilon() -> f32 {
    1e-3
}
fn yes() -> bool {
    true
}

impl BatchNormConfig {
    pub fn new(features: usize) -> Self {
        BatchNormConfig {
            name: String::new(),
            features,
            momentum: default_momentum(),
            epsilon: default_epsilon(),
            center: true,
            scale: true,
        }
    }
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }
    pub fn momentum(mut self, m: f32) -> Self {
        self.momentum = m;
        self
    }
    pub fn epsilon(mut self, e: f32) -> Self {
        self.epsilon = e;
        self
    }
    pub(crate) fn validate(&self) -> Result<()> {
        positive("BatchNorm", "features", self.features)?;
        if !(0.0..=1.0).contains(&self.momentum) {
            return Err(Error::invalid(
                "BatchNorm",
                format!("momentum must be in [0, 1], got {}", self.momentum),
            ));
        }
        if !(self.epsilon > 0.0 && self.epsilon.is_finite()) {
            return Err(Error::invalid(
                "BatchNorm",
                format!("epsilon must be positive, got {}", self.epsilon),
            ));
        }
        Ok(())
    }
    pub(crate) fn variable_specs(&self) -> Vec<VarSpec> {
        let c = vec![self.features];
        let mut v = vec![];
        if self.scale {
            v.push(VarSpec::f32(&self.name, "gamma", c.clone(), true));
        }
        if self.center {
            v.push(VarSpec::f32(&self.name, "beta", c.clone(), true));
        }
        v.push(VarSpec::f32(&self.name, "moving_mean", c.clone(), false));
        v.push(VarSpec::f32(&self.name, "moving_variance", c, false));
        v
    }
}

/// Batch normalization layer.
pub struct BatchNorm {
    config: BatchNormConfig,
    gamma: Option<Variable>,
    beta: Option<Variable>,
    moving_mean: Variable,
    moving_variance: Variable,
}

impl BatchNorm {
    pub fn new(dev: &Device, mut config: BatchNormConfig) -> Result<BatchNorm> {
        if config.name.is_empty() {
            config.name = unique_name("batch_norm");
        }
        LayerConfig::BatchNorm(config.clone()).validate()?;
        let c = [config.features];
        let zeros = creation::zeros(dev, &c, DType::F32)?;
        let ones = creation::ones(dev, &c, DType::F32)?;
        let n = &config.name;
        Ok(BatchNorm {
            gamma: if config.scale {
                Some(variable(n, "gamma", &ones, true)?)
            } else {
                None
            },
            beta: if config.center {
                Some(variable(n, "beta", &zeros, true)?)
            } else {
                None
            },
            moving_mean: variable(n, "moving_mean", &zeros, false)?,
            moving_variance: variable(n, "moving_variance", &ones, false)?,
            config,
        })
    }
}

impl Module for BatchNorm {
    fn name(&self) -> &str {
        &self.config.name
    }
    fn forward(&self, x: &Tensor, training: bool) -> Result<Tensor> {
        if x.rank() < 2 || x.shape().last() != Some(&self.config.features) {
            return Err(Error::shape(
                "BatchNorm",
                format!(
                    "layer {} expects [..., {}], got {:?}",
                    self.config.name,
                    self.config.features,
                    x.shape()
                ),
            ));
        }
        let x = x.cast(DType::F32)?;
        let (mean, var) = if training {
            let axes: Vec<isize> = (0..x.rank() as isize - 1).collect();
            let (mean, var) = x.moments(&axes, false)?;
            let m = self.config.momentum;
            let new_mean = self.moving_mean.value().mul(m)?.add(&mean.mul(1.0 - m)?)?;
            let new_var = self.moving_variance.value().mul(m)?.add(&var.mul(1.0 - m)?)?;
            crate::variable::assign_all(&[
                (self.moving_mean.clone(), new_mean),
                (self.moving_variance.clone(), new_var),
            ])?;
            (mean, var)
        } else {
            (self.moving_mean.value(), self.moving_variance.value())
        };
        let mut y = x.sub(&mean)?.mul(&var.add(self.config.epsilon)?.rsqrt()?)?;
        if let Some(g) = &self.gamma {
            y = y.mul(g.value())?;
        }
        if let Some(b) = &self.beta {
            y = y.add(b.value())?;
        }
        Ok(y)
    }
    fn variables(&self) -> Vec<Variable> {
        let mut v: Vec<Variable> = self.gamma.iter().chain(self.beta.iter()).cloned().collect();
        v.push(self.moving_mean.clone());
        v.push(self.moving_variance.clone());
        v
    }
    fn config(&self) -> LayerConfig {
        LayerConfig::BatchNorm(self.config.clone())
    }
}
