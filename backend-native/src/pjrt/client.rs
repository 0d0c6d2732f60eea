//! `PJRT_Client`: devices, uploads, compilation.

use std::ffi::c_char;
use std::ptr;
use std::sync::Arc;

use ferroflow_core::Result;

use super::api::{err, lossy_string, PjrtApi};
use super::buffer::{self, DeviceBuffer, ElementType};
use super::executable::LoadedExecutable;
use super::ffi::{self, Args, PJRT_Client, PJRT_Device};

/// What buffers and executables share: the plugin, the client handle and the device used.
/// Destroyed (`PJRT_Client_Destroy`) when the last [`Client`], buffer and executable is gone.
pub(crate) struct ClientInner {
    pub api: Arc<PjrtApi>,
    pub raw: *mut PJRT_Client,
    /// The first addressable device: buffers are placed there and programs run there.
    pub device: *mut PJRT_Device,
    devices: Vec<*mut PJRT_Device>,
    platform: String,
}

// SAFETY: a PJRT client may be used from any thread (the C API is thread-safe); the device
// pointers are owned by the client and immutable.
unsafe impl Send for ClientInner {}
// SAFETY: as above.
unsafe impl Sync for ClientInner {}

impl Drop for ClientInner {
    fn drop(&mut self) {
        let mut args = ffi::PJRT_Client_Destroy_Args::new();
        args.client = self.raw;
        // SAFETY: the client is owned here and destroyed once, after every buffer and
        // executable (each holds an `Arc` of this).
        let e = unsafe { (self.api.fns.client_destroy)(&mut args) };
        self.api.ignore(e);
    }
}

/// A device of the client, as described by the plugin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    /// The device id (unique among devices of this kind).
    pub id: i32,
    /// The vendor's device kind, e.g. "cpu" or a GPU model.
    pub kind: String,
}

/// A PJRT client (one per plugin is typical). Cheap to clone: clones share the client.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("platform", &self.inner.platform)
            .field("devices", &self.inner.devices.len())
            .field("plugin", &self.inner.api)
            .finish()
    }
}

impl Client {
    /// Creates a client with no options (`PJRT_Client_Create`). Fails if the plugin reports an
    /// error or has no addressable device.
    pub fn new(api: Arc<PjrtApi>) -> Result<Client> {
        let mut a = ffi::PJRT_Client_Create_Args::new();
        // SAFETY: valid args: no options, no key-value store callbacks.
        let e = unsafe { (api.fns.client_create)(&mut a) };
        api.check(e, "PJRT_Client_Create")?;
        if a.client.is_null() {
            return Err(err("PJRT_Client_Create returned a null client"));
        }
        // From here on the client is destroyed by `ClientInner::drop` on every path.
        let mut inner = ClientInner {
            api,
            raw: a.client,
            device: ptr::null_mut(),
            devices: Vec::new(),
            platform: String::new(),
        };
        let api = &inner.api;

        let mut p = ffi::PJRT_Client_PlatformName_Args::new();
        p.client = inner.raw;
        // SAFETY: live client.
        let e = unsafe { (api.fns.client_platform_name)(&mut p) };
        api.check(e, "PJRT_Client_PlatformName")?;
        // SAFETY: the name lives as long as the client.
        inner.platform = unsafe { lossy_string(p.platform_name, p.platform_name_size) };

        let mut d = ffi::PJRT_Client_AddressableDevices_Args::new();
        d.client = inner.raw;
        // SAFETY: live client.
        let e = unsafe { (api.fns.client_addressable_devices)(&mut d) };
        api.check(e, "PJRT_Client_AddressableDevices")?;
        if d.num_addressable_devices > 0 && !d.addressable_devices.is_null() {
            // SAFETY: the array has `num_addressable_devices` entries and lives as long as the
            // client.
            let devices = unsafe { std::slice::from_raw_parts(d.addressable_devices, d.num_addressable_devices) };
            inner.devices = devices.iter().copied().filter(|p| !p.is_null()).collect();
        }
        inner.device = *inner.devices.first().ok_or_else(|| {
            err(format!(
                "PJRT client for platform '{}' has no addressable device",
                inner.platform
            ))
        })?;
        Ok(Client { inner: Arc::new(inner) })
    }

    /// The plugin this client belongs to.
    pub fn api(&self) -> &Arc<PjrtApi> {
        &self.inner.api
    }

    /// The platform name reported by the plugin ("cpu", "cuda", ...).
    pub fn platform_name(&self) -> &str {
        &self.inner.platform
    }

    /// Number of addressable devices. Buffers and executions use the first one.
    pub fn device_count(&self) -> usize {
        self.inner.devices.len()
    }

    /// The addressable devices' ids and kinds, in the plugin's order (the first is used).
    pub fn devices(&self) -> Result<Vec<DeviceInfo>> {
        let api = &self.inner.api;
        self.inner
            .devices
            .iter()
            .map(|&device| {
                let mut g = ffi::PJRT_Device_GetDescription_Args::new();
                g.device = device;
                // SAFETY: live device of a live client.
                let e = unsafe { (api.fns.device_get_description)(&mut g) };
                api.check(e, "PJRT_Device_GetDescription")?;
                if g.device_description.is_null() {
                    return Err(err("PJRT_Device_GetDescription returned null"));
                }
                let mut i = ffi::PJRT_DeviceDescription_Id_Args::new();
                i.device_description = g.device_description;
                // SAFETY: the description lives as long as the device.
                let e = unsafe { (api.fns.device_description_id)(&mut i) };
                api.check(e, "PJRT_DeviceDescription_Id")?;
                let mut k = ffi::PJRT_DeviceDescription_Kind_Args::new();
                k.device_description = g.device_description;
                // SAFETY: as above.
                let e = unsafe { (api.fns.device_description_kind)(&mut k) };
                api.check(e, "PJRT_DeviceDescription_Kind")?;
                Ok(DeviceInfo {
                    id: i.id,
                    // SAFETY: the kind string lives as long as the device.
                    kind: unsafe { lossy_string(k.device_kind, k.device_kind_size) },
                })
            })
            .collect()
    }

    /// Copies host data into a new buffer on the first device and waits until PJRT no longer
    /// reads `bytes` (so the caller may free or reuse it as soon as this returns).
    ///
    /// `bytes` is the dense row-major data, little-endian, `dims.iter().product()` elements of
    /// `element_type` (`Pred`: one byte per element, 0 or 1). Errors if the length does not
    /// match, the type is `Other`, or PJRT fails.
    pub fn buffer_from_host(&self, bytes: &[u8], element_type: ElementType, dims: &[usize]) -> Result<DeviceBuffer> {
        buffer::upload(&self.inner, bytes, element_type, dims)
    }

    /// Compiles a StableHLO (or MHLO) program given as MLIR text, whose entry function is
    /// `@main`, for one device (one replica, one partition). Multiple results come back as
    /// separate output buffers. A program the plugin rejects gives an error carrying the
    /// compiler's message.
    pub fn compile(&self, mlir_text: &str) -> Result<LoadedExecutable> {
        let api = &self.inner.api;
        let format = "mlir";
        let mut program = ffi::PJRT_Program::new();
        // The plugin only reads `code` when compiling.
        program.code = mlir_text.as_ptr().cast::<c_char>().cast_mut();
        program.code_size = mlir_text.len();
        program.format = format.as_ptr().cast::<c_char>();
        program.format_size = format.len();
        let options = super::options::single_device_compile_options();
        let mut a = ffi::PJRT_Client_Compile_Args::new();
        a.client = self.inner.raw;
        a.program = &program;
        a.compile_options = options.as_ptr().cast::<c_char>();
        a.compile_options_size = options.len();
        // SAFETY: program text, format and options outlive the call; live client.
        let e = unsafe { (api.fns.client_compile)(&mut a) };
        api.check(e, "PJRT_Client_Compile")?;
        LoadedExecutable::from_raw(&self.inner, a.executable)
    }
}
