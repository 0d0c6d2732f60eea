//! Reductions over the axes given as the second input (`keep_dims` attribute), and the
//! bin counts (`Bincount`, `DenseBincount`, on the host as TF.js's CPU code).

use super::{one, Ctx, Kernel};
use crate::dtype::{DType, HostData};
use crate::{Result, Tensor};

/// `Bincount(x, size, weights)` / `DenseBincount(x, size, weights)`: per row of a 1-D or 2-D
/// int32 `x`, the (weighted) count of each value below `size`; `binary_output` gives 1 for any.
fn bincount(c: &Ctx) -> Result<Tensor> {
    let (x, w) = (c.x(0)?, c.x(2)?);
    let name = if c.node.op == "Bincount" {
        "bincount"
    } else {
        "denseBincount"
    };
    if x.dtype() != DType::I32 {
        return Err(c.err(format!(
            "Error in {name}: input dtype must be int32, but got {:?}",
            x.dtype()
        )));
    }
    let dense_2d = name == "denseBincount" && x.rank() == 2;
    if name == "denseBincount" && x.rank() > 2 {
        return Err(c.err(format!(
            "Error in {name}: input must be at most rank 2, but got rank {}.",
            x.rank()
        )));
    }
    let size = c.int(1)?;
    if size < 0 {
        return Err(c.err(format!("size must be non-negative, but got {size}.")));
    }
    let size = c.size(size, "size")?;
    if w.numel() != x.numel() && w.numel() != 0 {
        return Err(c.err(format!(
            "Error in {name}: weights must have the same shape as x or 0-length, but got x shape: {:?}, weights shape: {:?}.",
            x.shape(),
            w.shape()
        )));
    }
    let binary = c.node.attr_bool("binary_output", false);
    let data = c.prefetch(&[0, 2])?;
    let (HostData::I32(xs), ws) = (&data[0], data[1].to_f32_vec()) else {
        return Err(c.err("bincount reads int32 values"));
    };
    let rows = if dense_2d { x.shape()[0] } else { 1 };
    crate::shape::numel_checked(name, &[rows, size])?;
    let cols = xs.len().checked_div(rows).unwrap_or(0);
    let mut out = vec![0f64; rows * size];
    for (i, &v) in xs.iter().enumerate() {
        if v < 0 {
            return Err(c.err("Input x must be non-negative!"));
        }
        let v = v as usize;
        if v >= size {
            continue;
        }
        let slot = &mut out[(i / cols.max(1)) * size + v];
        *slot = if binary {
            1.0
        } else {
            *slot + ws.get(i).map_or(1.0, |&w| f64::from(w))
        };
    }
    let shape = if dense_2d { vec![rows, size] } else { vec![size] };
    let data = match w.dtype() {
        DType::I32 => HostData::I32(out.into_iter().map(|v| v as i32).collect()),
        _ => HostData::F32(out.into_iter().map(|v| v as f32).collect()),
    };
    c.upload(data, &shape)
}

fn reduce(c: &Ctx, f: fn(&Tensor, &[isize], bool) -> Result<Tensor>) -> Result<Vec<Tensor>> {
    let axes = c.axes(1)?;
    let x = c.x(0)?;
    if axes.is_empty() {
        // TF reduces over no axis when the axis list is empty: the input unchanged.
        return one(Ok(x.clone()));
    }
    one(f(x, &axes, c.node.attr_bool("keep_dims", false)))
}

fn arg(c: &Ctx, max: bool) -> Result<Vec<Tensor>> {
    let axis = c.int(1)? as isize;
    let x = c.x(0)?;
    one(if max { x.arg_max(axis) } else { x.arg_min(axis) })
}

/// `x` moved `k` places along `axis`, ones filling the front (a scan's step).
fn shifted(x: &Tensor, axis: usize, k: usize) -> Result<Tensor> {
    let n = x.shape()[axis];
    let mut size: Vec<isize> = vec![-1; x.rank()];
    size[axis] = (n - k.min(n)) as isize;
    let mut pads = vec![(0, 0); x.rank()];
    pads[axis] = (k.min(n), 0);
    x.slice(&vec![0; x.rank()], &size)?.pad(&pads, 1.0)
}

/// `Cumprod(x, axis)`: a log-depth scan of products (`exclusive`, `reverse` as `Cumsum`).
fn cumprod(c: &Ctx) -> Result<Tensor> {
    let x = c.x(0)?;
    let a = c.int(1)?;
    let rank = x.rank() as i64;
    if a < -rank || a >= rank {
        return Err(c.err(format!("axis {a} is out of range for rank {rank}")));
    }
    let axis = a.rem_euclid(rank) as usize;
    let reverse = c.node.attr_bool("reverse", false);
    let mut y = if reverse {
        x.reverse(&[axis as isize])?
    } else {
        x.clone()
    };
    if c.node.attr_bool("exclusive", false) {
        y = shifted(&y, axis, 1)?;
    }
    let mut k = 1;
    while k < y.shape()[axis] {
        y = y.mul(&shifted(&y, axis, k)?)?;
        k *= 2;
    }
    if reverse {
        y = y.reverse(&[axis as isize])?;
    }
    Ok(y)
}

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("Cumprod", |c| one(cumprod(c))),
    ("Sum", |c| reduce(c, Tensor::sum)),
    ("Mean", |c| reduce(c, Tensor::mean)),
    ("Max", |c| reduce(c, Tensor::max)),
    ("Min", |c| reduce(c, Tensor::min)),
    ("Prod", |c| reduce(c, Tensor::prod)),
    ("All", |c| reduce(c, Tensor::all)),
    ("Any", |c| reduce(c, Tensor::any)),
    ("Cumsum", |c| {
        let (exclusive, reverse) = (c.node.attr_bool("exclusive", false), c.node.attr_bool("reverse", false));
        one(c.x(0)?.cumsum(c.int(1)? as isize, exclusive, reverse))
    }),
    ("Bincount", |c| one(bincount(c))),
    ("DenseBincount", |c| one(bincount(c))),
    ("ArgMax", |c| arg(c, true)),
    ("ArgMin", |c| arg(c, false)),
];
