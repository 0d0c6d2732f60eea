//! `--gpu`: the accelerator backends (cuda, wgpu; pjrt when `FERROFLOW_PJRT_PLUGIN` is set) next to the
//! CPU backend in one run: matmul GFLOP/s at 256, 1024 and 2048, and the MNIST CNN training step
//! (the `cnn_adam_step` workload), with the dispatches (programs, on pjrt) and pipelines one step
//! uses. Timed regions end with `Device::synchronize`, so queued GPU work is
//! counted. On a software adapter (lavapipe, SwiftShader) the wgpu figures say nothing about
//! GPUs; the report prints the adapter so nobody mistakes one for the other.

use std::process::ExitCode;

use ferroflow::{Device, Result};
use serde_json::{json, Value};

use crate::timing::{measure, Timing};
use crate::workloads::{cnn_trainer, host_tensor, Rng};

const SIZES: [usize; 3] = [256, 1024, 2048];

/// One backend's figures.
struct Column {
    name: String,
    description: String,
    matmul: Vec<Timing>,
    step: Timing,
    dispatches_per_step: usize,
    pipelines_step1: usize,
    pipelines_after: usize,
    kernels_compiled_after: usize,
    loss: (f32, f32),
}

fn matmul_runs(n: usize, quick: bool, software: bool) -> (usize, usize) {
    match (quick || software, n) {
        (true, 2048) => (1, 2),
        (true, _) => (1, 3),
        (false, 256) => (5, 30),
        (false, 1024) => (3, 10),
        (false, _) => (2, 5),
    }
}

fn column(dev: &Device, quick: bool) -> Result<Column> {
    let software = dev.description().contains("Cpu") || dev.description().contains("SwiftShader");
    let mut matmul = vec![];
    for n in SIZES {
        let mut rng = Rng::new(n as u64);
        let a = host_tensor(dev, &mut rng, &[n, n], -1.0, 1.0)?;
        let b = host_tensor(dev, &mut rng, &[n, n], -1.0, 1.0)?;
        let (w, r) = matmul_runs(n, quick, software && dev.name() != "cpu");
        matmul.push(measure(&format!("{} matmul {n}^3", dev.name()), dev, w, r, || {
            a.matmul(&b, false, false)?.realize()?;
            dev.synchronize()
        })?);
    }
    let mut t = cnn_trainer(dev)?;
    let p0 = dev.programs_built();
    let loss_first = t.step()?;
    let (p1, s1) = (dev.programs_built(), dev.stats());
    t.step()?;
    let s2 = dev.stats();
    let (w, r) = if quick || (software && dev.name() != "cpu") {
        (1, 3)
    } else {
        (3, 15)
    };
    let mut loss_last = loss_first;
    let step = measure(&format!("{} MNIST CNN Adam step b64", dev.name()), dev, w, r, || {
        loss_last = t.step()?;
        Ok(())
    })?;
    Ok(Column {
        name: dev.name().to_string(),
        description: dev.description(),
        matmul,
        step,
        dispatches_per_step: s2.executed - s1.executed,
        pipelines_step1: p1 - p0,
        pipelines_after: dev.programs_built() - p1,
        kernels_compiled_after: dev.stats().compiled - s1.compiled,
        loss: (loss_first, loss_last),
    })
}

fn gflops(n: usize, t: &Timing) -> f64 {
    2.0 * (n as f64).powi(3) / (t.median_ms * 1e6)
}

/// The accelerator backends next to the CPU: cuda when an NVIDIA GPU and driver are present, wgpu
/// when an adapter opens, pjrt when `FERROFLOW_PJRT_PLUGIN` names a plugin (XLA CPU here; the
/// CUDA plugin on a GPU machine).
fn accelerators() -> (Vec<Device>, Vec<(String, String)>) {
    let mut present = vec![];
    let mut skipped = vec![];
    for name in ["cuda", "wgpu", "pjrt"] {
        match ferroflow::open(name) {
            Ok(d) => {
                eprintln!("[bench] {name}: {}", d.description());
                present.push(d);
            }
            Err(e) => {
                eprintln!("[bench] {name} SKIPPED: {e}");
                skipped.push((name.to_string(), e.to_string()));
            }
        }
    }
    (present, skipped)
}

/// `profile`: afterwards, the wgpu CNN step kernel by kernel (synchronized after each kernel).
pub fn run(quick: bool, as_json: bool, profile: bool) -> Result<ExitCode> {
    let cpu = ferroflow::native::cpu();
    let mut cols = vec![column(&cpu, quick)?];
    let (accels, skipped) = accelerators();
    for d in &accels {
        cols.push(column(d, quick)?);
    }
    let mut out: Vec<Value> = vec![];
    for c in &cols {
        out.push(json!({
            "backend": c.name, "device": c.description,
            "matmul": SIZES.iter().zip(&c.matmul).map(|(&n, t)| json!({"n": n, "ms": t.median_ms, "gflops": gflops(n, t)})).collect::<Vec<_>>(),
            "mnist_step_ms": c.step.median_ms, "dispatches_per_step": c.dispatches_per_step,
            "pipelines_built_step1": c.pipelines_step1, "pipelines_built_after_step1": c.pipelines_after,
            "kernels_compiled_after_step1": c.kernels_compiled_after,
            "loss_first": c.loss.0, "loss_last": c.loss.1,
        }));
    }
    if as_json {
        let skipped: serde_json::Map<String, Value> = skipped.iter().map(|(n, w)| (n.clone(), json!(w))).collect();
        println!("{}", json!({"gpu_report": out, "skipped": skipped}));
        return Ok(ExitCode::SUCCESS);
    }
    print_table(&cols);
    for (name, why) in &skipped {
        println!("{name}: SKIPPED ({why})");
    }
    let wgpu = accels.iter().find(|d| d.name() == "wgpu");
    if let (true, Some(g)) = (profile, wgpu) {
        let (tdev, prof) = crate::profile::TimedBackend::device(g);
        let mut t = cnn_trainer(&tdev)?;
        crate::profile_step("wgpu CNN Adam step, b64", &mut t, &prof, 5, true)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// One column per backend, then each accelerator's speed-up over the CPU (cpu time / its time).
fn print_table(cols: &[Column]) {
    for c in cols {
        println!("{:>5}: {}", c.name, c.description);
    }
    let mut head = format!("\n| {:<30} |", "workload");
    let mut rule = format!("|{}|", "-".repeat(32));
    for c in cols {
        head += &format!(" {:>22} |", c.name);
        rule += &format!("{}|", "-".repeat(24));
    }
    for c in &cols[1..] {
        head += &format!(" {:>12} |", format!("{} vs cpu", c.name));
        rule += &format!("{}|", "-".repeat(14));
    }
    println!("{head}\n{rule}");
    let row = |label: String, cell: &dyn Fn(&Column) -> String, ms: &dyn Fn(&Column) -> f64| {
        let mut line = format!("| {label:<30} |");
        for c in cols {
            line += &format!(" {:>22} |", cell(c));
        }
        for c in &cols[1..] {
            line += &format!(" {:>12} |", format!("{:.2}x", ms(&cols[0]) / ms(c)));
        }
        println!("{line}");
    };
    for (k, &n) in SIZES.iter().enumerate() {
        row(
            format!("matmul {n}^3 f32"),
            &|c| format!("{:.2} ms {:.1} GF/s", c.matmul[k].median_ms, gflops(n, &c.matmul[k])),
            &|c| c.matmul[k].median_ms,
        );
    }
    row(
        "MNIST CNN Adam step, batch 64".into(),
        &|c| format!("{:.2} ms", c.step.median_ms),
        &|c| c.step.median_ms,
    );
    println!();
    for c in cols {
        println!(
            "{}: one training step = {} dispatches; pipelines built: {} on step 1, {} after; kernels compiled after step 1: {}; loss {:.4} -> {:.4}",
            c.name, c.dispatches_per_step, c.pipelines_step1, c.pipelines_after, c.kernels_compiled_after, c.loss.0, c.loss.1
        );
    }
}
