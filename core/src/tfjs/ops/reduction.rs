//! Reductions over the axes given as the second input (`keep_dims` attribute).

use super::{one, Ctx, Kernel};
use crate::{Result, Tensor};

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
    ("ArgMax", |c| arg(c, true)),
    ("ArgMin", |c| arg(c, false)),
];
