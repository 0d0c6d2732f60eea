//! GEMM shapes that take the less common paths of the GEMM kernels, against scalar f64
//! references on every present backend: few output tiles with a long K (the WGSL backend splits
//! K over workgroups and folds the partials in a second pass), batched products, a fused
//! bias + relu epilogue applied after the fold, and a conv filter gradient whose K is batch x
//! pixels (the case that motivated the split). wgpu runs both of its GEMM kernels, the staged
//! one for GPUs and the direct one for software adapters, whichever the adapter here is.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferroflow::ops::conv::{Conv2dOptions, Padding};
use ferroflow::wgpu::{Tuning, WgpuBackend};
use ferroflow::{autograd, Device, HostData, Tensor};
use ferroflow_tests::conformance::backends::{present, skip_notes};

/// Every present backend, plus wgpu with each kernel tuning forced: otherwise lavapipe would
/// only ever run the software GEMM, and a GPU only the staged one.
fn devices() -> Vec<(String, Device)> {
    let mut out: Vec<(String, Device)> = present().into_iter().map(|(n, d)| (n.to_string(), d)).collect();
    if out.iter().any(|(n, _)| n == "wgpu") {
        for (name, tuning) in [
            ("wgpu-gpu-kernels", Tuning::Gpu),
            ("wgpu-software-kernels", Tuning::Software),
        ] {
            let backend = WgpuBackend::with_tuning(tuning).unwrap();
            out.push((name.to_string(), Device::new(backend)));
        }
    }
    out
}

fn values(n: usize, seed: usize) -> Vec<f32> {
    (0..n)
        .map(|i| (((i * 7919 + seed * 104_729) % 61) as f32 - 30.0) / 32.0)
        .collect()
}

fn close(got: &[f32], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let scale = want.iter().fold(1.0f64, |m, w| m.max(w.abs()));
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g as f64 - w).abs() <= 1e-5 * scale,
            "{what}: element {i} is {g}, expected {w}"
        );
    }
}

/// `[b, m, k] x [b, k, n]` in f64.
fn matmul_ref(a: &[f32], b: &[f32], [bt, m, k, n]: [usize; 4]) -> Vec<f64> {
    let mut out = vec![0.0; bt * m * n];
    for p in 0..bt {
        for i in 0..m {
            for j in 0..n {
                out[(p * m + i) * n + j] = (0..k)
                    .map(|q| a[(p * m + i) * k + q] as f64 * b[(p * k + q) * n + j] as f64)
                    .sum();
            }
        }
    }
    out
}

#[test]
fn long_k_products_match_the_reference() {
    for note in skip_notes() {
        eprintln!("{note}");
    }
    // [batch, m, k, n]: one tile with K = 2000; batched; K not a multiple of any slice; a
    // product wide enough that K is not split.
    let cases: [[usize; 4]; 4] = [[1, 4, 2000, 6], [3, 5, 1500, 7], [1, 33, 1037, 40], [1, 200, 600, 130]];
    for (name, dev) in devices() {
        for (ci, &[bt, m, k, n]) in cases.iter().enumerate() {
            let (av, bv) = (values(bt * m * k, ci), values(bt * k * n, ci + 7));
            let a = Tensor::from_host_on(HostData::F32(av.clone()), &[bt, m, k], &dev).unwrap();
            let b = Tensor::from_host_on(HostData::F32(bv.clone()), &[bt, k, n], &dev).unwrap();
            let want = matmul_ref(&av, &bv, [bt, m, k, n]);
            let got = a.matmul(&b, false, false).unwrap().to_vec_f32().unwrap();
            close(&got, &want, &format!("{name} matmul {:?}", [bt, m, k, n]));

            // relu(a @ b + bias): the epilogue runs once, on the folded sum.
            let biasv = values(n, ci + 3);
            let bias = Tensor::from_host_on(HostData::F32(biasv.clone()), &[n], &dev).unwrap();
            let y = a.matmul(&b, false, false).unwrap().add(&bias).unwrap().relu().unwrap();
            let want: Vec<f64> = want
                .iter()
                .enumerate()
                .map(|(i, &v)| (v + biasv[i % n] as f64).max(0.0))
                .collect();
            close(
                &y.to_vec_f32().unwrap(),
                &want,
                &format!("{name} relu(matmul + bias) {:?}", [bt, m, k, n]),
            );
        }
    }
}

#[test]
fn conv_filter_gradient_with_a_long_k_matches_the_reference() {
    for note in skip_notes() {
        eprintln!("{note}");
    }
    // d/dw sum(conv(x, w) * g): K of the filter-gradient product = N x H x W = 3200.
    let (nb, h, w, c, o) = (8usize, 20usize, 20usize, 3usize, 4usize);
    let xv = values(nb * h * w * c, 1);
    let gv = values(nb * h * w * o, 2);
    let wv = values(9 * c * o, 3);
    // "same" padding, stride 1: out[n, y, x, o] = sum x[n, y + ky - 1, x + kx - 1, c] w[ky, kx, c, o].
    let mut want = vec![0.0f64; 9 * c * o];
    for n in 0..nb {
        for y in 0..h {
            for xx in 0..w {
                for ky in 0..3 {
                    for kx in 0..3 {
                        let (iy, ix) = (y as isize + ky as isize - 1, xx as isize + kx as isize - 1);
                        if iy < 0 || ix < 0 || iy >= h as isize || ix >= w as isize {
                            continue;
                        }
                        for ci in 0..c {
                            let xval = xv[((n * h + iy as usize) * w + ix as usize) * c + ci] as f64;
                            for oi in 0..o {
                                want[((ky * 3 + kx) * c + ci) * o + oi] +=
                                    xval * gv[((n * h + y) * w + xx) * o + oi] as f64;
                            }
                        }
                    }
                }
            }
        }
    }
    for (name, dev) in devices() {
        let x = Tensor::from_host_on(HostData::F32(xv.clone()), &[nb, h, w, c], &dev).unwrap();
        let g = Tensor::from_host_on(HostData::F32(gv.clone()), &[nb, h, w, o], &dev).unwrap();
        let wt = Tensor::from_host_on(HostData::F32(wv.clone()), &[3, 3, c, o], &dev).unwrap();
        let y = x
            .conv2d(&wt, Conv2dOptions::new([1, 1], Padding::Same))
            .unwrap()
            .mul(&g)
            .unwrap()
            .sum(&[], false)
            .unwrap();
        let dw = autograd::grad(&y, &[&wt]).unwrap();
        close(
            &dw[0].to_vec_f32().unwrap(),
            &want,
            &format!("{name} conv filter gradient"),
        );
    }
}
