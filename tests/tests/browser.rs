//! The conformance suite in a real browser: every case of every family, forward and gradient, on
//! each backend that opens there (`cpu` = ferroflow-native single-threaded on wasm32; `wgpu` =
//! WebGPU once its entry in `conformance/backends.rs` is wired). Results are read back with the
//! async readback, as WebGPU in a page requires. Prints one line per family and a per-backend
//! summary (counts, every failure) to the browser console, which wasm-bindgen-test echoes, and
//! fails if any case fails.
//!
//! Run with `bash scripts/test-browser.sh` (headless Chromium through wasm-bindgen-test-runner).
//! Panics abort on wasm32, so a panicking case ends the run: the hook below names the case first.

#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::sync::Once;

use ferroflow_tests::cases;
use ferroflow_tests::conformance::backends::backends_async;
use ferroflow_tests::conformance::{run_case_async, Outcome};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(f: &js_sys::Function, ms: i32);
}

// What the page's own WebGPU reports about its adapter (wgpu's adapter info is empty in browsers).
#[wasm_bindgen(inline_js = "export async function webgpu_adapter_info() {
    if (!navigator.gpu) return 'navigator.gpu is missing (no WebGPU in this browser)';
    const a = await navigator.gpu.requestAdapter();
    if (!a) return 'navigator.gpu.requestAdapter() returned null';
    const i = a.info || {};
    return `vendor=${i.vendor} architecture=${i.architecture} device=${i.device} description=${i.description} fallback=${a.isFallbackAdapter ?? i.isFallbackAdapter}`;
}")]
extern "C" {
    async fn webgpu_adapter_info() -> JsValue;
}

thread_local! {
    /// The case and backend running now (for the panic hook).
    static CURRENT: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Prefixes a panic's own report with the case that was running.
fn name_the_case_on_panic() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            CURRENT.with(|c| {
                if !c.borrow().is_empty() {
                    console_log!("PANIC while running {}", c.borrow());
                }
            });
            previous(info);
        }));
    });
}

/// Lets the page's event loop run (console output, the test runner's polling) between families.
async fn yield_to_browser() {
    let p = js_sys::Promise::new(&mut |resolve, _reject| set_timeout(&resolve, 0));
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

fn count(outcomes: &[&Outcome], word: &str, grad: bool) -> usize {
    outcomes
        .iter()
        .filter(|o| (if grad { &o.grad } else { &o.forward }).word() == word)
        .count()
}

#[wasm_bindgen_test]
async fn every_case_on_every_backend() {
    name_the_case_on_panic();
    let registry = backends_async().await;
    console_log!(
        "WebGPU adapter per navigator.gpu: {}",
        webgpu_adapter_info().await.as_string().unwrap_or_default()
    );
    for b in &registry {
        match &b.device {
            Ok(d) => console_log!("backend {}: {}", b.name, d.description()),
            Err(reason) => console_log!("backend {}: SKIPPED: {reason}", b.name),
        }
    }
    assert!(
        registry.iter().any(|b| b.device.is_ok()),
        "no backend opened in this browser: nothing was tested"
    );

    let start = js_sys::Date::now();
    let mut outcomes: Vec<Outcome> = vec![];
    for family in cases::FAMILIES {
        let t0 = js_sys::Date::now();
        let cases = (family.cases)();
        let before = outcomes.len();
        for case in &cases {
            for b in &registry {
                CURRENT.with(|c| *c.borrow_mut() = format!("{} on {}", case.label(), b.name));
                outcomes.push(run_case_async(case, b.name, &b.device).await);
            }
        }
        let failing = outcomes[before..].iter().filter(|o| o.failed()).count();
        console_log!(
            "[{}] {} cases, {failing} failing, {:.1}s",
            family.name,
            cases.len(),
            (js_sys::Date::now() - t0) / 1e3
        );
        yield_to_browser().await;
    }
    CURRENT.with(|c| c.borrow_mut().clear());

    console_log!("summary: {:.1}s", (js_sys::Date::now() - start) / 1e3);
    for b in &registry {
        let mine: Vec<&Outcome> = outcomes.iter().filter(|o| o.backend == b.name).collect();
        if let Err(reason) = &b.device {
            console_log!("  {}: {} cases skipped ({reason})", b.name, mine.len());
            continue;
        }
        console_log!(
            "  {}: {} cases: forward {} pass, {} fail; grad {} pass, {} fail, {} n/a",
            b.name,
            mine.len(),
            count(&mine, "pass", false),
            count(&mine, "fail", false),
            count(&mine, "pass", true),
            count(&mine, "fail", true),
            count(&mine, "n/a", true)
        );
        for o in mine.iter().filter(|o| o.failed()) {
            console_log!("  FAIL {}", o.describe());
        }
    }
    let failures: Vec<String> = outcomes.iter().filter(|o| o.failed()).map(|o| o.describe()).collect();
    assert!(
        failures.is_empty(),
        "{} failing case x backend runs:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Full training steps in the page (forward, loss, backward, Adam update, loss read back
/// asynchronously) on every backend that opens: the loss falls, and nothing is compiled after
/// the first step (kernels and, on WebGPU, pipelines are replayed).
#[wasm_bindgen_test]
async fn training_steps_on_every_backend() {
    use ferroflow::nn::{Activation, DenseConfig, LayerConfig, Module, Sequential};
    use ferroflow::ops::losses;
    use ferroflow::optim::{Adam, Optimizer};
    use ferroflow::{HostData, Tensor};

    let mut trained = 0;
    for b in backends_async().await {
        let Ok(dev) = b.device else { continue };
        let dense = |i, o, act, seed| LayerConfig::Dense(DenseConfig::new(i, o).activation(act).seed(seed));
        let model = Sequential::from_configs(
            &dev,
            "mlp",
            vec![dense(12, 17, Activation::Relu, 1), dense(17, 5, Activation::Linear, 2)],
        )
        .unwrap();
        let vars = model.trainable_variables();
        let x = Tensor::from_host_on(
            HostData::F32((0..9 * 12).map(|i| (i % 7) as f32 / 7.0).collect()),
            &[9, 12],
            &dev,
        )
        .unwrap();
        let y = Tensor::from_host_on(HostData::I32((0..9).map(|i| i % 5).collect()), &[9], &dev).unwrap();
        let mut opt = Adam::new(0.05);
        let mut losses_seen = vec![];
        let mut after_first = (0, 0);
        for step in 0..5 {
            let loss = opt
                .minimize(&vars, &mut || {
                    losses::sparse_softmax_cross_entropy(&y, &model.forward(&x, true)?)
                })
                .unwrap();
            losses_seen.push(loss.to_vec_f32_async().await.unwrap()[0]);
            if step == 0 {
                after_first = (dev.stats().compiled, dev.programs_built());
            }
        }
        console_log!(
            "training on {}: loss {:?}; {} kernels / {} pipelines built on step 1",
            b.name,
            losses_seen,
            after_first.0,
            after_first.1
        );
        assert_eq!(
            (dev.stats().compiled, dev.programs_built()),
            after_first,
            "{}: compiled after step 1",
            b.name
        );
        assert!(
            losses_seen[4] < losses_seen[0],
            "{}: loss did not fall: {losses_seen:?}",
            b.name
        );
        trained += 1;
    }
    assert!(trained > 0, "no backend opened in this browser");
}
