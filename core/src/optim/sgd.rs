//! Plain stochastic gradient descent: `p -= lr * g`.

use super::{check_grads, check_lr, commit, Optimizer};
use crate::tensor::Tensor;
use crate::variable::Variable;
use crate::Result;

/// SGD (TF.js `tf.train.sgd`).
pub struct Sgd {
    lr: f32,
    iterations: u64,
}

impl Sgd {
    pub fn new(lr: f32) -> Sgd {
        Sgd { lr, iterations: 0 }
    }
}

impl Optimizer for Sgd {
    fn step(&mut self, grads: &[(Variable, Tensor)]) -> Result<()> {
        check_lr("sgd", self.lr)?;
        check_grads("sgd", grads)?;
        let updates = grads
            .iter()
            .map(|(v, g)| Ok((v.clone(), v.value().sub(&g.mul(self.lr)?)?)))
            .collect::<Result<Vec<_>>>()?;
        commit(&updates)?;
        self.iterations += 1;
        Ok(())
    }
    fn learning_rate(&self) -> f32 {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: f32) -> Result<()> {
        check_lr("sgd", lr)?;
        self.lr = lr;
        Ok(())
    }
    fn iterations(&self) -> u64 {
        self.iterations
    }
    fn variables(&self) -> Vec<Variable> {
        vec![]
    }
}
