//! Matrix products, transposes and band masks.

use super::convolution::fused_epilogue;
use super::{one, Ctx, Kernel};
use crate::dtype::HostData;
use crate::ops::where_;
use crate::{Result, Tensor};

fn matmul(c: &Ctx) -> Result<Tensor> {
    let ta = c.node.attr_bool("transpose_a", false);
    let tb = c.node.attr_bool("transpose_b", false);
    c.x(0)?.matmul(c.x(1)?, ta, tb)
}

fn batch_matmul(c: &Ctx) -> Result<Tensor> {
    let ta = c.node.attr_bool("adj_x", false);
    let tb = c.node.attr_bool("adj_y", false);
    c.x(0)?.matmul(c.x(1)?, ta, tb)
}

fn transpose(c: &Ctx) -> Result<Tensor> {
    c.x(0)?.transpose(&c.sizes(1, "a permutation entry")?)
}

/// `MatrixBandPart(a, num_lower, num_upper)`: the band of each inner matrix (a negative count
/// keeps that whole triangle), zeros elsewhere.
fn band_part(c: &Ctx) -> Result<Tensor> {
    let a = c.x(0)?;
    let r = a.rank();
    if r < 2 {
        return Err(c.err(format!("bandPart(): Rank must be at least 2, got {r}.")));
    }
    let (m, n) = (a.shape()[r - 2], a.shape()[r - 1]);
    let (lower, upper) = (c.int(1)?, c.int(2)?);
    let keep = |i: usize, j: usize| {
        let d = i as i64 - j as i64;
        (lower < 0 || d <= lower) && (upper < 0 || -d <= upper)
    };
    let mask: Vec<bool> = (0..m * n).map(|k| keep(k / n, k % n)).collect();
    where_(&c.upload(HostData::Bool(mask), &[m, n])?, a, &a.zeros_like()?)
}

/// `Einsum(inputs..., equation)` as TF.js decodes it (an arrow, at most two inputs, no
/// ellipsis or repeated labels in one input): each input's axes are laid out in the order of
/// all labels (the output's first), the inputs multiplied with broadcasting and the labels not
/// in the output summed away.
fn einsum(c: &Ctx) -> Result<Tensor> {
    let eq: String = c
        .node
        .attr_str("equation")?
        .chars()
        .filter(|ch| !ch.is_whitespace())
        .collect();
    let Some((lhs, out)) = eq.split_once("->") else {
        return Err(c.err("Equations without an arrow are not supported."));
    };
    if out.contains("->") {
        return Err(c.err("Equation must contain exactly one arrow (\"->\")."));
    }
    if lhs.contains("...") {
        return Err(c.err("The ellipsis notation (\"...\") is not supported yet."));
    }
    let terms: Vec<&str> = lhs.split(',').collect();
    if terms.len() != c.inputs.len() {
        return Err(c.err(format!(
            "Expected {} input tensors, received {}",
            terms.len(),
            c.inputs.len()
        )));
    }
    if terms.len() > 2 {
        return Err(c.err("Support for more than 2 input tensors is not implemented yet."));
    }
    let mut all: Vec<char> = vec![];
    for ch in out.chars() {
        if !terms.iter().any(|t| t.contains(ch)) {
            return Err(c.err(format!(
                "Output subscripts contain the label {ch} not present in the input subscripts."
            )));
        }
        if !all.contains(&ch) {
            all.push(ch);
        }
    }
    for ch in lhs.chars().filter(|&ch| ch != ',') {
        if !all.contains(&ch) {
            all.push(ch);
        }
    }
    let mut product: Option<Tensor> = None;
    for (t, term) in c.inputs.iter().zip(&terms) {
        let labels: Vec<char> = term.chars().collect();
        if labels.iter().enumerate().any(|(i, l)| labels[..i].contains(l)) {
            return Err(c.err(format!(
                "Found duplicate axes in input component {term}. Support for duplicate axes in input is not implemented yet."
            )));
        }
        if labels.len() != t.rank() {
            return Err(c.err(format!(
                "input component {term} has {} labels for a tensor of rank {}",
                labels.len(),
                t.rank()
            )));
        }
        // This input's axes in the order of `all`, then a size-1 axis for each label it lacks.
        let pos: Vec<usize> = all.iter().filter_map(|l| labels.iter().position(|x| x == l)).collect();
        let moved = t.transpose(&pos)?;
        let shape: Vec<isize> = all
            .iter()
            .map(|l| labels.iter().position(|x| x == l).map_or(1, |i| t.shape()[i] as isize))
            .collect();
        let laid = moved.reshape(&shape)?;
        product = Some(match product {
            None => laid,
            Some(p) => p.mul(&laid)?,
        });
    }
    let p = product.ok_or_else(|| c.err("Einsum needs an input"))?;
    let summed: Vec<isize> = (out.chars().count()..all.len()).map(|i| i as isize).collect();
    if summed.is_empty() {
        Ok(p)
    } else {
        p.sum(&summed, false)
    }
}

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("Einsum", |c| one(einsum(c))),
    ("MatrixBandPart", |c| one(band_part(c))),
    ("MatMul", |c| one(matmul(c))),
    ("_FusedMatMul", |c| one(fused_epilogue(c, matmul(c)?, 2, false))),
    ("BatchMatMul", |c| one(batch_matmul(c))),
    ("BatchMatMulV2", |c| one(batch_matmul(c))),
    ("BatchMatMulV3", |c| one(batch_matmul(c))),
    ("Transpose", |c| one(transpose(c))),
];
