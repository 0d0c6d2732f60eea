//! Picks a device by name. New backends plug in here.

use ferroflow_core::device::{select_named, Candidate};
use ferroflow_core::Device;

/// The device for `name` ("best"/"auto": the first of cuda, pjrt, wgpu, cpu that opens, as
/// `core::device::BEST_ORDER` ranks them) and a line saying what was chosen and why better
/// ones were skipped; or a message saying which names exist or why the named backend cannot open.
pub fn device(name: &str) -> Result<(Device, String), String> {
    let cuda = ferroflow_native::cuda;
    let pjrt = ferroflow_native::pjrt;
    let gpu = ferroflow_wgpu::device;
    let cpu = || Ok(ferroflow_native::cpu());
    let candidates: Vec<Candidate> = vec![
        ("cuda", Box::new(cuda)),
        ("pjrt", Box::new(pjrt)),
        ("wgpu", Box::new(gpu)),
        ("cpu", Box::new(cpu)),
    ];
    select_named(name, candidates)
}
