//! The Keras-style layers API: `ff.sequential()`, `ff.layers.*`, `compile`/`fit`/`evaluate`/
//! `predict`, weights, and saving/loading in Ferroflow's model format (`ferroflow::io`:
//! `model.json` + safetensors, the same bytes the native crates read and write).
//!
//! - `spec`: TF.js layer configs, validated, turned into core layers once the input shape is known.
//! - `loss`: the loss and metric names `compile` accepts (core's `nn::losses`/`nn::metrics`),
//!   with TF.js's errors for other names.
//! - `model`: the exported `ModelCore` class (one call per training step) and model loading.

pub mod loss;
pub mod model;
pub mod spec;
