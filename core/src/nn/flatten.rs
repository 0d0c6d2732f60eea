//! Flattens all but the batch axis.

use serde::{Deserialize, Serialize};

use super::init::unique_name;
use super::{LayerConfig, Module};
use crate::tensor::Tensor;
use crate::variable::Variable;
use crate::{Error, Result};

/// Config of [`Flatten`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FlattenConfig {
    pub name: String,
}

impl FlattenConfig {
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }
}

/// `[N, d1, d2, ...] -> [N, d1 * d2 * ...]`.
pub struct Flatten {
    config: FlattenConfig,
}

impl Flatten {
    pub fn new(mut config: FlattenConfig) -> Result<Flatten> {
        if config.name.is_empty() {
            config.name = unique_name("flatten");
        }
        LayerConfig::Flatten(config.clone()).validate()?;
        Ok(Flatten { config })
    }
}

impl Module for Flatten {
    fn name(&self) -> &str {
        &self.config.name
    }
    fn forward(&self, x: &Tensor, _training: bool) -> Result<Tensor> {
        let Some(&n) = x.shape().first() else {
            return Err(Error::shape(
                "Flatten",
                format!("layer {} needs a batch axis, got a scalar", self.config.name),
            ));
        };
        let rest: usize = x.shape()[1..].iter().product();
        let to = [isize::try_from(n), isize::try_from(rest)];
        match to {
            [Ok(a), Ok(b)] => x.reshape(&[a, b]),
            _ => Err(Error::size("Flatten", format!("shape {:?} too large", x.shape()))),
        }
    }
    fn variables(&self) -> Vec<Variable> {
        vec![]
    }
    fn config(&self) -> LayerConfig {
        LayerConfig::Flatten(self.config.clone())
    }
}
