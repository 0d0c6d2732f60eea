//! The suite's registry of the facade's backends (`ferroflow::backends::ALL`), in report order.
//! One that is not built or not available on this machine carries the reason, which runners
//! print (a skip is never a silent pass).
//!
//! Opening is async ([`open_async`], [`backends_async`]) because WebGPU's adapter and device
//! requests are; the sync functions block on the async ones (native only in practice).

use ferroflow::Device;

/// A backend by name: its device, or why it cannot run here.
pub struct BackendEntry {
    pub name: &'static str,
    pub device: Result<Device, String>,
}

/// Every backend, in report order: the CPU reference first (for argument validation; the
/// `registry_lists_every_backend` test keeps it equal to the facade's list).
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

/// Opens a backend by name through the facade: its device, or why it cannot run here (no
/// adapter, no NVIDIA driver, no PJRT plugin, not built for this target). Such an `Err` reports
/// the backend as skipped with that reason; it is not a failure.
pub async fn open_async(name: &str) -> Result<Device, String> {
    ferroflow::open_async(name).await.map_err(|e| e.to_string())
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

#[cfg(test)]
mod tests {
    #[test]
    fn registry_lists_every_backend() {
        let mut ours = super::KNOWN.to_vec();
        let mut facade = ferroflow::backends::ALL.to_vec();
        ours.sort_unstable();
        facade.sort_unstable();
        assert_eq!(ours, facade);
    }
}
