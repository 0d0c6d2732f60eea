//! The JS `Tensor` class: a handle to a registry slot. Ops are free functions (`ops.rs`); the
//! npm package's JS layer adds them to the prototype as chainable methods.

use std::rc::Rc;

use ferroflow::{Error, HostData, Result, Tensor, Variable};
use wasm_bindgen::prelude::*;

use crate::convert;
use crate::error::{to_js, to_js_in, JsResult};
use crate::registry::{self, Slot, Value};

#[wasm_bindgen(js_name = Tensor)]
pub struct JsTensor {
    slot: Rc<Slot>,
}

/// Hands a new tensor to JS (registered, counted, added to the open `tidy` scope).
pub fn wrap(op: &str, t: Tensor) -> Result<JsTensor> {
    Ok(JsTensor {
        slot: registry::new_slot(op, Value::Plain(t))?,
    })
}

/// Hands a new variable to JS.
pub fn wrap_variable(op: &str, v: Variable) -> Result<JsTensor> {
    Ok(JsTensor {
        slot: registry::new_slot(op, Value::Var(v))?,
    })
}

/// Runs an op and hands its result to JS, or throws its error.
pub fn run(op: &str, f: impl FnOnce() -> Result<Tensor>) -> JsResult<JsTensor> {
    f().and_then(|t| wrap(op, t)).map_err(|e| to_js_in(op, e))
}

/// Runs an op with several results and hands them to JS as an array.
pub fn run_many(op: &str, f: impl FnOnce() -> Result<Vec<Tensor>>) -> JsResult<js_sys::Array> {
    let ts = f().map_err(|e| to_js_in(op, e))?;
    let out = js_sys::Array::new();
    for t in ts {
        out.push(&JsValue::from(wrap(op, t).map_err(to_js)?));
    }
    Ok(out)
}

/// What an op of the table returns, as handed to JS: a `Tensor`, or an array of them.
pub trait OpResult {
    type Js;
    fn into_js(self, op: &str) -> Result<Self::Js>;
}
impl OpResult for Tensor {
    type Js = JsTensor;
    fn into_js(self, op: &str) -> Result<JsTensor> {
        wrap(op, self)
    }
}
impl OpResult for Vec<Tensor> {
    type Js = js_sys::Array;
    fn into_js(self, op: &str) -> Result<js_sys::Array> {
        let out = js_sys::Array::new();
        for t in self {
            out.push(&JsValue::from(wrap(op, t)?));
        }
        Ok(out)
    }
}

/// Runs an op of the table and hands its result to JS, or throws its error.
pub fn run_op<R: OpResult>(op: &str, f: impl FnOnce() -> Result<R>) -> JsResult<R::Js> {
    f().and_then(|r| r.into_js(op)).map_err(|e| to_js_in(op, e))
}

/// Host data as the TypedArray TF.js returns (`bool` as `Uint8Array`).
pub fn host_to_js(h: HostData) -> JsValue {
    match h {
        HostData::F32(v) => js_sys::Float32Array::from(&v[..]).into(),
        HostData::I32(v) => js_sys::Int32Array::from(&v[..]).into(),
        HostData::Bool(v) => {
            let bytes: Vec<u8> = v.into_iter().map(u8::from).collect();
            js_sys::Uint8Array::from(&bytes[..]).into()
        }
    }
}

fn shape_array(shape: &[usize]) -> js_sys::Array {
    shape.iter().map(|&d| JsValue::from_f64(d as f64)).collect()
}

impl JsTensor {
    /// The tensor, for an op's argument `arg` (an error once disposed).
    #[inline(never)]
    pub fn value(&self, op: &str, arg: &str) -> Result<Tensor> {
        self.slot.tensor(op, arg)
    }
}

#[wasm_bindgen(js_class = Tensor)]
impl JsTensor {
    /// The registry id the bindings use to find this tensor when it is passed back.
    #[wasm_bindgen(getter, js_name = __ffid)]
    pub fn ffid(&self) -> f64 {
        self.slot.id as f64
    }
    /// A unique id (as TF.js `Tensor.id`).
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> f64 {
        self.slot.id as f64
    }
    #[wasm_bindgen(getter)]
    pub fn shape(&self) -> js_sys::Array {
        shape_array(&self.slot.shape)
    }
    /// `'float32'`, `'int32'` or `'bool'`.
    #[wasm_bindgen(getter)]
    pub fn dtype(&self) -> String {
        self.slot.dtype.name().to_string()
    }
    #[wasm_bindgen(getter)]
    pub fn rank(&self) -> usize {
        self.slot.shape.len()
    }
    /// Number of elements.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> f64 {
        self.slot.shape.iter().product::<usize>() as f64
    }
    #[wasm_bindgen(getter, js_name = isDisposed)]
    pub fn is_disposed(&self) -> bool {
        self.slot.is_disposed()
    }
    /// True for tensors made by `variable()`.
    #[wasm_bindgen(getter, js_name = isVariable)]
    pub fn is_variable(&self) -> bool {
        self.slot.variable().is_some()
    }
    /// A variable's name (undefined for other tensors).
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> Option<String> {
        self.slot.variable().map(|v| v.name().to_string())
    }
    /// Whether optimizers train this variable (undefined for other tensors).
    #[wasm_bindgen(getter)]
    pub fn trainable(&self) -> Option<bool> {
        self.slot.variable().map(|v| v.trainable())
    }
    /// The backend this tensor lives on (`'webgpu'` or `'cpu'`).
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> JsResult<String> {
        let t = self.slot.tensor("backend", "this").map_err(to_js)?;
        Ok(crate::backend::js_name(&t.device()).to_string())
    }

    /// Frees this tensor (idempotent). Other tensors computed from it stay valid.
    pub fn dispose(&self) {
        self.slot.dispose();
    }

    /// The values, synchronously (a Float32Array, Int32Array or Uint8Array for bool). WebGPU in a
    /// page cannot block: there it throws, and `await data()` works.
    #[wasm_bindgen(js_name = dataSync)]
    pub fn data_sync(&self) -> JsResult<JsValue> {
        let t = self.slot.tensor("dataSync", "this").map_err(to_js)?;
        if cfg!(target_arch = "wasm32") && t.device().name() == "wgpu" {
            return Err(to_js(Error::invalid(
                "dataSync",
                "the webgpu backend cannot read data back synchronously in a page: use `await tensor.data()` or `await tensor.array()`",
            )));
        }
        t.to_host().map(host_to_js).map_err(to_js)
    }

    /// The values, asynchronously (works on every backend).
    pub fn data(&self) -> js_sys::Promise {
        let t = self.slot.tensor("data", "this");
        wasm_bindgen_futures::future_to_promise(async move {
            let t = t.map_err(to_js)?;
            t.to_host_async().await.map(host_to_js).map_err(to_js)
        })
    }

    /// A new tensor with the same value (TF.js `clone`).
    #[wasm_bindgen(js_name = clone)]
    pub fn clone_tensor(&self) -> JsResult<JsTensor> {
        run("clone", || self.slot.tensor("clone", "this"))
    }

    /// Sets a variable's value (same shape and dtype); throws for other tensors.
    pub fn assign(&self, value: &JsValue) -> JsResult<()> {
        self.slot.tensor("assign", "this").map_err(to_js)?;
        let v = self.slot.variable().ok_or_else(|| {
            to_js(Error::invalid(
                "assign",
                "expected a variable as `this`, got a plain tensor (make one with variable())",
            ))
        })?;
        let cur = v.value();
        let t = convert::tensors("assign", &[("newValue", value, Some(cur.dtype()))])
            .and_then(|mut ts| ts.pop().ok_or_else(|| Error::invalid("assign", "missing newValue")))
            .map_err(to_js)?;
        v.assign(&t).map_err(to_js)
    }
}

impl JsTensor {
    pub fn slot(&self) -> &Rc<Slot> {
        &self.slot
    }
}

/// Marks a tensor so that no `tidy` disposes it; returns nothing (the JS layer returns it).
#[wasm_bindgen(js_name = keepTensor)]
pub fn keep_tensor(t: &JsValue) -> JsResult<()> {
    let s = convert::slot_arg("keep", "result", t).map_err(to_js)?;
    s.keep();
    Ok(())
}

/// Opens a `tidy` scope.
#[wasm_bindgen(js_name = startScope)]
pub fn start_scope() {
    registry::start_scope();
}

/// Closes the innermost scope; `returned` is an array of the tensors the scope returns (they move
/// to the enclosing scope); every other tensor created in it, unless kept, is disposed.
#[wasm_bindgen(js_name = endScope)]
pub fn end_scope(returned: &JsValue) -> JsResult<()> {
    let mut ids = vec![];
    if js_sys::Array::is_array(returned) {
        for v in js_sys::Array::from(returned).iter() {
            if let Ok(Some(s)) = convert::slot_of(&v) {
                ids.push(s.id);
            }
        }
    }
    registry::end_scope(&ids);
    Ok(())
}

fn unique_name(wanted: Option<String>) -> Result<String> {
    let taken: Vec<String> = registry::variables()
        .iter()
        .filter_map(|s| s.variable().map(|v| v.name().to_string()))
        .collect();
    match wanted {
        Some(n) => {
            if taken.contains(&n) {
                return Err(Error::invalid(
                    "variable",
                    format!("argument 'name': expected a name no live variable has, got {n:?} (dispose the other variable first)"),
                ));
            }
            Ok(n)
        }
        None => {
            let mut i = taken.len();
            loop {
                let n = format!("variable_{i}");
                if !taken.contains(&n) {
                    return Ok(n);
                }
                i += 1;
            }
        }
    }
}

/// `variable(initialValue, trainable = true, name?, dtype?)`: a mutable tensor that optimizers
/// update. Names must be unique among live variables (optimizer state is keyed by name).
#[wasm_bindgen]
pub fn variable(initial: &JsValue, trainable: &JsValue, name: &JsValue, dtype: &JsValue) -> JsResult<JsTensor> {
    let op = "variable";
    let f = || -> Result<JsTensor> {
        let trainable = convert::bool_or(op, "trainable", trainable, true)?;
        let name = if name.is_undefined() || name.is_null() {
            None
        } else {
            Some(convert::string(op, "name", name)?)
        };
        let dtype = convert::dtype_arg(op, "dtype", dtype)?;
        let mut t = convert::tensors(op, &[("initialValue", initial, dtype)])?
            .pop()
            .ok_or_else(|| Error::invalid(op, "missing initialValue"))?;
        if let Some(d) = dtype {
            t = t.cast(d)?;
        }
        registry::check_size(op, &t)?;
        let v = Variable::new(unique_name(name)?, &t, trainable)?;
        wrap_variable(op, v)
    };
    f().map_err(to_js)
}

/// Disposes every live variable.
#[wasm_bindgen(js_name = disposeVariables)]
pub fn dispose_variables() {
    for s in registry::variables() {
        s.dispose();
    }
}
