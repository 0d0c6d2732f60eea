//! A TensorFlow GraphDef in proto3 JSON, as `tensorflowjs_converter` writes `modelTopology`:
//! nodes (`name`, `op`, `input`, `attr`), and the function library of v2 control flow. Integers
//! arrive as strings (`"1"`), strings as base64 (`"U0FNRQ=="` is `SAME`), dtypes as `DT_*` names.
//! Attributes stay JSON and are read on demand by typed getters (no derived deserializers: they
//! would weigh on the wasm module for fields no kernel reads).

use serde_json::{Map, Value};

use crate::dtype::DType;
use crate::{Error, Result};

/// The graph: its nodes and, for v2 control flow, its function library.
#[derive(Debug, Clone, Default)]
pub struct GraphDef {
    pub node: Vec<NodeDef>,
    pub library: Option<Value>,
}

#[derive(Debug, Clone)]
pub struct NodeDef {
    pub name: String,
    pub op: String,
    pub input: Vec<String>,
    pub attr: Map<String, Value>,
}

fn format_err(msg: String) -> Error {
    Error::Format(msg)
}

impl GraphDef {
    /// Reads `modelTopology`.
    pub fn from_json(v: &Value) -> Result<GraphDef> {
        let obj = v
            .as_object()
            .ok_or_else(|| format_err("modelTopology: expected an object with a node list".into()))?;
        let nodes = match obj.get("node") {
            None | Some(Value::Null) => vec![],
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, n)| NodeDef::from_json(n).map_err(|e| format_err(format!("modelTopology.node[{i}]: {e}"))))
                .collect::<Result<_>>()?,
            Some(_) => return Err(format_err("modelTopology.node: expected an array".into())),
        };
        Ok(GraphDef {
            node: nodes,
            library: obj.get("library").cloned(),
        })
    }
}

impl NodeDef {
    /// Reads one node (`name` and `op` required, `input` and `attr` optional).
    pub fn from_json(v: &Value) -> Result<NodeDef> {
        let text = |k: &str| -> Result<String> {
            v.get(k)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| format_err(format!("expected a string {k:?}")))
        };
        let name = text("name")?;
        let op = text("op")?;
        let input = match v.get("input") {
            None | Some(Value::Null) => vec![],
            Some(Value::Array(a)) => a
                .iter()
                .map(|s| s.as_str().map(str::to_string))
                .collect::<Option<_>>()
                .ok_or_else(|| format_err(format!("node {name:?}: input must be a list of strings")))?,
            Some(_) => return Err(format_err(format!("node {name:?}: input must be a list of strings"))),
        };
        let attr = match v.get("attr") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => return Err(format_err(format!("node {name:?}: attr must be an object"))),
        };
        Ok(NodeDef { name, op, input, attr })
    }
}

/// An int64 as proto3 JSON writes it (a string) or as a number.
fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        _ => None,
    }
}

/// A float as proto3 JSON writes it: a number, or `"NaN"`, `"Infinity"`, `"-Infinity"`.
fn float_of(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            s => s.parse().ok(),
        },
        _ => None,
    }
}

/// A shape proto's sizes, `None` where unknown; `None` for an unknown rank.
pub fn shape_dims(shape: &Value) -> Option<Vec<Option<usize>>> {
    if shape.get("unknownRank").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let dims = match shape.get("dim") {
        None => return Some(vec![]),
        Some(d) => d.as_array()?,
    };
    Some(
        dims.iter()
            .map(|d| d.get("size").and_then(int_of).and_then(|s| usize::try_from(s).ok()))
            .collect(),
    )
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
        // TensorList and TensorArray handles are int32 scalars here (`ops/resources.rs`).
        "DT_VARIANT" | "DT_RESOURCE" => DType::I32,
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
    /// Field `field` of attribute `key` (`{"i": "1"}`: field `i`).
    fn field(&self, key: &str, field: &str) -> Option<&Value> {
        self.attr.get(key).and_then(|a| a.get(field))
    }
    /// Field `field` of attribute `key`'s list (`{"list": {"i": [...]}}`), empty when absent.
    fn list(&self, key: &str, field: &str) -> &[Value] {
        self.field(key, "list")
            .and_then(|l| l.get(field))
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
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
        match self.field(key, "s") {
            Some(v) => {
                let text = v
                    .as_str()
                    .and_then(base64_decode)
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| self.missing(key, "base64 UTF-8 text"))?;
                Ok(Some(text))
            }
            None => Ok(default.map(str::to_string)),
        }
    }
    /// A list-of-strings attribute (decoded), empty when absent.
    pub fn attr_strs(&self, key: &str) -> Result<Vec<String>> {
        self.list(key, "s")
            .iter()
            .map(|s| {
                s.as_str()
                    .and_then(base64_decode)
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| self.missing(key, "a list of base64 strings"))
            })
            .collect()
    }
    pub fn attr_int(&self, key: &str, default: Option<i64>) -> Result<i64> {
        match self.field(key, "i") {
            Some(v) => int_of(v).ok_or_else(|| self.missing(key, "an integer")),
            None => default.ok_or_else(|| self.missing(key, "an integer")),
        }
    }
    pub fn attr_ints(&self, key: &str) -> Result<Vec<i64>> {
        self.list(key, "i")
            .iter()
            .map(|v| int_of(v).ok_or_else(|| self.missing(key, "a list of integers")))
            .collect()
    }
    pub fn attr_float(&self, key: &str, default: f64) -> f64 {
        self.field(key, "f").and_then(float_of).unwrap_or(default)
    }
    /// A function-valued attribute's function name (`{"func": {"name": ...}}`).
    pub fn attr_func(&self, key: &str) -> Option<String> {
        self.attr
            .get(key)?
            .get("func")?
            .get("name")?
            .as_str()
            .map(str::to_string)
    }

    pub fn attr_bool(&self, key: &str, default: bool) -> bool {
        self.field(key, "b").and_then(Value::as_bool).unwrap_or(default)
    }
    /// A dtype attribute (`T`, `dtype`, `DstT`...), as core's dtype.
    pub fn attr_dtype(&self, key: &str) -> Result<Option<DType>> {
        match self.field(key, "type").and_then(Value::as_str) {
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
        self.field(key, "shape").and_then(shape_dims)
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
    // `node:k`, or inside a function `node:output_arg:k` (TF.js takes the trailing index).
    if let Some((head, k)) = s.rsplit_once(':') {
        if let Ok(output) = k.parse() {
            return InputRef {
                node: head.split(':').next().unwrap_or(head),
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
        let n = NodeDef::from_json(&serde_json::json!({
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
        // Inside a library function: `node:output_arg:index`.
        assert_eq!(
            parse_input("next_x:z:1"),
            InputRef {
                node: "next_x",
                output: 1,
                control: false
            }
        );
    }
}
