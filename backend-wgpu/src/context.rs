//! The device context: adapter, device and queue, the limits kernels must respect, errors that
//! wgpu reports out of band, and the command batch that kernels are recorded into.
//!
//! Kernels are recorded into one pending command encoder and submitted in batches (every
//! [`MAX_BATCH`] dispatches, before an upload, and before a readback), which keeps per-kernel CPU
//! cost low. Uploads flush first: `Queue::write_buffer` runs at the start of the next submission,
//! so a recycled buffer must not still be read by commands recorded before it.

use std::sync::{Arc, Mutex};

use ferroflow_core::{Error, Result};

use crate::pool::BufferPool;
use crate::render::RenderLimits;

/// Dispatches recorded before a submission is forced.
const MAX_BATCH: usize = 64;

/// Errors wgpu reports through callbacks; surfaced on the next call as typed errors.
#[derive(Default)]
struct Faults {
    lost: Option<String>,
    error: Option<Error>,
}

#[derive(Default)]
struct Pending {
    encoder: Option<wgpu::CommandEncoder>,
    dispatches: usize,
}

pub(crate) struct Gpu {
    pub(crate) device: wgpu::Device,
    pub(crate) queue: wgpu::Queue,
    pub(crate) info: wgpu::AdapterInfo,
    pub(crate) limits: wgpu::Limits,
    pub(crate) render: RenderLimits,
    pub(crate) pool: BufferPool,
    faults: Arc<Mutex<Faults>>,
    pending: Mutex<Pending>,
}

/// Which kernel variants to render for the adapter (see [`RenderLimits::software`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tuning {
    /// Software variants on CPU adapters (SwiftShader, lavapipe, WARP), GPU ones elsewhere.
    #[default]
    Auto,
    /// GPU variants whatever the adapter (tests run them on lavapipe this way).
    Gpu,
    /// Software variants whatever the adapter.
    Software,
}

impl Tuning {
    /// `Auto` natively defers to `FERROFLOW_WGPU_TUNING=gpu|software` when set (benchmarks
    /// compare the variants on one adapter this way).
    fn or_from_env(self) -> Tuning {
        #[cfg(not(target_arch = "wasm32"))]
        if self == Tuning::Auto {
            match std::env::var("FERROFLOW_WGPU_TUNING").as_deref() {
                Ok("gpu") => return Tuning::Gpu,
                Ok("software") => return Tuning::Software,
                _ => {}
            }
        }
        self
    }
}

pub(crate) fn backend_error(msg: impl Into<String>) -> Error {
    Error::backend("wgpu", msg)
}

impl Gpu {
    /// Opens the first adapter wgpu offers (high-performance preference) with its full limits.
    pub(crate) async fn request(tuning: Tuning) -> Result<Gpu> {
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
        if desc.backends.is_empty() {
            desc.backends = wgpu::Backends::all();
        }
        let instance = wgpu::Instance::new(desc);
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                force_fallback_adapter: false,
                compatible_surface: None,
                apply_limit_buckets: false,
            })
            .await
            .map_err(|e| backend_error(no_adapter(&e)))?;
        let info = adapter.get_info();
        let limits = adapter.limits();
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("ferroflow"),
                required_features: wgpu::Features::empty(),
                required_limits: limits.clone(),
                experimental_features: wgpu::ExperimentalFeatures::disabled(),
                memory_hints: wgpu::MemoryHints::Performance,
                trace: wgpu::Trace::Off,
            })
            .await
            .map_err(|e| backend_error(format!("adapter {:?} refused a device: {e}", info.name)))?;
        let faults = Arc::new(Mutex::new(Faults::default()));
        let f = faults.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            if let Ok(mut f) = f.lock() {
                f.error.get_or_insert(match e {
                    wgpu::Error::OutOfMemory { .. } => Error::OutOfMemory {
                        backend: "wgpu".into(),
                        msg: e.to_string(),
                    },
                    other => backend_error(other.to_string()),
                });
            }
        }));
        let f = faults.clone();
        device.set_device_lost_callback(move |reason, msg| {
            if let Ok(mut f) = f.lock() {
                f.lost = Some(format!("{reason:?}: {msg}"));
            }
        });
        let software = match tuning.or_from_env() {
            Tuning::Auto => info.device_type == wgpu::DeviceType::Cpu,
            Tuning::Gpu => false,
            Tuning::Software => true,
        };
        let render = RenderLimits {
            // 64 on software adapters: a reduction's tree lives in workgroup memory, which
            // SwiftShader zero-fills with one store per element (256 cost ~100 ms of compile).
            workgroup_size: largest_pow2_at_most(
                limits
                    .max_compute_invocations_per_workgroup
                    .min(limits.max_compute_workgroup_size_x)
                    .min(if software { 64 } else { 256 }),
            ),
            max_workgroups_per_dim: limits.max_compute_workgroups_per_dimension,
            max_storage_buffers: limits.max_storage_buffers_per_shader_stage,
            gemm_side: gemm_side(&limits),
            software,
            runtime_sizes: !software && !baked_sizes_asked(),
        };
        Ok(Gpu {
            device,
            queue,
            info,
            limits,
            render,
            pool: BufferPool::default(),
            faults,
            pending: Mutex::new(Pending::default()),
        })
    }

    /// Fails with the first out-of-band error since the last call, or if the device is lost.
    pub(crate) fn check(&self) -> Result<()> {
        let mut f = self.faults.lock().map_err(|_| backend_error("fault lock poisoned"))?;
        if let Some(why) = &f.lost {
            return Err(Error::DeviceLost {
                backend: "wgpu".into(),
                msg: why.clone(),
            });
        }
        match f.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Records commands into the pending batch.
    pub(crate) fn record(&self, f: impl FnOnce(&mut wgpu::CommandEncoder)) -> Result<()> {
        let mut p = self
            .pending
            .lock()
            .map_err(|_| backend_error("command lock poisoned"))?;
        let enc = p.encoder.get_or_insert_with(|| {
            self.device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("ferroflow"),
            })
        });
        f(enc);
        p.dispatches += 1;
        if p.dispatches >= MAX_BATCH {
            self.submit_locked(&mut p);
        }
        Ok(())
    }

    /// Submits whatever is recorded.
    pub(crate) fn flush(&self) -> Result<()> {
        let mut p = self
            .pending
            .lock()
            .map_err(|_| backend_error("command lock poisoned"))?;
        self.submit_locked(&mut p);
        Ok(())
    }

    /// Submits and waits for the GPU to finish (natively; in a browser only submits).
    pub(crate) fn wait(&self) -> Result<()> {
        self.flush()?;
        #[cfg(not(target_arch = "wasm32"))]
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| backend_error(format!("waiting for the GPU failed: {e}")))?;
        self.check()
    }

    fn submit_locked(&self, p: &mut Pending) {
        if let Some(enc) = p.encoder.take() {
            self.queue.submit([enc.finish()]);
        }
        p.dispatches = 0;
    }

    /// Largest storage buffer a kernel can bind, in bytes.
    pub(crate) fn max_binding(&self) -> u64 {
        self.limits
            .max_storage_buffer_binding_size
            .min(self.limits.max_buffer_size)
    }

    pub(crate) fn describe(&self) -> String {
        let kernels = if self.render.software { ", software kernels" } else { "" };
        format!("{}{kernels}", self.describe_adapter())
    }

    fn describe_adapter(&self) -> String {
        let i = &self.info;
        if i.name.is_empty() {
            // Browsers hide adapter names unless the page asks for them.
            return format!(
                "wgpu {:?} adapter (name not exposed by the browser; type {:?}), {} invocations per workgroup, {} MiB per storage binding",
                i.backend,
                i.device_type,
                self.limits.max_compute_invocations_per_workgroup,
                self.max_binding() >> 20
            );
        }
        format!(
            "wgpu {:?} adapter {:?} ({:?}, driver {:?} {:?})",
            i.backend, i.name, i.device_type, i.driver, i.driver_info
        )
    }
}

/// GEMM workgroups of 8 x 8 invocations everywhere: on an H200 (Vulkan) 16 x 16 was slower
/// (2048^3 matmul 47.9 against 39.1 ms, MNIST CNN step 15.4 against 13.3 ms), and on lavapipe
/// much slower (see `render/gemm.rs`). `FERROFLOW_WGPU_GEMM_SIDE=16` selects 16 x 16 natively,
/// for benchmarking new GEMM variants on other GPUs.
#[cfg_attr(target_arch = "wasm32", allow(unused_variables))]
fn gemm_side(limits: &wgpu::Limits) -> u32 {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let fits16 = limits.max_compute_invocations_per_workgroup >= 256 && limits.max_compute_workgroup_size_x >= 16;
        if fits16 && std::env::var("FERROFLOW_WGPU_GEMM_SIDE").as_deref() == Ok("16") {
            return 16;
        }
    }
    8
}

/// `FERROFLOW_WGPU_SIZES=baked` natively: every kernel bakes its sizes, as on software adapters
/// (for measuring what run-time matmul sizes cost a GPU; see `render/sizes.rs`).
fn baked_sizes_asked() -> bool {
    !cfg!(target_arch = "wasm32") && std::env::var("FERROFLOW_WGPU_SIZES").as_deref() == Ok("baked")
}

/// Why no adapter opened. In a browser, wgpu's own message lists the native backends it was not
/// built with, which says nothing to a web developer: name what happened instead.
fn no_adapter(e: &wgpu::RequestAdapterError) -> String {
    if cfg!(target_arch = "wasm32") {
        format!(
            "navigator.gpu.requestAdapter() returned no adapter: WebGPU is disabled in this browser, \
             blocked for this GPU or driver, or behind a flag (wgpu: {e})"
        )
    } else {
        format!("no GPU adapter available: {e}")
    }
}

fn largest_pow2_at_most(n: u32) -> u32 {
    if n == 0 {
        1
    } else {
        1 << (31 - n.leading_zeros())
    }
}
