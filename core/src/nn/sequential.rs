//! A linear stack of layers.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::init::unique_name;
use super::{LayerConfig, Module, VarSpec};
use crate::device::Device;
use crate::tensor::Tensor;
use crate::variable::Variable;
use crate::{Error, Result};

/// Config of [`Sequential`]: its layers in order, and optionally the shape of one input example
/// (without the batch axis; Keras' `batch_input_shape` minus its first entry). Files without
/// `input_shape` load as before; with it, [`Module::forward`] checks its inputs, and a reader (the
/// JS layers API, an edge binary) knows what to feed without running the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SequentialConfig {
    pub name: String,
    pub layers: Vec<LayerConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_shape: Option<Vec<usize>>,
}

impl SequentialConfig {
    pub(crate) fn validate(&self) -> Result<()> {
        if let Some(shape) = &self.input_shape {
            if shape.len() > 7 {
                return Err(Error::invalid(
                    "Sequential",
                    format!("model {}: input_shape {shape:?} has more than 7 axes", self.name),
                ));
            }
            let mut full = vec![1];
            full.extend_from_slice(shape);
            crate::shape::numel_checked("Sequential", &full)?;
        }
        let mut names = HashSet::new();
        for l in &self.layers {
            l.validate()?;
            if !names.insert(l.name()) {
                return Err(Error::invalid(
                    "Sequential",
                    format!("model {}: layer name {:?} is used twice", self.name, l.name()),
                ));
            }
        }
        Ok(())
    }
    pub(crate) fn variable_specs(&self) -> Result<Vec<VarSpec>> {
        let mut out: Vec<VarSpec> = vec![];
        for l in &self.layers {
            out.extend(l.variable_specs()?);
        }
        unique_variable_names(&self.name, out.iter().map(|s| s.name.as_str()))?;
        Ok(out)
    }
}

fn unique_variable_names<'a>(model: &str, names: impl Iterator<Item = &'a str>) -> Result<()> {
    let mut seen = HashSet::new();
    for n in names {
        if !seen.insert(n) {
            return Err(Error::invalid(
                "Sequential",
                format!("model {model}: variable name {n:?} is used twice"),
            ));
        }
    }
    Ok(())
}

/// Layers applied one after another. Layer and variable names must be unique within the model
/// (they key the saved weights).
pub struct Sequential {
    name: String,
    layers: Vec<Box<dyn Module>>,
    input_shape: Option<Vec<usize>>,
}

impl Sequential {
    /// A model from built layers; an empty name becomes `sequential_N`.
    pub fn new(name: impl Into<String>, layers: Vec<Box<dyn Module>>) -> Result<Sequential> {
        let mut name = name.into();
        if name.is_empty() {
            name = unique_name("sequential");
        }
        let s = Sequential {
            name,
            layers,
            input_shape: None,
        };
        s.check_unique()?;
        Ok(s)
    }

    /// Builds every layer from its config (weights initialized from the configs' seeds).
    pub fn from_configs(dev: &Device, name: impl Into<String>, layers: Vec<LayerConfig>) -> Result<Sequential> {
        let built = layers.iter().map(|c| c.build(dev)).collect::<Result<Vec<_>>>()?;
        Sequential::new(name, built)
    }

    /// Rebuilds a model from its config.
    pub fn from_config(dev: &Device, config: &SequentialConfig) -> Result<Sequential> {
        LayerConfig::Sequential(config.clone()).validate()?;
        let mut s = Sequential::from_configs(dev, config.name.clone(), config.layers.clone())?;
        s.input_shape = config.input_shape.clone();
        Ok(s)
    }

    /// Records the shape of one input example (without the batch axis): `forward` then rejects
    /// other inputs, and the config (and so a saved `model.json`) carries it.
    pub fn with_input_shape(mut self, shape: Option<Vec<usize>>) -> Result<Sequential> {
        self.set_input_shape(shape)?;
        Ok(self)
    }

    /// [`Sequential::with_input_shape`] in place.
    pub fn set_input_shape(&mut self, shape: Option<Vec<usize>>) -> Result<()> {
        if let Some(s) = &shape {
            LayerConfig::Sequential(SequentialConfig {
                name: self.name.clone(),
                layers: vec![],
                input_shape: Some(s.clone()),
            })
            .validate()?;
        }
        self.input_shape = shape;
        Ok(())
    }

    /// The shape of one input example, when recorded.
    pub fn input_shape(&self) -> Option<&[usize]> {
        self.input_shape.as_deref()
    }

    /// Appends a layer.
    pub fn add(&mut self, layer: Box<dyn Module>) -> Result<()> {
        self.layers.push(layer);
        if let Err(e) = self.check_unique() {
            self.layers.pop();
            return Err(e);
        }
        Ok(())
    }

    pub fn layers(&self) -> &[Box<dyn Module>] {
        &self.layers
    }

    fn check_unique(&self) -> Result<()> {
        let mut names = HashSet::new();
        for l in &self.layers {
            if !names.insert(l.name()) {
                return Err(Error::invalid(
                    "Sequential",
                    format!("model {}: layer name {:?} is used twice", self.name, l.name()),
                ));
            }
        }
        let vars = self.variables();
        unique_variable_names(&self.name, vars.iter().map(|v| v.name()))
    }
}

impl Module for Sequential {
    fn name(&self) -> &str {
        &self.name
    }
    fn forward(&self, x: &Tensor, training: bool) -> Result<Tensor> {
        if let Some(want) = &self.input_shape {
            if x.shape().get(1..) != Some(want.as_slice()) {
                return Err(Error::shape(
                    "Sequential",
                    format!(
                        "model {} expects inputs [batch, {}], got {:?}",
                        self.name,
                        want.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", "),
                        x.shape()
                    ),
                ));
            }
        }
        let mut h = x.clone();
        for l in &self.layers {
            h = l.forward(&h, training)?;
        }
        Ok(h)
    }
    fn variables(&self) -> Vec<Variable> {
        self.layers.iter().flat_map(|l| l.variables()).collect()
    }
    fn config(&self) -> LayerConfig {
        LayerConfig::Sequential(SequentialConfig {
            name: self.name.clone(),
            layers: self.layers.iter().map(|l| l.config()).collect(),
            input_shape: self.input_shape.clone(),
        })
    }
}
