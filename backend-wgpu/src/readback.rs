//! Moving tensors between host and GPU. Readback copies into a mappable staging buffer; natively
//! the blocking path waits on the device, in a browser only the async path exists (WebGPU maps
//! buffers from the event loop).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use ferroflow_core::{BackendBuffer, Buffer, DType, HostData, Result};

use crate::buffer::GpuBuffer;
use crate::context::{backend_error, Gpu};
use ferroflow_core::MemoryCounter;

pub(crate) fn upload(gpu: &Arc<Gpu>, mem: &Arc<MemoryCounter>, data: &HostData) -> Result<Buffer> {
    gpu.check()?;
    let buf = GpuBuffer::alloc(gpu, mem, data.len(), data.dtype())?;
    if !data.is_empty() {
        // The recycled buffer may still be read by recorded commands; write_buffer lands before
        // the next submission, so submit those first.
        gpu.flush()?;
        let bytes: Vec<u8> = match data {
            HostData::F32(v) => bytemuck::cast_slice(v).to_vec(),
            HostData::I32(v) => bytemuck::cast_slice(v).to_vec(),
            HostData::Bool(v) => v.iter().flat_map(|&b| u32::from(b).to_le_bytes()).collect(),
        };
        gpu.queue.write_buffer(buf.raw()?, 0, &bytes);
    }
    Ok(Buffer::new(buf))
}

/// Records the copy into a staging buffer and submits; returns the staging buffer.
fn stage(gpu: &Gpu, src: &GpuBuffer) -> Result<Option<wgpu::Buffer>> {
    gpu.check()?;
    let bytes = src.data_bytes();
    if bytes == 0 {
        return Ok(None);
    }
    let staging = gpu.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("ferroflow readback"),
        size: bytes,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let raw = src.raw()?;
    gpu.record(|enc| enc.copy_buffer_to_buffer(raw, 0, &staging, 0, bytes))?;
    gpu.flush()?;
    Ok(Some(staging))
}

fn decode(dtype: DType, len: usize, staging: &wgpu::Buffer) -> Result<HostData> {
    let view = staging
        .get_mapped_range(..)
        .map_err(|e| backend_error(format!("readback mapping failed: {e}")))?;
    let bytes: &[u8] = &view;
    let words = || bytes.chunks_exact(4).take(len).map(|c| [c[0], c[1], c[2], c[3]]);
    let out = match dtype {
        DType::F32 => HostData::F32(words().map(f32::from_le_bytes).collect()),
        DType::I32 => HostData::I32(words().map(i32::from_le_bytes).collect()),
        DType::Bool => HostData::Bool(words().map(|w| u32::from_le_bytes(w) != 0).collect()),
    };
    drop(view);
    staging.unmap();
    if out.len() != len {
        return Err(backend_error(format!(
            "readback returned {} of {len} elements",
            out.len()
        )));
    }
    Ok(out)
}

fn empty(dtype: DType) -> HostData {
    match dtype {
        DType::F32 => HostData::F32(Vec::new()),
        DType::I32 => HostData::I32(Vec::new()),
        DType::Bool => HostData::Bool(Vec::new()),
    }
}

pub(crate) fn download(gpu: &Gpu, buf: &Buffer) -> Result<HostData> {
    #[cfg(target_arch = "wasm32")]
    {
        let _ = (gpu, buf);
        Err(backend_error(
            "synchronous readback is not possible on WebGPU in a browser: use the async variant (to_host_async / data())",
        ))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        pollster::block_on(download_async(gpu, buf))
    }
}

pub(crate) async fn download_async(gpu: &Gpu, buf: &Buffer) -> Result<HostData> {
    let src = buf.downcast::<GpuBuffer>("wgpu")?;
    let Some(staging) = stage(gpu, src)? else {
        return Ok(empty(src.dtype()));
    };
    let done = MapSignal::default();
    let signal = done.clone();
    staging.map_async(wgpu::MapMode::Read, .., move |r| signal.set(r.is_ok()));
    #[cfg(not(target_arch = "wasm32"))]
    gpu.device
        .poll(wgpu::PollType::wait_indefinitely())
        .map_err(|e| backend_error(format!("waiting for the GPU failed: {e}")))?;
    let mapped = done.await;
    gpu.check()?;
    if !mapped {
        return Err(backend_error("mapping the readback buffer failed"));
    }
    decode(src.dtype(), src.len(), &staging)
}

#[derive(Default)]
struct SignalState {
    value: Option<bool>,
    waker: Option<Waker>,
}

/// A one-shot flag set by wgpu's map callback, awaitable.
#[derive(Clone, Default)]
struct MapSignal(Arc<Mutex<SignalState>>);

impl MapSignal {
    fn set(&self, ok: bool) {
        if let Ok(mut s) = self.0.lock() {
            s.value = Some(ok);
            if let Some(w) = s.waker.take() {
                w.wake();
            }
        }
    }
}

impl Future for MapSignal {
    type Output = bool;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        match self.0.lock() {
            Ok(mut s) => match s.value {
                Some(v) => Poll::Ready(v),
                None => {
                    s.waker = Some(cx.waker().clone());
                    Poll::Pending
                }
            },
            Err(_) => Poll::Ready(false),
        }
    }
}
