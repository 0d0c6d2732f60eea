//! Loaded CUDA modules keyed by their source text: kernels that render to the same CUDA C share
//! one NVRTC compilation and one module. Counts what it built (`Device::programs_built`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use cudarc::driver::CudaFunction;
use cudarc::nvrtc::Ptx;
use ferroflow_core::Result;

use super::{call, error, Gpu};
use crate::cuda::nvrtc;
use crate::cuda::render::KERNEL_ENTRY;

#[derive(Default)]
pub(crate) struct ModuleCache {
    functions: Mutex<HashMap<String, CudaFunction>>,
    built: AtomicUsize,
}

/// Loads PTX into the context and returns its function `entry`.
pub(crate) fn load(gpu: &Gpu, ptx: String, entry: &str) -> Result<CudaFunction> {
    if ptx.contains('\0') || entry.contains('\0') {
        return Err(error("PTX or entry name contains a NUL byte"));
    }
    let module = call("loading the PTX module (cuModuleLoadData)", || {
        gpu.ctx.load_module(Ptx::from_src(ptx))
    })?;
    call("finding the kernel in its module", || module.load_function(entry))
}

impl ModuleCache {
    /// The kernel function of `source`, compiled and loaded on a miss. The lock is not held while
    /// NVRTC runs, so threads compiling different kernels do not wait on each other (two threads
    /// racing on one source both compile; the first to finish is kept and counted).
    pub(crate) fn function(&self, gpu: &Gpu, source: &str) -> Result<CudaFunction> {
        let poisoned = || error("module cache lock poisoned");
        if let Some(f) = self.functions.lock().map_err(|_| poisoned())?.get(source) {
            return Ok(f.clone());
        }
        let ptx = nvrtc::compile_ptx(source, gpu.arch)?;
        let function = load(gpu, ptx, KERNEL_ENTRY)?;
        let mut functions = self.functions.lock().map_err(|_| poisoned())?;
        if let Some(f) = functions.get(source) {
            return Ok(f.clone());
        }
        functions.insert(source.to_string(), function.clone());
        self.built.fetch_add(1, Ordering::Relaxed);
        Ok(function)
    }

    /// Modules built so far.
    pub(crate) fn built(&self) -> usize {
        self.built.load(Ordering::Relaxed)
    }
}
