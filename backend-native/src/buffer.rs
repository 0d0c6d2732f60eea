//! Host-memory buffers with live-memory accounting.

use std::any::Any;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ferroflow_core::{BackendBuffer, DType, HostData, MemoryInfo};

/// Live buffer and byte counts shared by a backend and every buffer it created (buffers may
/// outlive the backend handle, so the counters are reference-counted).
#[derive(Debug, Default)]
pub(crate) struct MemCounter {
    buffers: AtomicUsize,
    bytes: AtomicUsize,
}

impl MemCounter {
    pub(crate) fn info(&self) -> MemoryInfo {
        MemoryInfo {
            num_buffers: self.buffers.load(Ordering::Relaxed),
            num_bytes: self.bytes.load(Ordering::Relaxed),
        }
    }
}

/// A CPU buffer: a typed vector in host memory.
#[derive(Debug)]
pub struct CpuBuffer {
    data: HostData,
    counter: Arc<MemCounter>,
}

fn byte_len(data: &HostData) -> usize {
    data.len().saturating_mul(data.dtype().size_of())
}

impl CpuBuffer {
    pub(crate) fn new(data: HostData, counter: &Arc<MemCounter>) -> CpuBuffer {
        counter.buffers.fetch_add(1, Ordering::Relaxed);
        counter.bytes.fetch_add(byte_len(&data), Ordering::Relaxed);
        CpuBuffer {
            data,
            counter: counter.clone(),
        }
    }

    /// The contents, row-major.
    pub fn data(&self) -> &HostData {
        &self.data
    }
}

impl Drop for CpuBuffer {
    fn drop(&mut self) {
        self.counter.buffers.fetch_sub(1, Ordering::Relaxed);
        self.counter.bytes.fetch_sub(byte_len(&self.data), Ordering::Relaxed);
        crate::pool::give_host(std::mem::replace(&mut self.data, HostData::F32(Vec::new())));
    }
}

impl BackendBuffer for CpuBuffer {
    fn len(&self) -> usize {
        self.data.len()
    }
    fn dtype(&self) -> DType {
        self.data.dtype()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
