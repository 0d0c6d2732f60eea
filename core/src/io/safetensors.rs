//! Reading and writing the safetensors format with every field validated.
//!
//! Layout: an 8-byte little-endian header length `n`, `n` bytes of JSON
//! (`{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}`),
//! then the data section. Reading checks, before touching tensor data: the header length against
//! the file and the limit, the JSON (no duplicate keys, no unknown fields), each dtype, rank and
//! `dtype size x shape == end - begin` with checked arithmetic, and that the tensors tile the data
//! section exactly (in bounds, no overlap, no gap, no trailing bytes).

use std::collections::HashSet;
use std::fmt;

use serde::de::{Deserializer, Error as _, MapAccess, Visitor};
use serde::Deserialize;

use super::LoadLimits;
use crate::dtype::{DType, HostData};
use crate::{Error, Result};

/// One tensor of a parsed file; `begin..end` is relative to the data section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorEntry {
    pub name: String,
    pub dtype: DType,
    pub shape: Vec<usize>,
    pub begin: usize,
    pub end: usize,
}

/// A validated safetensors file borrowed from its bytes.
#[derive(Debug)]
pub struct SafetensorsFile<'a> {
    /// Tensors in header order.
    pub tensors: Vec<TensorEntry>,
    data: &'a [u8],
}

impl<'a> SafetensorsFile<'a> {
    /// The raw little-endian bytes of a tensor.
    pub fn bytes(&self, t: &TensorEntry) -> Result<&'a [u8]> {
        self.data.get(t.begin..t.end).ok_or_else(|| {
            Error::Format(format!(
                "tensor {:?}: offsets {}..{} out of bounds",
                t.name, t.begin, t.end
            ))
        })
    }
    /// A tensor's values (bool bytes must be 0 or 1).
    pub fn host_data(&self, t: &TensorEntry) -> Result<HostData> {
        let b = self.bytes(t)?;
        if t.dtype == DType::Bool && b.iter().any(|&v| v > 1) {
            return Err(Error::Format(format!("tensor {:?}: bool bytes must be 0 or 1", t.name)));
        }
        HostData::from_le_bytes(t.dtype, b).map_err(|e| Error::Format(format!("tensor {:?}: {e}", t.name)))
    }
    pub fn find(&self, name: &str) -> Option<&TensorEntry> {
        self.tensors.iter().find(|t| t.name == name)
    }
}

/// The safetensors dtype name of a Ferroflow dtype.
pub fn dtype_to_safetensors(d: DType) -> &'static str {
    match d {
        DType::F32 => "F32",
        DType::I32 => "I32",
        DType::Bool => "BOOL",
    }
}

/// Parses a safetensors dtype name; known-but-unsupported and unknown names are format errors.
pub fn dtype_from_safetensors(name: &str, s: &str) -> Result<DType> {
    match s {
        "F32" => Ok(DType::F32),
        "I32" => Ok(DType::I32),
        "BOOL" => Ok(DType::Bool),
        "F4" | "F6_E2M3" | "F6_E3M2" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" | "F8_E4M3FNUZ"
        | "F8_E5M2FNUZ" | "I16" | "U16" | "F16" | "BF16" | "U32" | "C64" | "F64" | "I64" | "U64" => Err(Error::Format(
            format!("tensor {name:?}: dtype {s} is not supported (float32, int32 and bool are)"),
        )),
        _ => Err(Error::Format(format!("tensor {name:?}: unknown dtype {s:?}"))),
    }
}

/// A JSON object read as ordered entries, rejecting duplicate keys (serde_json's maps would keep
/// the last one silently).
struct Entries(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Entries, A::Error> {
                let mut out: Vec<(String, serde_json::Value)> = vec![];
                let mut seen = HashSet::new();
                while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                    if !seen.insert(k.clone()) {
                        return Err(A::Error::custom(format!("duplicate key {k:?}")));
                    }
                    out.push((k, v));
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInfo {
    dtype: String,
    shape: Vec<u64>,
    data_offsets: [u64; 2],
}

fn to_usize(name: &str, what: &str, v: u64) -> Result<usize> {
    usize::try_from(v).map_err(|_| Error::Format(format!("tensor {name:?}: {what} {v} does not fit in memory")))
}

/// Validates and indexes a safetensors file held in memory.
pub fn parse<'a>(bytes: &'a [u8], limits: &LoadLimits) -> Result<SafetensorsFile<'a>> {
    let fmt = |m: String| Err(Error::Format(format!("safetensors: {m}")));
    let Some((len_bytes, rest)) = bytes.split_first_chunk::<8>() else {
        return fmt(format!(
            "truncated file: {} bytes, the header length alone needs 8",
            bytes.len()
        ));
    };
    let n = u64::from_le_bytes(*len_bytes);
    if n > limits.max_header_bytes {
        return fmt(format!(
            "header length {n} exceeds the limit of {} bytes",
            limits.max_header_bytes
        ));
    }
    if n > rest.len() as u64 {
        return fmt(format!(
            "header length {n} is larger than the {} bytes that follow it (truncated file?)",
            rest.len()
        ));
    }
    let (header, data) = rest.split_at(n as usize);
    if header.first() != Some(&b'{') {
        return fmt("header is not a JSON object".into());
    }
    let entries: Entries = match serde_json::from_slice(header) {
        Ok(e) => e,
        Err(e) => return fmt(format!("header JSON: {e}")),
    };
    let mut tensors = Vec::with_capacity(entries.0.len().min(limits.max_tensors));
    for (name, value) in entries.0 {
        if name == "__metadata__" {
            if serde_json::from_value::<std::collections::BTreeMap<String, String>>(value).is_err() {
                return fmt("__metadata__ must map strings to strings".into());
            }
            continue;
        }
        if tensors.len() >= limits.max_tensors {
            return fmt(format!("more than {} tensors", limits.max_tensors));
        }
        if name.is_empty() {
            return fmt("empty tensor name".into());
        }
        let info: RawInfo = match serde_json::from_value(value) {
            Ok(i) => i,
            Err(e) => return fmt(format!("tensor {name:?}: {e}")),
        };
        let dtype = dtype_from_safetensors(&name, &info.dtype)?;
        if info.shape.len() > limits.max_rank {
            return fmt(format!(
                "tensor {name:?}: rank {} exceeds the limit of {}",
                info.shape.len(),
                limits.max_rank
            ));
        }
        let shape = info
            .shape
            .iter()
            .map(|&d| to_usize(&name, "dimension", d))
            .collect::<Result<Vec<_>>>()?;
        let [b, e] = info.data_offsets;
        let (begin, end) = (to_usize(&name, "offset", b)?, to_usize(&name, "offset", e)?);
        let nbytes = shape
            .iter()
            .try_fold(dtype.size_of(), |acc, &d| acc.checked_mul(d))
            .ok_or_else(|| Error::Format(format!("safetensors: tensor {name:?}: shape {shape:?} overflows")))?;
        if end < begin {
            return fmt(format!(
                "tensor {name:?}: data_offsets [{begin}, {end}] end before they begin"
            ));
        }
        if end - begin != nbytes {
            return fmt(format!(
                "tensor {name:?}: {} {shape:?} needs {nbytes} bytes but data_offsets [{begin}, {end}] span {}",
                dtype_to_safetensors(dtype),
                end - begin
            ));
        }
        if end > data.len() {
            return fmt(format!(
                "tensor {name:?}: data_offsets [{begin}, {end}] exceed the {}-byte data section",
                data.len()
            ));
        }
        tensors.push(TensorEntry {
            name,
            dtype,
            shape,
            begin,
            end,
        });
    }
    check_tiling(&tensors, data.len())?;
    Ok(SafetensorsFile { tensors, data })
}

/// The tensors must cover `0..data_len` exactly once, in some order.
fn check_tiling(tensors: &[TensorEntry], data_len: usize) -> Result<()> {
    let mut order: Vec<&TensorEntry> = tensors.iter().collect();
    order.sort_by_key(|t| (t.begin, t.end));
    let mut cursor = 0usize;
    let mut prev: Option<&str> = None;
    for t in order {
        if t.begin < cursor {
            return Err(Error::Format(format!(
                "safetensors: tensor {:?} (bytes {}..{}) overlaps tensor {:?} (ending at {cursor})",
                t.name,
                t.begin,
                t.end,
                prev.unwrap_or("?")
            )));
        }
        if t.begin > cursor {
            return Err(Error::Format(format!(
                "safetensors: {} unused bytes before tensor {:?} at offset {cursor}",
                t.begin - cursor,
                t.name
            )));
        }
        cursor = t.end;
        prev = Some(&t.name);
    }
    if cursor != data_len {
        return Err(Error::Format(format!(
            "safetensors: {} trailing bytes after the last tensor",
            data_len - cursor
        )));
    }
    Ok(())
}

/// Serializes named tensors (with the `safetensors` crate; 8-byte aligned header).
pub fn serialize(tensors: &[(String, HostData, Vec<usize>)]) -> Result<Vec<u8>> {
    use safetensors::tensor::{Dtype, TensorView};
    let bytes: Vec<Vec<u8>> = tensors.iter().map(|(_, d, _)| d.to_le_bytes()).collect();
    let mut views = Vec::with_capacity(tensors.len());
    for ((name, data, shape), b) in tensors.iter().zip(&bytes) {
        let dt = match data.dtype() {
            DType::F32 => Dtype::F32,
            DType::I32 => Dtype::I32,
            DType::Bool => Dtype::BOOL,
        };
        let view = TensorView::new(dt, shape.clone(), b).map_err(|e| Error::Format(format!("tensor {name:?}: {e}")))?;
        views.push((name.clone(), view));
    }
    safetensors::tensor::serialize(views, None).map_err(|e| Error::Format(format!("safetensors: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(header: &str, data: &[u8]) -> Vec<u8> {
        let mut v = (header.len() as u64).to_le_bytes().to_vec();
        v.extend_from_slice(header.as_bytes());
        v.extend_from_slice(data);
        v
    }

    fn err(bytes: &[u8]) -> String {
        match parse(bytes, &LoadLimits::default()) {
            Err(Error::Format(m)) => m,
            other => format!("unexpected: {other:?}"),
        }
    }

    fn two() -> Vec<(String, HostData, Vec<usize>)> {
        vec![
            (
                "a".into(),
                HostData::F32(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
                vec![2, 3],
            ),
            ("b".into(), HostData::I32(vec![7, 8]), vec![2]),
            ("c".into(), HostData::Bool(vec![true, false, true]), vec![3]),
        ]
    }

    #[test]
    fn round_trip() -> Result<()> {
        let bytes = serialize(&two())?;
        let f = parse(&bytes, &LoadLimits::default())?;
        assert_eq!(f.tensors.len(), 3);
        for (name, data, shape) in two() {
            let t = f.find(&name).ok_or_else(|| Error::Format("missing".into()))?;
            assert_eq!(t.shape, shape);
            assert_eq!(f.host_data(t)?, data);
        }
        Ok(())
    }

    #[test]
    fn truncated_file() -> Result<()> {
        let bytes = serialize(&two())?;
        assert!(err(&bytes[..5]).contains("truncated"));
        assert!(err(&bytes[..bytes.len() - 1]).contains("exceed the"));
        assert!(err(&[]).contains("truncated"));
        Ok(())
    }

    #[test]
    fn header_size_larger_than_file() {
        let mut b = file(r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, &[0; 4]);
        b[..8].copy_from_slice(&1000u64.to_le_bytes());
        assert!(err(&b).contains("larger than"), "{}", err(&b));
        b[..8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(err(&b).contains("exceeds the limit"));
    }

    #[test]
    fn huge_header() {
        let pad = " ".repeat(2048);
        let b = file(&format!("{{{pad}}}"), &[]);
        let limits = LoadLimits {
            max_header_bytes: 1024,
            ..LoadLimits::default()
        };
        assert!(matches!(parse(&b, &limits), Err(Error::Format(m)) if m.contains("exceeds the limit")));
        assert!(parse(&b, &LoadLimits::default()).is_ok());
    }

    #[test]
    fn overlapping_offsets() {
        let h = r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#;
        let m = err(&file(h, &[0; 12]));
        assert!(m.contains("overlaps"), "{m}");
        let gap = r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#;
        assert!(err(&file(gap, &[0; 12])).contains("unused bytes"));
        let trailing = r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#;
        assert!(err(&file(trailing, &[0; 8])).contains("trailing"));
        let backwards = r#"{"a":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}"#;
        assert!(err(&file(backwards, &[0; 4])).contains("end before"));
    }

    #[test]
    fn wrong_byte_length_for_dtype_and_shape() {
        let h = r#"{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}"#;
        assert!(err(&file(h, &[0; 20])).contains("needs 24 bytes"));
        let over = r#"{"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,4]}}"#;
        assert!(err(&file(over, &[0; 4])).contains("overflows"));
        let neg = r#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#;
        assert!(!err(&file(neg, &[0; 4])).starts_with("unexpected"));
        let deep = format!(
            r#"{{"a":{{"dtype":"F32","shape":[{}],"data_offsets":[0,4]}}}}"#,
            ["1"; 9].join(",")
        );
        assert!(err(&file(&deep, &[0; 4])).contains("rank 9"));
    }

    #[test]
    fn bad_dtype_string() {
        let h = r#"{"a":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}"#;
        assert!(err(&file(h, &[0; 4])).contains("unknown dtype"));
        let f64h = r#"{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#;
        assert!(err(&file(f64h, &[0; 8])).contains("not supported"));
    }

    #[test]
    fn hostile_json() {
        let dup = r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#;
        assert!(err(&file(dup, &[0; 4])).contains("duplicate"));
        let extra = r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}"#;
        assert!(err(&file(extra, &[0; 4])).contains("unknown field"));
        let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(!err(&file(&nested, &[])).starts_with("unexpected"));
        assert!(!err(&file("{\"a\":", &[])).starts_with("unexpected"));
        assert!(!err(&file("{\"__metadata__\":{\"k\":1}}", &[])).starts_with("unexpected"));
        let bad_bool = r#"{"a":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]}}"#;
        let b = file(bad_bool, &[7]);
        let f = parse(&b, &LoadLimits::default());
        assert!(matches!(
            f.and_then(|f| f.host_data(&f.tensors[0].clone())),
            Err(Error::Format(_))
        ));
        let many = LoadLimits {
            max_tensors: 1,
            ..LoadLimits::default()
        };
        let two = r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#;
        assert!(matches!(parse(&file(two, &[0; 8]), &many), Err(Error::Format(m)) if m.contains("more than 1")));
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let good = serialize(&two()).unwrap_or_default();
        // Flip every byte of a valid file in turn and cut it at every length: only errors or Ok.
        for i in 0..good.len() {
            let mut b = good.clone();
            b[i] ^= 0xff;
            if let Ok(f) = parse(&b, &LoadLimits::default()) {
                for t in &f.tensors {
                    let _ = f.host_data(t);
                }
            }
            let _ = parse(&good[..i], &LoadLimits::default());
        }
    }
}
