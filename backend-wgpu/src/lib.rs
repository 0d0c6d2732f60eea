//! Ferroflow's GPU backend: core kernels rendered to WGSL ([`render`]) and run through wgpu, on
//! Vulkan/Metal/DX12/GL natively and on the browser's WebGPU when compiled to wasm32.
//!
//! ```no_run
//! # fn main() -> ferroflow_core::Result<()> {
//! let dev = ferroflow_wgpu::device()?; // Err (with the reason) when no adapter exists
//! println!("{}", dev.description());
//! # Ok(())
//! # }
//! ```
//!
//! Readback: natively [`ferroflow_core::Tensor::to_host`] blocks on the GPU; in a browser only
//! the async [`ferroflow_core::Tensor::to_host_async`] works (the sync one returns an error).

mod buffer;
mod context;
mod kernel;
mod pipelines;
mod pool;
mod readback;
pub mod render;

use std::sync::Arc;

use ferroflow_core::ir::Kernel;
use ferroflow_core::{Backend, Buffer, Device, DownloadFuture, Executable, HostData, MemoryInfo, Result};

pub use buffer::GpuBuffer;
pub use context::Tuning;

use context::Gpu;
use ferroflow_core::MemoryCounter;
use pipelines::PipelineCache;

/// The wgpu backend. Cheap to clone.
#[derive(Clone)]
pub struct WgpuBackend {
    gpu: Arc<Gpu>,
    mem: Arc<MemoryCounter>,
    pipelines: Arc<PipelineCache>,
}

impl std::fmt::Debug for WgpuBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WgpuBackend({})", self.gpu.describe())
    }
}

impl WgpuBackend {
    /// Opens the preferred adapter. Fails with the reason when there is none.
    pub async fn new_async() -> Result<WgpuBackend> {
        Self::with_tuning_async(Tuning::Auto).await
    }

    /// Opens the preferred adapter, rendering the kernel variants `tuning` asks for.
    pub async fn with_tuning_async(tuning: Tuning) -> Result<WgpuBackend> {
        Ok(WgpuBackend {
            gpu: Arc::new(Gpu::request(tuning).await?),
            mem: Arc::default(),
            pipelines: Arc::default(),
        })
    }

    /// Blocking [`WgpuBackend::new_async`] (native only).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn new() -> Result<WgpuBackend> {
        pollster::block_on(Self::new_async())
    }

    /// Blocking [`WgpuBackend::with_tuning_async`] (native only).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn with_tuning(tuning: Tuning) -> Result<WgpuBackend> {
        pollster::block_on(Self::with_tuning_async(tuning))
    }

    /// Empties the buffer pool (buffers of live tensors are unaffected).
    pub fn release_cached_memory(&self) {
        self.gpu.pool.clear();
    }

    /// Bytes held by freed buffers waiting for reuse.
    pub fn pooled_bytes(&self) -> u64 {
        self.gpu.pool.pooled_bytes()
    }
}

/// A [`Device`] on the preferred GPU adapter (native; blocks while the adapter opens).
#[cfg(not(target_arch = "wasm32"))]
pub fn device() -> Result<Device> {
    Ok(Device::new(WgpuBackend::new()?))
}

/// A [`Device`] on the preferred GPU adapter, without blocking (the only way in a browser).
pub async fn device_async() -> Result<Device> {
    Ok(Device::new(WgpuBackend::new_async().await?))
}

impl Backend for WgpuBackend {
    fn name(&self) -> &str {
        "wgpu"
    }
    fn description(&self) -> String {
        self.gpu.describe()
    }
    fn upload(&self, data: &HostData) -> Result<Buffer> {
        readback::upload(&self.gpu, &self.mem, data)
    }
    fn download(&self, buf: &Buffer) -> Result<HostData> {
        readback::download(&self.gpu, buf)
    }
    fn download_async<'a>(&'a self, buf: &'a Buffer) -> DownloadFuture<'a> {
        Box::pin(readback::download_async(&self.gpu, buf))
    }
    fn reads_synchronously(&self) -> bool {
        !cfg!(target_arch = "wasm32")
    }
    fn compile(&self, kernel: &Kernel) -> Result<Arc<dyn Executable>> {
        Ok(Arc::new(kernel::GpuKernel::compile(
            &self.gpu,
            &self.mem,
            &self.pipelines,
            kernel,
        )?))
    }
    fn memory(&self) -> MemoryInfo {
        self.mem.info()
    }
    fn synchronize(&self) -> Result<()> {
        self.gpu.wait()
    }
    fn programs_built(&self) -> usize {
        self.pipelines.built()
    }
}
