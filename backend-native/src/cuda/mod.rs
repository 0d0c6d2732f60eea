//! The CUDA backend's compile path: [`render`] turns core kernels into CUDA C (the same
//! templates and semantics as the WGSL renderer of `ferroflow-wgpu`), and [`nvrtc`] compiles that
//! to PTX at run time through cudarc's dynamically loaded NVRTC (no CUDA toolkit at build time;
//! a missing library is a typed error, never a panic).

pub mod nvrtc;
pub mod render;
pub mod runtime;

pub use runtime::{CudaBackend, CudaBuffer};

use std::panic::{catch_unwind, AssertUnwindSafe};

use ferroflow_core::{Error, Result};

/// Runs `f` (cudarc calls, which panic when a library or symbol is missing) with a panic turned
/// into a typed error whose message is `describe(panic message)`.
pub(crate) fn catch_panic<T>(f: impl FnOnce() -> T, describe: impl FnOnce(&str) -> String) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Error::backend("cuda", describe(&msg))
    })
}
