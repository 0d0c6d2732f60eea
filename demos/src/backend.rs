//! Picks a device by name. New backends plug in here.

use ferroflow_core::device::{select_named, Candidate};
use ferroflow_core::Device;

/// The device for `name` ("auto": wgpu, else cpu) and a line saying what was chosen and why; or a message saying which
/// names exist or why the named backend cannot open.
pub fn device(name: &str) -> Result<(Device, String), String> {
    let gpu = || ferroflow_wgpu::device();
    let cpu = || Ok(ferroflow_native::cpu());
    let candidates: Vec<Candidate> = vec![("wgpu", Box::new(gpu)), ("cpu", Box::new(cpu))];
    select_named(name, candidates)
}
