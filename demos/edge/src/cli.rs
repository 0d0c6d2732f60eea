//! Command-line arguments.

use std::path::PathBuf;

pub const USAGE: &str = "\
ferroflow-edge: classifies handwritten digits with a saved Ferroflow model, or pictures with a
TF.js graph model, natively (wgpu when an adapter exists, else the CPU).

usage: ferroflow-edge --model DIR [INPUTS] [OPTIONS]
       ferroflow-edge --model TFJS_GRAPH_MODEL_DIR --image FILE.png... [--bench] [--json]
       ferroflow-edge --write-png OUT_DIR [INPUTS]

Inputs (any mix, classified in this order):
  --png FILE...        28x28 PNG files; bare arguments are PNG files too. 8/16-bit gray,
                       gray+alpha, RGB, RGBA or palette; color -> luminance, alpha over black.
                       MNIST digits are WHITE ink on a BLACK background (see --invert).
  --digits FILE        raw digits: N x 784 bytes, 28x28 row-major, 0 = black background
  --labels FILE        the N labels of --digits, one byte (0-9) each: enables accuracy
  --test-set           the demos' MNIST test split (the 2,000 digits mnist-native holds out)
  --data-dir DIR       where --test-set reads images-u8.bin, labels-u8.bin     [data/mnist]
  --n N                use the first N digits of --digits / --test-set  [all / 100]

Pictures (with a TF.js graph model):
  --image FILE...      PNG pictures of any size (gray or RGB, alpha over black), scaled to
                       [0, 1] and resized bilinearly to the model's input (as TF.js's
                       image.resizeBilinear); prints the first output's top 5 classes

Options:
  --model DIR          folder with model.json + weights.safetensors, as written by the web
                       demo, the npm package's model.save or ferroflow::io::save_model; or a
                       TF.js graph model (model.json with \"format\": \"graph-model\" + shards)
  --backend NAME       auto (wgpu if an adapter opens, else cpu, saying why), wgpu, cpu [auto]
  --invert             invert PNG inputs (for dark digits drawn on a light background)
  --expect FILE        predictions to compare with: {\"predicted\": [labels...], ...} (the web
                       demo's predictions-100.json, or this tool's --json output); mismatches
                       are listed and the exit status is 1
  --bench              batch-1 latency percentiles (p50/p90/p99/max) after a warm-up
  --iters N            timed inferences for --bench                              [200]
  --warmup N           untimed inferences before --bench timing                  [10]
  --json               print one JSON object (predicted, probabilities, labels, latency_ms,
                       bench) on stdout instead of the table; notes still go to stderr
  --quiet              no per-digit lines, only the summary
  --write-png DIR      write the input digits to DIR as 8-bit gray PNGs (NNNN-LABEL.png);
                       without --model, nothing is classified
  -h, --help           this text

Each digit is a batch of one; its latency is host pixels in -> host probabilities out
(upload, forward pass, readback); the first includes kernel compilation.
Exit status: 0 success; 1 error (one line 'ferroflow-edge: error: ...' on stderr) or
--expect mismatches; 2 usage error.";

/// Parsed arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Args {
    pub model: Option<PathBuf>,
    pub pngs: Vec<PathBuf>,
    pub images: Vec<PathBuf>,
    pub digits: Option<PathBuf>,
    pub labels: Option<PathBuf>,
    pub test_set: bool,
    pub data_dir: PathBuf,
    pub n: Option<usize>,
    pub backend: String,
    pub invert: bool,
    pub expect: Option<PathBuf>,
    pub bench: bool,
    pub iters: usize,
    pub warmup: usize,
    pub json: bool,
    pub quiet: bool,
    pub write_png: Option<PathBuf>,
}

impl Default for Args {
    fn default() -> Self {
        Args {
            model: None,
            pngs: vec![],
            images: vec![],
            digits: None,
            labels: None,
            test_set: false,
            data_dir: PathBuf::from("data").join("mnist"),
            n: None,
            backend: "auto".into(),
            invert: false,
            expect: None,
            bench: false,
            iters: 200,
            warmup: 10,
            json: false,
            quiet: false,
            write_png: None,
        }
    }
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Help,
    Run(Box<Args>),
}

/// Parses `argv` (without the program name). Errors are usage errors (exit status 2).
pub fn parse(argv: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut a = Args::default();
    let mut it = argv.into_iter().peekable();
    let mut only_files = false;
    while let Some(arg) = it.next() {
        if only_files || !arg.starts_with('-') || arg == "-" {
            a.pngs.push(PathBuf::from(arg));
            continue;
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            match inline.clone().or_else(|| it.next()) {
                Some(v) if !v.is_empty() => Ok(v),
                _ => Err(format!("{name} needs a value")),
            }
        };
        fn count(name: &str, v: String) -> Result<usize, String> {
            v.parse()
                .map_err(|_| format!("{name}: expected a whole number, got {v:?}"))
        }
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--model" => a.model = Some(value("--model")?.into()),
            "--png" => {
                a.pngs.push(value("--png")?.into());
                while let Some(next) = it.peek() {
                    if next.starts_with('-') {
                        break;
                    }
                    a.pngs.extend(it.next().map(PathBuf::from));
                }
            }
            "--image" => {
                a.images.push(value("--image")?.into());
                while let Some(next) = it.peek() {
                    if next.starts_with('-') {
                        break;
                    }
                    a.images.extend(it.next().map(PathBuf::from));
                }
            }
            "--digits" => a.digits = Some(value("--digits")?.into()),
            "--labels" => a.labels = Some(value("--labels")?.into()),
            "--test-set" => a.test_set = true,
            "--data-dir" => a.data_dir = value("--data-dir")?.into(),
            "--n" => a.n = Some(count("--n", value("--n")?)?),
            "--backend" => a.backend = value("--backend")?,
            "--invert" => a.invert = true,
            "--expect" => a.expect = Some(value("--expect")?.into()),
            "--bench" => a.bench = true,
            "--iters" => a.iters = count("--iters", value("--iters")?)?,
            "--warmup" => a.warmup = count("--warmup", value("--warmup")?)?,
            "--json" => a.json = true,
            "--quiet" => a.quiet = true,
            "--write-png" => a.write_png = Some(value("--write-png")?.into()),
            "--" => only_files = true,
            other => return Err(format!("unknown argument {other:?}")),
        }
        if inline.is_some()
            && matches!(
                flag.as_str(),
                "--test-set" | "--invert" | "--bench" | "--json" | "--quiet"
            )
        {
            return Err(format!("{flag} takes no value"));
        }
    }
    if !crate::backend::KNOWN.contains(&a.backend.as_str()) {
        return Err(format!(
            "unknown backend {:?}; available: {}",
            a.backend,
            crate::backend::KNOWN.join(", ")
        ));
    }
    if a.labels.is_some() && a.digits.is_none() {
        return Err("--labels needs --digits".into());
    }
    if a.n == Some(0) {
        return Err("--n must be at least 1".into());
    }
    if a.bench && a.iters == 0 {
        return Err("--iters must be at least 1".into());
    }
    if a.pngs.is_empty() && a.digits.is_none() && !a.test_set && a.images.is_empty() {
        return Err("no digits given: use --png FILE..., --digits FILE or --test-set (or --image FILE... with a TF.js graph model)".into());
    }
    if a.model.is_none() && a.write_png.is_none() {
        return Err("--model DIR is required (or --write-png DIR to only write PNGs)".into());
    }
    if a.model.is_none() && (a.expect.is_some() || a.bench) {
        return Err("--expect and --bench need --model".into());
    }
    Ok(Command::Run(Box::new(a)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Args, String> {
        match parse(args.iter().map(|s| s.to_string()))? {
            Command::Run(a) => Ok(*a),
            Command::Help => Err("help".into()),
        }
    }

    #[test]
    fn parses_inputs_and_options() {
        let a = run(&[
            "--model",
            "m",
            "--png",
            "a.png",
            "b.png",
            "--backend=cpu",
            "c.png",
            "--test-set",
            "--n",
            "5",
        ]);
        let Ok(a) = a else { panic!("{a:?}") };
        assert_eq!(a.model, Some(PathBuf::from("m")));
        assert_eq!(a.pngs, ["a.png", "b.png", "c.png"].map(PathBuf::from).to_vec());
        assert_eq!(a.backend, "cpu");
        assert!(a.test_set);
        assert_eq!(a.n, Some(5));
    }

    #[test]
    fn usage_errors() {
        for (args, want) in [
            (&["--model", "m"][..], "no digits"),
            (&["--test-set"][..], "--model DIR is required"),
            (
                &["--model", "m", "--test-set", "--backend", "tpu"][..],
                "unknown backend",
            ),
            (&["--model", "m", "--test-set", "--n", "x"][..], "whole number"),
            (&["--model", "m", "--test-set", "--frobnicate"][..], "unknown argument"),
            (&["--model"][..], "needs a value"),
            (&["--model", "m", "--labels", "l.bin"][..], "--labels needs --digits"),
            (&["--model", "m", "--test-set", "--json=1"][..], "takes no value"),
        ] {
            let e = run(args).err().unwrap_or_default();
            assert!(e.contains(want), "{args:?}: {e}");
        }
        assert_eq!(parse(["--help".to_string()]), Ok(Command::Help));
    }
}
