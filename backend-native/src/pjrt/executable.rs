//! `PJRT_LoadedExecutable`: a compiled program and its execution on one device.

use std::ffi::c_char;
use std::ptr;
use std::sync::Arc;

use ferroflow_core::Result;

use super::api::{err, PjrtApi};
use super::buffer::{DeviceBuffer, OwnedRaw};
use super::client::ClientInner;
use super::ffi::{self, Args, PJRT_Executable, PJRT_LoadedExecutable};
use super::program_shape::{self, TensorShape};

/// A compiled program, loaded on its client's first device. Dropping it destroys the
/// `PJRT_LoadedExecutable`; it keeps its client (and the plugin) alive.
pub struct LoadedExecutable {
    client: Arc<ClientInner>,
    raw: *mut PJRT_LoadedExecutable,
    num_outputs: usize,
    parameters: Option<Vec<TensorShape>>,
}

// SAFETY: PJRT executables may be executed and destroyed from any thread (the C API is
// thread-safe, and concurrent executions of one executable are allowed); the Rust side holds
// only immutable metadata.
unsafe impl Send for LoadedExecutable {}
// SAFETY: as above; `execute` takes `&self`.
unsafe impl Sync for LoadedExecutable {}

impl std::fmt::Debug for LoadedExecutable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedExecutable")
            .field("parameters", &self.parameters)
            .field("num_outputs", &self.num_outputs)
            .finish()
    }
}

impl Drop for LoadedExecutable {
    fn drop(&mut self) {
        let api = &self.client.api;
        let mut args = ffi::PJRT_LoadedExecutable_Destroy_Args::new();
        args.executable = self.raw;
        // SAFETY: owned by `self`, destroyed once, before the client.
        let e = unsafe { (api.fns.loaded_executable_destroy)(&mut args) };
        api.ignore(e);
    }
}

/// The `PJRT_Executable` view of a loaded executable; destroyed on drop.
struct ExecutableView<'a> {
    api: &'a PjrtApi,
    raw: *mut PJRT_Executable,
}

impl Drop for ExecutableView<'_> {
    fn drop(&mut self) {
        let mut args = ffi::PJRT_Executable_Destroy_Args::new();
        args.executable = self.raw;
        // SAFETY: returned by PJRT_LoadedExecutable_GetExecutable, owned here, destroyed once.
        let e = unsafe { (self.api.fns.executable_destroy)(&mut args) };
        self.api.ignore(e);
    }
}

impl ExecutableView<'_> {
    fn num_outputs(&self) -> Result<usize> {
        let mut a = ffi::PJRT_Executable_NumOutputs_Args::new();
        a.executable = self.raw;
        // SAFETY: live executable.
        let e = unsafe { (self.api.fns.executable_num_outputs)(&mut a) };
        self.api.check(e, "PJRT_Executable_NumOutputs")?;
        Ok(a.num_outputs)
    }

    /// The serialized optimized program and its format (e.g. "hlo_with_config").
    fn optimized_program(&self) -> Result<(Vec<u8>, Vec<u8>)> {
        let what = "PJRT_Executable_OptimizedProgram";
        let mut program = ffi::PJRT_Program::new();
        let mut a = ffi::PJRT_Executable_OptimizedProgram_Args::new();
        a.executable = self.raw;
        a.program = &mut program;
        // SAFETY: live executable; a null `code` asks for the size.
        let e = unsafe { (self.api.fns.executable_optimized_program)(&mut a) };
        self.api.check(e, what)?;
        let size = program.code_size;
        let mut code = vec![0u8; size];
        program.code = code.as_mut_ptr().cast::<c_char>();
        // SAFETY: `code` has `code_size` writable bytes.
        let e = unsafe { (self.api.fns.executable_optimized_program)(&mut a) };
        self.api.check(e, what)?;
        if program.code_size > size {
            return Err(err(format!("{what}: size changed between calls")));
        }
        code.truncate(program.code_size);
        // SAFETY: the format string is owned by the plugin and lives as long as the executable.
        let format = unsafe { super::api::lossy_string(program.format, program.format_size).into_bytes() };
        Ok((format, code))
    }
}

impl LoadedExecutable {
    /// Takes ownership of a compiled executable and reads its output count and parameters.
    pub(crate) fn from_raw(client: &Arc<ClientInner>, raw: *mut PJRT_LoadedExecutable) -> Result<LoadedExecutable> {
        if raw.is_null() {
            return Err(err("PJRT_Client_Compile returned a null executable"));
        }
        let mut exe = LoadedExecutable {
            client: client.clone(),
            raw,
            num_outputs: 0,
            parameters: None,
        };
        let api = &client.api;
        let mut g = ffi::PJRT_LoadedExecutable_GetExecutable_Args::new();
        g.loaded_executable = raw;
        // SAFETY: live loaded executable.
        let e = unsafe { (api.fns.loaded_executable_get_executable)(&mut g) };
        api.check(e, "PJRT_LoadedExecutable_GetExecutable")?;
        if g.executable.is_null() {
            return Err(err("PJRT_LoadedExecutable_GetExecutable returned null"));
        }
        let view = ExecutableView { api, raw: g.executable };
        exe.num_outputs = view.num_outputs()?;
        // Parameter shapes are informative: when the plugin cannot provide them the argument
        // checks fall back to the plugin's own.
        exe.parameters = view
            .optimized_program()
            .ok()
            .and_then(|(format, code)| program_shape::parameter_shapes(&format, &code));
        drop(view);
        Ok(exe)
    }

    /// Number of results per execution (multiple results of `@main` are separate buffers).
    pub fn num_outputs(&self) -> usize {
        self.num_outputs
    }

    /// Number of parameters of `@main`, when the plugin reports the program's shape.
    pub fn num_parameters(&self) -> Option<usize> {
        self.parameters.as_ref().map(Vec::len)
    }

    /// Element types and dimensions of the parameters, when the plugin reports them.
    pub fn parameter_shapes(&self) -> Option<&[TensorShape]> {
        self.parameters.as_deref()
    }

    /// Runs the program on the client's first device with `args` as parameters and waits for
    /// it to finish. The inputs are never donated (they stay valid). Returns one buffer per
    /// output. Errors (count, shape or type mismatch, buffers of another client, failures while
    /// running) are returned, never undefined behaviour.
    pub fn execute(&self, args: &[&DeviceBuffer]) -> Result<Vec<DeviceBuffer>> {
        let api = &self.client.api;
        self.check_args(args)?;

        let arg_ptrs: Vec<*mut ffi::PJRT_Buffer> = args.iter().map(|b| b.raw).collect();
        let argument_lists: [*const *mut ffi::PJRT_Buffer; 1] = [arg_ptrs.as_ptr()];
        let mut outputs: Vec<*mut ffi::PJRT_Buffer> = vec![ptr::null_mut(); self.num_outputs];
        let output_lists: [*mut *mut ffi::PJRT_Buffer; 1] = [outputs.as_mut_ptr()];
        let mut complete: [*mut ffi::PJRT_Event; 1] = [ptr::null_mut()];
        let keep: Vec<i64> = (0..args.len() as i64).collect();

        let mut options = ffi::PJRT_ExecuteOptions::new();
        options.non_donatable_input_indices = keep.as_ptr();
        options.num_non_donatable_input_indices = keep.len();
        let mut a = ffi::PJRT_LoadedExecutable_Execute_Args::new();
        a.executable = self.raw;
        a.options = &mut options;
        a.argument_lists = argument_lists.as_ptr();
        a.num_devices = 1;
        a.num_args = args.len();
        a.output_lists = output_lists.as_ptr();
        a.device_complete_events = complete.as_mut_ptr();
        // SAFETY: one device; `argument_lists[0]` has `num_args` live buffers of this client
        // (checked above) that outlive the call; `output_lists[0]` has room for
        // `num_outputs` buffers as reported by PJRT; the options and index list outlive the
        // call.
        let e = unsafe { (api.fns.loaded_executable_execute)(&mut a) };
        api.check(e, "PJRT_LoadedExecutable_Execute")?;

        // Own every output before waiting, so that all are destroyed on any error below.
        let owned: Vec<OwnedRaw<'_>> = outputs
            .iter()
            .map(|&raw| OwnedRaw {
                client: &self.client,
                raw,
            })
            .collect();
        api.await_event(complete[0], "PJRT execution")?;
        owned
            .into_iter()
            .map(|o| DeviceBuffer::from_raw(&self.client, o.release()))
            .collect()
    }

    fn check_args(&self, args: &[&DeviceBuffer]) -> Result<()> {
        if let Some(params) = &self.parameters {
            if params.len() != args.len() {
                return Err(err(format!(
                    "execute: the program takes {} argument(s), {} given",
                    params.len(),
                    args.len()
                )));
            }
        }
        for (i, b) in args.iter().enumerate() {
            if !Arc::ptr_eq(&b.client, &self.client) {
                return Err(err(format!("execute: argument {i} belongs to another PJRT client")));
            }
            if let Some(p) = self.parameters.as_ref().and_then(|p| p.get(i)) {
                if p.element_type != b.element_type() || p.dims != b.dims() {
                    return Err(err(format!(
                        "execute: argument {i} is {} {:?}, the program expects {} {:?}",
                        b.element_type(),
                        b.dims(),
                        p.element_type,
                        p.dims
                    )));
                }
            }
        }
        Ok(())
    }
}
