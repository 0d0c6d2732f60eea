//! Every template, over every op and dtype it accepts, renders WGSL that naga validates (no GPU
//! needed, so this runs everywhere, including machines without an adapter).

use ferroflow_core::ir::{
    BinaryOp, ConvParams, Expr, ExprNode, ExprOp, Kernel, KernelBody, ReduceOp, Source, UnaryOp, View,
};
use ferroflow_core::{DType, Scalar};

use super::{render, RenderLimits};
use crate::kernel::validate;

fn node(op: ExprOp, dtype: DType) -> ExprNode {
    ExprNode { op, dtype }
}

fn load(slot: usize, shape: &[usize], dtype: DType) -> ExprNode {
    node(
        ExprOp::Load {
            src: Source::Input(slot),
            view: View::contiguous(shape),
        },
        dtype,
    )
}

fn check(k: &Kernel) {
    for limits in [
        RenderLimits::default(),
        RenderLimits {
            workgroup_size: 64,
            max_workgroups_per_dim: 1000,
            max_storage_buffers: 8,
            gemm_side: 16,
            software: false,
            runtime_sizes: false,
        },
        RenderLimits {
            workgroup_size: 64,
            software: true,
            runtime_sizes: false,
            ..RenderLimits::default()
        },
    ] {
        let s = render(k, &limits).unwrap_or_else(|e| panic!("{k:?}: {e}"));
        for src in std::iter::once(&s.source).chain(s.finish.as_ref().map(|f| &f.shader.source)) {
            if let Err(e) = validate(src) {
                panic!("{e}\n--- kernel {k:?}\n--- source\n{src}");
            }
        }
    }
}

fn elementwise(nodes: Vec<ExprNode>, shape: &[usize], num_inputs: usize) -> Kernel {
    let dtype = nodes.last().map_or(DType::F32, |n| n.dtype);
    Kernel {
        num_inputs,
        out_shape: shape.to_vec(),
        out_dtype: dtype,
        body: KernelBody::Elementwise(Expr {
            shape: shape.to_vec(),
            nodes,
        }),
    }
}

const DTYPES: [DType; 3] = [DType::F32, DType::I32, DType::Bool];

#[test]
fn unary_binary_where_cast_render_valid_wgsl() {
    let sh = [3, 1, 5];
    use UnaryOp::*;
    for op in [
        Neg, Exp, Log, Sqrt, Recip, Sin, Cos, Tanh, Sigmoid, Erf, Floor, Ceil, Round, Not,
    ] {
        for d in DTYPES {
            if ferroflow_core::ir::clike::unary_defined(op, d) {
                check(&elementwise(
                    vec![load(0, &sh, d), node(ExprOp::Unary(op, 0), d)],
                    &sh,
                    1,
                ));
            }
        }
    }
    use BinaryOp::*;
    for op in [Add, Sub, Mul, Div, Pow, Max, Min, Mod, Lt, Le, Eq, And, Or] {
        for d in DTYPES {
            let out = match (op, d) {
                (And | Or, DType::Bool) | (Eq, _) => DType::Bool,
                (And | Or, _) | (_, DType::Bool) => continue,
                (Lt | Le, _) => DType::Bool,
                _ => d,
            };
            let nodes = vec![load(0, &sh, d), load(1, &sh, d), node(ExprOp::Binary(op, 0, 1), out)];
            check(&elementwise(nodes, &sh, 2));
        }
    }
    for from in DTYPES {
        for to in DTYPES {
            check(&elementwise(
                vec![load(0, &sh, from), node(ExprOp::Cast(0), to)],
                &sh,
                1,
            ));
        }
        let nodes = vec![
            load(0, &sh, DType::Bool),
            load(1, &sh, from),
            load(2, &sh, from),
            node(ExprOp::Where(0, 1, 2), from),
        ];
        check(&elementwise(nodes, &sh, 3));
        check(&elementwise(
            vec![node(ExprOp::Const(Scalar::zero(from)), from)],
            &sh,
            0,
        ));
    }
}

#[test]
fn special_loads_render_valid_wgsl() {
    let sh = [4, 6];
    let mut padded = View::contiguous(&[2, 3]).pad(&[(1, 1), (2, 1)]);
    padded = padded.flip(&[1]);
    let nodes = vec![
        node(
            ExprOp::Load {
                src: Source::Input(0),
                view: padded.clone(),
            },
            DType::F32,
        ),
        node(
            ExprOp::Load {
                src: Source::Const(Scalar::F32(f32::NEG_INFINITY)),
                view: padded.clone(),
            },
            DType::F32,
        ),
        node(
            ExprOp::Load {
                src: Source::Rand { seed_input: 1 },
                view: View::contiguous(&sh),
            },
            DType::F32,
        ),
        node(
            ExprOp::Load {
                src: Source::Arange,
                view: View::contiguous(&sh),
            },
            DType::I32,
        ),
        node(ExprOp::Cast(3), DType::F32),
        node(ExprOp::Binary(BinaryOp::Add, 0, 1), DType::F32),
        node(ExprOp::Binary(BinaryOp::Add, 5, 2), DType::F32),
        node(ExprOp::Binary(BinaryOp::Add, 6, 4), DType::F32),
    ];
    check(&elementwise(nodes, &sh, 2));
    // Empty iteration space.
    check(&elementwise(vec![load(0, &[0, 3], DType::F32)], &[0, 3], 1));
}

#[test]
fn reductions_render_valid_wgsl_on_both_paths() {
    for (shape, axes) in [
        (vec![7, 300], vec![1usize]),
        (vec![300, 7], vec![0]),
        (vec![5, 2, 3], vec![0, 2]),
        (vec![2, 3], vec![0, 1]),
        (vec![0, 4], vec![0]),
        (vec![3, 0], vec![1]),
    ] {
        for op in [ReduceOp::Sum, ReduceOp::Prod, ReduceOp::Max, ReduceOp::Min] {
            for d in DTYPES {
                if d == DType::Bool && matches!(op, ReduceOp::Sum | ReduceOp::Prod) {
                    continue;
                }
                let mut out = shape.clone();
                for &a in &axes {
                    out[a] = 1;
                }
                check(&Kernel {
                    num_inputs: 1,
                    out_shape: out,
                    out_dtype: d,
                    body: KernelBody::Reduce {
                        op,
                        axes: axes.clone(),
                        expr: Expr {
                            shape: shape.clone(),
                            nodes: vec![load(0, &shape, d)],
                        },
                    },
                });
            }
        }
    }
}

#[test]
fn templates_render_valid_wgsl() {
    let a = View::contiguous(&[2, 5, 7]).permute(&[0, 2, 1]).permute(&[0, 2, 1]);
    check(&Kernel {
        num_inputs: 2,
        out_shape: vec![2, 5, 3],
        out_dtype: DType::F32,
        body: KernelBody::MatMul {
            a,
            b: View::contiguous(&[1, 7, 3]).expand(&[2, 7, 3]),
        },
    });
    let params = ConvParams {
        stride: [2, 1],
        padding: [(1, -1), (0, 2)],
        lhs_dilation: [2, 1],
        rhs_dilation: [1, 2],
        groups: 2,
    };
    let out = params.out_spatial("conv", [6, 7], [3, 2]).unwrap();
    check(&Kernel {
        num_inputs: 2,
        out_shape: vec![2, out[0], out[1], 6],
        out_dtype: DType::F32,
        body: KernelBody::Conv {
            params,
            x: View::contiguous(&[2, 6, 7, 4]),
            w: View::contiguous(&[3, 2, 2, 6]),
        },
    });
    for d in DTYPES {
        check(&Kernel {
            num_inputs: 2,
            out_shape: vec![2, 3, 4],
            out_dtype: d,
            body: KernelBody::Gather {
                outer: 2,
                axis_len: 5,
                n_idx: 3,
                inner: 4,
            },
        });
        check(&Kernel {
            num_inputs: 2,
            out_shape: vec![2, 5, 4],
            out_dtype: d,
            body: KernelBody::ScatterAdd {
                outer: 2,
                n_idx: 3,
                inner: 4,
                axis_len: 5,
            },
        });
    }
}

#[test]
fn gemm_splits_k_only_when_tiles_are_few_and_k_is_long() {
    let matmul = |m: usize, k: usize, n: usize| Kernel {
        num_inputs: 2,
        out_shape: vec![1, m, n],
        out_dtype: DType::F32,
        body: KernelBody::MatMul {
            a: View::contiguous(&[1, m, k]),
            b: View::contiguous(&[1, k, n]),
        },
    };
    let limits = RenderLimits::default();
    // One 32 x 32 tile, K = 50,176 (the MNIST filter gradient's shape): split 64 ways, and
    // the finishing pass reads 64 x 9 x 32 partials.
    let long = render(&matmul(9, 50_176, 32), &limits).unwrap();
    let f = long.finish.as_ref().expect("a long-K product with one tile is split");
    assert_eq!((long.grid[2], f.partials), (64, 64 * 9 * 32));
    check(&matmul(9, 50_176, 32));
    // Short K, or enough tiles already: one pass.
    assert!(render(&matmul(9, 300, 32), &limits).unwrap().finish.is_none());
    assert!(render(&matmul(1024, 4096, 1024), &limits).unwrap().finish.is_none());
    // Too many bindings for the finishing pass on a device that allows only 4: one pass.
    let tight = RenderLimits {
        max_storage_buffers: 3,
        ..limits
    };
    assert!(render(&matmul(9, 50_176, 32), &tight).unwrap().finish.is_none());
    // Software adapters never split.
    let software = RenderLimits {
        software: true,
        runtime_sizes: false,
        ..limits
    };
    assert!(render(&matmul(9, 50_176, 32), &software).unwrap().finish.is_none());
}

#[test]
fn software_gemms_stage_nothing_in_workgroup_memory() {
    // The direct kernel: no workgroup arrays (compile cost on SwiftShader), no barriers, and
    // loads without edge checks (indices are clamped instead); the GPU kernel keeps all three.
    let k = Kernel {
        num_inputs: 2,
        out_shape: vec![1, 33, 40],
        out_dtype: DType::F32,
        body: KernelBody::MatMul {
            a: View::contiguous(&[1, 33, 7]),
            b: View::contiguous(&[1, 7, 40]),
        },
    };
    let gpu = render(&k, &RenderLimits::default()).unwrap().source;
    let sw = render(
        &k,
        &RenderLimits {
            software: true,
            runtime_sizes: false,
            ..RenderLimits::default()
        },
    )
    .unwrap()
    .source;
    for marker in ["var<workgroup>", "workgroupBarrier", "return 0.0"] {
        assert!(gpu.contains(marker), "GPU kernel lacks {marker}");
        assert!(!sw.contains(marker), "software kernel has {marker}:\n{sw}");
    }
    assert!(
        sw.contains("min(m0 + 3u, 32u)") && sw.contains("min(n0 + 3u, 39u)"),
        "{sw}"
    );
    // An empty product renders too (every invocation returns at once).
    let empty = Kernel {
        out_shape: vec![1, 0, 40],
        body: KernelBody::MatMul {
            a: View::contiguous(&[1, 0, 7]),
            b: View::contiguous(&[1, 7, 40]),
        },
        ..k
    };
    let software = RenderLimits {
        software: true,
        runtime_sizes: false,
        ..RenderLimits::default()
    };
    let s = render(&empty, &software).unwrap_or_else(|e| panic!("{e}"));
    validate(&s.source).unwrap_or_else(|e| panic!("{e}\n{}", s.source));
}

#[test]
fn shaders_carry_only_the_prelude_functions_they_call() {
    use super::wgsl::with_prelude;
    let pow = with_prelude("fn main() { let y = ff_pow(2.0, 3.0); }\n");
    for callee in [
        "fn ff_pow(",
        "fn ff_exp(",
        "fn ff_log(",
        "fn ff_is_nan(",
        "fn ff_inf(",
        "fn ff_nan(",
        "fn ff_bits(",
    ] {
        assert!(pow.contains(callee), "{callee} missing:\n{pow}");
    }
    for unused in ["fn ff_erf(", "fn ff_sincos(", "fn ff_max(", "fn ff_mix("] {
        assert!(!pow.contains(unused), "{unused} linked in:\n{pow}");
    }
    let plain = "fn main() { }\n";
    assert_eq!(with_prelude(plain), plain);
}

/// `[b, m, k] x [b, k, n]` with a bias-add epilogue over `[b, m, n]` (bias `[n]`, input 2).
fn matmul_bias(b: usize, m: usize, k: usize, n: usize) -> Kernel {
    let bias = View::contiguous(&[1, 1, n]).expand(&[b, m, n]);
    Kernel {
        num_inputs: 3,
        out_shape: vec![b, m, n],
        out_dtype: DType::F32,
        body: KernelBody::WithEpilogue {
            template: Box::new(KernelBody::MatMul {
                a: View::contiguous(&[b, m, k]),
                b: View::contiguous(&[b, k, n]),
            }),
            epilogue: Expr {
                shape: vec![b, m, n],
                nodes: vec![
                    node(
                        ExprOp::Load {
                            src: Source::Accumulator,
                            view: View::contiguous(&[b, m, n]),
                        },
                        DType::F32,
                    ),
                    node(
                        ExprOp::Load {
                            src: Source::Input(2),
                            view: bias,
                        },
                        DType::F32,
                    ),
                    node(ExprOp::Binary(BinaryOp::Add, 0, 1), DType::F32),
                ],
            },
        },
    }
}

#[test]
fn matmuls_of_other_sizes_share_one_shader() {
    // The MLP's layers: [128, 784] x [784, 256] and [128, 256] x [256, 128], plus a batch of 2.
    let gpu = RenderLimits::default();
    let first = render(&matmul_bias(2, 128, 784, 256), &gpu).unwrap();
    let second = render(&matmul_bias(2, 128, 256, 128), &gpu).unwrap();
    assert_eq!(first.source, second.source);
    assert_ne!(first.sizes, second.sizes);
    assert_eq!(first.sizes.len() % 4, 0);
    for size in [784, 256, 255] {
        assert!(first.sizes.contains(&size), "{size} not in {:?}", first.sizes);
    }
    // The epilogue's multi-index is the GEMM's own (batch, m, n): no division per store.
    assert!(first.source.contains("let i0 = batch;") && !first.source.contains("rem_i0"));
    validate(&first.source).unwrap_or_else(|e| panic!("{e}\n{}", first.source));
    check(&matmul_bias(2, 128, 784, 256));
    // Software adapters bake them (faster steady state there; see sizes.rs).
    let software = RenderLimits {
        software: true,
        runtime_sizes: false,
        ..gpu
    };
    let baked = render(&matmul_bias(2, 128, 784, 256), &software).unwrap();
    assert!(baked.sizes.is_empty() && !baked.source.contains("ff_sizes"));
    assert_ne!(
        baked.source,
        render(&matmul_bias(2, 128, 256, 128), &software).unwrap().source
    );
    // Convolutions bake their geometry (their loads divide by it in the K loop).
    let params = ConvParams {
        stride: [1, 1],
        padding: [(1, 1), (1, 1)],
        lhs_dilation: [1, 1],
        rhs_dilation: [1, 1],
        groups: 1,
    };
    let conv = Kernel {
        num_inputs: 2,
        out_shape: vec![1, 4, 4, 8],
        out_dtype: DType::F32,
        body: KernelBody::Conv {
            params,
            x: View::contiguous(&[1, 4, 4, 3]),
            w: View::contiguous(&[3, 3, 3, 8]),
        },
    };
    let c = render(&conv, &RenderLimits::default()).unwrap_or_else(|e| panic!("{e}"));
    assert!(c.sizes.is_empty() && !c.source.contains("ff_sizes"), "{}", c.source);
}
