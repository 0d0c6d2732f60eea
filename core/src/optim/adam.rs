//! Adam (TF.js `tf.train.adam`) and AdamW (decoupled weight decay, as Keras `AdamW`).
//!
//! ```text
//! m = b1 m + (1 - b1) g            v = b2 v + (1 - b2) g^2
//! p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)  [+ lr * wd * p for AdamW]
//! ```
//! `b1^t` and `b2^t` are kept in scalar variables (as TF.js's `accBeta1`/`accBeta2`) and advanced in
//! the same `assign_all` as the parameters, so no step-dependent constant enters a kernel.

use super::slots::Slots;
use super::{check_grads, check_lr, common_accessors, Common, Optimizer, DEFAULT_EPSILON};
use crate::device::Device;
use crate::dtype::HostData;
use crate::tensor::Tensor;
use crate::variable::Variable;
use crate::{Error, Result};

/// Adam with TF.js defaults (beta1 0.9, beta2 0.999, epsilon 1e-7).
pub struct Adam {
    /// `op` is "adam", or "adamw" when `weight_decay` is nonzero.
    common: Common,
    beta1: f32,
    beta2: f32,
    epsilon: f32,
    weight_decay: f32,
    /// `[beta1^t, beta2^t]` for the next step t (start at `[beta1, beta2]`).
    acc: Option<[Variable; 2]>,
    slots: Slots,
}

impl Adam {
    pub fn new(lr: f32) -> Adam {
        Adam {
            common: Common::new("adam", lr),
            beta1: 0.9,
            beta2: 0.999,
            epsilon: DEFAULT_EPSILON,
            weight_decay: 0.0,
            acc: None,
            slots: Slots::new(&["m", "v"]),
        }
    }
    pub fn betas(mut self, beta1: f32, beta2: f32) -> Adam {
        self.beta1 = beta1;
        self.beta2 = beta2;
        self
    }
    pub fn epsilon(mut self, eps: f32) -> Adam {
        self.epsilon = eps;
        self
    }

    fn check(&self) -> Result<()> {
        let op = self.common.op;
        check_lr(op, self.common.lr)?;
        for (what, b) in [("beta1", self.beta1), ("beta2", self.beta2)] {
            if !(0.0..1.0).contains(&b) {
                return Err(Error::invalid(op, format!("{what} must be in [0, 1), got {b}")));
            }
        }
        if !(self.epsilon.is_finite() && self.epsilon >= 0.0) {
            return Err(Error::invalid(
                op,
                format!("epsilon must be finite and >= 0, got {}", self.epsilon),
            ));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(Error::invalid(
                op,
                format!("weight decay must be finite and >= 0, got {}", self.weight_decay),
            ));
        }
        Ok(())
    }

    fn accumulators(&mut self, dev: &Device) -> Result<[Variable; 2]> {
        if let Some(a) = &self.acc {
            return Ok(a.clone());
        }
        let make = |name: &str, v: f32| -> Result<Variable> {
            Variable::new(name, &Tensor::from_host_on(HostData::F32(vec![v]), &[], dev)?, false)
        };
        let a = [make("adam/acc_beta1", self.beta1)?, make("adam/acc_beta2", self.beta2)?];
        self.acc = Some(a.clone());
        Ok(a)
    }
}

impl Optimizer for Adam {
    fn step(&mut self, grads: &[(Variable, Tensor)]) -> Result<()> {
        self.check()?;
        let op = self.common.op;
        check_grads(op, grads)?;
        let Some((first, _)) = grads.first() else {
            return self.common.commit(&[]);
        };
        let [acc1, acc2] = self.accumulators(&first.value().device())?;
        let (a1, a2) = (acc1.value(), acc2.value());
        let corr1 = a1.neg()?.add(1.0f32)?;
        let corr2 = a2.neg()?.add(1.0f32)?;
        let (b1, b2, lr) = (self.beta1, self.beta2, self.common.lr);
        let mut updates = vec![];
        for (var, g) in grads {
            let [m, v] = self.slots.get_array(op, var, &[0.0, 0.0])?;
            let m_new = m.value().mul(b1)?.add(&g.mul(1.0 - b1)?)?;
            let v_new = v.value().mul(b2)?.add(&g.square()?.mul(1.0 - b2)?)?;
            let m_hat = m_new.div(&corr1)?;
            let v_hat = v_new.div(&corr2)?;
            let step = m_hat.div(&v_hat.sqrt()?.add(self.epsilon)?)?.mul(lr)?;
            let p = var.value();
            let mut p_new = p.sub(&step)?;
            if self.weight_decay != 0.0 {
                p_new = p_new.sub(&p.mul(lr * self.weight_decay)?)?;
            }
            updates.push((var.clone(), p_new));
            updates.push((m, m_new));
            updates.push((v, v_new));
        }
        updates.push((acc1, a1.mul(b1)?));
        updates.push((acc2, a2.mul(b2)?));
        self.common.commit(&updates)
    }
    common_accessors!();
    fn variables(&self) -> Vec<Variable> {
        let mut v: Vec<Variable> = self.acc.iter().flatten().cloned().collect();
        v.extend(self.slots.all());
        v
    }
}

/// Adam with decoupled weight decay: `p -= lr * wd * p` besides the Adam step (Keras `AdamW`,
/// default weight decay 0.004).
pub struct AdamW(Adam);

impl AdamW {
    pub fn new(lr: f32, weight_decay: f32) -> AdamW {
        let mut a = Adam::new(lr);
        a.weight_decay = weight_decay;
        if weight_decay != 0.0 {
            a.common.op = "adamw";
        }
        AdamW(a)
    }
    pub fn betas(self, beta1: f32, beta2: f32) -> AdamW {
        AdamW(self.0.betas(beta1, beta2))
    }
    pub fn epsilon(self, eps: f32) -> AdamW {
        AdamW(self.0.epsilon(eps))
    }
}

impl Optimizer for AdamW {
    fn step(&mut self, grads: &[(Variable, Tensor)]) -> Result<()> {
        self.0.step(grads)
    }
    fn learning_rate(&self) -> f32 {
        self.0.learning_rate()
    }
    fn set_learning_rate(&mut self, lr: f32) -> Result<()> {
        self.0.set_learning_rate(lr)
    }
    fn iterations(&self) -> u64 {
        self.0.iterations()
    }
    fn variables(&self) -> Vec<Variable> {
        self.0.variables()
    }
}
