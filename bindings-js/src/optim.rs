//! `train.sgd/momentum/adam/adamw/rmsprop/adagrad`: core's optimizers (TF.js update rules and
//! defaults) behind one JS class.

use ferroflow::optim::{Adagrad, Adam, AdamW, Momentum, Optimizer as CoreOptimizer, RmsProp, Sgd, DEFAULT_EPSILON};
use std::cell::RefCell;
use std::rc::Rc;

use ferroflow::{Error, Result, Tensor, Variable};
use wasm_bindgen::prelude::*;

use crate::convert::{self, describe};
use crate::error::{clear_pending, to_js, to_js_in, to_js_or_pending, JsResult};
use crate::grad::{call_f, scoped, variables_arg};
use crate::registry;
use crate::tensor::{wrap, JsTensor};

/// The optimizer state is shared: a layers model compiled with this optimizer holds another
/// handle to it (so `model.optimizer` and the object the app kept are the same optimizer).
pub type SharedOptimizer = Rc<RefCell<Box<dyn CoreOptimizer>>>;

#[wasm_bindgen]
pub struct Optimizer {
    inner: SharedOptimizer,
    kind: &'static str,
}

/// Borrows the optimizer for one step; fails (instead of panicking) when it is already in use,
/// e.g. when a loss function calls `minimize` on the optimizer that is calling it.
pub fn borrow_opt<'a>(op: &str, opt: &'a SharedOptimizer) -> Result<std::cell::RefMut<'a, Box<dyn CoreOptimizer>>> {
    opt.try_borrow_mut().map_err(|_| {
        Error::invalid(
            op,
            "the optimizer is already running a step (called again from inside its own loss function or callback)",
        )
    })
}

impl Optimizer {
    /// Another handle to the same optimizer state.
    pub fn shared(&self) -> SharedOptimizer {
        self.inner.clone()
    }
    /// `'sgd'`, `'adam'`, ...
    pub fn kind_name(&self) -> &'static str {
        self.kind
    }
}

fn lr_arg(op: &str, v: &JsValue, default: Option<f32>) -> Result<f32> {
    if let (true, Some(d)) = (v.is_undefined() || v.is_null(), default) {
        return Ok(d);
    }
    let lr = convert::finite_or(op, "learningRate", v, 0.0)?;
    if lr < 0.0 || (v.is_undefined() || v.is_null()) {
        return Err(Error::invalid(
            op,
            format!(
                "argument 'learningRate': expected a finite number >= 0, got {}",
                describe(v)
            ),
        ));
    }
    Ok(lr)
}

fn make(kind: &'static str, inner: Box<dyn CoreOptimizer>) -> Optimizer {
    Optimizer {
        inner: Rc::new(RefCell::new(inner)),
        kind,
    }
}

/// `train.sgd(learningRate)`.
#[wasm_bindgen(js_name = trainSgd)]
pub fn train_sgd(learning_rate: &JsValue) -> JsResult<Optimizer> {
    let lr = lr_arg("sgd", learning_rate, None).map_err(to_js)?;
    Ok(make("sgd", Box::new(Sgd::new(lr))))
}

/// `train.momentum(learningRate, momentum, useNesterov = false)`.
#[wasm_bindgen(js_name = trainMomentum)]
pub fn train_momentum(learning_rate: &JsValue, momentum: &JsValue, use_nesterov: &JsValue) -> JsResult<Optimizer> {
    let op = "momentum";
    let f = || -> Result<Optimizer> {
        let lr = lr_arg(op, learning_rate, None)?;
        let m = convert::finite_or(op, "momentum", momentum, f32::NAN)?;
        if m.is_nan() {
            return Err(Error::invalid(
                op,
                format!(
                    "argument 'momentum': expected a finite number, got {}",
                    describe(momentum)
                ),
            ));
        }
        let nesterov = convert::bool_or(op, "useNesterov", use_nesterov, false)?;
        Ok(make(op, Box::new(Momentum::new(lr, m).nesterov(nesterov))))
    };
    f().map_err(to_js)
}

/// `train.adam(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7)`.
#[wasm_bindgen(js_name = trainAdam)]
pub fn train_adam(learning_rate: &JsValue, beta1: &JsValue, beta2: &JsValue, epsilon: &JsValue) -> JsResult<Optimizer> {
    let op = "adam";
    let f = || -> Result<Optimizer> {
        let lr = lr_arg(op, learning_rate, Some(0.001))?;
        let b1 = convert::finite_or(op, "beta1", beta1, 0.9)?;
        let b2 = convert::finite_or(op, "beta2", beta2, 0.999)?;
        let eps = convert::finite_or(op, "epsilon", epsilon, DEFAULT_EPSILON)?;
        Ok(make(op, Box::new(Adam::new(lr).betas(b1, b2).epsilon(eps))))
    };
    f().map_err(to_js)
}

/// `train.adamw(learningRate = 0.001, weightDecay = 0.004, beta1 = 0.9, beta2 = 0.999,
/// epsilon = 1e-7)` (Keras `AdamW`; not in TF.js).
#[wasm_bindgen(js_name = trainAdamw)]
pub fn train_adamw(
    learning_rate: &JsValue,
    weight_decay: &JsValue,
    beta1: &JsValue,
    beta2: &JsValue,
    epsilon: &JsValue,
) -> JsResult<Optimizer> {
    let op = "adamw";
    let f = || -> Result<Optimizer> {
        let lr = lr_arg(op, learning_rate, Some(0.001))?;
        let wd = convert::finite_or(op, "weightDecay", weight_decay, 0.004)?;
        let b1 = convert::finite_or(op, "beta1", beta1, 0.9)?;
        let b2 = convert::finite_or(op, "beta2", beta2, 0.999)?;
        let eps = convert::finite_or(op, "epsilon", epsilon, DEFAULT_EPSILON)?;
        Ok(make(op, Box::new(AdamW::new(lr, wd).betas(b1, b2).epsilon(eps))))
    };
    f().map_err(to_js)
}

/// `train.rmsprop(learningRate, decay = 0.9, momentum = 0, epsilon = 1e-7, centered = false)`.
#[wasm_bindgen(js_name = trainRmsprop)]
pub fn train_rmsprop(
    learning_rate: &JsValue,
    decay: &JsValue,
    momentum: &JsValue,
    epsilon: &JsValue,
    centered: &JsValue,
) -> JsResult<Optimizer> {
    let op = "rmsprop";
    let f = || -> Result<Optimizer> {
        let lr = lr_arg(op, learning_rate, None)?;
        let d = convert::finite_or(op, "decay", decay, 0.9)?;
        let m = convert::finite_or(op, "momentum", momentum, 0.0)?;
        let eps = convert::finite_or(op, "epsilon", epsilon, DEFAULT_EPSILON)?;
        let c = convert::bool_or(op, "centered", centered, false)?;
        Ok(make(
            op,
            Box::new(RmsProp::new(lr).decay(d).momentum(m).epsilon(eps).centered(c)),
        ))
    };
    f().map_err(to_js)
}

/// `train.adagrad(learningRate, initialAccumulatorValue = 0.1)`.
#[wasm_bindgen(js_name = trainAdagrad)]
pub fn train_adagrad(learning_rate: &JsValue, initial_accumulator_value: &JsValue) -> JsResult<Optimizer> {
    let op = "adagrad";
    let f = || -> Result<Optimizer> {
        let lr = lr_arg(op, learning_rate, None)?;
        let acc = convert::finite_or(op, "initialAccumulatorValue", initial_accumulator_value, 0.1)?;
        Ok(make(op, Box::new(Adagrad::new(lr).initial_accumulator(acc))))
    };
    f().map_err(to_js)
}

#[wasm_bindgen]
impl Optimizer {
    /// Evaluates `f` (a function returning a scalar loss), differentiates it with respect to
    /// `varList` (default: every trainable variable) and updates them. Returns the loss when
    /// `returnCost`, else null. Tensors `f` creates are disposed.
    pub fn minimize(
        &mut self,
        f: &js_sys::Function,
        return_cost: &JsValue,
        var_list: &JsValue,
    ) -> JsResult<Option<JsTensor>> {
        let op = self.kind;
        clear_pending();
        let run = || -> Result<Tensor> {
            convert::bool_or(op, "returnCost", return_cost, false)?;
            let vars = variables_arg(op, var_list)?;
            let mut inner = borrow_opt(op, &self.inner)?;
            scoped(|| {
                inner.minimize(&vars, &mut || {
                    let y = call_f(op, f, &js_sys::Array::new())?;
                    if y.numel() != 1 {
                        return Err(Error::shape(
                            op,
                            format!("argument 'f': expected f to return a scalar, got shape {:?}", y.shape()),
                        ));
                    }
                    Ok(y)
                })
            })
        };
        let loss = run().map_err(|e| to_js_or_pending(op, e))?;
        if convert::bool_or(op, "returnCost", return_cost, false).map_err(to_js)? {
            return Ok(Some(wrap(op, loss).map_err(to_js)?));
        }
        Ok(None)
    }

    /// Applies gradients: `{variableName: gradient}` (as `variableGrads` returns) or an array of
    /// `{name, tensor}`.
    #[wasm_bindgen(js_name = applyGradients)]
    pub fn apply_gradients(&mut self, grads: &JsValue) -> JsResult<()> {
        let op = self.kind;
        let f = || -> Result<()> {
            let vars: Vec<Variable> = registry::variables().iter().filter_map(|s| s.variable()).collect();
            let find = |name: &str| -> Result<Variable> {
                vars.iter().find(|v| v.name() == name).cloned().ok_or_else(|| {
                    Error::invalid(
                        op,
                        format!("argument 'variableGradients': expected names of live variables, got {name:?}"),
                    )
                })
            };
            let mut pairs = vec![];
            if js_sys::Array::is_array(grads) {
                for (i, item) in js_sys::Array::from(grads).iter().enumerate() {
                    let get =
                        |k: &str| js_sys::Reflect::get(&item, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
                    let name = convert::string(op, &format!("variableGradients[{i}].name"), &get("name"))?;
                    let arg = format!("variableGradients[{i}].tensor");
                    let t = convert::slot_arg(op, &arg, &get("tensor"))?.tensor(op, &arg)?;
                    pairs.push((find(&name)?, t));
                }
            } else if grads.is_object() {
                let obj: &js_sys::Object = grads.unchecked_ref();
                for entry in js_sys::Object::entries(obj).iter() {
                    let pair = js_sys::Array::from(&entry);
                    let name = pair.get(0).as_string().unwrap_or_default();
                    let arg = format!("variableGradients.{name}");
                    let t = convert::slot_arg(op, &arg, &pair.get(1))?.tensor(op, &arg)?;
                    pairs.push((find(&name)?, t));
                }
            } else {
                return Err(Error::invalid(
                    op,
                    format!(
                        "argument 'variableGradients': expected {{name: Tensor}} or [{{name, tensor}}], got {}",
                        describe(grads)
                    ),
                ));
            }
            let mut inner = borrow_opt(op, &self.inner)?;
            scoped(|| inner.step(&pairs))
        };
        f().map_err(|e| to_js_in(op, e))
    }

    #[wasm_bindgen(getter, js_name = learningRate)]
    pub fn learning_rate(&self) -> JsResult<f32> {
        Ok(borrow_opt(self.kind, &self.inner).map_err(to_js)?.learning_rate())
    }

    #[wasm_bindgen(js_name = setLearningRate)]
    pub fn set_learning_rate(&mut self, lr: &JsValue) -> JsResult<()> {
        let lr = lr_arg(self.kind, lr, None).map_err(to_js)?;
        borrow_opt(self.kind, &self.inner)
            .and_then(|mut o| o.set_learning_rate(lr))
            .map_err(to_js)
    }

    /// Steps taken so far.
    #[wasm_bindgen(getter)]
    pub fn iterations(&self) -> JsResult<f64> {
        Ok(borrow_opt(self.kind, &self.inner).map_err(to_js)?.iterations() as f64)
    }

    /// `'sgd'`, `'momentum'`, `'adam'`, `'adamw'`, `'rmsprop'` or `'adagrad'`.
    #[wasm_bindgen(getter, js_name = kind)]
    pub fn kind(&self) -> String {
        self.kind.to_string()
    }

    /// The optimizer's state (slots) as tensors, `{name, tensor}` pairs.
    #[wasm_bindgen(js_name = getWeights)]
    pub fn get_weights(&self) -> JsResult<js_sys::Array> {
        let out = js_sys::Array::new();
        let vars = borrow_opt(self.kind, &self.inner).map_err(to_js)?.variables();
        for v in vars {
            let o = js_sys::Object::new();
            js_sys::Reflect::set(&o, &JsValue::from_str("name"), &JsValue::from_str(v.name()))?;
            js_sys::Reflect::set(
                &o,
                &JsValue::from_str("tensor"),
                &JsValue::from(wrap("getWeights", v.value()).map_err(to_js)?),
            )?;
            out.push(&o);
        }
        Ok(out)
    }
}
