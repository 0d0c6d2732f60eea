//! The schedule cache (core/src/schedule/plan.rs): a graph whose structure repeats is scheduled
//! once and then replayed, with results identical to scheduling it again; graphs that differ in
//! anything a kernel depends on (constants, which leaves share a buffer, shapes) never share a
//! schedule. Runs on every present backend (on PJRT the schedule is one step, the program).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferroflow::ops::creation;
use ferroflow::variable::assign_all;
use ferroflow::{autograd, Device, Tensor, Variable};
use ferroflow_tests::conformance::backends::present;

fn backends() -> Vec<(&'static str, Device)> {
    let all = present();
    assert!(!all.is_empty(), "the cpu backend is always present");
    all
}

/// One SGD step of a 2-layer MLP with dropout (a fresh random seed per step, as training has).
fn mlp_step(dev: &Device, vars: &[Variable], x: &Tensor, y: &Tensor, seed: u64) -> f32 {
    let h = x
        .matmul(&vars[0].value(), false, false)
        .unwrap()
        .add(vars[1].value())
        .unwrap()
        .relu()
        .unwrap();
    let keep = creation::random_bernoulli(dev, h.shape(), 0.8, seed).unwrap();
    let h = h.mul(&keep).unwrap().mul(1.25f32).unwrap();
    let logits = h.matmul(&vars[2].value(), false, false).unwrap();
    let loss = ferroflow::ops::losses::softmax_cross_entropy(y, &logits, 0.0).unwrap();
    let values: Vec<Tensor> = vars.iter().map(|v| v.value()).collect();
    let refs: Vec<&Tensor> = values.iter().collect();
    let grads = autograd::grad(&loss, &refs).unwrap();
    let updates: Vec<(Variable, Tensor)> = vars
        .iter()
        .zip(&grads)
        .map(|(v, g)| (v.clone(), v.value().sub(g.mul(0.1f32).unwrap()).unwrap()))
        .collect();
    let mut targets: Vec<&Tensor> = updates.iter().map(|(_, t)| t).collect();
    targets.push(&loss);
    ferroflow::schedule::realize(&targets).unwrap();
    let l = loss.item().unwrap();
    assign_all(&updates).unwrap();
    l
}

fn train(dev: &Device, steps: usize) -> (Vec<f32>, Vec<Vec<f32>>) {
    let t = |shape: &[usize], seed: u64| creation::random_normal(dev, shape, 0.0, 0.5, seed).unwrap();
    let vars = vec![
        Variable::new("w1", &t(&[6, 8], 1), true).unwrap(),
        Variable::new("b1", &t(&[8], 2), true).unwrap(),
        Variable::new("w2", &t(&[8, 3], 3), true).unwrap(),
    ];
    // Inputs are data, realized before training (a pending input would make step 1 another graph).
    let x = t(&[5, 6], 4);
    let y = creation::tensor(dev, vec![0i32, 2, 1, 1, 0], &[5])
        .unwrap()
        .one_hot(3, 1.0, 0.0)
        .unwrap();
    ferroflow::schedule::realize(&[&x, &y]).unwrap();
    let losses = (0..steps)
        .map(|k| mlp_step(dev, &vars, &x, &y, 100 + k as u64))
        .collect();
    (losses, vars.iter().map(|v| v.value().to_vec_f32().unwrap()).collect())
}

#[test]
fn a_repeated_training_step_replays_its_schedule_with_identical_results() {
    for (name, dev) in backends() {
        let (reference, ref_weights) = {
            let fresh = ferroflow_tests::conformance::backends::open(name).unwrap();
            fresh.set_schedule_cache(false);
            train(&fresh, 4)
        };
        let (_, _) = train(&dev, 1); // warm: the step's graphs are scheduled once
        let before = dev.stats();
        let (losses, weights) = train(&dev, 4);
        let after = dev.stats();
        // Setting up the variables and reading values are graphs of their own; the step's
        // realize is always a replay now.
        assert_eq!(
            after.scheduled, before.scheduled,
            "{name}: a repeated step walked a graph again ({before:?} -> {after:?})"
        );
        assert!(after.replayed >= before.replayed + 4, "{name}: {before:?} -> {after:?}");
        assert_eq!(
            losses, reference,
            "{name}: replayed losses differ from freshly scheduled ones"
        );
        assert_eq!(weights, ref_weights, "{name}: replayed weights differ");
        assert!(losses[3] < losses[0], "{name}: the loss falls ({losses:?})");
    }
}

#[test]
fn graphs_that_differ_in_what_kernels_depend_on_do_not_share_a_schedule() {
    for (name, dev) in backends() {
        let a = creation::tensor(&dev, vec![1.0f32, 2.0, 3.0], &[3]).unwrap();
        let b = creation::tensor(&dev, vec![10.0f32, 20.0, 30.0], &[3]).unwrap();
        let c = creation::tensor(&dev, vec![-1.0f32, -2.0, -3.0], &[3]).unwrap();
        // Same structure, other buffers: a replay, with the new values.
        assert_eq!(
            a.mul(&b).unwrap().to_vec_f32().unwrap(),
            vec![10.0, 40.0, 90.0],
            "{name}"
        );
        let before = dev.stats();
        assert_eq!(
            a.mul(&c).unwrap().to_vec_f32().unwrap(),
            vec![-1.0, -4.0, -9.0],
            "{name}"
        );
        assert_eq!(
            dev.stats().replayed,
            before.replayed + 1,
            "{name}: same structure replays"
        );
        // One buffer read twice is another graph than two buffers.
        assert_eq!(a.mul(&a).unwrap().to_vec_f32().unwrap(), vec![1.0, 4.0, 9.0], "{name}");
        assert_eq!(
            b.mul(&c).unwrap().to_vec_f32().unwrap(),
            vec![-10.0, -40.0, -90.0],
            "{name}"
        );
        // Constants are part of the kernel.
        assert_eq!(
            a.add(1.0f32).unwrap().to_vec_f32().unwrap(),
            vec![2.0, 3.0, 4.0],
            "{name}"
        );
        assert_eq!(
            a.add(2.0f32).unwrap().to_vec_f32().unwrap(),
            vec![3.0, 4.0, 5.0],
            "{name}"
        );
        // Shapes too.
        let m = creation::tensor(&dev, vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]).unwrap();
        assert_eq!(
            m.sum(&[1], false).unwrap().to_vec_f32().unwrap(),
            vec![6.0, 15.0],
            "{name}"
        );
        assert_eq!(
            m.reshape(&[3, 2])
                .unwrap()
                .sum(&[1], false)
                .unwrap()
                .to_vec_f32()
                .unwrap(),
            vec![3.0, 7.0, 11.0],
            "{name}"
        );
    }
}

#[test]
fn a_schedule_is_a_value_that_runs_on_its_device() {
    let (_, dev) = backends().remove(0);
    let a = creation::tensor(&dev, vec![1.0f32, -2.0, 3.0, -4.0], &[2, 2]).unwrap();
    let y = a
        .relu()
        .unwrap()
        .matmul(&a, false, false)
        .unwrap()
        .sum(&[], false)
        .unwrap();
    let bound = ferroflow::schedule::schedule(&[&y]).unwrap().expect("y is pending");
    assert!(!bound.schedule().is_empty());
    assert!(!y.is_realized(), "scheduling runs nothing");
    dev.run(&bound).unwrap();
    // relu(a) = [[1,0],[3,0]]; relu(a) @ a = [[1,-2],[3,-6]]; the sum is -4.
    assert_eq!(y.to_vec_f32().unwrap(), vec![-4.0]);
    let other = ferroflow_tests::conformance::backends::open("cpu").unwrap();
    if other != dev {
        assert!(other.run(&bound).is_err(), "a schedule runs only on its device");
    }
}
