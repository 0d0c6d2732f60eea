//! Per-variable optimizer state, keyed by variable name and created on first use.

use std::collections::HashMap;

use crate::ops::creation;
use crate::tensor::Tensor;
use crate::variable::Variable;
use crate::{Error, Result};

/// Named slots (`"m"`, `"v"`, ...) for every variable an optimizer has seen.
pub(crate) struct Slots {
    names: &'static [&'static str],
    map: HashMap<String, Vec<Variable>>,
    order: Vec<String>,
}

impl Slots {
    pub(crate) fn new(names: &'static [&'static str]) -> Slots {
        Slots {
            names,
            map: HashMap::new(),
            order: vec![],
        }
    }

    /// The slots of `var`, created filled with `init` (one value per slot name) the first time.
    pub(crate) fn get(&mut self, op: &str, var: &Variable, init: &[f32]) -> Result<Vec<Variable>> {
        let value = var.value();
        if let Some(s) = self.map.get(var.name()) {
            if let Some(bad) = s.iter().find(|s| s.value().shape() != value.shape()) {
                return Err(Error::shape(
                    op,
                    format!(
                        "slot {} has shape {:?} but variable {} now has {:?}",
                        bad.name(),
                        bad.value().shape(),
                        var.name(),
                        value.shape()
                    ),
                ));
            }
            return Ok(s.clone());
        }
        let dev = value.device();
        let mut made = vec![];
        for (slot, &v) in self.names.iter().zip(init) {
            let t: Tensor = creation::fill(&dev, value.shape(), v)?;
            made.push(Variable::new(format!("{}/{slot}", var.name()), &t, false)?);
        }
        self.map.insert(var.name().to_string(), made.clone());
        self.order.push(var.name().to_string());
        Ok(made)
    }

    /// [`Slots::get`] for optimizers with a fixed slot count `N`.
    pub(crate) fn get_array<const N: usize>(
        &mut self,
        op: &str,
        var: &Variable,
        init: &[f32],
    ) -> Result<[Variable; N]> {
        let v = self.get(op, var, init)?;
        let n = v.len();
        v.try_into()
            .map_err(|_| Error::invalid(op, format!("expected {N} slots, found {n}")))
    }

    /// All slot variables in creation order.
    pub(crate) fn all(&self) -> Vec<Variable> {
        self.order
            .iter()
            .filter_map(|n| self.map.get(n))
            .flatten()
            .cloned()
            .collect()
    }
}
