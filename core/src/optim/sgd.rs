//! Plain stochastic gradient descent: `p -= lr * g`.

use super::{common_accessors, Common, Optimizer};
use crate::tensor::Tensor;
use crate::variable::Variable;
use crate::Result;

/// SGD (TF.js `tf.train.sgd`).
pub struct Sgd {
    common: Common,
}

impl Sgd {
    pub fn new(lr: f32) -> Sgd {
        Sgd {
            common: Common::new("sgd", lr),
        }
    }
}

impl Optimizer for Sgd {
    fn step(&mut self, grads: &[(Variable, Tensor)]) -> Result<()> {
        self.common.check_step(grads)?;
        let lr = self.common.lr;
        let updates = grads
            .iter()
            .map(|(v, g)| Ok((v.clone(), v.value().sub(&g.mul(lr)?)?)))
            .collect::<Result<Vec<_>>>()?;
        self.common.commit(&updates)
    }
    common_accessors!();
    fn variables(&self) -> Vec<Variable> {
        vec![]
    }
}
