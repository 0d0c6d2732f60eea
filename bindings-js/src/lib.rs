//! Ferroflow's JavaScript surface (wasm-bindgen): tensors, every op of the core library, creation
//! and random ops, gradients of JS functions, variables, optimizers, `tidy` scopes, `memory()`,
//! backend selection (WebGPU, else the CPU backend compiled to wasm), and the Keras-style layers
//! API with saving and loading in Ferroflow's model format. The npm package
//! (`npm/`) wraps these exports in a thin ES-module layer with TF.js's ergonomics.
//!
//! Every Rust error becomes a thrown JS `Error` carrying core's message (op, argument, expected
//! vs. actual). No export panics on any input: arguments are validated here and in core, and
//! tensors larger than [`registry::MAX_TENSOR_BYTES`] are refused before anything is allocated
//! (a failed allocation would abort the wasm module).

pub mod args;
pub mod backend;
pub mod convert;
pub mod creation;
pub mod error;
pub mod grad;
pub mod graph_model;
pub mod layers;
pub mod ops;
pub mod optim;
pub mod registry;
pub mod tensor;

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(s: &str);
}

/// Runs when the module is instantiated: a panic (a bug: none should be reachable) is reported
/// on the console before the module traps, so the report names what happened.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        console_error(&format!(
            "ferroflow: internal panic (a bug; the module cannot be used any more): {info}"
        ));
    }));
}

/// The crate version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
