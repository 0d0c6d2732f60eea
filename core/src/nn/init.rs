//! Initializers, written with `ops::creation` and explicit seeds, plus default layer names.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::device::Device;
use crate::ops::creation;
use crate::tensor::Tensor;
use crate::variable::Variable;
use crate::{Error, Result};

/// Glorot (Xavier) uniform: `U(-l, l)` with `l = sqrt(6 / (fan_in + fan_out))`, as Keras'
/// default kernel initializer.
pub fn glorot_uniform(dev: &Device, shape: &[usize], fan_in: usize, fan_out: usize, seed: u64) -> Result<Tensor> {
    let fans = fan_in.saturating_add(fan_out).max(1) as f64;
    let limit = (6.0 / fans).sqrt() as f32;
    creation::random_uniform(dev, shape, -limit, limit, seed)
}

/// A new variable initialized from `init` (realized now).
pub(crate) fn variable(layer: &str, weight: &str, init: &Tensor, trainable: bool) -> Result<Variable> {
    Variable::new(format!("{layer}/{weight}"), init, trainable)
}

static NAME_COUNTS: Mutex<Option<HashMap<String, usize>>> = Mutex::new(None);

/// A process-unique default layer name: `dense_1`, `dense_2`, ... (as Keras).
pub(crate) fn unique_name(prefix: &str) -> String {
    let mut guard = match NAME_COUNTS.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    let counts = guard.get_or_insert_with(HashMap::new);
    let n = counts.entry(prefix.to_string()).or_insert(0);
    *n += 1;
    format!("{prefix}_{n}")
}

/// Resolves a config's optional seed, drawing a fresh one when absent.
pub(crate) fn resolve_seed(seed: Option<u64>) -> u64 {
    seed.unwrap_or_else(creation::next_seed)
}

/// Fails unless `v > 0`.
pub(crate) fn positive(layer: &str, what: &str, v: usize) -> Result<()> {
    if v == 0 {
        return Err(Error::invalid(layer, format!("{what} must be >= 1")));
    }
    Ok(())
}

/// Element count of a weight shape, rejecting overflow.
pub(crate) fn checked_numel(layer: &str, shape: &[usize]) -> Result<usize> {
    crate::shape::numel_checked(layer, shape)
}

/// The weights Dense and Conv2d share: a Glorot-uniform `kernel` and an optional zero `bias`
/// over the last (output) axis.
pub(crate) struct KernelBias {
    pub(crate) kernel: Variable,
    pub(crate) bias: Option<Variable>,
}

impl KernelBias {
    pub(crate) fn new(
        dev: &Device,
        layer: &str,
        kernel_shape: &[usize],
        fans: (usize, usize),
        seed: u64,
        use_bias: bool,
    ) -> Result<KernelBias> {
        let kernel = variable(
            layer,
            "kernel",
            &glorot_uniform(dev, kernel_shape, fans.0, fans.1, seed)?,
            true,
        )?;
        let units = kernel_shape.last().copied().unwrap_or(0);
        let bias = match use_bias {
            true => Some(variable(
                layer,
                "bias",
                &creation::zeros(dev, &[units], crate::DType::F32)?,
                true,
            )?),
            false => None,
        };
        Ok(KernelBias { kernel, bias })
    }

    /// `y + bias` (broadcast over the last axis) when there is a bias.
    pub(crate) fn add_bias(&self, y: Tensor) -> Result<Tensor> {
        match &self.bias {
            Some(b) => y.add(b.value()),
            None => Ok(y),
        }
    }

    pub(crate) fn variables(&self) -> Vec<Variable> {
        let mut v = vec![self.kernel.clone()];
        v.extend(self.bias.clone());
        v
    }

    /// The variables' specs as the topology lists them (kernel, then bias).
    pub(crate) fn specs(layer: &str, kernel_shape: Vec<usize>, use_bias: bool) -> Vec<super::config::VarSpec> {
        let units = kernel_shape.last().copied().unwrap_or(0);
        let mut v = vec![super::config::VarSpec::f32(layer, "kernel", kernel_shape, true)];
        if use_bias {
            v.push(super::config::VarSpec::f32(layer, "bias", vec![units], true));
        }
        v
    }
}
