//! Per-kernel timing: a [`Backend`] that wraps another device's backend and times every kernel
//! run, grouped by a label of the kernel's kind and shapes. Used by `--profile` on a separate
//! device, so the timed figures never include this bookkeeping.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use ferroflow::ir::{Kernel, KernelBody};
use ferroflow::{Backend, Buffer, Device, Executable, HostData, MemoryInfo, Result};

#[derive(Debug, Clone, Default)]
pub struct Entry {
    pub calls: usize,
    pub total_ms: f64,
}

type Table = Arc<Mutex<HashMap<String, Entry>>>;

/// Wraps `inner`'s backend (the wrapped device's cache is bypassed; the new device caches).
pub struct TimedBackend {
    inner: Device,
    table: Table,
}

struct TimedExe {
    inner: Arc<dyn Executable>,
    label: String,
    table: Table,
    /// The wrapped device, synchronized after each run so a GPU kernel's time is its own
    /// (without it, queued work would be billed to whichever kernel waits next).
    device: Device,
}

impl Executable for TimedExe {
    fn run(&self, inputs: &[&Buffer]) -> Result<Buffer> {
        let t0 = Instant::now();
        let out = self.inner.run(inputs);
        let out = match out {
            Ok(b) => self.device.synchronize().map(|_| b),
            e => e,
        };
        let ms = t0.elapsed().as_secs_f64() * 1e3;
        if let Ok(mut t) = self.table.lock() {
            let e = t.entry(self.label.clone()).or_default();
            e.calls += 1;
            e.total_ms += ms;
        }
        out
    }
}

/// A short description of a kernel: kind and shapes (what distinguishes the expensive ones).
pub fn label(k: &Kernel) -> String {
    match &k.body {
        KernelBody::Elementwise(e) => {
            let loads = e
                .nodes
                .iter()
                .filter(|n| matches!(n.op, ferroflow::ir::ExprOp::Load { .. }))
                .count();
            format!(
                "elementwise {:?} ({} nodes, {} loads, {} inputs)",
                k.out_shape,
                e.nodes.len(),
                loads,
                k.num_inputs
            )
        }
        KernelBody::Reduce { op, axes, expr } => {
            format!(
                "reduce {op:?} {:?} axes {axes:?} -> {:?} ({} nodes)",
                expr.shape,
                k.out_shape,
                expr.nodes.len()
            )
        }
        KernelBody::MatMul { a, b } => {
            // "^T": the operand is read transposed (column-major); "strided": neither layout.
            let t = |v: &ferroflow::ir::View| match (v.strides.get(1), v.strides.get(2)) {
                (_, Some(1)) => "",
                (Some(1), _) => "^T",
                _ => " strided",
            };
            format!("matmul {:?}{} x {:?}{}", a.shape, t(a), b.shape, t(b))
        }
        KernelBody::Conv { params, x, w } => {
            let t = |v: &ferroflow::ir::View| if v.is_contiguous() { "" } else { " strided" };
            format!(
                "conv x{:?}{} w{:?}{} -> {:?} stride {:?} pad {:?} lhs_dil {:?} rhs_dil {:?}",
                x.shape,
                t(x),
                w.shape,
                t(w),
                k.out_shape,
                params.stride,
                params.padding,
                params.lhs_dilation,
                params.rhs_dilation
            )
        }
        KernelBody::Gather { .. } => format!("gather -> {:?}", k.out_shape),
        KernelBody::ScatterAdd { .. } => format!("scatterAdd -> {:?}", k.out_shape),
        KernelBody::WithEpilogue { template, epilogue } => {
            let inner = Kernel {
                num_inputs: 2,
                out_shape: template.template_shape().unwrap_or_default(),
                out_dtype: k.out_dtype,
                body: (**template).clone(),
            };
            format!("{} + epilogue ({} nodes)", label(&inner), epilogue.nodes.len())
        }
    }
}

impl TimedBackend {
    /// A new device that times every kernel of `inner`'s backend; returns it and its table.
    pub fn device(inner: &Device) -> (Device, Profile) {
        let table: Table = Arc::default();
        (
            Device::new(TimedBackend {
                inner: inner.clone(),
                table: table.clone(),
            }),
            Profile { table },
        )
    }
}

impl Backend for TimedBackend {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn description(&self) -> String {
        format!("timed {}", self.inner.description())
    }
    fn upload(&self, data: &HostData) -> Result<Buffer> {
        self.inner.upload(data)
    }
    fn download(&self, buf: &Buffer) -> Result<HostData> {
        self.inner.download(buf)
    }
    fn compile(&self, kernel: &Kernel) -> Result<Arc<dyn Executable>> {
        let exe = self.inner.backend().compile(kernel)?;
        Ok(Arc::new(TimedExe {
            inner: exe,
            label: label(kernel),
            table: self.table.clone(),
            device: self.inner.clone(),
        }))
    }
    fn memory(&self) -> MemoryInfo {
        self.inner.memory()
    }
}

/// The accumulated per-label times.
pub struct Profile {
    table: Table,
}

impl Profile {
    pub fn reset(&self) {
        if let Ok(mut t) = self.table.lock() {
            t.clear();
        }
    }
    /// Entries sorted by total time, descending.
    pub fn sorted(&self) -> Vec<(String, Entry)> {
        let mut v: Vec<(String, Entry)> = self
            .table
            .lock()
            .map(|t| t.iter().map(|(k, e)| (k.clone(), e.clone())).collect())
            .unwrap_or_default();
        v.sort_by(|a, b| b.1.total_ms.total_cmp(&a.1.total_ms));
        v
    }
}
