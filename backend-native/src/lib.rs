//! Ferroflow's native backends, one folder each: the CPU (`cpu/`: interpreted elementwise and
//! reduction kernels over register blocks, the `gemm` crate for matmul and convolution, rayon
//! threads natively, single-threaded on wasm32), CUDA (`cuda/`, feature `cuda`: kernels rendered
//! to CUDA C and compiled at run time by NVRTC) and PJRT (`pjrt/`, feature `pjrt`: whole graphs
//! as StableHLO programs compiled by an XLA plugin loaded at run time).
//!
//! ```
//! use ferroflow_core::ir::{Expr, ExprNode, ExprOp, Kernel, KernelBody, Source, View, BinaryOp};
//! use ferroflow_core::{DType, HostData};
//!
//! # fn main() -> ferroflow_core::Result<()> {
//! let dev = ferroflow_native::cpu();
//! let a = dev.upload(&HostData::F32(vec![1.0, 2.0, 3.0]))?;
//! let load = |i| ExprNode { op: ExprOp::Load { src: Source::Input(i), view: View::contiguous(&[3]) }, dtype: DType::F32 };
//! let expr = Expr {
//!     shape: vec![3],
//!     nodes: vec![load(0), load(0), ExprNode { op: ExprOp::Binary(BinaryOp::Mul, 0, 1), dtype: DType::F32 }],
//! };
//! let k = Kernel { num_inputs: 1, out_shape: vec![3], out_dtype: DType::F32, body: KernelBody::Elementwise(expr) };
//! let out = dev.execute(&k, &[&a])?;
//! assert_eq!(dev.download(&out)?, HostData::F32(vec![1.0, 4.0, 9.0]));
//! # Ok(())
//! # }
//! ```

pub mod cpu;
#[cfg(feature = "cuda")]
pub mod cuda;
#[cfg(feature = "pjrt")]
pub mod pjrt;

use ferroflow_core::Device;
#[cfg(any(feature = "cuda", feature = "pjrt"))]
use ferroflow_core::Result;

pub use cpu::{release_cached_memory, semantics, CpuBackend, CpuBuffer};

/// A [`Device`] on the CPU backend with rayon's global pool.
pub fn cpu() -> Device {
    Device::new(CpuBackend::new())
}

/// A [`Device`] on the PJRT plugin named by `FERROFLOW_PJRT_PLUGIN` (XLA: CPU here, GPU/TPU with
/// their plugins); an error saying why when the variable is unset or the plugin does not load.
#[cfg(feature = "pjrt")]
pub fn pjrt() -> Result<Device> {
    pjrt::backend::device()
}

/// A [`Device`] on the PJRT plugin at `path` (a shared library exporting `GetPjrtApi`).
#[cfg(feature = "pjrt")]
pub fn pjrt_from(path: &std::path::Path) -> Result<Device> {
    pjrt::backend::device_from(path)
}

/// A [`Device`] on CUDA GPU 0 (kernels rendered to CUDA C, compiled at run time by NVRTC); an
/// error saying why when there is no NVIDIA driver, no NVRTC or no supported GPU. Never panics.
#[cfg(feature = "cuda")]
pub fn cuda() -> Result<Device> {
    cuda::runtime::device()
}
