//! Planning decisions both renderers rely on, and malformed or absurd kernels rejected without
//! a panic (core keeps overflow checks on in release).

use super::*;
use crate::dtype::{DType, Scalar};
use crate::ir::{BinaryOp, ConvParams, Expr, ExprNode, ExprOp, ReduceOp, Source, View};

fn load(shape: &[usize], dtype: DType) -> ExprNode {
    ExprNode {
        op: ExprOp::Load {
            src: Source::Input(0),
            view: View::contiguous(shape),
        },
        dtype,
    }
}

fn reduce(shape: &[usize], axes: &[usize]) -> Kernel {
    let mut out = shape.to_vec();
    for &a in axes {
        out[a] = 1;
    }
    Kernel {
        num_inputs: 1,
        out_shape: out,
        out_dtype: DType::F32,
        body: KernelBody::Reduce {
            op: ReduceOp::Sum,
            axes: axes.to_vec(),
            expr: Expr {
                shape: shape.to_vec(),
                nodes: vec![load(shape, DType::F32)],
            },
        },
    }
}

#[test]
fn flat_index_digits_innermost_first() {
    use Digit::*;
    assert_eq!(flat_digits(&[2, 1, 3]), [(2, DivMod(3)), (1, Zero), (0, Rest)]);
    assert_eq!(flat_digits(&[1, 5]), [(1, Rest), (0, Zero)]);
    assert_eq!(flat_digits(&[0, 3]), [(0, Zero), (1, Zero)]);
}

#[test]
fn view_index_terms_and_validity() {
    let padded = View::contiguous(&[2, 3]).pad(&[(1, 0), (0, 2)]);
    let index = ViewIndex::of(&padded).unwrap();
    assert_eq!(index.terms, [(0, 3), (1, 1)]);
    let bounds = [Bound::AtLeast { dim: 0, lo: 1 }, Bound::Below { dim: 1, hi: 3 }];
    assert_eq!(index.validity, Validity::Within(bounds.to_vec()));
    let empty = View {
        mask: Some(vec![(0, 2), (2, 2)]),
        ..View::contiguous(&[2, 3])
    };
    assert_eq!(ViewIndex::of(&empty).unwrap().validity, Validity::Never);
    let broken = View {
        strides: vec![1],
        ..View::contiguous(&[2, 3])
    };
    assert!(ViewIndex::of(&broken).is_err());
}

#[test]
fn long_reductions_with_few_outputs_take_the_tree() {
    let strategy = |shape: &[usize], axes: &[usize]| match plan(&reduce(shape, axes)) {
        Ok(KernelPlan::Reduce(p)) => p.strategy,
        other => panic!("{other:?}"),
    };
    assert_eq!(strategy(&[7, 300], &[1]), ReduceStrategy::Tree);
    assert_eq!(strategy(&[7, 255], &[1]), ReduceStrategy::Loop);
    assert_eq!(strategy(&[20_000, 300], &[1]), ReduceStrategy::Loop);
    let kernel = reduce(&[4, 5, 6], &[0, 2]);
    let Ok(KernelPlan::Reduce(p)) = plan(&kernel) else {
        panic!("reduce did not plan");
    };
    assert_eq!((p.kept, p.kept_shape, p.reduced_shape), (vec![1], vec![5], vec![4, 6]));
    assert_eq!((p.outputs, p.reduced_len, p.compensated), (5, 24, true));
}

#[test]
fn malformed_and_absurd_kernels_are_rejections() {
    let huge = usize::MAX / 2;
    let mixed = Kernel {
        num_inputs: 1,
        out_shape: vec![3],
        out_dtype: DType::F32,
        body: KernelBody::Elementwise(Expr {
            shape: vec![3],
            nodes: vec![
                load(&[3], DType::F32),
                ExprNode {
                    op: ExprOp::Const(Scalar::I32(1)),
                    dtype: DType::I32,
                },
                ExprNode {
                    op: ExprOp::Binary(BinaryOp::Add, 0, 1),
                    dtype: DType::F32,
                },
            ],
        }),
    };
    let conv = |stride: usize, x_shape: [usize; 4]| Kernel {
        num_inputs: 2,
        out_shape: vec![1, 1, 1, 1],
        out_dtype: DType::F32,
        body: KernelBody::Conv {
            params: ConvParams {
                stride: [stride, 1],
                padding: [(0, 0), (0, 0)],
                lhs_dilation: [1, 1],
                rhs_dilation: [1, 1],
                groups: 1,
            },
            x: View::contiguous(&x_shape),
            w: View::contiguous(&[1, 1, 1, 1]),
        },
    };
    let gather = Kernel {
        num_inputs: 2,
        out_shape: vec![4],
        out_dtype: DType::F32,
        body: KernelBody::Gather {
            outer: huge,
            axis_len: 1,
            n_idx: huge,
            inner: 4,
        },
    };
    for k in [mixed, conv(huge, [1, 1, 1, 1]), conv(1, [huge, huge, 1, 1]), gather] {
        assert!(plan(&k).is_err(), "{k:?} planned");
    }
}
