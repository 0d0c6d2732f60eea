//! The backend registry. Every backend the project plans is listed; one that is not built or not
//! available on this machine carries the reason, which runners print (a skip is never a silent
//! pass). Adding a backend to the suite is one entry here.

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
    KNOWN
        .iter()
        .map(|&name| BackendEntry {
            name,
            device: open(name),
        })
        .collect()
}

/// One backend by name; `None` for a name the suite does not know.
pub fn backend(name: &str) -> Option<BackendEntry> {
    KNOWN.iter().find(|&&n| n == name).map(|&name| BackendEntry {
        name,
        device: open(name),
    })
}

fn open(name: &str) -> Result<Device, String> {
    match name {
        "cpu" => Ok(ferroflow_native::cpu()),
        "wgpu" => Err("ferroflow-wgpu is not part of this workspace yet (backend-wgpu/ not built)".into()),
        "cuda" => Err("ferroflow-native feature \"cuda\" is not implemented yet".into()),
        "pjrt" => Err("ferroflow-native feature \"pjrt\" is not implemented yet".into()),
        other => Err(format!("unknown backend {other:?}")),
    }
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
