//! Tensor storage on the GPU: a pooled `wgpu::Buffer` plus the element count and dtype it holds.

use std::any::Any;
use std::sync::Arc;

use ferroflow_core::{BackendBuffer, DType, Error, MemoryCounter, Result};

use crate::context::Gpu;
use crate::pool::size_class;

/// Bytes per element in storage (bool is one u32).
pub(crate) fn storage_size(dtype: DType) -> u64 {
    match dtype {
        DType::F32 | DType::I32 | DType::Bool => 4,
    }
}

/// A tensor's buffer on the GPU. Dropping it returns the storage to the pool.
pub struct GpuBuffer {
    buf: Option<wgpu::Buffer>,
    class: u64,
    len: usize,
    dtype: DType,
    gpu: Arc<Gpu>,
    mem: Arc<MemoryCounter>,
}

impl std::fmt::Debug for GpuBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "GpuBuffer({} x {}, {} bytes allocated)",
            self.len, self.dtype, self.class
        )
    }
}

impl GpuBuffer {
    /// A buffer for `len` elements of `dtype` (contents unspecified), from the pool when possible.
    pub(crate) fn alloc(gpu: &Arc<Gpu>, mem: &Arc<MemoryCounter>, len: usize, dtype: DType) -> Result<GpuBuffer> {
        let bytes = (len as u64)
            .checked_mul(storage_size(dtype))
            .ok_or_else(|| Error::size("wgpu", format!("{len} elements overflow a buffer size")))?;
        let max = gpu.max_binding();
        if bytes > max {
            return Err(Error::size(
                "wgpu",
                format!(
                    "a {dtype} tensor of {len} elements ({bytes} bytes) exceeds this adapter's largest storage binding ({max} bytes)"
                ),
            ));
        }
        let class = size_class(bytes).min(max.max(4) / 4 * 4).max(bytes);
        let buf = match gpu.pool.take(class) {
            Some(b) => b,
            None => gpu.device.create_buffer(&wgpu::BufferDescriptor {
                label: None,
                size: class,
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
        };
        mem.add(bytes as usize);
        Ok(GpuBuffer {
            buf: Some(buf),
            class,
            len,
            dtype,
            gpu: gpu.clone(),
            mem: mem.clone(),
        })
    }

    pub(crate) fn raw(&self) -> Result<&wgpu::Buffer> {
        self.buf
            .as_ref()
            .ok_or_else(|| Error::backend("wgpu", "buffer already released"))
    }

    /// Bytes that hold data (the allocation may be larger).
    pub(crate) fn data_bytes(&self) -> u64 {
        self.len as u64 * storage_size(self.dtype)
    }
}

impl Drop for GpuBuffer {
    fn drop(&mut self) {
        self.mem.remove(self.data_bytes() as usize);
        if let Some(b) = self.buf.take() {
            self.gpu.pool.give(self.class, b);
        }
    }
}

impl BackendBuffer for GpuBuffer {
    fn len(&self) -> usize {
        self.len
    }
    fn dtype(&self) -> DType {
        self.dtype
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
