//! The ferroflow side of each workload. Inputs are uploaded host data (realized leaves), so each
//! timed run executes exactly the kernels of the measured op or step and nothing upstream. The
//! training steps use the framework's own `nn` layers and `optim` optimizers, as a user would.

use std::time::Instant;

use ferroflow::nn::{
    Activation, Conv2dConfig, DenseConfig, FlattenConfig, LayerConfig, Module, PaddingConfig, PoolConfig, Sequential,
};
use ferroflow::ops::{creation, losses};
use ferroflow::optim::{Adam, Optimizer, Sgd};
use ferroflow::{autograd, Device, Error, Result, Tensor, Variable};

/// Deterministic uniform values in `[lo, hi)` (xorshift64*), so no lazy random graph is timed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    fn next_u32(&mut self) -> u32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32
    }
    pub fn uniform(&mut self, n: usize, lo: f32, hi: f32) -> Vec<f32> {
        (0..n)
            .map(|_| lo + (hi - lo) * (self.next_u32() >> 8) as f32 / (1u32 << 24) as f32)
            .collect()
    }
    pub fn below(&mut self, n: u32) -> u32 {
        self.next_u32() % n.max(1)
    }
}

pub fn host_tensor(dev: &Device, rng: &mut Rng, shape: &[usize], lo: f32, hi: f32) -> Result<Tensor> {
    let n = shape.iter().product();
    creation::tensor(dev, rng.uniform(n, lo, hi), shape)
}

/// Int32 class labels `[batch]`.
pub fn labels(dev: &Device, rng: &mut Rng, batch: usize, classes: usize) -> Result<Tensor> {
    let v: Vec<i32> = (0..batch).map(|_| rng.below(classes as u32) as i32).collect();
    creation::tensor(dev, v, &[batch])
}

/// A model, its optimizer and one fixed batch.
pub struct Trainer {
    pub model: Sequential,
    pub opt: Box<dyn Optimizer>,
    pub vars: Vec<Variable>,
    pub x: Tensor,
    pub labels: Tensor,
}

impl Trainer {
    fn loss(&self) -> Result<Tensor> {
        losses::sparse_softmax_cross_entropy(&self.labels, &self.model.forward(&self.x, true)?)
    }

    /// One step as a user writes it: `minimize` (forward + sparse softmax cross-entropy +
    /// backward + update, realized by the optimizer's one `assign_all`), then the loss read back.
    pub fn step(&mut self) -> Result<f32> {
        Ok(self.step_phases()?.0)
    }

    /// [`Self::step`] that also reports the milliseconds of `minimize` and of the loss readback.
    pub fn step_phases(&mut self) -> Result<(f32, [f64; 2])> {
        let t0 = Instant::now();
        let vars = self.vars.clone();
        let (model, x, y) = (&self.model, &self.x, &self.labels);
        let loss = self.opt.minimize(&vars, &mut || {
            losses::sparse_softmax_cross_entropy(y, &model.forward(x, true)?)
        })?;
        let t1 = Instant::now();
        let l = loss.item()?;
        let t2 = Instant::now();
        if !l.is_finite() {
            return Err(Error::invalid("bench", format!("training loss is {l}")));
        }
        let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1e3;
        Ok((l, [ms(t0, t1), ms(t1, t2)]))
    }

    /// Milliseconds to build (not run) the step's forward, loss and gradient graph.
    pub fn build_only_ms(&self) -> Result<f64> {
        let t0 = Instant::now();
        let values: Vec<Tensor> = self.vars.iter().map(|v| v.value()).collect();
        let loss = self.loss()?;
        let refs: Vec<&Tensor> = values.iter().collect();
        let grads = autograd::grad(&loss, &refs)?;
        let ms = t0.elapsed().as_secs_f64() * 1e3;
        drop(grads);
        Ok(ms)
    }
}

fn trainer(dev: &Device, model: Sequential, opt: Box<dyn Optimizer>, x_shape: &[usize], seed: u64) -> Result<Trainer> {
    let mut rng = Rng::new(seed);
    let vars = model.trainable_variables();
    Ok(Trainer {
        x: host_tensor(dev, &mut rng, x_shape, 0.0, 1.0)?,
        labels: labels(dev, &mut rng, x_shape[0], 10)?,
        model,
        opt,
        vars,
    })
}

/// Dense 784-256-128-10 (ReLU), SGD lr 0.1, batch 128.
pub fn mlp_trainer(dev: &Device) -> Result<Trainer> {
    let model = Sequential::from_configs(
        dev,
        "mlp",
        vec![
            LayerConfig::Dense(
                DenseConfig::new(784, 256)
                    .activation(Activation::Relu)
                    .name("dense1")
                    .seed(1),
            ),
            LayerConfig::Dense(
                DenseConfig::new(256, 128)
                    .activation(Activation::Relu)
                    .name("dense2")
                    .seed(2),
            ),
            LayerConfig::Dense(DenseConfig::new(128, 10).name("logits").seed(3)),
        ],
    )?;
    trainer(dev, model, Box::new(Sgd::new(0.1)), &[128, 784], 1)
}

/// conv3x3x32 relu, maxpool 2, conv3x3x64 relu, maxpool 2, dense 10 on 28x28x1 ("same"
/// padding), Adam lr 1e-3, batch 64.
pub fn cnn_trainer(dev: &Device) -> Result<Trainer> {
    let same = PaddingConfig::Same;
    let model = Sequential::from_configs(
        dev,
        "cnn",
        vec![
            LayerConfig::Conv2d(
                Conv2dConfig::new(1, 32, [3, 3])
                    .padding(same)
                    .activation(Activation::Relu)
                    .name("conv1")
                    .seed(4),
            ),
            LayerConfig::MaxPool2d(PoolConfig::new([2, 2]).name("pool1")),
            LayerConfig::Conv2d(
                Conv2dConfig::new(32, 64, [3, 3])
                    .padding(same)
                    .activation(Activation::Relu)
                    .name("conv2")
                    .seed(5),
            ),
            LayerConfig::MaxPool2d(PoolConfig::new([2, 2]).name("pool2")),
            LayerConfig::Flatten(FlattenConfig::default().name("flatten")),
            LayerConfig::Dense(DenseConfig::new(7 * 7 * 64, 10).name("logits").seed(6)),
        ],
    )?;
    trainer(dev, model, Box::new(Adam::new(1e-3)), &[64, 28, 28, 1], 2)
}
