//! `ff.loadGraphModel`: core's TF.js graph-model reader and executor (`ferroflow::tfjs`) behind
//! one JS class. The JS layer fetches `model.json` and the shards this module lists, after it
//! validated the manifest; loading decodes, dequantizes and checks every op before a tensor is
//! made, and `execute` runs on the current backend.

use std::rc::Rc;

use ferroflow::tfjs::{GraphModel, ModelArtifacts, TensorInfo};
use ferroflow::{DType, Error, Result, Tensor};
use wasm_bindgen::prelude::*;

use crate::backend::current_device;
use crate::convert::{self, describe};
use crate::error::{to_js, to_js_in, JsResult};
use crate::layers::model::limits;
use crate::tensor::wrap;

fn load_err(e: Error) -> JsValue {
    js_sys::Error::new(&format!("loadGraphModel: {e}")).into()
}

fn set(o: &js_sys::Object, k: &str, v: &JsValue) {
    let _ = js_sys::Reflect::set(o, &JsValue::from_str(k), v);
}

/// Checks a graph model's `model.json` (format, manifest, shard paths and sizes within the
/// limits) and lists its weight groups: `[{paths: [...], bytes}]`, `bytes` being what the
/// group's shards must hold together.
#[wasm_bindgen(js_name = inspectGraphModelJson)]
pub fn inspect_graph_model_json(bytes: &[u8]) -> JsResult<js_sys::Array> {
    let a = ModelArtifacts::parse(bytes, &limits()).map_err(load_err)?;
    let out = js_sys::Array::new();
    for (i, g) in a.weights_manifest.iter().enumerate() {
        let o = js_sys::Object::new();
        let paths: js_sys::Array = g.paths.iter().map(|p| JsValue::from_str(p)).collect();
        set(&o, "paths", &paths);
        let n = a.group_bytes(i, &limits()).map_err(load_err)?;
        set(&o, "bytes", &JsValue::from_f64(n as f64));
        out.push(&o);
    }
    Ok(out)
}

fn dtype_name(d: DType) -> &'static str {
    match d {
        DType::F32 => "float32",
        DType::I32 => "int32",
        DType::Bool => "bool",
    }
}

/// TF.js's `TensorInfo`: `{name, shape, dtype}`, unknown sizes as -1.
fn infos(list: &[TensorInfo]) -> js_sys::Array {
    list.iter()
        .map(|t| {
            let o = js_sys::Object::new();
            set(&o, "name", &JsValue::from_str(&t.name));
            let shape: JsValue = match &t.shape {
                Some(dims) => dims
                    .iter()
                    .map(|d| JsValue::from_f64(d.map_or(-1.0, |d| d as f64)))
                    .collect::<js_sys::Array>()
                    .into(),
                None => JsValue::UNDEFINED,
            };
            set(&o, "shape", &shape);
            let dtype = t.dtype.map_or(JsValue::UNDEFINED, |d| JsValue::from_str(dtype_name(d)));
            set(&o, "dtype", &dtype);
            JsValue::from(o)
        })
        .collect()
}

#[wasm_bindgen(js_name = GraphModelCore)]
pub struct GraphModelCore {
    /// Shared with `executeAsync`'s pending promise, so `dispose` during a run is safe.
    model: Rc<GraphModel>,
}

#[wasm_bindgen(js_class = GraphModelCore)]
impl GraphModelCore {
    /// Builds the model on the current backend from `model.json` and, per weight group, its
    /// shards in order (`[[Uint8Array, ...], ...]`).
    pub fn load(model_json: &[u8], shards: &js_sys::Array) -> JsResult<GraphModelCore> {
        let f = || -> Result<GraphModel> {
            let mut groups = vec![];
            for (i, g) in shards.iter().enumerate() {
                let files = g.dyn_into::<js_sys::Array>().map_err(|v| {
                    Error::Format(format!(
                        "shards[{i}]: expected an array of Uint8Array, got {}",
                        describe(&v)
                    ))
                })?;
                let mut bytes = vec![];
                for (k, f) in files.iter().enumerate() {
                    let a = f.dyn_into::<js_sys::Uint8Array>().map_err(|v| {
                        Error::Format(format!("shards[{i}][{k}]: expected a Uint8Array, got {}", describe(&v)))
                    })?;
                    bytes.push(a.to_vec());
                }
                groups.push(bytes);
            }
            let dev = current_device();
            let mut m = GraphModel::from_parts(model_json, &groups, &dev, &limits())?;
            if dev.name() != "cpu" {
                // Shape arithmetic runs on the CPU backend: a WebGPU page cannot wait on a readback.
                m.set_host_device(crate::backend::cpu_device());
            }
            Ok(m)
        };
        f().map(|model| GraphModelCore { model: Rc::new(model) })
            .map_err(load_err)
    }

    /// `[{name, shape, dtype}]` of the inputs.
    pub fn inputs(&self) -> js_sys::Array {
        infos(self.model.inputs())
    }

    /// `[{name, shape, dtype}]` of the outputs.
    pub fn outputs(&self) -> js_sys::Array {
        infos(self.model.outputs())
    }

    /// The distinct TF ops of the graph.
    pub fn ops(&self) -> js_sys::Array {
        self.model.ops().into_iter().map(JsValue::from_str).collect()
    }

    /// `{format, generatedBy, convertedBy, userDefinedMetadata}` from `model.json`.
    pub fn metadata(&self) -> JsResult<JsValue> {
        crate::error::to_object("metadata", &self.model.metadata)
    }

    /// Converts `values[i]` (fed to node `names[i]`) to tensors on the model's device.
    fn feeds(&self, op: &str, names: &[String], values: &js_sys::Array) -> Result<Vec<(String, Tensor)>> {
        if names.len() != values.length() as usize {
            return Err(Error::invalid(op, "one value per input name"));
        }
        let mut feeds = vec![];
        for (n, v) in names.iter().zip(values.iter()) {
            let t = convert::tensor_on(op, &format!("inputs[{n:?}]"), &v, None, self.model.device())?;
            feeds.push((n.clone(), t));
        }
        Ok(feeds)
    }

    /// Runs the nodes `fetch` needs with `values[i]` fed to node `names[i]`; returns the fetched
    /// tensors in order. Ops that need values on the host fail on WebGPU: see `executeAsync`.
    pub fn execute(&self, names: Vec<String>, values: &js_sys::Array, fetch: Vec<String>) -> JsResult<js_sys::Array> {
        let op = "execute";
        let f = || -> Result<Vec<Tensor>> {
            let feeds = self.feeds(op, &names, values)?;
            let feeds: Vec<(&str, Tensor)> = feeds.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
            let fetch: Vec<&str> = fetch.iter().map(String::as_str).collect();
            self.model.execute(&feeds, &fetch)
        };
        wrap_all(op, f())
    }

    /// `execute` that waits for the readbacks dynamic ops need (`Where`, `NonMaxSuppression`...)
    /// without blocking; resolves to the fetched tensors.
    #[wasm_bindgen(js_name = executeAsync)]
    pub fn execute_async(&self, names: Vec<String>, values: &js_sys::Array, fetch: Vec<String>) -> js_sys::Promise {
        let op = "executeAsync";
        let feeds = self.feeds(op, &names, values);
        let model = Rc::clone(&self.model);
        wasm_bindgen_futures::future_to_promise(async move {
            let feeds = feeds.map_err(|e| to_js_in(op, e))?;
            let feeds: Vec<(&str, Tensor)> = feeds.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
            let fetch: Vec<&str> = fetch.iter().map(String::as_str).collect();
            let out = model.execute_async(&feeds, &fetch).await;
            wrap_all(op, out).map(JsValue::from)
        })
    }
}

fn wrap_all(op: &str, out: Result<Vec<Tensor>>) -> JsResult<js_sys::Array> {
    let out = out.map_err(|e| to_js_in(op, e))?;
    let arr = js_sys::Array::new();
    for t in out {
        arr.push(&JsValue::from(wrap(op, t).map_err(to_js)?));
    }
    Ok(arr)
}
