//! Keras's training loop for any [`Module`]: an [`Objective`] (the compiled loss and metrics),
//! [`train_on_batch`], [`evaluate`], [`predict`] and [`fit`], with TF.js's semantics (batch
//! statistics before the update, `validationSplit` takes the last examples before shuffling,
//! epoch values are example-weighted means over the batches).
//!
//! ```no_run
//! use ferroflow_core::nn::train::{fit, FitOptions, Objective};
//! use ferroflow_core::nn::{DenseConfig, LayerConfig, Module, Sequential};
//! use ferroflow_core::optim::Adam;
//! # fn main() -> ferroflow_core::Result<()> {
//! let dev = ferroflow_core::default_device()?;
//! let model = Sequential::from_configs(&dev, "m", vec![LayerConfig::Dense(DenseConfig::new(4, 3).seed(1))])?;
//! let objective = Objective::keras("categoricalCrossentropy", &["acc"], 3)?;
//! let x = ferroflow_core::ops::creation::random_normal(&dev, &[64, 4], 0.0, 1.0, 7)?;
//! let labels = ferroflow_core::Tensor::from_host_on(vec![0i32, 1, 2, 0].into(), &[4], &dev)?;
//! let y = labels.one_hot(3, 1.0, 0.0)?.tile(&[16, 1])?;
//! let history = fit(&model, &mut Adam::new(0.01), &objective, &x, &y, &FitOptions::default(), &mut |_| Ok(()))?;
//! println!("{:?} {:?}", history.names, history.epochs.last());
//! # Ok(()) }
//! ```

use super::losses::LossKind;
use super::metrics::MetricKind;
use super::Module;
use crate::autograd;
use crate::dtype::DType;
use crate::dtype::HostData;
use crate::ops::movement::concat;
use crate::optim::Optimizer;
use crate::rng::SplitMix64;
use crate::tensor::Tensor;
use crate::variable::Variable;
use crate::{Error, Result};

/// A user-written loss or metric: `(y_true, y_pred)` to a tensor whose mean is the value.
pub type ObjectiveFn = Box<dyn Fn(&Tensor, &Tensor) -> Result<Tensor>>;

/// The loss a model is compiled with.
pub enum Loss {
    Keras(LossKind),
    Custom(ObjectiveFn),
}

/// A metric a model reports besides its loss.
pub enum Metric {
    Keras(MetricKind),
    Custom(ObjectiveFn),
}

/// What `compile` fixes: the loss and the named metrics, in the order their values are reported
/// (`["loss", metric...]`).
pub struct Objective {
    loss: Loss,
    metrics: Vec<(String, Metric)>,
}

impl Objective {
    pub fn new(loss: Loss) -> Objective {
        Objective { loss, metrics: vec![] }
    }

    /// A loss and metrics by their TF.js/Keras names (`"meanSquaredError"`, `"acc"`, ...);
    /// `outputs` is the model's output width, which picks the accuracy TF.js means by `"acc"`.
    pub fn keras(loss: &str, metrics: &[&str], outputs: usize) -> Result<Objective> {
        let kind =
            LossKind::from_name(loss).ok_or_else(|| Error::invalid("compile", format!("unknown loss {loss:?}")))?;
        let mut o = Objective::new(Loss::Keras(kind));
        for m in metrics {
            let (name, k) = MetricKind::from_name(m, Some(kind), outputs)
                .ok_or_else(|| Error::invalid("compile", format!("unknown metric {m:?}")))?;
            o = o.with_metric(name, Metric::Keras(k))?;
        }
        Ok(o)
    }

    /// Adds a metric reported as `name` (names are unique, and `"loss"` is taken).
    pub fn with_metric(mut self, name: impl Into<String>, metric: Metric) -> Result<Objective> {
        let name = name.into();
        if self.names().contains(&name) {
            return Err(Error::invalid("compile", format!("metric {name:?} is listed twice")));
        }
        self.metrics.push((name, metric));
        Ok(self)
    }

    /// The keys of the reported values: `["loss", metric...]`.
    pub fn names(&self) -> Vec<String> {
        std::iter::once("loss".to_string())
            .chain(self.metrics.iter().map(|(n, _)| n.clone()))
            .collect()
    }

    /// The Keras loss, when the loss is not user-written.
    pub fn loss_kind(&self) -> Option<LossKind> {
        match self.loss {
            Loss::Keras(k) => Some(k),
            Loss::Custom(_) => None,
        }
    }

    /// The batch loss (a scalar) and `[loss, metric...]` as one vector.
    pub fn values(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<(Tensor, Tensor)> {
        let loss = match &self.loss {
            Loss::Keras(k) => k.per_example(y_true, y_pred)?.mean(&[], false)?,
            Loss::Custom(f) => mean_f32(f(y_true, y_pred)?)?,
        };
        let mut parts = vec![loss.reshape(&[1])?];
        for (name, m) in &self.metrics {
            let v = match m {
                Metric::Keras(k) => k.batch_value(y_true, y_pred),
                Metric::Custom(f) => f(y_true, y_pred).and_then(mean_f32),
            }
            .map_err(|e| e.within(&format!("metric {name}")))?;
            parts.push(v.reshape(&[1])?);
        }
        let values = if parts.len() == 1 {
            parts.remove(0)
        } else {
            concat(&parts, 0)?
        };
        Ok((loss, values))
    }
}

fn mean_f32(t: Tensor) -> Result<Tensor> {
    t.cast(DType::F32)?.mean(&[], false)
}

/// The number of examples of `x` and `y` (their first axes must agree); errors name `op`.
pub fn examples(op: &str, x: &Tensor, y: &Tensor) -> Result<usize> {
    let (Some(&n), Some(&m)) = (x.shape().first(), y.shape().first()) else {
        return Err(Error::shape(
            op,
            format!(
                "expected x and y with a batch axis, got shapes {:?} and {:?}",
                x.shape(),
                y.shape()
            ),
        ));
    };
    if n != m {
        return Err(Error::shape(
            op,
            format!("x has {n} examples but y has {m} (their first axes must agree)"),
        ));
    }
    Ok(n)
}

/// Examples `begin..end` of `t` (a view; `t` itself when that is all of it).
pub fn rows(t: &Tensor, begin: usize, end: usize) -> Result<Tensor> {
    let n = t.shape().first().copied().unwrap_or(0);
    if begin >= end || end > n {
        return Err(Error::index(
            "rows",
            format!("batch [{begin}, {end}) is not a non-empty range of the {n} examples"),
        ));
    }
    if begin == 0 && end == n {
        return Ok(t.clone());
    }
    let mut from = vec![0; t.rank()];
    from[0] = begin;
    let mut size: Vec<isize> = vec![-1; t.rank()];
    size[0] = (end - begin) as isize;
    t.slice(&from, &size)
}

/// The examples of `t` listed in `idx`, in that order.
pub fn take_rows(t: &Tensor, idx: &[usize]) -> Result<Tensor> {
    let n = t.shape().first().copied().unwrap_or(0);
    let mut ids = Vec::with_capacity(idx.len());
    for &i in idx {
        match i32::try_from(i) {
            Ok(v) if i < n => ids.push(v),
            _ => {
                return Err(Error::index(
                    "rows",
                    format!("expected example indices in [0, {n}), got {i}"),
                ))
            }
        }
    }
    let ids = Tensor::from_host_on(HostData::I32(ids), &[idx.len()], &t.device())?;
    t.gather(&ids, 0)
}

/// One optimizer step on a batch: forward in training mode, loss and metrics, gradients of
/// `vars` (the variables to train, usually `model.trainable_variables()`), one update.
/// Returns `[loss, metric...]` of the batch before the update, realized.
pub fn train_on_batch(
    model: &dyn Module,
    vars: &[Variable],
    optimizer: &mut dyn Optimizer,
    objective: &Objective,
    x: &Tensor,
    y: &Tensor,
) -> Result<Tensor> {
    let values: Vec<Tensor> = vars.iter().map(|v| v.value()).collect();
    let pred = model.forward(x, true)?;
    let (loss, stats) = objective.values(y, &pred)?;
    stats.realize()?;
    if !vars.is_empty() {
        let refs: Vec<&Tensor> = values.iter().collect();
        let grads = autograd::grad(&loss, &refs)?;
        let pairs: Vec<(Variable, Tensor)> = vars.iter().cloned().zip(grads).collect();
        optimizer.step(&pairs)?;
    }
    Ok(stats)
}

fn check_batch_size(op: &str, batch_size: usize) -> Result<()> {
    if batch_size == 0 {
        return Err(Error::invalid(op, "batch size must be positive, got 0"));
    }
    Ok(())
}

/// `[loss, metric...]` averaged over every example (batches of `batch_size`, inference mode).
pub fn evaluate(
    model: &dyn Module,
    objective: &Objective,
    x: &Tensor,
    y: &Tensor,
    batch_size: usize,
) -> Result<Tensor> {
    check_batch_size("evaluate", batch_size)?;
    let n = examples("evaluate", x, y)?;
    if n == 0 {
        return Err(Error::invalid("evaluate", "expected at least one example, got 0"));
    }
    let mut total: Option<Tensor> = None;
    let mut b = 0;
    while b < n {
        let e = n.min(b.saturating_add(batch_size));
        let pred = model.forward(&rows(x, b, e)?, false)?;
        let (_, stats) = objective.values(&rows(y, b, e)?, &pred)?;
        let part = stats.mul((e - b) as f32)?;
        let t = match total {
            None => part,
            Some(t) => t.add(&part)?,
        };
        t.realize()?;
        total = Some(t.detach()?);
        b = e;
    }
    match total {
        Some(t) => t.div(n as f32),
        None => Err(Error::invalid("evaluate", "no batches")),
    }
}

/// The model's outputs for `x` (inference mode, batches of `batch_size`).
pub fn predict(model: &dyn Module, x: &Tensor, batch_size: usize) -> Result<Tensor> {
    check_batch_size("predict", batch_size)?;
    let Some(&n) = x.shape().first() else {
        return Err(Error::shape("predict", "expected x with a batch axis, got a scalar"));
    };
    if n <= batch_size {
        return model.forward(x, false);
    }
    let mut outs = vec![];
    let mut b = 0;
    while b < n {
        let e = n.min(b.saturating_add(batch_size));
        outs.push(model.forward(&rows(x, b, e)?, false)?.detach()?);
        b = e;
    }
    concat(&outs, 0)
}

/// How [`fit`] goes over the data (TF.js's `ModelFitArgs` defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    pub epochs: usize,
    pub batch_size: usize,
    /// Visit the training examples in a fresh random order every epoch.
    pub shuffle: bool,
    /// Seeds the shuffling, so a run can be repeated.
    pub seed: u64,
    /// The fraction of examples, taken from the end before shuffling, held out for validation.
    pub validation_split: f32,
}

impl Default for FitOptions {
    fn default() -> FitOptions {
        FitOptions {
            epochs: 1,
            batch_size: 32,
            shuffle: true,
            seed: 0,
            validation_split: 0.0,
        }
    }
}

/// One epoch's results: `[loss, metric...]` over the training examples and, with a validation
/// split, the same values over the held-out examples.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochLogs {
    pub epoch: usize,
    pub values: Vec<f32>,
    pub validation: Option<Vec<f32>>,
}

/// What [`fit`] returns: the value names (`["loss", "acc"]`) and each epoch's logs.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub names: Vec<String>,
    pub epochs: Vec<EpochLogs>,
}

/// Trains `model` for `options.epochs` epochs over `x`/`y`, calling `on_epoch` after each (an
/// error from it stops training and is returned).
pub fn fit(
    model: &dyn Module,
    optimizer: &mut dyn Optimizer,
    objective: &Objective,
    x: &Tensor,
    y: &Tensor,
    options: &FitOptions,
    on_epoch: &mut dyn FnMut(&EpochLogs) -> Result<()>,
) -> Result<History> {
    check_batch_size("fit", options.batch_size)?;
    let split = options.validation_split;
    if !(0.0..1.0).contains(&split) {
        return Err(Error::invalid(
            "fit",
            format!("validation_split must be in [0, 1), got {split}"),
        ));
    }
    let n = examples("fit", x, y)?;
    let held_out = (n as f64 * f64::from(split)).floor() as usize;
    let train_n = n - held_out;
    if train_n == 0 {
        return Err(Error::invalid("fit", format!("no training examples (x has {n})")));
    }
    x.realize()?;
    y.realize()?;
    let validation = if held_out > 0 {
        Some((rows(x, train_n, n)?, rows(y, train_n, n)?))
    } else {
        None
    };
    let (tx, ty) = (rows(x, 0, train_n)?, rows(y, 0, train_n)?);
    let vars = model.trainable_variables();
    let mut order: Vec<usize> = (0..train_n).collect();
    let mut rng = SplitMix64::new(options.seed);
    let mut history = History {
        names: objective.names(),
        epochs: vec![],
    };
    for epoch in 0..options.epochs {
        if options.shuffle {
            rng.shuffle(&mut order);
        }
        let mut sum = vec![0.0f64; history.names.len()];
        for batch in order.chunks(options.batch_size) {
            let (xb, yb) = if options.shuffle {
                (take_rows(&tx, batch)?, take_rows(&ty, batch)?)
            } else {
                let b = batch[0];
                (rows(&tx, b, b + batch.len())?, rows(&ty, b, b + batch.len())?)
            };
            let stats = train_on_batch(model, &vars, optimizer, objective, &xb, &yb)?.to_vec_f32()?;
            for (s, v) in sum.iter_mut().zip(stats) {
                *s += f64::from(v) * batch.len() as f64;
            }
        }
        let values = sum.iter().map(|s| (s / train_n as f64) as f32).collect();
        let validation = match &validation {
            Some((vx, vy)) => Some(evaluate(model, objective, vx, vy, options.batch_size)?.to_vec_f32()?),
            None => None,
        };
        let logs = EpochLogs {
            epoch,
            values,
            validation,
        };
        on_epoch(&logs)?;
        history.epochs.push(logs);
    }
    Ok(history)
}
