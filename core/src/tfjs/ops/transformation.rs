//! Shape changes, casts and padding.

use super::{one, Ctx, Kernel};
use crate::dtype::HostData;
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

/// `BroadcastArgs(s0, s1)`: the shape two shapes broadcast to.
fn broadcast_args(c: &Ctx) -> Result<Tensor> {
    let (a, b) = (c.ints(0)?, c.ints(1)?);
    let n = a.len().max(b.len());
    let at = |v: &[i64], i: usize| if i + v.len() >= n { v[i + v.len() - n] } else { 1 };
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let (x, y) = (at(&a, i), at(&b, i));
        out.push(match (x, y) {
            _ if x == y || y == 1 => x,
            _ if x == 1 => y,
            _ => {
                return Err(c.err(format!(
                    "Operands could not be broadcast together with shapes {a:?} and {b:?}."
                )))
            }
        } as i32);
    }
    c.upload(HostData::I32(out), &[n])
}

fn ensure_shape(c: &Ctx) -> Result<Tensor> {
    let (x, want) = (c.x(0)?, c.ints(1)?);
    let ok = want.len() == x.rank() && want.iter().zip(x.shape()).all(|(&w, &s)| w < 0 || w as usize == s);
    if !ok {
        return Err(c.err(format!(
            "EnsureShape: Shape of tensor {:?} is not compatible with expected shape {want:?}",
            x.shape()
        )));
    }
    Ok(x.clone())
}

/// `DepthToSpace` (NHWC): blocks of channels become `block_size` x `block_size` pixels.
fn depth_to_space(c: &Ctx) -> Result<Tensor> {
    let x = c.x(0)?;
    let bs = c.node.attr_int("block_size", None)?;
    if bs <= 1 {
        return Err(c.err(format!("blockSize should be > 1 for depthToSpace, but was: {bs}")));
    }
    if c.nchw()? || x.rank() != 4 {
        return Err(c.err("depthToSpace takes a rank-4 NHWC input"));
    }
    let (b, [n, h, w, ch]) = (bs as usize, [x.shape()[0], x.shape()[1], x.shape()[2], x.shape()[3]]);
    if ch % (b * b) != 0 {
        return Err(c.err(format!(
            "Dimension size must be evenly divisible by {} but is {ch} for depthToSpace with input shape {:?}",
            b * b,
            x.shape()
        )));
    }
    let d = |v: usize| v as isize;
    x.reshape(&[d(n), d(h), d(w), d(b), d(b), d(ch / (b * b))])?
        .transpose(&[0, 1, 3, 2, 4, 5])?
        .reshape(&[d(n), d(h * b), d(w * b), d(ch / (b * b))])
}

/// The block sizes and `[before, after]` pairs of `SpaceToBatchND`/`BatchToSpaceND`.
fn blocks(c: &Ctx) -> Result<(Vec<usize>, Vec<[usize; 2]>)> {
    let block: Vec<usize> = c.sizes(1, "a block size")?;
    let pairs = c.ints(2)?;
    let rank = c.x(0)?.rank();
    if block.is_empty() || block.contains(&0) || pairs.len() != 2 * block.len() || rank < block.len() + 1 {
        return Err(c.err(format!(
            "block shape {block:?} and pairs {pairs:?} do not fit an input of rank {rank}"
        )));
    }
    let pairs = pairs
        .chunks(2)
        .map(|p| Ok([c.size(p[0], "a padding")?, c.size(p[1], "a padding")?]))
        .collect::<Result<_>>()?;
    Ok((block, pairs))
}

fn space_to_batch(c: &Ctx) -> Result<Tensor> {
    let (block, pads) = blocks(c)?;
    let x = c.x(0)?;
    let m = block.len();
    let mut all = vec![(0, 0); x.rank()];
    for (i, p) in pads.iter().enumerate() {
        all[i + 1] = (p[0], p[1]);
    }
    let x = x.pad(&all, 0.0)?;
    let s = x.shape().to_vec();
    let mut split = vec![s[0] as isize];
    for i in 0..m {
        if s[i + 1] % block[i] != 0 {
            return Err(c.err(format!(
                "padded size {} is not a multiple of block size {}",
                s[i + 1],
                block[i]
            )));
        }
        split.extend([(s[i + 1] / block[i]) as isize, block[i] as isize]);
    }
    split.extend(s[m + 1..].iter().map(|&d| d as isize));
    let mut perm: Vec<usize> = (0..m).map(|i| 2 + 2 * i).collect();
    perm.push(0);
    perm.extend((0..m).map(|i| 1 + 2 * i));
    perm.extend(2 * m + 1..split.len());
    let mut out = vec![(s[0] * block.iter().product::<usize>()) as isize];
    out.extend((0..m).map(|i| (s[i + 1] / block[i]) as isize));
    out.extend(s[m + 1..].iter().map(|&d| d as isize));
    x.reshape(&split)?.transpose(&perm)?.reshape(&out)
}

fn batch_to_space(c: &Ctx) -> Result<Tensor> {
    let (block, crops) = blocks(c)?;
    let x = c.x(0)?;
    let (m, s) = (block.len(), x.shape().to_vec());
    let prod: usize = block.iter().product();
    if s[0] % prod != 0 {
        return Err(c.err(format!(
            "batch {} is not a multiple of the block sizes' product {prod}",
            s[0]
        )));
    }
    let mut split: Vec<isize> = block.iter().map(|&b| b as isize).collect();
    split.push((s[0] / prod) as isize);
    split.extend(s[1..].iter().map(|&d| d as isize));
    let mut perm = vec![m];
    for i in 0..m {
        perm.extend([m + 1 + i, i]);
    }
    perm.extend(2 * m + 1..split.len());
    let mut out = vec![(s[0] / prod) as isize];
    out.extend((0..m).map(|i| (s[i + 1] * block[i]) as isize));
    out.extend(s[m + 1..].iter().map(|&d| d as isize));
    let y = x.reshape(&split)?.transpose(&perm)?.reshape(&out)?;
    let mut begin = vec![0; y.rank()];
    let mut size: Vec<isize> = vec![-1; y.rank()];
    for (i, cr) in crops.iter().enumerate() {
        let full = y.shape()[i + 1];
        if cr[0] + cr[1] > full {
            return Err(c.err(format!("crops {cr:?} exceed size {full}")));
        }
        begin[i + 1] = cr[0];
        size[i + 1] = (full - cr[0] - cr[1]) as isize;
    }
    y.slice(&begin, &size)
}

/// `MirrorPad(x, paddings)`, `mode` REFLECT (the edge not repeated) or SYMMETRIC: each axis a
/// gather with indices computed here.
fn mirror_pad(c: &Ctx) -> Result<Tensor> {
    let symmetric = match c.node.attr_str("mode")?.to_ascii_lowercase().as_str() {
        "reflect" => false,
        "symmetric" => true,
        m => {
            return Err(c.err(format!(
                "Invalid mode. Mode must be either reflect or symmetric. Got {m}."
            )))
        }
    };
    let mut x = c.x(0)?.clone();
    let p = c.ints(1)?;
    if p.len() != 2 * x.rank() {
        return Err(c.err(format!(
            "Padding doesn't match input. Must be {}. Got {}.",
            x.rank(),
            p.len() / 2
        )));
    }
    for axis in 0..x.rank() {
        let (n, before, after) = (x.shape()[axis] as i64, p[2 * axis], p[2 * axis + 1]);
        let most = if symmetric { n } else { n - 1 };
        if before < 0 || after < 0 || before > most || after > most {
            return Err(c.err(format!(
                "paddings [{before}, {after}] of axis {axis} must be in [0, {most}]"
            )));
        }
        if before == 0 && after == 0 {
            continue;
        }
        let idx: Vec<i32> = (-before..n + after)
            .map(|i| match i {
                i if i < 0 && symmetric => -i - 1,
                i if i < 0 => -i,
                i if i >= n && symmetric => 2 * n - 1 - i,
                i if i >= n => 2 * n - 2 - i,
                i => i,
            } as i32)
            .collect();
        let len = idx.len();
        x = x.gather(&c.upload(HostData::I32(idx), &[len])?, axis as isize)?;
    }
    Ok(x)
}

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("BroadcastArgs", |c| one(broadcast_args(c))),
    ("EnsureShape", |c| one(ensure_shape(c))),
    ("DepthToSpace", |c| one(depth_to_space(c))),
    ("SpaceToBatchND", |c| one(space_to_batch(c))),
    ("BatchToSpaceND", |c| one(batch_to_space(c))),
    ("MirrorPad", |c| one(mirror_pad(c))),
    ("Reshape", |c| one(reshape(c))),
    ("Squeeze", |c| one(squeeze(c))),
    ("ExpandDims", |c| one(c.x(0)?.expand_dims(c.int(1)? as isize))),
    ("Cast", |c| one(cast(c))),
    ("BroadcastTo", |c| {
        let dims: Vec<usize> = c.sizes(1, "a dimension")?;
        one(c.x(0)?.broadcast_to(&dims))
    }),
    ("Pad", |c| one(pad(c, false))),
    ("PadV2", |c| one(pad(c, true))),
];
