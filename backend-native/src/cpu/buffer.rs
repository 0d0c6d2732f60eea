//! Host-memory buffers with live-memory accounting.

use std::any::Any;
use std::sync::Arc;

use ferroflow_core::{BackendBuffer, DType, HostData, MemoryCounter};

/// A CPU buffer: a typed vector in host memory.
#[derive(Debug)]
pub struct CpuBuffer {
    data: HostData,
    counter: Arc<MemoryCounter>,
}

fn byte_len(data: &HostData) -> usize {
    data.len().saturating_mul(data.dtype().size_of())
}

impl CpuBuffer {
    pub(crate) fn new(data: HostData, counter: &Arc<MemoryCounter>) -> CpuBuffer {
        counter.add(byte_len(&data));
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
        self.counter.remove(byte_len(&self.data));
        crate::cpu::pool::give_host(std::mem::replace(&mut self.data, HostData::F32(Vec::new())));
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
