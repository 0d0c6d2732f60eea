//! Reverse-mode autodiff on the primitive graph. There is exactly one VJP rule per primitive
//! (`vjp_rule`); every user op gets its gradient by composition. Because tensors are lazy, taking
//! a gradient only builds more graph: nothing runs until the gradients are read or realized.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::ir::{BinaryOp as B, ConvParams, Prim, ReduceOp, UnaryOp as U};
use crate::ops::prim::*;
use crate::tensor::{Tensor, VjpFn};
use crate::{Error, Result};

fn edges(t: &Tensor) -> &[Tensor] {
    match &t.0.custom {
        Some(c) => &c.inputs,
        None => t.inputs(),
    }
}

/// Nodes reachable from `root`, inputs before users.
fn topo(root: &Tensor) -> Vec<Tensor> {
    let mut order = vec![];
    let mut seen = HashSet::new();
    let mut stack = vec![(root.clone(), false)];
    while let Some((t, done)) = stack.pop() {
        if done {
            order.push(t);
            continue;
        }
        if !seen.insert(t.id()) {
            continue;
        }
        stack.push((t.clone(), true));
        for i in edges(&t).iter().rev() {
            if !seen.contains(&i.id()) {
                stack.push((i.clone(), false));
            }
        }
    }
    order
}

/// Vector-Jacobian product: gradients of `sum(y * dy)` with respect to each of `xs`. Inputs that
/// `y` does not depend on get zeros.
pub fn vjp(y: &Tensor, xs: &[&Tensor], dy: &Tensor) -> Result<Vec<Tensor>> {
    if dy.shape() != y.shape() {
        return Err(Error::shape(
            "grad",
            format!(
                "output gradient shape {:?} differs from output shape {:?}",
                dy.shape(),
                y.shape()
            ),
        ));
    }
    if !y.dtype().is_float() {
        return Err(Error::dtype(
            "grad",
            format!("cannot differentiate a {} output", y.dtype()),
        ));
    }
    for x in xs {
        if !x.dtype().is_float() {
            return Err(Error::dtype(
                "grad",
                format!("cannot differentiate with respect to a {} tensor", x.dtype()),
            ));
        }
    }
    let order = topo(y);
    let targets: HashSet<u64> = xs.iter().map(|x| x.id()).collect();
    let mut needs: HashSet<u64> = HashSet::new();
    for t in &order {
        if targets.contains(&t.id()) || edges(t).iter().any(|i| needs.contains(&i.id())) {
            needs.insert(t.id());
        }
    }
    let mut cot: HashMap<u64, Tensor> = HashMap::new();
    cot.insert(y.id(), cast(dy, y.dtype())?);
    for t in order.iter().rev() {
        if targets.contains(&t.id()) && edges(t).is_empty() {
            continue;
        }
        let Some(g) = cot.get(&t.id()).cloned() else { continue };
        if !needs.contains(&t.id()) {
            continue;
        }
        let grads = match &t.0.custom {
            Some(c) => (c.vjp)(&g)?.into_iter().map(Some).collect(),
            None => vjp_rule(t, &g)?,
        };
        let ins = edges(t);
        if grads.len() != ins.len() {
            return Err(Error::invalid(
                "customGrad",
                format!(
                    "gradient function returned {} gradients for {} inputs",
                    grads.len(),
                    ins.len()
                ),
            ));
        }
        for (input, gi) in ins.iter().zip(grads) {
            let Some(gi) = gi else { continue };
            if !needs.contains(&input.id()) || !input.dtype().is_float() {
                continue;
            }
            if gi.shape() != input.shape() {
                return Err(Error::shape(
                    "grad",
                    format!(
                        "gradient for an input of {} has shape {:?}, expected {:?}",
                        t.prim().name(),
                        gi.shape(),
                        input.shape()
                    ),
                ));
            }
            let acc = match cot.remove(&input.id()) {
                Some(prev) => binary(&prev, &gi, B::Add)?,
                None => gi,
            };
            cot.insert(input.id(), acc);
        }
    }
    xs.iter()
        .map(|x| match cot.get(&x.id()) {
            Some(g) => Ok(g.clone()),
            None => full_like(x, 0.0),
        })
        .collect()
}

/// Gradients of a scalar (or any-shape, summed) `y` with respect to `xs`.
pub fn grad(y: &Tensor, xs: &[&Tensor]) -> Result<Vec<Tensor>> {
    vjp(y, xs, &full_like(y, 1.0)?)
}

/// Evaluates `f(xs)` and its gradients with respect to every `xs` (TF.js `valueAndGrads`).
pub fn value_and_grads(f: impl FnOnce(&[Tensor]) -> Result<Tensor>, xs: &[Tensor]) -> Result<(Tensor, Vec<Tensor>)> {
    let y = f(xs)?;
    let refs: Vec<&Tensor> = xs.iter().collect();
    let g = grad(&y, &refs)?;
    Ok((y, g))
}

/// Attaches a user gradient: the result has `forward`'s value, but gradients flowing into it go
/// to `inputs` through `vjp(dy)` instead of through the graph that computed `forward`.
pub fn custom_grad(inputs: &[Tensor], forward: &Tensor, vjp: VjpFn) -> Result<Tensor> {
    forward.clone().with_custom_grad(inputs.to_vec(), vjp)
}

/// Convenience for [`custom_grad`] with a closure.
pub fn custom_grad_fn(
    inputs: &[Tensor],
    forward: &Tensor,
    vjp: impl Fn(&Tensor) -> Result<Vec<Tensor>> + Send + Sync + 'static,
) -> Result<Tensor> {
    custom_grad(inputs, forward, Arc::new(vjp))
}

fn mul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary(a, b, B::Mul)
}
fn div(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary(a, b, B::Div)
}
fn neg(a: &Tensor) -> Result<Tensor> {
    unary(a, U::Neg)
}
fn mask_f(c: &Tensor, like: &Tensor) -> Result<Tensor> {
    cast(c, like.dtype())
}

/// The one VJP rule of each primitive: cotangents of its inputs given the output cotangent `g`.
/// `None` means "no gradient" (integer/bool inputs, piecewise-constant ops).
fn vjp_rule(t: &Tensor, g: &Tensor) -> Result<Vec<Option<Tensor>>> {
    let ins = t.inputs();
    let one = |v: Tensor| Ok(vec![Some(v)]);
    let get = |i: usize| ins.get(i).ok_or_else(|| Error::invalid("grad", "malformed node"));
    match t.prim() {
        Prim::Data | Prim::Const(_) | Prim::Arange(_) | Prim::Rand { .. } => Ok(vec![]),
        Prim::Unary(op) => {
            let x = get(0)?;
            match op {
                U::Neg => one(neg(g)?),
                U::Exp => one(mul(g, t)?),
                U::Log => one(div(g, x)?),
                U::Sqrt => one(div(g, &mul(t, &full_like(t, 2.0)?)?)?),
                U::Recip => one(neg(&mul(g, &mul(t, t)?)?)?),
                U::Sin => one(mul(g, &unary(x, U::Cos)?)?),
                U::Cos => one(neg(&mul(g, &unary(x, U::Sin)?)?)?),
                U::Tanh => one(mul(g, &binary(&full_like(t, 1.0)?, &mul(t, t)?, B::Sub)?)?),
                U::Sigmoid => one(mul(g, &mul(t, &binary(&full_like(t, 1.0)?, t, B::Sub)?)?)?),
                U::Erf => {
                    let e = unary(&neg(&mul(x, x)?)?, U::Exp)?;
                    one(mul(g, &mul(&e, &full_like(x, std::f64::consts::FRAC_2_SQRT_PI)?)?)?)
                }
                U::Floor | U::Ceil | U::Round | U::Not => Ok(vec![None]),
            }
        }
        Prim::Binary(op) => {
            let (a, b) = (get(0)?, get(1)?);
            if !a.dtype().is_float() {
                return Ok(vec![None, None]);
            }
            match op {
                B::Add => Ok(vec![Some(g.clone()), Some(g.clone())]),
                B::Sub => Ok(vec![Some(g.clone()), Some(neg(g)?)]),
                B::Mul => Ok(vec![Some(mul(g, b)?), Some(mul(g, a)?)]),
                B::Div => {
                    let ga = div(g, b)?;
                    Ok(vec![Some(ga.clone()), Some(neg(&mul(&ga, &div(a, b)?)?)?)])
                }
                B::Pow => {
                    let bm1 = binary(b, &full_like(b, 1.0)?, B::Sub)?;
                    let ga = mul(g, &mul(b, &binary(a, &bm1, B::Pow)?)?)?;
                    let pos = binary(&full_like(a, 0.0)?, a, B::Lt)?;
                    let safe = select(&pos, a, &full_like(a, 1.0)?)?;
                    let loga = select(&pos, &unary(&safe, U::Log)?, &full_like(a, 0.0)?)?;
                    Ok(vec![Some(ga), Some(mul(g, &mul(t, &loga)?)?)])
                }
                B::Max | B::Min => {
                    // Ties send the gradient to the first operand, as TF does.
                    let first = if *op == B::Max {
                        binary(b, a, B::Le)?
                    } else {
                        binary(a, b, B::Le)?
                    };
                    let m = mask_f(&first, g)?;
                    let rest = binary(&full_like(&m, 1.0)?, &m, B::Sub)?;
                    Ok(vec![Some(mul(g, &m)?), Some(mul(g, &rest)?)])
                }
                B::Mod => {
                    let q = unary(&div(a, b)?, U::Floor)?;
                    Ok(vec![Some(g.clone()), Some(neg(&mul(g, &q)?)?)])
                }
                B::Lt | B::Le | B::Eq | B::And | B::Or => Ok(vec![None, None]),
            }
        }
        Prim::Where => {
            let c = get(0)?;
            let z = full_like(g, 0.0)?;
            Ok(vec![None, Some(select(c, g, &z)?), Some(select(c, &z, g)?)])
        }
        Prim::Cast(_) => {
            let x = get(0)?;
            if x.dtype().is_float() && g.dtype().is_float() {
                one(cast(g, x.dtype())?)
            } else {
                Ok(vec![None])
            }
        }
        Prim::Reduce { op, axes } => {
            let x = get(0)?;
            let ge = expand(g, x.shape())?;
            match op {
                ReduceOp::Sum => one(ge),
                ReduceOp::Prod => one(div(&mul(&ge, &expand(t, x.shape())?)?, x)?),
                ReduceOp::Max | ReduceOp::Min => {
                    let m = mask_f(&binary(x, &expand(t, x.shape())?, B::Eq)?, x)?;
                    let cnt = reduce(&m, ReduceOp::Sum, axes)?;
                    one(mul(&expand(&div(g, &cnt)?, x.shape())?, &m)?)
                }
            }
        }
        Prim::Reshape(_) => one(reshape(g, get(0)?.shape())?),
        Prim::Permute(p) => {
            let mut inv = vec![0; p.len()];
            for (i, &pi) in p.iter().enumerate() {
                inv[pi] = i;
            }
            one(permute(g, &inv)?)
        }
        Prim::Expand(to) => {
            let xs = get(0)?.shape();
            let axes: Vec<usize> = (0..to.len()).filter(|&d| xs[d] != to[d]).collect();
            one(reduce(g, ReduceOp::Sum, &axes)?)
        }
        Prim::Pad(p) => {
            let xs = get(0)?.shape();
            let start: Vec<usize> = p.iter().map(|&(lo, _)| lo).collect();
            one(slice(g, &start, xs, &vec![1; xs.len()])?)
        }
        Prim::Slice { start, len, step } => one(unslice(g, get(0)?.shape(), start, len, step)?),
        Prim::Flip(axes) => one(flip(g, axes)?),
        Prim::MatMul => {
            let (a, b) = (get(0)?, get(1)?);
            let ga = matmul3(g, &permute(b, &[0, 2, 1])?)?;
            let gb = matmul3(&permute(a, &[0, 2, 1])?, g)?;
            Ok(vec![Some(ga), Some(gb)])
        }
        Prim::Conv(p) => {
            let (x, w) = (get(0)?, get(1)?);
            Ok(vec![
                Some(conv_grad_input(g, x.shape(), w, p)?),
                Some(conv_grad_filter(g, x, w.shape(), p)?),
            ])
        }
        Prim::Gather { axis } => {
            let (x, idx) = (get(0)?, get(1)?);
            let xs = x.shape();
            let mut gs = xs[..*axis].to_vec();
            gs.push(idx.numel());
            gs.extend_from_slice(&xs[axis + 1..]);
            let g2 = reshape(g, &gs)?;
            let flat = reshape(idx, &[idx.numel()])?;
            Ok(vec![Some(scatter_add(&g2, &flat, *axis, xs[*axis])?), None])
        }
        Prim::ScatterAdd { axis, .. } => Ok(vec![Some(gather(g, get(1)?, *axis)?), None]),
    }
}

/// Places `g` (the slice's cotangent) back at the sliced positions of a zero tensor of `in_shape`.
pub(crate) fn unslice(
    g: &Tensor,
    in_shape: &[usize],
    start: &[usize],
    len: &[usize],
    step: &[usize],
) -> Result<Tensor> {
    let mut cur = g.clone();
    for d in 0..in_shape.len() {
        if step[d] > 1 && len[d] > 0 {
            // Interleave step-1 zeros after each element along d.
            let mut s = cur.shape().to_vec();
            s.insert(d + 1, 1);
            let r = reshape(&cur, &s)?;
            let mut pads = vec![(0, 0); s.len()];
            pads[d + 1] = (0, step[d] - 1);
            let p = pad(&r, &pads)?;
            let mut s2 = cur.shape().to_vec();
            s2[d] = len[d] * step[d];
            cur = reshape(&p, &s2)?;
        }
        let have = cur.shape()[d];
        let keep = have.min(in_shape[d] - start[d]);
        if keep < have {
            let mut l = cur.shape().to_vec();
            l[d] = keep;
            cur = slice(&cur, &vec![0; l.len()], &l, &vec![1; l.len()])?;
        }
        let mut pads = vec![(0, 0); in_shape.len()];
        pads[d] = (start[d], in_shape[d] - start[d] - keep);
        cur = pad(&cur, &pads)?;
    }
    Ok(cur)
}

fn dil(n: usize, d: usize) -> isize {
    if n == 0 {
        0
    } else {
        (n as isize - 1) * d as isize + 1
    }
}

/// d(conv)/dx: a convolution of `g` with the spatially flipped, in/out-swapped filter, input
/// dilated by the forward stride (the general form used by XLA/JAX).
pub(crate) fn conv_grad_input(g: &Tensor, x_shape: &[usize], w: &Tensor, p: &ConvParams) -> Result<Tensor> {
    let ws = w.shape();
    let (kh, kw, cg, o) = (ws[0], ws[1], ws[2], ws[3]);
    let groups = p.groups;
    let og = o / groups;
    let wt = reshape(&w.clone(), &[kh, kw, cg, groups, og])?;
    let wt = permute(&wt, &[0, 1, 4, 3, 2])?;
    let wt = reshape(&wt, &[kh, kw, og, groups * cg])?;
    let wt = flip(&wt, &[0, 1])?;
    let gs = g.shape();
    let mut padding = [(0isize, 0isize); 2];
    for d in 0..2 {
        let k_dil = dil(ws[d], p.rhs_dilation[d]);
        let in_dil = dil(x_shape[1 + d], p.lhs_dilation[d]);
        let out_dil = dil(gs[1 + d], p.stride[d]);
        let before = k_dil - p.padding[d].0 - 1;
        let after = in_dil + k_dil - 1 - out_dil - before;
        padding[d] = (before, after);
    }
    let q = ConvParams {
        stride: p.lhs_dilation,
        padding,
        lhs_dilation: p.stride,
        rhs_dilation: p.rhs_dilation,
        groups,
    };
    let dx = conv(g, &wt, q)?;
    if dx.shape() != x_shape {
        return Err(Error::shape(
            "conv grad",
            format!("input gradient shape {:?} != input shape {x_shape:?}", dx.shape()),
        ));
    }
    Ok(dx)
}

/// d(conv)/dw: a convolution of the input (batch and channels swapped) with `g` as the filter;
/// forward stride and filter dilation trade places. Groups move into the feature dimension.
fn conv_grad_filter(g: &Tensor, x: &Tensor, w_shape: &[usize], p: &ConvParams) -> Result<Tensor> {
    let xs = x.shape();
    let (n, h, wd, c) = (xs[0], xs[1], xs[2], xs[3]);
    let groups = p.groups;
    let cg = c / groups;
    let lhs = reshape(&permute(x, &[3, 1, 2, 0])?, &[groups, cg, h, wd, n])?;
    let lhs = reshape(&permute(&lhs, &[1, 2, 3, 0, 4])?, &[cg, h, wd, groups * n])?;
    let rhs = permute(g, &[1, 2, 0, 3])?;
    let gs = g.shape();
    let mut padding = [(0isize, 0isize); 2];
    for d in 0..2 {
        let k_dil = dil(w_shape[d], p.rhs_dilation[d]);
        let in_dil = dil(xs[1 + d], p.lhs_dilation[d]);
        let out_dil = dil(gs[1 + d], p.stride[d]);
        let lo = p.padding[d].0;
        padding[d] = (lo, out_dil - in_dil + k_dil - lo - 1);
    }
    let q = ConvParams {
        stride: p.rhs_dilation,
        padding,
        lhs_dilation: p.lhs_dilation,
        rhs_dilation: p.stride,
        groups,
    };
    let dw = conv(&lhs, &rhs, q)?;
    let dw = permute(&dw, &[1, 2, 0, 3])?;
    if dw.shape() != w_shape {
        return Err(Error::shape(
            "conv grad",
            format!("filter gradient shape {:?} != filter shape {w_shape:?}", dw.shape()),
        ));
    }
    Ok(dw)
}
