//! Ferroflow's cross-backend conformance suite.
//!
//! [`conformance`] holds the harness: the backend registry, the [`conformance::Case`] type (an op
//! built on a device, its inputs, an independent scalar reference written in plain `f64` loops,
//! tolerances) and the runner, which checks forward values and finite-difference gradients on
//! every present backend. [`cases`] holds the op table, one module per op family.
//!
//! `cargo test -p ferroflow-tests` runs every family on every present backend;
//! `cargo run --release -p ferroflow-tests --bin op-matrix -- --json` prints the op x backend
//! matrix. Backends that are not present are reported as skipped, with the reason.

pub mod cases;
pub mod conformance;
