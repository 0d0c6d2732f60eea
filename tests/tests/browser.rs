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
