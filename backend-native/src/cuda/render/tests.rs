//! Every template renders, over the ops and dtypes it accepts; where NVRTC loads, each source also
//! compiles to PTX (otherwise the compile step is skipped with the reason printed). The real
//! kernels of every op are compiled by `tests/tests/cuda_nvrtc.rs` in `ferroflow-tests`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferroflow_core::ir::{
    BinaryOp, ConvParams, Expr, ExprNode, ExprOp, Kernel, KernelBody, ReduceOp, Source, UnaryOp, View,
};
use ferroflow_core::{DType, Scalar};

use super::{render, RenderLimits};
use crate::cuda::nvrtc;

fn node(op: ExprOp, dtype: DType) -> ExprNode {
    ExprNode { op, dtype }
}

fn load(slot: usize, view: View, dtype: DType) -> ExprNode {
    node(
        ExprOp::Load {
            src: Source::Input(slot),
            view,
        },
        dtype,
    )
}

fn elementwise(nodes: Vec<ExprNode>, shape: &[usize], num_inputs: usize) -> Kernel {
    Kernel {
        num_inputs,
        out_shape: shape.to_vec(),
        out_dtype: nodes.last().unwrap().dtype,
        body: KernelBody::Elementwise(Expr {
            shape: shape.to_vec(),
            nodes,
        }),
    }
}

/// Renders every kernel, then compiles all of them when NVRTC is present.
fn check_all(kernels: &[Kernel]) {
    let sources: Vec<String> = kernels
        .iter()
        .map(|k| {
            render(k, &RenderLimits::default())
                .unwrap_or_else(|e| panic!("{k:?}: {e}"))
                .source
        })
        .collect();
    if let Err(e) = nvrtc::check_available() {
        eprintln!("NVRTC compile skipped: {e}");
        return;
    }
    for (k, src) in kernels.iter().zip(&sources) {
        if let Err(e) = nvrtc::compile_ptx(src, nvrtc::DEFAULT_ARCH) {
            panic!("{e}\n--- kernel {k:?}\n--- source\n{src}");
        }
    }
}

const DTYPES: [DType; 3] = [DType::F32, DType::I32, DType::Bool];

#[test]
fn unary_binary_where_cast_render() {
    let sh = [3, 1, 5];
    let v = View::contiguous(&sh);
    let mut kernels = vec![];
    use UnaryOp::*;
    for op in [
        Neg, Exp, Log, Sqrt, Recip, Sin, Cos, Tanh, Sigmoid, Erf, Floor, Ceil, Round, Not,
    ] {
        for d in DTYPES {
            if ferroflow_core::ir::clike::unary_defined(op, d) {
                kernels.push(elementwise(
                    vec![load(0, v.clone(), d), node(ExprOp::Unary(op, 0), d)],
                    &sh,
                    1,
                ));
            }
        }
    }
    use BinaryOp::*;
    for op in [Add, Sub, Mul, Div, Pow, Max, Min, Mod, Lt, Le, Eq, And, Or] {
        for d in DTYPES {
            let Some(out) = (match (op, d) {
                (And | Or, DType::Bool) | (Eq, _) | (Lt | Le, DType::F32 | DType::I32) => Some(DType::Bool),
                (And | Or | Lt | Le, _) | (_, DType::Bool) => None,
                _ => Some(d),
            }) else {
                continue;
            };
            kernels.push(elementwise(
                vec![
                    load(0, v.clone(), d),
                    load(1, v.clone(), d),
                    node(ExprOp::Binary(op, 0, 1), out),
                ],
                &sh,
                2,
            ));
        }
    }
    for from in DTYPES {
        for to in DTYPES {
            kernels.push(elementwise(
                vec![load(0, v.clone(), from), node(ExprOp::Cast(0), to)],
                &sh,
                1,
            ));
        }
        kernels.push(elementwise(
            vec![
                load(0, v.clone(), DType::Bool),
                load(1, v.clone(), from),
                load(2, v.clone(), from),
                node(ExprOp::Where(0, 1, 2), from),
            ],
            &sh,
            3,
        ));
    }
    check_all(&kernels);
}

#[test]
fn special_loads_and_literals_render() {
    let sh = [4, 6];
    let padded = View::contiguous(&[2, 6]).pad(&[(1, 1), (0, 0)]).flip(&[1]);
    let fixed = |src| {
        node(
            ExprOp::Load {
                src,
                view: View::contiguous(&sh),
            },
            DType::F32,
        )
    };
    let kernels = vec![
        elementwise(vec![load(0, padded.clone(), DType::Bool)], &sh, 1),
        elementwise(
            vec![node(
                ExprOp::Load {
                    src: Source::Arange,
                    view: padded.clone(),
                },
                DType::I32,
            )],
            &sh,
            0,
        ),
        elementwise(vec![fixed(Source::Rand { seed_input: 0 })], &sh, 1),
        elementwise(
            vec![node(
                ExprOp::Load {
                    src: Source::Const(Scalar::F32(f32::NAN)),
                    view: padded,
                },
                DType::F32,
            )],
            &sh,
            0,
        ),
        elementwise(
            vec![
                node(ExprOp::Const(Scalar::F32(f32::NEG_INFINITY)), DType::F32),
                node(ExprOp::Const(Scalar::I32(i32::MIN)), DType::I32),
                node(ExprOp::Cast(1), DType::F32),
                node(ExprOp::Binary(BinaryOp::Add, 0, 2), DType::F32),
            ],
            &[],
            0,
        ),
    ];
    check_all(&kernels);
}

#[test]
fn reductions_render_on_both_paths() {
    let mut kernels = vec![];
    // [2, 300] over axis 1 takes the block-per-output tree; [600, 3] over axis 1 one thread each.
    for sh in [[2usize, 300], [600, 3]] {
        for (op, d) in [
            (ReduceOp::Sum, DType::F32),
            (ReduceOp::Prod, DType::F32),
            (ReduceOp::Max, DType::F32),
            (ReduceOp::Min, DType::F32),
            (ReduceOp::Sum, DType::I32),
            (ReduceOp::Prod, DType::I32),
            (ReduceOp::Max, DType::I32),
            (ReduceOp::Min, DType::I32),
            (ReduceOp::Max, DType::Bool),
            (ReduceOp::Min, DType::Bool),
        ] {
            kernels.push(Kernel {
                num_inputs: 1,
                out_shape: vec![sh[0], 1],
                out_dtype: d,
                body: KernelBody::Reduce {
                    op,
                    axes: vec![1],
                    expr: Expr {
                        shape: sh.to_vec(),
                        nodes: vec![load(0, View::contiguous(&sh), d)],
                    },
                },
            });
        }
    }
    // A full reduction to one element (no kept dims).
    kernels.push(Kernel {
        num_inputs: 1,
        out_shape: vec![1, 1],
        out_dtype: DType::F32,
        body: KernelBody::Reduce {
            op: ReduceOp::Sum,
            axes: vec![0, 1],
            expr: Expr {
                shape: vec![30, 40],
                nodes: vec![load(0, View::contiguous(&[30, 40]), DType::F32)],
            },
        },
    });
    check_all(&kernels);
}

#[test]
fn templates_render() {
    let a = View::contiguous(&[2, 5, 7]);
    let b = View::contiguous(&[2, 7, 3]).permute(&[0, 1, 2]);
    let matmul = KernelBody::MatMul { a, b };
    let conv = |groups: usize, padding, lhs: usize, rhs: usize| KernelBody::Conv {
        params: ConvParams {
            stride: [2, 1],
            padding,
            lhs_dilation: [lhs, lhs],
            rhs_dilation: [rhs, rhs],
            groups,
        },
        x: View::contiguous(&[2, 9, 8, 4]),
        w: View::contiguous(&[3, 2, 4 / groups, 6]),
    };
    let mut kernels = vec![Kernel {
        num_inputs: 2,
        out_shape: vec![2, 5, 3],
        out_dtype: DType::F32,
        body: matmul.clone(),
    }];
    for body in [
        conv(1, [(1, 1), (0, 0)], 1, 1),
        conv(2, [(-1, 2), (1, -1)], 2, 1),
        conv(1, [(0, 0), (0, 0)], 1, 2),
    ] {
        let out_shape = body.template_shape().unwrap();
        kernels.push(Kernel {
            num_inputs: 2,
            out_shape: out_shape.clone(),
            out_dtype: DType::F32,
            body: body.clone(),
        });
        // relu(conv + bias), the bias broadcast over the channels.
        let bias = View::contiguous(&[1, 1, 1, 6]).expand(&out_shape);
        kernels.push(Kernel {
            num_inputs: 3,
            out_shape: out_shape.clone(),
            out_dtype: DType::F32,
            body: KernelBody::WithEpilogue {
                template: Box::new(body),
                epilogue: Expr {
                    shape: out_shape.clone(),
                    nodes: vec![
                        node(
                            ExprOp::Load {
                                src: Source::Accumulator,
                                view: View::contiguous(&out_shape),
                            },
                            DType::F32,
                        ),
                        load(2, bias, DType::F32),
                        node(ExprOp::Binary(BinaryOp::Add, 0, 1), DType::F32),
                        node(ExprOp::Const(Scalar::F32(0.0)), DType::F32),
                        node(ExprOp::Binary(BinaryOp::Max, 2, 3), DType::F32),
                    ],
                },
            },
        });
    }
    for d in DTYPES {
        kernels.push(Kernel {
            num_inputs: 2,
            out_shape: vec![2, 4, 3],
            out_dtype: d,
            body: KernelBody::Gather {
                outer: 2,
                axis_len: 5,
                n_idx: 4,
                inner: 3,
            },
        });
        kernels.push(Kernel {
            num_inputs: 2,
            out_shape: vec![2, 5, 3],
            out_dtype: d,
            body: KernelBody::ScatterAdd {
                outer: 2,
                n_idx: 4,
                inner: 3,
                axis_len: 5,
            },
        });
    }
    check_all(&kernels);
}

#[test]
fn malformed_kernels_are_errors_not_panics() {
    let sh = [3];
    let bad = [
        // A load from an input the kernel does not have.
        elementwise(vec![load(1, View::contiguous(&sh), DType::F32)], &sh, 1),
        // A node that uses a later node.
        elementwise(vec![node(ExprOp::Unary(UnaryOp::Neg, 1), DType::F32)], &sh, 0),
        // Sum of bool.
        Kernel {
            num_inputs: 1,
            out_shape: vec![1],
            out_dtype: DType::Bool,
            body: KernelBody::Reduce {
                op: ReduceOp::Sum,
                axes: vec![0],
                expr: Expr {
                    shape: vec![3],
                    nodes: vec![load(0, View::contiguous(&sh), DType::Bool)],
                },
            },
        },
        // An epilogue on a gather.
        Kernel {
            num_inputs: 2,
            out_shape: vec![3],
            out_dtype: DType::F32,
            body: KernelBody::WithEpilogue {
                template: Box::new(KernelBody::Gather {
                    outer: 1,
                    axis_len: 3,
                    n_idx: 3,
                    inner: 1,
                }),
                epilogue: Expr {
                    shape: vec![3],
                    nodes: vec![],
                },
            },
        },
        // An output beyond 2^31 elements.
        elementwise(
            vec![node(ExprOp::Const(Scalar::F32(1.0)), DType::F32)],
            &[1 << 16, 1 << 16],
            0,
        ),
    ];
    for k in &bad {
        assert!(render(k, &RenderLimits::default()).is_err(), "{k:?} rendered");
    }
}
