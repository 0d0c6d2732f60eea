//! Embedding lookup: integer ids `[...]` -> vectors `[..., output_dim]`.

use serde::{Deserialize, Serialize};

use super::init::{checked_numel, positive, resolve_seed, unique_name, variable};
use super::{LayerConfig, Module, VarSpec};
use crate::device::Device;
use crate::dtype::DType;
use crate::ops::creation;
use crate::tensor::Tensor;
use crate::variable::Variable;
use crate::Result;

/// Config of [`Embedding`]: table `[input_dim, output_dim]`, initialized `U(-0.05, 0.05)` (Keras).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmbeddingConfig {
    pub name: String,
    /// Vocabulary size.
    pub input_dim: usize,
    pub output_dim: usize,
    #[serde(default)]
    pub seed: Option<u64>,
}

impl EmbeddingConfig {
    pub fn new(input_dim: usize, output_dim: usize) -> Self {
        EmbeddingConfig {
            name: String::new(),
            input_dim,
            output_dim,
            seed: None,
        }
    }
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }
    pub(crate) fn validate(&self) -> Result<()> {
        positive("Embedding", "input_dim", self.input_dim)?;
        positive("Embedding", "output_dim", self.output_dim)?;
        checked_numel("Embedding", &[self.input_dim, self.output_dim])?;
        Ok(())
    }
    pub(crate) fn variable_specs(&self) -> Vec<VarSpec> {
        vec![VarSpec::f32(
            &self.name,
            "embeddings",
            vec![self.input_dim, self.output_dim],
            true,
        )]
    }
}

/// A trainable lookup table. Ids outside `0..input_dim` give zero vectors (the gather primitive's
/// out-of-range rule).
pub struct Embedding {
    config: EmbeddingConfig,
    embeddings: Variable,
}

impl Embedding {
    pub fn new(dev: &Device, mut config: EmbeddingConfig) -> Result<Embedding> {
        if config.name.is_empty() {
            config.name = unique_name("embedding");
        }
        let seed = resolve_seed(config.seed);
        config.seed = Some(seed);
        LayerConfig::Embedding(config.clone()).validate()?;
        let init = creation::random_uniform(dev, &[config.input_dim, config.output_dim], -0.05, 0.05, seed)?;
        let embeddings = variable(&config.name, "embeddings", &init, true)?;
        Ok(Embedding { config, embeddings })
    }
}

impl Module for Embedding {
    fn name(&self) -> &str {
        &self.config.name
    }
    fn forward(&self, x: &Tensor, _training: bool) -> Result<Tensor> {
        let ids = if x.dtype() == DType::I32 {
            x.clone()
        } else {
            x.cast(DType::I32)?
        };
        self.embeddings.value().gather(&ids, 0)
    }
    fn variables(&self) -> Vec<Variable> {
        vec![self.embeddings.clone()]
    }
    fn config(&self) -> LayerConfig {
        LayerConfig::Embedding(self.config.clone())
    }
}
