//! TF.js's `model.json` and weight shards: parsed strictly, validated before anything is
//! allocated (sizes overflow-checked and capped by [`LoadLimits`], shard paths plain relative
//! names, a group's weight specs tiling its shards exactly), then decoded and dequantized as
//! TF.js's `decodeWeights` does (`q * scale + min` in double precision, rounded to float32 once).

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::dtype::HostData;
use crate::io::{check_relative_path, resolve_in_dir, LoadLimits};
use crate::{Error, Result};

/// A `model.json` as TF.js writes it (`ModelJSON`): every field TF.js defines; another field is
/// an error that names it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ModelArtifacts {
    /// `"graph-model"` or `"layers-model"` (absent in old files).
    pub format: Option<String>,
    pub generated_by: Option<String>,
    pub converted_by: Option<String>,
    /// A GraphDef for graph models, a Keras model config for layers models.
    pub model_topology: Option<Value>,
    #[serde(default)]
    pub weights_manifest: Vec<WeightGroup>,
    pub signature: Option<Value>,
    pub user_defined_metadata: Option<Value>,
    /// A second GraphDef run once at load (hash-table initialization).
    pub model_initializer: Option<Value>,
    pub initializer_signature: Option<Value>,
    pub training_config: Option<Value>,
}

/// One group of the weights manifest: its shard files, in order, and the weights they hold.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightGroup {
    pub paths: Vec<String>,
    pub weights: Vec<WeightSpec>,
}

/// One weight of a group: its bytes follow the previous weight's in the concatenated shards.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightSpec {
    pub name: String,
    pub shape: Vec<u64>,
    pub dtype: String,
    pub group: Option<String>,
    pub quantization: Option<Quantization>,
}

/// How a weight is stored when it is quantized.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quantization {
    /// `"uint8"`, `"uint16"` or `"float16"`.
    pub dtype: String,
    pub scale: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub original_dtype: Option<String>,
}

/// A decoded weight.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedWeight {
    pub name: String,
    pub shape: Vec<usize>,
    pub data: HostData,
}

fn format_err(msg: impl Into<String>) -> Error {
    Error::Format(msg.into())
}

impl ModelArtifacts {
    /// Parses `model.json` bytes (at most `limits.max_topology_bytes`).
    pub fn parse(bytes: &[u8], limits: &LoadLimits) -> Result<ModelArtifacts> {
        if bytes.len() as u64 > limits.max_topology_bytes {
            return Err(format_err(format!(
                "model.json has {} bytes, more than the limit of {}",
                bytes.len(),
                limits.max_topology_bytes
            )));
        }
        let m: ModelArtifacts = serde_json::from_slice(bytes).map_err(|e| format_err(format!("model.json: {e}")))?;
        m.check_manifest(limits)?;
        Ok(m)
    }

    /// Every shard path, in manifest order (groups one after another).
    pub fn shard_paths(&self) -> Vec<&str> {
        self.weights_manifest
            .iter()
            .flat_map(|g| g.paths.iter().map(String::as_str))
            .collect()
    }

    /// The bytes weight group `i`'s shards must hold together.
    pub fn group_bytes(&self, i: usize, limits: &LoadLimits) -> Result<u64> {
        let g = self
            .weights_manifest
            .get(i)
            .ok_or_else(|| format_err(format!("weightsManifest has no group {i}")))?;
        group_bytes(g, limits)
    }

    /// Checks the manifest against `limits`: shard paths, weight count, ranks, every size.
    pub fn check_manifest(&self, limits: &LoadLimits) -> Result<()> {
        let paths = self.shard_paths();
        if paths.len() > limits.max_weight_files {
            return Err(format_err(format!(
                "weightsManifest lists {} shards, more than the limit of {}",
                paths.len(),
                limits.max_weight_files
            )));
        }
        for p in &paths {
            check_relative_path(p)?;
        }
        let count: usize = self.weights_manifest.iter().map(|g| g.weights.len()).sum();
        if count > limits.max_tensors {
            return Err(format_err(format!(
                "weightsManifest lists {count} weights, more than the limit of {}",
                limits.max_tensors
            )));
        }
        let mut total = 0u64;
        for (i, g) in self.weights_manifest.iter().enumerate() {
            if g.paths.is_empty() && !g.weights.is_empty() {
                return Err(format_err(format!(
                    "weightsManifest[{i}] lists weights but no shard paths"
                )));
            }
            let bytes = group_bytes(g, limits)?;
            total = total
                .checked_add(bytes)
                .filter(|&t| t <= limits.max_total_weights_bytes)
                .ok_or_else(|| {
                    format_err(format!(
                        "the weights need more than the limit of {} bytes",
                        limits.max_total_weights_bytes
                    ))
                })?;
        }
        Ok(())
    }
}

/// How a weight is stored: element size and the decoding.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stored {
    F32,
    I32,
    Bool,
    /// Affine `q * scale + min` over unsigned integers of this many bytes.
    Affine {
        bytes: usize,
        scale: f64,
        min: f64,
    },
    F16,
}

impl Stored {
    fn size(self) -> usize {
        match self {
            Stored::F32 | Stored::I32 => 4,
            Stored::Bool => 1,
            Stored::Affine { bytes, .. } => bytes,
            Stored::F16 => 2,
        }
    }
}

fn stored(w: &WeightSpec) -> Result<Stored> {
    let err = |msg: String| format_err(format!("weight {:?}: {msg}", w.name));
    match w.dtype.as_str() {
        "float32" | "int32" | "bool" => {}
        "string" => return Err(err("string weights are not supported".into())),
        other => {
            return Err(err(format!(
                "unknown dtype {other:?} (supported: float32, int32, bool)"
            )))
        }
    }
    let Some(q) = &w.quantization else {
        return Ok(match w.dtype.as_str() {
            "float32" => Stored::F32,
            "int32" => Stored::I32,
            _ => Stored::Bool,
        });
    };
    match q.dtype.as_str() {
        "uint8" | "uint16" => {
            if w.dtype == "bool" {
                return Err(err(format!("a bool weight cannot be quantized to {}", q.dtype)));
            }
            let bytes = if q.dtype == "uint8" { 1 } else { 2 };
            let levels = if bytes == 1 { 255.0 } else { 65535.0 };
            let (scale, min) = match (q.scale, q.min, q.max) {
                (Some(s), Some(m), _) => (s, m),
                (None, Some(m), Some(x)) => ((x - m) / levels, m),
                _ => {
                    return Err(err(format!(
                        "quantization {} needs min and scale (or min and max)",
                        q.dtype
                    )))
                }
            };
            if !scale.is_finite() || !min.is_finite() {
                return Err(err(format!(
                    "quantization {} has a non-finite scale or min ({scale}, {min})",
                    q.dtype
                )));
            }
            Ok(Stored::Affine { bytes, scale, min })
        }
        "float16" => {
            if w.dtype != "float32" {
                return Err(err(format!(
                    "float16 quantization needs dtype float32, got {}",
                    w.dtype
                )));
            }
            Ok(Stored::F16)
        }
        other => Err(err(format!(
            "unknown quantization dtype {other:?} (supported: uint8, uint16, float16)"
        ))),
    }
}

/// The shape as sizes, the element count, and the stored byte count of one weight.
fn weight_layout(w: &WeightSpec, limits: &LoadLimits) -> Result<(Vec<usize>, usize, u64)> {
    if w.shape.len() > limits.max_rank {
        return Err(format_err(format!(
            "weight {:?} has rank {}, more than the limit of {}",
            w.name,
            w.shape.len(),
            limits.max_rank
        )));
    }
    let too_big = || format_err(format!("weight {:?} of shape {:?} is too large", w.name, w.shape));
    let mut shape = Vec::with_capacity(w.shape.len());
    let mut n: u64 = 1;
    for &d in &w.shape {
        shape.push(usize::try_from(d).map_err(|_| too_big())?);
        n = n.checked_mul(d).ok_or_else(too_big)?;
    }
    let bytes = n.checked_mul(stored(w)?.size() as u64).ok_or_else(too_big)?;
    if bytes > limits.max_weights_file_bytes.max(limits.max_total_weights_bytes) {
        return Err(too_big());
    }
    Ok((shape, usize::try_from(n).map_err(|_| too_big())?, bytes))
}

/// The bytes a group's weights occupy in its shards.
fn group_bytes(g: &WeightGroup, limits: &LoadLimits) -> Result<u64> {
    let mut total = 0u64;
    for w in &g.weights {
        let (_, _, b) = weight_layout(w, limits)?;
        total = total
            .checked_add(b)
            .ok_or_else(|| format_err("the weights' sizes overflow"))?;
    }
    Ok(total)
}

fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let frac = u32::from(h & 0x3ff);
    let bits = match (exp, frac) {
        (0, 0) => sign,
        // Subnormal: renormalize into float32's range.
        (0, f) => {
            let shift = f.leading_zeros() - 21;
            sign | ((113 - shift) << 23) | ((f << shift) & 0x3ff) << 13
        }
        (0x1f, f) => sign | 0x7f80_0000 | (f << 13),
        (e, f) => sign | ((e + 112) << 23) | (f << 13),
    };
    f32::from_bits(bits)
}

fn decode_one(w: &WeightSpec, bytes: &[u8]) -> Result<HostData> {
    let s = stored(w)?;
    let int = w.dtype == "int32";
    Ok(match s {
        Stored::F32 => HostData::F32(
            bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ),
        Stored::I32 => HostData::I32(
            bytes
                .chunks_exact(4)
                .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ),
        Stored::Bool => HostData::Bool(bytes.iter().map(|&b| b != 0).collect()),
        Stored::Affine {
            bytes: size,
            scale,
            min,
        } => {
            let q = |c: &[u8]| -> f64 {
                if size == 1 {
                    f64::from(c[0])
                } else {
                    f64::from(u16::from_le_bytes([c[0], c[1]]))
                }
            };
            let values = bytes.chunks_exact(size).map(|c| q(c) * scale + min);
            if int {
                HostData::I32(values.map(|v| v.round() as i32).collect())
            } else {
                HostData::F32(values.map(|v| v as f32).collect())
            }
        }
        Stored::F16 => HostData::F32(
            bytes
                .chunks_exact(2)
                .map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]])))
                .collect(),
        ),
    })
}

/// Decodes every weight of `groups` from their shards (`shards[g]` holds group `g`'s shard files
/// in order). A group's shards must hold exactly the bytes its weights need.
pub fn decode_weights(
    groups: &[WeightGroup],
    shards: &[Vec<Vec<u8>>],
    limits: &LoadLimits,
) -> Result<Vec<NamedWeight>> {
    if groups.len() != shards.len() {
        return Err(format_err(format!(
            "{} weight groups but shards for {}",
            groups.len(),
            shards.len()
        )));
    }
    let mut out = vec![];
    for (gi, (g, files)) in groups.iter().zip(shards).enumerate() {
        if files.len() != g.paths.len() {
            return Err(format_err(format!(
                "weightsManifest[{gi}] lists {} shards, got {}",
                g.paths.len(),
                files.len()
            )));
        }
        let have: u64 = files.iter().map(|f| f.len() as u64).sum();
        let need = group_bytes(g, limits)?;
        if have != need {
            return Err(format_err(format!(
                "weightsManifest[{gi}] ({}): the shards hold {have} bytes, the weights need {need}",
                g.paths.join(", ")
            )));
        }
        let data: std::borrow::Cow<[u8]> = if files.len() == 1 {
            std::borrow::Cow::Borrowed(&files[0])
        } else {
            std::borrow::Cow::Owned(files.concat())
        };
        let mut offset = 0usize;
        for w in &g.weights {
            let (shape, _, bytes) = weight_layout(w, limits)?;
            let end = offset + bytes as usize;
            out.push(NamedWeight {
                name: w.name.clone(),
                shape,
                data: decode_one(w, &data[offset..end])?,
            });
            offset = end;
        }
    }
    Ok(out)
}

/// Reads a TF.js model folder: `model.json` and the shards it lists (each checked to be a regular
/// file inside `dir` and within the limits before it is read), decoded.
pub fn load_dir(dir: impl AsRef<Path>, limits: &LoadLimits) -> Result<(ModelArtifacts, Vec<NamedWeight>)> {
    let dir = std::fs::canonicalize(dir.as_ref()).map_err(|e| Error::Io(format!("{}: {e}", dir.as_ref().display())))?;
    let json_path = resolve_in_dir(&dir, crate::io::MODEL_JSON)?;
    let size = std::fs::metadata(&json_path)?.len();
    if size > limits.max_topology_bytes {
        return Err(format_err(format!(
            "model.json has {size} bytes, more than the limit of {}",
            limits.max_topology_bytes
        )));
    }
    let artifacts = ModelArtifacts::parse(&std::fs::read(&json_path)?, limits)?;
    let mut shards = vec![];
    for g in &artifacts.weights_manifest {
        let mut files = vec![];
        for p in &g.paths {
            let path = resolve_in_dir(&dir, p)?;
            let len = std::fs::metadata(&path)?.len();
            if len > limits.max_weights_file_bytes {
                return Err(format_err(format!(
                    "shard {p:?} has {len} bytes, more than the limit of {}",
                    limits.max_weights_file_bytes
                )));
            }
            files.push(std::fs::read(&path)?);
        }
        shards.push(files);
    }
    let weights = decode_weights(&artifacts.weights_manifest, &shards, limits)?;
    Ok((artifacts, weights))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(weights: serde_json::Value, paths: &[&str]) -> WeightGroup {
        serde_json::from_value(serde_json::json!({"paths": paths, "weights": weights})).unwrap()
    }

    #[test]
    fn dequantizes_as_tfjs() {
        let g = group(
            serde_json::json!([
                {"name": "a", "shape": [3], "dtype": "float32", "quantization": {"dtype": "uint8", "scale": 0.5, "min": -1.0}},
                {"name": "b", "shape": [2], "dtype": "int32", "quantization": {"dtype": "uint16", "min": 0.0, "max": 65535.0}},
                {"name": "c", "shape": [2], "dtype": "float32", "quantization": {"dtype": "float16"}},
                {"name": "d", "shape": [1], "dtype": "bool"}
            ]),
            &["s1", "s2"],
        );
        let mut bytes = vec![0u8, 2, 255];
        bytes.extend(7u16.to_le_bytes());
        bytes.extend(65535u16.to_le_bytes());
        bytes.extend(0x3c00u16.to_le_bytes()); // 1.0
        bytes.extend(0x0001u16.to_le_bytes()); // the smallest subnormal, 2^-24
        bytes.push(1);
        let (a, b) = bytes.split_at(5);
        let w = decode_weights(&[g], &[vec![a.to_vec(), b.to_vec()]], &LoadLimits::default()).unwrap();
        assert_eq!(w[0].data, HostData::F32(vec![-1.0, 0.0, 126.5]));
        assert_eq!(w[1].data, HostData::I32(vec![7, 65535]));
        assert_eq!(w[2].data, HostData::F32(vec![1.0, 2f32.powi(-24)]));
        assert_eq!(w[3].data, HostData::Bool(vec![true]));
    }

    #[test]
    fn half_floats_decode_exactly() {
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x7bff), 65504.0);
        assert_eq!(f16_to_f32(0x0200), 2f32.powi(-15));
        assert!(f16_to_f32(0x7e00).is_nan());
        assert_eq!(f16_to_f32(0xfc00), f32::NEG_INFINITY);
    }

    #[test]
    fn rejects_what_does_not_add_up() {
        let l = LoadLimits::default();
        let g = || {
            group(
                serde_json::json!([{"name": "a", "shape": [2], "dtype": "float32"}]),
                &["s"],
            )
        };
        let short = decode_weights(&[g()], &[vec![vec![0; 7]]], &l).unwrap_err().to_string();
        assert!(short.contains("the shards hold 7 bytes, the weights need 8"), "{short}");
        let long = decode_weights(&[g()], &[vec![vec![0; 9]]], &l).unwrap_err().to_string();
        assert!(long.contains("hold 9 bytes"), "{long}");
        let bad = |w: serde_json::Value| -> String {
            let g = group(w, &["s"]);
            decode_weights(&[g], &[vec![vec![0; 4]]], &l).unwrap_err().to_string()
        };
        let e = bad(serde_json::json!([{"name": "a", "shape": [1], "dtype": "complex64"}]));
        assert!(e.contains("\"a\": unknown dtype \"complex64\""), "{e}");
        let e = bad(
            serde_json::json!([{"name": "a", "shape": [4], "dtype": "float32", "quantization": {"dtype": "uint8", "scale": 1.0}}]),
        );
        assert!(e.contains("needs min and scale"), "{e}");
        let e = bad(
            serde_json::json!([{"name": "a", "shape": [4], "dtype": "float32", "quantization": {"dtype": "int4", "scale": 1.0, "min": 0.0}}]),
        );
        assert!(e.contains("unknown quantization dtype \"int4\""), "{e}");
        let e = bad(serde_json::json!([{"name": "a", "shape": [4294967296u64, 4294967296u64, 2], "dtype": "float32"}]));
        assert!(e.contains("too large"), "{e}");
        let e = bad(serde_json::json!([{"name": "a", "shape": [1], "dtype": "string"}]));
        assert!(e.contains("string weights are not supported"), "{e}");
    }

    #[test]
    fn model_json_is_strict() {
        let l = LoadLimits::default();
        let e = ModelArtifacts::parse(br#"{"format": "graph-model", "modelTopolgy": {}}"#, &l).unwrap_err();
        assert!(e.to_string().contains("unknown field `modelTopolgy`"), "{e}");
        for p in ["../w.bin", "/etc/passwd", "a\\b", "http://x/y", ""] {
            let j = serde_json::json!({"weightsManifest": [{"paths": [p], "weights": []}]});
            let e = ModelArtifacts::parse(j.to_string().as_bytes(), &l).unwrap_err();
            assert!(e.to_string().contains("weights path"), "{p}: {e}");
        }
        let tiny = LoadLimits {
            max_total_weights_bytes: 16,
            ..l
        };
        let j = serde_json::json!({"weightsManifest": [{"paths": ["s"], "weights": [{"name": "a", "shape": [5], "dtype": "float32"}]}]});
        assert!(ModelArtifacts::parse(j.to_string().as_bytes(), &tiny).is_err());
    }
}
