//! SGD with momentum (TF.js `tf.train.momentum`):
//! `a = momentum * a + g`; `p -= lr * a`, or with Nesterov `p -= lr * (g + momentum * a)`.

use super::slots::Slots;
use super::{check_grads, check_lr, common_accessors, Common, Optimizer};
use crate::tensor::Tensor;
use crate::variable::Variable;
use crate::{Error, Result};

/// Momentum optimizer; slot `"momentum"` starts at zero.
pub struct Momentum {
    common: Common,
    momentum: f32,
    nesterov: bool,
    slots: Slots,
}

impl Momentum {
    pub fn new(lr: f32, momentum: f32) -> Momentum {
        Momentum {
            common: Common::new("momentum", lr),
            momentum,
            nesterov: false,
            slots: Slots::new(&["momentum"]),
        }
    }
    pub fn nesterov(mut self, on: bool) -> Momentum {
        self.nesterov = on;
        self
    }
}

impl Optimizer for Momentum {
    fn step(&mut self, grads: &[(Variable, Tensor)]) -> Result<()> {
        check_lr("momentum", self.common.lr)?;
        if !self.momentum.is_finite() {
            return Err(Error::invalid(
                "momentum",
                format!("momentum must be finite, got {}", self.momentum),
            ));
        }
        check_grads("momentum", grads)?;
        let mut updates = vec![];
        for (v, g) in grads {
            let [acc] = self.slots.get_array("momentum", v, &[0.0])?;
            let a = acc.value().mul(self.momentum)?.add(g)?;
            let dir = if self.nesterov {
                g.add(&a.mul(self.momentum)?)?
            } else {
                a.clone()
            };
            updates.push((v.clone(), v.value().sub(&dir.mul(self.common.lr)?)?));
            updates.push((acc, a));
        }
        self.common.commit(&updates)
    }
    common_accessors!();
    fn variables(&self) -> Vec<Variable> {
        self.slots.all()
    }
}
