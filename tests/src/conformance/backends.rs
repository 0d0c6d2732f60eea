//! The backend registry. Every backend the project plans is listed; one that is not built or not
//! available on this machine carries the reason, which runners print (a skip is never a silent
//! pass). Adding a backend to the suite is one entry here.
//!
//! Opening is async ([`open_async`], [`backends_async`]) because WebGPU's adapter and device
//! requests are; the sync functions block on the async ones (native only in practice).

use ferroflow_core::Device;

/// A backend by name: its device, or why it cannot run here.
pub struct BackendEntry {
    pub name: &'static str,
    pub device: Result<Device, String>,
}

/// Every backend name the suite knows (for argument validation).
pub const KNOWN: &[&str] = &["cpu", "wgpu", "cuda", "pjrt"];

/// The registry, in report order.
pub fn backends() -> Vec<BackendEntry> {
    pollster::block_on(backends_async())
}

/// The registry, in report order, opened without blocking (the browser suite's entry point).
pub async fn backends_async() -> Vec<BackendEntry> {
    let mut out = Vec::with_capacity(KNOWN.len());
    for &name in KNOWN {
        out.push(BackendEntry {
            name,
            device: open_async(name).await,
        });
    }
    out
}

/// One backend by name; `None` for a name the suite does not know.
pub fn backend(name: &str) -> Option<BackendEntry> {
    KNOWN.iter().find(|&&n| n == name).map(|&name| BackendEntry {
        name,
        device: open(name),
    })
}

/// Opens a backend by name (blocking on [`open_async`]).
pub fn open(name: &str) -> Result<Device, String> {
    pollster::block_on(open_async(name))
}

/// Opens a backend by name: its device, or why it cannot run here.
pub async fn open_async(name: &str) -> Result<Device, String> {
    match name {
        "cpu" => Ok(ferroflow_native::cpu()),
        "wgpu" => open_wgpu().await,
        "cuda" => open_cuda(),
        "pjrt" => ferroflow_native::pjrt().map_err(|e| e.to_string()),
        other => Err(format!("unknown backend {other:?}")),
    }
}

/// The wgpu backend: natively through wgpu's Vulkan/Metal/DX12/GL adapters, in a browser through
/// WebGPU. An `Err` (no adapter, e.g. a browser without WebGPU) reports the backend as skipped
/// with that reason; it is not a failure.
async fn open_wgpu() -> Result<Device, String> {
    #[cfg(target_arch = "wasm32")]
    let dev = ferroflow_wgpu::device_async().await;
    #[cfg(not(target_arch = "wasm32"))]
    let dev = ferroflow_wgpu::device();
    dev.map_err(|e| format!("no wgpu adapter: {e}"))
}

/// The CUDA backend (native only): an `Err` (no NVIDIA driver, no NVRTC, no supported GPU)
/// reports it as skipped with that reason.
fn open_cuda() -> Result<Device, String> {
    #[cfg(target_arch = "wasm32")]
    return Err("CUDA is not available on wasm32".into());
    #[cfg(not(target_arch = "wasm32"))]
    ferroflow_native::cuda().map_err(|e| e.to_string())
}

/// The present backends' devices (for property tests that need a live device).
pub fn present() -> Vec<(&'static str, Device)> {
    backends()
        .into_iter()
        .filter_map(|b| b.device.ok().map(|d| (b.name, d)))
        .collect()
}

/// Lines describing every backend that is skipped, and why.
pub fn skip_notes() -> Vec<String> {
    backends()
        .into_iter()
        .filter_map(|b| b.device.err().map(|r| format!("backend {}: SKIPPED: {r}", b.name)))
        .collect()
}
