//! Shape changes, casts and padding.

use super::{one, Ctx, Kernel};
use crate::{Result, Tensor};

fn reshape(c: &Ctx) -> Result<Tensor> {
    let shape: Vec<isize> = c.ints(1)?.into_iter().map(|v| v as isize).collect();
    c.x(0)?.reshape(&shape)
}

fn squeeze(c: &Ctx) -> Result<Tensor> {
    let mut axes = c.node.attr_ints("squeeze_dims")?;
    if axes.is_empty() {
        axes = c.node.attr_ints("axis")?;
    }
    let axes: Vec<isize> = axes.into_iter().map(|v| v as isize).collect();
    c.x(0)?.squeeze(&axes)
}

fn cast(c: &Ctx) -> Result<Tensor> {
    let to = c
        .node
        .attr_dtype("DstT")?
        .ok_or_else(|| c.err("attribute DstT missing"))?;
    c.x(0)?.cast(to)
}

/// `Pad`/`PadV2`: paddings `[rank, 2]`, and for PadV2 the constant as the third input.
fn pad(c: &Ctx, v2: bool) -> Result<Tensor> {
    let x = c.x(0)?;
    let p = c.ints(1)?;
    if p.len() != 2 * x.rank() {
        return Err(c.err(format!(
            "paddings must be [{}, 2] for an input of rank {}, got {} values",
            x.rank(),
            x.rank(),
            p.len()
        )));
    }
    let pairs: Vec<(usize, usize)> = p
        .chunks(2)
        .map(|q| Ok((c.size(q[0], "a padding")?, c.size(q[1], "a padding")?)))
        .collect::<Result<_>>()?;
    let value = if v2 { c.scalar(2)? } else { 0.0 };
    x.pad(&pairs, value)
}

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("Reshape", |c| one(reshape(c))),
    ("Squeeze", |c| one(squeeze(c))),
    ("ExpandDims", |c| one(c.x(0)?.expand_dims(c.int(1)? as isize))),
    ("Cast", |c| one(cast(c))),
    ("BroadcastTo", |c| {
        let dims: Vec<usize> = c
            .ints(1)?
            .into_iter()
            .map(|d| c.size(d, "a dimension"))
            .collect::<Result<_>>()?;
        one(c.x(0)?.broadcast_to(&dims))
    }),
    ("Pad", |c| one(pad(c, false))),
    ("PadV2", |c| one(pad(c, true))),
];
