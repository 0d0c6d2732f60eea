//! Ferroflow for Rust users: core (tensors, ops, autograd, layers, optimizers, model files)
//! re-exported, and the one list of backends this build has, with [`device`] picking among them.
//!
//! Each backend is a cargo feature: `cpu` (with `threads` for rayon), `wgpu` (Vulkan, Metal,
//! DX12 and GL natively, WebGPU in a page), `cuda` (NVIDIA GPUs through our CUDA C kernels) and
//! `pjrt` (XLA through a PJRT plugin); the default is `cpu`, `threads` and `wgpu`. A backend
//! that is not built in is still known by name, and opening it says which feature adds it.
//!
//! ```
//! use ferroflow::{HostData, Tensor};
//! let (dev, report) = ferroflow::device("best").expect("the CPU always opens");
//! println!("{report}"); // e.g. "using wgpu (...); cuda unavailable: ..."
//! let x = Tensor::from_host_on(HostData::F32(vec![1.0, 2.0, 3.0]), &[3], &dev).unwrap();
//! assert_eq!(x.sum(&[0], false).unwrap().to_vec_f32().unwrap(), vec![6.0]);
//! ```

pub mod backends;

pub use backends::{device, open, open_async};
pub use ferroflow_core::*;

/// The CPU, PJRT and CUDA backends' own API (the PJRT FFI, CUDA kernels' sources).
#[cfg(feature = "cpu")]
pub use ferroflow_native as native;
/// The wgpu backend's own API (WGSL rendering, adapter choice).
#[cfg(feature = "wgpu")]
pub use ferroflow_wgpu as wgpu;
