//! SGD with momentum (TF.js `tf.train.momentum`):
//! `a = momentum * a + g`; `p -= lr * a`, or with Nesterov `p -= lr * (g + momentum * a)`.

use super::slots::Slots;
use super::{check_grads, check_lr, commit, Optimizer};
use crate::tensor::Tensor;
use crate::variable::Variable;
use crate::{Error, Result};

/// Momentum optimizer; slot `"momentum"` starts at zero.
pub struct Momentum {
    lr: f32,
    momentum: f32,
    nesterov: bool,
    slots: Slots,
    iterations: u64,
}

impl Momentum {
    pub fn new(lr: f32, momentum: f32) -> Momentum {
        Momentum {
            lr,
            momentum,
            nesterov: false,
            slots: Slots::new(&["momentum"]),
            iterations: 0,
        }
    }
    pub fn nesterov(mut self, on: bool) -> Momentum {
        self.nesterov = on;
        self
    }
}

impl Optimizer for Momentum {
    fn step(&mut self, grads: &[(Variable, Tensor)]) -> Result<()> {
        check_lr("momentum", self.lr)?;
        if !self.momentum.is_finite() {
            return Err(Error::invalid(
                "momentum",
                format!("momentum must be finite, got {}", self.momentum),
            ));
        }
        check_grads("momentum", grads)?;
        let mut updates = vec![];
        for (v, g) in grads {
            let [acc]: [Variable; 1] = slot_array(self.slots.get("momentum", v, &[0.0])?)?;
            let a = acc.value().mul(self.momentum)?.add(g)?;
            let dir = if self.nesterov {
                g.add(&a.mul(self.momentum)?)?
            } else {
                a.clone()
            };
            updates.push((v.clone(), v.value().sub(&dir.mul(self.lr)?)?));
            updates.push((acc, a));
        }
        commit(&updates)?;
        self.iterations += 1;
        Ok(())
    }
    fn learning_rate(&self) -> f32 {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: f32) -> Result<()> {
        check_lr("momentum", lr)?;
        self.lr = lr;
        Ok(())
    }
    fn iterations(&self) -> u64 {
        self.iterations
    }
    fn variables(&self) -> Vec<Variable> {
        self.slots.all()
    }
}

/// Turns a slot vector into a fixed-size array (the slot count is fixed per optimizer).
pub(crate) fn slot_array<const N: usize>(v: Vec<Variable>) -> Result<[Variable; N]> {
    let n = v.len();
    v.try_into()
        .map_err(|_| Error::invalid("optimizer", format!("expected {N} slots, found {n}")))
}
