//! The backend boundary. A [`Backend`] stores buffers, compiles [`Kernel`]s and runs them; it
//! never sees user ops. A backend that compiles whole programs instead (PJRT/XLA) says so with
//! [`Backend::compiles_graphs`] and receives each realized [`Graph`] as one unit. A [`Device`]
//! wraps a backend with the compile caches and counters shared by every backend, so each backend
//! implements only the five methods below (or the graph pair).

use rustc_hash::FxHashMap as HashMap;
use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use crate::dtype::{DType, HostData};
use crate::ir::{Graph, Kernel};
use crate::schedule::{GraphKey, Schedule};
use crate::{Error, Result};

/// A backend's buffer. Implementations free device memory in `Drop`.
pub trait BackendBuffer: Any + Send + Sync + fmt::Debug {
    /// Element count.
    fn len(&self) -> usize;
    fn dtype(&self) -> DType;
    fn as_any(&self) -> &dyn Any;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A shared handle to a backend buffer.
#[derive(Clone, Debug)]
pub struct Buffer(pub Arc<dyn BackendBuffer>);

impl Buffer {
    pub fn new(b: impl BackendBuffer) -> Buffer {
        Buffer(Arc::new(b))
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn dtype(&self) -> DType {
        self.0.dtype()
    }
    /// Downcasts to the backend's concrete type (a backend error when the buffer is foreign).
    pub fn downcast<T: 'static>(&self, backend: &str) -> Result<&T> {
        self.0
            .as_any()
            .downcast_ref::<T>()
            .ok_or_else(|| Error::backend(backend, "buffer belongs to another backend"))
    }
}

/// A compiled kernel.
pub trait Executable: Send + Sync {
    /// Runs on `inputs` (as many as `Kernel::num_inputs`) and returns the new output buffer.
    fn run(&self, inputs: &[&Buffer]) -> Result<Buffer>;
}

/// A compiled program (see [`Backend::compile_graph`]).
pub trait GraphExecutable: Send + Sync {
    /// Runs on the graph's parameters (as many as `Graph::num_params`, in order) and returns one
    /// new buffer per `Graph::outputs` entry.
    fn run(&self, params: &[&Buffer]) -> Result<Vec<Buffer>>;
}

/// Live memory of a backend, as TF.js's `memory()` reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoryInfo {
    pub num_buffers: usize,
    pub num_bytes: usize,
}

/// A download in flight (not `Send`: browser futures live on the page's thread).
pub type DownloadFuture<'a> = Pin<Box<dyn Future<Output = Result<HostData>> + 'a>>;

/// Live buffer and byte counts shared by a backend and every buffer it created (buffers may
/// outlive the backend handle, so backends hold it in an `Arc`). Backends call `add` when a
/// buffer is created and `remove` when it is dropped; `info` is what `memory()` reports.
#[derive(Debug, Default)]
pub struct MemoryCounter {
    buffers: std::sync::atomic::AtomicUsize,
    bytes: std::sync::atomic::AtomicUsize,
}

impl MemoryCounter {
    pub fn add(&self, bytes: usize) {
        use std::sync::atomic::Ordering::Relaxed;
        self.buffers.fetch_add(1, Relaxed);
        self.bytes.fetch_add(bytes, Relaxed);
    }
    pub fn remove(&self, bytes: usize) {
        use std::sync::atomic::Ordering::Relaxed;
        self.buffers.fetch_sub(1, Relaxed);
        self.bytes.fetch_sub(bytes, Relaxed);
    }
    pub fn info(&self) -> MemoryInfo {
        use std::sync::atomic::Ordering::Relaxed;
        MemoryInfo {
            num_buffers: self.buffers.load(Relaxed),
            num_bytes: self.bytes.load(Relaxed),
        }
    }
}

/// What a backend implements.
pub trait Backend: Send + Sync {
    /// Short name: "cpu", "wgpu", "cuda", "pjrt".
    fn name(&self) -> &str;
    /// Human description (adapter, threads, ...).
    fn description(&self) -> String {
        self.name().to_string()
    }
    fn upload(&self, data: &HostData) -> Result<Buffer>;
    /// Blocking readback. Backends that cannot block (WebGPU on a browser's main thread) return
    /// an error that points to [`Backend::download_async`].
    fn download(&self, buf: &Buffer) -> Result<HostData>;
    /// Readback that waits without blocking; the default is the blocking one, already resolved.
    fn download_async<'a>(&'a self, buf: &'a Buffer) -> DownloadFuture<'a> {
        Box::pin(std::future::ready(self.download(buf)))
    }
    /// False where [`Backend::download`] always fails (WebGPU in a browser): callers that need
    /// values on the host mid-computation then pause and read with [`Backend::download_async`].
    fn reads_synchronously(&self) -> bool {
        true
    }
    fn compile(&self, kernel: &Kernel) -> Result<Arc<dyn Executable>>;
    /// True for backends that compile whole programs: the scheduler then hands them each
    /// realized graph through [`Backend::compile_graph`] and never calls [`Backend::compile`].
    fn compiles_graphs(&self) -> bool {
        false
    }
    /// Compiles a whole pending graph (only called when [`Backend::compiles_graphs`] is true).
    fn compile_graph(&self, graph: &Graph) -> Result<Arc<dyn GraphExecutable>> {
        let _ = graph;
        Err(Error::backend(
            self.name(),
            "this backend compiles kernels, not programs",
        ))
    }
    fn memory(&self) -> MemoryInfo {
        MemoryInfo::default()
    }
    /// Waits until every submitted kernel has finished (queued GPU work); a no-op for backends
    /// that run kernels synchronously. For timing, not for correctness: readback already waits.
    fn synchronize(&self) -> Result<()> {
        Ok(())
    }
    /// Native programs really built (GPU pipelines; kernels that render to the same program
    /// share one). Zero for backends whose compile step builds nothing costly.
    fn programs_built(&self) -> usize {
        0
    }
}

/// Counters that let tests and benchmarks see what the scheduler and cache did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeviceStats {
    /// Kernels compiled (cache misses).
    pub compiled: usize,
    /// Kernels executed.
    pub executed: usize,
    /// Pending graphs the scheduler walked and lowered to kernels (schedule cache misses).
    pub scheduled: usize,
    /// Pending graphs run from a cached [`Schedule`] (no lowering, no kernel hashing).
    pub replayed: usize,
    /// Nanoseconds spent finding or making schedules (describing the pending graph, the cache
    /// lookup, and the walk on a miss); not measured on wasm32, which has no clock here.
    pub scheduling_ns: u64,
}

/// Whether new devices cache schedules: yes, unless `FERROFLOW_SCHEDULE_CACHE=0` (natively).
fn schedule_cache_default() -> bool {
    std::env::var("FERROFLOW_SCHEDULE_CACHE").map_or(true, |v| v != "0")
}

/// Most schedules a device keeps; past it the cache starts over (a program whose graphs never
/// repeat, such as op-by-op eager use with changing constants, must not grow it forever).
const MAX_SCHEDULES: usize = 512;

struct DeviceInner {
    backend: Box<dyn Backend>,
    cache: Mutex<HashMap<Kernel, Arc<dyn Executable>>>,
    graph_cache: Mutex<HashMap<Graph, Arc<dyn GraphExecutable>>>,
    schedules: Mutex<HashMap<GraphKey, Arc<Schedule>>>,
    schedule_cache: std::sync::atomic::AtomicBool,
    stats: Mutex<DeviceStats>,
}

/// A backend plus its compile cache. Cheap to clone; tensors remember theirs.
#[derive(Clone)]
pub struct Device(Arc<DeviceInner>);

impl fmt::Debug for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Device({})", self.name())
    }
}

impl PartialEq for Device {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Device {
    pub fn new(backend: impl Backend + 'static) -> Device {
        Device(Arc::new(DeviceInner {
            backend: Box::new(backend),
            cache: Mutex::new(HashMap::default()),
            graph_cache: Mutex::new(HashMap::default()),
            schedules: Mutex::new(HashMap::default()),
            schedule_cache: std::sync::atomic::AtomicBool::new(schedule_cache_default()),
            stats: Mutex::new(DeviceStats::default()),
        }))
    }
    pub fn name(&self) -> &str {
        self.0.backend.name()
    }
    pub fn description(&self) -> String {
        self.0.backend.description()
    }
    pub fn backend(&self) -> &dyn Backend {
        self.0.backend.as_ref()
    }
    pub fn memory(&self) -> MemoryInfo {
        self.0.backend.memory()
    }
    /// See [`Backend::synchronize`].
    pub fn synchronize(&self) -> Result<()> {
        self.0.backend.synchronize()
    }
    /// See [`Backend::programs_built`].
    pub fn programs_built(&self) -> usize {
        self.0.backend.programs_built()
    }
    pub fn stats(&self) -> DeviceStats {
        self.0.stats.lock().map(|s| *s).unwrap_or_default()
    }
    /// Number of distinct kernels (or programs, for graph backends) compiled so far.
    pub fn cached_kernels(&self) -> usize {
        let kernels = self.0.cache.lock().map(|c| c.len()).unwrap_or(0);
        kernels + self.0.graph_cache.lock().map(|c| c.len()).unwrap_or(0)
    }
    /// See [`Backend::compiles_graphs`].
    pub fn compiles_graphs(&self) -> bool {
        self.0.backend.compiles_graphs()
    }
    pub fn upload(&self, data: &HostData) -> Result<Buffer> {
        self.0.backend.upload(data)
    }
    pub fn download(&self, buf: &Buffer) -> Result<HostData> {
        self.0.backend.download(buf)
    }
    /// See [`Backend::reads_synchronously`].
    pub fn reads_synchronously(&self) -> bool {
        self.backend().reads_synchronously()
    }
    pub async fn download_async(&self, buf: &Buffer) -> Result<HostData> {
        self.0.backend.download_async(buf).await
    }

    /// Compiles (or fetches from the cache) and runs one kernel.
    pub fn execute(&self, kernel: &Kernel, inputs: &[&Buffer]) -> Result<Buffer> {
        if inputs.len() != kernel.num_inputs {
            return Err(Error::backend(
                self.name(),
                format!("kernel expects {} inputs, got {}", kernel.num_inputs, inputs.len()),
            ));
        }
        let exe = self.compiled(kernel)?;
        self.run_compiled(&exe, kernel.num_inputs, inputs)
    }

    /// The compiled form of `kernel` (compiled on a cache miss).
    pub fn compiled(&self, kernel: &Kernel) -> Result<Arc<dyn Executable>> {
        self.cached(&self.0.cache, kernel, || self.0.backend.compile(kernel))
    }

    /// Runs a compiled kernel that takes `num_inputs` inputs.
    pub fn run_compiled(&self, exe: &Arc<dyn Executable>, num_inputs: usize, inputs: &[&Buffer]) -> Result<Buffer> {
        if inputs.len() != num_inputs {
            return Err(Error::backend(
                self.name(),
                format!("kernel expects {num_inputs} inputs, got {}", inputs.len()),
            ));
        }
        let out = exe.run(inputs)?;
        self.count(|s| s.executed += 1);
        Ok(out)
    }

    /// Turns the schedule cache on or off (on by default, unless `FERROFLOW_SCHEDULE_CACHE=0`):
    /// off, every realize walks its graph again (for A/B measurements and tests).
    pub fn set_schedule_cache(&self, on: bool) {
        self.0.schedule_cache.store(on, std::sync::atomic::Ordering::Relaxed);
        if !on {
            if let Ok(mut s) = self.0.schedules.lock() {
                s.clear();
            }
        }
    }

    /// The cached schedule of a pending graph of this structure, if any.
    pub(crate) fn schedule_for(&self, key: &GraphKey) -> Option<Arc<Schedule>> {
        if !self.0.schedule_cache.load(std::sync::atomic::Ordering::Relaxed) {
            return None;
        }
        let hit = self.0.schedules.lock().ok()?.get(key).cloned();
        if hit.is_some() {
            self.count(|s| s.replayed += 1);
        }
        hit
    }

    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn add_scheduling_time(&self, ns: u64) {
        self.count(|s| s.scheduling_ns += ns);
    }

    /// Counts the scheduler walk that made `schedule` and remembers it (when the cache is on).
    pub(crate) fn keep_schedule(&self, key: GraphKey, schedule: Arc<Schedule>) {
        self.count(|s| s.scheduled += 1);
        if !self.0.schedule_cache.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let Ok(mut schedules) = self.0.schedules.lock() else {
            return;
        };
        if schedules.len() >= MAX_SCHEDULES {
            schedules.clear();
        }
        schedules.insert(key, schedule);
    }

    /// The compiled form of a program (compiled on a cache miss).
    pub fn compiled_graph(&self, graph: &Graph) -> Result<Arc<dyn GraphExecutable>> {
        self.cached(&self.0.graph_cache, graph, || self.0.backend.compile_graph(graph))
    }

    /// Runs a compiled program on its `num_params` parameters; counted like a kernel in
    /// [`DeviceStats`].
    pub fn run_program(
        &self,
        exe: &Arc<dyn GraphExecutable>,
        num_params: usize,
        params: &[&Buffer],
    ) -> Result<Vec<Buffer>> {
        if params.len() != num_params {
            return Err(Error::backend(
                self.name(),
                format!("program expects {num_params} parameters, got {}", params.len()),
            ));
        }
        let out = exe.run(params)?;
        self.count(|s| s.executed += 1);
        Ok(out)
    }

    /// The compiled form of `key` from `cache`, compiled (and counted) on a miss. The lock is
    /// not held while compiling, so a slow compile never blocks other threads' cache hits.
    fn cached<K: Clone + Eq + std::hash::Hash, V: Clone>(
        &self,
        cache: &Mutex<HashMap<K, V>>,
        key: &K,
        compile: impl FnOnce() -> Result<V>,
    ) -> Result<V> {
        let poisoned = || Error::backend("device", "compile cache lock poisoned");
        if let Some(hit) = cache.lock().map_err(|_| poisoned())?.get(key).cloned() {
            return Ok(hit);
        }
        let compiled = compile()?;
        cache
            .lock()
            .map_err(|_| poisoned())?
            .insert(key.clone(), compiled.clone());
        self.count(|s| s.compiled += 1);
        Ok(compiled)
    }

    fn count(&self, f: impl FnOnce(&mut DeviceStats)) {
        if let Ok(mut s) = self.0.stats.lock() {
            f(&mut s);
        }
    }
}

/// A device picked by preference, with the reason each better-ranked candidate was passed over
/// (what an app shows as "running on CPU because: no WebGPU adapter").
#[derive(Debug, Clone)]
pub struct Selection {
    pub device: Device,
    /// `(candidate name, why it did not open)`, in preference order.
    pub skipped: Vec<(String, String)>,
}

impl Selection {
    /// One line: the chosen backend and, when it was not the first choice, why.
    pub fn report(&self) -> String {
        let mut s = format!("using {} ({})", self.device.name(), self.device.description());
        for (name, why) in &self.skipped {
            s.push_str(&format!("; {name} unavailable: {why}"));
        }
        s
    }
}

/// A candidate for [`select`]: a name and how to open it.
pub type Candidate<'a> = (&'a str, Box<dyn FnOnce() -> Result<Device> + 'a>);

/// Opens `candidates` in order and returns the first that opens (e.g. wgpu, then cpu), with the
/// reasons the earlier ones failed; an error listing every reason when none opens.
///
/// ```
/// use ferroflow_core::device::{select, Candidate};
/// use ferroflow_core::Error;
/// let candidates: Vec<Candidate> = vec![
///     ("gpu", Box::new(|| Err(Error::backend("gpu", "no adapter")))),
///     ("none", Box::new(|| Err(Error::backend("none", "not built")))),
/// ];
/// let err = select(candidates).unwrap_err().to_string();
/// assert!(err.contains("no adapter") && err.contains("not built"));
/// ```
pub fn select<'a>(candidates: impl IntoIterator<Item = Candidate<'a>>) -> Result<Selection> {
    let mut skipped = Vec::new();
    for (name, open) in candidates {
        match open() {
            Ok(device) => return Ok(Selection { device, skipped }),
            Err(e) => skipped.push((name.to_string(), e.to_string())),
        }
    }
    let why: Vec<String> = skipped.iter().map(|(n, w)| format!("{n}: {w}")).collect();
    Err(Error::backend(
        "device",
        format!("no backend could be opened ({})", why.join("; ")),
    ))
}
