//! Loading a plugin, checking its version, and turning `PJRT_Error*` into typed errors.

use std::collections::HashMap;
use std::ffi::c_char;
use std::path::{Path, PathBuf};
use std::ptr;
use std::sync::{Arc, Mutex, OnceLock};

use ferroflow_core::{Error, Result};

use super::ffi::{self, Args, PJRT_Api, PJRT_Error, PJRT_Event};

/// The PJRT C API major version this module is written against (ABI-incompatible changes).
pub const PJRT_API_MAJOR: i32 = 0;
/// The PJRT C API minor version whose layouts this module declares.
pub const PJRT_API_MINOR: i32 = 115;
/// The oldest minor version tested (the `xla-cpu-pjrt` 0.0.1 plugin). Older minors are still
/// accepted when their function table has every entry used here; the plugin itself rejects an
/// argument struct it does not know with an error naming both sizes.
pub const PJRT_API_MINOR_TESTED_OLDEST: i32 = 81;

/// The name used for errors of this backend (`Error::Backend { backend: "pjrt", .. }`).
pub(crate) const BACKEND: &str = "pjrt";

pub(crate) fn err(msg: impl Into<String>) -> Error {
    Error::backend(BACKEND, msg)
}

/// The function pointers copied out of the plugin's `PJRT_Api` table. Required entries are
/// checked at load time, so calls never go through a null or out-of-table pointer.
pub(crate) struct Fns {
    pub error_destroy: unsafe extern "C" fn(*mut ffi::PJRT_Error_Destroy_Args),
    pub error_message: unsafe extern "C" fn(*mut ffi::PJRT_Error_Message_Args),
    pub error_get_code: ffi::Fn<ffi::PJRT_Error_GetCode_Args>,
    pub event_destroy: FnPtr<ffi::PJRT_Event_Destroy_Args>,
    pub event_await: FnPtr<ffi::PJRT_Event_Await_Args>,
    pub client_create: FnPtr<ffi::PJRT_Client_Create_Args>,
    pub client_destroy: FnPtr<ffi::PJRT_Client_Destroy_Args>,
    pub client_platform_name: FnPtr<ffi::PJRT_Client_PlatformName_Args>,
    pub client_addressable_devices: FnPtr<ffi::PJRT_Client_AddressableDevices_Args>,
    pub client_compile: FnPtr<ffi::PJRT_Client_Compile_Args>,
    pub client_buffer_from_host_buffer: FnPtr<ffi::PJRT_Client_BufferFromHostBuffer_Args>,
    pub device_description_id: FnPtr<ffi::PJRT_DeviceDescription_Id_Args>,
    pub device_description_kind: FnPtr<ffi::PJRT_DeviceDescription_Kind_Args>,
    pub device_get_description: FnPtr<ffi::PJRT_Device_GetDescription_Args>,
    pub executable_destroy: FnPtr<ffi::PJRT_Executable_Destroy_Args>,
    pub executable_num_outputs: FnPtr<ffi::PJRT_Executable_NumOutputs_Args>,
    pub executable_optimized_program: FnPtr<ffi::PJRT_Executable_OptimizedProgram_Args>,
    pub loaded_executable_destroy: FnPtr<ffi::PJRT_LoadedExecutable_Destroy_Args>,
    pub loaded_executable_get_executable: FnPtr<ffi::PJRT_LoadedExecutable_GetExecutable_Args>,
    pub loaded_executable_execute: FnPtr<ffi::PJRT_LoadedExecutable_Execute_Args>,
    pub buffer_destroy: FnPtr<ffi::PJRT_Buffer_Destroy_Args>,
    pub buffer_element_type: FnPtr<ffi::PJRT_Buffer_ElementType_Args>,
    pub buffer_dimensions: FnPtr<ffi::PJRT_Buffer_Dimensions_Args>,
    pub buffer_to_host_buffer: FnPtr<ffi::PJRT_Buffer_ToHostBuffer_Args>,
}

/// A non-null table entry returning `PJRT_Error*`.
pub(crate) type FnPtr<A> = unsafe extern "C" fn(*mut A) -> *mut PJRT_Error;

/// A loaded PJRT plugin: its function table and version.
///
/// Loaded once per path per process ([`PjrtApi::load`] returns the same `Arc` for the same
/// file) and never unloaded: XLA plugins start threads and register static state, and every
/// client, buffer and executable calls into the library, so it stays mapped for the life of the
/// process.
pub struct PjrtApi {
    path: PathBuf,
    major: i32,
    minor: i32,
    table_size: usize,
    pub(crate) fns: Fns,
}

// SAFETY: the struct holds only immutable function pointers into the plugin and plain data; the
// PJRT C API's functions may be called from any thread.
unsafe impl Send for PjrtApi {}
// SAFETY: as above; nothing is mutated after loading.
unsafe impl Sync for PjrtApi {}

impl std::fmt::Debug for PjrtApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PjrtApi")
            .field("path", &self.path)
            .field("version", &format_args!("{}.{}", self.major, self.minor))
            .finish()
    }
}

fn registry() -> &'static Mutex<HashMap<PathBuf, Arc<PjrtApi>>> {
    static LOADED: OnceLock<Mutex<HashMap<PathBuf, Arc<PjrtApi>>>> = OnceLock::new();
    LOADED.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Reads entry `$field` of the table at `$raw` if the plugin's `struct_size` covers it.
macro_rules! entry {
    ($raw:expr, $size:expr, $field:ident) => {{
        let end = std::mem::offset_of!(PJRT_Api, $field) + std::mem::size_of::<ffi::Fn<()>>();
        if end <= $size {
            // SAFETY: the plugin's table is at least `$size` bytes long and the field lies
            // within it; function pointers are read by value (`Option<fn>`: null is `None`).
            unsafe { ptr::addr_of!((*$raw).$field).read() }
        } else {
            None
        }
    }};
}

impl PjrtApi {
    /// Loads the plugin at `path` (a shared library exporting `GetPjrtApi`), checks its API
    /// version and calls `PJRT_Plugin_Initialize`. Loading the same file again returns the
    /// already loaded plugin.
    ///
    /// Errors: the file is missing, is not a loadable library, has no `GetPjrtApi`, has another
    /// major version than [`PJRT_API_MAJOR`], lacks a function used here, or its
    /// initialization fails. Every message names the path.
    pub fn load(path: &Path) -> Result<Arc<PjrtApi>> {
        let shown = path.display();
        if !path.exists() {
            return Err(err(format!("PJRT plugin {shown} does not exist")));
        }
        if !path.is_file() {
            return Err(err(format!("PJRT plugin {shown} is not a file")));
        }
        let key = path
            .canonicalize()
            .map_err(|e| err(format!("PJRT plugin {shown}: {e}")))?;
        let mut loaded = registry().lock().unwrap_or_else(|p| p.into_inner());
        if let Some(api) = loaded.get(&key) {
            return Ok(api.clone());
        }
        let api = Arc::new(Self::open(&key, path)?);
        loaded.insert(key, api.clone());
        Ok(api)
    }

    /// Opens the library at `file` (canonical); messages show `path` as the caller gave it.
    fn open(file: &Path, path: &Path) -> Result<PjrtApi> {
        let shown = path.display();
        // SAFETY: loading a library runs its initializers; that is the documented contract of
        // a PJRT plugin, which the caller chose to load.
        let lib = unsafe { libloading::Library::new(file) }
            .map_err(|e| err(format!("cannot load PJRT plugin {shown}: {e}")))?;
        let get_api = {
            // SAFETY: `GetPjrtApi` has this signature in every PJRT plugin.
            let sym = unsafe { lib.get::<ffi::GetPjrtApiFn>(ffi::GET_PJRT_API_SYMBOL) };
            match sym {
                Ok(sym) => *sym,
                Err(e) => return Err(err(format!("{shown} is not a PJRT plugin (no GetPjrtApi symbol: {e})"))),
            }
        };
        // The library now stays loaded for the life of the process (see the type's docs): the
        // function pointers copied below point into it.
        std::mem::forget(lib);

        // SAFETY: calling the plugin's entry point, which takes no arguments.
        let raw = unsafe { get_api() };
        // SAFETY: `raw` is null or the plugin's table, which lives as long as the library.
        let api = unsafe { Self::from_table(raw, file, path) }?;
        api.initialize(raw)?;
        Ok(api)
    }

    /// Checks the version of the table at `raw` and copies the function pointers used here.
    ///
    /// # Safety
    /// `raw` must be null or point to a `PJRT_Api` of at least its `struct_size` bytes whose
    /// non-null entries are functions with the header's signatures.
    unsafe fn from_table(raw: *const PJRT_Api, file: &Path, path: &Path) -> Result<PjrtApi> {
        let shown = path.display();
        if raw.is_null() {
            return Err(err(format!("PJRT plugin {shown}: GetPjrtApi returned null")));
        }
        // SAFETY: every PJRT_Api starts with `struct_size`.
        let table_size = unsafe { ptr::addr_of!((*raw).struct_size).read() };
        let header = std::mem::offset_of!(PJRT_Api, PJRT_Error_Destroy);
        if table_size < header {
            return Err(err(format!(
                "PJRT plugin {shown}: function table too small ({table_size} bytes, a PJRT_Api \
                 has at least {header})"
            )));
        }
        // SAFETY: the version struct lies within the first `header` bytes.
        let version = unsafe { ptr::addr_of!((*raw).pjrt_api_version).read() };
        let (major, minor) = (version.major_version, version.minor_version);
        let versions = format!(
            "plugin {major}.{minor}, ferroflow built against \
             {PJRT_API_MAJOR}.{PJRT_API_MINOR}"
        );
        if major != PJRT_API_MAJOR {
            return Err(err(format!(
                "PJRT plugin {shown} has an incompatible API version ({versions})"
            )));
        }

        let missing = |name: &str| {
            err(format!(
                "PJRT plugin {shown} lacks {name}, which ferroflow needs ({versions})"
            ))
        };
        macro_rules! required {
            ($field:ident) => {
                entry!(raw, table_size, $field).ok_or_else(|| missing(stringify!($field)))?
            };
        }
        let fns = Fns {
            error_destroy: required!(PJRT_Error_Destroy),
            error_message: required!(PJRT_Error_Message),
            error_get_code: entry!(raw, table_size, PJRT_Error_GetCode),
            event_destroy: required!(PJRT_Event_Destroy),
            event_await: required!(PJRT_Event_Await),
            client_create: required!(PJRT_Client_Create),
            client_destroy: required!(PJRT_Client_Destroy),
            client_platform_name: required!(PJRT_Client_PlatformName),
            client_addressable_devices: required!(PJRT_Client_AddressableDevices),
            client_compile: required!(PJRT_Client_Compile),
            client_buffer_from_host_buffer: required!(PJRT_Client_BufferFromHostBuffer),
            device_description_id: required!(PJRT_DeviceDescription_Id),
            device_description_kind: required!(PJRT_DeviceDescription_Kind),
            device_get_description: required!(PJRT_Device_GetDescription),
            executable_destroy: required!(PJRT_Executable_Destroy),
            executable_num_outputs: required!(PJRT_Executable_NumOutputs),
            executable_optimized_program: required!(PJRT_Executable_OptimizedProgram),
            loaded_executable_destroy: required!(PJRT_LoadedExecutable_Destroy),
            loaded_executable_get_executable: required!(PJRT_LoadedExecutable_GetExecutable),
            loaded_executable_execute: required!(PJRT_LoadedExecutable_Execute),
            buffer_destroy: required!(PJRT_Buffer_Destroy),
            buffer_element_type: required!(PJRT_Buffer_ElementType),
            buffer_dimensions: required!(PJRT_Buffer_Dimensions),
            buffer_to_host_buffer: required!(PJRT_Buffer_ToHostBuffer),
        };
        Ok(PjrtApi {
            path: file.to_path_buf(),
            major,
            minor,
            table_size,
            fns,
        })
    }

    /// Calls `PJRT_Plugin_Initialize` if the plugin has it (once per process: see `load`).
    fn initialize(&self, raw: *const PJRT_Api) -> Result<()> {
        if let Some(init) = entry!(raw, self.table_size, PJRT_Plugin_Initialize) {
            let mut args = ffi::PJRT_Plugin_Initialize_Args::new();
            // SAFETY: valid args struct; the plugin's own entry point.
            let e = unsafe { init(&mut args) };
            self.check(e, "PJRT_Plugin_Initialize").map_err(|e| {
                err(format!(
                    "PJRT plugin {} (API {}.{}): {e}",
                    self.path.display(),
                    self.major,
                    self.minor
                ))
            })?;
        }
        Ok(())
    }

    /// The file the plugin was loaded from (canonicalized).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The plugin's PJRT C API version, `(major, minor)`.
    pub fn version(&self) -> (i32, i32) {
        (self.major, self.minor)
    }

    /// Size in bytes of the plugin's function table (grows with the minor version).
    pub fn table_size(&self) -> usize {
        self.table_size
    }

    /// `Ok` for a null error; otherwise the error's code and message as a typed error (prefixed
    /// with `what`, the failing call), and the `PJRT_Error` is destroyed.
    pub(crate) fn check(&self, error: *mut PJRT_Error, what: &str) -> Result<()> {
        if error.is_null() {
            return Ok(());
        }
        let message = self.error_message(error);
        let code = self.error_code(error);
        self.destroy_error(error);
        Err(err(match code {
            Some(code) => format!("{what}: {}: {message}", error_code_name(code)),
            None => format!("{what}: {message}"),
        }))
    }

    fn error_message(&self, error: *mut PJRT_Error) -> String {
        let mut args = ffi::PJRT_Error_Message_Args::new();
        args.error = error;
        // SAFETY: `error` is a live error returned by this plugin.
        unsafe { (self.fns.error_message)(&mut args) };
        // SAFETY: the message (possibly empty) lives as long as `error`.
        unsafe { lossy_string(args.message, args.message_size) }
    }

    fn error_code(&self, error: *mut PJRT_Error) -> Option<i32> {
        let get_code = self.fns.error_get_code?;
        let mut args = ffi::PJRT_Error_GetCode_Args::new();
        args.error = error;
        // SAFETY: `error` is a live error returned by this plugin.
        let e = unsafe { get_code(&mut args) };
        if e.is_null() {
            Some(args.code)
        } else {
            self.destroy_error(e);
            None
        }
    }

    fn destroy_error(&self, error: *mut PJRT_Error) {
        let mut args = ffi::PJRT_Error_Destroy_Args::new();
        args.error = error;
        // SAFETY: `error` is live and destroyed exactly once, here.
        unsafe { (self.fns.error_destroy)(&mut args) };
    }

    /// Frees an error returned where nothing can be reported (destructors).
    pub(crate) fn ignore(&self, error: *mut PJRT_Error) {
        if !error.is_null() {
            self.destroy_error(error);
        }
    }

    /// Waits for `event` (null: nothing to wait for), destroys it, and returns its status.
    pub(crate) fn await_event(&self, event: *mut PJRT_Event, what: &str) -> Result<()> {
        let guard = EventGuard { api: self, event };
        if event.is_null() {
            return Ok(());
        }
        let mut args = ffi::PJRT_Event_Await_Args::new();
        args.event = event;
        // SAFETY: `event` is a live event owned by `guard`.
        let e = unsafe { (self.fns.event_await)(&mut args) };
        let result = self.check(e, what);
        drop(guard);
        result
    }
}

/// Destroys an event on every path, including early returns.
pub(crate) struct EventGuard<'a> {
    pub api: &'a PjrtApi,
    pub event: *mut PJRT_Event,
}

impl Drop for EventGuard<'_> {
    fn drop(&mut self) {
        if self.event.is_null() {
            return;
        }
        let mut args = ffi::PJRT_Event_Destroy_Args::new();
        args.event = self.event;
        // SAFETY: the event is live and destroyed exactly once, here.
        let e = unsafe { (self.api.fns.event_destroy)(&mut args) };
        self.api.ignore(e);
    }
}

/// Copies a (pointer, length) string owned by the plugin. Null gives an empty string.
///
/// # Safety
/// `data` must be null or point to `len` readable bytes.
pub(crate) unsafe fn lossy_string(data: *const c_char, len: usize) -> String {
    if data.is_null() || len == 0 {
        return String::new();
    }
    // SAFETY: guaranteed by the caller.
    let bytes = unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len) };
    String::from_utf8_lossy(bytes).into_owned()
}

/// The name of a `PJRT_Error_Code` (absl status code).
pub fn error_code_name(code: i32) -> String {
    let name = match code {
        0 => "OK",
        1 => "CANCELLED",
        2 => "UNKNOWN",
        3 => "INVALID_ARGUMENT",
        4 => "DEADLINE_EXCEEDED",
        5 => "NOT_FOUND",
        6 => "ALREADY_EXISTS",
        7 => "PERMISSION_DENIED",
        8 => "RESOURCE_EXHAUSTED",
        9 => "FAILED_PRECONDITION",
        10 => "ABORTED",
        11 => "OUT_OF_RANGE",
        12 => "UNIMPLEMENTED",
        13 => "INTERNAL",
        14 => "UNAVAILABLE",
        15 => "DATA_LOSS",
        16 => "UNAUTHENTICATED",
        other => return format!("error code {other}"),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_is_a_typed_error_naming_the_path() {
        let e = PjrtApi::load(Path::new("/nonexistent/dir/plugin.so")).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, Error::Backend { .. }), "{e:?}");
        assert!(
            msg.contains("/nonexistent/dir/plugin.so") && msg.contains("does not exist"),
            "{msg}"
        );
    }

    /// A table with only the version filled in, and `struct_size` bytes long.
    fn fake_table(major: i32, minor: i32, struct_size: usize) -> Box<PJRT_Api> {
        // SAFETY: all fields are integers, raw pointers or `Option<fn>`: zero is valid.
        let mut t: Box<PJRT_Api> = Box::new(unsafe { std::mem::zeroed() });
        t.struct_size = struct_size;
        t.pjrt_api_version.major_version = major;
        t.pjrt_api_version.minor_version = minor;
        t
    }

    fn table_err(t: *const PJRT_Api) -> String {
        let p = Path::new("/x/fake.so");
        // SAFETY: null, or a valid (boxed, full-size) PJRT_Api with null entries.
        match unsafe { PjrtApi::from_table(t, p, p) } {
            Ok(_) => String::from("<loaded>"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn other_major_versions_are_refused_naming_both() {
        let full = size_of::<PJRT_Api>();
        let msg = table_err(&*fake_table(1, 3, full));
        assert!(msg.contains("/x/fake.so") && msg.contains("incompatible"), "{msg}");
        assert!(msg.contains("plugin 1.3, ferroflow built against 0.115"), "{msg}");
    }

    #[test]
    fn missing_functions_are_refused_naming_both_versions() {
        // An old table that ends before PJRT_Client_Create.
        let size = std::mem::offset_of!(PJRT_Api, PJRT_Client_Create);
        let msg = table_err(&*fake_table(0, 20, size));
        assert!(msg.contains("lacks PJRT_Error_Destroy"), "{msg}");
        assert!(msg.contains("plugin 0.20, ferroflow built against 0.115"), "{msg}");
        let msg = table_err(&*fake_table(0, 20, 8));
        assert!(msg.contains("function table too small"), "{msg}");
        let msg = table_err(std::ptr::null());
        assert!(msg.contains("GetPjrtApi returned null"), "{msg}");
    }

    #[test]
    fn code_names() {
        assert_eq!(error_code_name(3), "INVALID_ARGUMENT");
        assert_eq!(error_code_name(99), "error code 99");
    }
}
