//! Ferroflow core: lazy tensors over a small primitive IR, autograd defined on primitives, the op
//! library written once as compositions of primitives, nn layers, optimizers and model IO.
//!
//! See `ARCHITECTURE.md` at the repository root for how the pieces fit.

pub mod device;
pub mod dtype;
pub mod error;
pub mod ir;
pub mod shape;

pub use device::{
    Backend, BackendBuffer, Buffer, Device, DeviceStats, DownloadFuture, Executable, GraphExecutable, MemoryCounter,
    MemoryInfo,
};
pub use dtype::{DType, HostData, Scalar};
pub use error::{Error, Result};
pub use shape::Shape;
pub mod schedule;
pub mod tensor;
pub use tensor::{default_device, set_default_device, Tensor};
pub mod autograd;
pub mod io;
pub mod nn;
pub mod ops;
pub mod optim;
pub mod rng;
pub mod tfjs;
pub mod variable;
pub use variable::Variable;
