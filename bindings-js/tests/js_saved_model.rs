//! A model saved by the npm package (`model.save('file://...')` in npm/test/layers.test.mjs)
//! loads natively with `ferroflow::io::load_model`, with no conversion, and predicts what it
//! predicted in JS. `scripts/test-npm.sh` runs this after the Node suite with
//! `FERROFLOW_JS_ARTIFACT` set to the saved folder; without it the test says it was skipped.

use std::path::PathBuf;

use ferroflow::io::{load_model, read_topology, LoadLimits};
use ferroflow::nn::LayerConfig;
use ferroflow::{HostData, Tensor};

#[test]
fn js_saved_model_loads_natively() -> Result<(), Box<dyn std::error::Error>> {
    let Some(dir) = std::env::var_os("FERROFLOW_JS_ARTIFACT").map(PathBuf::from) else {
        println!("skipped: FERROFLOW_JS_ARTIFACT is not set (scripts/test-npm.sh sets it after npm test)");
        return Ok(());
    };
    let expected: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("expected.json"))?)?;
    let floats = |k: &str| -> Vec<f32> {
        expected[k]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_f64()).map(|v| v as f32).collect())
            .unwrap_or_default()
    };
    let dims = |k: &str| -> Vec<usize> {
        expected[k]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_u64()).map(|v| v as usize).collect())
            .unwrap_or_default()
    };
    let (input, input_shape, want, want_shape) = (
        floats("input"),
        dims("inputShape"),
        floats("output"),
        dims("outputShape"),
    );
    assert!(!input.is_empty() && !want.is_empty(), "expected.json holds no data");

    let limits = LoadLimits::default();
    let LayerConfig::Sequential(topology) = read_topology(&dir, &limits)? else {
        return Err("the saved topology is not a Sequential model".into());
    };
    assert_eq!(
        topology.input_shape.as_deref(),
        input_shape.get(1..),
        "the input shape is recorded"
    );

    let dev = ferroflow::native::cpu();
    let model = load_model(&dir, &dev, &limits)?;
    let x = Tensor::from_host_on(HostData::F32(input), &input_shape, &dev)?;
    let y = model.forward(&x, false)?;
    assert_eq!(y.shape(), want_shape.as_slice());
    let got = y.to_vec_f32()?;
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-5 + 1e-4 * w.abs(),
            "output {i}: native {g} vs JS {w}"
        );
    }
    println!(
        "loaded {} ({} layers) and matched {} outputs",
        dir.display(),
        topology.layers.len(),
        got.len()
    );
    Ok(())
}

/// Runs a future that needs no waking (the CPU backend's readback is ready at once).
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    struct Noop;
    impl std::task::Wake for Noop {
        fn wake(self: std::sync::Arc<Self>) {}
    }
    let waker = std::task::Waker::from(std::sync::Arc::new(Noop));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// What the JS layers API relies on in core: a Sequential records its input shape (checked by
/// `forward`, kept through save/load), and `to_bytes_async` (used in pages, where WebGPU cannot
/// block) writes the same bytes as `to_bytes`.
#[test]
fn input_shape_and_async_serialization() -> Result<(), Box<dyn std::error::Error>> {
    use ferroflow::io::{save_model, to_bytes, to_bytes_async};
    use ferroflow::nn::{Activation, DenseConfig, FlattenConfig, Module, Sequential};

    let dev = ferroflow::native::cpu();
    let model = Sequential::from_configs(
        &dev,
        "shaped",
        vec![
            LayerConfig::Flatten(FlattenConfig::default().name("f")),
            LayerConfig::Dense(DenseConfig::new(6, 2).name("d").activation(Activation::Tanh).seed(3)),
        ],
    )?
    .with_input_shape(Some(vec![2, 3]))?;
    let x = Tensor::from_host_on(
        HostData::F32((0..12).map(|i| i as f32 / 10.0).collect()),
        &[2, 2, 3],
        &dev,
    )?;
    let y = model.forward(&x, false)?.to_vec_f32()?;
    let wrong = Tensor::from_host_on(HostData::F32(vec![0.0; 12]), &[2, 6], &dev)?;
    let err = model
        .forward(&wrong, false)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("expects inputs [batch, 2, 3], got [2, 6]"), "{err}");
    let deep = Sequential::new("deep", vec![])?.with_input_shape(Some(vec![1; 8]));
    assert!(deep.is_err(), "an input shape with more than 7 axes is refused");

    assert_eq!(block_on(to_bytes_async(&model))?, to_bytes(&model)?);
    let dir = std::env::temp_dir().join(format!("ff-js-shape-{}", std::process::id()));
    save_model(&model, &dir)?;
    let LayerConfig::Sequential(c) = read_topology(&dir, &LoadLimits::default())? else {
        return Err("not sequential".into());
    };
    assert_eq!(c.input_shape, Some(vec![2, 3]));
    let back = load_model(&dir, &dev, &LoadLimits::default())?;
    assert_eq!(back.forward(&x, false)?.to_vec_f32()?, y);
    assert!(
        back.forward(&wrong, false).is_err(),
        "the loaded model checks its input shape too"
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
