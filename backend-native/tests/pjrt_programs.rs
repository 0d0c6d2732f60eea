//! What the program scheduler promises on a program backend (PJRT): a training step is ONE
//! program, compiled once for every later step (a new dropout seed is a parameter, not a
//! constant), and values the caller still holds (the loss, the logits) come out of that same
//! program, so reading them runs nothing. Skipped, with the reason, when no plugin is set.

#![cfg(feature = "pjrt")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ferroflow_core::nn::{Dense, DenseConfig, Dropout, DropoutConfig, Module};
use ferroflow_core::ops::losses;
use ferroflow_core::optim::{Adam, Optimizer};
use ferroflow_core::{HostData, Tensor};

#[test]
fn a_training_step_is_one_program_compiled_once() {
    let dev = match ferroflow_native::pjrt() {
        Ok(d) => d,
        Err(e) => {
            println!("skipped: pjrt backend unavailable: {e}");
            return;
        }
    };
    let x = Tensor::from_host_on(HostData::F32((0..24).map(|i| i as f32 / 10.0).collect()), &[6, 4], &dev).unwrap();
    let y = Tensor::from_host_on(HostData::F32((0..18).map(|i| (i % 5) as f32).collect()), &[6, 3], &dev).unwrap();
    let dense = Dense::new(&dev, DenseConfig::new(4, 3).seed(3)).unwrap();
    let dropout = Dropout::new(DropoutConfig::new(0.25)).unwrap();
    let vars = dense.trainable_variables();
    let mut opt = Adam::new(0.01);
    let mut losses_seen = vec![];
    for step in 0..3 {
        let before = dev.stats();
        let mut logits = None;
        let loss = opt
            .minimize(&vars, &mut || {
                let l = dropout.forward(&dense.forward(&x, true)?, true)?;
                logits = Some(l.clone());
                losses::mean_squared_error(&y, &l)
            })
            .unwrap();
        let after_step = dev.stats();
        let logits = logits.unwrap();
        assert!(
            logits.is_realized(),
            "held logits were not returned by the step's program"
        );
        let _ = logits.to_vec_f32().unwrap();
        // (Step 0 also realizes Adam's zero-initialized slots, one small program each.)
        if step > 0 {
            let ran = after_step.executed - before.executed;
            assert_eq!(ran, 1, "step {step} ran {ran} programs");
            assert_eq!(after_step.compiled, before.compiled, "step {step} compiled again");
        }
        losses_seen.push(loss.item().unwrap());
        // The loss is not an input of the update (d mean/dx needs no forward value), so reading
        // it is the one small extra program; the logits above cost nothing.
        assert!(dev.stats().executed - after_step.executed <= 1);
    }
    assert!(losses_seen.iter().all(|l| l.is_finite()), "{losses_seen:?}");
}
