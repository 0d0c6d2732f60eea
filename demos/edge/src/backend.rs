//! Picks the device: `auto` is wgpu when an adapter opens, else the CPU, with the reason.

use ferroflow_core::device::{select_named, Candidate};
use ferroflow_core::{Device, Error};

/// Backend names accepted by `--backend`.
pub const KNOWN: &[&str] = &["auto", "wgpu", "cpu"];

/// Whether this binary was built with the wgpu backend (cargo feature `gpu`).
pub const HAS_GPU: bool = cfg!(feature = "gpu");

fn gpu() -> ferroflow_core::Result<Device> {
    #[cfg(feature = "gpu")]
    {
        ferroflow_wgpu::device()
    }
    #[cfg(not(feature = "gpu"))]
    {
        Err(Error::backend(
            "wgpu",
            "not built in (this binary was built without the `gpu` cargo feature)",
        ))
    }
}

/// The device for `name` and a line saying what was chosen and why earlier candidates were
/// skipped.
pub fn device(name: &str) -> Result<(Device, String), String> {
    let cpu = || Ok::<Device, Error>(ferroflow_native::cpu());
    let candidates: Vec<Candidate> = vec![("wgpu", Box::new(gpu)), ("cpu", Box::new(cpu))];
    select_named(name, candidates)
}
