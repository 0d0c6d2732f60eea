//! Picks the device: `auto` is wgpu when this binary has it and an adapter opens, else the CPU,
//! with the reason. Devices open through the facade (`ferroflow::backends`); `auto` is not the
//! facade's `best`, which would also try cuda and pjrt where a workspace build unifies them in.

use ferroflow::Device;

/// Backend names accepted by `--backend`.
pub const KNOWN: &[&str] = &["auto", "wgpu", "cpu"];

/// Whether this binary was built with the wgpu backend (cargo feature `gpu`).
pub const HAS_GPU: bool = cfg!(feature = "gpu");

/// The device for `name` and a line saying what was chosen and why earlier candidates were
/// skipped.
pub fn device(name: &str) -> Result<(Device, String), String> {
    let names: &[&str] = match name {
        "auto" => &["wgpu", "cpu"],
        "wgpu" => &["wgpu"],
        "cpu" => &["cpu"],
        other => return Err(format!("unknown backend {other:?}; available: {}", KNOWN.join(", "))),
    };
    ferroflow::backends::first_of(names)
}
