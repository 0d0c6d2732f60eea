//! A thin, safe FFI over the PJRT C API: XLA plugins (`.so` files exporting `GetPjrtApi`)
//! loaded at run time with `libloading`. Feature `pjrt`, native targets only.
//!
//! ```no_run
//! use ferroflow_native::pjrt::{plugin_path_from_env, Client, ElementType, PjrtApi};
//!
//! # fn main() -> ferroflow_core::Result<()> {
//! let api = PjrtApi::load(&plugin_path_from_env()?)?;
//! let client = Client::new(api)?;
//! let exe = client.compile(
//!     "func.func @main(%a: tensor<3xf32>) -> tensor<3xf32> {
//!        %0 = stablehlo.add %a, %a : tensor<3xf32>
//!        return %0 : tensor<3xf32>
//!      }",
//! )?;
//! let bytes: Vec<u8> = [1f32, 2., 3.].iter().flat_map(|x| x.to_le_bytes()).collect();
//! let a = client.buffer_from_host(&bytes, ElementType::F32, &[3])?;
//! let out = exe.execute(&[&a])?;
//! assert_eq!(out[0].dims(), &[3]);
//! let doubled = out[0].to_host()?; // 2, 4, 6 as little-endian f32
//! # let _ = doubled;
//! # Ok(())
//! # }
//! ```
//!
//! Layout: `ffi` declares the C structs (API 0.115; the ones used here are unchanged since
//! 0.81), `api` loads the plugin and converts errors, `client`, `buffer` and `executable` wrap
//! the handles, `options` encodes the compile options, `program_shape` reads the compiled
//! program's parameter shapes.
//!
//! Safety model: every call goes through a function pointer the plugin's table was checked to
//! contain; every `PJRT_Error*` becomes `Error::Backend { backend: "pjrt", .. }` (call name,
//! status code, message) and is destroyed; every handle PJRT allocates (clients, buffers,
//! executables, events, errors) is freed on every path by an owner with `Drop`. Buffers and
//! executables hold an `Arc` of their client, which holds an `Arc` of the plugin, so nothing is
//! destroyed before what it depends on; the plugin library is never unloaded. All types are
//! `Send + Sync`: the PJRT C API is thread-safe.
//!
//! Versions: a plugin must have major version [`PJRT_API_MAJOR`]; any minor version works if
//! its function table has every function used here (checked at load). Tested with 0.115
//! (`lammps-jax-pjrt-cpu` 0.11.2) and 0.81 (`xla-cpu-pjrt` 0.0.1); `scripts/fetch-pjrt.sh`
//! downloads both.

#[cfg(target_arch = "wasm32")]
compile_error!("the `pjrt` feature loads native plugins and is not available on wasm32");

mod api;
pub(crate) mod backend;
mod buffer;
mod client;
mod executable;
mod ffi;
mod options;
mod program_shape;
pub mod stablehlo;

use std::path::PathBuf;

pub use api::{error_code_name, PjrtApi, PJRT_API_MAJOR, PJRT_API_MINOR, PJRT_API_MINOR_TESTED_OLDEST};
pub use buffer::{DeviceBuffer, ElementType};
pub use client::{Client, DeviceInfo};
pub use executable::LoadedExecutable;
pub use program_shape::TensorShape;

/// The environment variable naming the PJRT plugin to load.
pub const PLUGIN_ENV: &str = "FERROFLOW_PJRT_PLUGIN";

/// The plugin path from `FERROFLOW_PJRT_PLUGIN`, or an error saying it is unset (or empty).
/// The file itself is checked by [`PjrtApi::load`].
pub fn plugin_path_from_env() -> ferroflow_core::Result<PathBuf> {
    match std::env::var_os(PLUGIN_ENV) {
        Some(p) if !p.is_empty() => Ok(PathBuf::from(p)),
        _ => Err(api::err(format!(
            "{PLUGIN_ENV} is not set (the path of a PJRT plugin .so; \
             scripts/fetch-pjrt.sh downloads a CPU one)"
        ))),
    }
}
