//! `model.json`: the topology (a [`LayerConfig`]) plus the weights manifest, and the checks that
//! tie the manifest to the topology and to the weight files' bytes.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::digest::verify_sha256;
use super::path::check_relative_path;
use super::safetensors::{self as st, SafetensorsFile};
use super::LoadLimits;
use crate::dtype::DType;
use crate::nn::{LayerConfig, VarSpec};
use crate::{Error, Result};

/// The `format` string of a Ferroflow model file.
pub const FORMAT: &str = "ferroflow-layers-model";
/// The version written by this crate; readers reject other versions.
pub const FORMAT_VERSION: u32 = 1;

/// The contents of `model.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelJson {
    pub format: String,
    pub format_version: u32,
    #[serde(default)]
    pub generated_by: String,
    /// The topology.
    pub model: LayerConfig,
    /// Weight files (one for models this crate writes).
    pub weights: Vec<WeightFile>,
}

/// One weights file and what it must contain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightFile {
    /// Relative to the model folder, `/`-separated.
    pub path: String,
    /// Byte length of the file.
    pub size: u64,
    /// Lowercase hex SHA-256 of the file.
    pub sha256: String,
    pub tensors: Vec<TensorSpec>,
}

/// A tensor of a weights file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TensorSpec {
    pub name: String,
    /// `float32`, `int32` or `bool` (TF.js names).
    pub dtype: String,
    pub shape: Vec<usize>,
}

/// Parses a dtype name as written in manifests.
pub fn parse_dtype(tensor: &str, s: &str) -> Result<DType> {
    [DType::F32, DType::I32, DType::Bool]
        .into_iter()
        .find(|d| d.name() == s)
        .ok_or_else(|| {
            Error::Format(format!(
                "tensor {tensor:?}: unknown dtype {s:?} (expected float32, int32 or bool)"
            ))
        })
}

/// Parses `model.json` bytes (size-limited) and checks the format tag and version.
pub fn parse_model_json(bytes: &[u8], limits: &LoadLimits) -> Result<ModelJson> {
    if bytes.len() as u64 > limits.max_topology_bytes {
        return Err(Error::Format(format!(
            "model.json is {} bytes, over the limit of {}",
            bytes.len(),
            limits.max_topology_bytes
        )));
    }
    let m: ModelJson = serde_json::from_slice(bytes).map_err(|e| Error::Format(format!("model.json: {e}")))?;
    if m.format != FORMAT {
        return Err(Error::Format(format!(
            "model.json: format is {:?}, expected {FORMAT:?}",
            m.format
        )));
    }
    if m.format_version != FORMAT_VERSION {
        return Err(Error::Format(format!(
            "model.json: format_version {} is not supported (this build reads {FORMAT_VERSION})",
            m.format_version
        )));
    }
    Ok(m)
}

/// Checks the manifest against the topology: plain relative paths, no file twice, every variable
/// the topology needs present exactly once with its dtype and shape, nothing extra. Returns the
/// topology's variable specs.
pub fn check_manifest(m: &ModelJson, limits: &LoadLimits) -> Result<Vec<VarSpec>> {
    let specs = m
        .model
        .variable_specs()
        .map_err(|e| Error::Format(format!("model.json: invalid topology: {e}")))?;
    if m.weights.len() > limits.max_weight_files {
        return Err(Error::Format(format!(
            "{} weight files, over the limit of {}",
            m.weights.len(),
            limits.max_weight_files
        )));
    }
    let mut paths = HashSet::new();
    let mut total: u64 = 0;
    let mut listed: HashMap<&str, (&TensorSpec, &str)> = HashMap::new();
    for w in &m.weights {
        check_relative_path(&w.path)?;
        if !paths.insert(w.path.as_str()) {
            return Err(Error::Format(format!("weights file {:?} is listed twice", w.path)));
        }
        if w.size > limits.max_weights_file_bytes {
            return Err(Error::Format(format!(
                "weights file {:?}: {} bytes, over the limit of {}",
                w.path, w.size, limits.max_weights_file_bytes
            )));
        }
        total = total.saturating_add(w.size);
        if total > limits.max_total_weights_bytes {
            return Err(Error::Format(format!(
                "weights total more than the limit of {} bytes",
                limits.max_total_weights_bytes
            )));
        }
        for t in &w.tensors {
            if listed.len() >= limits.max_tensors {
                return Err(Error::Format(format!("more than {} tensors", limits.max_tensors)));
            }
            if listed.insert(t.name.as_str(), (t, w.path.as_str())).is_some() {
                return Err(Error::Format(format!(
                    "tensor {:?} is listed twice in the manifest",
                    t.name
                )));
            }
        }
    }
    for s in &specs {
        let Some((t, file)) = listed.remove(s.name.as_str()) else {
            return Err(Error::Format(format!(
                "variable {:?} of the topology is missing from the weights manifest",
                s.name
            )));
        };
        let dtype = parse_dtype(&t.name, &t.dtype)?;
        if dtype != s.dtype || t.shape != s.shape {
            return Err(Error::Format(format!(
                "tensor {:?} in {file:?} is {} {:?}, the topology needs {} {:?}",
                t.name, t.dtype, t.shape, s.dtype, s.shape
            )));
        }
    }
    if let Some(extra) = listed.keys().min() {
        return Err(Error::Format(format!(
            "tensor {extra:?} in the weights manifest is not a variable of the topology"
        )));
    }
    Ok(specs)
}

/// Checks one weights file's bytes against its manifest entry: size, SHA-256, a valid
/// safetensors layout, and exactly the listed tensors with their dtypes and shapes.
pub fn check_weight_file<'a>(w: &WeightFile, bytes: &'a [u8], limits: &LoadLimits) -> Result<SafetensorsFile<'a>> {
    let what = format!("weights file {:?}", w.path);
    if bytes.len() as u64 != w.size {
        return Err(Error::Format(format!(
            "{what}: {} bytes, the manifest says {}",
            bytes.len(),
            w.size
        )));
    }
    verify_sha256(&what, bytes, &w.sha256)?;
    let f = st::parse(bytes, limits).map_err(|e| Error::Format(format!("{what}: {}", strip(&e))))?;
    if f.tensors.len() != w.tensors.len() {
        return Err(Error::Format(format!(
            "{what}: holds {} tensors, the manifest lists {}",
            f.tensors.len(),
            w.tensors.len()
        )));
    }
    for t in &w.tensors {
        let Some(e) = f.find(&t.name) else {
            return Err(Error::Format(format!(
                "{what}: tensor {:?} listed in the manifest is missing",
                t.name
            )));
        };
        let dtype = parse_dtype(&t.name, &t.dtype)?;
        if e.dtype != dtype || e.shape != t.shape {
            return Err(Error::Format(format!(
                "{what}: tensor {:?} is {} {:?}, the manifest says {} {:?}",
                t.name, e.dtype, e.shape, t.dtype, t.shape
            )));
        }
    }
    Ok(f)
}

fn strip(e: &Error) -> String {
    match e {
        Error::Format(m) => m.clone(),
        other => other.to_string(),
    }
}
