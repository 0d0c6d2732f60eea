//! The op x backend matrix: runs every conformance case (forward check and finite-difference
//! gradient check) on the present backends and reports one line per TF.js op.
//!
//! ```text
//! op-matrix [--json] [--backend NAME]
//! ```
//!
//! With `--json`, stdout gets one JSON object per op:
//! `{"op": "add", "backends": {"cpu": {"forward": "pass", "grad": "pass"}}}` (forward:
//! pass|fail|skip, grad: pass|fail|skip|n/a), and stderr a summary with counts, skip reasons and
//! failure details. Without it, a readable table. Exit status: 0 when nothing failed, 1 when a
//! check failed, 2 for bad arguments (including an unknown backend name).

use std::process::ExitCode;
use std::time::Instant;

use ferroflow_tests::cases;
use ferroflow_tests::conformance::backends::{self, BackendEntry, KNOWN};
use ferroflow_tests::conformance::{run_all, Outcome, Status};

struct Args {
    json: bool,
    backend: Option<String>,
}

fn usage() -> String {
    format!(
        "usage: op-matrix [--json] [--backend NAME]   (backends: {})",
        KNOWN.join(", ")
    )
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        json: false,
        backend: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--json" => args.json = true,
            "--backend" => args.backend = Some(it.next().ok_or("--backend needs a name")?),
            s if s.starts_with("--backend=") => args.backend = Some(s["--backend=".len()..].to_string()),
            "-h" | "--help" => return Err(usage()),
            other => return Err(format!("unknown argument {other:?}\n{}", usage())),
        }
    }
    Ok(args)
}

/// Folds a case's statuses for one op: any failure fails, else any pass passes, else skip, else n/a.
fn fold<'a>(statuses: impl Iterator<Item = &'a Status>) -> &'static str {
    let all: Vec<&Status> = statuses.collect();
    if all.iter().any(|s| s.is_fail()) {
        "fail"
    } else if all.iter().any(|s| **s == Status::Pass) {
        "pass"
    } else if all.iter().any(|s| matches!(s, Status::Skip(_))) {
        "skip"
    } else {
        "n/a"
    }
}

/// Per op (in table order): per backend, the folded forward and grad words.
fn matrix<'a>(
    outcomes: &'a [Outcome],
    registry: &[BackendEntry],
) -> Vec<(&'static str, Vec<(&'static str, &'static str, &'static str)>)> {
    let mut ops: Vec<&'static str> = vec![];
    for o in outcomes {
        if !ops.contains(&o.op) {
            ops.push(o.op);
        }
    }
    ops.iter()
        .map(|&op| {
            let cols = registry
                .iter()
                .map(|b| {
                    let mine = || {
                        outcomes
                            .iter()
                            .filter(move |o: &&'a Outcome| o.op == op && o.backend == b.name)
                    };
                    (b.name, fold(mine().map(|o| &o.forward)), fold(mine().map(|o| &o.grad)))
                })
                .collect();
            (op, cols)
        })
        .collect()
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("op-matrix: {msg}");
            return ExitCode::from(2);
        }
    };
    let registry: Vec<BackendEntry> = match &args.backend {
        None => backends::backends(),
        Some(name) => match backends::backend(name) {
            Some(b) => vec![b],
            None => {
                eprintln!("op-matrix: unknown backend {name:?} (known: {})", KNOWN.join(", "));
                return ExitCode::from(2);
            }
        },
    };
    for b in &registry {
        match &b.device {
            Ok(d) => eprintln!("backend {}: {}", b.name, d.description()),
            Err(reason) => eprintln!("backend {}: SKIPPED: {reason}", b.name),
        }
    }

    let start = Instant::now();
    let all = cases::all();
    let outcomes = run_all(&all, &registry);
    let elapsed = start.elapsed();
    let rows = matrix(&outcomes, &registry);

    if args.json {
        for (op, cols) in &rows {
            let mut backends = serde_json::Map::new();
            for (name, fwd, grad) in cols {
                backends.insert(name.to_string(), serde_json::json!({ "forward": fwd, "grad": grad }));
            }
            // "op" first for readability (serde_json maps sort their keys).
            println!(
                "{{\"op\":{},\"backends\":{}}}",
                serde_json::json!(op),
                serde_json::Value::Object(backends)
            );
        }
    } else {
        let mut header = format!("{:<28}", "op");
        for b in &registry {
            header.push_str(&format!(" {:>6} {:>6}", format!("{}:fw", b.name), "grad"));
        }
        println!("{header}");
        for (op, cols) in &rows {
            let mut line = format!("{op:<28}");
            for (_, fwd, grad) in cols {
                line.push_str(&format!(" {fwd:>6} {grad:>6}"));
            }
            println!("{line}");
        }
    }

    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| o.failed()).collect();
    for o in &failed {
        eprintln!("FAIL {}", o.describe());
    }
    eprintln!(
        "summary: {} ops, {} cases, {:.1}s",
        rows.len(),
        all.len(),
        elapsed.as_secs_f64()
    );
    for b in &registry {
        let count = |word: &str, grad: bool| {
            rows.iter()
                .filter(|(_, cols)| {
                    cols.iter()
                        .any(|(n, f, g)| *n == b.name && (if grad { *g } else { *f }) == word)
                })
                .count()
        };
        eprintln!(
            "  {}: forward {} pass, {} fail, {} skip; grad {} pass, {} fail, {} skip, {} n/a",
            b.name,
            count("pass", false),
            count("fail", false),
            count("skip", false),
            count("pass", true),
            count("fail", true),
            count("skip", true),
            count("n/a", true)
        );
    }
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
