//! The CUDA runtime. Without an NVIDIA driver (as on CI machines) opening it must be a typed
//! `Error::Backend` naming what is missing, never a panic; with a GPU, a small kernel set
//! (elementwise, matmul, reductions, dtypes, empty tensors, input checks) must agree with the
//! CPU backend. Set `FERROFLOW_REQUIRE_CUDA=1` to make a GPU that does not open a failure
//! instead of a skip.
#![cfg(feature = "cuda")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use ferroflow_core::ir::{BinaryOp, ExprOp, Kernel, KernelBody, ReduceOp, UnaryOp, View};
use ferroflow_core::{Buffer, DType, Device, Error, HostData, Scalar};

/// The CUDA device, or `None` after checking that the failure is typed and says why.
fn cuda() -> Option<Device> {
    let result = std::panic::catch_unwind(ferroflow_native::cuda).expect("ferroflow_native::cuda() panicked");
    match result {
        Ok(d) => {
            assert_eq!(d.name(), "cuda");
            println!("cuda: {}", d.description());
            Some(d)
        }
        Err(e) => {
            let Error::Backend { backend, msg } = &e else {
                panic!("expected a backend error, got {e:?}");
            };
            assert_eq!(backend, "cuda", "{e}");
            if ferroflow_native::cuda::runtime::check_driver().is_err() {
                assert!(
                    msg.contains("no NVIDIA driver") && msg.contains("libcuda"),
                    "the error should name the missing driver: {msg}"
                );
            }
            if std::env::var_os("FERROFLOW_REQUIRE_CUDA").is_some_and(|v| v == "1") {
                panic!("FERROFLOW_REQUIRE_CUDA=1 but the CUDA backend did not open: {e}");
            }
            println!("skipped: GPU tests need an NVIDIA driver: {e}");
            None
        }
    }
}

#[test]
fn opens_or_names_the_missing_driver() {
    // Twice: a failed open must leave nothing behind that makes the second attempt panic.
    let first = cuda().is_some();
    let second = cuda().is_some();
    assert_eq!(first, second);
}

#[test]
fn without_a_driver_the_error_names_it() {
    if ferroflow_native::cuda::runtime::check_driver().is_ok() {
        println!("skipped: an NVIDIA driver is present, so the missing-driver error is not checked");
        return;
    }
    let e = ferroflow_native::cuda().unwrap_err();
    assert!(
        matches!(&e, Error::Backend { backend, .. } if backend == "cuda"),
        "{e:?}"
    );
    assert!(e.to_string().contains("no NVIDIA driver"), "{e}");
    // The lower-level constructor reports the same.
    let e = ferroflow_native::cuda::CudaBackend::new(0).unwrap_err();
    assert!(e.to_string().contains("libcuda"), "{e}");
}

/// Runs `k` on both devices and returns (cuda, cpu) results.
fn both(gpu: &Device, k: &Kernel, inputs: &[HostData]) -> (HostData, HostData) {
    let got = try_run(gpu, k, inputs).unwrap_or_else(|e| panic!("cuda failed on {} kernel: {e}", k.kind()));
    let want = run(&dev(), k, inputs);
    (got, want)
}

/// Every element within `ulps_max` ulps (f32) or equal (i32, bool).
fn assert_agree(got: &HostData, want: &HostData, ulps_max: u64, rel: f32, what: &str) {
    assert_eq!(got.dtype(), want.dtype(), "{what}: dtype");
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in to_scalars(got).iter().zip(to_scalars(want)).enumerate() {
        let ok = match (g, &w) {
            (Scalar::F32(a), Scalar::F32(b)) => ulps(*a, *b) <= ulps_max || (a - b).abs() <= rel * b.abs().max(1.0),
            _ => *g == w,
        };
        assert!(ok, "{what}: element {i}: cuda {g:?}, cpu {w:?}");
    }
}

#[test]
fn elementwise_matches_cpu() {
    let Some(gpu) = cuda() else { return };
    let mut rng = Lcg(7);
    let (m, n) = (37, 129);
    let a = HostData::F32(rng.vec_f32(m * n));
    let b = HostData::F32(rng.vec_f32(n));
    // a * broadcast(b) + exp(a)
    let row = View::contiguous(&[n]).reshape(&[1, n]).unwrap().expand(&[m, n]);
    let k = elementwise(
        &[m, n],
        vec![
            load(0, View::contiguous(&[m, n]), DType::F32),
            load(1, row.clone(), DType::F32),
            node(ExprOp::Binary(BinaryOp::Mul, 0, 1), DType::F32),
            node(ExprOp::Unary(UnaryOp::Exp, 0), DType::F32),
            node(ExprOp::Binary(BinaryOp::Add, 2, 3), DType::F32),
        ],
        2,
    );
    let (got, want) = both(&gpu, &k, &[a.clone(), b.clone()]);
    assert_agree(&got, &want, 2, 0.0, "a * b + exp(a)");

    // A bool output from a comparison, and a transposed read.
    let k = elementwise(
        &[n, m],
        vec![
            load(0, View::contiguous(&[m, n]).permute(&[1, 0]), DType::F32),
            load(1, row.permute(&[1, 0]), DType::F32),
            node(ExprOp::Binary(BinaryOp::Lt, 0, 1), DType::Bool),
        ],
        2,
    );
    let (got, want) = both(&gpu, &k, &[a, b]);
    assert_agree(&got, &want, 0, 0.0, "a^T < b^T");

    // i32 arithmetic with C's undefined cases (overflow, INT_MIN / -1) defined as on the CPU.
    let x = HostData::I32(vec![i32::MIN, i32::MAX, -7, 7, 0, 5, -5, 123_456_789]);
    let y = HostData::I32(vec![-1, 1, 2, -2, 3, 0, 4, 1_000]);
    for op in [BinaryOp::Add, BinaryOp::Mul, BinaryOp::Div, BinaryOp::Mod] {
        let k = elementwise(
            &[8],
            vec![
                load(0, View::contiguous(&[8]), DType::I32),
                load(1, View::contiguous(&[8]), DType::I32),
                node(ExprOp::Binary(op, 0, 1), DType::I32),
            ],
            2,
        );
        let (got, want) = both(&gpu, &k, &[x.clone(), y.clone()]);
        assert_agree(&got, &want, 0, 0.0, op.name());
    }
}

fn matmul_kernel(a: View, b: View) -> Kernel {
    Kernel {
        num_inputs: 2,
        out_shape: vec![a.shape[0], a.shape[1], b.shape[2]],
        out_dtype: DType::F32,
        body: KernelBody::MatMul { a, b },
    }
}

#[test]
fn matmul_matches_cpu() {
    let Some(gpu) = cuda() else { return };
    let mut rng = Lcg(11);
    // Sizes that are not multiples of any tile, a transposed operand, and one large enough to
    // fill many blocks.
    for &(bt, m, k, n, transpose_b) in &[
        (1, 1, 1, 1, false),
        (2, 33, 47, 29, false),
        (3, 17, 65, 70, true),
        (1, 256, 300, 192, false),
    ] {
        let a = View::contiguous(&[bt, m, k]);
        let b = if transpose_b {
            View::contiguous(&[bt, n, k]).permute(&[0, 2, 1])
        } else {
            View::contiguous(&[bt, k, n])
        };
        let x = HostData::F32(rng.vec_f32(bt * m * k));
        let y = HostData::F32(rng.vec_f32(bt * k * n));
        let (got, want) = both(&gpu, &matmul_kernel(a, b), &[x, y]);
        assert_agree(
            &got,
            &want,
            8,
            1e-5 * (k as f32).sqrt(),
            &format!("matmul {bt}x{m}x{k}x{n}"),
        );
    }
}

#[test]
fn reductions_match_cpu() {
    let Some(gpu) = cuda() else { return };
    let mut rng = Lcg(13);
    for &(shape, axes) in &[
        (&[64usize, 1000][..], &[1usize][..]),
        (&[64, 1000][..], &[0][..]),
        (&[1, 100_000][..], &[1][..]),
        (&[8, 9, 10][..], &[0, 2][..]),
    ] {
        let n: usize = shape.iter().product();
        let x = HostData::F32(rng.vec_f32(n));
        for op in [ReduceOp::Sum, ReduceOp::Max, ReduceOp::Min] {
            let k = reduce_kernel(op, axes, shape, vec![load(0, View::contiguous(shape), DType::F32)], 1);
            let (got, want) = both(&gpu, &k, std::slice::from_ref(&x));
            // Sums are compensated on both backends but in different orders.
            let rel = if op == ReduceOp::Sum { 1e-5 } else { 0.0 };
            assert_agree(&got, &want, 4, rel, &format!("{op:?} over {axes:?} of {shape:?}"));
        }
    }
    // An i32 sum.
    let x = HostData::I32(rng.vec_i32(5000, -1000, 1000));
    let k = reduce_kernel(
        ReduceOp::Sum,
        &[0],
        &[5000],
        vec![load(0, View::contiguous(&[5000]), DType::I32)],
        1,
    );
    let (got, want) = both(&gpu, &k, &[x]);
    assert_agree(&got, &want, 0, 0.0, "i32 sum");
}

#[test]
fn buffers_round_trip_and_are_counted() {
    let Some(gpu) = cuda() else { return };
    let before = gpu.memory();
    for data in [
        HostData::F32(vec![1.5, -0.0, f32::NAN, f32::INFINITY, f32::MIN_POSITIVE]),
        HostData::I32(vec![i32::MIN, -1, 0, 1, i32::MAX]),
        HostData::Bool(vec![true, false, false, true, true, false, true]),
        HostData::F32(vec![]),
        HostData::Bool(vec![]),
    ] {
        let b = gpu.upload(&data).unwrap();
        assert_eq!(b.len(), data.len());
        assert_eq!(b.dtype(), data.dtype());
        let back = gpu.download(&b).unwrap();
        assert_eq!(
            to_scalars(&back).iter().map(|s| format!("{s:?}")).collect::<Vec<_>>(),
            to_scalars(&data).iter().map(|s| format!("{s:?}")).collect::<Vec<_>>()
        );
    }
    assert_eq!(gpu.memory(), before, "every buffer was dropped");
    let b = gpu.upload(&HostData::F32(vec![0.0; 10])).unwrap();
    let c = gpu.upload(&HostData::Bool(vec![true; 3])).unwrap();
    let now = gpu.memory();
    assert_eq!(now.num_buffers, before.num_buffers + 2);
    assert_eq!(now.num_bytes, before.num_bytes + 40 + 3);
    drop((b, c));
    assert_eq!(gpu.memory(), before);
    gpu.synchronize().unwrap();
}

#[test]
fn run_checks_inputs_and_caches_programs() {
    let Some(gpu) = cuda() else { return };
    let k = elementwise(
        &[4],
        vec![
            load(0, View::contiguous(&[4]), DType::F32),
            node(ExprOp::Unary(UnaryOp::Neg, 0), DType::F32),
        ],
        1,
    );
    let f = gpu.upload(&HostData::F32(vec![1.0, 2.0, 3.0, 4.0])).unwrap();
    let out = gpu.execute(&k, &[&f]).unwrap();
    assert_eq!(gpu.download(&out).unwrap(), HostData::F32(vec![-1.0, -2.0, -3.0, -4.0]));
    let built = gpu.programs_built();
    assert!(built >= 1);
    gpu.execute(&k, &[&f]).unwrap();
    assert_eq!(gpu.programs_built(), built, "a cached kernel builds nothing");

    // Wrong dtype, too short, and a buffer of another backend: typed errors, no launch.
    let i = gpu.upload(&HostData::I32(vec![1, 2, 3, 4])).unwrap();
    let e = gpu.execute(&k, &[&i]).unwrap_err();
    assert!(matches!(e, Error::DType { .. }), "{e:?}");
    let short = gpu.upload(&HostData::F32(vec![1.0, 2.0])).unwrap();
    let e = gpu.execute(&k, &[&short]).unwrap_err();
    assert!(matches!(e, Error::Size { .. }), "{e:?}");
    let cpu_buf: Buffer = dev().upload(&HostData::F32(vec![0.0; 4])).unwrap();
    let e = gpu.execute(&k, &[&cpu_buf]).unwrap_err();
    assert!(matches!(e, Error::Backend { .. }), "{e:?}");

    // An empty output launches nothing.
    let k0 = elementwise(
        &[0, 3],
        vec![
            load(0, View::contiguous(&[0, 3]), DType::F32),
            node(ExprOp::Unary(UnaryOp::Neg, 0), DType::F32),
        ],
        1,
    );
    let empty = gpu.upload(&HostData::F32(vec![])).unwrap();
    let out = gpu.execute(&k0, &[&empty]).unwrap();
    assert_eq!(gpu.download(&out).unwrap(), HostData::F32(vec![]));

    // The context is still healthy after the refused runs.
    let out = gpu.execute(&k, &[&f]).unwrap();
    assert_eq!(gpu.download(&out).unwrap(), HostData::F32(vec![-1.0, -2.0, -3.0, -4.0]));
    gpu.synchronize().unwrap();
}
