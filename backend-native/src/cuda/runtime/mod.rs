//! The CUDA runtime: GPU 0 as a [`Backend`] named `"cuda"`, through cudarc's dynamically loaded
//! driver API (no CUDA toolkit at build time, no libcuda needed to build or to run the rest of
//! the crate).
//!
//! - Opening ([`CudaBackend::new`]) checks, in order, that libcuda loads, that NVRTC loads, that a
//!   device exists and has compute capability 7.5 or later (the oldest CUDA 13 supports), then
//!   creates the context and one stream and compiles a probe kernel for the device's own
//!   architecture (so an NVRTC newer than the driver is reported at open, not at the first
//!   kernel). Every failure is a typed [`Error::Backend`].
//! - Buffers ([`CudaBuffer`]) are typed device allocations (bool as one byte 0/1, the renderer's
//!   storage layout). Uploads are asynchronous copies on the stream; readback copies and then
//!   synchronizes the stream. Kernels are launched asynchronously on the same stream, so stream
//!   order is the only ordering needed (cudarc's per-buffer event tracking is disabled).
//! - [`Backend::compile`] renders the kernel with [`crate::cuda::render`], compiles it with NVRTC
//!   for the device's architecture and loads the module; modules are cached by source text
//!   (`programs_built` counts them).
//!
//! cudarc panics when libcuda is absent (it loads the library on first use) and when a symbol is
//! missing (an older driver than the bindings expect); every cudarc call here runs inside
//! [`guarded`], which turns a panic into an error, so no panic leaves this module.

mod buffer;
mod kernel;
mod module_cache;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use cudarc::driver::sys::CUdevice_attribute as Attr;
use cudarc::driver::{CudaContext, CudaStream, DriverError};
use ferroflow_core::ir::Kernel;
use ferroflow_core::{Backend, Buffer, Device, Error, Executable, HostData, MemoryCounter, MemoryInfo, Result};

use super::nvrtc;
use super::render::RenderLimits;

pub use buffer::CudaBuffer;

use module_cache::ModuleCache;

/// The oldest compute capability CUDA 13 (and so this backend) supports.
pub const MIN_COMPUTE_CAPABILITY: (i32, i32) = (7, 5);

/// NVRTC virtual architectures this backend may target, oldest first. A device gets the newest
/// one not above its own compute capability (PTX JIT-compiles forward to newer GPUs).
const ARCHS: &[((i32, i32), &str)] = &[
    ((7, 5), "compute_75"),
    ((8, 0), "compute_80"),
    ((8, 6), "compute_86"),
    ((8, 7), "compute_87"),
    ((8, 9), "compute_89"),
    ((9, 0), "compute_90"),
    ((10, 0), "compute_100"),
    ((10, 3), "compute_103"),
    ((11, 0), "compute_110"),
    ((12, 0), "compute_120"),
    ((12, 1), "compute_121"),
];

pub(crate) fn error(msg: impl Into<String>) -> Error {
    Error::backend("cuda", msg)
}

/// Runs `f` (cudarc calls) with a panic turned into an error naming `what`.
pub(crate) fn guarded<T>(what: &str, f: impl FnOnce() -> T) -> Result<T> {
    super::catch_panic(f, |msg| format!("CUDA driver call failed ({what}): {msg}"))
}

/// A driver error as a backend error: what failed, the error's name and its description.
pub(crate) fn driver_error(what: &str, e: DriverError) -> Error {
    let describe = || {
        let name = e.error_name().map(|s| s.to_string_lossy().into_owned()).ok()?;
        let text = e.error_string().map(|s| s.to_string_lossy().into_owned()).ok()?;
        Some(format!("{name}: {text}"))
    };
    let detail = catch_unwind(AssertUnwindSafe(describe))
        .ok()
        .flatten()
        .unwrap_or_else(|| format!("{:?}", e.0));
    error(format!("{what} failed: {detail}"))
}

/// A guarded cudarc call returning a driver result.
pub(crate) fn call<T>(what: &str, f: impl FnOnce() -> std::result::Result<T, DriverError>) -> Result<T> {
    guarded(what, f)?.map_err(|e| driver_error(what, e))
}

/// Ok when libcuda (the NVIDIA driver's user-space library) can be loaded.
pub fn check_driver() -> Result<()> {
    // SAFETY: only tries to dlopen the library by its candidate names; nothing is called.
    let present = catch_unwind(|| unsafe { cudarc::driver::sys::is_culib_present() }).unwrap_or(false);
    if present {
        Ok(())
    } else {
        Err(error(
            "no NVIDIA driver: libcuda.so could not be loaded (install the NVIDIA driver, or put \
             libcuda.so.1 on the library path)",
        ))
    }
}

/// What the device is, read once at open.
#[derive(Debug, Clone)]
struct DeviceInfo {
    name: String,
    compute_capability: (i32, i32),
    /// `major * 1000 + minor * 10`, as `cuDriverGetVersion` reports it.
    driver_version: Option<i32>,
    multiprocessors: Option<i32>,
    max_threads_per_block: u32,
    max_grid: [u32; 3],
}

/// The shared state of one opened GPU: context, stream, device facts.
pub(crate) struct Gpu {
    pub(crate) ctx: Arc<CudaContext>,
    pub(crate) stream: Arc<CudaStream>,
    info: DeviceInfo,
    arch: &'static str,
    limits: RenderLimits,
}

impl Gpu {
    /// Errors the driver recorded in the background (frees in `Drop`, which cannot return them).
    pub(crate) fn check(&self) -> Result<()> {
        call("checking for deferred CUDA errors", || self.ctx.check_err())
    }

    /// Waits for everything queued on the stream.
    pub(crate) fn wait(&self) -> Result<()> {
        call("stream synchronize", || self.stream.synchronize())?;
        self.check()
    }
}

/// The CUDA backend on one GPU. Cheap to clone.
#[derive(Clone)]
pub struct CudaBackend {
    gpu: Arc<Gpu>,
    mem: Arc<MemoryCounter>,
    modules: Arc<ModuleCache>,
}

impl std::fmt::Debug for CudaBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CudaBackend({})", self.describe())
    }
}

/// A [`Device`] on GPU 0.
pub fn device() -> Result<Device> {
    device_on(0)
}

/// A [`Device`] on the GPU with CUDA ordinal `ordinal`.
pub fn device_on(ordinal: usize) -> Result<Device> {
    Ok(Device::new(CudaBackend::new(ordinal)?))
}

fn attribute(dev: cudarc::driver::sys::CUdevice, attr: Attr, what: &str) -> Result<i32> {
    // SAFETY: `dev` came from `cuDeviceGet` after a successful `cuInit`.
    call(what, || unsafe {
        cudarc::driver::result::device::get_attribute(dev, attr)
    })
}

impl CudaBackend {
    /// Opens the GPU with CUDA ordinal `ordinal`, or says why it cannot.
    pub fn new(ordinal: usize) -> Result<CudaBackend> {
        check_driver()?;
        nvrtc::check_available()?;
        let info = query_device(ordinal)?;
        let ctx = call("creating the CUDA context", || CudaContext::new(ordinal))?;
        // SAFETY: nothing has been allocated in this context yet, and this backend uses one
        // stream, whose order alone keeps uploads, launches, frees and readbacks in sequence.
        guarded("disabling event tracking", || unsafe { ctx.disable_event_tracking() })?;
        let stream = call("creating a CUDA stream", || ctx.new_stream())?;
        let block_size = 256u32.min(prev_power_of_two(info.max_threads_per_block)).max(32);
        let limits = RenderLimits {
            block_size,
            max_grid_yz: info.max_grid[1].min(info.max_grid[2]),
        };
        let mut gpu = Gpu {
            ctx,
            stream,
            info,
            arch: ARCHS[0].1,
            limits,
        };
        gpu.arch = probe_arch(&gpu)?;
        Ok(CudaBackend {
            gpu: Arc::new(gpu),
            mem: Arc::default(),
            modules: Arc::default(),
        })
    }

    /// The device's compute capability (major, minor).
    pub fn compute_capability(&self) -> (i32, i32) {
        self.gpu.info.compute_capability
    }

    /// The NVRTC architecture kernels are compiled for (e.g. `"compute_90"`).
    pub fn arch(&self) -> &'static str {
        self.gpu.arch
    }

    /// The limits kernels are rendered with.
    pub fn render_limits(&self) -> RenderLimits {
        self.gpu.limits
    }

    fn describe(&self) -> String {
        let i = &self.gpu.info;
        let (major, minor) = i.compute_capability;
        let mut s = format!("{} (compute capability {major}.{minor}", i.name);
        if let Some(sms) = i.multiprocessors {
            s += &format!(", {sms} SMs");
        }
        if let Some(v) = i.driver_version {
            s += &format!(", driver CUDA {}.{}", v / 1000, v % 1000 / 10);
        }
        s += &format!(", {})", self.gpu.arch);
        s
    }
}

fn prev_power_of_two(n: u32) -> u32 {
    if n == 0 {
        0
    } else {
        1 << (31 - n.leading_zeros())
    }
}

/// Initializes the driver and reads what the backend needs about device `ordinal`, before any
/// context exists (an unsupported GPU is refused without touching it).
fn query_device(ordinal: usize) -> Result<DeviceInfo> {
    use cudarc::driver::result;
    match guarded("cuInit", result::init)? {
        Ok(()) => {}
        Err(e) if e.0 == cudarc::driver::sys::cudaError_enum::CUDA_ERROR_NO_DEVICE => {
            return Err(error(
                "no CUDA-capable device is present (cuInit: CUDA_ERROR_NO_DEVICE)",
            ))
        }
        Err(e) => return Err(driver_error("initializing the CUDA driver (cuInit)", e)),
    }
    let count = call("counting CUDA devices", result::device::get_count)?;
    if count <= 0 {
        return Err(error("no CUDA-capable device is present"));
    }
    let index = i32::try_from(ordinal)
        .ok()
        .filter(|&i| i < count)
        .ok_or_else(|| error(format!("no CUDA device {ordinal} (this machine has {count})")))?;
    let dev = call("getting the CUDA device", || result::device::get(index))?;
    let name = call("reading the device name", || result::device::get_name(dev))?;
    let major = attribute(
        dev,
        Attr::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
        "reading the compute capability",
    )?;
    let minor = attribute(
        dev,
        Attr::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
        "reading the compute capability",
    )?;
    if (major, minor) < MIN_COMPUTE_CAPABILITY {
        return Err(error(format!(
            "{name} has compute capability {major}.{minor}; CUDA 13 kernels need {}.{} or later",
            MIN_COMPUTE_CAPABILITY.0, MIN_COMPUTE_CAPABILITY.1
        )));
    }
    let positive = |v: i32| u32::try_from(v).ok().filter(|&v| v > 0);
    let limit =
        |attr, what, default: u32| -> Result<u32> { Ok(positive(attribute(dev, attr, what)?).unwrap_or(default)) };
    let max_threads_per_block = limit(
        Attr::CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK,
        "reading the block size limit",
        1024,
    )?;
    let max_grid = [
        limit(
            Attr::CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X,
            "reading the grid limits",
            i32::MAX as u32,
        )?,
        limit(
            Attr::CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y,
            "reading the grid limits",
            65_535,
        )?,
        limit(
            Attr::CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z,
            "reading the grid limits",
            65_535,
        )?,
    ];
    let multiprocessors = attribute(
        dev,
        Attr::CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
        "reading the SM count",
    )
    .ok();
    let mut version = 0;
    // SAFETY: the pointer is valid for the call; the driver is initialized.
    let driver_version = guarded("cuDriverGetVersion", || unsafe {
        cudarc::driver::sys::cuDriverGetVersion(&mut version)
    })
    .ok()
    .and_then(|r| r.result().ok())
    .map(|()| version);
    Ok(DeviceInfo {
        name,
        compute_capability: (major, minor),
        driver_version,
        multiprocessors,
        max_threads_per_block,
        max_grid,
    })
}

/// The newest architecture in [`ARCHS`] not above the device's whose probe kernel NVRTC compiles
/// and the driver loads; walks down the table when NVRTC does not know the device's own
/// architecture. The error of the first (best) candidate is reported when none works, which
/// names e.g. a PTX version the driver is too old for.
fn probe_arch(gpu: &Gpu) -> Result<&'static str> {
    const PROBE: &str = "extern \"C\" __global__ void ff_probe(int* out) { if (out) { *out = 1; } }\n";
    let cc = gpu.info.compute_capability;
    let mut first_error = None;
    for &(_, arch) in ARCHS.iter().rev().filter(|(a, _)| *a <= cc) {
        let loaded = nvrtc::compile_ptx(PROBE, arch).and_then(|ptx| module_cache::load(gpu, ptx, "ff_probe"));
        match loaded {
            Ok(_) => return Ok(arch),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    let e = first_error.unwrap_or_else(|| error("no NVRTC architecture matches this device"));
    let driver = gpu
        .info
        .driver_version
        .map(|v| format!("driver CUDA {}.{}", v / 1000, v % 1000 / 10))
        .unwrap_or_else(|| "driver version unknown".into());
    let nv = nvrtc::version()
        .map(|(a, b)| format!("NVRTC {a}.{b}"))
        .unwrap_or_else(|_| "NVRTC version unknown".into());
    Err(error(format!(
        "cannot build kernels for {} ({driver}, {nv}; NVRTC must not be newer than the driver): {e}",
        gpu.info.name
    )))
}

impl Backend for CudaBackend {
    fn name(&self) -> &str {
        "cuda"
    }
    fn description(&self) -> String {
        self.describe()
    }
    fn upload(&self, data: &HostData) -> Result<Buffer> {
        Ok(Buffer::new(CudaBuffer::upload(&self.gpu, &self.mem, data)?))
    }
    fn download(&self, buf: &Buffer) -> Result<HostData> {
        buf.downcast::<CudaBuffer>("cuda")?.download(&self.gpu)
    }
    fn compile(&self, kernel: &Kernel) -> Result<Arc<dyn Executable>> {
        Ok(Arc::new(kernel::CudaExecutable::compile(
            &self.gpu,
            &self.mem,
            &self.modules,
            kernel,
        )?))
    }
    fn memory(&self) -> MemoryInfo {
        self.mem.info()
    }
    fn synchronize(&self) -> Result<()> {
        self.gpu.wait()
    }
    fn programs_built(&self) -> usize {
        self.modules.built()
    }
}
