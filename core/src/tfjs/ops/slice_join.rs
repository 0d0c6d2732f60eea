//! Concatenation, stacking, slicing, gathering and tiling.

use super::{one, Ctx, Kernel};
use crate::ops::movement::{concat, stack};
use crate::{Result, Tensor};

/// `ConcatV2`: N tensors then the axis; `Concat`: the axis first.
fn concat_v(c: &Ctx, axis_first: bool) -> Result<Tensor> {
    let n = c.inputs.len();
    if n < 2 {
        return Err(c.err("expected the tensors and an axis"));
    }
    let (axis, tensors) = if axis_first {
        (c.int(0)?, &c.inputs[1..])
    } else {
        (c.int(n - 1)?, &c.inputs[..n - 1])
    };
    concat(tensors, axis as isize)
}

fn slice(c: &Ctx) -> Result<Tensor> {
    let begin: Vec<usize> = c
        .ints(1)?
        .into_iter()
        .map(|b| c.size(b, "begin"))
        .collect::<Result<_>>()?;
    let size: Vec<isize> = c.ints(2)?.into_iter().map(|s| s as isize).collect();
    c.x(0)?.slice(&begin, &size)
}

fn strided_slice(c: &Ctx) -> Result<Tensor> {
    let mask = |k: &str| c.node.attr_int(k, Some(0));
    if mask("ellipsis_mask")? != 0 || mask("new_axis_mask")? != 0 {
        return Err(c.err("ellipsis_mask and new_axis_mask are not supported yet"));
    }
    let v = |i: usize| -> Result<Vec<isize>> { Ok(c.ints(i)?.into_iter().map(|x| x as isize).collect()) };
    let bits = |k: &str| -> Result<u32> { Ok(mask(k)? as u32) };
    c.x(0)?.strided_slice(
        &v(1)?,
        &v(2)?,
        &v(3)?,
        bits("begin_mask")?,
        bits("end_mask")?,
        bits("shrink_axis_mask")?,
    )
}

fn gather(c: &Ctx) -> Result<Tensor> {
    if c.node.attr_int("batch_dims", Some(0))? != 0 {
        return Err(c.err("batch_dims other than 0 is not supported yet"));
    }
    let axis = if c.inputs.len() > 2 { c.int(2)? } else { 0 };
    c.x(0)?.gather(&c.x(1)?.cast(crate::DType::I32)?, axis as isize)
}

fn tile(c: &Ctx) -> Result<Tensor> {
    let reps: Vec<usize> = c
        .ints(1)?
        .into_iter()
        .map(|r| c.size(r, "a multiple"))
        .collect::<Result<_>>()?;
    c.x(0)?.tile(&reps)
}

fn split(c: &Ctx) -> Result<Vec<Tensor>> {
    let n = c.node.attr_int("num_split", None)?;
    let n = c.size(n, "num_split")?;
    c.x(1)?.split_n(n, c.int(0)? as isize)
}

fn split_v(c: &Ctx) -> Result<Vec<Tensor>> {
    let x = c.x(0)?;
    let axis = c.int(2)? as isize;
    let mut sizes = c.ints(1)?;
    let ax = if axis < 0 { axis + x.rank() as isize } else { axis };
    let dim = *x
        .shape()
        .get(usize::try_from(ax).unwrap_or(usize::MAX))
        .ok_or_else(|| c.err(format!("axis {axis} out of range for rank {}", x.rank())))? as i64;
    // One size may be -1: what the others leave.
    if let Some(k) = sizes.iter().position(|&s| s == -1) {
        let rest: i64 = sizes.iter().filter(|&&s| s != -1).sum();
        sizes[k] = dim - rest;
    }
    let sizes: Vec<usize> = sizes
        .into_iter()
        .map(|s| c.size(s, "a split size"))
        .collect::<Result<_>>()?;
    x.split(&sizes, axis)
}

fn pack(c: &Ctx) -> Result<Tensor> {
    stack(&c.inputs, c.node.attr_int("axis", Some(0))? as isize)
}

fn unpack(c: &Ctx) -> Result<Vec<Tensor>> {
    c.x(0)?.unstack(c.node.attr_int("axis", Some(0))? as isize)
}

fn reverse(c: &Ctx) -> Result<Tensor> {
    c.x(0)?.reverse(&c.axes(1)?)
}

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("ConcatV2", |c| one(concat_v(c, false))),
    ("Concat", |c| one(concat_v(c, true))),
    ("Pack", |c| one(pack(c))),
    ("Unpack", unpack),
    ("Slice", |c| one(slice(c))),
    ("StridedSlice", |c| one(strided_slice(c))),
    ("GatherV2", |c| one(gather(c))),
    ("Gather", |c| one(gather(c))),
    ("Tile", |c| one(tile(c))),
    ("Split", split),
    ("SplitV", split_v),
    ("ReverseV2", |c| one(reverse(c))),
];
