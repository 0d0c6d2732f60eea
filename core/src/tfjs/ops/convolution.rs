//! Convolutions and pooling, with the converter's fused forms (`_FusedConv2D`,
//! `FusedDepthwiseConv2dNative`: a bias and an activation folded into the node). `data_format`
//! NCHW runs as NHWC between two transposes. The 3-D forms run on the 2-D kernels: pooling is
//! separable (over H and W, then over D), a 3-D convolution is a sum over the filter's depth of
//! 2-D ones. `Dilation2D` and `MaxPoolWithArgmax` gather each window tap of the padded input.

use super::{one, Ctx, Kernel};
use crate::dtype::{DType, HostData};
use crate::ops::conv::{Conv2dOptions, Padding};
use crate::{Result, Tensor};

/// One spatial dimension's output size and padding (before, after) under TF's `SAME`/`VALID`
/// rule for a window of `k` taps `rate` apart moved `stride` at a time.
fn out_and_pad(
    c: &Ctx,
    size: usize,
    k: usize,
    stride: usize,
    rate: usize,
    same: bool,
) -> Result<(usize, usize, usize)> {
    let span = (k - 1) * rate + 1;
    if same {
        let out = size.div_ceil(stride);
        let total = ((out.max(1) - 1) * stride + span).saturating_sub(size);
        return Ok((out, total / 2, total - total / 2));
    }
    if size < span {
        return Err(c.err(format!(
            "a window of {span} does not fit a size of {size} with VALID padding"
        )));
    }
    Ok(((size - span) / stride + 1, 0, 0))
}

/// `padding` of an op that has only `SAME` and `VALID`: true for `SAME`.
fn same(c: &Ctx) -> Result<bool> {
    match c.node.attr_str("padding")?.as_str() {
        "SAME" => Ok(true),
        "VALID" => Ok(false),
        p => Err(c.err(format!("padding {p:?} is not supported here (SAME or VALID)"))),
    }
}

/// A 5-entry attribute over (N, D, H, W, C) as its (D, H, W) triple, each positive.
fn spatial3(c: &Ctx, key: &str) -> Result<[usize; 3]> {
    let v = c.node.attr_ints(key)?;
    let v = if v.is_empty() { vec![1; 5] } else { v };
    match v[..] {
        [_, d, h, w, _] if d > 0 && h > 0 && w > 0 => Ok([d as usize, h as usize, w as usize]),
        _ => Err(c.err(format!("attribute {key} must be 5 positive integers, got {v:?}"))),
    }
}

/// The values under each tap (dy, dx) of a 2-D window over NHWC `x` padded with `fill`, row by
/// row, each `[n, oh, ow, c]`, and the output's (oh, ow).
fn window_taps(
    c: &Ctx,
    x: &Tensor,
    k: [usize; 2],
    strides: [usize; 2],
    rates: [usize; 2],
    fill: f32,
) -> Result<(Vec<Tensor>, [usize; 2])> {
    if x.rank() != 4 {
        return Err(c.err(format!("the input must be rank 4 (NHWC), got shape {:?}", x.shape())));
    }
    let same = same(c)?;
    let (oh, pt, pb) = out_and_pad(c, x.shape()[1], k[0], strides[0], rates[0], same)?;
    let (ow, pl, pr) = out_and_pad(c, x.shape()[2], k[1], strides[1], rates[1], same)?;
    let padded = x.pad(&[(0, 0), (pt, pb), (pl, pr), (0, 0)], fill)?;
    let index = |n: usize, s: usize, off: usize| HostData::I32((0..n).map(|i| (i * s + off) as i32).collect());
    let mut taps = Vec::with_capacity(k[0] * k[1]);
    for dy in 0..k[0] {
        let rows = padded.gather(&c.upload(index(oh, strides[0], dy * rates[0]), &[oh])?, 1)?;
        for dx in 0..k[1] {
            taps.push(rows.gather(&c.upload(index(ow, strides[1], dx * rates[1]), &[ow])?, 2)?);
        }
    }
    Ok((taps, [oh, ow]))
}

/// `Dilation2D(x, filter)`: grayscale morphological dilation, the max over the window of the
/// input plus the filter (`[fh, fw, c]`), with `rates` between taps.
fn dilation2d(c: &Ctx) -> Result<Tensor> {
    let (x, f) = (c.x(0)?, c.x(1)?);
    if f.rank() != 3 || x.rank() != 4 || f.shape()[2] != x.shape()[3] {
        return Err(c.err(format!(
            "Error in dilation2d: the filter must be [height, width, depth] with the input's depth, got {:?} for input {:?}",
            f.shape(),
            x.shape()
        )));
    }
    let (fh, fw, ch) = (f.shape()[0], f.shape()[1], f.shape()[2]);
    let (taps, _) = window_taps(
        c,
        x,
        [fh, fw],
        c.spatial("strides", false)?,
        c.spatial("rates", false)?,
        f32::MIN,
    )?;
    let mut out: Option<Tensor> = None;
    for (k, t) in taps.into_iter().enumerate() {
        let w = f
            .slice(&[k / fw, k % fw, 0], &[1, 1, ch as isize])?
            .reshape(&[ch as isize])?;
        let v = t.add(&w)?;
        out = Some(match out {
            None => v,
            Some(o) => o.maximum(&v)?,
        });
    }
    out.ok_or_else(|| c.err("an empty filter"))
}

/// `MaxPoolWithArgmax(x)`: the max pool, and where each max is in the input as a flat index
/// (`((b * h + y) * w + x) * c + ch`, without `b` unless `include_batch_in_index`); the first
/// tap in row order wins ties, as TF.js.
fn max_pool_with_argmax(c: &Ctx) -> Result<Vec<Tensor>> {
    let x = c.x(0)?;
    let (k, strides) = (c.spatial("ksize", false)?, c.spatial("strides", false)?);
    let (taps, [oh, ow]) = window_taps(c, x, k, strides, [1, 1], f32::MIN)?;
    let [b, h, w, ch] = x.shape()[..] else {
        return Err(c.err("the input must be rank 4"));
    };
    let same = same(c)?;
    let (_, pt, _) = out_and_pad(c, h, k[0], strides[0], 1, same)?;
    let (_, pl, _) = out_and_pad(c, w, k[1], strides[1], 1, same)?;
    let stacked = crate::ops::movement::stack(&taps, 0)?;
    let best = stacked.arg_max(0)?;
    let pooled = stacked.max(&[0], false)?;
    let with_batch = c.node.attr_bool("include_batch_in_index", false);
    // Each tap's flat input index at every output position, on the host.
    let mut idx = Vec::with_capacity(taps.len() * b * oh * ow * ch);
    for t in 0..taps.len() {
        let (dy, dx) = (t / k[1], t % k[1]);
        for n in 0..b {
            for y in 0..oh {
                for xo in 0..ow {
                    let (iy, ix) = (
                        (y * strides[0] + dy) as i64 - pt as i64,
                        (xo * strides[1] + dx) as i64 - pl as i64,
                    );
                    for cc in 0..ch {
                        let base = if with_batch { n * h } else { 0 } as i64;
                        idx.push((((base + iy) * w as i64 + ix) * ch as i64 + cc as i64) as i32);
                    }
                }
            }
        }
    }
    crate::shape::numel_checked("MaxPoolWithArgmax", &[taps.len(), b, oh, ow, ch])?;
    let idx = c.upload(HostData::I32(idx), &[taps.len(), b, oh, ow, ch])?;
    let pick = best.one_hot(taps.len(), 1.0, 0.0)?.cast(DType::I32)?;
    let argmax = pick.mul(&idx.transpose(&[1, 2, 3, 4, 0])?)?.sum(&[-1], false)?;
    Ok(vec![pooled, argmax])
}

/// `AvgPool3D` / `MaxPool3D` (NDHWC): the 2-D pool over (H, W), then over D.
fn pool3d(c: &Ctx, max: bool) -> Result<Tensor> {
    let x = c.x(0)?;
    if c.node.attr_str_or("data_format", Some("NDHWC"))?.as_deref() != Some("NDHWC") {
        return Err(c.err("only data_format NDHWC is supported"));
    }
    let [n, d, h, w, ch] = x.shape()[..] else {
        return Err(c.err(format!("the input must be rank 5 (NDHWC), got shape {:?}", x.shape())));
    };
    let ([kd, kh, kw], [sd, sh, sw]) = (spatial3(c, "ksize")?, spatial3(c, "strides")?);
    let padding = if same(c)? { Padding::Same } else { Padding::Valid };
    let pool = |t: &Tensor, k: [usize; 2], s: [usize; 2]| {
        if max {
            t.max_pool(k, s, padding)
        } else {
            t.avg_pool(k, s, padding)
        }
    };
    let hw = pool(
        &x.reshape(&[(n * d) as isize, h as isize, w as isize, ch as isize])?,
        [kh, kw],
        [sh, sw],
    )?;
    let (oh, ow) = (hw.shape()[1], hw.shape()[2]);
    let dd = pool(
        &hw.reshape(&[n as isize, d as isize, (oh * ow) as isize, ch as isize])?,
        [kd, 1],
        [sd, 1],
    )?;
    let od = dd.shape()[1];
    dd.reshape(&[n as isize, od as isize, oh as isize, ow as isize, ch as isize])
}

/// `Conv3D` (NDHWC, filter `[kd, kh, kw, in, out]`): for each filter depth, the 2-D
/// convolution of the input depths it reaches, summed.
fn conv3d(c: &Ctx) -> Result<Tensor> {
    let (x, f) = (c.x(0)?, c.x(1)?);
    if c.node.attr_str_or("data_format", Some("NDHWC"))?.as_deref() != Some("NDHWC") {
        return Err(c.err("only data_format NDHWC is supported"));
    }
    let (&[n, d, h, w, ci], &[kd, kh, kw, fi, co]) = (x.shape(), f.shape()) else {
        return Err(c.err(format!(
            "conv3d needs a rank-5 input and filter, got {:?} and {:?}",
            x.shape(),
            f.shape()
        )));
    };
    if ci != fi {
        return Err(c.err(format!(
            "Error in conv3d: depth of input ({ci}) must match input depth for filter {fi}."
        )));
    }
    let ([sd, sh, sw], [rd, rh, rw]) = (spatial3(c, "strides")?, spatial3(c, "dilations")?);
    let same = same(c)?;
    let (od, pf, pb) = out_and_pad(c, d, kd, sd, rd, same)?;
    let padded = x.pad(&[(0, 0), (pf, pb), (0, 0), (0, 0), (0, 0)], 0.0)?;
    let opts = Conv2dOptions {
        strides: [sh, sw],
        padding: if same { Padding::Same } else { Padding::Valid },
        dilations: [rh, rw],
        groups: 1,
    };
    let mut sum: Option<Tensor> = None;
    for z in 0..kd {
        let depths = HostData::I32((0..od).map(|i| (i * sd + z * rd) as i32).collect());
        let slab = padded.gather(&c.upload(depths, &[od])?, 1)?;
        let flat = slab.reshape(&[(n * od) as isize, h as isize, w as isize, ci as isize])?;
        let wz = f
            .slice(
                &[z, 0, 0, 0, 0],
                &[1, kh as isize, kw as isize, ci as isize, co as isize],
            )?
            .reshape(&[kh as isize, kw as isize, ci as isize, co as isize])?;
        let y = flat.conv2d(&wz, opts)?;
        sum = Some(match sum {
            None => y,
            Some(s) => s.add(&y)?,
        });
    }
    let y = sum.ok_or_else(|| c.err("an empty filter"))?;
    let (oh, ow) = (y.shape()[1], y.shape()[2]);
    y.reshape(&[n as isize, od as isize, oh as isize, ow as isize, co as isize])
}

/// Strides, padding and dilations of a conv node, and whether it is NCHW.
struct ConvAttrs {
    nchw: bool,
    strides: [usize; 2],
    padding: Padding,
    dilations: [usize; 2],
}

fn attrs(c: &Ctx) -> Result<ConvAttrs> {
    let nchw = c.nchw()?;
    Ok(ConvAttrs {
        nchw,
        strides: c.spatial("strides", nchw)?,
        padding: c.padding(nchw)?,
        dilations: c.spatial("dilations", nchw)?,
    })
}

/// Runs `f` on the input in NHWC.
fn nhwc(x: &Tensor, nchw: bool, f: impl FnOnce(&Tensor) -> Result<Tensor>) -> Result<Tensor> {
    if !nchw {
        return f(x);
    }
    f(&x.transpose(&[0, 2, 3, 1])?)?.transpose(&[0, 3, 1, 2])
}

/// The fused bias and activation of `_FusedConv2D`, `FusedDepthwiseConv2dNative` and
/// `_FusedMatMul`, read as TF.js reads them: `fused_ops` is `[extra, activation]`, where `extra`
/// `BiasAdd` takes the first extra argument as the bias and a `Prelu` activation the next one as
/// its alpha (for convolutions without a bias the first argument is the alpha).
pub(super) fn fused_epilogue(c: &Ctx, y: Tensor, first_arg: usize, conv: bool) -> Result<Tensor> {
    let ops: Vec<String> = c
        .node
        .attr_strs("fused_ops")?
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let extra = ops.first().map(String::as_str).unwrap_or("");
    let activation = ops.get(1).map(String::as_str).unwrap_or("linear");
    let bias_add = extra == "biasadd";
    let prelu = activation == "prelu";
    let num_args = c.node.attr_int("num_args", Some(0))?;
    if bias_add && prelu && num_args != 2 {
        return Err(c.err("a fused BiasAdd and Prelu must have two extra arguments: bias and alpha"));
    }
    if bias_add && !prelu && num_args != 1 {
        return Err(c.err("a fused BiasAdd must have one extra argument: bias"));
    }
    if extra == "fusedbatchnorm" {
        return Err(c.err("FusedConv2d and DepthwiseConv2d with FusedBatchNorm is not supported"));
    }
    let (bias, alpha) = if bias_add || !conv {
        (c.inputs.get(first_arg), c.inputs.get(first_arg + 1))
    } else {
        (None, c.inputs.get(first_arg))
    };
    let mut y = y;
    if let (true, Some(b)) = (bias_add, bias) {
        y = y.add(b)?;
    }
    match activation {
        "linear" => Ok(y),
        "relu" => y.relu(),
        "relu6" => y.relu6(),
        "elu" => y.elu(),
        "sigmoid" => y.sigmoid(),
        "leakyrelu" => y.leaky_relu(c.node.attr_float("leakyrelu_alpha", 0.2) as f32),
        "prelu" => match alpha {
            Some(a) => y.prelu(a),
            None => Err(c.err("a fused Prelu needs its alpha argument")),
        },
        other => Err(c.err(format!("unknown fused activation {other:?}"))),
    }
}

/// A convolution node, with its fused epilogue (applied in NHWC, so a bias is per channel).
fn conv2d(c: &Ctx, fused: bool) -> Result<Tensor> {
    let a = attrs(c)?;
    let filter = c.x(1)?;
    nhwc(c.x(0)?, a.nchw, |x| {
        let y = x.conv2d(
            filter,
            Conv2dOptions {
                strides: a.strides,
                padding: a.padding,
                dilations: a.dilations,
                groups: 1,
            },
        )?;
        if fused {
            fused_epilogue(c, y, 2, true)
        } else {
            Ok(y)
        }
    })
}

fn depthwise(c: &Ctx, fused: bool) -> Result<Tensor> {
    let a = attrs(c)?;
    let filter = c.x(1)?;
    nhwc(c.x(0)?, a.nchw, |x| {
        let y = x.depthwise_conv2d(filter, a.strides, a.padding, a.dilations)?;
        if fused {
            fused_epilogue(c, y, 2, true)
        } else {
            Ok(y)
        }
    })
}

fn pool(c: &Ctx, max: bool) -> Result<Tensor> {
    let window = c.spatial("ksize", false)?;
    let strides = c.spatial("strides", false)?;
    let padding = c.padding(false)?;
    let x = c.x(0)?;
    if max {
        x.max_pool(window, strides, padding)
    } else {
        x.avg_pool(window, strides, padding)
    }
}

/// `Conv1D` (NWC): a convolution over one spatial axis, as a 2-D one of height 1.
fn conv1d(c: &Ctx) -> Result<Tensor> {
    if c.node.attr_str_or("data_format", Some("NWC"))?.as_deref() != Some("NWC") {
        return Err(c.err("only data_format NWC is supported"));
    }
    let positive = |k: &str| -> Result<usize> {
        let v = c.node.attr_int(k, Some(1))?;
        usize::try_from(v)
            .ok()
            .filter(|&v| v > 0)
            .ok_or_else(|| c.err(format!("{k} must be positive, got {v}")))
    };
    let y = c.x(0)?.expand_dims(1)?.conv2d(
        &c.x(1)?.expand_dims(0)?,
        Conv2dOptions {
            strides: [1, positive("stride")?],
            padding: c.padding(false)?,
            dilations: [1, positive("dilation")?],
            groups: 1,
        },
    )?;
    y.squeeze(&[1])
}

/// `Conv2DBackpropInput(input_sizes, filter, out_backprop)`: TF.js's `conv2dTranspose` of the
/// third input to the shape the first gives.
fn conv2d_backprop_input(c: &Ctx) -> Result<Tensor> {
    let a = attrs(c)?;
    let dims = c.sizes(0, "an output size")?;
    let [n, h, w, ch] = dims[..] else {
        return Err(c.err(format!("the output shape must have 4 sizes, got {dims:?}")));
    };
    let shape = if a.nchw { [n, w, ch, h] } else { [n, h, w, ch] };
    let filter = c.x(1)?;
    nhwc(c.x(2)?, a.nchw, |x| {
        x.conv2d_transpose(filter, shape, a.strides, a.padding)
    })
}

pub(super) const OPS: &[(&str, Kernel)] = &[
    ("Conv1D", |c| one(conv1d(c))),
    ("Conv2DBackpropInput", |c| one(conv2d_backprop_input(c))),
    ("Conv2D", |c| one(conv2d(c, false))),
    ("_FusedConv2D", |c| one(conv2d(c, true))),
    ("DepthwiseConv2d", |c| one(depthwise(c, false))),
    ("DepthwiseConv2dNative", |c| one(depthwise(c, false))),
    ("FusedDepthwiseConv2dNative", |c| one(depthwise(c, true))),
    ("AvgPool", |c| one(pool(c, false))),
    ("MaxPool", |c| one(pool(c, true))),
    ("AvgPool3D", |c| one(pool3d(c, false))),
    ("MaxPool3D", |c| one(pool3d(c, true))),
    ("Conv3D", |c| one(conv3d(c))),
    ("Dilation2D", |c| one(dilation2d(c))),
    ("MaxPoolWithArgmax", max_pool_with_argmax),
];
