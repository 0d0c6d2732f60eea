//! TF.js layer configs (`ff.layers.dense({units: 10, activation: 'relu', inputShape: [4]})`) read
//! from JS, validated, and turned into core layers once the input shape is known.
//!
//! Every option is checked here, and options TF.js has but Ferroflow does not (regularizers,
//! constraints, `dataFormat: 'channelsFirst'`, ...) are rejected by name instead of being ignored,
//! so a model never trains differently from what its config says. Unknown keys are rejected too
//! (a misspelt option is an error, not a default).

use std::cell::RefCell;
use std::collections::HashMap;

use ferroflow::nn::{
    Activation, ActivationConfig, BatchNormConfig, Conv2dConfig, DenseConfig, DropoutConfig, EmbeddingConfig,
    FlattenConfig, LayerConfig, Module, PaddingConfig, PoolConfig,
};
use ferroflow::ops::creation;
use ferroflow::{DType, Device, Error, Result, Tensor};
use serde_json::{json, Value as Json};
use wasm_bindgen::prelude::*;

use crate::convert::{self, describe, is_absent};
use crate::registry::MAX_TENSOR_BYTES;

/// The layer classes of the JS API, by their TF.js class names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    Dense,
    Conv2D,
    MaxPooling2D,
    AveragePooling2D,
    Flatten,
    Dropout,
    BatchNormalization,
    Embedding,
    Activation,
}

const CLASSES: [Class; 9] = [
    Class::Dense,
    Class::Conv2D,
    Class::MaxPooling2D,
    Class::AveragePooling2D,
    Class::Flatten,
    Class::Dropout,
    Class::BatchNormalization,
    Class::Embedding,
    Class::Activation,
];

impl Class {
    /// TF.js's `getClassName()`.
    pub fn name(self) -> &'static str {
        match self {
            Class::Dense => "Dense",
            Class::Conv2D => "Conv2D",
            Class::MaxPooling2D => "MaxPooling2D",
            Class::AveragePooling2D => "AveragePooling2D",
            Class::Flatten => "Flatten",
            Class::Dropout => "Dropout",
            Class::BatchNormalization => "BatchNormalization",
            Class::Embedding => "Embedding",
            Class::Activation => "Activation",
        }
    }
    /// The factory under `ff.layers` (`dense`, `conv2d`, ...).
    pub fn factory(self) -> &'static str {
        match self {
            Class::Dense => "dense",
            Class::Conv2D => "conv2d",
            Class::MaxPooling2D => "maxPooling2d",
            Class::AveragePooling2D => "averagePooling2d",
            Class::Flatten => "flatten",
            Class::Dropout => "dropout",
            Class::BatchNormalization => "batchNormalization",
            Class::Embedding => "embedding",
            Class::Activation => "activation",
        }
    }
    /// The prefix of default names, as TF.js builds them (`dense_Dense1`).
    fn snake(self) -> &'static str {
        match self {
            Class::Dense => "dense",
            Class::Conv2D => "conv2d",
            Class::MaxPooling2D => "max_pooling2d",
            Class::AveragePooling2D => "average_pooling2d",
            Class::Flatten => "flatten",
            Class::Dropout => "dropout",
            Class::BatchNormalization => "batch_normalization",
            Class::Embedding => "embedding",
            Class::Activation => "activation",
        }
    }
    pub fn from_factory(s: &str) -> Option<Class> {
        CLASSES.into_iter().find(|c| c.factory() == s || c.name() == s)
    }
    /// The JS class of a core layer config (none for a nested `Sequential`).
    pub fn of_config(c: &LayerConfig) -> Option<Class> {
        Some(match c {
            LayerConfig::Dense(_) => Class::Dense,
            LayerConfig::Conv2d(_) => Class::Conv2D,
            LayerConfig::MaxPool2d(_) => Class::MaxPooling2D,
            LayerConfig::AvgPool2d(_) => Class::AveragePooling2D,
            LayerConfig::Flatten(_) => Class::Flatten,
            LayerConfig::Dropout(_) => Class::Dropout,
            LayerConfig::BatchNorm(_) => Class::BatchNormalization,
            LayerConfig::Embedding(_) => Class::Embedding,
            LayerConfig::Activation(_) => Class::Activation,
            LayerConfig::Sequential(_) => return None,
        })
    }
    /// The options this layer accepts (besides the common ones).
    fn keys(self) -> &'static [&'static str] {
        match self {
            Class::Dense => &[
                "units",
                "activation",
                "useBias",
                "kernelInitializer",
                "biasInitializer",
                "inputDim",
            ],
            Class::Conv2D => &[
                "filters",
                "kernelSize",
                "strides",
                "padding",
                "dataFormat",
                "dilationRate",
                "activation",
                "useBias",
                "kernelInitializer",
                "biasInitializer",
            ],
            Class::MaxPooling2D | Class::AveragePooling2D => &["poolSize", "strides", "padding", "dataFormat"],
            Class::Flatten => &["dataFormat"],
            Class::Dropout => &["rate", "seed"],
            Class::BatchNormalization => &["axis", "momentum", "epsilon", "center", "scale"],
            Class::Embedding => &[
                "inputDim",
                "outputDim",
                "embeddingsInitializer",
                "inputLength",
                "maskZero",
            ],
            Class::Activation => &["activation"],
        }
    }
}

/// Options every layer accepts.
const COMMON: [&str; 6] = [
    "name",
    "inputShape",
    "batchInputShape",
    "batchSize",
    "dtype",
    "trainable",
];

/// TF.js options Ferroflow does not implement: named in the error instead of "unknown".
const UNSUPPORTED: [&str; 14] = [
    "kernelRegularizer",
    "biasRegularizer",
    "activityRegularizer",
    "kernelConstraint",
    "biasConstraint",
    "embeddingsRegularizer",
    "embeddingsConstraint",
    "noiseShape",
    "weights",
    "inputDType",
    "betaInitializer",
    "gammaInitializer",
    "movingMeanInitializer",
    "movingVarianceInitializer",
];

thread_local! {
    static NAME_COUNTS: RefCell<HashMap<Class, usize>> = RefCell::new(HashMap::new());
}

/// A fresh default layer name, as TF.js makes them: `dense_Dense1`, `conv2d_Conv2D1`, ...
pub fn default_name(class: Class) -> String {
    let n = NAME_COUNTS.with(|c| {
        let mut c = c.borrow_mut();
        let n = c.entry(class).or_insert(0);
        *n += 1;
        *n
    });
    format!("{}_{}{n}", class.snake(), class.name())
}

/// Weight initializers (TF.js names; `snake_case` spellings are accepted too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Init {
    GlorotUniform,
    GlorotNormal,
    HeUniform,
    HeNormal,
    LeCunUniform,
    LeCunNormal,
    Zeros,
    Ones,
    RandomUniform,
    RandomNormal,
    TruncatedNormal,
}

const INITS: [Init; 11] = [
    Init::GlorotUniform,
    Init::GlorotNormal,
    Init::HeUniform,
    Init::HeNormal,
    Init::LeCunUniform,
    Init::LeCunNormal,
    Init::Zeros,
    Init::Ones,
    Init::RandomUniform,
    Init::RandomNormal,
    Init::TruncatedNormal,
];

impl Init {
    pub fn name(self) -> &'static str {
        match self {
            Init::GlorotUniform => "glorotUniform",
            Init::GlorotNormal => "glorotNormal",
            Init::HeUniform => "heUniform",
            Init::HeNormal => "heNormal",
            Init::LeCunUniform => "leCunUniform",
            Init::LeCunNormal => "leCunNormal",
            Init::Zeros => "zeros",
            Init::Ones => "ones",
            Init::RandomUniform => "randomUniform",
            Init::RandomNormal => "randomNormal",
            Init::TruncatedNormal => "truncatedNormal",
        }
    }

    fn parse(op: &str, arg: &str, v: &JsValue, default: Init) -> Result<Init> {
        if is_absent(v) {
            return Ok(default);
        }
        let key = |s: &str| s.to_ascii_lowercase().replace('_', "");
        v.as_string()
            .and_then(|s| INITS.into_iter().find(|i| key(i.name()) == key(&s)))
            .ok_or_else(|| {
                let names: Vec<&str> = INITS.iter().map(|i| i.name()).collect();
                Error::invalid(
                    op,
                    format!(
                        "argument '{arg}': expected one of {} (initializer names), got {}",
                        names.join(", "),
                        describe(v)
                    ),
                )
            })
    }

    /// Values for a weight of `shape` (fans as TF.js computes them: the last two axes are
    /// `[in, out]`, earlier axes the receptive field).
    pub fn tensor(self, dev: &Device, shape: &[usize], seed: u64) -> Result<Tensor> {
        let (fan_in, fan_out) = match shape.len() {
            0 => (1, 1),
            1 => (shape[0], shape[0]),
            n => {
                let rf: usize = shape[..n - 2].iter().product();
                (shape[n - 2] * rf, shape[n - 1] * rf)
            }
        };
        let (fan_in, fan_out) = (fan_in.max(1) as f64, fan_out.max(1) as f64);
        let avg = (fan_in + fan_out) / 2.0;
        // Variance scaling: uniform limit sqrt(3 scale), truncated normal stddev sqrt(scale) / .8796
        // (the stddev of a unit normal truncated at 2 standard deviations).
        let uniform = |scale: f64| {
            let l = (3.0 * scale).sqrt() as f32;
            creation::random_uniform(dev, shape, -l, l, seed)
        };
        let normal = |scale: f64| {
            let sd = (scale.sqrt() / 0.879_625_661_034_239_8) as f32;
            creation::truncated_normal(dev, shape, 0.0, sd, seed)
        };
        match self {
            Init::GlorotUniform => uniform(1.0 / avg),
            Init::GlorotNormal => normal(1.0 / avg),
            Init::HeUniform => uniform(2.0 / fan_in),
            Init::HeNormal => normal(2.0 / fan_in),
            Init::LeCunUniform => uniform(1.0 / fan_in),
            Init::LeCunNormal => normal(1.0 / fan_in),
            Init::Zeros => creation::zeros(dev, shape, DType::F32),
            Init::Ones => creation::ones(dev, shape, DType::F32),
            Init::RandomUniform => creation::random_uniform(dev, shape, -0.05, 0.05, seed),
            Init::RandomNormal => creation::random_normal(dev, shape, 0.0, 0.05, seed),
            Init::TruncatedNormal => creation::truncated_normal(dev, shape, 0.0, 0.05, seed),
        }
    }
}

/// TF.js activation names Ferroflow implements.
const ACTIVATIONS: [(&str, Activation); 13] = [
    ("linear", Activation::Linear),
    ("relu", Activation::Relu),
    ("relu6", Activation::Relu6),
    ("elu", Activation::Elu),
    ("selu", Activation::Selu),
    ("sigmoid", Activation::Sigmoid),
    ("tanh", Activation::Tanh),
    ("softmax", Activation::Softmax),
    ("softplus", Activation::Softplus),
    ("softsign", Activation::Softsign),
    ("gelu", Activation::Gelu),
    ("swish", Activation::Swish),
    ("mish", Activation::Mish),
];

fn activation(op: &str, arg: &str, v: &JsValue) -> Result<Activation> {
    if is_absent(v) {
        return Ok(Activation::Linear);
    }
    v.as_string()
        .and_then(|s| ACTIVATIONS.iter().find(|(n, _)| *n == s).map(|(_, a)| *a))
        .ok_or_else(|| {
            let names: Vec<&str> = ACTIVATIONS.iter().map(|(n, _)| *n).collect();
            Error::invalid(
                op,
                format!(
                    "argument '{arg}': expected one of {}, got {}",
                    names.join(", "),
                    describe(v)
                ),
            )
        })
}

/// The TF.js name of an activation.
pub fn activation_name(a: Activation) -> &'static str {
    ACTIVATIONS
        .iter()
        .find(|(_, x)| *x == a)
        .map(|(n, _)| *n)
        .unwrap_or("linear")
}

/// What a layer does, with the options that do not depend on its input.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Dense {
        units: usize,
        activation: Activation,
        use_bias: bool,
        kernel: Init,
        bias: Init,
    },
    Conv2D {
        filters: usize,
        kernel_size: [usize; 2],
        strides: [usize; 2],
        padding: PaddingConfig,
        dilation: [usize; 2],
        activation: Activation,
        use_bias: bool,
        kernel: Init,
        bias: Init,
    },
    Pool {
        pool_size: [usize; 2],
        strides: Option<[usize; 2]>,
        padding: PaddingConfig,
    },
    Flatten,
    Dropout {
        rate: f32,
        seed: Option<u64>,
    },
    BatchNorm {
        momentum: f32,
        epsilon: f32,
        center: bool,
        scale: bool,
    },
    Embedding {
        input_dim: usize,
        output_dim: usize,
        init: Init,
    },
    Activation {
        activation: Activation,
    },
}

/// A validated layer config, not yet built.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerSpec {
    pub class: Class,
    pub name: Option<String>,
    /// The shape of one input example, when the config gives it (`inputShape`,
    /// `batchInputShape`, Dense's `inputDim`, Embedding's `inputLength`).
    pub input_shape: Option<Vec<usize>>,
    pub trainable: bool,
    pub kind: Kind,
}

/// Reads a config object's options, each checked and named in errors as `config.<key>`.
struct Options<'a> {
    op: &'a str,
    obj: JsValue,
}

impl Options<'_> {
    fn get(&self, key: &str) -> JsValue {
        if is_absent(&self.obj) {
            return JsValue::UNDEFINED;
        }
        js_sys::Reflect::get(&self.obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    }
    fn arg(key: &str) -> String {
        format!("config.{key}")
    }
    fn positive(&self, key: &str, required: bool, default: usize) -> Result<usize> {
        let v = self.get(key);
        if is_absent(&v) {
            if required {
                return Err(Error::invalid(
                    self.op,
                    format!(
                        "argument '{}': expected a positive integer, got {}",
                        Self::arg(key),
                        describe(&v)
                    ),
                ));
            }
            return Ok(default);
        }
        let n = convert::size(self.op, &Self::arg(key), &v)?;
        if n == 0 {
            return Err(Error::invalid(
                self.op,
                format!("argument '{}': expected a positive integer, got 0", Self::arg(key)),
            ));
        }
        Ok(n)
    }
    fn pair(&self, key: &str, default: Option<[usize; 2]>) -> Result<Option<[usize; 2]>> {
        let v = self.get(key);
        if is_absent(&v) {
            return Ok(default);
        }
        let p = convert::pair(self.op, &Self::arg(key), &v, None)?;
        if p.contains(&0) {
            return Err(Error::invalid(
                self.op,
                format!(
                    "argument '{}': expected positive integers, got [{}, {}]",
                    Self::arg(key),
                    p[0],
                    p[1]
                ),
            ));
        }
        Ok(Some(p))
    }
    fn boolean(&self, key: &str, default: bool) -> Result<bool> {
        convert::bool_or(self.op, &Self::arg(key), &self.get(key), default)
    }
    fn padding(&self) -> Result<PaddingConfig> {
        let v = self.get("padding");
        match v.as_string().as_deref() {
            _ if is_absent(&v) => Ok(PaddingConfig::Valid),
            Some("valid") => Ok(PaddingConfig::Valid),
            Some("same") => Ok(PaddingConfig::Same),
            _ => Err(Error::invalid(
                self.op,
                format!(
                    "argument 'config.padding': expected 'valid' or 'same', got {}",
                    describe(&v)
                ),
            )),
        }
    }
    fn channels_last(&self) -> Result<()> {
        let v = self.get("dataFormat");
        if is_absent(&v) || v.as_string().as_deref() == Some("channelsLast") {
            return Ok(());
        }
        Err(Error::invalid(
            self.op,
            format!(
                "argument 'config.dataFormat': only 'channelsLast' (NHWC) is supported, got {}",
                describe(&v)
            ),
        ))
    }
    /// A list of positive integers (an input shape).
    fn dims(&self, key: &str, v: &JsValue) -> Result<Vec<usize>> {
        let arg = Self::arg(key);
        let items = convert::list(self.op, &arg, v)?;
        if items.len() > 7 {
            return Err(Error::invalid(
                self.op,
                format!("argument '{arg}': expected at most 7 dimensions, got {}", items.len()),
            ));
        }
        let dims = items
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let a = format!("{arg}[{i}]");
                let n = convert::size(self.op, &a, d).map_err(|_| {
                    Error::invalid(
                        self.op,
                        format!(
                            "argument '{a}': expected a positive integer (unknown sizes other than the batch are not supported), got {}",
                            describe(d)
                        ),
                    )
                })?;
                if n == 0 {
                    return Err(Error::invalid(
                        self.op,
                        format!("argument '{a}': expected a positive integer, got 0"),
                    ));
                }
                Ok(n)
            })
            .collect::<Result<Vec<_>>>()?;
        let mut full = vec![1];
        full.extend_from_slice(&dims);
        ferroflow::shape::numel_checked(self.op, &full)?;
        Ok(dims)
    }
}

/// Parses `ff.layers.<factory>(config)`.
pub fn parse(factory: &str, config: &JsValue) -> Result<LayerSpec> {
    let class = Class::from_factory(factory).ok_or_else(|| {
        let names: Vec<&str> = CLASSES.iter().map(|c| c.factory()).collect();
        Error::invalid(
            "layers",
            format!("expected a layer type among {}, got {factory:?}", names.join(", ")),
        )
    })?;
    let op_name = format!("layers.{}", class.factory());
    let op = op_name.as_str();
    if !is_absent(config) && (!config.is_object() || js_sys::Array::is_array(config) || config.is_function()) {
        return Err(Error::invalid(
            op,
            format!(
                "argument 'config': expected an options object, got {}",
                describe(config)
            ),
        ));
    }
    let o = Options {
        op,
        obj: config.clone(),
    };
    if !is_absent(config) {
        let obj: &js_sys::Object = config.unchecked_ref();
        for k in js_sys::Object::keys(obj).iter() {
            let key = k.as_string().unwrap_or_default();
            if is_absent(&o.get(&key)) {
                continue;
            }
            if COMMON.contains(&key.as_str()) || class.keys().contains(&key.as_str()) {
                continue;
            }
            if UNSUPPORTED.contains(&key.as_str()) {
                return Err(Error::invalid(
                    op,
                    format!("argument 'config.{key}': this TF.js option is not supported by ferroflow"),
                ));
            }
            let mut known: Vec<&str> = class.keys().to_vec();
            known.extend(COMMON);
            return Err(Error::invalid(
                op,
                format!(
                    "argument 'config': unknown option {key:?} (expected some of: {})",
                    known.join(", ")
                ),
            ));
        }
    }

    let name = match o.get("name") {
        v if is_absent(&v) => None,
        v => {
            let n = convert::string(op, "config.name", &v)?;
            if n.is_empty() || n.contains('/') || n.chars().any(char::is_control) || n.len() > 256 {
                return Err(Error::invalid(
                    op,
                    format!(
                        "argument 'config.name': expected 1 to 256 characters without '/' or control characters, got {n:?}"
                    ),
                ));
            }
            Some(n)
        }
    };
    let trainable = o.boolean("trainable", true)?;
    let dtype = o.get("dtype");
    if !is_absent(&dtype) && !matches!(dtype.as_string().as_deref(), Some("float32") | Some("int32")) {
        return Err(Error::invalid(
            op,
            format!(
                "argument 'config.dtype': expected 'float32' or 'int32', got {}",
                describe(&dtype)
            ),
        ));
    }
    let batch_size = o.get("batchSize");
    if !is_absent(&batch_size) {
        o.positive("batchSize", false, 1)?;
    }

    let mut input_shape = None;
    let shape_v = o.get("inputShape");
    if !is_absent(&shape_v) {
        input_shape = Some(o.dims("inputShape", &shape_v)?);
    }
    let batch_v = o.get("batchInputShape");
    if !is_absent(&batch_v) {
        let items = convert::list(op, "config.batchInputShape", &batch_v)?;
        if items.is_empty() {
            return Err(Error::invalid(
                op,
                "argument 'config.batchInputShape': expected [batch, ...dims], got []",
            ));
        }
        if !is_absent(&items[0]) {
            o.dims("batchInputShape", &js_sys::Array::of1(&items[0]))?;
        }
        let rest: js_sys::Array = items[1..].iter().collect();
        let dims = o.dims("batchInputShape", &rest)?;
        if input_shape.as_ref().is_some_and(|s| *s != dims) {
            return Err(Error::invalid(
                op,
                "argument 'config': inputShape and batchInputShape disagree",
            ));
        }
        input_shape = Some(dims);
    }

    let kind = match class {
        Class::Dense => {
            let units = o.positive("units", true, 0)?;
            if input_shape.is_none() && !is_absent(&o.get("inputDim")) {
                input_shape = Some(vec![o.positive("inputDim", true, 0)?]);
            }
            Kind::Dense {
                units,
                activation: activation(op, "config.activation", &o.get("activation"))?,
                use_bias: o.boolean("useBias", true)?,
                kernel: Init::parse(
                    op,
                    "config.kernelInitializer",
                    &o.get("kernelInitializer"),
                    Init::GlorotUniform,
                )?,
                bias: Init::parse(op, "config.biasInitializer", &o.get("biasInitializer"), Init::Zeros)?,
            }
        }
        Class::Conv2D => {
            o.channels_last()?;
            let kernel_size = o.pair("kernelSize", None)?.ok_or_else(|| {
                Error::invalid(
                    op,
                    "argument 'config.kernelSize': expected a number or [number, number], got undefined",
                )
            })?;
            Kind::Conv2D {
                filters: o.positive("filters", true, 0)?,
                kernel_size,
                strides: o.pair("strides", Some([1, 1]))?.unwrap_or([1, 1]),
                padding: o.padding()?,
                dilation: o.pair("dilationRate", Some([1, 1]))?.unwrap_or([1, 1]),
                activation: activation(op, "config.activation", &o.get("activation"))?,
                use_bias: o.boolean("useBias", true)?,
                kernel: Init::parse(
                    op,
                    "config.kernelInitializer",
                    &o.get("kernelInitializer"),
                    Init::GlorotUniform,
                )?,
                bias: Init::parse(op, "config.biasInitializer", &o.get("biasInitializer"), Init::Zeros)?,
            }
        }
        Class::MaxPooling2D | Class::AveragePooling2D => {
            o.channels_last()?;
            Kind::Pool {
                pool_size: o.pair("poolSize", Some([2, 2]))?.unwrap_or([2, 2]),
                strides: o.pair("strides", None)?,
                padding: o.padding()?,
            }
        }
        Class::Flatten => {
            o.channels_last()?;
            Kind::Flatten
        }
        Class::Dropout => {
            let v = o.get("rate");
            let rate = convert::number(op, "config.rate", &v)?;
            if !(0.0..1.0).contains(&rate) {
                return Err(Error::invalid(
                    op,
                    format!(
                        "argument 'config.rate': expected a number in [0, 1), got {}",
                        describe(&v)
                    ),
                ));
            }
            let seed_v = o.get("seed");
            let seed = if is_absent(&seed_v) {
                None
            } else {
                let s = convert::int(op, "config.seed", &seed_v)?;
                Some(s as u64)
            };
            Kind::Dropout {
                rate: rate as f32,
                seed,
            }
        }
        Class::BatchNormalization => {
            let axis = convert::int_or(op, "config.axis", &o.get("axis"), -1)?;
            let rank = input_shape.as_ref().map(|s| s.len() as i64);
            if !(axis == -1 || Some(axis) == rank) {
                return Err(Error::invalid(
                    op,
                    format!("argument 'config.axis': only the last axis (-1) is supported, got {axis}"),
                ));
            }
            let momentum = convert::finite_or(op, "config.momentum", &o.get("momentum"), 0.99)?;
            if !(0.0..=1.0).contains(&momentum) {
                return Err(Error::invalid(
                    op,
                    format!("argument 'config.momentum': expected a number in [0, 1], got {momentum}"),
                ));
            }
            let epsilon = convert::finite_or(op, "config.epsilon", &o.get("epsilon"), 1e-3)?;
            if epsilon <= 0.0 {
                return Err(Error::invalid(
                    op,
                    format!("argument 'config.epsilon': expected a positive number, got {epsilon}"),
                ));
            }
            Kind::BatchNorm {
                momentum,
                epsilon,
                center: o.boolean("center", true)?,
                scale: o.boolean("scale", true)?,
            }
        }
        Class::Embedding => {
            if o.boolean("maskZero", false)? {
                return Err(Error::invalid(
                    op,
                    "argument 'config.maskZero': masking is not supported by ferroflow",
                ));
            }
            let len = o.get("inputLength");
            if input_shape.is_none() && !is_absent(&len) {
                input_shape = Some(if len.as_f64().is_some() {
                    vec![o.positive("inputLength", true, 0)?]
                } else {
                    o.dims("inputLength", &len)?
                });
            }
            Kind::Embedding {
                input_dim: o.positive("inputDim", true, 0)?,
                output_dim: o.positive("outputDim", true, 0)?,
                init: Init::parse(
                    op,
                    "config.embeddingsInitializer",
                    &o.get("embeddingsInitializer"),
                    Init::RandomUniform,
                )?,
            }
        }
        Class::Activation => {
            let v = o.get("activation");
            if is_absent(&v) {
                return Err(Error::invalid(
                    op,
                    "argument 'config.activation': expected an activation name, got undefined",
                ));
            }
            Kind::Activation {
                activation: activation(op, "config.activation", &v)?,
            }
        }
    };
    Ok(LayerSpec {
        class,
        name,
        input_shape,
        trainable,
        kind,
    })
}

/// The core config of `spec` for inputs of `input` (one example, no batch axis).
pub fn core_config(spec: &LayerSpec, name: &str, input: &[usize]) -> Result<LayerConfig> {
    let op = format!("layers.{}", spec.class.factory());
    let need = |rank: usize, what: &str| -> Result<()> {
        if input.len() != rank {
            return Err(Error::shape(
                &op,
                format!(
                    "layer {name} expects inputs of rank {} ({what}), got input shape [null, {}]",
                    rank + 1,
                    input.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        Ok(())
    };
    let last = || -> Result<usize> {
        input.last().copied().ok_or_else(|| {
            Error::shape(
                &op,
                format!("layer {name} expects inputs of rank >= 2, got input shape [null]"),
            )
        })
    };
    let seed = creation::next_seed();
    let cfg = match &spec.kind {
        Kind::Dense {
            units,
            activation,
            use_bias,
            ..
        } => LayerConfig::Dense(
            DenseConfig::new(last()?, *units)
                .name(name)
                .activation(*activation)
                .use_bias(*use_bias)
                .seed(seed),
        ),
        Kind::Conv2D {
            filters,
            kernel_size,
            strides,
            padding,
            dilation,
            activation,
            use_bias,
            ..
        } => {
            need(3, "[batch, height, width, channels]")?;
            LayerConfig::Conv2d(
                Conv2dConfig::new(input[2], *filters, *kernel_size)
                    .name(name)
                    .strides(*strides)
                    .padding(*padding)
                    .dilations(*dilation)
                    .activation(*activation)
                    .use_bias(*use_bias)
                    .seed(seed),
            )
        }
        Kind::Pool {
            pool_size,
            strides,
            padding,
        } => {
            need(3, "[batch, height, width, channels]")?;
            let mut p = PoolConfig::new(*pool_size).name(name).padding(*padding);
            if let Some(s) = strides {
                p = p.strides(*s);
            }
            match spec.class {
                Class::MaxPooling2D => LayerConfig::MaxPool2d(p),
                _ => LayerConfig::AvgPool2d(p),
            }
        }
        Kind::Flatten => {
            last()?;
            LayerConfig::Flatten(FlattenConfig::default().name(name))
        }
        Kind::Dropout { rate, seed: s } => {
            LayerConfig::Dropout(DropoutConfig::new(*rate).name(name).seed(s.unwrap_or(seed)))
        }
        Kind::BatchNorm {
            momentum,
            epsilon,
            center,
            scale,
        } => {
            let mut c = BatchNormConfig::new(last()?)
                .name(name)
                .momentum(*momentum)
                .epsilon(*epsilon);
            c.center = *center;
            c.scale = *scale;
            LayerConfig::BatchNorm(c)
        }
        Kind::Embedding {
            input_dim, output_dim, ..
        } => LayerConfig::Embedding(EmbeddingConfig::new(*input_dim, *output_dim).name(name).seed(seed)),
        Kind::Activation { activation } => LayerConfig::Activation(ActivationConfig::new(*activation).name(name)),
    };
    check_weight_sizes(&op, &cfg)?;
    Ok(cfg)
}

/// Refuses layers whose weights could not be allocated in wasm (a failed allocation would abort
/// the module): each variable at most [`MAX_TENSOR_BYTES`], all of them together at most twice.
pub fn check_weight_sizes(op: &str, cfg: &LayerConfig) -> Result<()> {
    let mut total = 0usize;
    for s in cfg.variable_specs()? {
        let bytes = ferroflow::shape::numel_checked(op, &s.shape)?
            .checked_mul(s.dtype.size_of())
            .filter(|&b| b <= MAX_TENSOR_BYTES)
            .ok_or_else(|| {
                Error::size(
                    op,
                    format!(
                        "weight {} of shape {:?}: expected at most {MAX_TENSOR_BYTES} bytes per tensor",
                        s.name, s.shape
                    ),
                )
            })?;
        total = total.saturating_add(bytes);
    }
    if total > MAX_TENSOR_BYTES.saturating_mul(2) {
        return Err(Error::size(
            op,
            format!("the layer's weights need {total} bytes, more than this build can allocate"),
        ));
    }
    Ok(())
}

/// Builds the layer and applies the initializers the core config does not record (core layers
/// initialize kernels Glorot-uniform, biases with zeros, embeddings `U(-0.05, 0.05)`).
pub fn build(spec: &LayerSpec, cfg: &LayerConfig, dev: &Device) -> Result<Box<dyn Module>> {
    let layer = cfg.build(dev)?;
    let inits: Vec<(&str, Init, Init)> = match &spec.kind {
        Kind::Dense { kernel, bias, .. } | Kind::Conv2D { kernel, bias, .. } => {
            vec![("kernel", *kernel, Init::GlorotUniform), ("bias", *bias, Init::Zeros)]
        }
        Kind::Embedding { init, .. } => vec![("embeddings", *init, Init::RandomUniform)],
        _ => vec![],
    };
    let mut updates = vec![];
    for v in layer.variables() {
        let weight = v.name().rsplit('/').next().unwrap_or_default().to_string();
        for (w, init, default) in &inits {
            if *w == weight && init != default {
                let shape = v.value().shape().to_vec();
                updates.push((v.clone(), init.tensor(dev, &shape, creation::next_seed())?));
            }
        }
    }
    if !updates.is_empty() {
        ferroflow::variable::assign_all(&updates)?;
    }
    Ok(layer)
}

/// The output shape (one example) of `layer` for inputs of `input`, from the lazy graph of a
/// forward pass over a zero batch of one (nothing is computed).
pub fn output_shape(layer: &dyn Module, input: &[usize], dev: &Device) -> Result<Vec<usize>> {
    let mut full = vec![1];
    full.extend_from_slice(input);
    let x = creation::zeros(dev, &full, DType::F32)?;
    let y = layer.forward(&x, false)?;
    Ok(y.shape().get(1..).unwrap_or_default().to_vec())
}

/// The layer's config with TF.js names (`getConfig()`).
pub fn tfjs_config(cfg: &LayerConfig, trainable: bool, spec: Option<&LayerSpec>) -> Json {
    let pair = |p: [usize; 2]| json!([p[0], p[1]]);
    let padding = |p: &PaddingConfig| match p {
        PaddingConfig::Same => json!("same"),
        PaddingConfig::Valid => json!("valid"),
        PaddingConfig::Explicit(e) => json!(e),
    };
    let inits = match spec.map(|s| &s.kind) {
        Some(Kind::Dense { kernel, bias, .. }) | Some(Kind::Conv2D { kernel, bias, .. }) => {
            Some((kernel.name(), bias.name()))
        }
        _ => None,
    };
    let mut out = match cfg {
        LayerConfig::Dense(c) => json!({
            "units": c.units,
            "activation": activation_name(c.activation),
            "useBias": c.use_bias,
        }),
        LayerConfig::Conv2d(c) => json!({
            "filters": c.filters,
            "kernelSize": pair(c.kernel_size),
            "strides": pair(c.strides),
            "padding": padding(&c.padding),
            "dataFormat": "channelsLast",
            "dilationRate": pair(c.dilations),
            "activation": activation_name(c.activation),
            "useBias": c.use_bias,
        }),
        LayerConfig::MaxPool2d(c) | LayerConfig::AvgPool2d(c) => json!({
            "poolSize": pair(c.pool_size),
            "strides": pair(c.strides.unwrap_or(c.pool_size)),
            "padding": padding(&c.padding),
            "dataFormat": "channelsLast",
        }),
        LayerConfig::Flatten(_) => json!({}),
        LayerConfig::Dropout(c) => json!({ "rate": c.rate }),
        LayerConfig::BatchNorm(c) => json!({
            "axis": -1,
            "momentum": c.momentum,
            "epsilon": c.epsilon,
            "center": c.center,
            "scale": c.scale,
        }),
        LayerConfig::Embedding(c) => json!({ "inputDim": c.input_dim, "outputDim": c.output_dim }),
        LayerConfig::Activation(c) => json!({ "activation": activation_name(c.activation) }),
        LayerConfig::Sequential(c) => json!({ "layers": c.layers.len() }),
    };
    if let Json::Object(m) = &mut out {
        m.insert("name".into(), json!(cfg.name()));
        m.insert("trainable".into(), json!(trainable));
        if let Some((k, b)) = inits {
            m.insert("kernelInitializer".into(), json!(k));
            m.insert("biasInitializer".into(), json!(b));
        }
    }
    out
}

/// `ff.layers.<factory>(config)`: validates the config now (as TF.js does when a layer is made)
/// and names the layer. Returns `{className, name}`.
#[wasm_bindgen(js_name = layerSpecInfo)]
pub fn layer_spec_info(factory: &str, config: &JsValue) -> std::result::Result<JsValue, JsValue> {
    let spec = parse(factory, config).map_err(crate::error::to_js)?;
    let name = spec.name.clone().unwrap_or_else(|| default_name(spec.class));
    let o = js_sys::Object::new();
    let _ = js_sys::Reflect::set(
        &o,
        &JsValue::from_str("className"),
        &JsValue::from_str(spec.class.name()),
    );
    let _ = js_sys::Reflect::set(
        &o,
        &JsValue::from_str("factory"),
        &JsValue::from_str(spec.class.factory()),
    );
    let _ = js_sys::Reflect::set(&o, &JsValue::from_str("name"), &JsValue::from_str(&name));
    Ok(o.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names_follow_tfjs() {
        let a = default_name(Class::MaxPooling2D);
        let b = default_name(Class::MaxPooling2D);
        assert!(a.starts_with("max_pooling2d_MaxPooling2D"), "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn activation_names_round_trip() {
        for (n, a) in ACTIVATIONS {
            assert_eq!(activation_name(a), n);
        }
    }

    #[test]
    fn class_factories_round_trip() {
        for c in CLASSES {
            assert_eq!(Class::from_factory(c.factory()), Some(c));
        }
    }
}
