//! `ferroflow-edge`: classifies 28x28 digits (PNG files, raw byte files or the demos' MNIST test
//! split) with a model saved by the web demo, the npm package's layers API or
//! `ferroflow::io::save_model` (one format, loaded as it is), and pictures with TF.js graph
//! models (`--image`), on wgpu when an adapter opens and else on the CPU. See `README.md` next to this crate and `ferroflow-edge --help`.

pub mod backend;
pub mod cli;
pub mod digits;
pub mod graph;
pub mod image;
pub mod model;
pub mod run;
pub mod stats;
