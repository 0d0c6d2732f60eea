//! RMSProp (TF.js `tf.train.rmsprop`; defaults decay 0.9, momentum 0, epsilon 1e-7, not centered):
//!
//! ```text
//! ms  = decay ms + (1 - decay) g^2
//! mg  = decay mg + (1 - decay) g                      (centered only)
//! mom = momentum mom + lr g / sqrt(ms [- mg^2] + eps)
//! p  -= mom
//! ```

use super::slots::Slots;
use super::{check_grads, check_lr, common_accessors, Common, Optimizer, DEFAULT_EPSILON};
use crate::tensor::Tensor;
use crate::variable::Variable;
use crate::{Error, Result};

const PLAIN: &[&str] = &["rms", "momentum"];
const CENTERED: &[&str] = &["rms", "momentum", "mg"];

/// RMSProp; slots `"rms"`, `"momentum"` and (centered) `"mg"` start at zero.
pub struct RmsProp {
    common: Common,
    decay: f32,
    momentum: f32,
    epsilon: f32,
    centered: bool,
    slots: Slots,
}

impl RmsProp {
    pub fn new(lr: f32) -> RmsProp {
        RmsProp {
            common: Common::new("rmsprop", lr),
            decay: 0.9,
            momentum: 0.0,
            epsilon: DEFAULT_EPSILON,
            centered: false,
            slots: Slots::new(PLAIN),
        }
    }
    pub fn decay(mut self, d: f32) -> RmsProp {
        self.decay = d;
        self
    }
    pub fn momentum(mut self, m: f32) -> RmsProp {
        self.momentum = m;
        self
    }
    pub fn epsilon(mut self, e: f32) -> RmsProp {
        self.epsilon = e;
        self
    }
    pub fn centered(mut self, c: bool) -> RmsProp {
        self.centered = c;
        self.slots = Slots::new(if c { CENTERED } else { PLAIN });
        self
    }
}

impl Optimizer for RmsProp {
    fn step(&mut self, grads: &[(Variable, Tensor)]) -> Result<()> {
        check_lr("rmsprop", self.common.lr)?;
        let ok = (0.0..=1.0).contains(&self.decay)
            && self.momentum.is_finite()
            && self.epsilon.is_finite()
            && self.epsilon >= 0.0;
        if !ok {
            return Err(Error::invalid(
                "rmsprop",
                format!(
                    "decay {} must be in [0, 1], momentum {} finite, epsilon {} >= 0",
                    self.decay, self.momentum, self.epsilon
                ),
            ));
        }
        check_grads("rmsprop", grads)?;
        let (d, lr) = (self.decay, self.common.lr);
        let mut updates = vec![];
        for (var, g) in grads {
            let slots = self.slots.get("rmsprop", var, &[0.0, 0.0, 0.0])?;
            let (ms, mom) = match slots.as_slice() {
                [ms, mom, ..] => (ms.clone(), mom.clone()),
                _ => return Err(Error::invalid("rmsprop", "missing slots")),
            };
            let ms_new = ms.value().mul(d)?.add(&g.square()?.mul(1.0 - d)?)?;
            let denom = if let (true, Some(mg)) = (self.centered, slots.get(2).cloned()) {
                let mg_new = mg.value().mul(d)?.add(&g.mul(1.0 - d)?)?;
                let den = ms_new.sub(&mg_new.square()?)?;
                updates.push((mg, mg_new));
                den
            } else {
                ms_new.clone()
            };
            let mom_new = mom
                .value()
                .mul(self.momentum)?
                .add(&g.mul(lr)?.div(&denom.add(self.epsilon)?.sqrt()?)?)?;
            updates.push((var.clone(), var.value().sub(&mom_new)?));
            updates.push((ms, ms_new));
            updates.push((mom, mom_new));
        }
        self.common.commit(&updates)
    }
    common_accessors!();
    fn variables(&self) -> Vec<Variable> {
        self.slots.all()
    }
}
