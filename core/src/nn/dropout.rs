//! Inverted dropout: in training, zeroes each element with probability `rate` and scales the rest
//! by `1 / (1 - rate)`; at inference it is the identity.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use super::init::{resolve_seed, unique_name};
use super::{LayerConfig, Module};
use crate::ops::creation;
use crate::tensor::Tensor;
use crate::variable::Variable;
use crate::{Error, Result};

/// Config of [`Dropout`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropoutConfig {
    pub name: String,
    /// Fraction of elements dropped, in `[0, 1)`.
    pub rate: f32,
    /// Base seed; each training call derives a fresh seed from it and a call counter.
    #[serde(default)]
    pub seed: Option<u64>,
}

impl DropoutConfig {
    pub fn new(rate: f32) -> Self {
        DropoutConfig {
            name: String::new(),
            rate,
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
        if !(0.0..1.0).contains(&self.rate) {
            return Err(Error::invalid(
                "Dropout",
                format!("rate must be in [0, 1), got {}", self.rate),
            ));
        }
        Ok(())
    }
}

/// Dropout with a deterministic stream of masks (base seed + call counter).
pub struct Dropout {
    config: DropoutConfig,
    calls: AtomicU64,
}

/// SplitMix64 finalizer: decorrelates consecutive call counters.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Dropout {
    pub fn new(mut config: DropoutConfig) -> Result<Dropout> {
        if config.name.is_empty() {
            config.name = unique_name("dropout");
        }
        config.seed = Some(resolve_seed(config.seed));
        LayerConfig::Dropout(config.clone()).validate()?;
        Ok(Dropout {
            config,
            calls: AtomicU64::new(0),
        })
    }
}

impl Module for Dropout {
    fn name(&self) -> &str {
        &self.config.name
    }
    fn forward(&self, x: &Tensor, training: bool) -> Result<Tensor> {
        if !training || self.config.rate == 0.0 {
            return Ok(x.clone());
        }
        let n = self.calls.fetch_add(1, Ordering::Relaxed);
        let base = self.config.seed.unwrap_or(0);
        let seed = mix(base ^ n.wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let keep = 1.0 - self.config.rate;
        let mask = creation::random_bernoulli(&x.device(), x.shape(), keep, seed)?;
        x.mul(&mask)?.div(keep)
    }
    fn variables(&self) -> Vec<Variable> {
        vec![]
    }
    fn config(&self) -> LayerConfig {
        LayerConfig::Dropout(self.config.clone())
    }
}
