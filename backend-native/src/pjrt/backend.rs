//! The `pjrt` backend: each realized graph is rendered to StableHLO (`crate::pjrt::stablehlo`),
//! compiled by the plugin's XLA once per graph structure (core's `Device` caches it), and run
//! on buffers that stay on the plugin's device between steps; only `download` copies to the host.

use std::path::Path;
use std::sync::Arc;

use ferroflow_core::ir::Graph;
use ferroflow_core::{
    Backend, BackendBuffer, Buffer, DType, Device, Error, Executable, GraphExecutable, HostData, MemoryCounter,
    MemoryInfo, Result,
};

use crate::pjrt::{Client, DeviceBuffer, ElementType, LoadedExecutable, PjrtApi};

/// Opens the plugin named by `FERROFLOW_PJRT_PLUGIN`.
pub fn device() -> Result<Device> {
    let path = crate::pjrt::plugin_path_from_env()?;
    device_from(&path)
}

/// Opens the PJRT plugin at `path` (a `.so` exporting `GetPjrtApi`).
pub fn device_from(path: &Path) -> Result<Device> {
    let api = PjrtApi::load(path)?;
    let client = Client::new(api)?;
    let description = format!("pjrt {} ({})", client.platform_name(), path.display());
    Ok(Device::new(PjrtBackend {
        client: Arc::new(client),
        mem: Arc::new(MemoryCounter::default()),
        description,
    }))
}

struct PjrtBackend {
    client: Arc<Client>,
    mem: Arc<MemoryCounter>,
    description: String,
}

/// A flat device buffer and the element type core sees.
#[derive(Debug)]
struct PjrtBuffer {
    buf: DeviceBuffer,
    len: usize,
    dtype: DType,
    mem: Arc<MemoryCounter>,
}

impl PjrtBuffer {
    fn new(buf: DeviceBuffer, len: usize, dtype: DType, mem: &Arc<MemoryCounter>) -> PjrtBuffer {
        mem.add(len * dtype.size_of());
        PjrtBuffer {
            buf,
            len,
            dtype,
            mem: mem.clone(),
        }
    }
}

impl Drop for PjrtBuffer {
    fn drop(&mut self) {
        self.mem.remove(self.len * self.dtype.size_of());
    }
}

impl BackendBuffer for PjrtBuffer {
    fn len(&self) -> usize {
        self.len
    }
    fn dtype(&self) -> DType {
        self.dtype
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn element_type(d: DType) -> ElementType {
    match d {
        DType::F32 => ElementType::F32,
        DType::I32 => ElementType::S32,
        DType::Bool => ElementType::Pred,
    }
}

impl Backend for PjrtBackend {
    fn name(&self) -> &str {
        "pjrt"
    }
    fn description(&self) -> String {
        self.description.clone()
    }
    fn upload(&self, data: &HostData) -> Result<Buffer> {
        let bytes = data.to_le_bytes();
        let len = data.len();
        let buf = self
            .client
            .buffer_from_host(&bytes, element_type(data.dtype()), &[len])?;
        Ok(Buffer::new(PjrtBuffer::new(buf, len, data.dtype(), &self.mem)))
    }
    fn download(&self, buf: &Buffer) -> Result<HostData> {
        let b = buf.downcast::<PjrtBuffer>("pjrt")?;
        let bytes = b.buf.to_host()?;
        let want = b.len * b.dtype.size_of();
        if bytes.len() != want {
            return Err(Error::backend(
                "pjrt",
                format!("readback gave {} bytes, expected {want}", bytes.len()),
            ));
        }
        HostData::from_le_bytes(b.dtype, &bytes)
    }
    fn compile(&self, _kernel: &ferroflow_core::ir::Kernel) -> Result<Arc<dyn Executable>> {
        Err(Error::backend(
            "pjrt",
            "compiles whole programs; kernels are never handed to it",
        ))
    }
    fn compiles_graphs(&self) -> bool {
        true
    }
    fn compile_graph(&self, graph: &Graph) -> Result<Arc<dyn GraphExecutable>> {
        let text = crate::pjrt::stablehlo::render(graph)?;
        let exe = self.client.compile(&text)?;
        let outputs = graph
            .outputs
            .iter()
            .map(|&i| {
                let n = &graph.nodes[i];
                (n.shape.iter().product(), n.dtype)
            })
            .collect();
        Ok(Arc::new(PjrtProgram {
            exe,
            outputs,
            mem: self.mem.clone(),
        }))
    }
    fn memory(&self) -> MemoryInfo {
        self.mem.info()
    }
}

struct PjrtProgram {
    exe: LoadedExecutable,
    /// Element count and dtype of each result.
    outputs: Vec<(usize, DType)>,
    mem: Arc<MemoryCounter>,
}

impl GraphExecutable for PjrtProgram {
    fn run(&self, params: &[&Buffer]) -> Result<Vec<Buffer>> {
        let bufs = params
            .iter()
            .map(|b| b.downcast::<PjrtBuffer>("pjrt").map(|p| &p.buf))
            .collect::<Result<Vec<_>>>()?;
        let out = self.exe.execute(&bufs)?;
        if out.len() != self.outputs.len() {
            return Err(Error::backend(
                "pjrt",
                format!(
                    "program returned {} buffers, expected {}",
                    out.len(),
                    self.outputs.len()
                ),
            ));
        }
        Ok(out
            .into_iter()
            .zip(&self.outputs)
            .map(|(b, &(len, dtype))| Buffer::new(PjrtBuffer::new(b, len, dtype, &self.mem)))
            .collect())
    }
}
