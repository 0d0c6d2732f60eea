//! The intermediate representations: the primitive set user ops are built from, strided views,
//! the kernel IR that kernel backends lower, and the program IR (whole graphs) for backends that
//! compile programs.

pub mod graph;
pub mod kernel;
pub mod primitive;
pub mod view;

pub use graph::{Graph, GraphNode, GraphOp};
pub use kernel::{Expr, ExprNode, ExprOp, Kernel, KernelBody, Source};
pub use primitive::{BinaryOp, ConvParams, Prim, ReduceOp, UnaryOp};
pub use view::View;
