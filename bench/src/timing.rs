//! Warmup + median-of-N timing with kernel counters.

use std::time::Instant;

use ferroflow::{Device, DeviceStats, Result};

/// What one timed workload measured.
#[derive(Debug, Clone)]
pub struct Timing {
    /// Median wall time of one run, milliseconds.
    pub median_ms: f64,
    pub min_ms: f64,
    pub runs: usize,
    /// Kernels executed per timed run (averaged).
    pub kernels_per_run: f64,
    /// Kernels compiled during the timed runs (0 once the cache is warm).
    pub compiled_in_runs: usize,
}

/// Median of a non-empty sample (0 for an empty one).
pub fn median(samples: &[f64]) -> f64 {
    let mut s = samples.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    match s.len() {
        0 => 0.0,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

fn delta(a: DeviceStats, b: DeviceStats) -> (usize, usize) {
    (
        b.executed.saturating_sub(a.executed),
        b.compiled.saturating_sub(a.compiled),
    )
}

/// Runs `f` `warmup` times untimed, then `runs` times timed; `f` must leave its work realized
/// (the counters check that kernels actually ran inside the timed region).
pub fn measure(
    name: &str,
    dev: &Device,
    warmup: usize,
    runs: usize,
    mut f: impl FnMut() -> Result<()>,
) -> Result<Timing> {
    for i in 0..warmup {
        eprintln!("[bench] {name}: warmup {}/{warmup}", i + 1);
        f()?;
    }
    let before = dev.stats();
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t0 = Instant::now();
        f()?;
        samples.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    let (executed, compiled) = delta(before, dev.stats());
    let t = Timing {
        median_ms: median(&samples),
        min_ms: samples.iter().copied().fold(f64::INFINITY, f64::min),
        runs,
        kernels_per_run: executed as f64 / runs.max(1) as f64,
        compiled_in_runs: compiled,
    };
    eprintln!(
        "[bench] {name}: median {:.3} ms over {runs} runs (min {:.3}), {:.1} kernels/run, {} compiled while timed",
        t.median_ms, t.min_ms, t.kernels_per_run, t.compiled_in_runs
    );
    if executed == 0 {
        return Err(ferroflow::Error::backend(
            "bench",
            format!("{name}: no kernel ran in the timed region"),
        ));
    }
    Ok(t)
}
