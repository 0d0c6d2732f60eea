//! Graph plumbing: placeholders, constants, identities, and the ops on shapes.

use super::{identity, Ctx, Kernel};
use crate::dtype::HostData;
use crate::{Result, Tensor};

fn placeholder(c: &Ctx) -> Result<Vec<Tensor>> {
    Err(c.err("this input was not given"))
}

fn constant(c: &Ctx) -> Result<Vec<Tensor>> {
    Err(c.err("a constant without a value"))
}

/// A value known on the host: data and shape.
pub(crate) type HostValue = (HostData, Vec<usize>);

/// `Shape`, `ShapeN`, `Size`, `Rank`: values that depend only on the inputs' shapes, computed on
/// the host (so a `Shape -> StridedSlice -> Reshape` chain never waits on a device); `None` for
/// any other op.
pub(crate) fn shape_values(c: &Ctx) -> Option<Result<Vec<HostValue>>> {
    let int = |v: usize| i32::try_from(v).map_err(|_| c.err(format!("{v} does not fit int32")));
    let shape = |t: &Tensor| -> Result<HostValue> {
        let dims = t.shape().iter().map(|&d| int(d)).collect::<Result<Vec<i32>>>()?;
        let n = dims.len();
        Ok((HostData::I32(dims), vec![n]))
    };
    let scalar = |v: usize| -> Result<HostValue> { Ok((HostData::I32(vec![int(v)?]), vec![])) };
    Some(match c.node.op.as_str() {
        "Shape" => c.x(0).and_then(shape).map(|v| vec![v]),
        // TF.js makes ShapeN's outputs with tensor1d's default dtype: float32.
        "ShapeN" => c
            .inputs
            .iter()
            .map(|t| {
                Ok((
                    HostData::F32(t.shape().iter().map(|&d| d as f32).collect()),
                    vec![t.rank()],
                ))
            })
            .collect(),
        "Size" => c.x(0).and_then(|t| scalar(t.numel())).map(|v| vec![v]),
        "Rank" => c.x(0).and_then(|t| scalar(t.rank())).map(|v| vec![v]),
        _ => return None,
    })
}

/// The shape ops as kernels (the executor calls [`shape_values`] directly and keeps the host
/// values; this is the same computation for a device).
fn shape_kernel(c: &Ctx) -> Result<Vec<Tensor>> {
    let dev = c.x(0)?.device();
    shape_values(c)
        .unwrap_or_else(|| Err(c.err("not a shape op")))?
        .into_iter()
        .map(|(data, shape)| Tensor::from_host_on(data, &shape, &dev))
        .collect()
}

pub(super) const OPS: &[(&str, Kernel)] = &[
    // TF.js logs the data inputs; the node's value is its first input.
    ("Print", identity),
    // TF.js ignores fake quantization (its executor returns the input); so do we.
    ("FakeQuantWithMinMaxVars", identity),
    ("Shape", shape_kernel),
    ("ShapeN", shape_kernel),
    ("Size", shape_kernel),
    ("Rank", shape_kernel),
    ("Placeholder", placeholder),
    ("Const", constant),
    ("PlaceholderWithDefault", identity),
    ("Identity", identity),
    ("Snapshot", identity),
    ("StopGradient", identity),
    ("IdentityN", |c| Ok(c.inputs.clone())),
    ("NoOp", |_| Ok(vec![])),
];
