//! Convolutions and pooling, NHWC like TF.js. All convolutions lower to the one general `Conv`
//! primitive; pooling windows are strided slices reduced together (fused by the scheduler).

use crate::dtype::DType;
use crate::ir::{BinaryOp, ConvParams, ReduceOp};
use crate::ops::{creation, prim};
use crate::tensor::Tensor;
use crate::{Error, Result};

/// Largest pooling window extent per dim on the general (strided-slice) path.
pub const MAX_POOL_TAPS: usize = 1024;

/// Largest window (taps) whose max-pool gradient is routed to the first maximum (TF semantics)
/// on the general path; larger windows split the cotangent among tied maxima, as `max` does.
/// The first-max gradient reads every tap in one fused kernel, so its cost grows with the window.
pub const FIRST_MAX_TAPS: usize = 16;

/// Padding modes as in TF.js: `Same` keeps `ceil(in/stride)` outputs, `Valid` uses no padding,
/// `Explicit` gives `[[top, bottom], [left, right]]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    Same,
    Valid,
    Explicit([[usize; 2]; 2]),
}

/// Options shared by the 2-D convolution ops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conv2dOptions {
    pub strides: [usize; 2],
    pub padding: Padding,
    pub dilations: [usize; 2],
    pub groups: usize,
}

impl Default for Conv2dOptions {
    fn default() -> Self {
        Conv2dOptions {
            strides: [1, 1],
            padding: Padding::Valid,
            dilations: [1, 1],
            groups: 1,
        }
    }
}

impl Conv2dOptions {
    pub fn new(strides: [usize; 2], padding: Padding) -> Self {
        Conv2dOptions {
            strides,
            padding,
            ..Default::default()
        }
    }
}

/// (before, after) padding per spatial dim for an input extent, window and stride.
fn resolve_padding(
    op: &str,
    padding: Padding,
    in_hw: [usize; 2],
    k_hw: [usize; 2],
    strides: [usize; 2],
    dil: [usize; 2],
) -> Result<[(isize, isize); 2]> {
    let mut out = [(0, 0); 2];
    for d in 0..2 {
        if strides[d] == 0 || dil[d] == 0 {
            return Err(Error::invalid(
                op,
                format!("strides {strides:?} and dilations {dil:?} must be >= 1"),
            ));
        }
        out[d] = match padding {
            Padding::Valid => (0, 0),
            Padding::Explicit(p) => {
                let conv = |v: usize| isize::try_from(v).map_err(|_| Error::size(op, format!("padding {v} too large")));
                (conv(p[d][0])?, conv(p[d][1])?)
            }
            Padding::Same => {
                let too_big = || {
                    Error::size(
                        op,
                        format!("window {k_hw:?} x dilation {dil:?} / stride {strides:?} overflow"),
                    )
                };
                let k = (k_hw[d].max(1) - 1).checked_mul(dil[d]).ok_or_else(too_big)? + 1;
                let o = in_hw[d].div_ceil(strides[d]);
                let span = (o.max(1) - 1)
                    .checked_mul(strides[d])
                    .and_then(|v| v.checked_add(k))
                    .ok_or_else(too_big)?;
                let total = span.saturating_sub(in_hw[d]);
                let conv = |v: usize| isize::try_from(v).map_err(|_| too_big());
                (conv(total / 2)?, conv(total - total / 2)?)
            }
        };
    }
    Ok(out)
}

fn check_rank4(op: &str, what: &str, t: &Tensor) -> Result<()> {
    if t.rank() != 4 {
        return Err(Error::shape(
            op,
            format!("{what} must be rank 4, got shape {:?}", t.shape()),
        ));
    }
    if t.dtype() != DType::F32 {
        return Err(Error::dtype(op, format!("{what} must be float32, got {}", t.dtype())));
    }
    Ok(())
}

impl Tensor {
    /// 2-D convolution: input `[N, H, W, C]`, filter `[KH, KW, C/groups, O]`.
    pub fn conv2d(&self, filter: &Tensor, opts: Conv2dOptions) -> Result<Tensor> {
        check_rank4("conv2d", "input", self)?;
        check_rank4("conv2d", "filter", filter)?;
        let (xs, ws) = (self.shape(), filter.shape());
        if opts.groups == 0 || ws[2].checked_mul(opts.groups) != Some(xs[3]) || ws[3] % opts.groups != 0 {
            return Err(Error::shape(
                "conv2d",
                format!("input channels {} must equal filter in-channels {} x groups {} (filter out-channels {} divisible by groups)", xs[3], ws[2], opts.groups, ws[3]),
            ));
        }
        let padding = resolve_padding(
            "conv2d",
            opts.padding,
            [xs[1], xs[2]],
            [ws[0], ws[1]],
            opts.strides,
            opts.dilations,
        )?;
        let p = ConvParams {
            stride: opts.strides,
            padding,
            lhs_dilation: [1, 1],
            rhs_dilation: opts.dilations,
            groups: opts.groups,
        };
        prim::conv(self, filter, p)
    }

    /// Depthwise convolution: filter `[KH, KW, C, multiplier]`, output channels `C * multiplier`.
    pub fn depthwise_conv2d(
        &self,
        filter: &Tensor,
        strides: [usize; 2],
        padding: Padding,
        dilations: [usize; 2],
    ) -> Result<Tensor> {
        check_rank4("depthwiseConv2d", "input", self)?;
        check_rank4("depthwiseConv2d", "filter", filter)?;
        let (c, ws) = (self.shape()[3], filter.shape());
        if ws[2] != c {
            return Err(Error::shape(
                "depthwiseConv2d",
                format!("filter in-channels {} != input channels {c}", ws[2]),
            ));
        }
        let f = prim::reshape(filter, &[ws[0], ws[1], 1, c * ws[3]])?;
        self.conv2d(
            &f,
            Conv2dOptions {
                strides,
                padding,
                dilations,
                groups: c.max(1),
            },
        )
    }

    /// Transposed convolution (the gradient of `conv2d` with respect to its input): input
    /// `[N, H, W, inC]`, filter `[KH, KW, outC, inC]`, producing `output_shape` `[N, OH, OW, outC]`.
    pub fn conv2d_transpose(
        &self,
        filter: &Tensor,
        output_shape: [usize; 4],
        strides: [usize; 2],
        padding: Padding,
    ) -> Result<Tensor> {
        check_rank4("conv2dTranspose", "input", self)?;
        check_rank4("conv2dTranspose", "filter", filter)?;
        let (xs, ws) = (self.shape(), filter.shape());
        if ws[3] != xs[3] || ws[2] != output_shape[3] || output_shape[0] != xs[0] {
            return Err(Error::shape(
                "conv2dTranspose",
                format!("input {xs:?}, filter {ws:?} and output shape {output_shape:?} are inconsistent"),
            ));
        }
        let pad = resolve_padding(
            "conv2dTranspose",
            padding,
            [output_shape[1], output_shape[2]],
            [ws[0], ws[1]],
            strides,
            [1, 1],
        )?;
        let p = ConvParams {
            stride: strides,
            padding: pad,
            lhs_dilation: [1, 1],
            rhs_dilation: [1, 1],
            groups: 1,
        };
        let fwd = p.out_spatial("conv2dTranspose", [output_shape[1], output_shape[2]], [ws[0], ws[1]])?;
        if fwd != [xs[1], xs[2]] {
            return Err(Error::shape(
                "conv2dTranspose",
                format!(
                    "output shape {output_shape:?} would convolve to {fwd:?}, not the input's {:?}",
                    [xs[1], xs[2]]
                ),
            ));
        }
        crate::autograd::conv_grad_input(self, &output_shape, filter, &p)
    }

    /// Max (or sum) over each pooling window, padding with `pad_value`: `[N, OH, OW, C]`.
    fn pool_reduce(
        &self,
        op: &str,
        k: [usize; 2],
        strides: [usize; 2],
        padding: Padding,
        pad_value: f32,
        is_max: bool,
    ) -> Result<Tensor> {
        check_rank4(op, "input", self)?;
        if k.contains(&0) {
            return Err(Error::invalid(op, format!("window {k:?} must be >= 1")));
        }
        let xs = self.shape().to_vec();
        let pads = resolve_padding(op, padding, [xs[1], xs[2]], k, strides, [1, 1])?;
        let x = self.pad(
            &[
                (0, 0),
                (pads[0].0 as usize, pads[0].1 as usize),
                (pads[1].0 as usize, pads[1].1 as usize),
                (0, 0),
            ],
            pad_value,
        )?;
        let (hp, wp) = (x.shape()[1], x.shape()[2]);
        if hp < k[0] || wp < k[1] {
            return Err(Error::shape(
                op,
                format!("window {k:?} larger than padded input {:?}", [hp, wp]),
            ));
        }
        let (oh, ow) = ((hp - k[0]) / strides[0] + 1, (wp - k[1]) / strides[1] + 1);
        if k.iter().any(|&n| n > MAX_POOL_TAPS) {
            return Err(Error::size(
                op,
                format!("window {k:?} exceeds {MAX_POOL_TAPS} taps per dim"),
            ));
        }
        // Separable: pool rows (k0 strided slices), then columns (k1 slices); k0 + k1 taps.
        let mut rows = vec![];
        for i in 0..k[0] {
            let s = prim::slice(&x, &[0, i, 0, 0], &[xs[0], oh, wp, xs[3]], &[1, strides[0], 1, 1])?;
            rows.push(s.expand_dims(4)?);
        }
        let rows = crate::ops::movement::concat(&rows, 4)?;
        let rows = if is_max {
            rows.max(&[4], false)?
        } else {
            rows.sum(&[4], false)?
        };
        let mut cols = vec![];
        for j in 0..k[1] {
            let s = prim::slice(&rows, &[0, 0, j, 0], &[xs[0], oh, ow, xs[3]], &[1, 1, strides[1], 1])?;
            cols.push(s.expand_dims(4)?);
        }
        let cols = crate::ops::movement::concat(&cols, 4)?;
        if is_max {
            cols.max(&[4], false)
        } else {
            cols.sum(&[4], false)
        }
    }

    /// Max pooling (padding positions never win). The gradient goes to the first maximum of
    /// each window in row-major window order, as in TF/TF.js (ties are common after a ReLU).
    pub fn max_pool(&self, window: [usize; 2], strides: [usize; 2], padding: Padding) -> Result<Tensor> {
        let xs = self.shape().to_vec();
        // Non-overlapping windows that tile the input exactly: a reshape and one reduction.
        if window == strides
            && padding == Padding::Valid
            && xs.len() == 4
            && window[0] > 0
            && window[1] > 0
            && xs[1] % window[0] == 0
            && xs[2] % window[1] == 0
        {
            let [kh, kw] = window;
            let r6 = [xs[0], xs[1] / kh, kh, xs[2] / kw, kw, xs[3]];
            let r = prim::reshape(self, &r6)?;
            let m = prim::reduce(&r, ReduceOp::Max, &[2, 4])?;
            let out = prim::reshape(&m, &[r6[0], r6[1], r6[3], r6[5]])?;
            let input = self.clone();
            return crate::autograd::custom_grad_fn(&[input], &out, move |g| {
                // Window position of every element; the first hit of each window takes g.
                let kpos = prim::reshape(&creation::arange(&g.device(), kh * kw)?, &[1, 1, kh, 1, kw, 1])?;
                let kpos = prim::expand(&kpos, &r6)?;
                let hit = prim::binary(&r, &prim::expand(&m, &r6)?, BinaryOp::Eq)?;
                let miss = prim::full_like(&kpos, (kh * kw) as f64)?;
                let first = prim::reduce(&prim::select(&hit, &kpos, &miss)?, ReduceOp::Min, &[2, 4])?;
                let at = prim::binary(&kpos, &prim::expand(&first, &r6)?, BinaryOp::Eq)?;
                let g6 = prim::expand(&prim::reshape(g, &[r6[0], r6[1], 1, r6[3], 1, r6[5]])?, &r6)?;
                let gx = prim::select(&at, &g6, &prim::full_like(&g6, 0.0)?)?;
                Ok(vec![prim::reshape(&gx, &xs)?])
            });
        }
        let out = self.pool_reduce("maxPool", window, strides, padding, f32::NEG_INFINITY, true)?;
        let taps = window[0].saturating_mul(window[1]);
        if taps > FIRST_MAX_TAPS {
            return Ok(out);
        }
        let (input, pooled) = (self.clone(), out.clone());
        crate::autograd::custom_grad_fn(std::slice::from_ref(self), &out, move |g| {
            first_max_grad(&input, &pooled, g, window, strides, padding)
        })
    }

    /// Average pooling; padded positions are excluded from the count (TF semantics).
    pub fn avg_pool(&self, window: [usize; 2], strides: [usize; 2], padding: Padding) -> Result<Tensor> {
        let sum = self.pool_reduce("avgPool", window, strides, padding, 0.0, false)?;
        let ones = creation::ones(&self.device(), self.shape(), DType::F32)?;
        let count = ones.pool_reduce("avgPool", window, strides, padding, 0.0, false)?;
        sum.div(&count)
    }
}

/// Max-pool gradient on the general (strided-slice) path: each window's cotangent goes to its
/// first maximum (row-major over the window; padding never wins). Tap `k`'s window elements are
/// the strided slice `k` of the padded input, so `first` is one fused kernel over all taps and
/// the gradient is the sum over taps of each tap's share placed back at its slice.
fn first_max_grad(
    x: &Tensor,
    out: &Tensor,
    g: &Tensor,
    k: [usize; 2],
    strides: [usize; 2],
    padding: Padding,
) -> Result<Vec<Tensor>> {
    let xs = x.shape().to_vec();
    let pads = resolve_padding("maxPool", padding, [xs[1], xs[2]], k, strides, [1, 1])?;
    let pads = [
        (0, 0),
        (pads[0].0 as usize, pads[0].1 as usize),
        (pads[1].0 as usize, pads[1].1 as usize),
        (0, 0),
    ];
    let xp = x.pad(&pads, f32::NEG_INFINITY)?;
    let ps = xp.shape().to_vec();
    let os = out.shape().to_vec();
    let step = [1, strides[0], strides[1], 1];
    let tap = |i: usize, j: usize| prim::slice(&xp, &[0, i, j, 0], &os, &step);
    let taps = k[0] * k[1];
    let mut first = creation::fill(&g.device(), &os, taps as i32)?;
    // Later taps first, so the earliest hit is written last.
    for t in (0..taps).rev() {
        let hit = prim::binary(&tap(t / k[1], t % k[1])?, out, BinaryOp::Eq)?;
        let here = prim::full_like(&first, t as f64)?;
        first = prim::select(&hit, &here, &first)?;
    }
    let zero = prim::full_like(g, 0.0)?;
    let mut gp: Option<Tensor> = None;
    for t in 0..taps {
        let mine = prim::binary(&first, &prim::full_like(&first, t as f64)?, BinaryOp::Eq)?;
        let share = prim::select(&mine, g, &zero)?;
        let placed = crate::autograd::unslice(&share, &ps, &[0, t / k[1], t % k[1], 0], &os, &step)?;
        gp = Some(match gp {
            None => placed,
            Some(acc) => prim::binary(&acc, &placed, BinaryOp::Add)?,
        });
    }
    let gp = gp.ok_or_else(|| Error::invalid("maxPool", "empty window"))?;
    let start = [0, pads[1].0, pads[2].0, 0];
    Ok(vec![prim::slice(&gp, &start, &xs, &[1, 1, 1, 1])?])
}
