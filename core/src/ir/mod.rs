//! The intermediate representations: the primitive set user ops are built from, strided views,
//! and the kernel IR that backends lower.

pub mod kernel;
pub mod primitive;
pub mod view;

pub use kernel::{Expr, ExprNode, ExprOp, Kernel, KernelBody, Source};
pub use primitive::{BinaryOp, ConvParams, Prim, ReduceOp, UnaryOp};
pub use view::View;
