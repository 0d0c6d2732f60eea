//! Picks a device by name: the facade's one backend list (`ferroflow::backends`).

/// The device for `name` ("best"/"auto": the first of cuda, pjrt, wgpu, cpu that opens) and a
/// line saying what was chosen and why better ones were skipped; or a message saying which names
/// exist or why the named backend cannot open.
pub use ferroflow::device;
