//! Runs the peer script (`bench/peer_torch.py`, embedded) under Python and parses its JSON.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

/// The peer script, piped to `python3 -` so the binary works from any directory.
const SCRIPT: &str = include_str!("../peer_torch.py");

/// What the peers reported: per-library results, or why a library is missing.
#[derive(Debug, Default)]
pub struct Peers {
    /// The raw JSON (kept for `--json`).
    pub raw: Value,
    /// Why the whole peer run failed (no python, script crashed, bad JSON).
    pub error: Option<String>,
}

impl Peers {
    fn lib(&self, lib: &str) -> Option<&Value> {
        self.raw.get(lib)
    }
    /// `Ok(version)` when the library ran, `Err(reason)` when it did not.
    pub fn status(&self, lib: &str) -> Result<String, String> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let Some(v) = self.lib(lib) else {
            return Err("not reported by the peer script".into());
        };
        if v.get("available").and_then(Value::as_bool) == Some(true) {
            Ok(v.get("version").and_then(Value::as_str).unwrap_or("?").to_string())
        } else {
            Err(v
                .get("reason")
                .and_then(Value::as_str)
                .unwrap_or("unknown reason")
                .to_string())
        }
    }
    /// Median milliseconds of `workload` for `lib` ("torch" or "numpy").
    pub fn median_ms(&self, lib: &str, workload: &str) -> Option<f64> {
        self.lib(lib)?.get("results")?.get(workload)?.get("median_ms")?.as_f64()
    }
}

/// The interpreter: `$FERROFLOW_BENCH_PYTHON` (e.g. the venv's python3) or `python3`.
pub fn python() -> String {
    std::env::var("FERROFLOW_BENCH_PYTHON")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "python3".into())
}

/// Runs the peers with `threads` threads. Never fails: problems end up in `Peers::error`.
pub fn run(threads: usize, quick: bool, only: &[String]) -> Peers {
    let py = python();
    eprintln!("[bench] running peers with {py} ({threads} threads)");
    let mut cmd = Command::new(&py);
    cmd.arg("-").arg("--threads").arg(threads.to_string());
    if quick {
        cmd.arg("--quick");
    }
    if !only.is_empty() {
        cmd.arg("--only").arg(only.join(","));
    }
    // Same thread count as ours; OpenBLAS tuning overrides slow numpy down on these machines, so
    // they are removed for the peer only.
    for var in ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"] {
        cmd.env(var, threads.to_string());
    }
    cmd.env_remove("OPENBLAS_CORETYPE").env_remove("OPENBLAS_L2_SIZE");
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let fail = |msg: String| Peers {
        raw: Value::Null,
        error: Some(msg),
    };
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return fail(format!("cannot start {py}: {e}")),
    };
    if let Some(mut stdin) = child.stdin.take() {
        if let Err(e) = stdin.write_all(SCRIPT.as_bytes()) {
            return fail(format!("cannot pipe the peer script to {py}: {e}"));
        }
    }
    let out = match child.wait_with_output() {
        Ok(o) => o,
        Err(e) => return fail(format!("{py} failed: {e}")),
    };
    if !out.status.success() {
        return fail(format!("peer script exited with {}", out.status));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    match text
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .map(serde_json::from_str::<Value>)
    {
        Some(Ok(raw)) => Peers { raw, error: None },
        Some(Err(e)) => fail(format!("peer script printed invalid JSON: {e}")),
        None => fail("peer script printed no JSON".into()),
    }
}
