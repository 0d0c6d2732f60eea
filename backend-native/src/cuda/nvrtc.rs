//! NVRTC, loaded at run time through cudarc: CUDA C source to PTX.
//!
//! cudarc panics when it cannot load `libnvrtc` (and on a missing symbol), so every entry point
//! first checks that the library loads and then calls cudarc inside `catch_unwind`: a machine
//! without NVRTC gets a typed [`Error::Backend`] naming what is missing, never a panic.
//! `scripts/fetch-nvrtc.sh` downloads NVRTC from PyPI and prints the `LD_LIBRARY_PATH` to use.

use std::panic::catch_unwind;

use cudarc::nvrtc::{CompileError, CompileOptions};
use ferroflow_core::{Error, Result};

/// The default target: compute capability 8.0 (A100), which every later GPU runs via PTX JIT.
pub const DEFAULT_ARCH: &str = "compute_80";

fn error(msg: impl Into<String>) -> Error {
    Error::backend("cuda", msg)
}

/// Ok when `libnvrtc` can be loaded, else an error saying where it was looked for.
pub fn check_available() -> Result<()> {
    // SAFETY: only tries to dlopen the library by its candidate names; nothing is called.
    let present = catch_unwind(|| unsafe { cudarc::nvrtc::sys::is_culib_present() }).unwrap_or(false);
    if present {
        Ok(())
    } else {
        Err(error(
            "NVRTC (libnvrtc.so.13 or libnvrtc.so) is not on the library path; \
             scripts/fetch-nvrtc.sh downloads it and prints the LD_LIBRARY_PATH to set",
        ))
    }
}

/// Runs `f` (a cudarc call) with panics turned into errors: the last line of defence behind
/// [`check_available`] (a library of the wrong version may lack a symbol cudarc expects).
fn guarded<T>(what: &str, f: impl FnOnce() -> T) -> Result<T> {
    super::catch_panic(f, |msg| format!("NVRTC {what} failed: {msg}"))
}

/// NVRTC's version (major, minor).
pub fn version() -> Result<(i32, i32)> {
    check_available()?;
    let (mut major, mut minor) = (0, 0);
    // SAFETY: the library is loaded (checked above); both pointers are valid for the call.
    let status = guarded("version query", || unsafe {
        cudarc::nvrtc::sys::nvrtcVersion(&mut major, &mut minor)
    })?;
    if status != cudarc::nvrtc::sys::nvrtcResult::NVRTC_SUCCESS {
        return Err(error(format!("nvrtcVersion returned {status:?}")));
    }
    Ok((major, minor))
}

/// The options every kernel is compiled with. `--fmad=false`: no multiply-add contraction, so
/// the prelude's polynomials and the compensated sums round exactly as on the CPU (the GEMM
/// asks for its fused multiply-adds explicitly).
pub fn compile_options(arch: &'static str) -> CompileOptions {
    CompileOptions {
        fmad: Some(false),
        arch: Some(arch),
        options: vec!["--std=c++17".into()],
        ..Default::default()
    }
}

/// Compiles one CUDA C translation unit to PTX for `arch` (e.g. [`DEFAULT_ARCH`]). A source that
/// does not compile gives an error carrying NVRTC's log.
pub fn compile_ptx(source: &str, arch: &'static str) -> Result<String> {
    check_available()?;
    if source.contains('\0') {
        return Err(error("CUDA source contains a NUL byte"));
    }
    let compiled = guarded("compilation", || {
        cudarc::nvrtc::compile_ptx_with_opts(source, compile_options(arch))
    })?;
    match compiled {
        Ok(ptx) => guarded("PTX read-back", || ptx.to_src()),
        Err(CompileError::CompileError { log, .. }) => Err(error(format!(
            "NVRTC rejected the kernel:\n{}",
            log.to_string_lossy().trim_end()
        ))),
        Err(e) => Err(error(format!("NVRTC failed: {e}"))),
    }
}
