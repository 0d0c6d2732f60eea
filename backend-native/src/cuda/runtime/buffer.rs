//! Tensor storage on the GPU: a typed device allocation plus the element count and dtype.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use cudarc::driver::{CudaSlice, DevicePtr};
use ferroflow_core::{BackendBuffer, DType, Error, HostData, MemoryCounter, Result};

use super::{call, error, Gpu};

/// Bytes per element in device memory (bool is one byte, 0 or 1).
pub(crate) fn storage_size(dtype: DType) -> usize {
    match dtype {
        DType::F32 | DType::I32 => 4,
        DType::Bool => 1,
    }
}

/// A device allocation of one element type.
#[derive(Debug)]
pub(crate) enum Storage {
    F32(CudaSlice<f32>),
    I32(CudaSlice<i32>),
    Bool(CudaSlice<u8>),
}

/// A tensor's buffer on a CUDA device. Empty tensors hold no allocation (CUDA refuses zero-byte
/// allocations); kernels that are handed one get a null pointer they never dereference.
pub struct CudaBuffer {
    storage: Option<Storage>,
    len: usize,
    dtype: DType,
    gpu: Arc<Gpu>,
    mem: Arc<MemoryCounter>,
}

impl std::fmt::Debug for CudaBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CudaBuffer({} x {})", self.len, self.dtype)
    }
}

impl CudaBuffer {
    /// Wraps a fresh allocation (or none, for `len == 0`) and counts its bytes.
    fn wrap(
        gpu: &Arc<Gpu>,
        mem: &Arc<MemoryCounter>,
        storage: Option<Storage>,
        len: usize,
        dtype: DType,
    ) -> CudaBuffer {
        mem.add(len * storage_size(dtype));
        CudaBuffer {
            storage,
            len,
            dtype,
            gpu: gpu.clone(),
            mem: mem.clone(),
        }
    }

    /// A buffer for `len` elements of `dtype`, contents unspecified (kernels write every output).
    pub(crate) fn alloc(gpu: &Arc<Gpu>, mem: &Arc<MemoryCounter>, len: usize, dtype: DType) -> Result<CudaBuffer> {
        len.checked_mul(storage_size(dtype))
            .ok_or_else(|| Error::size("cuda", format!("{len} elements overflow a buffer size")))?;
        let storage = if len == 0 {
            None
        } else {
            let s = &gpu.stream;
            let what = "allocating device memory";
            // SAFETY: the contents are unspecified until a kernel writes them; every kernel the
            // renderer emits writes each element of its output before anything reads it.
            Some(match dtype {
                DType::F32 => Storage::F32(call(what, || unsafe { s.alloc::<f32>(len) })?),
                DType::I32 => Storage::I32(call(what, || unsafe { s.alloc::<i32>(len) })?),
                DType::Bool => Storage::Bool(call(what, || unsafe { s.alloc::<u8>(len) })?),
            })
        };
        Ok(CudaBuffer::wrap(gpu, mem, storage, len, dtype))
    }

    /// Copies `data` to a new device buffer, asynchronously on the stream (pageable host memory
    /// is staged by the driver before the call returns, so `data` may be dropped at once).
    pub(crate) fn upload(gpu: &Arc<Gpu>, mem: &Arc<MemoryCounter>, data: &HostData) -> Result<CudaBuffer> {
        let len = data.len();
        let storage = if len == 0 {
            None
        } else {
            let s = &gpu.stream;
            let what = "copying to the device";
            Some(match data {
                HostData::F32(v) => Storage::F32(call(what, || s.clone_htod(v.as_slice()))?),
                HostData::I32(v) => Storage::I32(call(what, || s.clone_htod(v.as_slice()))?),
                HostData::Bool(v) => {
                    let bytes: Vec<u8> = v.iter().map(|&b| u8::from(b)).collect();
                    Storage::Bool(call(what, || s.clone_htod(bytes.as_slice()))?)
                }
            })
        };
        Ok(CudaBuffer::wrap(gpu, mem, storage, len, data.dtype()))
    }

    /// Copies the buffer back and waits for the copy (and everything queued before it).
    pub(crate) fn download(&self, gpu: &Gpu) -> Result<HostData> {
        if !Arc::ptr_eq(&self.gpu.ctx, &gpu.ctx) || !Arc::ptr_eq(&self.gpu.stream, &gpu.stream) {
            return Err(error("buffer belongs to another CUDA device"));
        }
        gpu.check()?;
        let s = &gpu.stream;
        let what = "copying to the host";
        let Some(storage) = &self.storage else {
            return Ok(match self.dtype {
                DType::F32 => HostData::F32(vec![]),
                DType::I32 => HostData::I32(vec![]),
                DType::Bool => HostData::Bool(vec![]),
            });
        };
        let out = match storage {
            Storage::F32(d) => {
                let mut host = vec![0f32; self.len];
                call(what, || s.memcpy_dtoh(d, host.as_mut_slice()))?;
                gpu.wait()?;
                HostData::F32(host)
            }
            Storage::I32(d) => {
                let mut host = vec![0i32; self.len];
                call(what, || s.memcpy_dtoh(d, host.as_mut_slice()))?;
                gpu.wait()?;
                HostData::I32(host)
            }
            Storage::Bool(d) => {
                let mut host = vec![0u8; self.len];
                call(what, || s.memcpy_dtoh(d, host.as_mut_slice()))?;
                gpu.wait()?;
                HostData::Bool(host.into_iter().map(|b| b != 0).collect())
            }
        };
        Ok(out)
    }

    /// The device address kernels receive (null for an empty buffer).
    pub(crate) fn device_ptr(&self, gpu: &Gpu) -> Result<u64> {
        if !Arc::ptr_eq(&self.gpu.ctx, &gpu.ctx) {
            return Err(error("buffer belongs to another CUDA device"));
        }
        let s = &gpu.stream;
        // Event tracking is off, so the returned guards record nothing.
        let ptr = match &self.storage {
            None => return Ok(0),
            Some(Storage::F32(d)) => crate::cuda::runtime::guarded("device pointer", || d.device_ptr(s).0)?,
            Some(Storage::I32(d)) => crate::cuda::runtime::guarded("device pointer", || d.device_ptr(s).0)?,
            Some(Storage::Bool(d)) => crate::cuda::runtime::guarded("device pointer", || d.device_ptr(s).0)?,
        };
        Ok(ptr)
    }

    /// Bytes of device memory the buffer's data takes.
    pub(crate) fn data_bytes(&self) -> usize {
        self.len * storage_size(self.dtype)
    }
}

impl Drop for CudaBuffer {
    fn drop(&mut self) {
        self.mem.remove(self.data_bytes());
        if let Some(storage) = self.storage.take() {
            // The free is queued on the stream after every kernel that used the buffer (or, without
            // stream-ordered allocation, waits for the stream); failures are recorded in the
            // context and reported by the next synchronize or readback. Dropping may happen on any
            // thread, so bind the context first; a panic from cudarc must not unwind out of Drop.
            let ctx = self.gpu.ctx.clone();
            let _ = catch_unwind(AssertUnwindSafe(move || {
                ctx.record_err(ctx.bind_to_thread());
                drop(storage);
            }));
        }
    }
}

impl BackendBuffer for CudaBuffer {
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
