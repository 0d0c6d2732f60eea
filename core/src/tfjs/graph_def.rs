//! A TensorFlow GraphDef in proto3 JSON, as `tensorflowjs_converter` writes `modelTopology`:
//! nodes (`name`, `op`, `input`, `attr`), and the function library of v2 control flow. Integers
//! arrive as strings (`"1"`), strings as base64 (`"U0FNRQ=="` is `SAME`), dtypes as `DT_*` names.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::dtype::DType;
use crate::{Error, Result};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphDef {
    #[serde(default)]
    pub node: Vec<NodeDef>,
    pub library: Option<Value>,
    pub versions: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeDef {
    pub name: String,
    pub op: String,
    #[serde(default)]
    pub input: Vec<String>,
    #[serde(default)]
    pub attr: BTreeMap<String, AttrValue>,
    pub device: Option<String>,
    pub experimental_debug_info: Option<Value>,
    pub experimental_type: Option<Value>,
}

/// One attribute: exactly one of its fields is set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttrValue {
    pub s: Option<String>,
    #[serde(default, deserialize_with = "int64")]
    pub i: Option<i64>,
    #[serde(default, deserialize_with = "float")]
    pub f: Option<f64>,
    pub b: Option<bool>,
    #[serde(rename = "type")]
    pub dtype: Option<String>,
    pub shape: Option<ShapeProto>,
    pub tensor: Option<Value>,
    pub list: Option<ListValue>,
    pub func: Option<Value>,
    pub placeholder: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListValue {
    #[serde(default)]
    pub s: Vec<String>,
    #[serde(default, deserialize_with = "int64s")]
    pub i: Vec<i64>,
    #[serde(default, deserialize_with = "floats")]
    pub f: Vec<f64>,
    #[serde(default)]
    pub b: Vec<bool>,
    #[serde(default, rename = "type")]
    pub dtype: Vec<String>,
    #[serde(default)]
    pub shape: Vec<ShapeProto>,
    #[serde(default)]
    pub tensor: Vec<Value>,
    #[serde(default)]
    pub func: Vec<Value>,
}

/// A shape; `-1` (or an absent size) is unknown, `unknownRank` an unknown rank.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShapeProto {
    #[serde(default)]
    pub dim: Vec<Dim>,
    #[serde(default)]
    pub unknown_rank: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Dim {
    #[serde(default, deserialize_with = "int64")]
    pub size: Option<i64>,
    pub name: Option<String>,
}

impl ShapeProto {
    /// The sizes, `None` where unknown; `None` for an unknown rank.
    pub fn dims(&self) -> Option<Vec<Option<usize>>> {
        if self.unknown_rank {
            return None;
        }
        Some(
            self.dim
                .iter()
                .map(|d| d.size.and_then(|s| usize::try_from(s).ok()))
                .collect(),
        )
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NumOrString {
    Int(i64),
    Float(f64),
    Str(String),
}

fn parse_int(v: NumOrString) -> std::result::Result<i64, String> {
    match v {
        NumOrString::Int(i) => Ok(i),
        NumOrString::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
        NumOrString::Float(f) => Err(format!("expected an integer, got {f}")),
        NumOrString::Str(s) => s.parse().map_err(|_| format!("expected an integer, got {s:?}")),
    }
}

fn parse_float(v: NumOrString) -> std::result::Result<f64, String> {
    match v {
        NumOrString::Int(i) => Ok(i as f64),
        NumOrString::Float(f) => Ok(f),
        NumOrString::Str(s) => match s.as_str() {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            _ => s.parse().map_err(|_| format!("expected a number, got {s:?}")),
        },
    }
}

fn int64<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<i64>, D::Error> {
    Option::<NumOrString>::deserialize(d)?
        .map(parse_int)
        .transpose()
        .map_err(serde::de::Error::custom)
}

fn int64s<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<i64>, D::Error> {
    Vec::<NumOrString>::deserialize(d)?
        .into_iter()
        .map(parse_int)
        .collect::<std::result::Result<_, _>>()
        .map_err(serde::de::Error::custom)
}

fn float<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<f64>, D::Error> {
    Option::<NumOrString>::deserialize(d)?
        .map(parse_float)
        .transpose()
        .map_err(serde::de::Error::custom)
}

fn floats<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<f64>, D::Error> {
    Vec::<NumOrString>::deserialize(d)?
        .into_iter()
        .map(parse_float)
        .collect::<std::result::Result<_, _>>()
        .map_err(serde::de::Error::custom)
}

/// Standard base64 (with or without padding), as proto3 JSON writes `bytes`.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32)
    };
    let bytes = s.trim_end_matches('=').as_bytes();
    if bytes.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for (k, &c) in chunk.iter().enumerate() {
            acc |= value(c)? << (18 - 6 * k);
        }
        let n = chunk.len() - 1;
        out.extend_from_slice(&acc.to_be_bytes()[1..1 + n]);
    }
    Some(out)
}

/// Core's dtype for a TF `DT_*` name (the dtypes core computes in).
pub fn dtype_of(tf: &str) -> Option<DType> {
    Some(match tf {
        "DT_FLOAT" | "DT_HALF" | "DT_DOUBLE" | "DT_BFLOAT16" => DType::F32,
        "DT_INT32" | "DT_INT64" | "DT_INT16" | "DT_INT8" | "DT_UINT8" | "DT_UINT16" | "DT_UINT32" => DType::I32,
        "DT_BOOL" => DType::Bool,
        _ => return None,
    })
}

impl NodeDef {
    fn missing(&self, key: &str, what: &str) -> Error {
        Error::Format(format!(
            "node {:?} ({}): attribute {key:?} missing or not {what}",
            self.name, self.op
        ))
    }
    pub fn has_attr(&self, key: &str) -> bool {
        self.attr.contains_key(key)
    }
    /// A string attribute (decoded from base64).
    pub fn attr_str(&self, key: &str) -> Result<String> {
        self.attr_str_or(key, None)?
            .ok_or_else(|| self.missing(key, "a string"))
    }
    pub fn attr_str_or(&self, key: &str, default: Option<&str>) -> Result<Option<String>> {
        match self.attr.get(key).and_then(|a| a.s.as_deref()) {
            Some(s) => {
                let bytes = base64_decode(s).ok_or_else(|| self.missing(key, "base64"))?;
                String::from_utf8(bytes)
                    .map(Some)
                    .map_err(|_| self.missing(key, "UTF-8 text"))
            }
            None => Ok(default.map(str::to_string)),
        }
    }
    /// A list-of-strings attribute (decoded), empty when absent.
    pub fn attr_strs(&self, key: &str) -> Result<Vec<String>> {
        let Some(list) = self.attr.get(key).and_then(|a| a.list.as_ref()) else {
            return Ok(vec![]);
        };
        list.s
            .iter()
            .map(|s| {
                base64_decode(s)
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| self.missing(key, "a list of base64 strings"))
            })
            .collect()
    }
    pub fn attr_int(&self, key: &str, default: Option<i64>) -> Result<i64> {
        self.attr
            .get(key)
            .and_then(|a| a.i)
            .or(default)
            .ok_or_else(|| self.missing(key, "an integer"))
    }
    pub fn attr_ints(&self, key: &str) -> Result<Vec<i64>> {
        Ok(self
            .attr
            .get(key)
            .and_then(|a| a.list.as_ref())
            .map(|l| l.i.clone())
            .unwrap_or_default())
    }
    pub fn attr_float(&self, key: &str, default: f64) -> f64 {
        self.attr.get(key).and_then(|a| a.f).unwrap_or(default)
    }
    pub fn attr_bool(&self, key: &str, default: bool) -> bool {
        self.attr.get(key).and_then(|a| a.b).unwrap_or(default)
    }
    /// A dtype attribute (`T`, `dtype`, `DstT`...), as core's dtype.
    pub fn attr_dtype(&self, key: &str) -> Result<Option<DType>> {
        match self.attr.get(key).and_then(|a| a.dtype.as_deref()) {
            None => Ok(None),
            Some(t) => dtype_of(t).map(Some).ok_or_else(|| {
                Error::Format(format!(
                    "node {:?} ({}): dtype {t} is not supported (float, int and bool types are)",
                    self.name, self.op
                ))
            }),
        }
    }
    pub fn attr_shape(&self, key: &str) -> Option<Vec<Option<usize>>> {
        self.attr
            .get(key)
            .and_then(|a| a.shape.as_ref())
            .and_then(ShapeProto::dims)
    }
}

/// A node input: `name`, `name:k` (output k) or `^name` (a control dependency).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputRef<'a> {
    pub node: &'a str,
    pub output: usize,
    pub control: bool,
}

pub fn parse_input(s: &str) -> InputRef<'_> {
    if let Some(rest) = s.strip_prefix('^') {
        return InputRef {
            node: rest,
            output: 0,
            control: true,
        };
    }
    if let Some((node, k)) = s.rsplit_once(':') {
        if let Ok(output) = k.parse() {
            return InputRef {
                node,
                output,
                control: false,
            };
        }
    }
    InputRef {
        node: s,
        output: 0,
        control: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_tf_strings() {
        assert_eq!(base64_decode("U0FNRQ==").unwrap(), b"SAME");
        assert_eq!(base64_decode("TkhXQw==").unwrap(), b"NHWC");
        assert_eq!(base64_decode("UmVsdTY=").unwrap(), b"Relu6");
        assert_eq!(base64_decode("").unwrap(), b"");
        assert_eq!(base64_decode("QQ").unwrap(), b"A");
        assert!(base64_decode("A").is_none());
        assert!(base64_decode("U0F*").is_none());
    }

    #[test]
    fn attributes_read_as_the_converter_writes_them() {
        let n: NodeDef = serde_json::from_value(serde_json::json!({
            "name": "c", "op": "_FusedConv2D", "input": ["x", "w:1", "^dep"],
            "attr": {
                "strides": {"list": {"i": ["1", "2", "2", "1"]}},
                "padding": {"s": "U0FNRQ=="},
                "fused_ops": {"list": {"s": ["Qmlhc0FkZA==", "UmVsdTY="]}},
                "epsilon": {"f": 0.001}, "num_args": {"i": "1"}, "T": {"type": "DT_FLOAT"},
                "nan": {"f": "NaN"},
                "shape": {"shape": {"dim": [{"size": "-1"}, {"size": "224"}]}}
            }
        }))
        .unwrap();
        assert_eq!(n.attr_ints("strides").unwrap(), [1, 2, 2, 1]);
        assert_eq!(n.attr_str("padding").unwrap(), "SAME");
        assert_eq!(n.attr_strs("fused_ops").unwrap(), ["BiasAdd", "Relu6"]);
        assert_eq!(n.attr_int("num_args", None).unwrap(), 1);
        assert_eq!(n.attr_dtype("T").unwrap(), Some(DType::F32));
        assert!(n.attr_float("nan", 0.0).is_nan());
        assert_eq!(n.attr_shape("shape"), Some(vec![None, Some(224)]));
        assert!(n.attr_str("data_format").is_err());
        let inputs: Vec<InputRef> = n.input.iter().map(|s| parse_input(s)).collect();
        assert_eq!(
            inputs[1],
            InputRef {
                node: "w",
                output: 1,
                control: false
            }
        );
        assert!(inputs[2].control);
    }
}
