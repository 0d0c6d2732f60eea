//! Runs every conformance family on every present backend. Each test collects all failing cases
//! of its family (with the max error) and fails once at the end, so one run shows every problem.
//! Backends that are not present are printed with the reason they were skipped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferroflow_tests::cases;
use ferroflow_tests::conformance::{backends::backends, run_all};

fn run_family(name: &str) {
    let cases = cases::family(name).expect("known family");
    let registry = backends();
    for b in &registry {
        if let Err(reason) = &b.device {
            eprintln!("[{name}] backend {}: SKIPPED ({reason})", b.name);
        }
    }
    assert!(
        registry.iter().any(|b| b.device.is_ok()),
        "no backend is present: nothing was tested"
    );
    let outcomes = run_all(&cases, &registry);
    let ran = outcomes.iter().filter(|o| o.forward.word() != "skip").count();
    let failures: Vec<String> = outcomes.iter().filter(|o| o.failed()).map(|o| o.describe()).collect();
    eprintln!(
        "[{name}] {} cases, {ran} case x backend runs, {} failing",
        cases.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} failing in family {name}:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn creation() {
    run_family("creation");
}

#[test]
fn arithmetic() {
    run_family("arithmetic");
}

#[test]
fn math() {
    run_family("math");
}

#[test]
fn logic() {
    run_family("logic");
}

#[test]
fn reduce() {
    run_family("reduce");
}

#[test]
fn linalg() {
    run_family("linalg");
}

#[test]
fn nn() {
    run_family("nn");
}

#[test]
fn movement() {
    run_family("movement");
}

#[test]
fn activation() {
    run_family("activation");
}

#[test]
fn losses() {
    run_family("losses");
}

#[test]
fn fusion() {
    run_family("fusion");
}

#[test]
fn every_family_has_a_test() {
    let names: Vec<&str> = cases::FAMILIES.iter().map(|f| f.name).collect();
    assert_eq!(
        names,
        [
            "creation",
            "arithmetic",
            "math",
            "logic",
            "reduce",
            "linalg",
            "nn",
            "movement",
            "activation",
            "losses",
            "fusion"
        ]
    );
}

#[test]
fn table_covers_at_least_80_ops() {
    let mut ops: Vec<&str> = cases::all().iter().map(|c| c.op).collect();
    ops.sort_unstable();
    ops.dedup();
    assert!(ops.len() >= 80, "only {} distinct ops: {ops:?}", ops.len());
}

/// The checker itself must catch a wrong gradient and a wrong forward value (not pass vacuously).
#[test]
fn harness_detects_wrong_gradient_and_wrong_values() {
    use ferroflow::autograd::custom_grad_fn;
    use ferroflow_tests::conformance::reference::map;
    use ferroflow_tests::conformance::{backends::present, run_case, Arr, Case, Status, Tol};

    let x = Arr::f32(&[2, 3], vec![0.5, -1.0, 2.0, 1.5, -0.25, 0.75]);
    // square with a VJP that forgets the factor 2.
    let wrong_grad = Case::new("square", vec![x.clone()], |t| {
        let y = t[0].square()?;
        let x0 = t[0].clone();
        custom_grad_fn(&[t[0].clone()], &y, move |g| Ok(vec![g.mul(&x0)?]))
    })
    .reference(|a| map(&a[0], ferroflow::DType::F32, |v| v * v))
    .grad(Tol::GRAD);
    let wrong_value = Case::new("square", vec![x.clone()], |t| t[0].square())
        .reference(|a| map(&a[0], ferroflow::DType::F32, |v| v * v + 1e-3))
        .grad(Tol::GRAD);
    let right = Case::new("square", vec![x], |t| t[0].square())
        .reference(|a| map(&a[0], ferroflow::DType::F32, |v| v * v))
        .grad(Tol::GRAD);
    for (name, dev) in present() {
        let dev = Ok(dev);
        let o = run_case(&wrong_grad, name, &dev);
        assert_eq!(o.forward, Status::Pass, "{}", o.describe());
        assert!(o.grad.is_fail(), "wrong VJP not caught: {}", o.describe());
        let o = run_case(&wrong_value, name, &dev);
        assert!(o.forward.is_fail() && o.grad == Status::Pass, "{}", o.describe());
        let o = run_case(&right, name, &dev);
        assert!(!o.failed(), "{}", o.describe());
    }
}
