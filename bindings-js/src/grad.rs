//! Gradients of JS functions. `f` runs inside a scope (its intermediate tensors are disposed
//! afterwards, as TF.js does), and core differentiates the graph its result was built from.
//! The JS layer turns these primitives into `grad`, `grads`, `valueAndGrad`, `valueAndGrads`,
//! `variableGrads` and `customGrad`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use ferroflow::autograd;
use ferroflow::{Error, Result, Tensor};
use wasm_bindgen::prelude::*;

use crate::convert::{self, describe};
use crate::error::{callback_threw, clear_pending, to_js, to_js_in, to_js_or_pending, JsResult};
use crate::registry::{self, Slot};
use crate::tensor::{wrap, JsTensor};

/// Runs `body` inside a scope: every tensor handed to JS meanwhile (by the user's `f`, by
/// `customGrad` gradient functions) is disposed when it returns; the core graph keeps what the
/// results need.
pub fn scoped<T>(body: impl FnOnce() -> Result<T>) -> Result<T> {
    let depth = registry::scope_depth();
    registry::start_scope();
    let r = body();
    registry::unwind_scopes_to(depth);
    r
}

/// Calls the user's `f` with `args`; its result must be a Tensor.
pub fn call_f(op: &str, f: &js_sys::Function, args: &js_sys::Array) -> Result<Tensor> {
    match f.apply(&JsValue::NULL, args) {
        Ok(y) => match convert::slot_of(&y) {
            Ok(Some(s)) => s.tensor(op, "f()"),
            _ => Err(Error::invalid(
                op,
                format!("argument 'f': expected f to return a Tensor, got {}", describe(&y)),
            )),
        },
        Err(e) => Err(callback_threw(op, e)),
    }
}

fn dy_or_ones(op: &str, y: &Tensor, dy: &JsValue) -> Result<Tensor> {
    if dy.is_undefined() || dy.is_null() {
        return ferroflow::ops::creation::ones(&y.device(), y.shape(), y.dtype());
    }
    let [d]: [Tensor; 1] = convert::tensors(op, &[("dy", dy, Some(y.dtype()))])?
        .try_into()
        .map_err(|_| Error::invalid(op, "missing dy"))?;
    Ok(d)
}

/// `valueAndGrads` core: returns `[value, grad_0, ..., grad_{n-1}]` for `f(...xs)`.
#[wasm_bindgen(js_name = valueAndGradsImpl)]
pub fn value_and_grads_impl(f: &js_sys::Function, xs: &JsValue, dy: &JsValue, op: &str) -> JsResult<js_sys::Array> {
    clear_pending();
    let run = || -> Result<(Tensor, Vec<Tensor>)> {
        let items = convert::list(op, "args", xs)?;
        if items.is_empty() {
            return Err(Error::invalid(
                op,
                "argument 'args': expected at least one tensor to differentiate with respect to, got none",
            ));
        }
        let mut slots: Vec<Rc<Slot>> = Vec::with_capacity(items.len());
        for (i, v) in items.iter().enumerate() {
            slots.push(convert::slot_arg(op, &format!("args[{i}]"), v)?);
        }
        let xs: Vec<Tensor> = slots
            .iter()
            .enumerate()
            .map(|(i, s)| s.tensor(op, &format!("args[{i}]")))
            .collect::<Result<_>>()?;
        let args: js_sys::Array = items.iter().collect();
        scoped(|| {
            let y = call_f(op, f, &args)?;
            let dy = dy_or_ones(op, &y, dy)?;
            let refs: Vec<&Tensor> = xs.iter().collect();
            let g = autograd::vjp(&y, &refs, &dy)?;
            Ok((y, g))
        })
    };
    let (y, g) = run().map_err(|e| to_js_or_pending(op, e))?;
    let out = js_sys::Array::new();
    out.push(&JsValue::from(wrap(op, y).map_err(to_js)?));
    for t in g {
        out.push(&JsValue::from(wrap(op, t).map_err(to_js)?));
    }
    Ok(out)
}

/// The variables named by `var_list` (an array of variables), or every trainable one.
pub fn variables_arg(op: &str, var_list: &JsValue) -> Result<Vec<ferroflow::Variable>> {
    if var_list.is_undefined() || var_list.is_null() {
        return Ok(registry::variables()
            .iter()
            .filter_map(|s| s.variable())
            .filter(|v| v.trainable())
            .collect());
    }
    let items = convert::list(op, "varList", var_list)?;
    items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let arg = format!("varList[{i}]");
            let s = convert::slot_arg(op, &arg, v)?;
            s.tensor(op, &arg)?;
            s.variable()
                .ok_or_else(|| Error::invalid(op, format!("argument '{arg}': expected a variable, got a plain tensor")))
        })
        .collect()
}

/// `variableGrads(f, varList?)`: `{value, grads: {name: gradient}}` of the scalar `f()` with
/// respect to the (trainable) variables.
#[wasm_bindgen(js_name = variableGrads)]
pub fn variable_grads(f: &js_sys::Function, var_list: &JsValue) -> JsResult<JsValue> {
    let op = "variableGrads";
    clear_pending();
    let run = || -> Result<(Tensor, Vec<(String, Tensor)>)> {
        let vars = variables_arg(op, var_list)?;
        if vars.is_empty() {
            return Err(Error::invalid(
                op,
                "argument 'varList': expected at least one trainable variable, got none",
            ));
        }
        let values: Vec<Tensor> = vars.iter().map(|v| v.value()).collect();
        let (y, g) = scoped(|| {
            let y = call_f(op, f, &js_sys::Array::new())?;
            if y.rank() != 0 {
                return Err(Error::shape(
                    op,
                    format!("argument 'f': expected f to return a scalar, got shape {:?}", y.shape()),
                ));
            }
            let refs: Vec<&Tensor> = values.iter().collect();
            Ok((y.clone(), autograd::grad(&y, &refs)?))
        })?;
        Ok((y, vars.iter().map(|v| v.name().to_string()).zip(g).collect()))
    };
    let (y, g) = run().map_err(|e| to_js_or_pending(op, e))?;
    let grads = js_sys::Object::new();
    for (name, t) in g {
        let t = JsValue::from(wrap(op, t).map_err(to_js)?);
        js_sys::Reflect::set(&grads, &JsValue::from_str(&name), &t)?;
    }
    let out = js_sys::Object::new();
    js_sys::Reflect::set(
        &out,
        &JsValue::from_str("value"),
        &JsValue::from(wrap(op, y).map_err(to_js)?),
    )?;
    js_sys::Reflect::set(&out, &JsValue::from_str("grads"), &grads)?;
    Ok(out.into())
}

// ---- customGrad ----

struct GradFn {
    f: js_sys::Function,
    saved: Vec<Tensor>,
}

thread_local! {
    /// Gradient functions of live `customGrad` nodes, by key. Core's gradient closure must be
    /// `Send + Sync`, which a JS function is not, so the closure holds only the key.
    static GRAD_FNS: RefCell<HashMap<u64, GradFn>> = RefCell::new(HashMap::new());
    static NEXT_KEY: RefCell<u64> = const { RefCell::new(1) };
}

/// Owns a `GRAD_FNS` entry; dropping the node's closure removes it.
struct GradFnKey(u64);

impl Drop for GradFnKey {
    fn drop(&mut self) {
        let k = self.0;
        let _ = GRAD_FNS.try_with(|m| {
            if let Ok(mut m) = m.try_borrow_mut() {
                m.remove(&k);
            }
        });
    }
}

impl GradFnKey {
    fn call(&self, dy: &Tensor, n_inputs: usize) -> Result<Vec<Tensor>> {
        let op = "customGrad";
        let entry = GRAD_FNS.with(|m| m.borrow().get(&self.0).map(|g| (g.f.clone(), g.saved.clone())));
        let (f, saved) = entry.ok_or_else(|| Error::invalid(op, "the gradient function is gone"))?;
        let saved_js = js_sys::Array::new();
        for t in saved {
            saved_js.push(&JsValue::from(wrap(op, t)?));
        }
        let dy_js = JsValue::from(wrap(op, dy.clone())?);
        let r = f
            .call2(&JsValue::NULL, &dy_js, &saved_js)
            .map_err(|e| callback_threw(op, e))?;
        let list: Vec<JsValue> = if js_sys::Array::is_array(&r) {
            js_sys::Array::from(&r).iter().collect()
        } else {
            vec![r]
        };
        if list.len() != n_inputs {
            return Err(Error::invalid(
                op,
                format!(
                    "gradFunc: expected {n_inputs} gradient(s), one per input, got {}",
                    list.len()
                ),
            ));
        }
        list.iter()
            .enumerate()
            .map(|(i, v)| {
                convert::slot_arg(op, &format!("gradFunc()[{i}]"), v)?.tensor(op, &format!("gradFunc()[{i}]"))
            })
            .collect()
    }
}

/// `customGrad` core: `value` (computed by the user's forward function from `inputs`) with
/// gradients given by `gradFunc(dy, saved)` instead of by its graph.
#[wasm_bindgen(js_name = customGradApply)]
pub fn custom_grad_apply(
    inputs: &JsValue,
    value: &JsValue,
    saved: &JsValue,
    grad_func: &js_sys::Function,
) -> JsResult<JsTensor> {
    let op = "customGrad";
    let f = || -> Result<JsTensor> {
        let items = convert::list(op, "inputs", inputs)?;
        let xs: Vec<Tensor> = items
            .iter()
            .enumerate()
            .map(|(i, v)| convert::slot_arg(op, &format!("inputs[{i}]"), v)?.tensor(op, &format!("inputs[{i}]")))
            .collect::<Result<_>>()?;
        let y = convert::slot_arg(op, "value", value)?.tensor(op, "value")?;
        let saved: Vec<Tensor> = if saved.is_undefined() || saved.is_null() {
            vec![]
        } else {
            convert::list(op, "save()", saved)?
                .iter()
                .enumerate()
                .map(|(i, v)| convert::slot_arg(op, &format!("save()[{i}]"), v)?.tensor(op, &format!("save()[{i}]")))
                .collect::<Result<_>>()?
        };
        let key = NEXT_KEY.with(|k| {
            let mut k = k.borrow_mut();
            *k += 1;
            *k
        });
        GRAD_FNS.with(|m| {
            m.borrow_mut().insert(
                key,
                GradFn {
                    f: grad_func.clone(),
                    saved,
                },
            )
        });
        let key = GradFnKey(key);
        let n = xs.len();
        let out = autograd::custom_grad(&xs, &y, Arc::new(move |dy: &Tensor| key.call(dy, n)))?;
        wrap(op, out)
    };
    f().map_err(|e| to_js_in(op, e))
}
