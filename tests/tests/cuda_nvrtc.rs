//! The CUDA renderer on the real kernels of every op: the whole conformance table (forward and
//! gradient checks) runs on a CPU device wrapped in a backend that records every kernel the
//! scheduler compiles; each distinct kernel is then rendered to CUDA C and compiled to PTX with
//! NVRTC. No GPU is needed. Without NVRTC on the library path (`scripts/fetch-nvrtc.sh` prints
//! the `LD_LIBRARY_PATH` to set) the compile step prints `skipped: <reason>`; rendering still runs.
//! `FERROFLOW_REQUIRE_NVRTC=1` (set by `scripts/lib.sh`'s `ensure_nvrtc`, so in CI) turns that
//! skip into a failure.

#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use ferroflow::ir::Kernel;
use ferroflow::native::cuda::nvrtc;
use ferroflow::native::cuda::render::{render, CudaKernel, RenderLimits};
use ferroflow::{Backend, Buffer, Device, Executable, HostData, MemoryInfo, Result};
use ferroflow_tests::cases;
use ferroflow_tests::conformance::backends::BackendEntry;
use ferroflow_tests::conformance::run_all;

/// Skips (prints why) when NVRTC cannot be loaded, unless `FERROFLOW_REQUIRE_NVRTC=1`.
fn skip_without_nvrtc(what: &str, e: &dyn std::fmt::Display) {
    if std::env::var_os("FERROFLOW_REQUIRE_NVRTC").is_some_and(|v| v == "1") {
        panic!("FERROFLOW_REQUIRE_NVRTC=1 but NVRTC is unavailable for {what}: {e}");
    }
    eprintln!("skipped: {what}: {e}");
}

/// The CPU backend, recording every kernel it compiles successfully.
struct Recorder {
    cpu: Device,
    kernels: Arc<Mutex<HashSet<Kernel>>>,
}

impl Backend for Recorder {
    fn name(&self) -> &str {
        "cpu"
    }

    fn upload(&self, data: &HostData) -> Result<Buffer> {
        self.cpu.backend().upload(data)
    }

    fn download(&self, buf: &Buffer) -> Result<HostData> {
        self.cpu.backend().download(buf)
    }

    fn compile(&self, kernel: &Kernel) -> Result<Arc<dyn Executable>> {
        // Kernels the CPU rejects come from cases that check errors; only valid ones must render.
        let exe = self.cpu.backend().compile(kernel)?;
        self.kernels.lock().unwrap().insert(kernel.clone());
        Ok(exe)
    }

    fn memory(&self) -> MemoryInfo {
        self.cpu.backend().memory()
    }
}

/// Every distinct kernel the conformance table compiles, in a stable order.
fn capture_kernels() -> Vec<Kernel> {
    let kernels = Arc::new(Mutex::new(HashSet::new()));
    let device = Device::new(Recorder {
        cpu: ferroflow::native::cpu(),
        kernels: kernels.clone(),
    });
    let cases = cases::all();
    let outcomes = run_all(
        &cases,
        &[BackendEntry {
            name: "cpu (recorded)",
            device: Ok(device),
        }],
    );
    let failed = outcomes.iter().filter(|o| o.failed()).count();
    eprintln!(
        "{} conformance cases run on the recording CPU backend ({failed} failing there)",
        cases.len()
    );
    let mut all: Vec<Kernel> = kernels.lock().unwrap().drain().collect();
    all.sort_by_cached_key(|k| format!("{k:?}"));
    all
}

/// Compiles `(kernel, rendered)` pairs on all cores; returns the failures.
fn compile_all(rendered: &[(Kernel, CudaKernel)]) -> Vec<String> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    let chunk = rendered.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = rendered
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .filter_map(|(k, r)| {
                            nvrtc::compile_ptx(&r.source, nvrtc::DEFAULT_ARCH)
                                .err()
                                .map(|e| format!("{} kernel {k:?}\n{e}\n--- source\n{}", k.kind(), r.source))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap()).collect()
    })
}

#[test]
fn every_ops_kernels_render_and_compile_with_nvrtc() {
    let t0 = Instant::now();
    let kernels = capture_kernels();
    assert!(kernels.len() > 100, "only {} kernels captured", kernels.len());
    let mut by_kind = std::collections::BTreeMap::<&str, usize>::new();
    for k in &kernels {
        *by_kind.entry(k.kind()).or_default() += 1;
    }
    eprintln!(
        "captured {} distinct kernels in {:.1?}: {by_kind:?}",
        kernels.len(),
        t0.elapsed()
    );

    let limits = RenderLimits::default();
    let mut render_failures = vec![];
    let mut rendered = vec![];
    for k in kernels {
        match render(&k, &limits) {
            Ok(r) => rendered.push((k, r)),
            Err(e) => render_failures.push(format!("{e}\n  kernel {k:?}")),
        }
    }
    assert!(
        render_failures.is_empty(),
        "{} kernels did not render:\n{}",
        render_failures.len(),
        render_failures.join("\n")
    );

    let version = match nvrtc::version() {
        Ok(v) => v,
        Err(e) => {
            skip_without_nvrtc(&format!("the NVRTC compile of {} rendered kernels", rendered.len()), &e);
            return;
        }
    };
    let t1 = Instant::now();
    let failures = compile_all(&rendered);
    eprintln!(
        "NVRTC {}.{} ({}): {} of {} kernels compiled to PTX in {:.1?}",
        version.0,
        version.1,
        nvrtc::DEFAULT_ARCH,
        rendered.len() - failures.len(),
        rendered.len(),
        t1.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} kernels did not compile; the first:\n{}",
        failures.len(),
        failures[0]
    );
}

#[test]
fn broken_source_returns_nvrtcs_log() {
    if let Err(e) = nvrtc::check_available() {
        skip_without_nvrtc("compiling a broken source", &e);
        return;
    }
    let src = "extern \"C\" __global__ void ff_kernel(float* out) { out[0] = no_such_name; }";
    let err = nvrtc::compile_ptx(src, nvrtc::DEFAULT_ARCH).expect_err("broken source compiled");
    let msg = err.to_string();
    assert!(msg.contains("no_such_name"), "the error lacks NVRTC's log: {msg}");
    let ok = nvrtc::compile_ptx("extern \"C\" __global__ void ff_kernel() {}", nvrtc::DEFAULT_ARCH);
    assert!(ok.is_ok_and(|ptx| ptx.contains(".entry ff_kernel")));
}
