//! Variables: named, mutable tensors (model parameters, optimizer state). A variable always holds
//! a realized leaf, so training steps never chain graphs across steps.

use std::sync::{Arc, Mutex};

use crate::tensor::Tensor;
use crate::{Error, Result};

/// A named mutable tensor. Clones share the same storage slot.
#[derive(Clone)]
pub struct Variable {
    name: Arc<str>,
    trainable: bool,
    value: Arc<Mutex<Tensor>>,
}

impl std::fmt::Debug for Variable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Variable({}, {:?})", self.name, self.value().shape())
    }
}

impl Variable {
    /// Creates a variable from `init` (realized and detached from its graph).
    pub fn new(name: impl Into<String>, init: &Tensor, trainable: bool) -> Result<Variable> {
        Ok(Variable {
            name: Arc::from(name.into()),
            trainable,
            value: Arc::new(Mutex::new(init.detach()?)),
        })
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Identity of the storage slot (shared by clones), for keying optimizer state.
    pub fn id(&self) -> usize {
        Arc::as_ptr(&self.value) as usize
    }
    /// True when both handles refer to the same variable.
    pub fn ptr_eq(&self, other: &Variable) -> bool {
        Arc::ptr_eq(&self.value, &other.value)
    }
    pub fn trainable(&self) -> bool {
        self.trainable
    }
    /// The current value: a leaf tensor. Gradients taken with respect to it reach this variable.
    pub fn value(&self) -> Tensor {
        match self.value.lock() {
            Ok(v) => v.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }
    /// Replaces the value (same shape and dtype), realizing the new value and cutting its graph.
    pub fn assign(&self, t: &Tensor) -> Result<()> {
        let cur = self.value();
        if t.shape() != cur.shape() || t.dtype() != cur.dtype() {
            return Err(Error::shape(
                "assign",
                format!(
                    "variable {} is {:?} {}, got {:?} {}",
                    self.name,
                    cur.shape(),
                    cur.dtype(),
                    t.shape(),
                    t.dtype()
                ),
            ));
        }
        let v = t.detach()?;
        match self.value.lock() {
            Ok(mut g) => *g = v,
            Err(p) => *p.into_inner() = v,
        }
        Ok(())
    }
}

/// Realizes many variables' new values together (one schedule, shared work done once), then
/// assigns them. This is what optimizers call once per step.
pub fn assign_all(updates: &[(Variable, Tensor)]) -> Result<()> {
    let targets: Vec<&Tensor> = updates.iter().map(|(_, t)| t).collect();
    crate::schedule::realize(&targets)?;
    for (v, t) in updates {
        v.assign(t)?;
    }
    Ok(())
}
