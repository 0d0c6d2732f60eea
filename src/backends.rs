//! The backends, by name: the one list every front end (demos, the edge binary, benchmarks, the
//! conformance suite, the JS bindings) opens devices from.

use ferroflow_core::device::{select, Candidate};
use ferroflow_core::{Device, Error, Result};

/// Every backend, in the order `"best"` (alias `"auto"`) tries them: NVIDIA GPUs through our
/// CUDA kernels, then a PJRT plugin (XLA on whatever device the plugin drives), then wgpu
/// (Vulkan/Metal/DX12/GL, WebGPU in a page), then the CPU, which always opens.
pub const ALL: &[&str] = &["cuda", "pjrt", "wgpu", "cpu"];

/// Opens backend `name`: its device, or why it cannot run here (not built into this binary, with
/// the feature that adds it; or the backend's own reason, such as no adapter or no driver).
/// Natively only: wgpu's device request is asynchronous in a page ([`open_async`]).
pub fn open(name: &str) -> Result<Device> {
    match name {
        "wgpu" => open_wgpu(),
        other => open_other(other),
    }
}

/// [`open`] without blocking: in a page, wgpu asks the browser for a WebGPU adapter.
pub async fn open_async(name: &str) -> Result<Device> {
    match name {
        "wgpu" => open_wgpu_async().await,
        other => open_other(other),
    }
}

/// The backends built into this binary (its cargo features), in [`ALL`]'s order.
pub fn built_in() -> Vec<&'static str> {
    let built = [
        cfg!(feature = "cuda"),
        cfg!(feature = "pjrt"),
        cfg!(feature = "wgpu"),
        cfg!(feature = "cpu"),
    ];
    ALL.iter().zip(built).filter(|(_, b)| *b).map(|(n, _)| *n).collect()
}

/// The device for `name`, `"best"` or `"auto"` (the first of [`built_in`] that opens), and a
/// line saying what was chosen and why each better backend was skipped; or a message naming the
/// accepted names, or why the named backend cannot open.
pub fn device(name: &str) -> std::result::Result<(Device, String), String> {
    let names: Vec<&str> = if name == "best" || name == "auto" {
        built_in()
    } else if ALL.contains(&name) {
        vec![name]
    } else {
        return Err(format!(
            "unknown backend {name:?}; available: best, auto, {}",
            ALL.join(", ")
        ));
    };
    first_of(&names)
}

/// The first of `names` that opens, and a line saying what was chosen and why each earlier
/// name was skipped; or why none opened.
pub fn first_of(names: &[&str]) -> std::result::Result<(Device, String), String> {
    let candidates: Vec<Candidate> = names
        .iter()
        .map(|&n| -> Candidate { (n, Box::new(move || open(n))) })
        .collect();
    let selection = select(candidates).map_err(|e| e.to_string())?;
    let report = selection.report();
    Ok((selection.device, report))
}

// Unused only when every backend is built in.
#[cfg_attr(
    all(feature = "cpu", feature = "cuda", feature = "pjrt", feature = "wgpu"),
    allow(dead_code)
)]
fn not_built(name: &str, feature: &str) -> Error {
    Error::backend(
        name,
        format!("not built in (this binary was built without ferroflow's `{feature}` cargo feature)"),
    )
}

/// cpu, cuda and pjrt: synchronous everywhere.
fn open_other(name: &str) -> Result<Device> {
    match name {
        #[cfg(feature = "cpu")]
        "cpu" => Ok(ferroflow_native::cpu()),
        #[cfg(not(feature = "cpu"))]
        "cpu" => Err(not_built("cpu", "cpu")),
        #[cfg(feature = "cuda")]
        "cuda" => ferroflow_native::cuda(),
        #[cfg(not(feature = "cuda"))]
        "cuda" => Err(not_built("cuda", "cuda")),
        #[cfg(feature = "pjrt")]
        "pjrt" => ferroflow_native::pjrt(),
        #[cfg(not(feature = "pjrt"))]
        "pjrt" => Err(not_built("pjrt", "pjrt")),
        other => Err(Error::backend(
            "device",
            format!("unknown backend {other:?}; available: {}", ALL.join(", ")),
        )),
    }
}

fn open_wgpu() -> Result<Device> {
    #[cfg(all(feature = "wgpu", not(target_arch = "wasm32")))]
    return ferroflow_wgpu::device();
    #[cfg(all(feature = "wgpu", target_arch = "wasm32"))]
    return Err(Error::backend(
        "wgpu",
        "WebGPU opens asynchronously in a page: use open_async",
    ));
    #[cfg(not(feature = "wgpu"))]
    Err(not_built("wgpu", "wgpu"))
}

async fn open_wgpu_async() -> Result<Device> {
    #[cfg(all(feature = "wgpu", target_arch = "wasm32"))]
    return ferroflow_wgpu::device_async().await;
    #[cfg(not(all(feature = "wgpu", target_arch = "wasm32")))]
    open_wgpu()
}
