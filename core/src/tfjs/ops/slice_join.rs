//! Concatenation, stacking, slicing, gathering and tiling.

use super::{one, Ctx, Kernel};
use crate::dtype::{DType, HostData};
use crate::ops::movement::{concat, stack};
use crate::ops::prim::scatter_add;
use crate::ops::where_;
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
    let begin: Vec<usize> = c.sizes(1, "begin")?;
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
    let reps: Vec<usize> = c.sizes(1, "a multiple")?;
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

/// `Reverse(x, dims)`: TF1's form, one bool per axis.
fn reverse_v1(c: &Ctx) -> Result<Tensor> {
    let axes: Vec<isize> = match c.host_data(1)? {
        HostData::Bool(v) => v
            .iter()
            .enumerate()
            .filter(|(_, &b)| b)
            .map(|(i, _)| i as isize)
            .collect(),
        _ => return Err(c.err("dims must be bool")),
    };
    c.x(0)?.reverse(&axes)
}

/// Rows of `updates` added into zeros of `shape` at `indices` (`[..., K]` over the first K
/// axes; repeated indices add up, as in TF).
fn scatter_nd(c: &Ctx, indices: &Tensor, updates: &Tensor, shape: &[usize]) -> Result<Tensor> {
    let indices = if indices.rank() < 2 {
        indices.reshape(&[-1, 1])?
    } else {
        indices.clone()
    };
    let k = indices.shape()[indices.rank() - 1];
    if k > shape.len() {
        return Err(c.err(format!("indices index {k} axes of a rank-{} output", shape.len())));
    }
    let strides: Vec<i32> = (0..k)
        .map(|j| shape[j + 1..k].iter().product::<usize>() as i32)
        .collect();
    let flat = indices
        .cast(DType::I32)?
        .mul(&c.upload(HostData::I32(strides), &[k])?)?
        .sum(&[-1], false)?
        .reshape(&[-1])?;
    let inner: usize = shape[k..].iter().product();
    let rows = updates.reshape(&[flat.numel() as isize, inner as isize])?;
    let dims: Vec<isize> = shape.iter().map(|&d| d as isize).collect();
    scatter_add(&rows, &flat, 0, shape[..k].iter().product())?.reshape(&dims)
}

/// `values` written into `base` at `indices` (where no index points, `base` stays).
fn scatter_over(c: &Ctx, base: &Tensor, indices: &Tensor, values: &Tensor) -> Result<Tensor> {
    let values = values.cast(DType::F32)?;
    let shape = base.shape().to_vec();
    let written = scatter_nd(c, indices, &values, &shape)?;
    let hit =
        scatter_nd(c, indices, &values.ones_like()?, &shape)?.greater(Tensor::scalar_on(0.0f32, &base.device()))?;
    where_(&hit, &written.cast(base.dtype())?, base)
}

/// `SparseToDense(indices, output_shape, values, default_value)`.
fn sparse_to_dense(c: &Ctx) -> Result<Tensor> {
    let dims: Vec<usize> = c.sizes(1, "a dimension")?;
    crate::shape::numel_checked("SparseToDense", &dims)?;
    let (indices, values, default) = (c.x(0)?, c.x(2)?, c.x(3)?);
    let rows = if indices.rank() < 2 {
        indices.numel()
    } else {
        indices.shape()[0]
    };
    let values = if values.rank() == 0 {
        values.broadcast_to(&[rows])?
    } else {
        values.clone()
    };
    scatter_over(c, &default.broadcast_to(&dims)?, indices, &values)
}

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("GatherNd", |c| {
        one(c.x(0)?.gather_nd(&c.x(1)?.cast(crate::DType::I32)?))
    }),
    ("Reverse", |c| one(reverse_v1(c))),
    ("ScatterNd", |c| {
        let dims: Vec<usize> = c.sizes(2, "a dimension")?;
        crate::shape::numel_checked("ScatterNd", &dims)?;
        one(scatter_nd(c, c.x(0)?, c.x(1)?, &dims))
    }),
    ("TensorScatterUpdate", |c| {
        one(scatter_over(c, c.x(0)?, c.x(1)?, c.x(2)?))
    }),
    ("SparseToDense", |c| one(sparse_to_dense(c))),
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
