//! Backends as TF.js names them: `webgpu` (ferroflow-wgpu on the browser's WebGPU) and `cpu`
//! (ferroflow-native compiled to wasm, single-threaded). Ops with no tensor operand create their
//! result on the current backend; the first such use without `ready()`/`setBackend()` picks `cpu`
//! (WebGPU can only be opened asynchronously).

use std::cell::RefCell;

use ferroflow::{Device, Error, Result};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::error::{to_js, to_object};

#[derive(Default)]
struct Backends {
    /// The current backend's JS name and device.
    current: Option<(&'static str, Device)>,
    cpu: Option<Device>,
    webgpu: Option<Device>,
    /// Why WebGPU did not open (kept so that `backendInfo()` can tell the app).
    webgpu_error: Option<String>,
    /// Why the current backend is not the preferred one, when `ready()` fell back.
    fallback_reason: Option<String>,
}

thread_local! {
    static BACKENDS: RefCell<Backends> = RefCell::new(Backends::default());
}

/// The JS names of the backends, in preference order.
pub const NAMES: [&str; 2] = ["webgpu", "cpu"];

pub(crate) fn cpu_device() -> Device {
    BACKENDS.with(|b| {
        let mut b = b.borrow_mut();
        b.cpu.get_or_insert_with(ferroflow::native::cpu).clone()
    })
}

fn set_current(name: &'static str, dev: Device) {
    ferroflow::set_default_device(dev.clone());
    BACKENDS.with(|b| b.borrow_mut().current = Some((name, dev)));
}

/// The device new tensors go to (initializing `cpu` on first use).
pub fn current_device() -> Device {
    if let Some((_, d)) = BACKENDS.with(|b| b.borrow().current.clone()) {
        return d;
    }
    let d = cpu_device();
    set_current("cpu", d.clone());
    d
}

fn current_name() -> &'static str {
    current_device();
    BACKENDS.with(|b| b.borrow().current.as_ref().map(|(n, _)| *n).unwrap_or("cpu"))
}

/// The JS backend name of a device.
pub fn js_name(dev: &Device) -> &'static str {
    if dev.name() == "wgpu" {
        "webgpu"
    } else {
        "cpu"
    }
}

/// Why WebGPU cannot be used in this JS environment, before asking wgpu (which expects
/// `navigator.gpu`).
fn webgpu_missing() -> Option<String> {
    let global = js_sys::global();
    let nav = js_sys::Reflect::get(&global, &JsValue::from_str("navigator")).unwrap_or(JsValue::UNDEFINED);
    if nav.is_undefined() || nav.is_null() {
        return Some("there is no navigator object (not a browser; WebGPU needs navigator.gpu)".into());
    }
    let gpu = js_sys::Reflect::get(&nav, &JsValue::from_str("gpu")).unwrap_or(JsValue::UNDEFINED);
    if gpu.is_undefined() || gpu.is_null() {
        return Some("navigator.gpu is missing (this browser has no WebGPU, or it is disabled)".into());
    }
    None
}

#[cfg(target_arch = "wasm32")]
async fn open_webgpu_device() -> Result<Device> {
    let dev = ferroflow::open_async("wgpu").await?;
    self_check(&dev).await.map_err(|why| {
        Error::backend(
            "webgpu",
            format!("the adapter opened but failed a self-check (4 squares summed, read back): {why}"),
        )
    })?;
    Ok(dev)
}

/// One tiny kernel end to end: upload, compile, dispatch, asynchronous readback. An adapter that
/// opens but cannot run kernels (a broken driver, a blocklisted feature) is then refused here,
/// and `ready()` falls back to the CPU with the reason, instead of the first op failing later.
/// It also does the device's one-time setup (layouts, readback path) before the first step.
#[cfg(target_arch = "wasm32")]
async fn self_check(dev: &Device) -> std::result::Result<(), String> {
    use ferroflow::{HostData, Tensor};
    let run = async {
        let x = Tensor::from_host_on(HostData::F32(vec![1.0, 2.0, 3.0, 4.0]), &[4], dev)?;
        x.mul(&x)?.sum(&[], false)?.to_host_async().await
    };
    match run.await {
        Ok(HostData::F32(v)) if v == [30.0] => Ok(()),
        Ok(HostData::F32(v)) => Err(format!("expected [30.0], read back {v:?}")),
        Ok(other) => Err(format!("expected f32 [30.0], read back {other:?}")),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(not(target_arch = "wasm32"))]
async fn open_webgpu_device() -> Result<Device> {
    Err(Error::backend("webgpu", "WebGPU is only built for wasm32"))
}

/// Opens WebGPU once; later calls return the same device or the same reason.
async fn open_webgpu() -> std::result::Result<Device, String> {
    let known = BACKENDS.with(|b| {
        let b = b.borrow();
        (b.webgpu.clone(), b.webgpu_error.clone())
    });
    match known {
        (Some(d), _) => return Ok(d),
        (None, Some(e)) => return Err(e),
        (None, None) => {}
    }
    let result = match webgpu_missing() {
        Some(why) => Err(why),
        None => open_webgpu_device().await.map_err(|e| e.to_string()),
    };
    BACKENDS.with(|b| {
        let mut b = b.borrow_mut();
        match &result {
            Ok(d) => b.webgpu = Some(d.clone()),
            Err(e) => b.webgpu_error = Some(e.clone()),
        }
    });
    result
}

fn check_name(name: &str) -> Result<&'static str> {
    NAMES.iter().copied().find(|n| *n == name).ok_or_else(|| {
        Error::invalid(
            "setBackend",
            format!("argument 'backendName': expected one of {NAMES:?}, got {name:?}"),
        )
    })
}

/// `setBackend(name)`: resolves to `true` when the backend is now current, `false` when it could
/// not be opened (the reason is in `backendInfo().webgpuError`); rejects for unknown names.
#[wasm_bindgen(js_name = setBackend)]
pub async fn set_backend(name: String) -> std::result::Result<JsValue, JsValue> {
    let name = check_name(&name).map_err(to_js)?;
    if name == "cpu" {
        set_current("cpu", cpu_device());
        BACKENDS.with(|b| b.borrow_mut().fallback_reason = None);
        return Ok(JsValue::TRUE);
    }
    match open_webgpu().await {
        Ok(d) => {
            set_current("webgpu", d);
            BACKENDS.with(|b| b.borrow_mut().fallback_reason = None);
            Ok(JsValue::TRUE)
        }
        Err(_) => Ok(JsValue::FALSE),
    }
}

/// `ready()`: when no backend was chosen yet, opens WebGPU if this environment has an adapter,
/// else the CPU (recording why). Resolves to the backend's name.
#[wasm_bindgen(js_name = readyBackend)]
pub async fn ready_backend() -> std::result::Result<JsValue, JsValue> {
    if BACKENDS.with(|b| b.borrow().current.is_none()) {
        match open_webgpu().await {
            Ok(d) => set_current("webgpu", d),
            Err(why) => {
                set_current("cpu", cpu_device());
                BACKENDS.with(|b| b.borrow_mut().fallback_reason = Some(format!("webgpu unavailable: {why}")));
            }
        }
    }
    Ok(JsValue::from_str(current_name()))
}

#[wasm_bindgen(js_name = getBackend)]
pub fn get_backend() -> String {
    current_name().to_string()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BackendInfo {
    backend: &'static str,
    description: String,
    fallback_reason: Option<String>,
    webgpu_error: Option<String>,
    /// Backends that have been opened (their devices exist).
    initialized: Vec<&'static str>,
}

/// `backendInfo()`: the current backend, its description (adapter, threads), and why WebGPU is
/// not in use when it is not.
#[wasm_bindgen(js_name = backendInfo)]
pub fn backend_info() -> std::result::Result<JsValue, JsValue> {
    let dev = current_device();
    let info = BACKENDS.with(|b| {
        let b = b.borrow();
        let mut initialized = vec![];
        if b.webgpu.is_some() {
            initialized.push("webgpu");
        }
        if b.cpu.is_some() {
            initialized.push("cpu");
        }
        BackendInfo {
            backend: js_name(&dev),
            description: dev.description(),
            fallback_reason: b.fallback_reason.clone(),
            webgpu_error: b.webgpu_error.clone(),
            initialized,
        }
    });
    to_object("backendInfo", &info)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BackendMemory {
    num_buffers: usize,
    num_bytes: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Memory {
    num_tensors: usize,
    num_bytes: usize,
    num_data_buffers: usize,
    num_bytes_in_backend: usize,
    backend: &'static str,
    backends: std::collections::BTreeMap<&'static str, BackendMemory>,
}

/// `memory()`: live tensors and their bytes (as TF.js counts them), plus each opened backend's
/// live buffers. (Exported as `memoryInfo`: `memory` is the wasm memory's export name.)
#[wasm_bindgen(js_name = memoryInfo)]
pub fn memory() -> std::result::Result<JsValue, JsValue> {
    let (num_tensors, num_bytes) = crate::registry::counts();
    let dev = current_device();
    let cur = dev.memory();
    let mut backends = std::collections::BTreeMap::new();
    BACKENDS.with(|b| {
        let b = b.borrow();
        for (name, d) in [("cpu", &b.cpu), ("webgpu", &b.webgpu)] {
            if let Some(d) = d {
                let m = d.memory();
                backends.insert(
                    name,
                    BackendMemory {
                        num_buffers: m.num_buffers,
                        num_bytes: m.num_bytes,
                    },
                );
            }
        }
    });
    let m = Memory {
        num_tensors,
        num_bytes,
        num_data_buffers: cur.num_buffers,
        num_bytes_in_backend: cur.num_bytes,
        backend: js_name(&dev),
        backends,
    };
    to_object("memory", &m)
}
