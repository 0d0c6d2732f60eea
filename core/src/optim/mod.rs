//! Optimizers, with TF.js's update rules and defaults. An optimizer turns `(variable, gradient)`
//! pairs into new values for the variables and for its own state (slots, which are non-trainable
//! [`Variable`]s named `"{variable}/{slot}"`), and realizes all of them with ONE call to
//! [`assign_all`]: one schedule per step, and every variable holds a fresh leaf afterwards, so the
//! graph never chains across steps. Step-dependent numbers (Adam's `beta^t`) live in variables
//! too, never in kernel constants, so every step replays the same compiled kernels.
//!
//! ```no_run
//! use ferroflow_core::optim::{Adam, Optimizer};
//! # fn main() -> ferroflow_core::Result<()> {
//! let dev = ferroflow_core::default_device()?;
//! let w = ferroflow_core::Variable::new("w", &ferroflow_core::ops::creation::fill(&dev, &[3], 1.0f32)?, true)?;
//! let mut opt = Adam::new(0.01);
//! let loss = opt.minimize(&[w.clone()], &mut || w.value().square()?.sum(&[], false))?;
//! println!("loss before the step: {}", loss.item()?);
//! # Ok(()) }
//! ```

mod adagrad;
mod adam;
mod momentum;
mod rmsprop;
mod sgd;
mod slots;

pub use adagrad::Adagrad;
pub use adam::{Adam, AdamW};
pub use momentum::Momentum;
pub use rmsprop::RmsProp;
pub use sgd::Sgd;

use std::collections::HashSet;

use crate::dtype::DType;
use crate::tensor::Tensor;
use crate::variable::{assign_all, Variable};
use crate::{Error, Result};

/// TF.js's backend epsilon for float32, the default `epsilon` of its optimizers.
pub const DEFAULT_EPSILON: f32 = 1e-7;

/// What every optimizer implements.
pub trait Optimizer {
    /// Applies one update from `(variable, gradient)` pairs; every new value (parameters and
    /// slots) is realized by a single [`assign_all`].
    fn step(&mut self, grads: &[(Variable, Tensor)]) -> Result<()>;

    /// Evaluates `loss_fn`, differentiates it with respect to the trainable variables among
    /// `vars` (their current values, which `loss_fn` must read through [`Variable::value`]), and
    /// steps. Returns the loss tensor of this step (lazy: read it to compute it).
    fn minimize(&mut self, vars: &[Variable], loss_fn: &mut dyn FnMut() -> Result<Tensor>) -> Result<Tensor> {
        let vars: Vec<Variable> = vars.iter().filter(|v| v.trainable()).cloned().collect();
        let values: Vec<Tensor> = vars.iter().map(|v| v.value()).collect();
        let loss = loss_fn()?;
        if loss.numel() != 1 {
            return Err(Error::shape(
                "minimize",
                format!("loss must have one element, got shape {:?}", loss.shape()),
            ));
        }
        let refs: Vec<&Tensor> = values.iter().collect();
        let grads = crate::autograd::grad(&loss, &refs)?;
        let pairs: Vec<(Variable, Tensor)> = vars.into_iter().zip(grads).collect();
        self.step(&pairs)?;
        Ok(loss)
    }

    fn learning_rate(&self) -> f32;
    /// Changes the learning rate (the next step compiles its kernels once for the new constant).
    fn set_learning_rate(&mut self, lr: f32) -> Result<()>;
    /// Steps taken so far.
    fn iterations(&self) -> u64;
    /// The optimizer's state variables (slots, accumulators), e.g. to save or inspect them.
    fn variables(&self) -> Vec<Variable>;
}

/// Validates a step's inputs: float32 gradients shaped like their variables, no variable twice.
pub(crate) fn check_grads(op: &str, grads: &[(Variable, Tensor)]) -> Result<()> {
    let mut names = HashSet::new();
    for (v, g) in grads {
        let val = v.value();
        if val.dtype() != DType::F32 || g.dtype() != DType::F32 {
            return Err(Error::dtype(
                op,
                format!(
                    "variable {} ({}) and its gradient ({}) must be float32",
                    v.name(),
                    val.dtype(),
                    g.dtype()
                ),
            ));
        }
        if g.shape() != val.shape() {
            return Err(Error::shape(
                op,
                format!(
                    "gradient for {} has shape {:?}, variable has {:?}",
                    v.name(),
                    g.shape(),
                    val.shape()
                ),
            ));
        }
        if !names.insert(v.name()) {
            return Err(Error::invalid(
                op,
                format!(
                    "variable name {:?} appears twice (optimizer state is keyed by name)",
                    v.name()
                ),
            ));
        }
    }
    Ok(())
}

/// What every optimizer keeps besides its hyper-parameters: its name (for errors), the learning
/// rate and the step count. `common_accessors!` implements the trait's accessors over it.
pub(crate) struct Common {
    pub(crate) op: &'static str,
    pub(crate) lr: f32,
    pub(crate) iterations: u64,
}

impl Common {
    pub(crate) fn new(op: &'static str, lr: f32) -> Common {
        Common { op, lr, iterations: 0 }
    }
    /// Validates the learning rate and a step's gradients.
    pub(crate) fn check_step(&self, grads: &[(Variable, Tensor)]) -> Result<()> {
        check_lr(self.op, self.lr)?;
        check_grads(self.op, grads)
    }
    pub(crate) fn set_lr(&mut self, lr: f32) -> Result<()> {
        check_lr(self.op, lr)?;
        self.lr = lr;
        Ok(())
    }
    /// Realizes a step's updates together (one schedule), assigns them and counts the step.
    pub(crate) fn commit(&mut self, updates: &[(Variable, Tensor)]) -> Result<()> {
        assign_all(updates)?;
        self.iterations += 1;
        Ok(())
    }
}

/// The `Optimizer` accessors for a type with a `common: Common` field.
macro_rules! common_accessors {
    () => {
        fn learning_rate(&self) -> f32 {
            self.common.lr
        }
        fn set_learning_rate(&mut self, lr: f32) -> Result<()> {
            self.common.set_lr(lr)
        }
        fn iterations(&self) -> u64 {
            self.common.iterations
        }
    };
}
pub(crate) use common_accessors;

pub(crate) fn check_lr(op: &str, lr: f32) -> Result<()> {
    if !(lr.is_finite() && lr >= 0.0) {
        return Err(Error::invalid(
            op,
            format!("learning rate must be finite and >= 0, got {lr}"),
        ));
    }
    Ok(())
}
