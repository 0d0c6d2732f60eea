//! Convolutions and pooling (NHWC): stride, dilation, same/valid/explicit padding, groups,
//! transposed and depthwise convolution, max and average pooling.

use ferroflow::ops::{Conv2dOptions, Padding};

use crate::conformance::nnref::{conv2d, conv2d_transpose, depthwise, pool, same_pad, Conv, Pool};
use crate::conformance::{Arr, Case, Rng, Tol};

/// `(before, after)` per spatial dim for a padding mode.
fn pads(p: Padding, in_hw: [usize; 2], k: [usize; 2], s: [usize; 2], d: [usize; 2]) -> [(usize, usize); 2] {
    match p {
        Padding::Valid => [(0, 0); 2],
        Padding::Explicit(e) => [(e[0][0], e[0][1]), (e[1][0], e[1][1])],
        Padding::Same => [
            same_pad(in_hw[0], k[0], s[0], d[0]),
            same_pad(in_hw[1], k[1], s[1], d[1]),
        ],
    }
}

pub fn cases() -> Vec<Case> {
    let mut r = Rng::new(0xc0);
    let mut v = vec![];
    let mut arr = |s: &[usize]| Arr::f32(s, r.uniform(s.iter().product(), -1.0, 1.0));
    let tol = Tol::new(1e-5, 1e-5);

    let conv_cases = [
        ("valid", [2, 5, 4, 2], [3, 2, 2, 3], [1, 1], Padding::Valid, [1, 1], 1),
        (
            "stride2-same",
            [1, 5, 5, 2],
            [3, 3, 2, 2],
            [2, 2],
            Padding::Same,
            [1, 1],
            1,
        ),
        (
            "stride2-same-even",
            [1, 4, 6, 1],
            [3, 2, 1, 2],
            [2, 2],
            Padding::Same,
            [1, 1],
            1,
        ),
        (
            "dilation2x1-valid",
            [1, 6, 5, 2],
            [2, 2, 2, 2],
            [1, 1],
            Padding::Valid,
            [2, 1],
            1,
        ),
        (
            "dilation2-same",
            [1, 5, 5, 1],
            [2, 2, 1, 2],
            [1, 1],
            Padding::Same,
            [2, 2],
            1,
        ),
        (
            "explicit-stride2x1",
            [2, 4, 5, 1],
            [3, 3, 1, 2],
            [2, 1],
            Padding::Explicit([[1, 0], [2, 1]]),
            [1, 1],
            1,
        ),
        ("groups2", [1, 4, 4, 4], [2, 2, 2, 4], [1, 1], Padding::Valid, [1, 1], 2),
        (
            "groups3-stride2-same",
            [1, 5, 4, 3],
            [3, 3, 1, 3],
            [2, 2],
            Padding::Same,
            [1, 1],
            3,
        ),
    ];
    for (name, xs, ws, strides, padding, dilations, groups) in conv_cases {
        let opts = Conv2dOptions {
            strides,
            padding,
            dilations,
            groups,
        };
        let geom = Conv {
            stride: strides,
            dilation: dilations,
            pad: pads(padding, [xs[1], xs[2]], [ws[0], ws[1]], strides, dilations),
            groups,
        };
        v.push(
            Case::new("conv2d", vec![arr(&xs), arr(&ws)], move |t| t[0].conv2d(&t[1], opts))
                .variant(name)
                .reference(move |x| conv2d(&x[0], &x[1], geom))
                .tol(tol)
                .grad(Tol::GRAD),
        );
    }

    // conv2dTranspose: x [N, H, W, inC], filter [KH, KW, outC, inC], explicit output shape.
    let transpose_cases = [
        (
            "stride2-same",
            [1, 3, 3, 2],
            [3, 3, 1, 2],
            [1, 6, 6, 1],
            [2, 2],
            Padding::Same,
        ),
        (
            "stride2-valid-odd",
            [2, 2, 3, 1],
            [2, 2, 3, 1],
            [2, 5, 7, 3],
            [2, 2],
            Padding::Valid,
        ),
        (
            "stride1-same",
            [1, 4, 4, 2],
            [3, 3, 3, 2],
            [1, 4, 4, 3],
            [1, 1],
            Padding::Same,
        ),
    ];
    for (name, xs, ws, out, strides, padding) in transpose_cases {
        let p = pads(padding, [out[1], out[2]], [ws[0], ws[1]], strides, [1, 1]);
        v.push(
            Case::new("conv2dTranspose", vec![arr(&xs), arr(&ws)], move |t| {
                t[0].conv2d_transpose(&t[1], out, strides, padding)
            })
            .variant(name)
            .reference(move |x| conv2d_transpose(&x[0], &x[1], out, strides, p))
            .tol(tol)
            .grad(Tol::GRAD),
        );
    }

    let depthwise_cases = [
        (
            "mult2-stride2-same",
            [1, 5, 5, 2],
            [3, 3, 2, 2],
            [2, 2],
            Padding::Same,
            [1, 1],
        ),
        (
            "mult1-dilation1x2-valid",
            [2, 4, 5, 3],
            [2, 2, 3, 1],
            [1, 1],
            Padding::Valid,
            [1, 2],
        ),
    ];
    for (name, xs, ws, strides, padding, dil) in depthwise_cases {
        let p = pads(padding, [xs[1], xs[2]], [ws[0], ws[1]], strides, dil);
        v.push(
            Case::new("depthwiseConv2d", vec![arr(&xs), arr(&ws)], move |t| {
                t[0].depthwise_conv2d(&t[1], strides, padding, dil)
            })
            .variant(name)
            .reference(move |x| depthwise(&x[0], &x[1], strides, dil, p))
            .tol(tol)
            .grad(Tol::GRAD),
        );
    }

    // Pooling over distinct values (no ties; FD steps never change a window's winner).
    let pool_cases = [
        ("valid-2x2-stride2", [2, 4, 6, 2], [2, 2], [2, 2], Padding::Valid),
        ("same-3x3-stride2", [1, 5, 5, 2], [3, 3], [2, 2], Padding::Same),
        ("valid-3x2-overlap", [1, 5, 4, 3], [3, 2], [1, 1], Padding::Valid),
        ("same-2x2-stride1", [1, 4, 4, 1], [2, 2], [1, 1], Padding::Same),
        ("valid-2x3-stride2x1", [2, 4, 5, 1], [2, 3], [2, 1], Padding::Valid),
    ];
    for (name, xs, k, s, padding) in pool_cases {
        let n = xs.iter().product();
        let x = Arr::f32(&xs, r.distinct(n, -3.0, 3.0));
        let p = pads(padding, [xs[1], xs[2]], k, s, [1, 1]);
        v.push(
            Case::new("maxPool", vec![x.clone()], move |t| t[0].max_pool(k, s, padding))
                .variant(name)
                .reference(move |x| pool(&x[0], Pool::Max, k, s, p))
                .tol(Tol::EXACT)
                .grad(Tol::GRAD)
                .eps(5e-3),
        );
        v.push(
            Case::new("avgPool", vec![x], move |t| t[0].avg_pool(k, s, padding))
                .variant(name)
                .reference(move |x| pool(&x[0], Pool::Avg, k, s, p))
                .tol(Tol::MATH)
                .grad(Tol::GRAD),
        );
    }
    v
}
