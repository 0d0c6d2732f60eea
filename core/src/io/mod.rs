//! Saving and loading models: weights in safetensors, topology and weights manifest in
//! `model.json`.
//!
//! ```text
//! models/mnist/
//!   model.json             {"format": "ferroflow-layers-model", "format_version": 1,
//!                           "model": {"class_name": "Sequential", "config": {...}},
//!                           "weights": [{"path": "weights.safetensors", "size": N, "sha256": "...",
//!                                        "tensors": [{"name": "conv2d_1/kernel", "dtype": "float32", "shape": [3, 3, 1, 16]}, ...]}]}
//!   weights.safetensors
//! ```
//!
//! Loading is strict and validates everything before any tensor is created: sizes against
//! [`LoadLimits`] (checked on the file system before reading), the SHA-256 of each weights file,
//! the safetensors layout (see [`safetensors::parse`]), that weight paths are plain relative names
//! resolving inside the model folder (symlinks included), and that the manifest, the files and the
//! topology agree on every tensor's name, dtype and shape. Every failure is an [`Error::Format`]
//! or [`Error::Io`]; hostile files never panic.

mod digest;
mod limits;
mod manifest;
mod path;
pub mod safetensors;

pub use digest::{sha256_hex, verify_sha256};
pub use limits::LoadLimits;
pub use manifest::{
    check_manifest, check_weight_file, parse_dtype, parse_model_json, ModelJson, TensorSpec, WeightFile, FORMAT,
    FORMAT_VERSION,
};
pub use path::{check_relative_path, resolve_in_dir};

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use crate::device::Device;
use crate::dtype::HostData;
use crate::nn::{LayerConfig, Module, VarSpec};
use crate::tensor::Tensor;
use crate::variable::assign_all;
use crate::{Error, Result};

/// File name of the topology inside a model folder.
pub const MODEL_JSON: &str = "model.json";
/// File name of the weights written by [`save_model`].
pub const WEIGHTS_FILE: &str = "weights.safetensors";

/// A model file that passed every check: its topology and the value of each variable.
#[derive(Debug, Clone)]
pub struct ValidatedModel {
    pub manifest: ModelJson,
    /// One entry per variable of the topology, in the topology's order.
    pub weights: Vec<(VarSpec, HostData)>,
}

impl ValidatedModel {
    /// Builds the model on `dev` and sets every variable from the file.
    pub fn instantiate(self, dev: &Device) -> Result<Box<dyn Module>> {
        let model = self
            .manifest
            .model
            .build(dev)
            .map_err(|e| Error::Format(format!("model.json: cannot build the topology: {e}")))?;
        assign_weights(model.as_ref(), self.weights, dev)?;
        Ok(model)
    }
}

/// Sets every variable of `model` (built from the validated topology) from validated values, in
/// one schedule; fails unless names and shapes match one to one.
pub fn assign_weights(model: &dyn Module, weights: Vec<(VarSpec, HostData)>, dev: &Device) -> Result<()> {
    let vars = model.variables();
    if vars.len() != weights.len() {
        return Err(Error::Format(format!(
            "the built model has {} variables, the file {}",
            vars.len(),
            weights.len()
        )));
    }
    let mut updates = Vec::with_capacity(vars.len());
    for (v, (spec, data)) in vars.into_iter().zip(weights) {
        if v.name() != spec.name || v.value().shape() != spec.shape.as_slice() {
            return Err(Error::Format(format!(
                "variable {} of the built model does not match {:?}",
                v.name(),
                spec.name
            )));
        }
        updates.push((v, Tensor::from_host_on(data, &spec.shape, dev)?));
    }
    assign_all(&updates)
}

/// Validates a model from its `model.json` bytes and a reader for each weights file (called only
/// after the manifest passed its checks; it should refuse files larger than the entry's `size`).
pub fn validate_parts(
    model_json: &[u8],
    limits: &LoadLimits,
    read: &mut dyn FnMut(&WeightFile) -> Result<Vec<u8>>,
) -> Result<ValidatedModel> {
    let manifest = parse_model_json(model_json, limits)?;
    let specs = check_manifest(&manifest, limits)?;
    let mut values: HashMap<String, HostData> = HashMap::new();
    for w in &manifest.weights {
        let bytes = read(w)?;
        let file = check_weight_file(w, &bytes, limits)?;
        for t in &file.tensors {
            values.insert(t.name.clone(), file.host_data(t)?);
        }
    }
    let mut weights = Vec::with_capacity(specs.len());
    for s in specs {
        let data = values
            .remove(&s.name)
            .ok_or_else(|| Error::Format(format!("variable {:?} has no data", s.name)))?;
        weights.push((s, data));
    }
    Ok(ValidatedModel { manifest, weights })
}

/// Reads a file of at most `limit` bytes (checked before reading, and while reading in case it
/// grows).
fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let io = |e: std::io::Error| Error::Io(format!("{}: {e}", path.display()));
    let f = std::fs::File::open(path).map_err(io)?;
    let len = f.metadata().map_err(io)?.len();
    if len > limit {
        return Err(Error::Format(format!(
            "{}: {len} bytes, over the limit of {limit}",
            path.display()
        )));
    }
    let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    f.take(limit.saturating_add(1)).read_to_end(&mut buf).map_err(io)?;
    if buf.len() as u64 > limit {
        return Err(Error::Format(format!(
            "{}: grew past the limit of {limit} bytes while reading",
            path.display()
        )));
    }
    Ok(buf)
}

/// Reads and validates the model in folder `dir` without creating any tensor.
pub fn validate_dir(dir: impl AsRef<Path>, limits: &LoadLimits) -> Result<ValidatedModel> {
    let dir = dir.as_ref();
    let dir = dir
        .canonicalize()
        .map_err(|e| Error::Io(format!("model folder {}: {e}", dir.display())))?;
    let json_path = resolve_in_dir(&dir, MODEL_JSON)?;
    let json = read_limited(&json_path, limits.max_topology_bytes)?;
    validate_parts(&json, limits, &mut |w: &WeightFile| {
        let p = resolve_in_dir(&dir, &w.path)?;
        read_limited(&p, w.size.min(limits.max_weights_file_bytes))
    })
}

/// Loads the model saved in `dir` onto `dev` (see the module docs for what is checked).
pub fn load_model(dir: impl AsRef<Path>, dev: &Device, limits: &LoadLimits) -> Result<Box<dyn Module>> {
    validate_dir(dir, limits)?.instantiate(dev)
}

/// Serializes a model's topology and weights to `(model.json bytes, weights bytes)`: the bytes
/// [`save_model`] writes, and what [`validate_parts`] reads back. Reads every variable with the
/// blocking [`Tensor::to_host`]; where the device cannot block (WebGPU in a page), use
/// [`to_bytes_async`].
pub fn to_bytes(model: &dyn Module) -> Result<(Vec<u8>, Vec<u8>)> {
    let (config, values) = snapshot(model)?;
    let hosts = values.iter().map(Tensor::to_host).collect::<Result<Vec<_>>>()?;
    encode(config, hosts)
}

/// [`to_bytes`] reading the variables with [`Tensor::to_host_async`].
pub async fn to_bytes_async(model: &dyn Module) -> Result<(Vec<u8>, Vec<u8>)> {
    let (config, values) = snapshot(model)?;
    let mut hosts = Vec::with_capacity(values.len());
    for v in &values {
        hosts.push(v.to_host_async().await?);
    }
    encode(config, hosts)
}

/// A model's topology and the current value of each of its variables (in the topology's
/// order), checked against each other; the values are read by [`encode`].
pub fn snapshot(model: &dyn Module) -> Result<(LayerConfig, Vec<Tensor>)> {
    let config = model.config();
    let specs = config.variable_specs()?;
    let vars = model.variables();
    if specs.len() != vars.len() || specs.iter().zip(&vars).any(|(s, v)| s.name != v.name()) {
        return Err(Error::invalid(
            "saveModel",
            "the model's variables do not match its config's variable specs",
        ));
    }
    let mut values = Vec::with_capacity(vars.len());
    for (s, v) in specs.iter().zip(&vars) {
        let value = v.value();
        if value.shape() != s.shape.as_slice() || value.dtype() != s.dtype {
            return Err(Error::invalid(
                "saveModel",
                format!(
                    "variable {} is {:?}, its config says {:?}",
                    s.name,
                    value.shape(),
                    s.shape
                ),
            ));
        }
        values.push(value);
    }
    Ok((config, values))
}

/// `(model.json bytes, weights bytes)` for a topology and the host values of its variables (in
/// the order of [`LayerConfig::variable_specs`]); the one writer of the format.
pub fn encode(config: LayerConfig, values: Vec<HostData>) -> Result<(Vec<u8>, Vec<u8>)> {
    let specs = config.variable_specs()?;
    if specs.len() != values.len() {
        return Err(Error::invalid(
            "saveModel",
            format!(
                "the topology has {} variables, {} values were given",
                specs.len(),
                values.len()
            ),
        ));
    }
    let mut tensors = Vec::with_capacity(specs.len());
    let mut listed = Vec::with_capacity(specs.len());
    for (s, data) in specs.into_iter().zip(values) {
        let n: usize = s.shape.iter().product();
        if data.dtype() != s.dtype || data.len() != n {
            return Err(Error::invalid(
                "saveModel",
                format!(
                    "variable {} needs {n} {} values, got {} {}",
                    s.name,
                    s.dtype,
                    data.len(),
                    data.dtype()
                ),
            ));
        }
        listed.push(TensorSpec {
            name: s.name.clone(),
            dtype: s.dtype.name().to_string(),
            shape: s.shape.clone(),
        });
        tensors.push((s.name, data, s.shape));
    }
    let weights = safetensors::serialize(&tensors)?;
    let manifest = ModelJson {
        format: FORMAT.to_string(),
        format_version: FORMAT_VERSION,
        generated_by: format!("ferroflow-core {}", env!("CARGO_PKG_VERSION")),
        model: config,
        weights: vec![WeightFile {
            path: WEIGHTS_FILE.to_string(),
            size: weights.len() as u64,
            sha256: sha256_hex(&weights),
            tensors: listed,
        }],
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Format(format!("model.json: {e}")))?;
    Ok((json, weights))
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| Error::Io(format!("{}: {e}", tmp.display())))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::Io(format!("{}: {e}", path.display())))
}

/// Saves `model` to folder `dir` (created if needed) as `model.json` + `weights.safetensors`.
pub fn save_model(model: &dyn Module, dir: impl AsRef<Path>) -> Result<()> {
    let dir = dir.as_ref();
    let (json, weights) = to_bytes(model)?;
    std::fs::create_dir_all(dir).map_err(|e| Error::Io(format!("{}: {e}", dir.display())))?;
    write_atomic(&dir.join(WEIGHTS_FILE), &weights)?;
    write_atomic(&dir.join(MODEL_JSON), &json)
}

/// The topology of a saved model, for inspection (validated like [`load_model`] does).
pub fn read_topology(dir: impl AsRef<Path>, limits: &LoadLimits) -> Result<LayerConfig> {
    Ok(validate_dir(dir, limits)?.manifest.model)
}

#[cfg(test)]
mod tests;
