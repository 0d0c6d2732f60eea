//! `ferroflow-bench`: times ferroflow's CPU backend on a few workloads, next to PyTorch (CPU) and
//! numpy on the same shapes and thread count, and prints a table of ratios against the targets.
//!
//! ```text
//! cargo run --release -p ferroflow-bench -- [--json] [--quick] [--profile] [--no-peer]
//! bash bench/run.sh [same flags]      # also sets up the peer venv (numpy + torch)
//! ```
//!
//! Every figure is the median of N timed runs after warmup runs. Each timed run leaves its work
//! realized (an output buffer or a loss read back), and the device counters confirm kernels ran
//! inside the timed region. Progress goes to stderr; the table (or, with `--json`, one JSON
//! object) goes to stdout.

mod gpu;
mod peer;
mod profile;
mod timing;
mod workloads;

use std::process::ExitCode;

use ferroflow::ops::{Conv2dOptions, Padding};
use ferroflow::{Device, Result};
use serde_json::{json, Value};

use timing::{measure, Timing};
use workloads::{host_tensor, Rng, Trainer};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    /// Throughput at least this fraction of the faster of PyTorch and numpy/OpenBLAS.
    AtLeastBestPeer(f64),
    /// No slower than PyTorch.
    NoSlowerThanTorch,
    None,
}

impl Target {
    fn describe(self) -> String {
        match self {
            Target::AtLeastBestPeer(f) => format!(">= {f}x torch/BLAS"),
            Target::NoSlowerThanTorch => ">= 1x torch".into(),
            Target::None => "-".into(),
        }
    }
}

#[derive(Clone)]
struct Row {
    key: &'static str,
    title: &'static str,
    ours: Timing,
    /// Floating-point operations per run (for GFLOP/s).
    flops: Option<f64>,
    /// Bytes moved per run at minimum (for GB/s).
    bytes: Option<f64>,
    target: Target,
}

/// What one training workload did beyond its timing: kernel counts and the cache behaviour.
struct StepReport {
    key: &'static str,
    first_step_ms: f64,
    executed_per_step: usize,
    compiled_step1: usize,
    compiled_step2: usize,
    compiled_timed: usize,
    cached_kernels: usize,
    /// Scheduler walks over the timed steps (0 when every step replays its schedule).
    walked_timed: usize,
    /// Mean time per timed step spent finding or making schedules.
    scheduler_ms_per_step: f64,
    loss_first: f32,
    loss_last: f32,
}

struct Opts {
    json: bool,
    quick: bool,
    profile: bool,
    peer: bool,
    /// The wgpu-vs-cpu report instead of the peer comparison.
    gpu: bool,
    /// Workload keys to run (all when empty).
    only: Vec<String>,
    /// Alternating rounds of ferroflow's runs and the peers' (0: the default for the mode).
    rounds: usize,
}

const KEYS: [&str; 6] = [
    "matmul_256",
    "matmul_1024",
    "elementwise_4m",
    "conv2d",
    "mlp_sgd_step",
    "cnn_adam_step",
];

impl Opts {
    fn wants(&self, key: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|k| k == key)
    }
}

fn parse_args() -> std::result::Result<Opts, String> {
    let mut o = Opts {
        json: false,
        quick: false,
        profile: false,
        peer: true,
        gpu: false,
        only: vec![],
        rounds: 0,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--only" => {
                let list = args.next().ok_or("--only needs a comma-separated list of workloads")?;
                for k in list.split(',').filter(|k| !k.is_empty()) {
                    if !KEYS.contains(&k) {
                        return Err(format!("unknown workload {k:?}; known: {}", KEYS.join(", ")));
                    }
                    o.only.push(k.to_string());
                }
            }
            "--rounds" => {
                let n = args.next().ok_or("--rounds needs a number")?;
                o.rounds = n
                    .parse()
                    .ok()
                    .filter(|&r| (1..=20).contains(&r))
                    .ok_or_else(|| format!("--rounds {n:?}: expected 1..20"))?;
            }
            "--json" => o.json = true,
            "--quick" => o.quick = true,
            "--profile" => o.profile = true,
            "--no-peer" => o.peer = false,
            "--gpu" => o.gpu = true,
            "-h" | "--help" => {
                return Err(
                    "usage: ferroflow-bench [--json] [--quick] [--profile] [--no-peer] [--rounds N] [--only KEYS] [--gpu]\n  \
                     --json     one JSON object on stdout instead of the table\n  \
                     --quick    fewer runs (smoke test; noisy)\n  \
                     --profile  per-kernel times of the training steps (separate device)\n  \
                     --no-peer  skip PyTorch/numpy\n  \
                     --rounds N alternate N rounds of ours and the peers' runs; each side's figure is\n             \
                     the median of its round medians, each ratio the median of per-round ratios\n             \
                     (default 5, --quick 1): the machine's speed drifts, and alternating keeps\n             \
                     a drift from landing on one side only\n  \
                     --gpu      wgpu next to cpu: matmul 256/1024/2048 GFLOP/s and the MNIST CNN step\n  \
                     --only     comma-separated workloads: matmul_256, matmul_1024, elementwise_4m,\n  \
                                conv2d, mlp_sgd_step, cnn_adam_step (default: all)\n\
                     env: FERROFLOW_BENCH_PYTHON (interpreter for the peer script, default python3)"
                        .into(),
                )
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(o)
}

/// (warmup, runs) per workload; mirrors `counts()` in peer_torch.py.
fn counts(key: &str, quick: bool) -> (usize, usize) {
    let (w, r) = match key {
        "matmul_256" => (5, 50),
        "matmul_1024" => (3, 20),
        "elementwise_4m" => (3, 20),
        "conv2d" => (5, 30),
        "mlp_sgd_step" => (5, 30),
        "cnn_adam_step" => (3, 15),
        _ => (3, 10),
    };
    if quick {
        (1, (r / 5).max(3))
    } else {
        (w, r)
    }
}

/// Threads ours uses: rayon's global pool (RAYON_NUM_THREADS or all cores).
fn our_threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1))
}

/// CPU time of the whole machine and of this process (with its waited-for children, i.e. the
/// peer script), in clock ticks; used to tell how much other processes ran during a phase.
#[derive(Clone, Copy)]
struct CpuSnap {
    at: std::time::Instant,
    machine_busy: u64,
    own: u64,
}

fn cpu_snap() -> Option<CpuSnap> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let f: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal
    let busy = f.first()? + f.get(1)? + f.get(2)? + f.get(5)? + f.get(6)? + f.get(7).copied().unwrap_or(0);
    let me = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the ")" that ends the command name: utime is the 12th, then stime, cutime, cstime.
    let rest: Vec<u64> = me
        .rsplit_once(')')?
        .1
        .split_whitespace()
        .skip(11)
        .take(4)
        .filter_map(|v| v.parse().ok())
        .collect();
    Some(CpuSnap {
        at: std::time::Instant::now(),
        machine_busy: busy,
        own: rest.iter().sum(),
    })
}

/// Cores' worth of CPU that other processes used between two snapshots (USER_HZ = 100).
fn foreign_cores(a: Option<CpuSnap>, b: Option<CpuSnap>) -> Option<f64> {
    let (a, b) = (a?, b?);
    let secs = (b.at - a.at).as_secs_f64();
    let other = b.machine_busy.saturating_sub(a.machine_busy) as f64 - b.own.saturating_sub(a.own) as f64;
    (secs > 0.0).then(|| (other / 100.0 / secs).max(0.0))
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn bench_matmul(dev: &Device, n: usize, key: &'static str, title: &'static str, quick: bool) -> Result<Row> {
    let mut rng = Rng::new(n as u64);
    let a = host_tensor(dev, &mut rng, &[n, n], -1.0, 1.0)?;
    let b = host_tensor(dev, &mut rng, &[n, n], -1.0, 1.0)?;
    let (w, r) = counts(key, quick);
    let ours = measure(title, dev, w, r, || {
        a.matmul(&b, false, false)?.realize()?;
        Ok(())
    })?;
    let nf = n as f64;
    Ok(Row {
        key,
        title,
        ours,
        flops: Some(2.0 * nf * nf * nf),
        bytes: None,
        target: Target::AtLeastBestPeer(0.9),
    })
}

fn bench_elementwise(dev: &Device, quick: bool) -> Result<Row> {
    let n = 4 * 1024 * 1024;
    let mut rng = Rng::new(3);
    let a = host_tensor(dev, &mut rng, &[n], -1.0, 1.0)?;
    let b = host_tensor(dev, &mut rng, &[n], -1.0, 1.0)?;
    let c = host_tensor(dev, &mut rng, &[n], -1.0, 1.0)?;
    let key = "elementwise_4m";
    let (w, r) = counts(key, quick);
    let ours = measure("relu(a*b+c) 4M f32", dev, w, r, || {
        a.mul(&b)?.add(&c)?.relu()?.realize()?;
        Ok(())
    })?;
    Ok(Row {
        key,
        title: "relu(a*b+c) 4M f32",
        ours,
        flops: None,
        bytes: Some(4.0 * 4.0 * n as f64),
        target: Target::None,
    })
}

fn bench_conv(dev: &Device, quick: bool) -> Result<Row> {
    let mut rng = Rng::new(4);
    let x = host_tensor(dev, &mut rng, &[8, 32, 32, 16], -1.0, 1.0)?;
    let f = host_tensor(dev, &mut rng, &[3, 3, 16, 32], -0.2, 0.2)?;
    let key = "conv2d";
    let (w, r) = counts(key, quick);
    let opts = Conv2dOptions::new([1, 1], Padding::Same);
    let ours = measure("conv2d 8x32x32x16 * 3x3x16x32", dev, w, r, || {
        x.conv2d(&f, opts)?.realize()?;
        Ok(())
    })?;
    let flops = 2.0 * (8 * 32 * 32 * 32) as f64 * (3 * 3 * 16) as f64;
    Ok(Row {
        key,
        title: "conv2d 8x32x32x16 -> 32, 3x3 same",
        ours,
        flops: Some(flops),
        bytes: None,
        target: Target::None,
    })
}

fn bench_training(
    dev: &Device,
    trainer: &mut Trainer,
    key: &'static str,
    title: &'static str,
    quick: bool,
) -> Result<(Row, StepReport)> {
    let s0 = dev.stats();
    let t0 = std::time::Instant::now();
    let loss_first = trainer.step()?;
    let first_step_ms = t0.elapsed().as_secs_f64() * 1e3;
    let s1 = dev.stats();
    trainer.step()?;
    let s2 = dev.stats();
    eprintln!(
        "[bench] {title}: first step {first_step_ms:.1} ms, loss {loss_first:.4}; kernels: step 1 ran {} compiled {}, step 2 ran {} compiled {}; \
         schedules: step 1 walked {} replayed {}, step 2 walked {} replayed {} in {:.3} ms",
        s1.executed - s0.executed,
        s1.compiled - s0.compiled,
        s2.executed - s1.executed,
        s2.compiled - s1.compiled,
        s1.scheduled - s0.scheduled,
        s1.replayed - s0.replayed,
        s2.scheduled - s1.scheduled,
        s2.replayed - s1.replayed,
        (s2.scheduling_ns - s1.scheduling_ns) as f64 / 1e6
    );
    let (w, r) = counts(key, quick);
    let mut loss_last = loss_first;
    let s3 = dev.stats();
    let ours = measure(title, dev, w, r, || {
        loss_last = trainer.step()?;
        Ok(())
    })?;
    let s4 = dev.stats();
    let per_step = (s2.executed - s1.executed).max(1);
    let steps = ((s4.executed - s3.executed) / per_step).max(1);
    let rep = StepReport {
        key,
        first_step_ms,
        executed_per_step: s2.executed - s1.executed,
        compiled_step1: s1.compiled - s0.compiled,
        compiled_step2: s2.compiled - s1.compiled,
        compiled_timed: ours.compiled_in_runs,
        cached_kernels: dev.cached_kernels(),
        walked_timed: s4.scheduled - s3.scheduled,
        scheduler_ms_per_step: (s4.scheduling_ns - s3.scheduling_ns) as f64 / 1e6 / steps as f64,
        loss_first,
        loss_last,
    };
    Ok((
        Row {
            key,
            title,
            ours,
            flops: None,
            bytes: None,
            target: Target::NoSlowerThanTorch,
        },
        rep,
    ))
}

/// Per-kernel profile of a training step on a timing device (after the timed benchmarks).
pub(crate) fn profile_step(
    title: &str,
    trainer: &mut Trainer,
    prof: &profile::Profile,
    steps: usize,
    print: bool,
) -> Result<Value> {
    trainer.step()?;
    trainer.step()?;
    let build_ms = (0..steps)
        .map(|_| trainer.build_only_ms())
        .collect::<Result<Vec<f64>>>()?;
    let build_ms = timing::median(&build_ms);
    prof.reset();
    let mut phases = [0.0f64; 2];
    let t0 = std::time::Instant::now();
    for _ in 0..steps {
        let (_, p) = trainer.step_phases()?;
        for (acc, v) in phases.iter_mut().zip(p) {
            *acc += v;
        }
    }
    let wall = t0.elapsed().as_secs_f64() * 1e3 / steps as f64;
    let phases = phases.map(|p| p / steps as f64);
    let entries = prof.sorted();
    let kernel_ms: f64 = entries.iter().map(|(_, e)| e.total_ms).sum::<f64>() / steps as f64;
    let calls: usize = entries.iter().map(|(_, e)| e.calls).sum::<usize>() / steps;
    let other = (wall - kernel_ms - build_ms).max(0.0);
    if print {
        println!("\n## profile: {title} (mean of {steps} steps on a timing wrapper of the same backend)");
        println!(
            "step {wall:.2} ms (minimize {:.2} + loss readback {:.2}) = kernels {kernel_ms:.2} ms ({calls} runs) \
             + graph build/autograd ~{build_ms:.2} ms + scheduler/optimizer/assign ~{other:.2} ms",
            phases[0], phases[1]
        );
        println!("{:>9} {:>6} {:>6}  kernel", "ms/step", "%", "calls");
    }
    let mut rows = vec![];
    for (label, e) in &entries {
        let ms = e.total_ms / steps as f64;
        let pct = if kernel_ms > 0.0 { 100.0 * ms / kernel_ms } else { 0.0 };
        if print && rows.len() < 20 {
            println!("{ms:>9.3} {pct:>5.1}% {:>6}  {label}", e.calls / steps);
        }
        rows.push(json!({"kernel": label, "ms_per_step": ms, "calls_per_step": e.calls as f64 / steps as f64}));
    }
    if print && entries.len() > 20 {
        println!("          ({} more kernel kinds)", entries.len() - 20);
    }
    Ok(
        json!({"workload": title, "step_ms": wall, "minimize_ms": phases[0], "readback_ms": phases[1],
              "kernel_ms": kernel_ms, "build_ms": build_ms, "other_ms": other, "kernels": rows}),
    )
}

fn fmt_ms(ms: Option<f64>) -> String {
    match ms {
        Some(v) if v < 1.0 => format!("{:.3} ms", v),
        Some(v) => format!("{:.2} ms", v),
        None => "-".into(),
    }
}

fn fmt_ratio(r: Option<f64>) -> String {
    r.map_or("-".into(), |r| format!("{r:.2}x"))
}

fn run() -> Result<ExitCode> {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(msg) => {
            eprintln!("{msg}");
            return Ok(ExitCode::from(2));
        }
    };
    if opts.gpu {
        return gpu::run(opts.quick, opts.json, opts.profile);
    }
    let threads = our_threads();
    let load_start = loadavg();
    let dev = ferroflow::native::cpu();
    eprintln!(
        "[bench] ferroflow on {} (rayon: {threads} threads), load average {load_start}",
        dev.description()
    );

    let rounds = match (opts.rounds, opts.quick) {
        (0, true) => 1,
        (0, false) => 5,
        (r, _) => r,
    };
    let mut round_rows: Vec<Vec<Row>> = vec![];
    let mut round_peers: Vec<peer::Peers> = vec![];
    let mut reports = vec![];
    let (mut busy_ours, mut busy_peer) = (vec![], vec![]);
    for round in 0..rounds {
        if rounds > 1 {
            eprintln!("[bench] round {}/{rounds}", round + 1);
        }
        let a = cpu_snap();
        let (rows, reps) = measure_ours(&dev, &opts)?;
        let b = cpu_snap();
        round_rows.push(rows);
        if round == 0 {
            reports = reps;
        }
        round_peers.push(if opts.peer {
            peer::run(threads, opts.quick, &opts.only)
        } else {
            peer::Peers {
                error: Some("--no-peer".into()),
                ..Default::default()
            }
        });
        busy_ours.extend(foreign_cores(a, b));
        busy_peer.extend(foreign_cores(b, cpu_snap()));
    }
    let busy_ours = (!busy_ours.is_empty()).then(|| busy_ours.iter().sum::<f64>() / busy_ours.len() as f64);
    let busy_peer = (!busy_peer.is_empty()).then(|| busy_peer.iter().sum::<f64>() / busy_peer.len() as f64);
    let rows = combine_rounds(&round_rows);
    let peer_ms = |lib: &str, key: &str| median(round_peers.iter().filter_map(|p| p.median_ms(lib, key)).collect());
    // Peer time / ours within each round: both sides measured minutes apart at most, so a drift
    // of the machine's speed between rounds cancels out of each ratio.
    let lib_ratios = |lib: &str, key: &str| -> Vec<f64> {
        round_rows
            .iter()
            .zip(&round_peers)
            .filter_map(|(rs, p)| {
                let ours = rs.iter().find(|r| r.key == key)?.ours.median_ms;
                Some(p.median_ms(lib, key)? / ours)
            })
            .collect()
    };
    let round_ratios = |key: &str| lib_ratios("torch", key);
    let Some(peers) = round_peers.first() else {
        return Err(ferroflow::Error::invalid("bench", "no rounds ran"));
    };
    let load_end = loadavg();
    let fmt_busy = |c: Option<f64>| c.map_or("unknown".to_string(), |c| format!("{c:.2}"));
    let torch = peers.status("torch");
    let numpy = peers.status("numpy");

    let mut json_rows = vec![];
    let mut misses = 0;
    if !opts.json {
        println!("\n# ferroflow-bench: CPU backend, {threads} threads (peers: same thread count)");
        println!("load average: {load_start} at start, {load_end} after the peers");
        println!(
            "other processes used {} cores during ferroflow's runs, {} during the peers' (noise indicator; 0 = quiet)",
            fmt_busy(busy_ours),
            fmt_busy(busy_peer)
        );
        match &torch {
            Ok(v) => println!("PyTorch {v}"),
            Err(reason) => println!("PyTorch not available: {reason}; skipped"),
        }
        match &numpy {
            Ok(v) => println!("numpy {v}"),
            Err(reason) => println!("numpy not available: {reason}; skipped"),
        }
        println!("ratio = peer time / ferroflow time (> 1 means ferroflow is faster), median over rounds of the per-round ratio\n");
        println!(
            "| {:<40} | {:>10} | {:>13} | {:>10} | {:>6} | {:>10} | {:>6} | {:<18} | {:<4} |",
            "workload", "ferroflow", "throughput", "PyTorch", "ratio", "numpy", "ratio", "target", "met"
        );
        println!(
            "|{:-<42}|{:->12}|{:->15}|{:->12}|{:->8}|{:->12}|{:->8}|{:-<20}|{:-<6}|",
            "", "", "", "", "", "", "", "", ""
        );
    }
    for r in &rows {
        let ours = r.ours.median_ms;
        let t = peer_ms("torch", r.key);
        let n = peer_ms("numpy", r.key);
        let (rt, rn) = (median(lib_ratios("torch", r.key)), median(lib_ratios("numpy", r.key)));
        let thr = match (r.flops, r.bytes) {
            (Some(f), _) => format!("{:.1} GFLOP/s", f / ours / 1e6),
            (_, Some(b)) => format!("{:.1} GB/s", b / ours / 1e6),
            _ => "-".into(),
        };
        let met = match r.target {
            Target::AtLeastBestPeer(f) => {
                let best = [rt, rn]
                    .into_iter()
                    .flatten()
                    .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.min(x))));
                best.map(|b| b >= f)
            }
            Target::NoSlowerThanTorch => rt.map(|r| r >= 1.0),
            Target::None => None,
        };
        if met == Some(false) {
            misses += 1;
        }
        let met_s = match met {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "-",
        };
        if !opts.json {
            println!(
                "| {:<40} | {:>10} | {:>13} | {:>10} | {:>6} | {:>10} | {:>6} | {:<18} | {:<4} |",
                r.title,
                fmt_ms(Some(ours)),
                thr,
                fmt_ms(t),
                fmt_ratio(rt),
                fmt_ms(n),
                fmt_ratio(rn),
                r.target.describe(),
                met_s
            );
        }
        json_rows.push(json!({
            "workload": r.key, "title": r.title, "ferroflow_ms": ours, "ferroflow_min_ms": r.ours.min_ms,
            "runs": r.ours.runs, "kernels_per_run": r.ours.kernels_per_run, "throughput": thr,
            "torch_ms": t, "numpy_ms": n, "ratio_torch": rt, "ratio_numpy": rn,
            "target": r.target.describe(), "met": met, "torch_ratio_per_round": round_ratios(r.key),
        }));
    }
    if !opts.json && rounds > 1 && peers.status("torch").is_ok() {
        println!("\ntorch ratio per round (ours and torch alternate; the table's times are medians over rounds, its ratios the median of these):");
        for r in &rows {
            let rs: Vec<String> = round_ratios(r.key).iter().map(|x| format!("{x:.2}x")).collect();
            println!("  {:<40} {}", r.title, rs.join("  "));
        }
    }
    let mut json_steps = vec![];
    if !opts.json {
        println!("\nkernels per training step (Device::stats):");
    }
    for s in &reports {
        let cache_ok = s.compiled_step2 == 0 && s.compiled_timed == 0;
        if !opts.json {
            println!(
                "  {:<14} executes {} kernels/step; compiled {} on step 1, {} on step 2, {} over the timed steps ({} cached): cache {}; \
                 scheduler {:.3} ms/step, {} graph walks over the timed steps; first step {:.1} ms; loss {:.4} -> {:.4}",
                s.key,
                s.executed_per_step,
                s.compiled_step1,
                s.compiled_step2,
                s.compiled_timed,
                s.cached_kernels,
                if cache_ok { "warm" } else { "STILL COMPILING" },
                s.scheduler_ms_per_step,
                s.walked_timed,
                s.first_step_ms,
                s.loss_first,
                s.loss_last
            );
        }
        if !cache_ok {
            misses += 1;
        }
        json_steps.push(json!({
            "workload": s.key, "executed_per_step": s.executed_per_step, "compiled_step1": s.compiled_step1,
            "compiled_step2": s.compiled_step2, "compiled_timed": s.compiled_timed, "cached_kernels": s.cached_kernels,
            "first_step_ms": s.first_step_ms, "loss_first": s.loss_first, "loss_last": s.loss_last,
            "walked_timed": s.walked_timed, "scheduler_ms_per_step": s.scheduler_ms_per_step,
        }));
    }
    let mut profiles = vec![];
    if opts.profile {
        let (tdev, prof) = profile::TimedBackend::device(&dev);
        let steps = if opts.quick { 3 } else { 10 };
        if opts.wants("mlp_sgd_step") {
            let mut mlp = workloads::mlp_trainer(&tdev)?;
            profiles.push(profile_step("MLP SGD step", &mut mlp, &prof, steps, !opts.json)?);
        }
        if opts.wants("cnn_adam_step") {
            let mut cnn = workloads::cnn_trainer(&tdev)?;
            profiles.push(profile_step("CNN Adam step", &mut cnn, &prof, steps, !opts.json)?);
        }
    }

    if opts.json {
        let out = json!({
            "threads": threads, "device": dev.description(), "quick": opts.quick, "rounds": rounds,
            "load_start": load_start, "load_end": load_end,
            "foreign_cores_ours": busy_ours, "foreign_cores_peer": busy_peer,
            "torch": torch.as_ref().map_or_else(|e| json!({"available": false, "reason": e}), |v| json!({"available": true, "version": v})),
            "numpy": numpy.as_ref().map_or_else(|e| json!({"available": false, "reason": e}), |v| json!({"available": true, "version": v})),
            "workloads": json_rows, "training": json_steps, "profiles": profiles, "targets_missed": misses,
            "peer_raw": peers.raw,
        });
        println!("{out}");
    } else {
        println!("\n{misses} target(s) missed (a benchmark reports; it does not fail on misses)");
    }
    Ok(ExitCode::SUCCESS)
}

/// Every workload ferroflow runs in one round, and the training steps' reports.
fn measure_ours(dev: &Device, opts: &Opts) -> Result<(Vec<Row>, Vec<StepReport>)> {
    let mut rows = vec![];
    if opts.wants("matmul_256") {
        rows.push(bench_matmul(dev, 256, "matmul_256", "matmul 256^3", opts.quick)?);
    }
    if opts.wants("matmul_1024") {
        rows.push(bench_matmul(dev, 1024, "matmul_1024", "matmul 1024^3", opts.quick)?);
    }
    if opts.wants("elementwise_4m") {
        rows.push(bench_elementwise(dev, opts.quick)?);
    }
    if opts.wants("conv2d") {
        rows.push(bench_conv(dev, opts.quick)?);
    }
    let mut reports = vec![];
    if opts.wants("mlp_sgd_step") {
        let mut mlp = workloads::mlp_trainer(dev)?;
        let (row, rep) = bench_training(
            dev,
            &mut mlp,
            "mlp_sgd_step",
            "MLP 784-256-128-10 SGD step b128",
            opts.quick,
        )?;
        rows.push(row);
        reports.push(rep);
    }
    if opts.wants("cnn_adam_step") {
        let mut cnn = workloads::cnn_trainer(dev)?;
        let (row, rep) = bench_training(
            dev,
            &mut cnn,
            "cnn_adam_step",
            "CNN conv32-pool-conv64-pool-d10 Adam b64",
            opts.quick,
        )?;
        rows.push(row);
        reports.push(rep);
    }
    Ok((rows, reports))
}

/// One row per workload: the median of the rounds' medians, the fastest run of any round.
fn combine_rounds(rounds: &[Vec<Row>]) -> Vec<Row> {
    let Some(first) = rounds.first() else { return vec![] };
    first
        .iter()
        .map(|r| {
            let all: Vec<&Timing> = rounds
                .iter()
                .filter_map(|rs| rs.iter().find(|x| x.key == r.key).map(|x| &x.ours))
                .collect();
            let ours = Timing {
                median_ms: median(all.iter().map(|t| t.median_ms).collect()).unwrap_or(r.ours.median_ms),
                min_ms: all.iter().map(|t| t.min_ms).fold(f64::INFINITY, f64::min),
                runs: all.iter().map(|t| t.runs).sum(),
                kernels_per_run: r.ours.kernels_per_run,
                compiled_in_runs: all.iter().map(|t| t.compiled_in_runs).sum(),
            };
            Row { ours, ..r.clone() }
        })
        .collect()
}

/// Median of a list; None when empty.
fn median(v: Vec<f64>) -> Option<f64> {
    (!v.is_empty()).then(|| timing::median(&v))
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ferroflow-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
