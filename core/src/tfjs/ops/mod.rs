//! TF op kernels for graph models, one file per category of the converter's op list
//! (`tfjs-converter/dist/operations/op_list/<category>.js`). A kernel reads its node's inputs and
//! attributes as TF.js's executor does (same defaults, same argument handling) and composes core
//! ops, so it runs on every backend.

mod arithmetic;
mod basic_math;
mod convolution;
mod creation;
mod graph;
mod logical;
mod matrices;
mod normalization;
mod reduction;
mod slice_join;
mod transformation;

use super::graph_def::NodeDef;
use crate::dtype::HostData;
use crate::ops::conv::Padding;
use crate::tensor::Tensor;
use crate::{Error, Result};

/// What a kernel sees of one node: its definition (attributes) and its input values.
pub(crate) struct Ctx<'a> {
    pub node: &'a NodeDef,
    pub inputs: Vec<Tensor>,
    /// The host copy of each input that is a small integer constant.
    pub host: Vec<Option<&'a HostData>>,
}

pub(crate) type Kernel = fn(&Ctx) -> Result<Vec<Tensor>>;

pub(crate) use graph::{shape_values, HostValue};

/// Every category's kernels, by TF op name.
const TABLES: [&[(&str, Kernel)]; 11] = [
    arithmetic::OPS,
    basic_math::OPS,
    convolution::OPS,
    creation::OPS,
    graph::OPS,
    logical::OPS,
    matrices::OPS,
    normalization::OPS,
    reduction::OPS,
    slice_join::OPS,
    transformation::OPS,
];

pub(crate) fn kernel(op: &str) -> Option<Kernel> {
    TABLES
        .iter()
        .flat_map(|t| t.iter())
        .find(|(name, _)| *name == op)
        .map(|(_, k)| *k)
}

/// The TF op names graph models may use, sorted.
pub fn supported_ops() -> Vec<&'static str> {
    let mut v: Vec<&str> = TABLES.iter().flat_map(|t| t.iter().map(|(n, _)| *n)).collect();
    v.sort_unstable();
    v
}

/// A kernel's single output.
fn one(t: Result<Tensor>) -> Result<Vec<Tensor>> {
    t.map(|t| vec![t])
}

/// One shared body for the two-input ops (each table entry adds only its call).
fn binary(c: &Ctx, f: fn(&Tensor, &Tensor) -> Result<Tensor>) -> Result<Vec<Tensor>> {
    one(f(c.x(0)?, c.x(1)?))
}

impl Ctx<'_> {
    fn err(&self, msg: impl Into<String>) -> Error {
        Error::invalid(format!("node {} ({})", self.node.name, self.node.op), msg)
    }

    /// Input `i`.
    pub fn x(&self, i: usize) -> Result<&Tensor> {
        self.inputs
            .get(i)
            .ok_or_else(|| self.err(format!("expected at least {} inputs, got {}", i + 1, self.inputs.len())))
    }

    /// Input `i` read as integers (a shape, axes, sizes): from the host copy of a constant, else
    /// read back from the device.
    pub fn ints(&self, i: usize) -> Result<Vec<i64>> {
        let data = match self.host.get(i).copied().flatten() {
            Some(h) => h.clone(),
            None => self.x(i)?.to_host()?,
        };
        match data {
            HostData::I32(v) => Ok(v.into_iter().map(i64::from).collect()),
            HostData::F32(v) if v.iter().all(|x| x.fract() == 0.0) => Ok(v.into_iter().map(|x| x as i64).collect()),
            _ => Err(self.err(format!("input {i} must hold integers"))),
        }
    }

    /// Input `i` as one integer (a scalar or a one-element tensor).
    pub fn int(&self, i: usize) -> Result<i64> {
        match self.ints(i)?.as_slice() {
            [v] => Ok(*v),
            v => Err(self.err(format!("input {i} must be one integer, got {} values", v.len()))),
        }
    }

    /// Input `i` as axes (`isize`, negative counting from the end).
    pub fn axes(&self, i: usize) -> Result<Vec<isize>> {
        Ok(self.ints(i)?.into_iter().map(|v| v as isize).collect())
    }

    /// Input `i` as one float (a scalar or one-element tensor).
    pub fn scalar(&self, i: usize) -> Result<f32> {
        let t = self.x(i)?;
        if t.numel() != 1 {
            return Err(self.err(format!("input {i} must be a scalar, got shape {:?}", t.shape())));
        }
        match t.to_host()? {
            HostData::F32(v) => Ok(v[0]),
            HostData::I32(v) => Ok(v[0] as f32),
            HostData::Bool(v) => Ok(f32::from(u8::from(v[0]))),
        }
    }

    /// A non-negative size from an integer.
    pub fn size(&self, v: i64, what: &str) -> Result<usize> {
        usize::try_from(v).map_err(|_| self.err(format!("{what} must be >= 0, got {v}")))
    }

    /// `data_format`: true for NCHW (TF's default NHWC is false).
    pub fn nchw(&self) -> Result<bool> {
        match self.node.attr_str_or("data_format", Some("NHWC"))?.as_deref() {
            Some("NHWC") | Some("NWC") | Some("NDHWC") => Ok(false),
            Some("NCHW") | Some("NCW") | Some("NCDHW") => Ok(true),
            other => Err(self.err(format!("unknown data_format {other:?}"))),
        }
    }

    /// A 4-entry attribute over (N, H, W, C) or (N, C, H, W) as its (H, W) pair.
    pub fn spatial(&self, key: &str, nchw: bool) -> Result<[usize; 2]> {
        let v = self.node.attr_ints(key)?;
        let (h, w) = match v.len() {
            0 => return Ok([1, 1]),
            4 if nchw => (v[2], v[3]),
            4 => (v[1], v[2]),
            2 => (v[0], v[1]),
            n => return Err(self.err(format!("attribute {key} must have 4 entries, got {n}"))),
        };
        let pos = |x: i64| usize::try_from(x).ok().filter(|&x| x > 0);
        match (pos(h), pos(w)) {
            (Some(h), Some(w)) => Ok([h, w]),
            _ => Err(self.err(format!("attribute {key} must be positive, got {v:?}"))),
        }
    }

    /// `padding` (`SAME`, `VALID` or `EXPLICIT` with `explicit_paddings`).
    pub fn padding(&self, nchw: bool) -> Result<Padding> {
        match self.node.attr_str("padding")?.as_str() {
            "SAME" => Ok(Padding::Same),
            "VALID" => Ok(Padding::Valid),
            "EXPLICIT" => {
                let p = self.node.attr_ints("explicit_paddings")?;
                if p.len() != 8 || p.iter().any(|&v| v < 0) {
                    return Err(self.err(format!("explicit_paddings must be 8 non-negative integers, got {p:?}")));
                }
                let at = |d: usize| [p[2 * d] as usize, p[2 * d + 1] as usize];
                let (h, w) = if nchw { (2, 3) } else { (1, 2) };
                if (nchw && (p[2] != 0 || p[3] != 0)) || p[0] != 0 || p[1] != 0 {
                    return Err(self.err("explicit_paddings may pad only the spatial dimensions"));
                }
                Ok(Padding::Explicit([at(h), at(w)]))
            }
            other => Err(self.err(format!("unknown padding {other:?}"))),
        }
    }
}
