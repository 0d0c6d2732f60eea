//! TF op kernels for graph models, one file per category of the converter's op list
//! (`tfjs-converter/dist/operations/op_list/<category>.js`; control's TensorArray and TensorList
//! ops have files of their own, over the state in `resources.rs`). A kernel reads its node's inputs and
//! attributes as TF.js's executor does (same defaults, same argument handling) and composes core
//! ops, so it runs on every backend.

mod arithmetic;
mod basic_math;
pub(crate) mod control;
mod convolution;
mod creation;
mod dynamic;
mod evaluation;
mod graph;
mod image;
mod logical;
mod matrices;
mod normalization;
mod reduction;
pub(crate) mod resources;
mod slice_join;
mod sparse;
mod spectral;
mod tensor_array;
mod tensor_list;
mod transformation;

use std::cell::RefCell;

use super::graph_def::NodeDef;
use crate::dtype::HostData;
use crate::ops::conv::Padding;
use crate::tensor::Tensor;
use crate::{Error, Result};

/// What a kernel sees of one node: its definition (attributes) and its input values.
pub(crate) struct Ctx<'a> {
    pub node: &'a NodeDef,
    pub inputs: Vec<Tensor>,
    /// The host copy of each input known on the host (constants, shapes, values read back).
    pub host: Vec<Option<&'a HostData>>,
    /// Whether the device can read a value back while the kernel waits (not WebGPU in a page).
    sync_reads: bool,
    /// Inputs the kernel asked for on the host that could not be read synchronously: the
    /// executor reads them asynchronously and runs the node again.
    wants: RefCell<Vec<usize>>,
    /// The execution's TensorArrays and TensorLists.
    resources: Option<&'a RefCell<resources::Resources>>,
    /// Outputs whose values the kernel knows on the host (handles, sizes), by output index.
    known_outputs: RefCell<Vec<(usize, HostValue)>>,
}

pub(crate) type Kernel = fn(&Ctx) -> Result<Vec<Tensor>>;

pub(crate) use graph::{shape_values, HostValue};
pub(crate) use spectral::refuses_complex;

/// Every category's kernels, by TF op name.
const TABLES: [&[(&str, Kernel)]; 19] = [
    arithmetic::OPS,
    basic_math::OPS,
    control::OPS,
    tensor_array::OPS,
    tensor_list::OPS,
    convolution::OPS,
    creation::OPS,
    dynamic::OPS,
    evaluation::OPS,
    graph::OPS,
    image::OPS,
    logical::OPS,
    matrices::OPS,
    normalization::OPS,
    reduction::OPS,
    slice_join::OPS,
    sparse::OPS,
    spectral::OPS,
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

/// TF.js's error for a node that must read a value back, on a device that cannot block.
pub(crate) fn needs_async(node: &NodeDef) -> Error {
    Error::invalid(
        format!("node {} ({})", node.name, node.op),
        format!(
            "This execution contains the node '{}', which has the dynamic op '{}'. Please use model.executeAsync() instead.",
            node.name, node.op
        ),
    )
}

/// A kernel's single output.
fn one(t: Result<Tensor>) -> Result<Vec<Tensor>> {
    t.map(|t| vec![t])
}

/// The node's value is its first input (identities, loop-frame ops, ops TF.js passes through).
fn identity(c: &Ctx) -> Result<Vec<Tensor>> {
    one(Ok(c.x(0)?.clone()))
}

/// One shared body for the two-input ops (each table entry adds only its call).
fn binary(c: &Ctx, f: fn(&Tensor, &Tensor) -> Result<Tensor>) -> Result<Vec<Tensor>> {
    one(f(c.x(0)?, c.x(1)?))
}

impl<'a> Ctx<'a> {
    pub fn new(node: &'a NodeDef, inputs: Vec<Tensor>, host: Vec<Option<&'a HostData>>, sync_reads: bool) -> Self {
        Ctx {
            node,
            inputs,
            host,
            sync_reads,
            wants: RefCell::new(vec![]),
            resources: None,
            known_outputs: RefCell::new(vec![]),
        }
    }

    /// Gives the kernel the execution's TensorArrays and TensorLists.
    pub fn with_resources(mut self, r: &'a RefCell<resources::Resources>) -> Self {
        self.resources = Some(r);
        self
    }

    /// Records that output `k`'s value is `data` (shape `shape`) on the host.
    pub fn known_output(&self, k: usize, data: HostData, shape: Vec<usize>) {
        self.known_outputs.borrow_mut().push((k, (data, shape)));
    }

    /// The outputs the kernel knows on the host.
    pub fn take_known_outputs(&self) -> Vec<(usize, HostValue)> {
        std::mem::take(&mut *self.known_outputs.borrow_mut())
    }

    /// The inputs the kernel is waiting to see on the host (empty when it ran or failed).
    pub fn wanted(&self) -> Vec<usize> {
        self.wants.borrow().clone()
    }

    /// Input `i`'s values on the host: its host copy, else read back from the device; where
    /// the device cannot read synchronously, the node waits for an asynchronous read.
    pub fn host_data(&self, i: usize) -> Result<HostData> {
        if let Some(h) = self.host.get(i).copied().flatten() {
            return Ok(h.clone());
        }
        let t = self.x(i)?;
        if self.sync_reads {
            return t.to_host();
        }
        self.wants.borrow_mut().push(i);
        Err(needs_async(self.node))
    }

    /// Reads inputs `idx` to the host at once (one pause, not one per input, where reads wait).
    pub fn prefetch(&self, idx: &[usize]) -> Result<Vec<HostData>> {
        if !self.sync_reads {
            let missing: Vec<usize> = idx
                .iter()
                .copied()
                .filter(|&i| self.host.get(i).copied().flatten().is_none() && i < self.inputs.len())
                .collect();
            if let Some(&first) = missing.first() {
                self.wants.borrow_mut().extend(&missing[1..]);
                self.host_data(first)?; // records `first` and pauses
            }
        }
        idx.iter().map(|&i| self.host_data(i)).collect()
    }

    /// A tensor made on the host, on the device of input 0.
    pub fn upload(&self, data: HostData, shape: &[usize]) -> Result<Tensor> {
        Tensor::from_host_on(data, shape, &self.x(0)?.device())
    }

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
        match self.host_data(i)? {
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
        match self.host_data(i)? {
            HostData::F32(v) => Ok(v[0]),
            HostData::I32(v) => Ok(v[0] as f32),
            HostData::Bool(v) => Ok(f32::from(u8::from(v[0]))),
        }
    }

    /// Input `i` as non-negative sizes (a shape, multiples, block sizes).
    pub fn sizes(&self, i: usize, what: &str) -> Result<Vec<usize>> {
        self.ints(i)?.into_iter().map(|v| self.size(v, what)).collect()
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
