//! nn layers, Keras losses and metrics, optimizers and model IO on the CPU backend (the core crate's own tests cover what
//! needs no backend: config JSON, safetensors and manifest validation).

use ferroflow::io::{self, LoadLimits};
use ferroflow::ir::Prim;
use ferroflow::nn::*;
use ferroflow::optim::*;
use ferroflow::{Device, HostData, Result, Tensor, Variable};

fn dev() -> Device {
    ferroflow::native::cpu()
}

fn t(dev: &Device, v: Vec<f32>, shape: &[usize]) -> Result<Tensor> {
    Tensor::from_host_on(HostData::F32(v), shape, dev)
}

fn close(a: &[f32], b: &[f64], tol: f64) {
    assert_eq!(a.len(), b.len(), "{a:?} vs {b:?}");
    for (x, y) in a.iter().zip(b) {
        assert!((f64::from(*x) - y).abs() <= tol * (1.0 + y.abs()), "{a:?} vs {b:?}");
    }
}

const W0: [f64; 3] = [1.0, -2.0, 0.5];
const GRADS: [[f64; 3]; 3] = [[0.1, -0.2, 0.3], [-0.5, 0.4, 0.0], [1.0, 1.0, -1.0]];

/// Runs 3 steps with fixed gradients; checks against `reference` after every step and that steps
/// 2 and 3 compile no new kernels and leave every variable a realized leaf.
fn check_optimizer(opt: &mut dyn Optimizer, reference: &mut dyn FnMut(&mut [f64; 3], &[f64; 3])) -> Result<()> {
    let dev = dev();
    let w = Variable::new("w", &t(&dev, W0.iter().map(|&x| x as f32).collect(), &[3])?, true)?;
    let mut want = W0;
    let mut compiled = vec![];
    for g in &GRADS {
        let gt = t(&dev, g.iter().map(|&x| x as f32).collect(), &[3])?;
        opt.step(&[(w.clone(), gt)])?;
        compiled.push(dev.stats().compiled);
        reference(&mut want, g);
        close(&w.value().to_vec_f32()?, &want, 1e-5);
        assert!(matches!(w.value().prim(), Prim::Data));
        for s in opt.variables() {
            assert!(
                matches!(s.value().prim(), Prim::Data),
                "slot {} is not a leaf",
                s.name()
            );
        }
    }
    assert_eq!(
        compiled[1], compiled[2],
        "a later step compiled new kernels: {compiled:?}"
    );
    assert_eq!(opt.iterations(), 3);
    Ok(())
}

#[test]
fn sgd_matches_reference() -> Result<()> {
    check_optimizer(&mut Sgd::new(0.1), &mut |w, g| (0..3).for_each(|i| w[i] -= 0.1 * g[i]))
}

#[test]
fn momentum_and_nesterov_match_reference() -> Result<()> {
    for nesterov in [false, true] {
        let mut acc = [0.0; 3];
        check_optimizer(&mut Momentum::new(0.1, 0.9).nesterov(nesterov), &mut |w, g| {
            for i in 0..3 {
                acc[i] = 0.9 * acc[i] + g[i];
                w[i] -= 0.1 * if nesterov { g[i] + 0.9 * acc[i] } else { acc[i] };
            }
        })?;
    }
    Ok(())
}

fn adam_reference(wd: f64) -> impl FnMut(&mut [f64; 3], &[f64; 3]) {
    let (lr, b1, b2, eps) = (0.01, 0.9, 0.999, 1e-7);
    let (mut m, mut v, mut t) = ([0.0; 3], [0.0; 3], 0);
    move |w, g| {
        t += 1;
        for i in 0..3 {
            m[i] = b1 * m[i] + (1.0 - b1) * g[i];
            v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
            let mh = m[i] / (1.0 - f64::powi(b1, t));
            let vh = v[i] / (1.0 - f64::powi(b2, t));
            w[i] = w[i] - lr * mh / (vh.sqrt() + eps) - lr * wd * w[i];
        }
    }
}

#[test]
fn adam_matches_reference() -> Result<()> {
    check_optimizer(&mut Adam::new(0.01), &mut adam_reference(0.0))
}

#[test]
fn adamw_matches_reference() -> Result<()> {
    check_optimizer(&mut AdamW::new(0.01, 0.1), &mut adam_reference(0.1))
}

#[test]
fn rmsprop_matches_reference() -> Result<()> {
    for (momentum, centered) in [(0.0f32, false), (0.5, false), (0.5, true)] {
        let (lr, d, eps) = (0.01, 0.9, 1e-7);
        let (mut ms, mut mg, mut mom) = ([0.0; 3], [0.0; 3], [0.0; 3]);
        check_optimizer(
            &mut RmsProp::new(0.01).momentum(momentum).centered(centered),
            &mut |w, g| {
                for i in 0..3 {
                    ms[i] = d * ms[i] + (1.0 - d) * g[i] * g[i];
                    mg[i] = d * mg[i] + (1.0 - d) * g[i];
                    let den = if centered { ms[i] - mg[i] * mg[i] } else { ms[i] };
                    mom[i] = f64::from(momentum) * mom[i] + lr * g[i] / (den + eps).sqrt();
                    w[i] -= mom[i];
                }
            },
        )?;
    }
    Ok(())
}

#[test]
fn adagrad_matches_reference() -> Result<()> {
    let mut acc = [0.1; 3];
    check_optimizer(&mut Adagrad::new(0.1), &mut |w, g| {
        for i in 0..3 {
            acc[i] += g[i] * g[i];
            w[i] -= 0.1 * g[i] / (acc[i] + 1e-7).sqrt();
        }
    })
}

#[test]
fn optimizer_rejects_bad_gradients() -> Result<()> {
    let dev = dev();
    let w = Variable::new("w", &t(&dev, vec![1.0, 2.0], &[2])?, true)?;
    let mut opt = Adam::new(0.1);
    assert!(opt.step(&[(w.clone(), t(&dev, vec![1.0], &[1])?)]).is_err());
    let g = t(&dev, vec![1.0, 1.0], &[2])?;
    assert!(opt.step(&[(w.clone(), g.clone()), (w.clone(), g)]).is_err());
    assert!(Sgd::new(f32::NAN).step(&[]).is_err());
    Ok(())
}

#[test]
fn minimize_fits_a_line() -> Result<()> {
    let dev = dev();
    let x = t(&dev, vec![0.0, 1.0, 2.0, 3.0], &[4, 1])?;
    let y = t(&dev, vec![1.0, 3.0, 5.0, 7.0], &[4, 1])?;
    let layer = Dense::new(&dev, DenseConfig::new(1, 1).seed(7))?;
    let vars = layer.trainable_variables();
    let mut opt = Adam::new(0.1);
    let mut last = f32::INFINITY;
    for _ in 0..300 {
        let loss = opt.minimize(&vars, &mut || {
            ferroflow::ops::losses::mean_squared_error(&y, &layer.forward(&x, true)?)
        })?;
        last = loss.item()?;
    }
    assert!(last < 1e-3, "loss {last}");
    let kernel = vars[0].value().to_vec_f32()?;
    assert!((kernel[0] - 2.0).abs() < 0.05, "{kernel:?}");
    Ok(())
}

#[test]
fn dense_conv_pool_flatten_shapes_and_values() -> Result<()> {
    let dev = dev();
    let d = Dense::new(&dev, DenseConfig::new(3, 2).seed(1))?;
    let x = t(&dev, vec![1.0, 2.0, 3.0], &[1, 3])?;
    let k = d.variables()[0].value().to_vec_f32()?;
    let want: Vec<f64> = (0..2)
        .map(|j| (0..3).map(|i| f64::from(k[i * 2 + j]) * (i + 1) as f64).sum())
        .collect();
    close(&d.forward(&x, false)?.to_vec_f32()?, &want, 1e-6);
    let limit = (6.0f32 / 5.0).sqrt();
    assert!(k.iter().all(|v| v.abs() <= limit));
    // Same seed, same weights.
    let d2 = Dense::new(&dev, DenseConfig::new(3, 2).seed(1))?;
    assert_eq!(d2.variables()[0].value().to_vec_f32()?, k);

    let c = Conv2d::new(
        &dev,
        Conv2dConfig::new(2, 4, [3, 3])
            .padding(PaddingConfig::Same)
            .strides([2, 2])
            .seed(3),
    )?;
    let img = ferroflow::ops::creation::ones(&dev, &[2, 7, 7, 2], ferroflow::DType::F32)?;
    assert_eq!(c.forward(&img, false)?.shape(), &[2, 4, 4, 4]);
    assert!(c.forward(&t(&dev, vec![0.0; 7 * 7], &[1, 7, 7, 1])?, false).is_err());
    let p = MaxPool2d::new(PoolConfig::new([2, 2]))?;
    let q = t(&dev, (0..16).map(|v| v as f32).collect(), &[1, 4, 4, 1])?;
    assert_eq!(p.forward(&q, false)?.to_vec_f32()?, vec![5.0, 7.0, 13.0, 15.0]);
    let a = AvgPool2d::new(PoolConfig::new([2, 2]))?;
    assert_eq!(a.forward(&q, false)?.to_vec_f32()?, vec![2.5, 4.5, 10.5, 12.5]);
    let f = Flatten::new(FlattenConfig::default())?;
    assert_eq!(f.forward(&q, false)?.shape(), &[1, 16]);
    Ok(())
}

#[test]
fn dropout_is_identity_at_inference_and_scales_in_training() -> Result<()> {
    let dev = dev();
    let d = Dropout::new(DropoutConfig::new(0.5).seed(9))?;
    let x = ferroflow::ops::creation::ones(&dev, &[4000], ferroflow::DType::F32)?;
    assert_eq!(d.forward(&x, false)?.to_vec_f32()?, vec![1.0; 4000]);
    let a = d.forward(&x, true)?.to_vec_f32()?;
    let b = d.forward(&x, true)?.to_vec_f32()?;
    assert!(a.iter().all(|&v| v == 0.0 || v == 2.0));
    let kept = a.iter().filter(|&&v| v > 0.0).count();
    assert!((1800..2200).contains(&kept), "kept {kept}");
    assert_ne!(a, b, "each training call must draw a fresh mask");
    Ok(())
}

#[test]
fn batch_norm_uses_batch_stats_and_updates_moving_averages() -> Result<()> {
    let dev = dev();
    let bn = BatchNorm::new(&dev, BatchNormConfig::new(2).momentum(0.9).epsilon(1e-3))?;
    let x = t(&dev, vec![1.0, 10.0, 3.0, 20.0], &[2, 2])?;
    let y = bn.forward(&x, true)?.to_vec_f32()?;
    // Per channel: mean (2, 15), var (1, 25).
    let s0 = 1.0 / (1.0f64 + 1e-3).sqrt();
    let s1 = 5.0 / (25.0f64 + 1e-3).sqrt();
    close(&y, &[-s0, -s1, s0, s1], 1e-5);
    let vars = bn.variables();
    let names: Vec<&str> = vars.iter().map(|v| v.name()).collect();
    assert!(names[2].ends_with("moving_mean") && names[3].ends_with("moving_variance"));
    close(&vars[2].value().to_vec_f32()?, &[0.2, 1.5], 1e-6);
    close(&vars[3].value().to_vec_f32()?, &[0.9 + 0.1, 0.9 + 2.5], 1e-6);
    assert_eq!(bn.trainable_variables().len(), 2);
    // Inference uses the moving statistics.
    let yi = bn.forward(&x, false)?.to_vec_f32()?;
    close(
        &yi,
        &[
            (1.0 - 0.2) / (1.0f64 + 1e-3).sqrt(),
            (10.0 - 1.5) / (3.4f64 + 1e-3).sqrt(),
            (3.0 - 0.2) / (1.0f64 + 1e-3).sqrt(),
            (20.0 - 1.5) / (3.4f64 + 1e-3).sqrt(),
        ],
        1e-5,
    );
    Ok(())
}

#[test]
fn embedding_gathers_rows() -> Result<()> {
    let dev = dev();
    let e = Embedding::new(&dev, EmbeddingConfig::new(5, 3).seed(2))?;
    let table = e.variables()[0].value().to_vec_f32()?;
    assert!(table.iter().all(|v| v.abs() <= 0.05));
    let ids = Tensor::from_host_on(HostData::I32(vec![4, 0, 4]), &[3], &dev)?;
    let out = e.forward(&ids, false)?;
    assert_eq!(out.shape(), &[3, 3]);
    let v = out.to_vec_f32()?;
    assert_eq!(&v[0..3], &table[12..15]);
    assert_eq!(&v[3..6], &table[0..3]);
    Ok(())
}

fn small_model(dev: &Device) -> Result<Sequential> {
    Sequential::from_configs(
        dev,
        "small",
        vec![
            LayerConfig::Conv2d(
                Conv2dConfig::new(1, 4, [3, 3])
                    .padding(PaddingConfig::Same)
                    .activation(Activation::Relu)
                    .name("c1")
                    .seed(1),
            ),
            LayerConfig::BatchNorm(BatchNormConfig::new(4).name("bn")),
            LayerConfig::MaxPool2d(PoolConfig::new([2, 2]).name("p1")),
            LayerConfig::Dropout(DropoutConfig::new(0.25).name("drop").seed(5)),
            LayerConfig::Flatten(FlattenConfig::default().name("f")),
            LayerConfig::Dense(
                DenseConfig::new(4 * 3 * 3, 8)
                    .activation(Activation::Tanh)
                    .name("d1")
                    .seed(2),
            ),
            LayerConfig::Activation(ActivationConfig::new(Activation::Relu).name("act")),
            LayerConfig::Dense(DenseConfig::new(8, 3).name("d2").seed(3)),
        ],
    )
}

#[test]
fn sequential_save_load_round_trip() -> Result<()> {
    let dev = dev();
    let model = small_model(&dev)?;
    let x = t(&dev, (0..2 * 36).map(|i| (i % 7) as f32 / 7.0).collect(), &[2, 6, 6, 1])?;
    // Train a few steps so weights and BatchNorm statistics differ from their initial values.
    let vars = model.trainable_variables();
    let y = Tensor::from_host_on(HostData::I32(vec![0, 2]), &[2], &dev)?;
    let mut opt = Adam::new(0.01);
    for _ in 0..3 {
        opt.minimize(&vars, &mut || {
            ferroflow::ops::losses::sparse_softmax_cross_entropy(&y, &model.forward(&x, true)?)
        })?;
    }
    let before = model.forward(&x, false)?.to_vec_f32()?;
    let dir = std::env::temp_dir().join(format!("ff-demos-roundtrip-{}", std::process::id()));
    io::save_model(&model, &dir)?;
    let loaded = io::load_model(&dir, &dev, &LoadLimits::default())?;
    assert_eq!(loaded.config(), model.config());
    assert_eq!(loaded.forward(&x, false)?.to_vec_f32()?, before);
    for (a, b) in model.variables().iter().zip(loaded.variables()) {
        assert_eq!(a.name(), b.name());
        assert_eq!(a.trainable(), b.trainable());
        assert_eq!(a.value().to_vec_f32()?, b.value().to_vec_f32()?);
    }
    // Tampering with one weight byte is caught by the hash.
    let wpath = dir.join(io::WEIGHTS_FILE);
    let mut bytes = std::fs::read(&wpath)?;
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    std::fs::write(&wpath, &bytes)?;
    assert!(matches!(
        io::load_model(&dir, &dev, &LoadLimits::default()),
        Err(ferroflow::Error::Format(_))
    ));
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

#[test]
fn sequential_rejects_duplicate_names() -> Result<()> {
    let dev = dev();
    let a: Box<dyn Module> = Box::new(Dense::new(&dev, DenseConfig::new(2, 2).name("x"))?);
    let b: Box<dyn Module> = Box::new(Dense::new(&dev, DenseConfig::new(2, 2).name("x"))?);
    assert!(Sequential::new("s", vec![a, b]).is_err());
    Ok(())
}

/// Core issue (reported): `Prim::Rand`'s seed is part of the kernel (`Source::Rand { seed }`), so
/// every dropout call with a fresh seed compiles new kernels and the device's kernel cache grows
/// without bound during training.
#[test]
fn dropout_training_reuses_compiled_kernels() -> Result<()> {
    let dev = dev();
    let d = Dropout::new(DropoutConfig::new(0.5).seed(1))?;
    let x = ferroflow::ops::creation::ones(&dev, &[64], ferroflow::DType::F32)?;
    d.forward(&x, true)?.to_vec_f32()?;
    let after_first = dev.cached_kernels();
    for _ in 0..5 {
        d.forward(&x, true)?.to_vec_f32()?;
    }
    assert_eq!(dev.cached_kernels(), after_first);
    Ok(())
}

/// A dense or conv layer with bias and activation is one kernel: the scheduler fuses the
/// elementwise tail into the matmul/conv as its epilogue.
#[test]
fn dense_and_conv_layers_are_one_kernel_each() -> Result<()> {
    let dev = dev();
    let d = Dense::new(&dev, DenseConfig::new(6, 5).activation(Activation::Relu).seed(1))?;
    let x = t(&dev, (0..12).map(|v| v as f32 / 7.0 - 0.8).collect(), &[2, 6])?;
    let before = dev.stats().executed;
    let y = d.forward(&x, false)?;
    y.realize()?;
    assert_eq!(
        dev.stats().executed - before,
        1,
        "dense + bias + relu should be one kernel"
    );
    let k = d.variables()[0].value().to_vec_f32()?;
    let xs = x.to_vec_f32()?;
    let want: Vec<f64> = (0..2)
        .flat_map(|r| {
            let (k, xs) = (&k, &xs);
            (0..5).map(move |j| {
                let s: f64 = (0..6).map(|i| f64::from(xs[r * 6 + i]) * f64::from(k[i * 5 + j])).sum();
                s.max(0.0)
            })
        })
        .collect();
    close(&y.to_vec_f32()?, &want, 1e-6);

    let c = Conv2d::new(
        &dev,
        Conv2dConfig::new(2, 3, [3, 3])
            .padding(PaddingConfig::Same)
            .activation(Activation::Relu6)
            .seed(2),
    )?;
    let img = t(&dev, (0..50).map(|v| (v % 7) as f32 - 3.0).collect(), &[1, 5, 5, 2])?;
    let before = dev.stats().executed;
    c.forward(&img, false)?.realize()?;
    assert_eq!(
        dev.stats().executed - before,
        1,
        "conv + bias + relu6 should be one kernel"
    );
    Ok(())
}

/// A matmul whose biased result feeds two consumers runs once: the biased result is stored by
/// one fused kernel and both consumers read it (rather than each fusing, and redoing, the matmul).
#[test]
fn shared_matmul_epilogue_is_computed_once() -> Result<()> {
    let dev = dev();
    let x = t(&dev, (0..12).map(|v| v as f32 / 5.0 - 1.0).collect(), &[3, 4])?;
    let w = t(&dev, (0..8).map(|v| v as f32 / 3.0 - 1.2).collect(), &[4, 2])?;
    let b = t(&dev, vec![0.5, -0.25], &[2])?;
    let h = x.matmul(&w, false, false)?.add(&b)?;
    let (y, z) = (h.relu()?, h.mul(2.0f32)?);
    let before = dev.stats().executed;
    ferroflow::schedule::realize(&[&y, &z])?;
    // fused matmul+bias, then the two consumers (each may not recompute the matmul).
    assert_eq!(dev.stats().executed - before, 3);
    let hv = h.to_vec_f32()?;
    let want: Vec<f64> = hv.iter().map(|&v| f64::from(v).max(0.0)).collect();
    close(&y.to_vec_f32()?, &want, 1e-6);
    Ok(())
}

/// Keras losses and metrics by name, as `compile` uses them, against TF.js's formulas worked by
/// hand: per-example values, and the metric resolution TF.js does for 'accuracy'.
#[test]
fn losses_and_metrics_by_keras_name() -> Result<()> {
    use ferroflow::nn::losses::LossKind;
    use ferroflow::nn::metrics::MetricKind;
    let dev = dev();
    let y_true = t(&dev, vec![0.0, 1.0, 1.0, 0.0], &[2, 2])?;
    let y_pred = t(&dev, vec![0.2, 0.8, 0.6, 0.4], &[2, 2])?;
    let per = |name: &str| -> Result<Vec<f32>> {
        let kind = LossKind::from_name(name).expect("a Keras loss name");
        kind.per_example(&y_true, &y_pred)?.to_vec_f32()
    };
    close(&per("mse")?, &[0.04, 0.16], 1e-6);
    close(&per("meanAbsoluteError")?, &[0.2, 0.4], 1e-6);
    close(
        &per("categoricalCrossentropy")?,
        &[-(0.8f64.ln()), -(0.6f64.ln())],
        1e-6,
    );
    assert_eq!(LossKind::from_name("softmaxCrossEntropy"), None);

    let loss = Some(LossKind::CategoricalCrossentropy);
    let (key, acc) = MetricKind::from_name("accuracy", loss, 2).expect("accuracy resolves");
    assert_eq!((key.as_str(), acc), ("acc", MetricKind::CategoricalAccuracy));
    close(&acc.batch_value(&y_true, &y_pred)?.to_vec_f32()?, &[1.0], 0.0);
    let sparse = MetricKind::from_name("acc", Some(LossKind::SparseCategoricalCrossentropy), 2);
    assert_eq!(sparse.map(|m| m.1), Some(MetricKind::SparseCategoricalAccuracy));
    assert_eq!(
        MetricKind::from_name("acc", None, 1).map(|m| m.1),
        Some(MetricKind::BinaryAccuracy)
    );
    assert_eq!(MetricKind::from_name("f1", loss, 2), None);
    Ok(())
}

/// `nn::train::fit` against the same training written out by hand (`Optimizer::minimize` over the
/// same batches): equal weights, epoch losses that are example-weighted batch means, validation on
/// the last examples before shuffling; seeded shuffling repeats; a user-written loss equal to MSE
/// trains identically; bad options are errors.
#[test]
fn fit_matches_a_hand_written_training_loop() -> Result<()> {
    use ferroflow::nn::train::{self, FitOptions, Loss, Objective};
    let dev = dev();
    let n = 12;
    let xs: Vec<f32> = (0..n * 2).map(|i| ((i * 7 % 11) as f32 - 5.0) / 4.0).collect();
    let ys: Vec<f32> = xs.chunks(2).map(|p| p[0] - 2.0 * p[1] + 0.5).collect();
    let x = t(&dev, xs, &[n, 2])?;
    let y = t(&dev, ys, &[n, 1])?;
    let model = || Sequential::from_configs(&dev, "m", vec![LayerConfig::Dense(DenseConfig::new(2, 1).seed(3))]);
    let weights = |m: &Sequential| -> Result<Vec<f32>> {
        let mut w = vec![];
        for v in m.variables() {
            w.extend(v.value().to_vec_f32()?);
        }
        Ok(w)
    };
    let mse = |yt: &Tensor, yp: &Tensor| yp.sub(yt)?.square()?.mean(&[], false);

    let opts = FitOptions {
        epochs: 2,
        batch_size: 4,
        shuffle: false,
        validation_split: 0.25,
        ..FitOptions::default()
    };
    let fitted = model()?;
    let objective = Objective::keras("meanSquaredError", &["mae"], 1)?;
    let mut seen = 0;
    let history = train::fit(&fitted, &mut Sgd::new(0.1), &objective, &x, &y, &opts, &mut |logs| {
        seen += 1;
        assert_eq!(logs.epoch + 1, seen);
        Ok(())
    })?;
    assert_eq!(history.names, ["loss", "mae"]);
    assert_eq!(history.epochs.len(), 2);

    // By hand: 9 training examples in batches of 4, 4 and 1; the last 3 examples validate.
    let by_hand = model()?;
    let mut sgd = Sgd::new(0.1);
    let vars = by_hand.trainable_variables();
    for epoch in &history.epochs {
        let mut sum = 0.0f64;
        for (b, e) in [(0, 4), (4, 8), (8, 9)] {
            let (xb, yb) = (train::rows(&x, b, e)?, train::rows(&y, b, e)?);
            let loss = sgd.minimize(&vars, &mut || mse(&yb, &by_hand.forward(&xb, true)?))?;
            sum += f64::from(loss.item()?) * (e - b) as f64;
        }
        close(&epoch.values[..1], &[sum / 9.0], 1e-5);
        let (vx, vy) = (train::rows(&x, 9, 12)?, train::rows(&y, 9, 12)?);
        let val = mse(&vy, &by_hand.forward(&vx, false)?)?.item()?;
        let validation = epoch
            .validation
            .as_ref()
            .expect("a validation split reports validation values");
        close(&validation[..1], &[f64::from(val)], 1e-5);
    }
    let expect: Vec<f64> = weights(&by_hand)?.into_iter().map(f64::from).collect();
    close(&weights(&fitted)?, &expect, 1e-5);

    // Seeded shuffling repeats itself; a user-written MSE trains exactly like the built-in one.
    let shuffled = FitOptions {
        epochs: 3,
        seed: 9,
        ..FitOptions::default()
    };
    let run = |objective: &Objective| -> Result<(Vec<f32>, Vec<f32>)> {
        let m = model()?;
        let h = train::fit(
            &m,
            &mut Sgd::new(0.05),
            objective,
            &x,
            &y,
            &FitOptions {
                batch_size: 5,
                ..shuffled.clone()
            },
            &mut |_| Ok(()),
        )?;
        Ok((h.epochs.iter().map(|e| e.values[0]).collect(), weights(&m)?))
    };
    let builtin = Objective::keras("mse", &[], 1)?;
    let custom = Objective::new(Loss::Custom(Box::new(move |yt: &Tensor, yp: &Tensor| {
        yp.sub(yt)?.square()?.mean(&[1], false)
    })));
    let (a, b, c) = (run(&builtin)?, run(&builtin)?, run(&custom)?);
    assert_eq!(a, b, "the same seed gives the same order");
    let a64: Vec<f64> = a.1.iter().map(|&v| f64::from(v)).collect();
    close(&c.1, &a64, 1e-6);
    assert!(a.0[2] < a.0[0], "the loss falls: {:?}", a.0);

    // Predict in batches equals one forward pass; bad options are errors, not panics.
    let p = train::predict(&fitted, &x, 5)?.to_vec_f32()?;
    let whole: Vec<f64> = fitted
        .forward(&x, false)?
        .to_vec_f32()?
        .into_iter()
        .map(f64::from)
        .collect();
    close(&p, &whole, 1e-6);
    let bad = |o: FitOptions| train::fit(&fitted, &mut Sgd::new(0.1), &objective, &x, &y, &o, &mut |_| Ok(()));
    assert!(bad(FitOptions {
        validation_split: 1.0,
        ..FitOptions::default()
    })
    .is_err());
    assert!(bad(FitOptions {
        batch_size: 0,
        ..FitOptions::default()
    })
    .is_err());
    let short = train::rows(&y, 0, 5)?;
    let e = train::fit(
        &fitted,
        &mut Sgd::new(0.1),
        &objective,
        &x,
        &short,
        &FitOptions::default(),
        &mut |_| Ok(()),
    );
    assert!(e.unwrap_err().to_string().contains("x has 12 examples but y has 5"));
    assert!(Objective::keras("mse", &["mae", "mae"], 1).is_err());
    Ok(())
}
