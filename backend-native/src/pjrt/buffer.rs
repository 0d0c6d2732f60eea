//! Device buffers: element types, host-to-device and device-to-host copies.

use std::ffi::c_void;
use std::ptr;
use std::sync::Arc;

use ferroflow_core::Result;

use super::api::err;
use super::client::ClientInner;
use super::ffi::{self, Args, PJRT_Buffer};

/// The element type of a buffer (`PJRT_Buffer_Type`).
///
/// Host data uses the layout XLA uses: little-endian values, `Pred` one byte per element (0 or
/// 1). Buffers can be created from host data of the three named types; a program may return
/// other types, which are reported as `Other` with the PJRT type code and can still be read
/// back as bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ElementType {
    /// `bool`, one byte per element (`i1` in StableHLO).
    Pred,
    /// `i32`.
    S32,
    /// `f32`.
    F32,
    /// Any other `PJRT_Buffer_Type` code (see the PJRT C API header).
    Other(i32),
}

impl ElementType {
    pub(crate) fn from_raw(code: ffi::PJRT_Buffer_Type) -> Self {
        match code {
            ffi::PJRT_BUFFER_TYPE_PRED => ElementType::Pred,
            ffi::PJRT_BUFFER_TYPE_S32 => ElementType::S32,
            ffi::PJRT_BUFFER_TYPE_F32 => ElementType::F32,
            other => ElementType::Other(other),
        }
    }

    pub(crate) fn to_raw(self) -> ffi::PJRT_Buffer_Type {
        match self {
            ElementType::Pred => ffi::PJRT_BUFFER_TYPE_PRED,
            ElementType::S32 => ffi::PJRT_BUFFER_TYPE_S32,
            ElementType::F32 => ffi::PJRT_BUFFER_TYPE_F32,
            ElementType::Other(code) => code,
        }
    }

    /// Bytes per element on the host, for the types that can be uploaded.
    pub fn byte_width(self) -> Option<usize> {
        match self {
            ElementType::Pred => Some(1),
            ElementType::S32 | ElementType::F32 => Some(4),
            ElementType::Other(_) => None,
        }
    }

    /// The StableHLO spelling (`f32`, `i32`, `i1`).
    pub fn mlir_name(self) -> Option<&'static str> {
        match self {
            ElementType::Pred => Some("i1"),
            ElementType::S32 => Some("i32"),
            ElementType::F32 => Some("f32"),
            ElementType::Other(_) => None,
        }
    }
}

impl std::fmt::Display for ElementType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ElementType::Pred => f.write_str("pred"),
            ElementType::S32 => f.write_str("s32"),
            ElementType::F32 => f.write_str("f32"),
            ElementType::Other(code) => write!(f, "PJRT type {code}"),
        }
    }
}

/// A buffer on the client's device. Its shape and type are read from PJRT when it is created.
/// Dropping it destroys the `PJRT_Buffer`; it keeps its client (and the plugin) alive.
pub struct DeviceBuffer {
    pub(crate) client: Arc<ClientInner>,
    pub(crate) raw: *mut PJRT_Buffer,
    dims: Vec<usize>,
    element_type: ElementType,
    byte_size: usize,
}

// SAFETY: PJRT buffers may be used and destroyed from any thread (the C API is thread-safe);
// the Rust side holds only immutable metadata.
unsafe impl Send for DeviceBuffer {}
// SAFETY: as above; every method takes `&self` and only reads.
unsafe impl Sync for DeviceBuffer {}

impl std::fmt::Debug for DeviceBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceBuffer")
            .field("element_type", &self.element_type)
            .field("dims", &self.dims)
            .field("byte_size", &self.byte_size)
            .finish()
    }
}

impl Drop for DeviceBuffer {
    fn drop(&mut self) {
        let api = &self.client.api;
        let mut args = ffi::PJRT_Buffer_Destroy_Args::new();
        args.buffer = self.raw;
        // SAFETY: the buffer is owned by `self` and destroyed exactly once, before the client
        // (which `self.client` keeps alive).
        let e = unsafe { (api.fns.buffer_destroy)(&mut args) };
        api.ignore(e);
    }
}

/// A dense row-major layout (minor-to-major `[rank-1, ..., 0]`, no tiles) for copies to host.
struct RowMajor {
    minor_to_major: Vec<i64>,
    layout: ffi::PJRT_Buffer_MemoryLayout,
}

impl RowMajor {
    fn new(rank: usize) -> Box<Self> {
        let minor_to_major: Vec<i64> = (0..rank as i64).rev().collect();
        let mut this = Box::new(RowMajor {
            minor_to_major,
            layout: ffi::PJRT_Buffer_MemoryLayout::new(),
        });
        this.layout.type_ = ffi::PJRT_BUFFER_MEMORY_LAYOUT_TYPE_TILED;
        this.layout.tiled = ffi::PJRT_Buffer_MemoryLayout_Tiled::new();
        this.layout.tiled.minor_to_major = this.minor_to_major.as_ptr();
        this.layout.tiled.minor_to_major_size = this.minor_to_major.len();
        this
    }
}

impl DeviceBuffer {
    /// Takes ownership of a buffer returned by PJRT and reads its shape and type. On error the
    /// buffer is destroyed.
    pub(crate) fn from_raw(client: &Arc<ClientInner>, raw: *mut PJRT_Buffer) -> Result<Self> {
        if raw.is_null() {
            return Err(err("PJRT returned a null buffer"));
        }
        let mut buffer = DeviceBuffer {
            client: client.clone(),
            raw,
            dims: Vec::new(),
            element_type: ElementType::Other(0),
            byte_size: 0,
        };
        let api = &client.api;

        let mut d = ffi::PJRT_Buffer_Dimensions_Args::new();
        d.buffer = raw;
        // SAFETY: `raw` is a live buffer.
        api.check(unsafe { (api.fns.buffer_dimensions)(&mut d) }, "PJRT_Buffer_Dimensions")?;
        if d.num_dims > 0 {
            if d.dims.is_null() {
                return Err(err("PJRT_Buffer_Dimensions returned null dimensions"));
            }
            // SAFETY: `dims` has `num_dims` elements and lives as long as the buffer.
            let dims = unsafe { std::slice::from_raw_parts(d.dims, d.num_dims) };
            buffer.dims = dims
                .iter()
                .map(|&x| usize::try_from(x))
                .collect::<Result<_, _>>()
                .map_err(|_| err(format!("PJRT buffer has a negative dimension: {dims:?}")))?;
        }

        let mut t = ffi::PJRT_Buffer_ElementType_Args::new();
        t.buffer = raw;
        // SAFETY: `raw` is a live buffer.
        api.check(
            unsafe { (api.fns.buffer_element_type)(&mut t) },
            "PJRT_Buffer_ElementType",
        )?;
        buffer.element_type = ElementType::from_raw(t.type_);

        buffer.byte_size = match buffer.element_type.byte_width() {
            Some(w) => buffer
                .element_count()
                .checked_mul(w)
                .ok_or_else(|| err("PJRT buffer size overflows usize"))?,
            None => buffer.host_size(&mut RowMajor::new(buffer.dims.len()))?,
        };
        Ok(buffer)
    }

    /// The dimensions, as reported by PJRT.
    pub fn dims(&self) -> &[usize] {
        &self.dims
    }

    /// The element type, as reported by PJRT.
    pub fn element_type(&self) -> ElementType {
        self.element_type
    }

    /// Number of elements (1 for a scalar).
    pub fn element_count(&self) -> usize {
        self.dims.iter().product()
    }

    /// Size in bytes of the dense host copy ([`DeviceBuffer::to_host`]).
    pub fn byte_size(&self) -> usize {
        self.byte_size
    }

    fn host_size(&self, layout: &mut RowMajor) -> Result<usize> {
        let api = &self.client.api;
        let mut a = ffi::PJRT_Buffer_ToHostBuffer_Args::new();
        a.src = self.raw;
        a.host_layout = &mut layout.layout;
        // SAFETY: live buffer; a null `dst` asks for the size only (no event is returned).
        let e = unsafe { (api.fns.buffer_to_host_buffer)(&mut a) };
        let event = a.event;
        api.check(e, "PJRT_Buffer_ToHostBuffer (size query)")?;
        api.await_event(event, "PJRT_Buffer_ToHostBuffer (size query)")?;
        Ok(a.dst_size)
    }

    /// Copies the buffer to the host: dense, row-major, in the layout of [`ElementType`]. Waits
    /// for the copy (and for any computation producing the buffer) to finish.
    pub fn to_host(&self) -> Result<Vec<u8>> {
        let api = &self.client.api;
        let mut layout = RowMajor::new(self.dims.len());
        let size = self.host_size(&mut layout)?;
        if size != self.byte_size {
            return Err(err(format!(
                "PJRT_Buffer_ToHostBuffer wants {size} bytes for a {} buffer of shape {:?} \
                 ({} expected)",
                self.element_type, self.dims, self.byte_size
            )));
        }
        let mut out = vec![0u8; size];
        let mut a = ffi::PJRT_Buffer_ToHostBuffer_Args::new();
        a.src = self.raw;
        a.host_layout = &mut layout.layout;
        a.dst = out.as_mut_ptr().cast::<c_void>();
        a.dst_size = size;
        // SAFETY: `dst` has `dst_size` writable bytes and outlives the copy, which is awaited
        // below before `out` is returned or dropped (also on the error path of the call, which
        // returns no event).
        let e = unsafe { (api.fns.buffer_to_host_buffer)(&mut a) };
        let event = a.event;
        api.check(e, "PJRT_Buffer_ToHostBuffer")?;
        api.await_event(event, "PJRT_Buffer_ToHostBuffer")?;
        Ok(out)
    }
}

/// Uploads host data (see [`super::Client::buffer_from_host`]).
pub(crate) fn upload(
    client: &Arc<ClientInner>,
    bytes: &[u8],
    element_type: ElementType,
    dims: &[usize],
) -> Result<DeviceBuffer> {
    let width = element_type.byte_width().ok_or_else(|| {
        err(format!(
            "buffer_from_host: element type {element_type} is not supported (pred, s32, f32)"
        ))
    })?;
    let count = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| err(format!("buffer_from_host: shape {dims:?} overflows usize")))?;
    let expected = count
        .checked_mul(width)
        .ok_or_else(|| err(format!("buffer_from_host: shape {dims:?} overflows usize")))?;
    if bytes.len() != expected {
        return Err(err(format!(
            "buffer_from_host: {} bytes given for a {element_type} buffer of shape {dims:?} \
             ({expected} expected)",
            bytes.len()
        )));
    }
    if element_type == ElementType::Pred {
        if let Some(i) = bytes.iter().position(|&b| b > 1) {
            return Err(err(format!(
                "buffer_from_host: pred element {i} is {} (must be 0 or 1)",
                bytes[i]
            )));
        }
    }
    let dims_i64 = dims
        .iter()
        .map(|&d| i64::try_from(d))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| err(format!("buffer_from_host: shape {dims:?} does not fit in i64")))?;

    let api = &client.api;
    let mut a = ffi::PJRT_Client_BufferFromHostBuffer_Args::new();
    a.client = client.raw;
    // PJRT never reads through `data` for an empty buffer, but it must not be null.
    a.data = if bytes.is_empty() {
        ptr::NonNull::<u64>::dangling().as_ptr().cast::<c_void>()
    } else {
        bytes.as_ptr().cast::<c_void>()
    };
    a.type_ = element_type.to_raw();
    a.dims = dims_i64.as_ptr();
    a.num_dims = dims_i64.len();
    a.host_buffer_semantics = ffi::PJRT_HOST_BUFFER_IMMUTABLE_UNTIL_TRANSFER_COMPLETES;
    a.device = client.device;
    // SAFETY: `data` holds `expected` bytes of the declared type and shape (dense row-major,
    // no strides); it stays borrowed until `done_with_host_buffer` has fired, awaited below
    // before this function returns.
    let e = unsafe { (api.fns.client_buffer_from_host_buffer)(&mut a) };
    let (event, raw) = (a.done_with_host_buffer, a.buffer);
    api.check(e, "PJRT_Client_BufferFromHostBuffer")?;
    // Own the buffer first, so it is destroyed if waiting fails.
    let owned = OwnedRaw { client, raw };
    api.await_event(event, "PJRT_Client_BufferFromHostBuffer (done with host buffer)")?;
    let buffer = DeviceBuffer::from_raw(client, owned.release())?;
    if buffer.dims != dims || buffer.element_type != element_type {
        return Err(err(format!(
            "PJRT created a {} buffer of shape {:?} for {element_type} data of shape {dims:?}",
            buffer.element_type, buffer.dims
        )));
    }
    Ok(buffer)
}

/// A raw output or upload buffer that is destroyed unless released into a [`DeviceBuffer`].
pub(crate) struct OwnedRaw<'a> {
    pub client: &'a Arc<ClientInner>,
    pub raw: *mut PJRT_Buffer,
}

impl OwnedRaw<'_> {
    pub fn release(mut self) -> *mut PJRT_Buffer {
        std::mem::replace(&mut self.raw, ptr::null_mut())
    }
}

impl Drop for OwnedRaw<'_> {
    fn drop(&mut self) {
        if self.raw.is_null() {
            return;
        }
        let api = &self.client.api;
        let mut args = ffi::PJRT_Buffer_Destroy_Args::new();
        args.buffer = self.raw;
        // SAFETY: the buffer was returned by PJRT, is owned here and destroyed once.
        let e = unsafe { (api.fns.buffer_destroy)(&mut args) };
        api.ignore(e);
    }
}
