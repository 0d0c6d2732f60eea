//! Adagrad (TF.js `tf.train.adagrad`, initial accumulator 0.1):
//! `acc += g^2`; `p -= lr * g / sqrt(acc + eps)`.

use super::slots::Slots;
use super::{check_grads, check_lr, common_accessors, Common, Optimizer, DEFAULT_EPSILON};
use crate::tensor::Tensor;
use crate::variable::Variable;
use crate::{Error, Result};

/// Adagrad; slot `"accumulator"`.
pub struct Adagrad {
    common: Common,
    initial_accumulator: f32,
    epsilon: f32,
    slots: Slots,
}

impl Adagrad {
    pub fn new(lr: f32) -> Adagrad {
        Adagrad {
            common: Common::new("adagrad", lr),
            initial_accumulator: 0.1,
            epsilon: DEFAULT_EPSILON,
            slots: Slots::new(&["accumulator"]),
        }
    }
    pub fn initial_accumulator(mut self, v: f32) -> Adagrad {
        self.initial_accumulator = v;
        self
    }
    pub fn epsilon(mut self, e: f32) -> Adagrad {
        self.epsilon = e;
        self
    }
}

impl Optimizer for Adagrad {
    fn step(&mut self, grads: &[(Variable, Tensor)]) -> Result<()> {
        check_lr("adagrad", self.common.lr)?;
        if !(self.initial_accumulator.is_finite() && self.initial_accumulator >= 0.0) {
            return Err(Error::invalid(
                "adagrad",
                format!("initial accumulator must be >= 0, got {}", self.initial_accumulator),
            ));
        }
        check_grads("adagrad", grads)?;
        let mut updates = vec![];
        for (var, g) in grads {
            let [acc] = self.slots.get_array("adagrad", var, &[self.initial_accumulator])?;
            let acc_new = acc.value().add(&g.square()?)?;
            let step = g.mul(self.common.lr)?.div(&acc_new.add(self.epsilon)?.sqrt()?)?;
            updates.push((var.clone(), var.value().sub(&step)?));
            updates.push((acc, acc_new));
        }
        self.common.commit(&updates)
    }
    common_accessors!();
    fn variables(&self) -> Vec<Variable> {
        self.slots.all()
    }
}
