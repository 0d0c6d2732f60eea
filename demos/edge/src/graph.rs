//! TF.js graph models (a `model.json` with `"format": "graph-model"`, as `tensorflowjs_converter`
//! writes them) on pictures: each PNG is read as RGB, scaled to [0, 1] and resized bilinearly to
//! the model's input size (as TF.js's `image.resizeBilinear` does), run as a batch of one, and the
//! first output's top classes are reported; `--bench` times repeated runs of the first picture.

use std::path::Path;
use std::time::{Duration, Instant};

use ferroflow::io::LoadLimits;
use ferroflow::tfjs::GraphModel;
use ferroflow::{Device, HostData, Tensor};
use serde_json::{json, Value};

use crate::cli::Args;
use crate::image::{read_picture, resize_bilinear};
use crate::run::{note, out, Outcome};
use crate::stats;

/// Whether `dir/model.json` is a TF.js graph model (its `format` says so).
pub fn is_graph_model(dir: &Path) -> bool {
    let path = dir.join("model.json");
    let small =
        std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() <= LoadLimits::default().max_topology_bytes);
    let Ok(bytes) = std::fs::read(&path)
        .map_err(|_| ())
        .and_then(|b| if small { Ok(b) } else { Err(()) })
    else {
        return false;
    };
    serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| v.get("format").and_then(Value::as_str).map(str::to_string))
        .as_deref()
        == Some("graph-model")
}

/// The input size `[height, width]` of an NHWC image model with 3 channels.
fn input_size(m: &GraphModel) -> Result<[usize; 2], String> {
    let info = match m.inputs() {
        [one] => one,
        all => {
            return Err(format!(
                "the model has {} inputs; pictures feed models with one",
                all.len()
            ))
        }
    };
    match info.shape.as_deref() {
        Some([_, Some(h), Some(w), Some(3)]) => Ok([*h, *w]),
        other => Err(format!(
            "input {:?} has shape {other:?}; pictures feed [batch, height, width, 3] inputs",
            info.name
        )),
    }
}

fn run_one(m: &GraphModel, dev: &Device, pixels: Vec<f32>, hw: [usize; 2]) -> Result<(Vec<f32>, Duration), String> {
    let t0 = Instant::now();
    let x = Tensor::from_host_on(HostData::F32(pixels), &[1, hw[0], hw[1], 3], dev).map_err(|e| e.to_string())?;
    let y = m.predict(&[x]).map_err(|e| e.to_string())?;
    let first = y.first().ok_or("the model has no outputs")?;
    let v = first.to_vec_f32().map_err(|e| e.to_string())?;
    Ok((v, t0.elapsed()))
}

fn top(row: &[f32], k: usize) -> Vec<(usize, f32)> {
    let mut idx: Vec<(usize, f32)> = row.iter().copied().enumerate().collect();
    idx.sort_by(|a, b| b.1.total_cmp(&a.1));
    idx.truncate(k);
    idx
}

/// Runs a graph model on `a.images`.
pub fn run(a: &Args, dir: &Path, dev: &Device) -> Result<Outcome, String> {
    if a.images.is_empty() {
        return Err(format!(
            "{} is a TF.js graph model: give pictures with --image FILE.png",
            dir.display()
        ));
    }
    let t0 = Instant::now();
    let m = GraphModel::load_dir(dir, dev, &LoadLimits::default()).map_err(|e| format!("{}: {e}", dir.display()))?;
    let hw = input_size(&m)?;
    note(&format!(
        "TF.js graph model {}: {} ops ({}), input {:?} [1, {}, {}, 3], loaded in {:.0} ms",
        dir.display(),
        m.ops().len(),
        m.ops().join(", "),
        m.inputs()[0].name,
        hw[0],
        hw[1],
        t0.elapsed().as_secs_f64() * 1e3
    ));
    let mut results = vec![];
    let mut first_pixels = None;
    for path in &a.images {
        let pic = read_picture(path)?;
        let pixels = resize_bilinear(&pic, hw[0], hw[1]);
        if first_pixels.is_none() {
            first_pixels = Some(pixels.clone());
        }
        let (out_row, latency) = run_one(&m, dev, pixels, hw).map_err(|e| format!("{}: {e}", path.display()))?;
        results.push((path.display().to_string(), out_row, latency));
    }
    let bench = match (&first_pixels, a.bench) {
        (Some(px), true) => {
            for _ in 0..a.warmup {
                run_one(&m, dev, px.clone(), hw)?;
            }
            let mut lat = Vec::with_capacity(a.iters);
            for _ in 0..a.iters {
                lat.push(run_one(&m, dev, px.clone(), hw)?.1);
            }
            stats::percentiles(&lat)
        }
        _ => None,
    };
    if a.json {
        let images: Vec<Value> = results
            .iter()
            .map(|(src, row, lat)| {
                json!({"source": src, "outputs": row, "top": top(row, 5), "latency_ms": lat.as_secs_f64() * 1e3})
            })
            .collect();
        let v = json!({
            "model": dir.display().to_string(),
            "backend": dev.name(),
            "images": images,
            "bench": bench.map(|b| b.to_json()),
        });
        out(&v.to_string())?;
    } else {
        for (src, row, lat) in &results {
            let t: Vec<String> = top(row, 5).iter().map(|(i, p)| format!("{i}: {p:.4}")).collect();
            out(&format!(
                "{src}: top {} ({:.1} ms)",
                t.join(", "),
                lat.as_secs_f64() * 1e3
            ))?;
        }
        if let Some(b) = bench {
            out(&format!(
                "bench on {} ({}): {} runs of batch 1, p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
                dev.name(),
                dev.description(),
                b.n,
                b.p50,
                b.p90,
                b.p99,
                b.max
            ))?;
        }
    }
    Ok(Outcome::Ok)
}
