//! Picks a device by name. New backends plug in here.

use ferroflow_core::device::{select, Candidate};
use ferroflow_core::Device;

/// Names accepted by [`device`]: "auto" tries the GPU first and falls back to the CPU.
pub const KNOWN: &[&str] = &["auto", "wgpu", "cpu"];

/// The device for `name` and a line saying what was chosen and why; or a message saying which
/// names exist or why the named backend cannot open.
pub fn device(name: &str) -> Result<(Device, String), String> {
    let gpu = || ferroflow_wgpu::device();
    let cpu = || Ok(ferroflow_native::cpu());
    let candidates: Vec<Candidate> = match name {
        "auto" => vec![("wgpu", Box::new(gpu)), ("cpu", Box::new(cpu))],
        "wgpu" => vec![("wgpu", Box::new(gpu))],
        "cpu" => vec![("cpu", Box::new(cpu))],
        other => return Err(format!("unknown backend {other:?}; available: {}", KNOWN.join(", "))),
    };
    let s = select(candidates).map_err(|e| e.to_string())?;
    Ok((s.device.clone(), s.report()))
}
