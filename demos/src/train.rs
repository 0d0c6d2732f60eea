//! The demo CNN and its training/evaluation steps.

use ferroflow::nn::{
    Activation, Conv2dConfig, DenseConfig, FlattenConfig, LayerConfig, Module, PaddingConfig, PoolConfig, Sequential,
};
use ferroflow::ops::losses;
use ferroflow::optim::Optimizer;
use ferroflow::{Device, Result, Tensor, Variable};

use crate::mnist::{Digits, PIXELS};

/// conv 3x3 x`filters[0]` relu -> maxpool 2 -> conv 3x3 x`filters[1]` relu -> maxpool 2 -> flatten -> [dense `hidden`
/// relu] -> dense 10, with "same" padding; every initializer seeded from `seed`.
pub fn cnn(dev: &Device, seed: u64, filters: [usize; 2], hidden: usize) -> Result<Sequential> {
    let same = PaddingConfig::Same;
    let relu = Activation::Relu;
    let mut layers = vec![
        LayerConfig::Conv2d(
            Conv2dConfig::new(1, filters[0], [3, 3])
                .padding(same)
                .activation(relu)
                .name("conv1")
                .seed(seed),
        ),
        LayerConfig::MaxPool2d(PoolConfig::new([2, 2]).name("pool1")),
        LayerConfig::Conv2d(
            Conv2dConfig::new(filters[0], filters[1], [3, 3])
                .padding(same)
                .activation(relu)
                .name("conv2")
                .seed(seed.wrapping_add(1)),
        ),
        LayerConfig::MaxPool2d(PoolConfig::new([2, 2]).name("pool2")),
        LayerConfig::Flatten(FlattenConfig::default().name("flatten")),
    ];
    let mut features = 7 * 7 * filters[1];
    if hidden > 0 {
        layers.push(LayerConfig::Dense(
            DenseConfig::new(features, hidden)
                .activation(relu)
                .name("hidden")
                .seed(seed.wrapping_add(3)),
        ));
        features = hidden;
    }
    layers.push(LayerConfig::Dense(
        DenseConfig::new(features, 10).name("logits").seed(seed.wrapping_add(2)),
    ));
    Sequential::from_configs(dev, "mnist_cnn", layers)
}

/// Examples `idx` of `data` as `[n, 28, 28, 1]` images and int32 labels on `dev`.
pub fn batch_tensors(dev: &Device, data: &Digits, idx: &[usize]) -> Result<(Tensor, Tensor)> {
    let (x, y) = data.batch(idx);
    let n = y.len();
    debug_assert_eq!(x.len(), n * PIXELS);
    let xt = Tensor::from_host_on(x.into(), &[n, 28, 28, 1], dev)?;
    let yt = Tensor::from_host_on(y.into(), &[n], dev)?;
    Ok((xt, yt))
}

/// Index of the largest value of each row of `[rows, classes]` logits.
pub fn argmax_rows(logits: &[f32], classes: usize) -> Vec<usize> {
    logits
        .chunks(classes.max(1))
        .map(|r| {
            r.iter()
                .enumerate()
                .fold((0, f32::NEG_INFINITY), |b, (i, &v)| if v > b.1 { (i, v) } else { b })
                .0
        })
        .collect()
}

/// One optimizer step on a batch; returns (mean loss, correctly classified examples).
pub fn train_step(
    model: &dyn Module,
    opt: &mut dyn Optimizer,
    vars: &[Variable],
    x: &Tensor,
    y: &Tensor,
) -> Result<(f32, usize)> {
    let mut logits = None;
    let loss = opt.minimize(vars, &mut || {
        let l = model.forward(x, true)?;
        logits = Some(l.clone());
        losses::sparse_softmax_cross_entropy(y, &l)
    })?;
    let loss_value = loss.item()?;
    let correct = match logits {
        Some(l) => {
            let pred = argmax_rows(&l.to_vec_f32()?, 10);
            let labels = y.to_vec_i32()?;
            pred.iter().zip(&labels).filter(|(p, &t)| **p as i32 == t).count()
        }
        None => 0,
    };
    Ok((loss_value, correct))
}

/// Inference logits `[n, 10]` for every example, in batches.
pub fn predict(model: &dyn Module, dev: &Device, data: &Digits, batch: usize) -> Result<Vec<f32>> {
    let mut out = Vec::with_capacity(data.len() * 10);
    let idx: Vec<usize> = (0..data.len()).collect();
    for chunk in idx.chunks(batch.max(1)) {
        let (x, _) = batch_tensors(dev, data, chunk)?;
        out.extend(model.forward(&x, false)?.to_vec_f32()?);
    }
    Ok(out)
}

/// Fraction of `labels` matched by `pred`.
pub fn accuracy(pred: &[usize], labels: &[u8]) -> f64 {
    if labels.is_empty() {
        return 0.0;
    }
    let hits = pred.iter().zip(labels).filter(|(p, &l)| **p == usize::from(l)).count();
    hits as f64 / labels.len() as f64
}
