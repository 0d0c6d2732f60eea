#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use ferroflow_core::ir::{BinaryOp, ConvParams, ExprOp, Kernel, KernelBody, Source, View};
use ferroflow_core::{Buffer, DType, HostData, Scalar};

// ---------------------------------------------------------------- matmul

fn matmul_kernel(a: View, b: View) -> Kernel {
    let out = vec![a.shape[0], a.shape[1], b.shape[2]];
    Kernel {
        num_inputs: 2,
        out_shape: out,
        out_dtype: DType::F32,
        body: KernelBody::MatMul { a, b },
    }
}

fn ref_matmul(a: &View, b: &View, x: &[f32], y: &[f32]) -> Vec<f32> {
    let (bt, m, k, n) = (a.shape[0], a.shape[1], a.shape[2], b.shape[2]);
    let mut out = vec![0.0; bt * m * n];
    for bi in 0..bt {
        for i in 0..m {
            for j in 0..n {
                let mut s = 0.0f64;
                for l in 0..k {
                    let av = x[a.index(&[bi, i, l]).unwrap() as usize];
                    let bv = y[b.index(&[bi, l, j]).unwrap() as usize];
                    s += av as f64 * bv as f64;
                }
                out[(bi * m + i) * n + j] = s as f32;
            }
        }
    }
    out
}

fn check_matmul(a: View, b: View, x_len: usize, y_len: usize, seed: u64) {
    let d = dev();
    let mut r = Lcg(seed);
    let (x, y) = (r.vec_f32(x_len), r.vec_f32(y_len));
    let k = matmul_kernel(a.clone(), b.clone());
    let got = run(&d, &k, &[HostData::F32(x.clone()), HostData::F32(y.clone())]);
    let want: Vec<Scalar> = ref_matmul(&a, &b, &x, &y).into_iter().map(Scalar::F32).collect();
    assert_close(&got, &want, 1e-5, &format!("matmul {:?} x {:?}", a.shape, b.shape));
}

#[test]
fn matmul_layouts() {
    // Plain, then transposed operands (strides from permuted views).
    check_matmul(View::contiguous(&[2, 5, 7]), View::contiguous(&[2, 7, 3]), 70, 42, 1);
    let at = View::contiguous(&[2, 7, 5]).permute(&[0, 2, 1]);
    let bt = View::contiguous(&[2, 3, 7]).permute(&[0, 2, 1]);
    check_matmul(at, bt, 70, 42, 2);
    // Batch broadcast: b has stride 0 over the batch.
    let b0 = View::contiguous(&[1, 7, 3]).expand(&[4, 7, 3]);
    check_matmul(View::contiguous(&[4, 5, 7]), b0, 140, 21, 3);
    // Nonzero offset (a slice) and a flipped (negative stride) operand.
    let asl = View::contiguous(&[3, 10, 9]).slice(&[1, 2, 1], &[2, 5, 7], &[1, 1, 1]);
    let bfl = View::contiguous(&[2, 7, 3]).flip(&[1, 2]);
    check_matmul(asl, bfl, 270, 42, 4);
    // Broadcast rows inside a matrix (stride 0 along M).
    let arow = View::contiguous(&[2, 1, 6]).expand(&[2, 4, 6]);
    check_matmul(arow, View::contiguous(&[2, 6, 5]), 12, 60, 5);
    // Large enough for gemm's threading and many small batches.
    check_matmul(
        View::contiguous(&[1, 130, 257]),
        View::contiguous(&[1, 257, 190]),
        130 * 257,
        257 * 190,
        6,
    );
    check_matmul(
        View::contiguous(&[64, 9, 8]),
        View::contiguous(&[64, 8, 11]),
        64 * 72,
        64 * 88,
        7,
    );
    // Matrix-vector shapes.
    check_matmul(
        View::contiguous(&[1, 1, 300]),
        View::contiguous(&[1, 300, 1]),
        300,
        300,
        8,
    );
}

#[test]
fn matmul_zero_sizes() {
    let d = dev();
    // K = 0: zeros.
    let k = matmul_kernel(View::contiguous(&[2, 3, 0]), View::contiguous(&[2, 0, 4]));
    assert_eq!(
        run(&d, &k, &[HostData::F32(vec![]), HostData::F32(vec![])]),
        HostData::F32(vec![0.0; 24])
    );
    // M = 0, N = 0, B = 0: empty.
    for (a, b, xl, yl) in [
        ([2, 0, 3], [2, 3, 4], 0, 24),
        ([2, 3, 3], [2, 3, 0], 18, 0),
        ([0, 3, 3], [0, 3, 2], 0, 0),
    ] {
        let k = matmul_kernel(View::contiguous(&a), View::contiguous(&b));
        assert_eq!(
            run(&d, &k, &[HostData::F32(vec![0.5; xl]), HostData::F32(vec![0.5; yl])]),
            HostData::F32(vec![])
        );
    }
}

// ---------------------------------------------------------------- conv

/// Reference conv: materialize the dilated, padded input and the dilated filter, then a plain
/// strided correlation.
fn ref_conv(p: &ConvParams, xs: [usize; 4], ws: [usize; 4], x: &[f32], w: &[f32]) -> (Vec<usize>, Vec<f32>) {
    let [n, h, wd, c] = xs;
    let [kh, kw, cg, o] = ws;
    let g = p.groups;
    let og = o / g;
    let dil = |len: usize, d: usize| if len == 0 { 0 } else { (len - 1) * d + 1 };
    // Dilated + padded input [n, hp, wp, c].
    let (hd, wdd) = (dil(h, p.lhs_dilation[0]), dil(wd, p.lhs_dilation[1]));
    let hp = (hd as isize + p.padding[0].0 + p.padding[0].1) as usize;
    let wp = (wdd as isize + p.padding[1].0 + p.padding[1].1) as usize;
    let mut xp = vec![0.0f32; n * hp * wp * c];
    for ni in 0..n {
        for i in 0..hp {
            for j in 0..wp {
                let (di, dj) = (i as isize - p.padding[0].0, j as isize - p.padding[1].0);
                if di < 0 || dj < 0 || di as usize >= hd || dj as usize >= wdd {
                    continue;
                }
                let (di, dj) = (di as usize, dj as usize);
                if di % p.lhs_dilation[0] != 0 || dj % p.lhs_dilation[1] != 0 {
                    continue;
                }
                let (si, sj) = (di / p.lhs_dilation[0], dj / p.lhs_dilation[1]);
                for ci in 0..c {
                    xp[((ni * hp + i) * wp + j) * c + ci] = x[((ni * h + si) * wd + sj) * c + ci];
                }
            }
        }
    }
    // Dilated filter [khd, kwd, cg, o].
    let (khd, kwd) = (dil(kh, p.rhs_dilation[0]), dil(kw, p.rhs_dilation[1]));
    let mut wdl = vec![0.0f32; khd * kwd * cg * o];
    for i in 0..kh {
        for j in 0..kw {
            for q in 0..cg * o {
                wdl[((i * p.rhs_dilation[0]) * kwd + j * p.rhs_dilation[1]) * cg * o + q] =
                    w[(i * kw + j) * cg * o + q];
            }
        }
    }
    let oh = (hp - khd) / p.stride[0] + 1;
    let ow = (wp - kwd) / p.stride[1] + 1;
    let mut out = vec![0.0f32; n * oh * ow * o];
    for ni in 0..n {
        for i in 0..oh {
            for j in 0..ow {
                for oc in 0..o {
                    let gi = oc / og;
                    let mut s = 0.0f64;
                    for a in 0..khd {
                        for b in 0..kwd {
                            for ci in 0..cg {
                                let xv =
                                    xp[((ni * hp + i * p.stride[0] + a) * wp + j * p.stride[1] + b) * c + gi * cg + ci];
                                let wv = wdl[((a * kwd + b) * cg + ci) * o + oc];
                                s += xv as f64 * wv as f64;
                            }
                        }
                    }
                    out[((ni * oh + i) * ow + j) * o + oc] = s as f32;
                }
            }
        }
    }
    (vec![n, oh, ow, o], out)
}

fn params(
    stride: [usize; 2],
    padding: [(isize, isize); 2],
    lhs: [usize; 2],
    rhs: [usize; 2],
    groups: usize,
) -> ConvParams {
    ConvParams {
        stride,
        padding,
        lhs_dilation: lhs,
        rhs_dilation: rhs,
        groups,
    }
}

fn check_conv(p: ConvParams, xs: [usize; 4], ws: [usize; 4], seed: u64) {
    let d = dev();
    let mut r = Lcg(seed);
    let x = r.vec_f32(xs.iter().product());
    let w = r.vec_f32(ws.iter().product());
    let (shape, want) = ref_conv(&p, xs, ws, &x, &w);
    let k = Kernel {
        num_inputs: 2,
        out_shape: shape,
        out_dtype: DType::F32,
        body: KernelBody::Conv {
            params: p,
            x: View::contiguous(&xs),
            w: View::contiguous(&ws),
        },
    };
    let got = run(&d, &k, &[HostData::F32(x), HostData::F32(w)]);
    let want: Vec<Scalar> = want.into_iter().map(Scalar::F32).collect();
    assert_close(&got, &want, 1e-5, &format!("conv {p:?} x{xs:?} w{ws:?}"));
}

#[test]
fn conv_general_params() {
    let none = [(0, 0), (0, 0)];
    // Plain 3x3, same padding, stride 1 and 2.
    check_conv(
        params([1, 1], [(1, 1), (1, 1)], [1, 1], [1, 1], 1),
        [2, 7, 6, 3],
        [3, 3, 3, 4],
        1,
    );
    check_conv(
        params([2, 2], [(1, 1), (1, 1)], [1, 1], [1, 1], 1),
        [2, 9, 8, 3],
        [3, 3, 3, 5],
        2,
    );
    check_conv(
        params([2, 1], [(0, 1), (2, 0)], [1, 1], [1, 1], 1),
        [1, 8, 7, 4],
        [3, 2, 4, 3],
        3,
    );
    // Negative padding (crop).
    check_conv(
        params([1, 1], [(-1, 0), (-2, -1)], [1, 1], [1, 1], 1),
        [1, 8, 9, 2],
        [2, 3, 2, 3],
        4,
    );
    check_conv(
        params([1, 2], [(-1, 2), (1, -2)], [1, 1], [1, 1], 1),
        [2, 6, 9, 2],
        [2, 2, 2, 2],
        5,
    );
    // Input (lhs) dilation 2, as in transposed convs / input gradients.
    check_conv(
        params([1, 1], [(2, 2), (2, 2)], [2, 2], [1, 1], 1),
        [1, 4, 5, 3],
        [3, 3, 3, 2],
        6,
    );
    check_conv(
        params([1, 1], [(1, 2), (0, 1)], [2, 3], [1, 1], 1),
        [2, 3, 4, 2],
        [2, 2, 2, 3],
        7,
    );
    // Filter (rhs) dilation 2.
    check_conv(
        params([1, 1], [(2, 2), (2, 2)], [1, 1], [2, 2], 1),
        [1, 9, 8, 3],
        [3, 3, 3, 4],
        8,
    );
    check_conv(params([2, 1], none, [1, 1], [2, 3], 1), [1, 11, 12, 2], [3, 2, 2, 2], 9);
    // Groups 2.
    check_conv(
        params([1, 1], [(1, 1), (1, 1)], [1, 1], [1, 1], 2),
        [2, 6, 5, 4],
        [3, 3, 2, 6],
        10,
    );
    check_conv(
        params([2, 2], [(0, 1), (1, 0)], [1, 1], [1, 1], 3),
        [1, 7, 7, 6],
        [2, 3, 2, 3],
        11,
    );
    // Depthwise (groups = C), multiplier 1 and 2.
    check_conv(
        params([1, 1], [(1, 1), (1, 1)], [1, 1], [1, 1], 4),
        [2, 6, 7, 4],
        [3, 3, 1, 4],
        12,
    );
    check_conv(
        params([2, 2], [(1, 1), (1, 1)], [1, 1], [1, 1], 3),
        [1, 9, 9, 3],
        [3, 3, 1, 6],
        13,
    );
    check_conv(
        params([1, 1], [(2, 2), (1, 1)], [1, 2], [2, 1], 5),
        [1, 5, 4, 5],
        [3, 3, 1, 5],
        14,
    );
    // Single input channel (direct path with groups = 1).
    check_conv(params([1, 1], none, [1, 1], [1, 1], 1), [3, 8, 8, 1], [5, 5, 1, 6], 15);
    // Pointwise 1x1 (the input is the column matrix) and a strided 1x1.
    check_conv(params([1, 1], none, [1, 1], [1, 1], 1), [2, 5, 6, 7], [1, 1, 7, 3], 16);
    check_conv(params([2, 2], none, [1, 1], [1, 1], 1), [2, 5, 6, 7], [1, 1, 7, 3], 17);
    // Everything at once.
    check_conv(
        params([2, 3], [(3, -1), (-1, 4)], [2, 3], [2, 2], 2),
        [2, 5, 6, 4],
        [2, 3, 2, 4],
        18,
    );
    // Window larger than the input but covered by padding; input with zero spatial size.
    check_conv(
        params([1, 1], [(2, 2), (2, 2)], [1, 1], [1, 1], 1),
        [1, 1, 1, 2],
        [3, 3, 2, 2],
        19,
    );
    check_conv(
        params([1, 1], [(1, 1), (1, 1)], [1, 1], [1, 1], 1),
        [1, 0, 0, 2],
        [2, 2, 2, 3],
        20,
    );
    // Bigger, to exercise tiling and threads.
    check_conv(
        params([1, 1], [(1, 1), (1, 1)], [1, 1], [1, 1], 1),
        [4, 20, 20, 16],
        [3, 3, 16, 24],
        21,
    );
}

#[test]
fn conv_zero_sizes() {
    let none = [(0, 0), (0, 0)];
    check_conv(params([1, 1], none, [1, 1], [1, 1], 1), [0, 4, 4, 2], [3, 3, 2, 3], 1);
    check_conv(params([1, 1], none, [1, 1], [1, 1], 1), [1, 4, 4, 2], [3, 3, 2, 0], 2);
    check_conv(params([1, 1], none, [1, 1], [1, 1], 1), [1, 4, 4, 0], [3, 3, 0, 3], 3);
}

// ---------------------------------------------------------------- gather / scatter

#[test]
fn gather_with_out_of_range_indices() {
    let d = dev();
    let (outer, axis_len, inner) = (2, 4, 3);
    let x: Vec<f32> = (0..24).map(|i| i as f32).collect();
    let idx = vec![3, -1, 0, 4, 2, i32::MIN, i32::MAX];
    let n_idx = idx.len();
    let k = Kernel {
        num_inputs: 2,
        out_shape: vec![outer, n_idx, inner],
        out_dtype: DType::F32,
        body: KernelBody::Gather {
            outer,
            axis_len,
            n_idx,
            inner,
        },
    };
    let got = run(&d, &k, &[HostData::F32(x.clone()), HostData::I32(idx.clone())]);
    let mut want = vec![];
    for o in 0..outer {
        for &j in &idx {
            for i in 0..inner {
                want.push(if (0..axis_len as i32).contains(&j) {
                    x[(o * axis_len + j as usize) * inner + i]
                } else {
                    0.0
                });
            }
        }
    }
    assert_eq!(got, HostData::F32(want));
    // i32 and bool data; inner = 1; a large gather (threads).
    let k = Kernel {
        num_inputs: 2,
        out_shape: vec![3],
        out_dtype: DType::I32,
        body: KernelBody::Gather {
            outer: 1,
            axis_len: 3,
            n_idx: 3,
            inner: 1,
        },
    };
    assert_eq!(
        run(&d, &k, &[HostData::I32(vec![10, 20, 30]), HostData::I32(vec![2, 3, 0])]),
        HostData::I32(vec![30, 0, 10])
    );
    let k = Kernel {
        num_inputs: 2,
        out_shape: vec![2],
        out_dtype: DType::Bool,
        body: KernelBody::Gather {
            outer: 1,
            axis_len: 2,
            n_idx: 2,
            inner: 1,
        },
    };
    assert_eq!(
        run(&d, &k, &[HostData::Bool(vec![false, true]), HostData::I32(vec![1, -5])]),
        HostData::Bool(vec![true, false])
    );
    let (vocab, dim, n) = (1000, 64, 5000);
    let table = Lcg(3).vec_f32(vocab * dim);
    let ids = Lcg(4).vec_i32(n, -10, vocab as i32 + 10);
    let k = Kernel {
        num_inputs: 2,
        out_shape: vec![n, dim],
        out_dtype: DType::F32,
        body: KernelBody::Gather {
            outer: 1,
            axis_len: vocab,
            n_idx: n,
            inner: dim,
        },
    };
    let got = run(&d, &k, &[HostData::F32(table.clone()), HostData::I32(ids.clone())]);
    let want: Vec<f32> = ids
        .iter()
        .flat_map(|&j| (0..dim).map(move |i| (j, i)))
        .map(|(j, i)| {
            if (0..vocab as i32).contains(&j) {
                table[j as usize * dim + i]
            } else {
                0.0
            }
        })
        .collect();
    assert_eq!(got, HostData::F32(want));
}

#[test]
fn scatter_add_drops_out_of_range() {
    let d = dev();
    let (outer, n_idx, inner, axis_len) = (2, 5, 2, 3);
    let upd: Vec<f32> = (0..20).map(|i| i as f32 + 1.0).collect();
    let idx = vec![1, 1, -1, 3, 0];
    let k = Kernel {
        num_inputs: 2,
        out_shape: vec![outer, axis_len, inner],
        out_dtype: DType::F32,
        body: KernelBody::ScatterAdd {
            outer,
            n_idx,
            inner,
            axis_len,
        },
    };
    let got = run(&d, &k, &[HostData::F32(upd.clone()), HostData::I32(idx.clone())]);
    let mut want = vec![0.0f32; outer * axis_len * inner];
    for o in 0..outer {
        for (j, &t) in idx.iter().enumerate() {
            if (0..axis_len as i32).contains(&t) {
                for i in 0..inner {
                    want[(o * axis_len + t as usize) * inner + i] += upd[(o * n_idx + j) * inner + i];
                }
            }
        }
    }
    assert_eq!(got, HostData::F32(want));
    // i32 wraps; many outer rows (threads).
    let k = Kernel {
        num_inputs: 2,
        out_shape: vec![2],
        out_dtype: DType::I32,
        body: KernelBody::ScatterAdd {
            outer: 1,
            n_idx: 3,
            inner: 1,
            axis_len: 2,
        },
    };
    assert_eq!(
        run(
            &d,
            &k,
            &[HostData::I32(vec![i32::MAX, 1, 5]), HostData::I32(vec![0, 0, 2])]
        ),
        HostData::I32(vec![i32::MIN, 0])
    );
    let (outer, n_idx, inner, axis_len) = (300, 50, 8, 20);
    let upd = Lcg(5).vec_f32(outer * n_idx * inner);
    let idx = Lcg(6).vec_i32(n_idx, -3, 23);
    let k = Kernel {
        num_inputs: 2,
        out_shape: vec![outer, axis_len, inner],
        out_dtype: DType::F32,
        body: KernelBody::ScatterAdd {
            outer,
            n_idx,
            inner,
            axis_len,
        },
    };
    let got = run(&d, &k, &[HostData::F32(upd.clone()), HostData::I32(idx.clone())]);
    let mut want = vec![0.0f32; outer * axis_len * inner];
    for o in 0..outer {
        for (j, &t) in idx.iter().enumerate() {
            if (0..axis_len as i32).contains(&t) {
                for i in 0..inner {
                    want[(o * axis_len + t as usize) * inner + i] += upd[(o * n_idx + j) * inner + i];
                }
            }
        }
    }
    assert_eq!(got, HostData::F32(want));
}

// ---------------------------------------------------------------- validation, memory

#[test]
fn malformed_kernels_and_inputs_are_errors() {
    let d = dev();
    let v3 = View::contiguous(&[3]);
    let add = elementwise(
        &[3],
        vec![
            load(0, v3.clone(), DType::F32),
            load(1, v3.clone(), DType::F32),
            node(ExprOp::Binary(BinaryOp::Add, 0, 1), DType::F32),
        ],
        2,
    );
    let f3 = HostData::F32(vec![1.0; 3]);
    // Wrong number of inputs, wrong dtype, too-short buffer.
    assert!(try_run(&d, &add, std::slice::from_ref(&f3)).is_err());
    assert!(try_run(&d, &add, &[f3.clone(), HostData::I32(vec![1; 3])]).is_err());
    assert!(try_run(&d, &add, &[f3.clone(), HostData::F32(vec![1.0; 2])]).is_err());
    // Views reading outside the buffer (offset, negative stride).
    let mut off = v3.clone();
    off.offset = 1;
    let k = elementwise(&[3], vec![load(0, off, DType::F32)], 1);
    assert!(try_run(&d, &k, std::slice::from_ref(&f3)).is_err());
    let neg = View {
        shape: vec![3],
        strides: vec![-1],
        offset: 1,
        mask: None,
    };
    let k = elementwise(&[3], vec![load(0, neg, DType::F32)], 1);
    assert!(try_run(&d, &k, std::slice::from_ref(&f3)).is_err());
    // ...but a masked view whose out-of-range positions are masked out is fine.
    let padded = View::contiguous(&[3]).pad(&[(1, 1)]);
    let k = elementwise(&[5], vec![load(0, padded, DType::F32)], 1);
    assert_eq!(
        run(&d, &k, std::slice::from_ref(&f3)),
        HostData::F32(vec![0.0, 1.0, 1.0, 1.0, 0.0])
    );
    // Forward operand reference, bad dtypes, missing slot, view shape mismatch, empty expr.
    let bad: Vec<Kernel> = vec![
        elementwise(
            &[3],
            vec![
                node(ExprOp::Binary(BinaryOp::Add, 0, 1), DType::F32),
                load(0, v3.clone(), DType::F32),
            ],
            1,
        ),
        elementwise(
            &[3],
            vec![
                load(0, v3.clone(), DType::F32),
                node(ExprOp::Binary(BinaryOp::And, 0, 0), DType::Bool),
            ],
            1,
        ),
        elementwise(
            &[3],
            vec![
                load(0, v3.clone(), DType::F32),
                node(ExprOp::Binary(BinaryOp::Add, 0, 0), DType::Bool),
            ],
            1,
        ),
        elementwise(
            &[3],
            vec![
                load(0, v3.clone(), DType::F32),
                node(ExprOp::Where(0, 0, 0), DType::F32),
            ],
            1,
        ),
        elementwise(&[3], vec![load(5, v3.clone(), DType::F32)], 1),
        elementwise(&[3], vec![load(0, View::contiguous(&[4]), DType::F32)], 1),
        elementwise(
            &[3],
            vec![node(
                ExprOp::Load {
                    src: Source::Arange,
                    view: v3.clone(),
                },
                DType::F32,
            )],
            0,
        ),
        elementwise(&[3], vec![], 0),
        Kernel {
            num_inputs: 1,
            out_shape: vec![1, 2, 2],
            out_dtype: DType::F32,
            body: KernelBody::MatMul {
                a: View::contiguous(&[1, 2, 2]),
                b: View::contiguous(&[1, 2, 2]),
            },
        },
        Kernel {
            num_inputs: 2,
            out_shape: vec![1, 2, 3],
            out_dtype: DType::F32,
            body: KernelBody::MatMul {
                a: View::contiguous(&[1, 2, 2]),
                b: View::contiguous(&[1, 2, 2]),
            },
        },
        Kernel {
            num_inputs: 2,
            out_shape: vec![1, 2, 2],
            out_dtype: DType::F32,
            body: KernelBody::MatMul {
                a: View::contiguous(&[1, 2, 2]).pad(&[(0, 0), (0, 0), (1, 0)]).slice(
                    &[0, 0, 0],
                    &[1, 2, 2],
                    &[1, 1, 1],
                ),
                b: View::contiguous(&[1, 2, 2]),
            },
        },
        Kernel {
            num_inputs: 2,
            out_shape: vec![1, 1, 1, 1],
            out_dtype: DType::F32,
            body: KernelBody::Conv {
                params: params([1, 1], [(0, 0), (0, 0)], [1, 1], [1, 1], 2),
                x: View::contiguous(&[1, 1, 1, 3]),
                w: View::contiguous(&[1, 1, 1, 2]),
            },
        },
        Kernel {
            num_inputs: 2,
            out_shape: vec![1, 1, 1, 1],
            out_dtype: DType::F32,
            body: KernelBody::Conv {
                params: params([0, 1], [(0, 0), (0, 0)], [1, 1], [1, 1], 1),
                x: View::contiguous(&[1, 1, 1, 1]),
                w: View::contiguous(&[1, 1, 1, 1]),
            },
        },
        Kernel {
            num_inputs: 2,
            out_shape: vec![1, 1, 1, 1],
            out_dtype: DType::F32,
            body: KernelBody::Conv {
                params: params([1, 1], [(0, 0), (0, 0)], [1, 1], [1, 1], 1),
                x: View::contiguous(&[1, 1, 1, 1]),
                w: View::contiguous(&[2, 1, 1, 1]),
            },
        },
        Kernel {
            num_inputs: 2,
            out_shape: vec![7],
            out_dtype: DType::F32,
            body: KernelBody::Gather {
                outer: 1,
                axis_len: 3,
                n_idx: 2,
                inner: 1,
            },
        },
        Kernel {
            num_inputs: 2,
            out_shape: vec![usize::MAX, 4],
            out_dtype: DType::F32,
            body: KernelBody::Gather {
                outer: usize::MAX,
                axis_len: 3,
                n_idx: 4,
                inner: 1,
            },
        },
    ];
    for (i, k) in bad.iter().enumerate() {
        let r = d.backend().compile(k);
        assert!(r.is_err(), "kernel {i} should be rejected");
    }
    // Template kernels with wrong input sizes/dtypes.
    let g = Kernel {
        num_inputs: 2,
        out_shape: vec![2],
        out_dtype: DType::F32,
        body: KernelBody::Gather {
            outer: 1,
            axis_len: 3,
            n_idx: 2,
            inner: 1,
        },
    };
    assert!(try_run(&d, &g, &[HostData::F32(vec![0.0; 3]), HostData::I32(vec![0; 3])]).is_err());
    assert!(try_run(&d, &g, &[HostData::F32(vec![0.0; 2]), HostData::I32(vec![0; 2])]).is_err());
    assert!(try_run(&d, &g, &[HostData::F32(vec![0.0; 3]), HostData::F32(vec![0.0; 2])]).is_err());
    let mm = matmul_kernel(View::contiguous(&[1, 2, 2]), View::contiguous(&[1, 2, 2]));
    assert!(try_run(&d, &mm, &[HostData::F32(vec![0.0; 3]), HostData::F32(vec![0.0; 4])]).is_err());
    assert!(try_run(&d, &mm, &[HostData::I32(vec![0; 4]), HostData::F32(vec![0.0; 4])]).is_err());
    let conv = Kernel {
        num_inputs: 2,
        out_shape: vec![1, 1, 1, 1],
        out_dtype: DType::F32,
        body: KernelBody::Conv {
            params: params([1, 1], [(0, 0), (0, 0)], [1, 1], [1, 1], 1),
            x: View::contiguous(&[1, 1, 1, 1]),
            w: View::contiguous(&[1, 1, 1, 1]),
        },
    };
    assert!(try_run(&d, &conv, &[HostData::F32(vec![]), HostData::F32(vec![1.0])]).is_err());
    assert_eq!(
        run(&d, &conv, &[HostData::F32(vec![2.0]), HostData::F32(vec![3.0])]),
        HostData::F32(vec![6.0])
    );
}

#[test]
fn memory_is_tracked() {
    let b = ferroflow_native::CpuBackend::with_threads(2).unwrap();
    let d = ferroflow_core::Device::new(b);
    assert_eq!(d.memory().num_buffers, 0);
    let x: Buffer = d.upload(&HostData::F32(vec![1.0; 10])).unwrap();
    let y = d.upload(&HostData::Bool(vec![true; 3])).unwrap();
    assert_eq!(d.memory().num_buffers, 2);
    assert_eq!(d.memory().num_bytes, 43);
    let k = elementwise(
        &[10],
        vec![
            load(0, View::contiguous(&[10]), DType::F32),
            node(ExprOp::Unary(ferroflow_core::ir::UnaryOp::Neg, 0), DType::F32),
        ],
        1,
    );
    let z = d.execute(&k, &[&x]).unwrap();
    assert_eq!(d.memory().num_buffers, 3);
    drop((x, y));
    assert_eq!(d.memory().num_bytes, 40);
    drop(z);
    assert_eq!(d.memory(), ferroflow_core::MemoryInfo::default());
    assert!(d.description().starts_with("cpu"));
}

#[test]
fn reused_allocations_are_fully_overwritten() {
    // Freed large buffers go to a cache and come back with stale contents; poison the cache with
    // NaN/garbage and check that every kernel kind still writes all of its output.
    let d = dev();
    let poison = |n: usize| {
        for _ in 0..4 {
            drop(d.upload(&HostData::F32(vec![f32::NAN; n])).unwrap());
            drop(d.upload(&HostData::I32(vec![-7; n])).unwrap());
            drop(d.upload(&HostData::Bool(vec![true; n * 4])).unwrap());
        }
    };
    // matmul (k > 0 and k = 0)
    let (m, k, n) = (200, 64, 300);
    poison(m * n);
    check_matmul(
        View::contiguous(&[1, m, k]),
        View::contiguous(&[1, k, n]),
        m * k,
        k * n,
        31,
    );
    poison(m * n);
    let kz = matmul_kernel(View::contiguous(&[1, m, 0]), View::contiguous(&[1, 0, n]));
    assert_eq!(
        run(&d, &kz, &[HostData::F32(vec![]), HostData::F32(vec![])]),
        HostData::F32(vec![0.0; m * n])
    );
    // conv (im2col + gemm and direct)
    poison(4 * 20 * 20 * 24);
    check_conv(
        params([1, 1], [(1, 1), (1, 1)], [1, 1], [1, 1], 1),
        [4, 20, 20, 16],
        [3, 3, 16, 24],
        32,
    );
    poison(4 * 20 * 20 * 16);
    check_conv(
        params([1, 1], [(1, 1), (1, 1)], [1, 1], [1, 1], 16),
        [4, 20, 20, 16],
        [3, 3, 1, 16],
        33,
    );
    // elementwise (every output dtype), masked loads, reduce, gather, scatter
    let big = 300_000;
    for dt in [DType::F32, DType::I32, DType::Bool] {
        poison(big);
        let v = View::contiguous(&[big - 10]).pad(&[(5, 5)]);
        let k = elementwise(&[big], vec![load(0, v, dt)], 1);
        let x = match dt {
            DType::F32 => HostData::F32(vec![1.5; big - 10]),
            DType::I32 => HostData::I32(vec![3; big - 10]),
            DType::Bool => HostData::Bool(vec![true; big - 10]),
        };
        let got = run(&d, &k, std::slice::from_ref(&x));
        let want: Vec<Scalar> = (0..big)
            .map(|i| {
                if (5..big - 5).contains(&i) {
                    x.get(i - 5).unwrap()
                } else {
                    Scalar::zero(dt)
                }
            })
            .collect();
        assert_close(&got, &want, 0.0, "poisoned elementwise");
    }
    poison(big);
    let k = Kernel {
        num_inputs: 2,
        out_shape: vec![big],
        out_dtype: DType::F32,
        body: KernelBody::Gather {
            outer: 1,
            axis_len: 2,
            n_idx: big,
            inner: 1,
        },
    };
    let got = run(
        &d,
        &k,
        &[
            HostData::F32(vec![4.0, 5.0]),
            HostData::I32((0..big as i32).map(|i| i % 3).collect()),
        ],
    );
    assert_eq!(got, HostData::F32((0..big).map(|i| [4.0, 5.0, 0.0][i % 3]).collect()));
    poison(big);
    let k = Kernel {
        num_inputs: 2,
        out_shape: vec![big],
        out_dtype: DType::F32,
        body: KernelBody::ScatterAdd {
            outer: 1,
            n_idx: 1,
            inner: 1,
            axis_len: big,
        },
    };
    let mut want = vec![0.0; big];
    want[7] = 2.0;
    assert_eq!(
        run(&d, &k, &[HostData::F32(vec![2.0]), HostData::I32(vec![7])]),
        HostData::F32(want)
    );
    poison(big);
    let k = reduce_kernel(
        ferroflow_core::ir::ReduceOp::Sum,
        &[1],
        &[big, 2],
        vec![load(0, View::contiguous(&[big, 2]), DType::F32)],
        1,
    );
    assert_eq!(
        run(&d, &k, &[HostData::F32(vec![1.0; big * 2])]),
        HostData::F32(vec![2.0; big])
    );
    ferroflow_native::release_cached_memory();
}

#[test]
fn conv_filter_gradient_shapes() {
    // Few output positions, large filter, batch >= 16, channels >= 8: the per-position gemm path.
    check_conv(
        params([1, 1], [(1, 1), (1, 1)], [1, 1], [1, 1], 1),
        [16, 7, 6, 8],
        [7, 6, 8, 5],
        31,
    );
    check_conv(
        params([2, 1], [(1, 2), (0, 1)], [1, 1], [2, 1], 1),
        [17, 9, 8, 9],
        [4, 6, 9, 3],
        32,
    );
    check_conv(
        params([1, 2], [(-1, 1), (2, -1)], [1, 1], [1, 1], 1),
        [16, 8, 9, 8],
        [5, 4, 8, 6],
        33,
    );
    // Batch large enough to be split across threads (odd size: uneven parts).
    check_conv(
        params([1, 1], [(1, 1), (1, 1)], [1, 1], [1, 1], 1),
        [33, 6, 5, 8],
        [6, 5, 8, 3],
        35,
    );
    // Padding so large that some positions see no input at all.
    check_conv(
        params([1, 1], [(5, 0), (1, 1)], [1, 1], [1, 1], 1),
        [16, 2, 2, 8],
        [4, 4, 8, 2],
        34,
    );
}

/// Conv + epilogue kernels (the epilogue runs on each tile of the conv's result while it is in
/// cache) against the scalar conv reference followed by the epilogue in plain Rust: relu(acc +
/// bias) with a bias broadcast over pixels, a bool result, and a residual input read through a
/// transposed view; shapes with one, several and a ragged last tile.
#[test]
fn conv_epilogues_match_the_two_pass_reference() {
    let d = dev();
    let same = params([1, 1], [(1, 1), (1, 1)], [1, 1], [1, 1], 1);
    let strided = params([2, 2], [(0, 1), (1, 0)], [1, 1], [1, 1], 1);
    let cases = [
        (same, [64, 28, 28, 1], [3, 3, 1, 32]),
        (same, [5, 23, 17, 3], [3, 3, 3, 8]),
        (strided, [3, 31, 29, 16], [3, 3, 16, 24]),
        (same, [1, 2, 2, 2], [3, 3, 2, 3]),
    ];
    for (ci, (p, xs, ws)) in cases.into_iter().enumerate() {
        let mut r = Lcg(40 + ci as u64);
        let x = r.vec_f32(xs.iter().product());
        let w = r.vec_f32(ws.iter().product());
        let o = ws[3];
        let bias = r.vec_f32(o);
        let (shape, conv) = ref_conv(&p, xs, ws, &x, &w);
        let pixels = conv.len() / o;
        let template = KernelBody::Conv {
            params: p,
            x: View::contiguous(&xs),
            w: View::contiguous(&ws),
        };
        let acc = || {
            node(
                ExprOp::Load {
                    src: Source::Accumulator,
                    view: View::contiguous(&shape),
                },
                DType::F32,
            )
        };
        let bias_view = View::contiguous(&[o]).reshape(&[1, 1, 1, o]).unwrap().expand(&shape);
        let kernel = |nodes: Vec<ferroflow_core::ir::ExprNode>, num_inputs: usize| {
            let epilogue = ferroflow_core::ir::Expr {
                shape: shape.clone(),
                nodes,
            };
            Kernel {
                num_inputs,
                out_shape: shape.clone(),
                out_dtype: epilogue.dtype(),
                body: KernelBody::WithEpilogue {
                    template: Box::new(template.clone()),
                    epilogue,
                },
            }
        };
        let what = format!("conv {p:?} x{xs:?} w{ws:?}");
        let ins = |extra: Vec<f32>| vec![HostData::F32(x.clone()), HostData::F32(w.clone()), HostData::F32(extra)];

        // relu(acc + bias)
        let k = kernel(
            vec![
                acc(),
                load(2, bias_view.clone(), DType::F32),
                node(ExprOp::Binary(BinaryOp::Add, 0, 1), DType::F32),
                node(ExprOp::Const(Scalar::F32(0.0)), DType::F32),
                node(ExprOp::Binary(BinaryOp::Max, 2, 3), DType::F32),
            ],
            3,
        );
        let got = run(&d, &k, &ins(bias.clone()));
        let want: Vec<Scalar> = (0..conv.len())
            .map(|i| Scalar::F32((conv[i] + bias[i % o]).max(0.0)))
            .collect();
        assert_close(&got, &want, 1e-5, &format!("relu(acc + bias) {what}"));

        // bias < acc, a bool result
        let k = kernel(
            vec![
                acc(),
                load(2, bias_view.clone(), DType::F32),
                node(ExprOp::Binary(BinaryOp::Lt, 1, 0), DType::Bool),
            ],
            3,
        );
        match run(&d, &k, &ins(bias.clone())) {
            HostData::Bool(got) => {
                assert_eq!(got.len(), conv.len(), "{what}");
                for (i, &g) in got.iter().enumerate() {
                    let want = conv[i] > bias[i % o];
                    // Values within rounding of the bias may go either way.
                    if (conv[i] - bias[i % o]).abs() > 1e-4 {
                        assert_eq!(g, want, "bias < acc, element {i}, {what}");
                    }
                }
            }
            other => panic!("bias < acc gave {:?}, {what}", other.dtype()),
        }

        // acc * residual, the residual stored channel-major and read through a transposed view.
        let res = r.vec_f32(conv.len());
        let res_view = View::contiguous(&[o, pixels]).permute(&[1, 0]).reshape(&shape);
        let Some(res_view) = res_view else {
            continue; // not expressible as one view: nothing to test for this shape
        };
        let k = kernel(
            vec![
                acc(),
                load(2, res_view, DType::F32),
                node(ExprOp::Binary(BinaryOp::Mul, 0, 1), DType::F32),
            ],
            3,
        );
        let got = run(&d, &k, &ins(res.clone()));
        let want: Vec<Scalar> = (0..conv.len())
            .map(|i| Scalar::F32(conv[i] * res[(i % o) * pixels + i / o]))
            .collect();
        assert_close(&got, &want, 1e-5, &format!("acc * transposed residual {what}"));
    }
}

/// The values a view reads, in row-major order of its shape.
fn through_view(buf: &[f32], v: &View) -> Vec<f32> {
    let n: usize = v.shape.iter().product();
    (0..n)
        .map(|mut lin| {
            let mut off = v.offset;
            for d in (0..v.shape.len()).rev() {
                off += (lin % v.shape[d]) as isize * v.strides[d];
                lin /= v.shape[d];
            }
            buf[off as usize]
        })
        .collect()
}

/// Convs whose operands are views (as the scheduler hands them over without copies): the filter
/// gradient's layout (input with batch and channels swapped, filter = output gradient with batch
/// and channels swapped), a flipped and transposed filter (the input gradient's), and an offset
/// slice; against the reference on the same values made contiguous.
#[test]
fn conv_operands_through_views() {
    let d = dev();
    let cases = [
        // (params, x buffer shape + perm to NHWC, w buffer shape + perm to HWIO)
        (
            params([1, 1], [(1, 1), (1, 1)], [1, 1], [1, 1], 1),
            ([3, 9, 8, 5], [3, 1, 2, 0]),
            ([3, 9, 8, 4], [1, 2, 0, 3]),
        ),
        (
            params([1, 1], [(1, 1), (1, 1)], [1, 1], [1, 1], 1),
            ([1, 28, 28, 6], [3, 1, 2, 0]),
            ([1, 28, 28, 7], [1, 2, 0, 3]),
        ),
        (
            params([1, 2], [(0, 2), (1, 0)], [1, 1], [2, 1], 1),
            ([4, 11, 10, 3], [3, 1, 2, 0]),
            ([4, 4, 5, 6], [1, 2, 0, 3]),
        ),
        // A filter whose dims do not chain (in and out channels swapped): copied, then the usual path.
        (
            params([2, 1], [(1, 0), (0, 1)], [1, 1], [1, 1], 1),
            ([2, 7, 6, 4], [0, 1, 2, 3]),
            ([3, 2, 5, 4], [0, 1, 3, 2]),
        ),
        (
            params([1, 1], [(1, 1), (1, 1)], [2, 1], [1, 1], 2),
            ([2, 5, 6, 4], [0, 2, 1, 3]),
            ([3, 3, 2, 6], [1, 0, 2, 3]),
        ),
    ];
    for (ci, (p, (xb, xp), (wb, wp))) in cases.into_iter().enumerate() {
        let mut r = Lcg(70 + ci as u64);
        let xbuf = r.vec_f32(xb.iter().product());
        let wbuf = r.vec_f32(wb.iter().product());
        let xv = View::contiguous(&xb).permute(&xp);
        let wv = View::contiguous(&wb).permute(&wp);
        let xs: [usize; 4] = xv.shape.clone().try_into().unwrap();
        let ws: [usize; 4] = wv.shape.clone().try_into().unwrap();
        let (shape, want) = ref_conv(&p, xs, ws, &through_view(&xbuf, &xv), &through_view(&wbuf, &wv));
        let k = Kernel {
            num_inputs: 2,
            out_shape: shape,
            out_dtype: DType::F32,
            body: KernelBody::Conv {
                params: p,
                x: xv.clone(),
                w: wv.clone(),
            },
        };
        let got = run(&d, &k, &[HostData::F32(xbuf), HostData::F32(wbuf)]);
        let want: Vec<Scalar> = want.into_iter().map(Scalar::F32).collect();
        assert_close(&got, &want, 1e-5, &format!("conv {p:?} x {xv:?} w {wv:?}"));
    }

    // An offset view (a slice of a longer buffer) and a view reaching past its buffer.
    let p = params([1, 1], [(0, 0), (0, 0)], [1, 1], [1, 1], 1);
    let mut r = Lcg(90);
    let xbuf = r.vec_f32(2 * 4 * 4 * 3 + 5);
    let wbuf = r.vec_f32(2 * 2 * 3 * 2);
    let mut xv = View::contiguous(&[2, 4, 4, 3]);
    xv.offset = 5;
    let wv = View::contiguous(&[2, 2, 3, 2]);
    let (shape, want) = ref_conv(&p, [2, 4, 4, 3], [2, 2, 3, 2], &xbuf[5..], &wbuf);
    let k = Kernel {
        num_inputs: 2,
        out_shape: shape,
        out_dtype: DType::F32,
        body: KernelBody::Conv {
            params: p,
            x: xv.clone(),
            w: wv.clone(),
        },
    };
    let got = run(&d, &k, &[HostData::F32(xbuf.clone()), HostData::F32(wbuf.clone())]);
    let want: Vec<Scalar> = want.into_iter().map(Scalar::F32).collect();
    assert_close(&got, &want, 1e-5, "conv through an offset view");
    let short = HostData::F32(xbuf[..xbuf.len() - 1].to_vec());
    let e = try_run(&d, &k, &[short, HostData::F32(wbuf)]).unwrap_err();
    assert!(e.to_string().contains("offsets"), "{e}");
}
