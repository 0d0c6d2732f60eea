//! Picks a device by name. New backends plug in here.

use ferroflow_core::Device;

/// Backends this build can run, in preference order.
pub const KNOWN: &[&str] = &["cpu"];

/// The device for `name`, or a message saying which names exist.
pub fn device(name: &str) -> Result<Device, String> {
    match name {
        "cpu" => Ok(ferroflow_native::cpu()),
        other => Err(format!("unknown backend {other:?}; available: {}", KNOWN.join(", "))),
    }
}
