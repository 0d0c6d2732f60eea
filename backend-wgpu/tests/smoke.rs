//! A few composite computations on the wgpu device against the CPU backend. The full op-by-op
//! comparison lives in the shared conformance suite (`tests/`); this file checks the runtime
//! itself: uploads, fused kernels, reductions, matmul/conv tiles, readback and the caches.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferroflow_core::ops::Conv2dOptions;
use ferroflow_core::{Device, Tensor};

fn gpu() -> Option<Device> {
    match ferroflow_wgpu::device() {
        Ok(d) => {
            eprintln!("wgpu device: {}", d.description());
            Some(d)
        }
        Err(e) => {
            eprintln!("SKIPPED: no wgpu adapter: {e}");
            None
        }
    }
}

fn data(n: usize, seed: u32) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let x = ferroflow_core::ir::primitive::rand_bits(seed as u64, i as u32);
            (x >> 8) as f32 / 16_777_216.0 * 2.0 - 1.0
        })
        .collect()
}

fn close(a: &[f32], b: &[f32], tol: f32) {
    assert_eq!(a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((x - y).abs() <= tol * (1.0 + y.abs()), "element {i}: {x} vs {y}");
    }
}

fn both(f: impl Fn(&Device) -> Tensor) -> (Vec<f32>, Vec<f32>) {
    let cpu = ferroflow_native::cpu();
    let Some(g) = gpu() else { return (vec![], vec![]) };
    (f(&g).to_vec_f32().unwrap(), f(&cpu).to_vec_f32().unwrap())
}

#[test]
fn fused_elementwise_and_reductions() {
    let (g, c) = both(|d| {
        let a = Tensor::from_host_on(data(300 * 7, 1).into(), &[300, 7], d).unwrap();
        let b = Tensor::from_host_on(data(7, 2).into(), &[7], d).unwrap();
        let x = a.mul(&b).unwrap().add(&a).unwrap().relu().unwrap().exp().unwrap();
        let s0 = x.sum(&[0], false).unwrap();
        let s1 = x.sum(&[1], false).unwrap();
        ferroflow_core::ops::concat(&[s0, s1], 0).unwrap()
    });
    close(&g, &c, 1e-5);
}

#[test]
fn long_reduction_uses_the_tree() {
    let (g, c) = both(|d| {
        let a = Tensor::from_host_on(data(3 * 5000, 3).into(), &[3, 5000], d).unwrap();
        ferroflow_core::ops::concat(&[a.sum(&[1], false).unwrap(), a.max(&[1], false).unwrap()], 0).unwrap()
    });
    close(&g, &c, 1e-5);
}

#[test]
fn matmul_crosses_tiles() {
    let (g, c) = both(|d| {
        let a = Tensor::from_host_on(data(2 * 67 * 33, 4).into(), &[2, 67, 33], d).unwrap();
        let b = Tensor::from_host_on(data(2 * 33 * 70, 5).into(), &[2, 33, 70], d).unwrap();
        a.matmul(&b, false, false).unwrap()
    });
    close(&g, &c, 1e-5);
}

#[test]
fn conv_with_stride_and_padding() {
    let (g, c) = both(|d| {
        let x = Tensor::from_host_on(data(2 * 9 * 11 * 3, 6).into(), &[2, 9, 11, 3], d).unwrap();
        let w = Tensor::from_host_on(data(3 * 3 * 3 * 5, 7).into(), &[3, 3, 3, 5], d).unwrap();
        let o = Conv2dOptions {
            strides: [2, 1],
            padding: ferroflow_core::ops::Padding::Same,
            ..Conv2dOptions::default()
        };
        x.conv2d(&w, o).unwrap()
    });
    close(&g, &c, 1e-5);
}
