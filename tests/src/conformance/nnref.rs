//! Scalar references for the linear-algebra and convolution family, written as the textbook
//! definitions (direct loops over output positions and window taps), NHWC / HWIO like TF.js.

use ferroflow::DType;

use super::reference::{broadcast_shape, numel, Arr};

/// Batched matmul `[..., M, K] x [..., K, N]` with broadcast batch dims and optional transposes.
pub fn matmul(a: &Arr, b: &Arr, ta: bool, tb: bool) -> Arr {
    let (ra, rb) = (a.rank(), b.rank());
    let (m, k) = if ta {
        (a.shape[ra - 1], a.shape[ra - 2])
    } else {
        (a.shape[ra - 2], a.shape[ra - 1])
    };
    let n = if tb { b.shape[rb - 2] } else { b.shape[rb - 1] };
    let batch = broadcast_shape(&[&a.shape[..ra - 2], &b.shape[..rb - 2]]);
    let mut shape = batch.clone();
    shape.extend([m, n]);
    // Element (i, j) of a matrix operand at a broadcast batch index, honouring the transpose.
    let get = |t: &Arr, bidx: &[usize], i: usize, j: usize, tr: bool| -> f64 {
        let r = t.rank();
        let off = bidx.len() - (r - 2);
        let mut idx: Vec<usize> = (0..r - 2)
            .map(|d| if t.shape[d] == 1 { 0 } else { bidx[off + d] })
            .collect();
        if tr {
            idx.extend([j, i]);
        } else {
            idx.extend([i, j]);
        }
        t.at(&idx)
    };
    Arr::from_fn(&shape, DType::F32, |o| {
        let r = o.len();
        let bidx = &o[..r - 2];
        (0..k)
            .map(|p| get(a, bidx, o[r - 2], p, ta) * get(b, bidx, p, o[r - 1], tb))
            .sum()
    })
}

/// TF "SAME" padding `(before, after)` for one spatial dim.
pub fn same_pad(input: usize, k: usize, stride: usize, dilation: usize) -> (usize, usize) {
    let eff = (k - 1) * dilation + 1;
    let out = input.div_ceil(stride);
    let total = ((out - 1) * stride + eff).saturating_sub(input);
    (total / 2, total - total / 2)
}

/// Convolution geometry for one call.
#[derive(Debug, Clone, Copy)]
pub struct Conv {
    pub stride: [usize; 2],
    pub dilation: [usize; 2],
    /// `[(top, bottom), (left, right)]`.
    pub pad: [(usize, usize); 2],
    pub groups: usize,
}

/// Direct 2-D convolution: x `[N, H, W, C]`, w `[KH, KW, C/groups, O]` -> `[N, OH, OW, O]`.
pub fn conv2d(x: &Arr, w: &Arr, c: Conv) -> Arr {
    let (n, h, wd) = (x.shape[0], x.shape[1], x.shape[2]);
    let (kh, kw, cg, o) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3]);
    let og = o / c.groups;
    let out_dim = |input: usize, k: usize, d: usize| {
        let eff = (k - 1) * c.dilation[d] + 1;
        (input + c.pad[d].0 + c.pad[d].1 - eff) / c.stride[d] + 1
    };
    let (oh, ow) = (out_dim(h, kh, 0), out_dim(wd, kw, 1));
    Arr::from_fn(&[n, oh, ow, o], DType::F32, |i| {
        let (b, y, xo, oc) = (i[0], i[1], i[2], i[3]);
        let g = oc / og;
        let mut acc = 0.0;
        for dy in 0..kh {
            for dx in 0..kw {
                let iy = (y * c.stride[0] + dy * c.dilation[0]) as isize - c.pad[0].0 as isize;
                let ix = (xo * c.stride[1] + dx * c.dilation[1]) as isize - c.pad[1].0 as isize;
                if iy < 0 || ix < 0 || iy >= h as isize || ix >= wd as isize {
                    continue;
                }
                for ci in 0..cg {
                    acc += x.at(&[b, iy as usize, ix as usize, g * cg + ci]) * w.at(&[dy, dx, ci, oc]);
                }
            }
        }
        acc
    })
}

/// Transposed convolution by its scatter definition: every input pixel adds `x * w` to the
/// output window it came from. x `[N, H, W, inC]`, w `[KH, KW, outC, inC]`.
pub fn conv2d_transpose(x: &Arr, w: &Arr, out_shape: [usize; 4], stride: [usize; 2], pad: [(usize, usize); 2]) -> Arr {
    let (n, h, wd, ic) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
    let (kh, kw, oc) = (w.shape[0], w.shape[1], w.shape[2]);
    let mut out = Arr {
        shape: out_shape.to_vec(),
        dtype: DType::F32,
        data: vec![0.0; numel(&out_shape)],
    };
    for b in 0..n {
        for i in 0..h {
            for j in 0..wd {
                for dy in 0..kh {
                    for dx in 0..kw {
                        let oy = (i * stride[0] + dy) as isize - pad[0].0 as isize;
                        let ox = (j * stride[1] + dx) as isize - pad[1].0 as isize;
                        if oy < 0 || ox < 0 || oy >= out_shape[1] as isize || ox >= out_shape[2] as isize {
                            continue;
                        }
                        for co in 0..oc {
                            let mut acc = 0.0;
                            for ci in 0..ic {
                                acc += x.at(&[b, i, j, ci]) * w.at(&[dy, dx, co, ci]);
                            }
                            let pos =
                                ((b * out_shape[1] + oy as usize) * out_shape[2] + ox as usize) * out_shape[3] + co;
                            out.data[pos] += acc;
                        }
                    }
                }
            }
        }
    }
    out.normalized()
}

/// Depthwise convolution: w `[KH, KW, C, M]`, output channel `c * M + m`.
pub fn depthwise(x: &Arr, w: &Arr, stride: [usize; 2], dilation: [usize; 2], pad: [(usize, usize); 2]) -> Arr {
    let (n, h, wd, ch) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
    let (kh, kw, mult) = (w.shape[0], w.shape[1], w.shape[3]);
    let out_dim =
        |input: usize, k: usize, d: usize| (input + pad[d].0 + pad[d].1 - ((k - 1) * dilation[d] + 1)) / stride[d] + 1;
    let (oh, ow) = (out_dim(h, kh, 0), out_dim(wd, kw, 1));
    Arr::from_fn(&[n, oh, ow, ch * mult], DType::F32, |i| {
        let (c, m) = (i[3] / mult, i[3] % mult);
        let mut acc = 0.0;
        for dy in 0..kh {
            for dx in 0..kw {
                let iy = (i[1] * stride[0] + dy * dilation[0]) as isize - pad[0].0 as isize;
                let ix = (i[2] * stride[1] + dx * dilation[1]) as isize - pad[1].0 as isize;
                if iy >= 0 && ix >= 0 && iy < h as isize && ix < wd as isize {
                    acc += x.at(&[i[0], iy as usize, ix as usize, c]) * w.at(&[dy, dx, c, m]);
                }
            }
        }
        acc
    })
}

/// Pooling kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pool {
    Max,
    /// Mean over the taps inside the input (padding excluded from the count, as TF).
    Avg,
}

/// 2-D pooling over `[N, H, W, C]`.
pub fn pool(x: &Arr, kind: Pool, k: [usize; 2], stride: [usize; 2], pad: [(usize, usize); 2]) -> Arr {
    let (n, h, wd, ch) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
    let out_dim = |input: usize, d: usize| (input + pad[d].0 + pad[d].1 - k[d]) / stride[d] + 1;
    let (oh, ow) = (out_dim(h, 0), out_dim(wd, 1));
    Arr::from_fn(&[n, oh, ow, ch], DType::F32, |i| {
        let mut taps = vec![];
        for dy in 0..k[0] {
            for dx in 0..k[1] {
                let iy = (i[1] * stride[0] + dy) as isize - pad[0].0 as isize;
                let ix = (i[2] * stride[1] + dx) as isize - pad[1].0 as isize;
                if iy >= 0 && ix >= 0 && iy < h as isize && ix < wd as isize {
                    taps.push(x.at(&[i[0], iy as usize, ix as usize, i[3]]));
                }
            }
        }
        match kind {
            Pool::Max => taps.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            Pool::Avg => taps.iter().sum::<f64>() / taps.len() as f64,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_pad_matches_tf() {
        // TF: in 5, k 3, s 2 -> out 3, total pad 2 -> (1, 1); in 4, k 3, s 2 -> out 2, total 1 -> (0, 1).
        assert_eq!(same_pad(5, 3, 2, 1), (1, 1));
        assert_eq!(same_pad(4, 3, 2, 1), (0, 1));
        assert_eq!(same_pad(4, 2, 2, 1), (0, 0));
    }

    #[test]
    fn conv_identity_filter() {
        let x = Arr::f32(&[1, 2, 2, 1], vec![1.0, 2.0, 3.0, 4.0]);
        let w = Arr::f32(&[1, 1, 1, 1], vec![2.0]);
        let y = conv2d(
            &x,
            &w,
            Conv {
                stride: [1, 1],
                dilation: [1, 1],
                pad: [(0, 0); 2],
                groups: 1,
            },
        );
        assert_eq!(y.data, vec![2.0, 4.0, 6.0, 8.0]);
    }

    #[test]
    fn transpose_is_adjoint_of_conv() {
        // <conv(x), y> == <x, convT(y)> for the same geometry.
        let x = Arr::f32(&[1, 4, 4, 2], (0..32).map(|i| (i as f64 * 0.37).sin()).collect());
        let w = Arr::f32(&[3, 3, 2, 3], (0..54).map(|i| (i as f64 * 0.11).cos()).collect());
        let c = Conv {
            stride: [2, 2],
            dilation: [1, 1],
            pad: [(1, 1), (1, 1)],
            groups: 1,
        };
        let cx = conv2d(&x, &w, c);
        let y = Arr::f32(&cx.shape, (0..cx.numel()).map(|i| (i as f64 * 0.7).sin()).collect());
        let ty = conv2d_transpose(&y, &w, [1, 4, 4, 2], [2, 2], [(1, 1), (1, 1)]);
        let lhs: f64 = cx.data.iter().zip(&y.data).map(|(a, b)| a * b).sum();
        let rhs: f64 = x.data.iter().zip(&ty.data).map(|(a, b)| a * b).sum();
        assert!((lhs - rhs).abs() < 1e-5 * lhs.abs().max(1.0), "{lhs} vs {rhs}");
    }
}
