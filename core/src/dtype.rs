//! Element types and host-side data.

use crate::{Error, Result};

/// Element type of a tensor. `F16` is planned: host data and kernels are written so that adding a
/// variant means adding match arms, not restructuring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DType {
    F32,
    I32,
    Bool,
}

impl DType {
    /// Bytes per element as stored in buffers and files (bool is one byte).
    pub fn size_of(self) -> usize {
        match self {
            DType::F32 | DType::I32 => 4,
            DType::Bool => 1,
        }
    }
    /// True for floating-point types (the differentiable ones).
    pub fn is_float(self) -> bool {
        matches!(self, DType::F32)
    }
    /// Name as used in error messages, JSON and TF.js (`float32`, `int32`, `bool`).
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "float32",
            DType::I32 => "int32",
            DType::Bool => "bool",
        }
    }
}

impl std::fmt::Display for DType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A single value of some dtype. Hash/Eq compare bit patterns so kernels holding constants can be
/// cache keys (NaN == NaN here, 0.0 != -0.0, which is what a cache wants).
#[derive(Debug, Clone, Copy)]
pub enum Scalar {
    F32(f32),
    I32(i32),
    Bool(bool),
}

impl Scalar {
    pub fn dtype(self) -> DType {
        match self {
            Scalar::F32(_) => DType::F32,
            Scalar::I32(_) => DType::I32,
            Scalar::Bool(_) => DType::Bool,
        }
    }
    /// Converts with the same rules as the `Cast` primitive (float->int truncates toward zero and
    /// saturates, NaN -> 0; nonzero -> true).
    pub fn cast(self, to: DType) -> Scalar {
        let f = self.as_f64();
        match to {
            DType::F32 => Scalar::F32(f as f32),
            DType::I32 => Scalar::I32(match self {
                Scalar::I32(v) => v,
                _ => f as i32,
            }),
            DType::Bool => Scalar::Bool(f != 0.0),
        }
    }
    pub fn as_f64(self) -> f64 {
        match self {
            Scalar::F32(v) => v as f64,
            Scalar::I32(v) => v as f64,
            Scalar::Bool(v) => v as u8 as f64,
        }
    }
    /// The zero of a dtype.
    pub fn zero(dtype: DType) -> Scalar {
        Scalar::F32(0.0).cast(dtype)
    }
    fn bits(self) -> (u8, u32) {
        match self {
            Scalar::F32(v) => (0, v.to_bits()),
            Scalar::I32(v) => (1, v as u32),
            Scalar::Bool(v) => (2, v as u32),
        }
    }
}

impl PartialEq for Scalar {
    fn eq(&self, other: &Self) -> bool {
        self.bits() == other.bits()
    }
}
impl Eq for Scalar {}
impl std::hash::Hash for Scalar {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.bits().hash(state)
    }
}

impl From<f32> for Scalar {
    fn from(v: f32) -> Self {
        Scalar::F32(v)
    }
}
impl From<i32> for Scalar {
    fn from(v: i32) -> Self {
        Scalar::I32(v)
    }
}
impl From<bool> for Scalar {
    fn from(v: bool) -> Self {
        Scalar::Bool(v)
    }
}

/// Tensor contents on the host, in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub enum HostData {
    F32(Vec<f32>),
    I32(Vec<i32>),
    Bool(Vec<bool>),
}

impl HostData {
    pub fn dtype(&self) -> DType {
        match self {
            HostData::F32(_) => DType::F32,
            HostData::I32(_) => DType::I32,
            HostData::Bool(_) => DType::Bool,
        }
    }
    pub fn len(&self) -> usize {
        match self {
            HostData::F32(v) => v.len(),
            HostData::I32(v) => v.len(),
            HostData::Bool(v) => v.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// `len` copies of `value`.
    pub fn filled(value: Scalar, len: usize) -> HostData {
        match value {
            Scalar::F32(v) => HostData::F32(vec![v; len]),
            Scalar::I32(v) => HostData::I32(vec![v; len]),
            Scalar::Bool(v) => HostData::Bool(vec![v; len]),
        }
    }
    /// Element `i` as a scalar (None when out of range).
    pub fn get(&self, i: usize) -> Option<Scalar> {
        match self {
            HostData::F32(v) => v.get(i).map(|x| Scalar::F32(*x)),
            HostData::I32(v) => v.get(i).map(|x| Scalar::I32(*x)),
            HostData::Bool(v) => v.get(i).map(|x| Scalar::Bool(*x)),
        }
    }
    /// Every element converted to f32 (bool -> 0/1), for comparisons and printing.
    pub fn to_f32_vec(&self) -> Vec<f32> {
        match self {
            HostData::F32(v) => v.clone(),
            HostData::I32(v) => v.iter().map(|&x| x as f32).collect(),
            HostData::Bool(v) => v.iter().map(|&x| x as u8 as f32).collect(),
        }
    }
    /// Borrow as f32 or fail with a dtype error naming `op`.
    pub fn as_f32(&self, op: &str) -> Result<&[f32]> {
        match self {
            HostData::F32(v) => Ok(v),
            other => Err(Error::dtype(
                op,
                format!("expected float32 data, got {}", other.dtype()),
            )),
        }
    }
    /// Borrow as i32 or fail with a dtype error naming `op`.
    pub fn as_i32(&self, op: &str) -> Result<&[i32]> {
        match self {
            HostData::I32(v) => Ok(v),
            other => Err(Error::dtype(op, format!("expected int32 data, got {}", other.dtype()))),
        }
    }
    /// Little-endian bytes (bool as one byte 0/1), the layout safetensors uses.
    pub fn to_le_bytes(&self) -> Vec<u8> {
        match self {
            HostData::F32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            HostData::I32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            HostData::Bool(v) => v.iter().map(|&x| x as u8).collect(),
        }
    }
    /// Parses little-endian bytes; the length must be an exact multiple of the element size.
    pub fn from_le_bytes(dtype: DType, bytes: &[u8]) -> Result<HostData> {
        let sz = dtype.size_of();
        if bytes.len() % sz != 0 {
            return Err(Error::size(
                "from_le_bytes",
                format!("{} bytes is not a multiple of {sz}", bytes.len()),
            ));
        }
        let word = |c: &[u8]| [c[0], c[1], c[2], c[3]];
        Ok(match dtype {
            DType::F32 => HostData::F32(bytes.chunks_exact(4).map(|c| f32::from_le_bytes(word(c))).collect()),
            DType::I32 => HostData::I32(bytes.chunks_exact(4).map(|c| i32::from_le_bytes(word(c))).collect()),
            DType::Bool => HostData::Bool(bytes.iter().map(|&b| b != 0).collect()),
        })
    }
}

impl From<Vec<f32>> for HostData {
    fn from(v: Vec<f32>) -> Self {
        HostData::F32(v)
    }
}
impl From<Vec<i32>> for HostData {
    fn from(v: Vec<i32>) -> Self {
        HostData::I32(v)
    }
}
impl From<Vec<bool>> for HostData {
    fn from(v: Vec<bool>) -> Self {
        HostData::Bool(v)
    }
}
