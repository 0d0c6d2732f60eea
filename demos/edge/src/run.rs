//! What the binary does: gather digits, optionally write them as PNGs, load the model, classify,
//! compare with expected predictions, benchmark, report.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};

use crate::cli::Args;
use crate::digits::{self, Digit};
use crate::model::{self, Classifier, Prediction};
use crate::stats::{self, Percentiles};
use crate::{backend, image};

/// How a successful run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// `--expect` found different labels (listed on stderr).
    Mismatch,
}

/// A note on stderr.
pub fn note(msg: &str) {
    eprintln!("ferroflow-edge: {msg}");
}

/// A line on stdout; a closed pipe is an error, not a panic.
pub fn out(line: &str) -> Result<(), String> {
    let mut o = std::io::stdout().lock();
    writeln!(o, "{line}")
        .and_then(|_| o.flush())
        .map_err(|e| format!("writing to stdout: {}", digits::plain_io(&e)))
}

/// The digits named by the arguments, in order: PNGs, then `--digits`, then `--test-set`.
pub fn gather(a: &Args) -> Result<Vec<Digit>, String> {
    let mut all = Vec::new();
    for p in &a.pngs {
        all.push(Digit {
            source: p.display().to_string(),
            pixels: image::read_png(p, a.invert)?,
            label: None,
        });
    }
    if let Some(path) = &a.digits {
        let mut d = digits::load_bin(path, a.labels.as_deref())?;
        if let Some(n) = a.n {
            d.truncate(n);
        }
        all.extend(d);
    }
    if a.test_set {
        all.extend(digits::load_test_set(&a.data_dir, a.n.unwrap_or(100))?);
    }
    Ok(all)
}

/// Writes each digit to `dir` as `NNNN-LABEL.png` (`NNNN.png` without a label).
pub fn write_pngs(dir: &Path, all: &[Digit]) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("--write-png {}: {}", dir.display(), digits::plain_io(&e)))?;
    for (i, d) in all.iter().enumerate() {
        let name = match d.label {
            Some(l) => format!("{i:04}-{l}.png"),
            None => format!("{i:04}.png"),
        };
        image::write_png(&dir.join(name), &d.pixels)?;
    }
    Ok(())
}

/// Expected predictions (`{"predicted": [...], "probabilities": [[...]], "backend": "..."}`).
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    pub predicted: Vec<usize>,
    pub probabilities: Option<Vec<Vec<f32>>>,
    pub backend: Option<String>,
}

/// Reads an `--expect` file.
pub fn load_expect(path: &Path) -> Result<Expected, String> {
    let p = path.display();
    let bytes = digits::read_file(path, "--expect file")?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| format!("--expect file {p}: not valid JSON ({e})"))?;
    let labels = v
        .get("predicted")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("--expect file {p}: no \"predicted\" array of labels"))?;
    let predicted = labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            l.as_u64()
                .and_then(|l| usize::try_from(l).ok())
                .ok_or_else(|| format!("--expect file {p}: predicted[{i}] is {l}, not a label"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let probabilities = v.get("probabilities").and_then(Value::as_array).map(|rows| {
        rows.iter()
            .map(|r| {
                r.as_array()
                    .map(|r| r.iter().map(|x| x.as_f64().unwrap_or(f64::NAN) as f32).collect())
                    .unwrap_or_default()
            })
            .collect()
    });
    Ok(Expected {
        predicted,
        probabilities,
        backend: v.get("backend").and_then(Value::as_str).map(str::to_string),
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn fmt_ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0} ms")
    } else if v >= 10.0 {
        format!("{v:.1} ms")
    } else {
        format!("{v:.3} ms")
    }
}

fn fmt_percentiles(p: &Percentiles) -> String {
    format!(
        "p50 {}, p90 {}, p99 {}, max {} (min {}, mean {})",
        fmt_ms(p.p50),
        fmt_ms(p.p90),
        fmt_ms(p.p99),
        fmt_ms(p.max),
        fmt_ms(p.min),
        fmt_ms(p.mean)
    )
}

/// Runs the command; `Err` is one line for `ferroflow-edge: error: ...`.
pub fn run(a: &Args) -> Result<Outcome, String> {
    if let Some(dir) = a.model.as_deref().filter(|d| crate::graph::is_graph_model(d)) {
        let (dev, report) = backend::device(&a.backend)?;
        note(&report);
        return crate::graph::run(a, dir, &dev);
    }
    if !a.images.is_empty() {
        return Err(
            "--image needs a TF.js graph model (model.json with \"format\": \"graph-model\") as --model".into(),
        );
    }
    let all = gather(a)?;
    if all.is_empty() {
        return Err("no digits to classify".into());
    }
    if let Some(dir) = &a.write_png {
        write_pngs(dir, &all)?;
        note(&format!("wrote {} PNG files to {}", all.len(), dir.display()));
    }
    let Some(model_dir) = &a.model else {
        return Ok(Outcome::Ok);
    };
    let expected = match &a.expect {
        Some(p) => {
            let e = load_expect(p)?;
            if e.predicted.len() != all.len() {
                return Err(format!(
                    "--expect file {} lists {} predictions, but {} digits were given",
                    p.display(),
                    e.predicted.len(),
                    all.len()
                ));
            }
            Some(e)
        }
        None => None,
    };

    let validated = model::validate(model_dir)?;
    // Before opening a device (slow on some adapters): can this model take a digit at all?
    model::input_shape(&validated.manifest.model)?;
    let params: usize = validated.weights.iter().map(|(_, d)| d.len()).sum();
    let (dev, report) = backend::device(&a.backend)?;
    note(&report);
    let clf = Classifier::new(validated, &dev)?;
    let layers = match &clf.topology {
        ferroflow::nn::LayerConfig::Sequential(s) => s.layers.len(),
        _ => 1,
    };
    note(&format!(
        "model {}: {} layers, {params} parameters, input {:?} (pixels / 255), output: {}",
        model_dir.display(),
        layers,
        clf.input_shape(),
        clf.rule.describe()
    ));

    let table = !a.json && !a.quiet;
    let width = all.iter().map(|d| d.source.len()).max().unwrap_or(6).max(6);
    if table {
        out(&format!(
            "{:>5}  {:<width$}  {:>5}  {:>11}  {:>10}  truth",
            "#", "source", "label", "probability", "latency"
        ))?;
    }
    let mut preds: Vec<Prediction> = Vec::with_capacity(all.len());
    for (i, d) in all.iter().enumerate() {
        let p = clf
            .classify(&d.pixels)
            .map_err(|e| format!("classifying {}: {e}", d.source))?;
        if table {
            let truth = match d.label {
                Some(l) if usize::from(l) == p.label => format!("{l}"),
                Some(l) => format!("{l}  WRONG"),
                None => "-".into(),
            };
            out(&format!(
                "{i:>5}  {:<width$}  {:>5}  {:>11.4}  {:>10}  {truth}",
                d.source,
                p.label,
                p.probability,
                fmt_ms(ms(p.latency))
            ))?;
        }
        preds.push(p);
    }

    let labelled: Vec<(usize, u8)> = preds
        .iter()
        .zip(&all)
        .filter_map(|(p, d)| d.label.map(|l| (p.label, l)))
        .collect();
    let correct = labelled.iter().filter(|(p, l)| *p == usize::from(*l)).count();
    let accuracy = (!labelled.is_empty()).then(|| correct as f64 / labelled.len() as f64);
    let latencies: Vec<Duration> = preds.iter().map(|p| p.latency).collect();
    let per_digit = stats::percentiles(&latencies);
    let first = latencies.first().copied().map(ms).unwrap_or(f64::NAN);
    let steady = stats::percentiles(latencies.get(1..).unwrap_or(&[]));
    if !a.json {
        let acc = match accuracy {
            Some(acc) => format!("accuracy {acc:.4} ({correct}/{})", labelled.len()),
            None => "no labels".into(),
        };
        let lat = match &steady {
            Some(s) => format!(
                "latency first {} (includes kernel compilation), then median {}, max {}",
                fmt_ms(first),
                fmt_ms(s.p50),
                fmt_ms(s.max)
            ),
            None => format!("latency {} (includes kernel compilation)", fmt_ms(first)),
        };
        out(&format!(
            "{} digits on {} ({}): {acc}; {lat}",
            all.len(),
            dev.name(),
            dev.description()
        ))?;
    }

    // --expect: labels must be identical; probabilities are compared for information.
    let mut outcome = Outcome::Ok;
    let mut expect_json = Value::Null;
    if let (Some(e), Some(path)) = (&expected, &a.expect) {
        let mismatches: Vec<usize> = (0..preds.len())
            .filter(|&i| e.predicted.get(i) != Some(&preds[i].label))
            .collect();
        let max_diff = e.probabilities.as_ref().and_then(|rows| {
            let mut m = 0.0f32;
            for (p, r) in preds.iter().zip(rows) {
                if r.len() != p.probabilities.len() {
                    return None;
                }
                for (a, b) in p.probabilities.iter().zip(r) {
                    m = m.max((a - b).abs());
                }
            }
            Some(m)
        });
        let from = e
            .backend
            .as_deref()
            .map(|b| format!(" (from backend {b})"))
            .unwrap_or_default();
        let diff = max_diff
            .map(|m| format!("; max |probability difference| {m:.2e}"))
            .unwrap_or_default();
        for &i in &mismatches {
            let p = &preds[i];
            let want = e.predicted.get(i).copied().unwrap_or(0);
            eprintln!(
                "ferroflow-edge: mismatch: #{i} {}: predicted {} (p {:.4}), expected {want} (our p for {want}: {:.4})",
                all[i].source,
                p.label,
                p.probability,
                p.probabilities.get(want).copied().unwrap_or(f32::NAN)
            );
        }
        if mismatches.is_empty() {
            let line = format!(
                "expect: all {} labels match {}{from}{diff}",
                preds.len(),
                path.display()
            );
            if a.json {
                note(&line);
            } else {
                out(&line)?;
            }
        } else {
            eprintln!(
                "ferroflow-edge: error: {} of {} labels differ from {}{from}{diff}",
                mismatches.len(),
                preds.len(),
                path.display()
            );
            outcome = Outcome::Mismatch;
        }
        expect_json = json!({
            "file": path.display().to_string(),
            "mismatches": mismatches,
            "max_probability_diff": max_diff,
        });
    }

    // --bench: batch-1 latency over the given digits, cycled.
    let mut bench_json = Value::Null;
    if a.bench {
        for i in 0..a.warmup {
            clf.classify(&all[i % all.len()].pixels)?;
        }
        let mut samples = Vec::with_capacity(a.iters);
        for i in 0..a.iters {
            samples.push(clf.classify(&all[i % all.len()].pixels)?.latency);
        }
        if let Some(p) = stats::percentiles(&samples) {
            let line = format!(
                "bench: {} ({}), batch 1, {} inferences after {} warm-up: {}",
                dev.name(),
                dev.description(),
                p.n,
                a.warmup,
                fmt_percentiles(&p)
            );
            if a.json {
                note(&line);
            } else {
                out(&line)?;
            }
            let mut j = p.to_json();
            j["backend"] = json!(dev.name());
            j["device"] = json!(dev.description());
            j["warmup"] = json!(a.warmup);
            bench_json = j;
        }
    }

    if a.json {
        let doc = json!({
            "model": model_dir.display().to_string(),
            "backend": dev.name(),
            "device": dev.description(),
            "input_shape": clf.input_shape(),
            "output_rule": clf.rule.describe(),
            "sources": all.iter().map(|d| d.source.clone()).collect::<Vec<_>>(),
            "predicted": preds.iter().map(|p| p.label).collect::<Vec<_>>(),
            "probability": preds.iter().map(|p| p.probability).collect::<Vec<_>>(),
            "probabilities": preds.iter().map(|p| p.probabilities.clone()).collect::<Vec<_>>(),
            "labels": if labelled.len() == all.len() {
                json!(all.iter().map(|d| d.label).collect::<Vec<_>>())
            } else {
                Value::Null
            },
            "accuracy": accuracy,
            "latency_ms": latencies.iter().map(|d| ms(*d)).collect::<Vec<_>>(),
            "latency": per_digit.map(|p| p.to_json()),
            "bench": bench_json,
            "expect": expect_json,
        });
        out(&doc.to_string())?;
    }
    Ok(outcome)
}
