//! The user-facing op library, written once as compositions of primitives (`prim`). Ops are
//! methods on [`Tensor`](crate::Tensor) (arithmetic, math, reductions, movement, activations) or
//! free functions (creation, losses, concat/stack).

pub mod activation;
pub mod api;
pub mod conv;
pub mod creation;
pub mod elementwise;
pub mod linalg;
pub mod losses;
pub mod movement;
pub mod prim;
pub mod reduce;
pub mod scan;
pub mod table;
pub mod trig;

pub use activation::stop_gradient;
pub use conv::{Conv2dOptions, Padding};
pub use elementwise::{add_n, where_};
pub use movement::{concat, stack};
