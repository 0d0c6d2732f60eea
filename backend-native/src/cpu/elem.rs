//! The element types kernels compute with (f32, i32, bool) and how each is read from an operand
//! block, written to an output block, and handed back to the host.

use ferroflow_core::{DType, HostData, Scalar};

use super::eval::{InBlock, OutBlock};
use super::pool::Pooled;

/// Element types a kernel computes with.
pub(crate) trait Elem: Copy + Default + PartialEq + Send + Sync + std::fmt::Debug + Pooled + 'static {
    fn reg(r: InBlock<'_>) -> Option<&[Self]>;
    /// A slice of outputs as an operation's destination.
    fn dst(s: &mut [Self]) -> OutBlock<'_>;
    fn into_host(v: Vec<Self>) -> HostData;
    /// The scalar after casting it to this type.
    fn from_scalar(s: Scalar) -> Self;
}

impl Elem for f32 {
    fn reg(r: InBlock<'_>) -> Option<&[f32]> {
        match r {
            InBlock::F32(v) => Some(v),
            _ => None,
        }
    }
    fn dst(s: &mut [f32]) -> OutBlock<'_> {
        OutBlock::F32(s)
    }
    fn into_host(v: Vec<f32>) -> HostData {
        HostData::F32(v)
    }
    fn from_scalar(s: Scalar) -> f32 {
        match s.cast(DType::F32) {
            Scalar::F32(v) => v,
            _ => 0.0,
        }
    }
}

impl Elem for i32 {
    fn reg(r: InBlock<'_>) -> Option<&[i32]> {
        match r {
            InBlock::I32(v) => Some(v),
            _ => None,
        }
    }
    fn dst(s: &mut [i32]) -> OutBlock<'_> {
        OutBlock::I32(s)
    }
    fn into_host(v: Vec<i32>) -> HostData {
        HostData::I32(v)
    }
    fn from_scalar(s: Scalar) -> i32 {
        match s.cast(DType::I32) {
            Scalar::I32(v) => v,
            _ => 0,
        }
    }
}

impl Elem for bool {
    fn reg(r: InBlock<'_>) -> Option<&[bool]> {
        match r {
            InBlock::Bool(v) => Some(v),
            _ => None,
        }
    }
    fn dst(s: &mut [bool]) -> OutBlock<'_> {
        OutBlock::Bool(s)
    }
    fn into_host(v: Vec<bool>) -> HostData {
        HostData::Bool(v)
    }
    fn from_scalar(s: Scalar) -> bool {
        match s.cast(DType::Bool) {
            Scalar::Bool(v) => v,
            _ => false,
        }
    }
}
