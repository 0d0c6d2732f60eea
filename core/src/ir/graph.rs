//! The program IR: a whole pending primitive graph as one unit, for backends that compile
//! programs rather than kernels (PJRT hands StableHLO to XLA, which does its own fusion).
//!
//! A [`Graph`] is the scheduler's pending nodes in topological order, with realized buffers
//! turned into numbered parameters. It hashes structurally (parameters are slots, not buffer
//! identities; a random node's seed is a parameter), so a training step compiles once.

use crate::dtype::DType;
use crate::ir::Prim;
use crate::shape::Shape;

/// What a graph node computes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GraphOp {
    /// The program's parameter number `n` (a realized buffer).
    Param(usize),
    /// Uniform f32 in [0, 1) of the node's shape, as [`Prim::Rand`]; the seed is the node's one
    /// input, an int32 `[2]` parameter holding the seed's low and high 32 bits.
    Rand,
    /// Any other primitive ([`Prim::Data`] and [`Prim::Rand`] never appear here), applied to the
    /// node's inputs.
    Prim(Prim),
}

/// One node: its op, the indices of its input nodes (always earlier), and its shape and dtype.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GraphNode {
    pub op: GraphOp,
    pub inputs: Vec<usize>,
    pub shape: Shape,
    pub dtype: DType,
}

/// A program: nodes in topological order, and which of them it returns (in order).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Graph {
    pub nodes: Vec<GraphNode>,
    /// Node indices of the program's results.
    pub outputs: Vec<usize>,
    /// Number of parameters; parameter `n` is the node with `GraphOp::Param(n)`.
    pub num_params: usize,
}

impl Graph {
    /// Shapes and dtypes of the parameters, in parameter order.
    pub fn params(&self) -> Vec<(&[usize], DType)> {
        let mut out = vec![(&[][..], DType::F32); self.num_params];
        for n in &self.nodes {
            if let GraphOp::Param(p) = n.op {
                out[p] = (&n.shape[..], n.dtype);
            }
        }
        out
    }
}
