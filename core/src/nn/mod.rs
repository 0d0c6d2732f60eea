//! Neural-network layers, Keras-style. A [`Module`] maps a tensor to a tensor, owns its
//! [`Variable`]s, and describes itself with a serializable [`LayerConfig`], so a model's topology
//! can be written to `model.json` and rebuilt (see [`crate::io`]).
//!
//! Layers are built eagerly from explicit input sizes (no shape inference on first call), and
//! random initializers take explicit seeds: a config with its seed rebuilds the same weights.
//!
//! ```no_run
//! use ferroflow_core::nn::{Activation, Conv2dConfig, DenseConfig, LayerConfig, Module, Sequential};
//! # fn main() -> ferroflow_core::Result<()> {
//! let dev = ferroflow_core::default_device()?;
//! let model = Sequential::from_configs(
//!     &dev,
//!     "mlp",
//!     vec![
//!         LayerConfig::Dense(DenseConfig::new(784, 128).activation(Activation::Relu).seed(1)),
//!         LayerConfig::Dense(DenseConfig::new(128, 10).seed(2)),
//!     ],
//! )?;
//! let x = ferroflow_core::ops::creation::zeros(&dev, &[32, 784], ferroflow_core::DType::F32)?;
//! let logits = model.forward(&x, false)?;
//! assert_eq!(logits.shape(), &[32, 10]);
//! # Ok(()) }
//! ```

mod activation;
mod batch_norm;
mod config;
mod conv2d;
mod dense;
mod dropout;
mod embedding;
mod flatten;
mod init;
pub mod losses;
pub mod metrics;
mod pool;
mod sequential;
pub mod train;

pub use activation::{Activation, ActivationConfig, ActivationLayer};
pub use batch_norm::{BatchNorm, BatchNormConfig};
pub use config::{LayerConfig, PaddingConfig, VarSpec};
pub use conv2d::{Conv2d, Conv2dConfig};
pub use dense::{Dense, DenseConfig};
pub use dropout::{Dropout, DropoutConfig};
pub use embedding::{Embedding, EmbeddingConfig};
pub use flatten::{Flatten, FlattenConfig};
pub use init::glorot_uniform;
pub use pool::{AvgPool2d, MaxPool2d, PoolConfig};
pub use sequential::{Sequential, SequentialConfig};

use crate::tensor::Tensor;
use crate::variable::Variable;
use crate::Result;

/// A layer or a model: a function of one tensor with its own variables.
pub trait Module: Send + Sync {
    /// The layer's name; variable names are `"{name}/{weight}"`.
    fn name(&self) -> &str;
    /// Computes the output. `training` turns on dropout and batch statistics (which also updates
    /// BatchNorm's moving averages).
    fn forward(&self, x: &Tensor, training: bool) -> Result<Tensor>;
    /// Every variable: trainable ones and state such as BatchNorm's moving statistics, in a fixed
    /// order (the order of [`LayerConfig::variable_specs`]).
    fn variables(&self) -> Vec<Variable>;
    /// The variables an optimizer should update.
    fn trainable_variables(&self) -> Vec<Variable> {
        self.variables().into_iter().filter(|v| v.trainable()).collect()
    }
    /// The serializable description that rebuilds this layer (with the same initial weights).
    fn config(&self) -> LayerConfig;
}

/// Builds a layer from its config (see [`LayerConfig::build`]).
pub fn build_layer(dev: &crate::Device, config: &LayerConfig) -> Result<Box<dyn Module>> {
    config.build(dev)
}
