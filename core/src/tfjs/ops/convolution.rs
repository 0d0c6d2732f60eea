//! Convolutions and pooling, with the converter's fused forms (`_FusedConv2D`,
//! `FusedDepthwiseConv2dNative`: a bias and an activation folded into the node). `data_format`
//! NCHW runs as NHWC between two transposes.

use super::{one, Ctx, Kernel};
use crate::ops::conv::{Conv2dOptions, Padding};
use crate::{Result, Tensor};

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
        .map(|s| s.to_lowercase())
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
];
