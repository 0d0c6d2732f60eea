//! Max and average pooling layers (NHWC).

use serde::{Deserialize, Serialize};

use super::init::{positive, unique_name};
use super::{LayerConfig, Module, PaddingConfig};
use crate::tensor::Tensor;
use crate::variable::Variable;
use crate::{Error, Result};

/// Config of [`MaxPool2d`] and [`AvgPool2d`]; `strides` default to `pool_size`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolConfig {
    pub name: String,
    pub pool_size: [usize; 2],
    #[serde(default)]
    pub strides: Option<[usize; 2]>,
    #[serde(default)]
    pub padding: PaddingConfig,
}

impl PoolConfig {
    pub fn new(pool_size: [usize; 2]) -> Self {
        PoolConfig {
            name: String::new(),
            pool_size,
            strides: None,
            padding: PaddingConfig::Valid,
        }
    }
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }
    pub fn strides(mut self, s: [usize; 2]) -> Self {
        self.strides = Some(s);
        self
    }
    pub fn padding(mut self, p: PaddingConfig) -> Self {
        self.padding = p;
        self
    }
    fn effective_strides(&self) -> [usize; 2] {
        self.strides.unwrap_or(self.pool_size)
    }
    pub(crate) fn validate(&self, layer: &str) -> Result<()> {
        for v in [self.pool_size, self.effective_strides()] {
            positive(layer, "pool_size and strides", v[0])?;
            positive(layer, "pool_size and strides", v[1])?;
        }
        Ok(())
    }
}

fn check_input(layer: &str, name: &str, x: &Tensor) -> Result<()> {
    if x.rank() != 4 {
        return Err(Error::shape(
            layer,
            format!("layer {name} expects [N, H, W, C], got {:?}", x.shape()),
        ));
    }
    Ok(())
}

macro_rules! pool_layer {
    ($(#[$m:meta])* $ty:ident, $variant:ident, $prefix:literal, $method:ident) => {
        $(#[$m])*
        pub struct $ty {
            config: PoolConfig,
        }

        impl $ty {
            pub fn new(mut config: PoolConfig) -> Result<$ty> {
                if config.name.is_empty() {
                    config.name = unique_name($prefix);
                }
                LayerConfig::$variant(config.clone()).validate()?;
                Ok($ty { config })
            }
        }

        impl Module for $ty {
            fn name(&self) -> &str {
                &self.config.name
            }
            fn forward(&self, x: &Tensor, _training: bool) -> Result<Tensor> {
                check_input(stringify!($ty), &self.config.name, x)?;
                x.$method(self.config.pool_size, self.config.effective_strides(), self.config.padding.into())
            }
            fn variables(&self) -> Vec<Variable> {
                vec![]
            }
            fn config(&self) -> LayerConfig {
                LayerConfig::$variant(self.config.clone())
            }
        }
    };
}

pool_layer!(
    /// Max pooling over `pool_size` windows.
    MaxPool2d, MaxPool2d, "max_pool2d", max_pool
);
pool_layer!(
    /// Average pooling over `pool_size` windows (padding excluded from the count).
    AvgPool2d, AvgPool2d, "avg_pool2d", avg_pool
);
