//! Finite-difference gradient check. For `loss = sum_k sum(out_k * w_k)` with fixed random
//! weights `w_k`, the analytic gradient (`autograd::grad` on the backend) is compared with central
//! differences `(loss(x + eps e_j) - loss(x - eps e_j)) / (2 eps)`, where each loss is a forward
//! pass on the same backend, read back and summed on the host in f64. Reads are async
//! ([`check_async`]); [`check`] blocks on it.

use ferroflow::autograd::grad;
use ferroflow::{DType, Device, Tensor};

use super::{eval_async, upload, Arr, Case, GradSpec, Rng, Status};

/// Fixed random weights for each output, uniform in [-1, 1) (f32-rounded).
fn weights(case: &Case, shapes: &[Vec<usize>]) -> Vec<Arr> {
    let mut rng = Rng::from_name(&format!("grad-weights/{}", case.label()));
    shapes
        .iter()
        .map(|s| Arr::f32(s, rng.uniform(s.iter().product(), -1.0, 1.0)))
        .collect()
}

fn weighted_sum(outs: &[Arr], ws: &[Arr]) -> f64 {
    outs.iter()
        .zip(ws)
        .map(|(o, w)| o.data.iter().zip(&w.data).map(|(a, b)| a * b).sum::<f64>())
        .sum()
}

/// Analytic gradients of `sum(out * w)` with respect to the inputs in `wrt`.
async fn analytic(case: &Case, dev: &Device, wrt: &[usize]) -> Result<(Vec<Arr>, Vec<Vec<f64>>), String> {
    let xs = upload(dev, &case.inputs).map_err(|e| format!("upload: {e}"))?;
    let outs = (case.forward)(dev, &xs).map_err(|e| format!("forward returned an error: {e}"))?;
    if let Some(o) = outs.iter().find(|o| o.dtype() != DType::F32) {
        return Err(format!(
            "output {o:?} is not float32: case should not be marked differentiable"
        ));
    }
    let shapes: Vec<Vec<usize>> = outs.iter().map(|o| o.shape().to_vec()).collect();
    let ws = weights(case, &shapes);
    let mut loss: Option<Tensor> = None;
    for (o, w) in outs.iter().zip(&ws) {
        let wt = Tensor::from_host_on(w.to_host(), &w.shape, dev).map_err(|e| e.to_string())?;
        let term = o
            .mul(&wt)
            .and_then(|p| p.sum(&[], false))
            .map_err(|e| format!("building the loss: {e}"))?;
        loss = Some(match loss {
            None => term,
            Some(l) => l.add(&term).map_err(|e| e.to_string())?,
        });
    }
    let loss = loss.ok_or("op has no outputs")?;
    let refs: Vec<&Tensor> = wrt.iter().map(|&i| &xs[i]).collect();
    let gs = grad(&loss, &refs).map_err(|e| format!("grad returned an error: {e}"))?;
    let mut vals = vec![];
    for (g, &i) in gs.iter().zip(wrt) {
        if g.shape() != case.inputs[i].shape.as_slice() {
            return Err(format!(
                "gradient of input {i} has shape {:?}, input has {:?}",
                g.shape(),
                case.inputs[i].shape
            ));
        }
        vals.push(
            g.to_vec_f32_async()
                .await
                .map_err(|e| format!("reading gradient {i}: {e}"))?
                .into_iter()
                .map(f64::from)
                .collect(),
        );
    }
    Ok((ws, vals))
}

/// The loss `sum_k sum(out_k * w_k)` of a forward pass at `inputs`, summed on the host.
async fn loss_at(case: &Case, dev: &Device, inputs: &[Arr], ws: &[Arr]) -> Result<f64, String> {
    let outs = eval_async(case, dev, inputs)
        .await
        .map_err(|e| format!("forward during finite differences: {e}"))?;
    Ok(weighted_sum(&outs, ws))
}

/// [`check_async`], blocking.
pub fn check(case: &Case, dev: &Device, spec: &GradSpec) -> Status {
    pollster::block_on(check_async(case, dev, spec))
}

/// Runs the check; `Pass` or `Fail` with the worst element.
pub async fn check_async(case: &Case, dev: &Device, spec: &GradSpec) -> Status {
    let wrt: Vec<usize> = match &spec.wrt {
        Some(w) => w.clone(),
        None => (0..case.inputs.len())
            .filter(|&i| case.inputs[i].dtype == DType::F32)
            .collect(),
    };
    if wrt.is_empty() {
        return Status::NotApplicable;
    }
    let (ws, grads) = match analytic(case, dev, &wrt).await {
        Ok(v) => v,
        Err(e) => return Status::Fail(e),
    };
    let mut worst: Option<(f64, String)> = None;
    let mut checked = 0usize;
    for (g, &i) in grads.iter().zip(&wrt) {
        for j in 0..case.inputs[i].numel() {
            let x = case.inputs[i].data[j];
            let (mut plus, mut minus) = (case.inputs.to_vec(), case.inputs.to_vec());
            plus[i].data[j] = (x + spec.eps) as f32 as f64;
            minus[i].data[j] = (x - spec.eps) as f32 as f64;
            let step = plus[i].data[j] - minus[i].data[j];
            let (lp, lm) = match (
                loss_at(case, dev, &plus, &ws).await,
                loss_at(case, dev, &minus, &ws).await,
            ) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(e), _) | (_, Err(e)) => return Status::Fail(e),
            };
            let numeric = (lp - lm) / step;
            let a = g[j];
            let err = (a - numeric).abs();
            let allowed = spec.tol.atol + spec.tol.rtol * a.abs().max(numeric.abs());
            checked += 1;
            // NaN errors fail too, hence `le` negated rather than `>`.
            if !err.le(&allowed) && worst.as_ref().is_none_or(|(w, _)| err > *w || w.is_nan()) {
                let at = super::reference::unravel(j, &case.inputs[i].shape);
                worst = Some((
                    err,
                    format!("input {i} at {at:?}: analytic {a:.6e}, finite difference {numeric:.6e}"),
                ));
            }
        }
    }
    match worst {
        None => Status::Pass,
        Some((err, at)) => Status::Fail(format!(
            "max error {err:.3e} ({at}; {checked} elements, eps {:e}, rtol {:e}, atol {:e})",
            spec.eps, spec.tol.rtol, spec.tol.atol
        )),
    }
}
