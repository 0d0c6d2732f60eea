//! The Rust half of `ff.sequential()`: a core [`Sequential`] plus what the JS API needs around it
//! (TF.js class names, each layer's input and output shapes, trainable flags, the compiled loss,
//! metrics and optimizer). One exported call does one whole training step (`trainBatch`: the
//! batch gathered, then core's `nn::train::train_on_batch`); `evaluate` and `predict` are core's;
//! the JS layer drives epochs, batches and callbacks.

use std::cell::RefCell;

use ferroflow::io;
use ferroflow::nn::{LayerConfig, Module, Sequential};
use ferroflow::{Device, Error, HostData, Result, Tensor, Variable};
use wasm_bindgen::prelude::*;

use ferroflow::nn::train::{self, examples, rows, take_rows, Loss, Metric, Objective, ObjectiveFn};

use super::loss::{parse_loss, parse_metric};
use super::spec::{self, Class, LayerSpec};
use crate::backend::current_device;
use crate::convert::{self, describe, is_absent};
use crate::error::{callback_threw, clear_pending, to_js, to_js_in, to_js_or_pending, to_object, JsResult};
use crate::grad::scoped;
use crate::optim::{borrow_opt, Optimizer, SharedOptimizer};
use crate::tensor::{wrap, JsTensor};

/// What the JS API knows about each layer besides the core module.
struct Entry {
    class: Class,
    trainable: bool,
    input_shape: Option<Vec<usize>>,
    output_shape: Option<Vec<usize>>,
    /// The JS config it was built from (none for loaded models).
    spec: Option<LayerSpec>,
}

struct Compiled {
    optimizer: SharedOptimizer,
    objective: Objective,
}

/// The model behind the JS `Sequential` class.
#[wasm_bindgen(js_name = ModelCore)]
pub struct Model {
    core: Sequential,
    entries: Vec<Entry>,
    compiled: Option<Compiled>,
}

thread_local! {
    static MODEL_COUNT: RefCell<usize> = const { RefCell::new(0) };
}

fn shape_js(shape: &Option<Vec<usize>>) -> JsValue {
    match shape {
        None => JsValue::NULL,
        Some(s) => {
            let a = js_sys::Array::new();
            a.push(&JsValue::NULL);
            for &d in s {
                a.push(&JsValue::from_f64(d as f64));
            }
            a.into()
        }
    }
}

fn set(o: &js_sys::Object, k: &str, v: &JsValue) {
    let _ = js_sys::Reflect::set(o, &JsValue::from_str(k), v);
}

fn dims(s: &[usize]) -> String {
    s.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(",")
}

/// A JS loss or metric `(yTrue, yPred) => Tensor` as a core objective function.
fn js_objective(f: &js_sys::Function) -> ObjectiveFn {
    let f = f.clone();
    let op = "loss function";
    Box::new(move |y_true: &Tensor, y_pred: &Tensor| {
        let a = JsValue::from(wrap(op, y_true.clone())?);
        let b = JsValue::from(wrap(op, y_pred.clone())?);
        let r = f.call2(&JsValue::NULL, &a, &b).map_err(|e| callback_threw(op, e))?;
        match convert::slot_of(&r) {
            Ok(Some(s)) => s.tensor(op, "loss()"),
            _ => Err(Error::invalid(
                op,
                format!(
                    "expected the loss/metric function to return a Tensor, got {}",
                    describe(&r)
                ),
            )),
        }
    })
}

/// The examples `begin..end` of `x` and `y`, or those listed in `indices` (an Int32Array).
fn batch(op: &str, x: &Tensor, y: &Tensor, indices: &JsValue, begin: f64, end: f64) -> Result<(Tensor, Tensor)> {
    let n = examples(op, x, y)?;
    if !is_absent(indices) {
        let idx: Vec<i32> = match indices.dyn_ref::<js_sys::Int32Array>() {
            Some(a) => a.to_vec(),
            None => {
                return Err(Error::invalid(
                    op,
                    format!("argument 'indices': expected an Int32Array, got {}", describe(indices)),
                ))
            }
        };
        if let Some(bad) = idx.iter().find(|&&i| i < 0 || i as usize >= n) {
            return Err(Error::index(
                op,
                format!("argument 'indices': expected example indices in [0, {n}), got {bad}"),
            ));
        }
        let idx: Vec<usize> = idx.into_iter().map(|i| i as usize).collect();
        return Ok((take_rows(x, &idx)?, take_rows(y, &idx)?));
    }
    if !(begin >= 0.0 && end <= n as f64 && begin < end && begin.fract() == 0.0 && end.fract() == 0.0) {
        return Err(Error::index(
            op,
            format!(
                "batch [{}, {}) is not a non-empty range of the {n} examples",
                convert::js_number(begin),
                convert::js_number(end)
            ),
        ));
    }
    let (b, e) = (begin as usize, end as usize);
    Ok((rows(x, b, e)?, rows(y, b, e)?))
}

fn batch_size_arg(op: &str, v: &JsValue) -> Result<usize> {
    let b = convert::int_or(op, "batchSize", v, 32)?;
    if b < 1 {
        return Err(Error::invalid(
            op,
            format!("argument 'batchSize': expected a positive integer, got {}", describe(v)),
        ));
    }
    Ok(usize::try_from(b).unwrap_or(usize::MAX))
}

fn model_name(v: &JsValue) -> Result<String> {
    if is_absent(v) {
        let n = MODEL_COUNT.with(|c| {
            let mut c = c.borrow_mut();
            *c += 1;
            *c
        });
        return Ok(format!("sequential_{n}"));
    }
    let n = convert::string("sequential", "config.name", v)?;
    if n.is_empty() || n.contains('/') || n.chars().any(char::is_control) || n.len() > 256 {
        return Err(Error::invalid(
            "sequential",
            format!(
                "argument 'config.name': expected 1 to 256 characters without '/' or control characters, got {n:?}"
            ),
        ));
    }
    Ok(n)
}

/// Load limits for the browser: a weights file must fit wasm's memory next to the model built
/// from it.
pub(crate) fn limits() -> io::LoadLimits {
    let cap = (crate::registry::MAX_TENSOR_BYTES / 2) as u64;
    io::LoadLimits {
        max_weights_file_bytes: cap,
        max_total_weights_bytes: cap,
        ..io::LoadLimits::default()
    }
}

fn load_err(e: Error) -> JsValue {
    js_sys::Error::new(&format!("loadLayersModel: {e}")).into()
}

#[wasm_bindgen(js_class = ModelCore)]
impl Model {
    /// An empty model; `name` defaults to `sequential_N`.
    #[wasm_bindgen(constructor)]
    pub fn new(name: &JsValue) -> JsResult<Model> {
        let name = model_name(name).map_err(to_js)?;
        Ok(Model {
            core: Sequential::new(name, vec![]).map_err(to_js)?,
            entries: vec![],
            compiled: None,
        })
    }

    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.core.name().to_string()
    }

    /// Appends a layer made by `ff.layers.<factory>(config)`; returns its name.
    pub fn add(&mut self, factory: &str, config: &JsValue) -> JsResult<String> {
        let mut f = || -> Result<String> {
            let spec = spec::parse(factory, config)?;
            let op = "Sequential.add";
            let input = match self.entries.last() {
                None => spec.input_shape.clone().ok_or_else(|| {
                    Error::invalid(
                        op,
                        format!(
                            "the first layer of a Sequential model needs an input shape: give {} `inputShape` \
                             (or `batchInputShape`{})",
                            spec.class.factory(),
                            match spec.class {
                                Class::Dense => ", `inputDim`",
                                Class::Embedding => ", `inputLength`",
                                _ => "",
                            }
                        ),
                    )
                })?,
                Some(prev) => {
                    let out = prev.output_shape.clone().ok_or_else(|| {
                        Error::invalid(
                            op,
                            "the last layer's output shape is unknown, so no layer can follow it",
                        )
                    })?;
                    if let Some(s) = &spec.input_shape {
                        if *s != out {
                            return Err(Error::shape(
                                op,
                                format!(
                                    "the layer's inputShape [{}] does not match the previous layer's output [{}]",
                                    dims(s),
                                    dims(&out)
                                ),
                            ));
                        }
                    }
                    out
                }
            };
            let name = match &spec.name {
                Some(n) => n.clone(),
                None => spec::default_name(spec.class),
            };
            if self.core.layers().iter().any(|l| l.name() == name) {
                return Err(Error::invalid(
                    op,
                    format!(
                        "model {}: a layer named {name:?} is already in the model",
                        self.core.name()
                    ),
                ));
            }
            let dev = current_device();
            let lop = format!("layers.{}", spec.class.factory());
            let in_layer = |e| crate::error::in_op(&lop, e);
            let cfg = spec::core_config(&spec, &name, &input).map_err(in_layer)?;
            let layer = spec::build(&spec, &cfg, &dev).map_err(in_layer)?;
            let out = spec::output_shape(layer.as_ref(), &input, &dev).map_err(in_layer)?;
            self.core.add(layer)?;
            if self.entries.is_empty() {
                self.core.set_input_shape(Some(input.clone()))?;
            }
            self.entries.push(Entry {
                class: spec.class,
                trainable: spec.trainable,
                input_shape: Some(input),
                output_shape: Some(out),
                spec: Some(spec),
            });
            Ok(name)
        };
        f().map_err(to_js)
    }

    /// Per layer: `{name, className, inputShape, outputShape, trainable, params, weights}` with
    /// `weights` as `{name, shape, dtype, trainable}` (shapes with `null` for the batch).
    #[wasm_bindgen(js_name = layersInfo)]
    pub fn layers_info(&self) -> JsResult<js_sys::Array> {
        let out = js_sys::Array::new();
        for (l, e) in self.core.layers().iter().zip(&self.entries) {
            let o = js_sys::Object::new();
            set(&o, "name", &JsValue::from_str(l.name()));
            set(&o, "className", &JsValue::from_str(e.class.name()));
            set(&o, "inputShape", &shape_js(&e.input_shape));
            set(&o, "outputShape", &shape_js(&e.output_shape));
            set(&o, "trainable", &JsValue::from_bool(e.trainable));
            let ws = js_sys::Array::new();
            let mut params = 0usize;
            for v in l.variables() {
                let t = v.value();
                params += t.numel();
                let w = js_sys::Object::new();
                set(&w, "name", &JsValue::from_str(v.name()));
                let shape: js_sys::Array = t.shape().iter().map(|&d| JsValue::from_f64(d as f64)).collect();
                set(&w, "shape", &shape);
                set(&w, "dtype", &JsValue::from_str(t.dtype().name()));
                set(&w, "trainable", &JsValue::from_bool(v.trainable() && e.trainable));
                ws.push(&w);
            }
            set(&o, "params", &JsValue::from_f64(params as f64));
            set(&o, "weights", &ws);
            out.push(&o);
        }
        Ok(out)
    }

    /// Layer `index`'s config with TF.js names (`layer.getConfig()`).
    #[wasm_bindgen(js_name = layerConfig)]
    pub fn layer_config(&self, index: usize) -> JsResult<JsValue> {
        let (Some(l), Some(e)) = (self.core.layers().get(index), self.entries.get(index)) else {
            return Err(to_js(Error::index(
                "getConfig",
                format!("expected a layer index below {}, got {index}", self.entries.len()),
            )));
        };
        let mut cfg = spec::tfjs_config(&l.config(), e.trainable, e.spec.as_ref());
        if index == 0 {
            if let (serde_json::Value::Object(m), Some(s)) = (&mut cfg, &e.input_shape) {
                let mut b = vec![serde_json::Value::Null];
                b.extend(s.iter().map(|&d| serde_json::json!(d)));
                m.insert("batchInputShape".into(), serde_json::Value::Array(b));
            }
        }
        to_object("getConfig", &cfg)
    }

    /// Freezes (`false`) or unfreezes a layer: its weights are left out of training.
    #[wasm_bindgen(js_name = setTrainable)]
    pub fn set_trainable(&mut self, index: usize, trainable: bool) -> JsResult<()> {
        let n = self.entries.len();
        let e = self.entries.get_mut(index).ok_or_else(|| {
            to_js(Error::index(
                "trainable",
                format!("expected a layer index below {n}, got {index}"),
            ))
        })?;
        e.trainable = trainable;
        Ok(())
    }

    /// The shape of one input example with `null` for the batch (`[null, 28, 28, 1]`), or null.
    #[wasm_bindgen(getter, js_name = inputShape)]
    pub fn input_shape(&self) -> JsValue {
        shape_js(&self.core.input_shape().map(|s| s.to_vec()))
    }

    /// The last layer's output shape with `null` for the batch, or null.
    #[wasm_bindgen(getter, js_name = outputShape)]
    pub fn output_shape(&self) -> JsValue {
        shape_js(&self.entries.last().and_then(|e| e.output_shape.clone()))
    }

    fn variables_of(&self, layer: &JsValue, op: &str) -> Result<Vec<(Variable, bool)>> {
        let mut out = vec![];
        let only = if is_absent(layer) {
            None
        } else {
            Some(convert::size(op, "layer", layer)?)
        };
        if let Some(i) = only {
            if i >= self.entries.len() {
                return Err(Error::index(
                    op,
                    format!("expected a layer index below {}, got {i}", self.entries.len()),
                ));
            }
        }
        for (i, (l, e)) in self.core.layers().iter().zip(&self.entries).enumerate() {
            if only.is_some_and(|k| k != i) {
                continue;
            }
            for v in l.variables() {
                let t = v.trainable() && e.trainable;
                out.push((v, t));
            }
        }
        if only.is_none() {
            // A model lists its trainable weights first, then the others (TF.js's `weights`).
            let (mut trainable, frozen): (Vec<_>, Vec<_>) = out.into_iter().partition(|(_, t)| *t);
            trainable.extend(frozen);
            out = trainable;
        }
        Ok(out)
    }

    /// The weights' current values (of layer `layer`, or of the model), in TF.js's order (a
    /// layer's in its own order; a model's trainable ones first, then the others).
    #[wasm_bindgen(js_name = getWeights)]
    pub fn get_weights(&self, layer: &JsValue, trainable_only: bool) -> JsResult<js_sys::Array> {
        let op = "getWeights";
        let vars = self.variables_of(layer, op).map_err(to_js)?;
        let out = js_sys::Array::new();
        for (v, t) in vars {
            if trainable_only && !t {
                continue;
            }
            out.push(&JsValue::from(wrap(op, v.value()).map_err(to_js)?));
        }
        Ok(out)
    }

    /// Sets every weight (of layer `layer`, or of the model) from tensors in `getWeights` order.
    #[wasm_bindgen(js_name = setWeights)]
    pub fn set_weights(&self, layer: &JsValue, weights: &JsValue) -> JsResult<()> {
        let op = "setWeights";
        let f = || -> Result<()> {
            let vars = self.variables_of(layer, op)?;
            let items = convert::list(op, "weights", weights)?;
            if items.len() != vars.len() {
                return Err(Error::invalid(
                    op,
                    format!(
                        "argument 'weights': expected {} tensors (one per weight), got {}",
                        vars.len(),
                        items.len()
                    ),
                ));
            }
            let mut updates = vec![];
            for (i, ((v, _), item)) in vars.iter().zip(&items).enumerate() {
                let arg = format!("weights[{i}]");
                let cur = v.value();
                let t = convert::tensor_on(op, &arg, item, Some(cur.dtype()), &cur.device())?;
                if t.shape() != cur.shape() || t.dtype() != cur.dtype() {
                    return Err(Error::shape(
                        op,
                        format!(
                            "argument '{arg}': expected {} {:?} for weight {}, got {} {:?}",
                            cur.dtype(),
                            cur.shape(),
                            v.name(),
                            t.dtype(),
                            t.shape()
                        ),
                    ));
                }
                let t = if t.device().name() == cur.device().name() {
                    t
                } else {
                    Tensor::from_host_on(t.to_host()?, t.shape(), &cur.device())?
                };
                updates.push((v.clone(), t));
            }
            ferroflow::variable::assign_all(&updates)
        };
        f().map_err(to_js)
    }

    /// Total number of weight elements.
    #[wasm_bindgen(js_name = countParams)]
    pub fn count_params(&self) -> f64 {
        self.core.variables().iter().map(|v| v.value().numel() as f64).sum()
    }

    /// `compile`: the optimizer (shared with the JS object), the loss (a name or a function) and
    /// the metrics (names or functions, with their history keys given by `metricNames`). Returns
    /// the history keys: `['loss', 'acc', ...]`.
    pub fn compile(&mut self, optimizer: &Optimizer, loss: &JsValue, metrics: &JsValue) -> JsResult<js_sys::Array> {
        let op = "compile";
        let f = || -> Result<Compiled> {
            let mut loss_v = loss.clone();
            if js_sys::Array::is_array(loss) {
                let items = convert::list(op, "loss", loss)?;
                if items.len() != 1 {
                    return Err(Error::invalid(
                        op,
                        format!(
                            "argument 'loss': expected one loss (the model has one output), got {}",
                            items.len()
                        ),
                    ));
                }
                loss_v = items[0].clone();
            }
            let loss = if let Some(name) = loss_v.as_string() {
                Loss::Keras(parse_loss(op, "loss", &name)?)
            } else if let Some(f) = loss_v.dyn_ref::<js_sys::Function>() {
                Loss::Custom(js_objective(f))
            } else {
                return Err(Error::invalid(
                    op,
                    format!(
                        "argument 'loss': expected a loss name or a function (yTrue, yPred) => Tensor, got {}",
                        describe(&loss_v)
                    ),
                ));
            };
            let outputs = self
                .entries
                .last()
                .and_then(|e| e.output_shape.as_ref())
                .and_then(|s| s.last().copied())
                .unwrap_or(0);
            let items = if is_absent(metrics) {
                vec![]
            } else if metrics.as_string().is_some() || metrics.is_function() {
                vec![metrics.clone()]
            } else {
                convert::list(op, "metrics", metrics)?
            };
            let mut objective = Objective::new(loss);
            for (i, m) in items.iter().enumerate() {
                let arg = format!("metrics[{i}]");
                let (key, metric) = if let Some(s) = m.as_string() {
                    let (k, m) = parse_metric(op, &arg, &s, objective.loss_kind(), outputs)?;
                    (k, Metric::Keras(m))
                } else if let Some(f) = m.dyn_ref::<js_sys::Function>() {
                    let n = String::from(f.name());
                    (
                        if n.is_empty() { format!("metric_{i}") } else { n },
                        Metric::Custom(js_objective(f)),
                    )
                } else {
                    return Err(Error::invalid(
                        op,
                        format!(
                            "argument '{arg}': expected a metric name or a function, got {}",
                            describe(m)
                        ),
                    ));
                };
                if objective.names().contains(&key) {
                    return Err(Error::invalid(
                        op,
                        format!("argument '{arg}': metric {key:?} is listed twice"),
                    ));
                }
                objective = objective.with_metric(key, metric)?;
            }
            Ok(Compiled {
                optimizer: optimizer.shared(),
                objective,
            })
        };
        let c = f().map_err(to_js)?;
        let names = c.objective.names();
        self.compiled = Some(c);
        Ok(names.iter().map(|n| JsValue::from_str(n)).collect())
    }

    fn compiled(&self, op: &str) -> Result<&Compiled> {
        self.compiled.as_ref().ok_or_else(|| {
            Error::invalid(
                op,
                "the model must be compiled first: model.compile({optimizer, loss, metrics})",
            )
        })
    }

    /// One training step on the examples `begin..end` of `x`/`y` (or those listed in `indices`):
    /// forward in training mode, loss and metrics, gradients of the trainable weights, one
    /// optimizer update. Returns `[loss, metric...]` of the batch (before the update), realized.
    #[wasm_bindgen(js_name = trainBatch)]
    pub fn train_batch(
        &mut self,
        x: &JsValue,
        y: &JsValue,
        indices: &JsValue,
        begin: f64,
        end: f64,
    ) -> JsResult<JsTensor> {
        let op = "fit";
        clear_pending();
        let f = || -> Result<Tensor> {
            let compiled = self.compiled(op)?;
            let [x, y]: [Tensor; 2] = convert::tensors(op, &[("x", x, None), ("y", y, None)])?
                .try_into()
                .map_err(|_| Error::invalid(op, "missing x or y"))?;
            // Data still lazy (e.g. from randomNormal) is computed once and kept, not recomputed
            // by every batch's gather.
            x.realize()?;
            y.realize()?;
            let vars: Vec<Variable> = self
                .variables_of(&JsValue::UNDEFINED, op)?
                .into_iter()
                .filter(|(_, t)| *t)
                .map(|(v, _)| v)
                .collect();
            scoped(|| {
                let (xb, yb) = batch(op, &x, &y, indices, begin, end)?;
                let mut opt = borrow_opt(op, &compiled.optimizer)?;
                train::train_on_batch(&self.core, &vars, &mut **opt, &compiled.objective, &xb, &yb)
            })
        };
        let stats = f().map_err(|e| to_js_or_pending(op, e))?;
        wrap(op, stats).map_err(to_js)
    }

    /// `[loss, metric...]` averaged over every example (batches of `batchSize`, inference mode).
    pub fn evaluate(&self, x: &JsValue, y: &JsValue, batch_size: &JsValue) -> JsResult<JsTensor> {
        let op = "evaluate";
        clear_pending();
        let f = || -> Result<Tensor> {
            let compiled = self.compiled(op)?;
            let bs = batch_size_arg(op, batch_size)?;
            let [x, y]: [Tensor; 2] = convert::tensors(op, &[("x", x, None), ("y", y, None)])?
                .try_into()
                .map_err(|_| Error::invalid(op, "missing x or y"))?;
            scoped(|| train::evaluate(&self.core, &compiled.objective, &x, &y, bs))
        };
        let r = f().map_err(|e| to_js_or_pending(op, e))?;
        wrap(op, r).map_err(to_js)
    }

    /// The model's outputs for `x` (inference mode, batches of `batchSize`).
    pub fn predict(&self, x: &JsValue, batch_size: &JsValue) -> JsResult<JsTensor> {
        let op = "predict";
        let f = || -> Result<Tensor> {
            let bs = batch_size_arg(op, batch_size)?;
            let x = convert::tensor(op, "x", x)?;
            train::predict(&self.core, &x, bs)
        };
        let r = f().map_err(|e| to_js_in(op, e))?;
        wrap(op, r).map_err(to_js)
    }

    /// The model in Ferroflow's format (`{modelJson: Uint8Array, weights: {path: Uint8Array}}`,
    /// exactly the bytes `ferroflow::io::save_model` writes), read with async readback so it
    /// works on WebGPU in a page.
    #[wasm_bindgen(js_name = toArtifacts)]
    pub fn to_artifacts(&self) -> js_sys::Promise {
        let snap = io::snapshot(&self.core);
        wasm_bindgen_futures::future_to_promise(async move {
            let (config, values) = snap.map_err(|e| to_js_in("save", e))?;
            let mut hosts = Vec::with_capacity(values.len());
            for v in &values {
                hosts.push(v.to_host_async().await.map_err(|e| to_js_in("save", e))?);
            }
            let (json, weights) = io::encode(config, hosts).map_err(|e| to_js_in("save", e))?;
            let out = js_sys::Object::new();
            set(&out, "modelJson", &js_sys::Uint8Array::from(&json[..]).into());
            let files = js_sys::Object::new();
            set(&files, io::WEIGHTS_FILE, &js_sys::Uint8Array::from(&weights[..]).into());
            set(&out, "weights", &files);
            Ok(out.into())
        })
    }
}

impl Model {
    fn from_loaded(
        dev: &Device,
        cfg: ferroflow::nn::SequentialConfig,
        weights: Vec<(ferroflow::nn::VarSpec, HostData)>,
    ) -> Result<Model> {
        let mut classes = vec![];
        for l in &cfg.layers {
            let class = Class::of_config(l).ok_or_else(|| {
                Error::Format(format!(
                    "layer {:?} is a nested Sequential model, which the JS layers API does not support",
                    l.name()
                ))
            })?;
            spec::check_weight_sizes("loadLayersModel", l)?;
            classes.push(class);
        }
        let core = Sequential::from_config(dev, &cfg)
            .map_err(|e| Error::Format(format!("model.json: cannot build the topology: {e}")))?;
        io::assign_weights(&core, weights, dev)?;
        let mut shape = cfg.input_shape.clone().or_else(|| match cfg.layers.first() {
            Some(LayerConfig::Dense(d)) => Some(vec![d.input_dim]),
            Some(LayerConfig::BatchNorm(b)) => Some(vec![b.features]),
            _ => None,
        });
        let mut entries = vec![];
        for (l, class) in core.layers().iter().zip(classes) {
            let out = match &shape {
                Some(s) => Some(spec::output_shape(l.as_ref(), s, dev).map_err(|e| {
                    Error::Format(format!(
                        "layer {:?} does not accept the model's input shape: {e}",
                        l.name()
                    ))
                })?),
                None => None,
            };
            entries.push(Entry {
                class,
                trainable: true,
                input_shape: shape.clone(),
                output_shape: out.clone(),
                spec: None,
            });
            shape = out;
        }
        Ok(Model {
            core,
            entries,
            compiled: None,
        })
    }
}

/// Checks a `model.json` (format, version, topology, weights manifest with safe relative paths
/// and sizes within the limits) and lists the weight files to fetch: `[{path, size}]`.
#[wasm_bindgen(js_name = inspectModelJson)]
pub fn inspect_model_json(bytes: &[u8]) -> JsResult<js_sys::Array> {
    let l = limits();
    let m = io::parse_model_json(bytes, &l).map_err(load_err)?;
    io::check_manifest(&m, &l).map_err(load_err)?;
    let out = js_sys::Array::new();
    for w in &m.weights {
        let o = js_sys::Object::new();
        set(&o, "path", &JsValue::from_str(&w.path));
        set(&o, "size", &JsValue::from_f64(w.size as f64));
        out.push(&o);
    }
    Ok(out)
}

/// Validates a model from its `model.json` bytes and its weight files (`{path: Uint8Array}`),
/// exactly as `ferroflow::io::load_model` validates a folder, and builds it on the current
/// backend.
#[wasm_bindgen(js_name = loadModelArtifacts)]
pub fn load_model_artifacts(model_json: &[u8], weights: &JsValue) -> JsResult<Model> {
    let f = || -> Result<Model> {
        let v = io::validate_parts(model_json, &limits(), &mut |w: &io::WeightFile| {
            let data = if is_absent(weights) {
                JsValue::UNDEFINED
            } else {
                js_sys::Reflect::get(weights, &JsValue::from_str(&w.path)).unwrap_or(JsValue::UNDEFINED)
            };
            match data.dyn_ref::<js_sys::Uint8Array>() {
                Some(a) if u64::from(a.length()) == w.size => Ok(a.to_vec()),
                Some(a) => Err(Error::Format(format!(
                    "weights file {:?}: {} bytes, the manifest says {}",
                    w.path,
                    a.length(),
                    w.size
                ))),
                None => Err(Error::Format(format!(
                    "weights file {:?} is missing (expected a Uint8Array, got {})",
                    w.path,
                    describe(&data)
                ))),
            }
        })?;
        let cfg = match v.manifest.model {
            LayerConfig::Sequential(c) => c,
            other => {
                return Err(Error::Format(format!(
                    "the topology is a {} layer, not a Sequential model",
                    other.class_name()
                )))
            }
        };
        Model::from_loaded(&current_device(), cfg, v.weights)
    };
    f().map_err(load_err)
}
