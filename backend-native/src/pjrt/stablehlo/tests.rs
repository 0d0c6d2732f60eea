//! Rendering checks that need no plugin; what XLA computes from the text is checked by the
//! conformance suite on the `pjrt` backend.

use ferroflow_core::ir::{BinaryOp, Graph, GraphNode, GraphOp, Prim, ReduceOp};
use ferroflow_core::{DType, Scalar};

use super::{literal, render};

fn node(op: GraphOp, inputs: Vec<usize>, shape: &[usize], dtype: DType) -> GraphNode {
    GraphNode {
        op,
        inputs,
        shape: shape.to_vec(),
        dtype,
    }
}

#[test]
fn signature_lists_parameters_and_results_in_order() {
    let g = Graph {
        nodes: vec![
            node(GraphOp::Param(0), vec![], &[2, 3], DType::F32),
            node(GraphOp::Param(1), vec![], &[2, 3], DType::F32),
            node(
                GraphOp::Prim(Prim::Binary(BinaryOp::Add)),
                vec![0, 1],
                &[2, 3],
                DType::F32,
            ),
            node(
                GraphOp::Prim(Prim::Binary(BinaryOp::Lt)),
                vec![0, 1],
                &[2, 3],
                DType::Bool,
            ),
            node(
                GraphOp::Prim(Prim::Reduce {
                    op: ReduceOp::Sum,
                    axes: vec![1],
                }),
                vec![2],
                &[2, 1],
                DType::F32,
            ),
        ],
        outputs: vec![4, 3],
        num_params: 2,
    };
    let text = render(&g).unwrap();
    assert!(
        text.contains("@main(%arg0: tensor<6xf32>, %arg1: tensor<6xf32>) -> (tensor<2xf32>, tensor<6xi1>)"),
        "{text}"
    );
    assert!(text.contains("\"stablehlo.reduce\""), "{text}");
    assert_eq!(text.matches('{').count(), text.matches('}').count(), "{text}");
}

#[test]
fn float_literals_keep_their_bits() {
    assert_eq!(literal(Scalar::F32(1.0)), "0x3F800000");
    assert_eq!(literal(Scalar::F32(-0.0)), "0x80000000");
    assert_eq!(literal(Scalar::F32(f32::NEG_INFINITY)), "0xFF800000");
    assert_eq!(literal(Scalar::I32(-7)), "-7");
    assert_eq!(literal(Scalar::Bool(true)), "true");
}

#[test]
fn a_node_reading_a_later_node_is_an_error() {
    let g = Graph {
        nodes: vec![node(
            GraphOp::Prim(Prim::Unary(ferroflow_core::ir::UnaryOp::Neg)),
            vec![1],
            &[1],
            DType::F32,
        )],
        outputs: vec![0],
        num_params: 0,
    };
    assert!(render(&g).is_err());
}
