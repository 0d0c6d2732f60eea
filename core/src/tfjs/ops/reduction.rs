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

pub(super) const OPS: &[(&str, Kernel)] = &[
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
