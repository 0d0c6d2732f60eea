//! The wgpu runtime beyond single ops: a training step that compiles once and replays, memory
//! accounting, and bad input that must come back as errors (never panics or validation crashes).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferroflow_core::ir::{Kernel, KernelBody, View};
use ferroflow_core::nn::{Activation, DenseConfig, LayerConfig, Module, Sequential};
use ferroflow_core::ops::losses;
use ferroflow_core::optim::{Adam, Optimizer};
use ferroflow_core::{DType, Device, Error, HostData, Tensor};

fn gpu() -> Option<Device> {
    match ferroflow_wgpu::device() {
        Ok(d) => Some(d),
        Err(e) => {
            eprintln!("SKIPPED: no wgpu adapter: {e}");
            None
        }
    }
}

#[test]
fn training_step_builds_pipelines_only_on_the_first_step() {
    let Some(dev) = gpu() else { return };
    let dense = |i, o, act, seed| LayerConfig::Dense(DenseConfig::new(i, o).activation(act).seed(seed));
    let model = Sequential::from_configs(
        &dev,
        "mlp",
        vec![dense(12, 17, Activation::Relu, 1), dense(17, 5, Activation::Linear, 2)],
    )
    .unwrap();
    let vars = model.trainable_variables();
    let x = Tensor::from_host_on(
        HostData::F32((0..9 * 12).map(|i| (i % 7) as f32 / 7.0).collect()),
        &[9, 12],
        &dev,
    )
    .unwrap();
    let y = Tensor::from_host_on(HostData::I32((0..9).map(|i| i % 5).collect()), &[9], &dev).unwrap();
    let mut opt = Adam::new(0.05);
    let mut step = || {
        opt.minimize(&vars, &mut || {
            losses::sparse_softmax_cross_entropy(&y, &model.forward(&x, true)?)
        })
        .unwrap()
        .item()
        .unwrap()
    };
    let first = step();
    let (pipelines, compiled) = (dev.programs_built(), dev.stats().compiled);
    assert!(pipelines > 0 && compiled > 0);
    let mut last = first;
    for _ in 0..5 {
        last = step();
    }
    assert_eq!(
        dev.programs_built(),
        pipelines,
        "pipelines were built after the first step"
    );
    assert_eq!(
        dev.stats().compiled,
        compiled,
        "kernels were compiled after the first step"
    );
    assert!(last < first, "loss did not decrease: {first} -> {last}");
    eprintln!("step 1 built {pipelines} pipelines ({compiled} kernels); loss {first} -> {last}");
}

#[test]
fn matmuls_of_other_sizes_reuse_the_pipeline_and_stay_correct() {
    // The GPU kernels read a matmul's sizes at run time (software adapters bake them), so force
    // those: on lavapipe the default would be the software kernels.
    if gpu().is_none() {
        return;
    }
    let dev = Device::new(ferroflow_wgpu::WgpuBackend::with_tuning(ferroflow_wgpu::Tuning::Gpu).unwrap());
    let product = |m: usize, k: usize, n: usize| {
        let av: Vec<f32> = (0..m * k).map(|i| ((i * 7) % 11) as f32 - 5.0).collect();
        let bv: Vec<f32> = (0..k * n).map(|i| ((i * 5) % 13) as f32 - 6.0).collect();
        let a = Tensor::from_host_on(HostData::F32(av.clone()), &[m, k], &dev).unwrap();
        let b = Tensor::from_host_on(HostData::F32(bv.clone()), &[k, n], &dev).unwrap();
        let got = a.matmul(&b, false, false).unwrap().to_vec_f32().unwrap();
        for i in 0..m {
            for j in 0..n {
                let want: f32 = (0..k).map(|q| av[i * k + q] * bv[q * n + j]).sum();
                assert_eq!(got[i * n + j], want, "[{m}, {k}] x [{k}, {n}] at ({i}, {j})");
            }
        }
    };
    product(37, 19, 45);
    let (built, compiled) = (dev.programs_built(), dev.stats().compiled);
    // A new kernel (other sizes) for the device's cache, but the same shader for wgpu's.
    product(70, 3, 9);
    product(5, 130, 66);
    assert_eq!(dev.stats().compiled, compiled + 2);
    assert_eq!(
        dev.programs_built(),
        built,
        "a matmul of other sizes built a new pipeline"
    );
}

#[test]
fn memory_is_accounted_and_returned() {
    let Some(dev) = gpu() else { return };
    let before = dev.memory();
    let t = Tensor::from_host_on(HostData::F32(vec![1.0; 1000]), &[1000], &dev).unwrap();
    let during = dev.memory();
    assert_eq!(during.num_buffers, before.num_buffers + 1);
    assert_eq!(during.num_bytes, before.num_bytes + 4000);
    drop(t);
    assert_eq!(dev.memory(), before);
}

#[test]
fn oversize_tensors_are_size_errors() {
    let Some(dev) = gpu() else { return };
    // A kernel whose output cannot be indexed by WGSL's 32-bit arithmetic.
    let k = Kernel {
        num_inputs: 0,
        out_shape: vec![1 << 20, 1 << 12],
        out_dtype: DType::F32,
        body: KernelBody::Elementwise(ferroflow_core::ir::Expr {
            shape: vec![1 << 20, 1 << 12],
            nodes: vec![ferroflow_core::ir::ExprNode {
                op: ferroflow_core::ir::ExprOp::Const(ferroflow_core::Scalar::F32(1.0)),
                dtype: DType::F32,
            }],
        }),
    };
    let e = dev.execute(&k, &[]).unwrap_err();
    assert!(matches!(e, Error::Size { .. }), "{e}");
    // A tensor beyond the adapter's largest storage binding, through the public op API.
    let big = ferroflow_core::ops::creation::zeros(&dev, &[1 << 16, 1 << 16], DType::F32).unwrap();
    let e = big.realize().unwrap_err();
    assert!(matches!(e, Error::Size { .. } | Error::OutOfMemory { .. }), "{e}");
    // The device still works afterwards.
    let ok = Tensor::from_host_on(HostData::F32(vec![2.0, 3.0]), &[2], &dev).unwrap();
    assert_eq!(ok.mul(&ok).unwrap().to_vec_f32().unwrap(), vec![4.0, 9.0]);
}

#[test]
fn foreign_buffers_and_wrong_kernels_are_errors() {
    let Some(dev) = gpu() else { return };
    let cpu_buf = ferroflow_native::cpu().upload(&HostData::F32(vec![1.0, 2.0])).unwrap();
    let k = Kernel {
        num_inputs: 2,
        out_shape: vec![1, 2, 2],
        out_dtype: DType::F32,
        body: KernelBody::MatMul {
            a: View::contiguous(&[1, 2, 1]),
            b: View::contiguous(&[1, 1, 2]),
        },
    };
    let e = dev.execute(&k, &[&cpu_buf, &cpu_buf]).unwrap_err();
    assert!(e.to_string().contains("another backend"), "{e}");
    // An int32 buffer where the matmul reads float32.
    let ints = dev.upload(&HostData::I32(vec![1, 2])).unwrap();
    let e = dev.execute(&k, &[&ints, &ints]).unwrap_err();
    assert!(matches!(e, Error::DType { .. }), "{e}");
    // A malformed kernel (matmul operand ranks) is rejected at compile time, not by the driver.
    let bad = Kernel {
        body: KernelBody::MatMul {
            a: View::contiguous(&[2, 1]),
            b: View::contiguous(&[1, 2]),
        },
        ..k
    };
    assert!(dev.execute(&bad, &[&ints, &ints]).is_err());
}
