//! Raw `#[repr(C)]` declarations of the part of the PJRT C API this module calls.
//!
//! Written from openxla/xla `xla/pjrt/c/pjrt_c_api.h`. Field order and types follow the header;
//! names keep the header's spelling so each struct can be checked against it. Every argument
//! struct starts with `struct_size`, which the caller sets to the size the header defines
//! (offset of the last field plus its size, see [`Args`]); a plugin accepts any size at least as
//! large as its own and reports a smaller one as an error naming both sizes.
//!
//! Only the fields up to the last one a struct had at API 0.115 are declared; the layouts used
//! here did not change between 0.81 and 0.115 (checked against both plugins, see the unit tests).
//! C enums are plain integers here so that an unknown value from a plugin is never undefined
//! behaviour, and so that all-zero bytes are a valid value of every struct.

#![allow(non_camel_case_types)]

use std::ffi::{c_char, c_int, c_void};
use std::marker::{PhantomData, PhantomPinned};

macro_rules! opaque {
    ($($name:ident),* $(,)?) => {$(
        /// An opaque handle owned by the plugin.
        #[repr(C)]
        pub struct $name {
            _data: [u8; 0],
            _marker: PhantomData<(*mut u8, PhantomPinned)>,
        }
    )*};
}

opaque!(
    PJRT_Error,
    PJRT_Event,
    PJRT_Client,
    PJRT_Device,
    PJRT_DeviceDescription,
    PJRT_Executable,
    PJRT_LoadedExecutable,
    PJRT_Buffer,
    PJRT_Extension_Base,
);

/// `PJRT_Error_Code` (absl status codes).
pub type PJRT_Error_Code = c_int;
/// `PJRT_Buffer_Type`.
pub type PJRT_Buffer_Type = c_int;
/// `PJRT_HostBufferSemantics`.
pub type PJRT_HostBufferSemantics = c_int;
/// `PJRT_Buffer_MemoryLayout_Type`.
pub type PJRT_Buffer_MemoryLayout_Type = c_int;

pub const PJRT_BUFFER_TYPE_PRED: PJRT_Buffer_Type = 1;
pub const PJRT_BUFFER_TYPE_S32: PJRT_Buffer_Type = 4;
pub const PJRT_BUFFER_TYPE_F32: PJRT_Buffer_Type = 11;

/// The runtime may keep reading the host data until `done_with_host_buffer` fires.
pub const PJRT_HOST_BUFFER_IMMUTABLE_UNTIL_TRANSFER_COMPLETES: PJRT_HostBufferSemantics = 1;

pub const PJRT_BUFFER_MEMORY_LAYOUT_TYPE_TILED: PJRT_Buffer_MemoryLayout_Type = 0;

/// An argument struct of the C API: plain old data whose first field is `struct_size`.
///
/// # Safety
/// Implementors must be `#[repr(C)]`, start with a `usize` `struct_size` field, and be valid
/// when all bytes are zero (only integers, raw pointers and `Option<fn>` fields).
pub unsafe trait Args: Sized {
    /// The header's `<name>_STRUCT_SIZE`: offset of the last field plus its size.
    const STRUCT_SIZE: usize;

    /// All fields zero (null pointers, no callbacks) and `struct_size` set.
    fn new() -> Self {
        // SAFETY: the trait's contract says all-zero bytes are a valid value.
        let mut value: Self = unsafe { std::mem::zeroed() };
        // SAFETY: `struct_size` is a `usize` at offset 0 of a `#[repr(C)]` struct.
        unsafe { (&mut value as *mut Self).cast::<usize>().write(Self::STRUCT_SIZE) };
        value
    }
}

/// Size of the value a pointer points to (used to size a struct's last field).
pub const fn pointee_size<T>(_: *const T) -> usize {
    std::mem::size_of::<T>()
}

/// Declares a `#[repr(C)]` argument struct and its [`Args`] impl; the size covers up to `$last`.
macro_rules! args_struct {
    ($name:ident, last = $last:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        #[repr(C)]
        pub struct $name {
            $(pub $field: $ty,)*
        }
        // SAFETY: `#[repr(C)]`, first field `struct_size: usize` (checked by the unit tests),
        // fields are integers, raw pointers or `Option<fn>`, for which zero bytes are valid.
        unsafe impl Args for $name {
            const STRUCT_SIZE: usize = {
                let base = std::mem::MaybeUninit::<$name>::uninit();
                // Only the address of the field is formed; nothing is read.
                let field = unsafe { std::ptr::addr_of!((*base.as_ptr()).$last) };
                std::mem::offset_of!($name, $last) + pointee_size(field)
            };
        }
    };
}

// ----------------------------------- version -----------------------------------

#[repr(C)]
#[derive(Clone, Copy)]
pub struct PJRT_Api_Version {
    pub struct_size: usize,
    pub extension_start: *mut PJRT_Extension_Base,
    pub major_version: c_int,
    pub minor_version: c_int,
}

// ----------------------------------- errors ------------------------------------

args_struct!(PJRT_Error_Destroy_Args, last = error {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    error: *mut PJRT_Error,
});

args_struct!(PJRT_Error_Message_Args, last = message_size {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    error: *const PJRT_Error,
    message: *const c_char,
    message_size: usize,
});

args_struct!(PJRT_Error_GetCode_Args, last = code {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    error: *const PJRT_Error,
    code: PJRT_Error_Code,
});

// ----------------------------------- plugin ------------------------------------

args_struct!(PJRT_Plugin_Initialize_Args, last = extension_start {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
});

// ----------------------------------- events ------------------------------------

args_struct!(PJRT_Event_Destroy_Args, last = event {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    event: *mut PJRT_Event,
});

args_struct!(PJRT_Event_Await_Args, last = event {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    event: *mut PJRT_Event,
});

// ----------------------------------- client ------------------------------------

args_struct!(PJRT_Client_Create_Args, last = kv_try_get_user_arg {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    create_options: *const c_void,
    num_options: usize,
    kv_get_callback: Option<unsafe extern "C" fn()>,
    kv_get_user_arg: *mut c_void,
    kv_put_callback: Option<unsafe extern "C" fn()>,
    kv_put_user_arg: *mut c_void,
    client: *mut PJRT_Client,
    kv_try_get_callback: Option<unsafe extern "C" fn()>,
    kv_try_get_user_arg: *mut c_void,
});

args_struct!(PJRT_Client_Destroy_Args, last = client {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    client: *mut PJRT_Client,
});

args_struct!(PJRT_Client_PlatformName_Args, last = platform_name_size {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    client: *mut PJRT_Client,
    platform_name: *const c_char,
    platform_name_size: usize,
});

args_struct!(PJRT_Client_AddressableDevices_Args, last = num_addressable_devices {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    client: *mut PJRT_Client,
    addressable_devices: *const *mut PJRT_Device,
    num_addressable_devices: usize,
});

args_struct!(PJRT_Program, last = format_size {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    code: *mut c_char,
    code_size: usize,
    format: *const c_char,
    format_size: usize,
});

args_struct!(PJRT_Client_Compile_Args, last = executable {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    client: *mut PJRT_Client,
    program: *const PJRT_Program,
    compile_options: *const c_char,
    compile_options_size: usize,
    executable: *mut PJRT_LoadedExecutable,
});

args_struct!(PJRT_Client_BufferFromHostBuffer_Args, last = buffer {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    client: *mut PJRT_Client,
    data: *const c_void,
    type_: PJRT_Buffer_Type,
    dims: *const i64,
    num_dims: usize,
    byte_strides: *const i64,
    num_byte_strides: usize,
    host_buffer_semantics: PJRT_HostBufferSemantics,
    device: *mut PJRT_Device,
    memory: *mut c_void,
    device_layout: *mut PJRT_Buffer_MemoryLayout,
    done_with_host_buffer: *mut PJRT_Event,
    buffer: *mut PJRT_Buffer,
});

// ------------------------------ device descriptions ------------------------------

args_struct!(PJRT_DeviceDescription_Id_Args, last = id {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    device_description: *mut PJRT_DeviceDescription,
    id: c_int,
});

args_struct!(PJRT_DeviceDescription_Kind_Args, last = device_kind_size {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    device_description: *mut PJRT_DeviceDescription,
    device_kind: *const c_char,
    device_kind_size: usize,
});

args_struct!(PJRT_Device_GetDescription_Args, last = device_description {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    device: *mut PJRT_Device,
    device_description: *mut PJRT_DeviceDescription,
});

// --------------------------------- executables ---------------------------------

args_struct!(PJRT_Executable_Destroy_Args, last = executable {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    executable: *mut PJRT_Executable,
});

args_struct!(PJRT_Executable_NumOutputs_Args, last = num_outputs {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    executable: *mut PJRT_Executable,
    num_outputs: usize,
});

args_struct!(PJRT_Executable_OptimizedProgram_Args, last = program {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    executable: *mut PJRT_Executable,
    program: *mut PJRT_Program,
});

args_struct!(PJRT_LoadedExecutable_Destroy_Args, last = executable {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    executable: *mut PJRT_LoadedExecutable,
});

args_struct!(PJRT_LoadedExecutable_GetExecutable_Args, last = executable {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    loaded_executable: *mut PJRT_LoadedExecutable,
    executable: *mut PJRT_Executable,
});

args_struct!(PJRT_ExecuteOptions, last = incarnation_ids {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    send_callbacks: *mut *mut c_void,
    recv_callbacks: *mut *mut c_void,
    num_send_ops: usize,
    num_recv_ops: usize,
    launch_id: c_int,
    non_donatable_input_indices: *const i64,
    num_non_donatable_input_indices: usize,
    context: *mut c_void,
    call_location: *const c_char,
    num_tasks: usize,
    task_ids: *mut c_int,
    incarnation_ids: *mut i64,
});

args_struct!(PJRT_LoadedExecutable_Execute_Args, last = execute_device {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    executable: *mut PJRT_LoadedExecutable,
    options: *mut PJRT_ExecuteOptions,
    argument_lists: *const *const *mut PJRT_Buffer,
    num_devices: usize,
    num_args: usize,
    output_lists: *const *mut *mut PJRT_Buffer,
    device_complete_events: *mut *mut PJRT_Event,
    execute_device: *mut PJRT_Device,
});

// ----------------------------------- buffers -----------------------------------

args_struct!(PJRT_Buffer_Destroy_Args, last = buffer {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    buffer: *mut PJRT_Buffer,
});

args_struct!(PJRT_Buffer_ElementType_Args, last = type_ {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    buffer: *mut PJRT_Buffer,
    type_: PJRT_Buffer_Type,
});

args_struct!(PJRT_Buffer_Dimensions_Args, last = num_dims {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    buffer: *mut PJRT_Buffer,
    dims: *const i64,
    num_dims: usize,
});

// The tiled member of the layout union; it is the union's largest member, so declaring it in
// place of the union gives the same layout.
args_struct!(PJRT_Buffer_MemoryLayout_Tiled, last = num_tiles {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    minor_to_major: *const i64,
    minor_to_major_size: usize,
    tile_dims: *const i64,
    tile_dim_sizes: *const usize,
    num_tiles: usize,
});

args_struct!(PJRT_Buffer_MemoryLayout, last = type_ {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    tiled: PJRT_Buffer_MemoryLayout_Tiled,
    type_: PJRT_Buffer_MemoryLayout_Type,
});

args_struct!(PJRT_Buffer_ToHostBuffer_Args, last = event {
    struct_size: usize,
    extension_start: *mut PJRT_Extension_Base,
    src: *mut PJRT_Buffer,
    host_layout: *mut PJRT_Buffer_MemoryLayout,
    dst: *mut c_void,
    dst_size: usize,
    event: *mut PJRT_Event,
});

// ------------------------------------ PJRT_Api ------------------------------------

/// A function of the table that returns a `PJRT_Error*` (null on success).
pub type Fn<A> = Option<unsafe extern "C" fn(args: *mut A) -> *mut PJRT_Error>;
/// The two error functions return nothing.
pub type VoidFn<A> = Option<unsafe extern "C" fn(args: *mut A)>;
/// An entry of the table this module does not call.
pub type Unused = Option<unsafe extern "C" fn()>;

/// `PJRT_Api`: the plugin's function table, in header order, up to the last entry used here.
///
/// A plugin's table may be shorter (older minor version) or longer (newer): never read it as a
/// whole. Each entry is read through a raw pointer after checking that the plugin's
/// `struct_size` covers it (`api::PjrtApi::load`).
#[repr(C)]
#[allow(non_snake_case)]
pub struct PJRT_Api {
    pub struct_size: usize,
    pub extension_start: *mut PJRT_Extension_Base,
    pub pjrt_api_version: PJRT_Api_Version,

    pub PJRT_Error_Destroy: VoidFn<PJRT_Error_Destroy_Args>,
    pub PJRT_Error_Message: VoidFn<PJRT_Error_Message_Args>,
    pub PJRT_Error_GetCode: Fn<PJRT_Error_GetCode_Args>,

    pub PJRT_Plugin_Initialize: Fn<PJRT_Plugin_Initialize_Args>,
    pub PJRT_Plugin_Attributes: Unused,

    pub PJRT_Event_Destroy: Fn<PJRT_Event_Destroy_Args>,
    pub PJRT_Event_IsReady: Unused,
    pub PJRT_Event_Error: Unused,
    pub PJRT_Event_Await: Fn<PJRT_Event_Await_Args>,
    pub PJRT_Event_OnReady: Unused,

    pub PJRT_Client_Create: Fn<PJRT_Client_Create_Args>,
    pub PJRT_Client_Destroy: Fn<PJRT_Client_Destroy_Args>,
    pub PJRT_Client_PlatformName: Fn<PJRT_Client_PlatformName_Args>,
    pub PJRT_Client_ProcessIndex: Unused,
    pub PJRT_Client_PlatformVersion: Unused,
    pub PJRT_Client_Devices: Unused,
    pub PJRT_Client_AddressableDevices: Fn<PJRT_Client_AddressableDevices_Args>,
    pub PJRT_Client_LookupDevice: Unused,
    pub PJRT_Client_LookupAddressableDevice: Unused,
    pub PJRT_Client_AddressableMemories: Unused,
    pub PJRT_Client_Compile: Fn<PJRT_Client_Compile_Args>,
    pub PJRT_Client_DefaultDeviceAssignment: Unused,
    pub PJRT_Client_BufferFromHostBuffer: Fn<PJRT_Client_BufferFromHostBuffer_Args>,

    pub PJRT_DeviceDescription_Id: Fn<PJRT_DeviceDescription_Id_Args>,
    pub PJRT_DeviceDescription_ProcessIndex: Unused,
    pub PJRT_DeviceDescription_Attributes: Unused,
    pub PJRT_DeviceDescription_Kind: Fn<PJRT_DeviceDescription_Kind_Args>,
    pub PJRT_DeviceDescription_DebugString: Unused,
    pub PJRT_DeviceDescription_ToString: Unused,

    pub PJRT_Device_GetDescription: Fn<PJRT_Device_GetDescription_Args>,
    pub PJRT_Device_IsAddressable: Unused,
    pub PJRT_Device_LocalHardwareId: Unused,
    pub PJRT_Device_AddressableMemories: Unused,
    pub PJRT_Device_DefaultMemory: Unused,
    pub PJRT_Device_MemoryStats: Unused,

    pub PJRT_Memory_Id: Unused,
    pub PJRT_Memory_Kind: Unused,
    pub PJRT_Memory_DebugString: Unused,
    pub PJRT_Memory_ToString: Unused,
    pub PJRT_Memory_AddressableByDevices: Unused,

    pub PJRT_Executable_Destroy: Fn<PJRT_Executable_Destroy_Args>,
    pub PJRT_Executable_Name: Unused,
    pub PJRT_Executable_NumReplicas: Unused,
    pub PJRT_Executable_NumPartitions: Unused,
    pub PJRT_Executable_NumOutputs: Fn<PJRT_Executable_NumOutputs_Args>,
    pub PJRT_Executable_SizeOfGeneratedCodeInBytes: Unused,
    pub PJRT_Executable_GetCostAnalysis: Unused,
    pub PJRT_Executable_OutputMemoryKinds: Unused,
    pub PJRT_Executable_OptimizedProgram: Fn<PJRT_Executable_OptimizedProgram_Args>,
    pub PJRT_Executable_Serialize: Unused,

    pub PJRT_LoadedExecutable_Destroy: Fn<PJRT_LoadedExecutable_Destroy_Args>,
    pub PJRT_LoadedExecutable_GetExecutable: Fn<PJRT_LoadedExecutable_GetExecutable_Args>,
    pub PJRT_LoadedExecutable_AddressableDevices: Unused,
    pub PJRT_LoadedExecutable_Delete: Unused,
    pub PJRT_LoadedExecutable_IsDeleted: Unused,
    pub PJRT_LoadedExecutable_Execute: Fn<PJRT_LoadedExecutable_Execute_Args>,
    pub PJRT_Executable_DeserializeAndLoad: Unused,
    pub PJRT_LoadedExecutable_Fingerprint: Unused,

    pub PJRT_Buffer_Destroy: Fn<PJRT_Buffer_Destroy_Args>,
    pub PJRT_Buffer_ElementType: Fn<PJRT_Buffer_ElementType_Args>,
    pub PJRT_Buffer_Dimensions: Fn<PJRT_Buffer_Dimensions_Args>,
    pub PJRT_Buffer_UnpaddedDimensions: Unused,
    pub PJRT_Buffer_DynamicDimensionIndices: Unused,
    pub PJRT_Buffer_GetMemoryLayout: Unused,
    pub PJRT_Buffer_OnDeviceSizeInBytes: Unused,
    pub PJRT_Buffer_Device: Unused,
    pub PJRT_Buffer_Memory: Unused,
    pub PJRT_Buffer_Delete: Unused,
    pub PJRT_Buffer_IsDeleted: Unused,
    pub PJRT_Buffer_CopyToDevice: Unused,
    pub PJRT_Buffer_ToHostBuffer: Fn<PJRT_Buffer_ToHostBuffer_Args>,
}

/// The signature of the plugin's one exported symbol.
pub type GetPjrtApiFn = unsafe extern "C" fn() -> *const PJRT_Api;

/// The symbol every PJRT plugin exports.
pub const GET_PJRT_API_SYMBOL: &[u8] = b"GetPjrtApi\0";

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::offset_of;

    // Expected values: the header's `_STRUCT_SIZE` constants and `offsetof(PJRT_Api, ...)` on
    // x86_64/aarch64 Linux, and the sizes the 0.115 and 0.81 CPU plugins ask for in their
    // struct-size errors (identical for every struct used here).
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn struct_sizes_match_the_header() {
        assert_eq!(size_of::<PJRT_Api_Version>(), 24);
        assert_eq!(PJRT_Error_Destroy_Args::STRUCT_SIZE, 24);
        assert_eq!(PJRT_Error_Message_Args::STRUCT_SIZE, 40);
        assert_eq!(PJRT_Error_GetCode_Args::STRUCT_SIZE, 28);
        assert_eq!(PJRT_Plugin_Initialize_Args::STRUCT_SIZE, 16);
        assert_eq!(PJRT_Event_Destroy_Args::STRUCT_SIZE, 24);
        assert_eq!(PJRT_Event_Await_Args::STRUCT_SIZE, 24);
        assert_eq!(PJRT_Client_Create_Args::STRUCT_SIZE, 88);
        assert_eq!(PJRT_Client_Destroy_Args::STRUCT_SIZE, 24);
        assert_eq!(PJRT_Client_PlatformName_Args::STRUCT_SIZE, 40);
        assert_eq!(PJRT_Client_AddressableDevices_Args::STRUCT_SIZE, 40);
        assert_eq!(PJRT_Program::STRUCT_SIZE, 48);
        assert_eq!(PJRT_Client_Compile_Args::STRUCT_SIZE, 56);
        assert_eq!(PJRT_Client_BufferFromHostBuffer_Args::STRUCT_SIZE, 120);
        assert_eq!(PJRT_DeviceDescription_Id_Args::STRUCT_SIZE, 28);
        assert_eq!(PJRT_DeviceDescription_Kind_Args::STRUCT_SIZE, 40);
        assert_eq!(PJRT_Device_GetDescription_Args::STRUCT_SIZE, 32);
        assert_eq!(PJRT_Executable_Destroy_Args::STRUCT_SIZE, 24);
        assert_eq!(PJRT_Executable_NumOutputs_Args::STRUCT_SIZE, 32);
        assert_eq!(PJRT_Executable_OptimizedProgram_Args::STRUCT_SIZE, 32);
        assert_eq!(PJRT_LoadedExecutable_Destroy_Args::STRUCT_SIZE, 24);
        assert_eq!(PJRT_LoadedExecutable_GetExecutable_Args::STRUCT_SIZE, 32);
        assert_eq!(PJRT_ExecuteOptions::STRUCT_SIZE, 112);
        assert_eq!(PJRT_LoadedExecutable_Execute_Args::STRUCT_SIZE, 80);
        assert_eq!(PJRT_Buffer_Destroy_Args::STRUCT_SIZE, 24);
        assert_eq!(PJRT_Buffer_ElementType_Args::STRUCT_SIZE, 28);
        assert_eq!(PJRT_Buffer_Dimensions_Args::STRUCT_SIZE, 40);
        assert_eq!(PJRT_Buffer_ToHostBuffer_Args::STRUCT_SIZE, 56);
        assert_eq!(PJRT_Buffer_MemoryLayout_Tiled::STRUCT_SIZE, 56);
        assert_eq!(PJRT_Buffer_MemoryLayout::STRUCT_SIZE, 76);
    }

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn api_table_offsets_match_the_header() {
        assert_eq!(offset_of!(PJRT_Api, pjrt_api_version), 16);
        assert_eq!(offset_of!(PJRT_Api, PJRT_Error_Destroy), 40);
        assert_eq!(offset_of!(PJRT_Api, PJRT_Plugin_Initialize), 64);
        assert_eq!(offset_of!(PJRT_Api, PJRT_Event_Await), 104);
        assert_eq!(offset_of!(PJRT_Api, PJRT_Client_Create), 120);
        assert_eq!(offset_of!(PJRT_Api, PJRT_Client_Compile), 200);
        assert_eq!(offset_of!(PJRT_Api, PJRT_Client_BufferFromHostBuffer), 216);
        assert_eq!(offset_of!(PJRT_Api, PJRT_DeviceDescription_Id), 224);
        assert_eq!(offset_of!(PJRT_Api, PJRT_DeviceDescription_Kind), 248);
        assert_eq!(offset_of!(PJRT_Api, PJRT_Device_GetDescription), 272);
        assert_eq!(offset_of!(PJRT_Api, PJRT_Executable_Destroy), 360);
        assert_eq!(offset_of!(PJRT_Api, PJRT_Executable_NumOutputs), 392);
        assert_eq!(offset_of!(PJRT_Api, PJRT_Executable_OptimizedProgram), 424);
        assert_eq!(offset_of!(PJRT_Api, PJRT_LoadedExecutable_Destroy), 440);
        assert_eq!(offset_of!(PJRT_Api, PJRT_LoadedExecutable_GetExecutable), 448);
        assert_eq!(offset_of!(PJRT_Api, PJRT_LoadedExecutable_Execute), 480);
        assert_eq!(offset_of!(PJRT_Api, PJRT_Buffer_Destroy), 504);
        assert_eq!(offset_of!(PJRT_Api, PJRT_Buffer_ElementType), 512);
        assert_eq!(offset_of!(PJRT_Api, PJRT_Buffer_Dimensions), 520);
        assert_eq!(offset_of!(PJRT_Api, PJRT_Buffer_ToHostBuffer), 600);
    }

    #[test]
    fn new_sets_struct_size_and_zeroes_the_rest() {
        let a = PJRT_Client_Compile_Args::new();
        assert_eq!(a.struct_size, PJRT_Client_Compile_Args::STRUCT_SIZE);
        assert!(a.client.is_null() && a.executable.is_null());
        assert_eq!(a.compile_options_size, 0);
    }
}
