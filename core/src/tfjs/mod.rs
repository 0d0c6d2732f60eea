//! TF.js models: the `model.json` + weight-shard format TensorFlow.js writes and reads, and an
//! executor for its *graph models* (a TensorFlow GraphDef, as `tensorflowjs_converter` writes it)
//! on any [`Device`](crate::Device). Every front end uses this one reader: the Rust API, the edge
//! binary and the JS `loadGraphModel`.
//!
//! ```no_run
//! # fn main() -> ferroflow_core::Result<()> {
//! let dev = ferroflow_core::default_device()?;
//! let model = ferroflow_core::tfjs::GraphModel::load_dir("model_dir", &dev, &Default::default())?;
//! let x = ferroflow_core::ops::creation::zeros(&dev, &[1, 224, 224, 3], ferroflow_core::DType::F32)?;
//! let y = model.predict(&[x])?;
//! println!("{:?}", y[0].shape());
//! # Ok(()) }
//! ```
//!
//! - [`artifacts`]: `model.json` (every field TF.js defines, unknown ones named in the error) and
//!   the weights manifest, validated before anything is allocated; shards decoded and dequantized
//!   (`uint8`/`uint16` affine, `float16`) exactly as TF.js does.
//! - [`graph_def`]: GraphDef nodes and their attributes (proto3 JSON).
//! - [`graph`]: [`GraphModel`]: nodes in topological order, weights on the device, every op
//!   checked at load (one error lists all unsupported ops), `execute` of any node names.
//! - `ops/`: the TF op kernels, one file per category of the converter's op list, each a
//!   composition of core ops.

pub mod artifacts;
pub mod graph;
pub mod graph_def;
mod ops;

pub use artifacts::{decode_weights, ModelArtifacts, NamedWeight, Quantization, WeightGroup, WeightSpec};
pub use graph::{GraphModel, Run, Step, TensorInfo};
pub use graph_def::{GraphDef, NodeDef};
pub use ops::supported_ops;
