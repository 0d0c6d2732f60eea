//! The intermediate representations: the primitive set user ops are built from, strided views,
//! the kernel IR that kernel backends lower, and the program IR (whole graphs) for backends that
//! compile programs; `plan` is what every kernel renderer computes from a kernel before it writes
//! source, `clike` the code every C-like renderer (WGSL, CUDA C) writes from it, and `approx` the
//! polynomials every backend computes exp, ln and tanh with.

pub mod approx;
pub mod clike;
pub mod graph;
pub mod kernel;
pub mod plan;
pub mod primitive;
pub mod view;

pub use graph::{Graph, GraphNode, GraphOp};
pub use kernel::{Expr, ExprNode, ExprOp, Kernel, KernelBody, Source};
pub use plan::{KernelPlan, Rejection};
pub use primitive::{BinaryOp, ConvParams, Prim, ReduceOp, UnaryOp};
pub use view::View;
