//! The CUDA backend's compile path: [`render`] turns core kernels into CUDA C (the same
//! templates and semantics as the WGSL renderer of `ferroflow-wgpu`), and [`nvrtc`] compiles that
//! to PTX at run time through cudarc's dynamically loaded NVRTC (no CUDA toolkit at build time;
//! a missing library is a typed error, never a panic).

pub mod nvrtc;
pub mod render;
pub mod runtime;

pub use runtime::{CudaBackend, CudaBuffer};
