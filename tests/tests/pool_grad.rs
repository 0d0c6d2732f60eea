//! Max-pool gradients with ties, against a scalar reference of TF/TF.js semantics: each window's
//! cotangent goes to its first maximum in row-major window order (padding never wins), summed
//! over overlapping windows. Finite differences cannot check this (ties are not differentiable);
//! the conformance suite checks the tie-free case by finite differences.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferroflow::ops::Padding;
use ferroflow::{autograd, HostData, Tensor};
use ferroflow_tests::conformance::backends::{present, skip_notes};

/// (input NHWC, window, strides, padding as [[top, bottom], [left, right]] or None for valid).
type Case = ([usize; 4], [usize; 2], [usize; 2], Option<[[usize; 2]; 2]>);

const CASES: &[Case] = &[
    // Non-overlapping windows tiling the input (the reshape path).
    ([2, 4, 6, 3], [2, 2], [2, 2], None),
    // Overlapping 3x3, stride 2, padded (the strided-slice path).
    ([1, 5, 5, 2], [3, 3], [2, 2], Some([[1, 1], [1, 1]])),
    // Overlapping 2x2, stride 1.
    ([2, 3, 4, 1], [2, 2], [1, 1], None),
    // Windows wider than tall, uneven strides.
    ([1, 4, 7, 2], [1, 3], [1, 2], None),
];

fn reference(x: &[f32], g: &[f32], (shape, k, s, pad): Case) -> Vec<f32> {
    let [n, h, w, c] = shape;
    let [[pt, pb], [pl, pr]] = pad.unwrap_or([[0, 0], [0, 0]]);
    let (oh, ow) = ((h + pt + pb - k[0]) / s[0] + 1, (w + pl + pr - k[1]) / s[1] + 1);
    let mut gx = vec![0f32; x.len()];
    for b in 0..n {
        for i in 0..oh {
            for j in 0..ow {
                for ch in 0..c {
                    let mut best: Option<(f32, usize)> = None;
                    for a in 0..k[0] {
                        for e in 0..k[1] {
                            let (r, q) = (
                                (i * s[0] + a) as isize - pt as isize,
                                (j * s[1] + e) as isize - pl as isize,
                            );
                            if r < 0 || q < 0 || r >= h as isize || q >= w as isize {
                                continue;
                            }
                            let at = ((b * h + r as usize) * w + q as usize) * c + ch;
                            if best.is_none_or(|(v, _)| x[at] > v) {
                                best = Some((x[at], at));
                            }
                        }
                    }
                    if let Some((_, at)) = best {
                        gx[at] += g[((b * oh + i) * ow + j) * c + ch];
                    }
                }
            }
        }
    }
    gx
}

#[test]
fn max_pool_gradient_goes_to_the_first_maximum() {
    for note in skip_notes() {
        eprintln!("{note}");
    }
    for (name, dev) in present() {
        eprintln!("max-pool tie gradients on {name}");
        for &case in CASES {
            let (shape, k, s, pad) = case;
            let len: usize = shape.iter().product();
            // Values from a small set: many ties, including whole windows of equal values.
            let xv: Vec<f32> = (0..len).map(|i| ((i * 7 + i / 5) % 3) as f32).collect();
            let x = Tensor::from_host_on(HostData::F32(xv.clone()), &shape, &dev).unwrap();
            let padding = pad.map_or(Padding::Valid, Padding::Explicit);
            let y = x.max_pool(k, s, padding).unwrap();
            let gv: Vec<f32> = (0..y.numel()).map(|i| 1.0 + (i % 7) as f32 * 0.25).collect();
            let g = Tensor::from_host_on(HostData::F32(gv.clone()), y.shape(), &dev).unwrap();
            let gx = autograd::vjp(&y, &[&x], &g).unwrap().remove(0).to_vec_f32().unwrap();
            let want = reference(&xv, &gv, case);
            assert_eq!(
                gx, want,
                "{name} maxPool {shape:?} window {k:?} strides {s:?} padding {pad:?}"
            );
        }
    }
}
