//! End-to-end tests of the `ferroflow-edge` binary: a small CNN is trained here on real MNIST
//! digits (CPU, a few dozen steps), saved with `io::save_model` (the format the web demo exports),
//! and classified by the binary on cpu and wgpu; PNG files written by the binary are read back;
//! every kind of bad input exits 1 with one clear line.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use ferroflow::io::save_model;
use ferroflow::nn::{Activation, DenseConfig, FlattenConfig, LayerConfig, Module, Sequential};
use ferroflow::optim::Adam;
use ferroflow::{HostData, Tensor};
use ferroflow_demos::{mnist, train};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_ferroflow-edge");

fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("ferroflow-edge-{}", std::process::id()))
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch folder");
    d
}

fn data_dir() -> PathBuf {
    mnist::default_dir()
}

/// A CNN (conv 8, pool, conv 16, pool, dense 10: logits) trained for 60 Adam steps of 32 digits
/// from the demos' training split, saved once per test run.
fn trained_model() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let all = mnist::load(&data_dir()).expect("MNIST data (demos/scripts/fetch-mnist.sh)");
        let (train_set, _) = mnist::split(&all, 2000);
        let dev = ferroflow::native::cpu();
        let model = train::cnn(&dev, 7, [8, 16], 0).expect("model");
        let vars = model.trainable_variables();
        let mut opt = Adam::new(0.005);
        for step in 0..60 {
            let idx: Vec<usize> = (step * 32..(step + 1) * 32).collect();
            let (x, y) = train::batch_tensors(&dev, &train_set, &idx).expect("batch");
            train::train_step(&model, &mut opt, &vars, &x, &y).expect("step");
        }
        let dir = scratch("model");
        save_model(&model, &dir).expect("save");
        dir
    })
}

fn edge(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("XDG_RUNTIME_DIR", xdg())
        .output()
        .expect("run ferroflow-edge")
}

/// A private XDG_RUNTIME_DIR for the binary (Mesa warns without one).
fn xdg() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = scratch("xdg");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700));
        }
        d
    })
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs with `--json` and returns the parsed object (asserting success).
fn edge_json(args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.push("--json");
    let o = edge(&a);
    assert!(o.status.success(), "{args:?} failed: {}", text(&o.stderr));
    let stdout = text(&o.stdout);
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {stdout}"))
}

fn labels(v: &Value) -> Vec<u64> {
    v["predicted"]
        .as_array()
        .expect("predicted")
        .iter()
        .map(|x| x.as_u64().expect("label"))
        .collect()
}

fn probs(v: &Value) -> Vec<f64> {
    v["probabilities"]
        .as_array()
        .expect("probabilities")
        .iter()
        .flat_map(|r| r.as_array().expect("row").iter().map(|x| x.as_f64().expect("p")))
        .collect()
}

#[test]
fn test_split_matches_the_demos() {
    let all = mnist::load(&data_dir()).expect("MNIST data");
    let (_, test) = mnist::split(&all, 2000);
    let ours = ferroflow_edge::digits::load_test_set(&data_dir(), 2000).expect("test set");
    assert_eq!(ours.len(), test.len());
    let images: Vec<u8> = ours.iter().flat_map(|d| d.pixels.clone()).collect();
    let labels: Vec<u8> = ours.iter().map(|d| d.label.expect("label")).collect();
    assert_eq!(images, test.images);
    assert_eq!(labels, test.labels);
}

#[test]
fn cpu_and_wgpu_give_the_same_labels() {
    let model = trained_model().to_str().expect("utf-8 path");
    let data = data_dir();
    let data = data.to_str().expect("utf-8 path");
    let common = ["--model", model, "--test-set", "--data-dir", data, "--n", "100"];
    let cpu = edge_json(&[&common[..], &["--backend", "cpu"]].concat());
    assert_eq!(cpu["backend"], "cpu");
    assert_eq!(labels(&cpu).len(), 100);
    let acc = cpu["accuracy"].as_f64().expect("accuracy");
    assert!(acc > 0.6, "the quickly trained model should beat 60%, got {acc}");
    assert!(cpu["output_rule"].as_str().expect("rule").contains("softmax applied"));
    for row in cpu["probabilities"].as_array().expect("rows") {
        let s: f64 = row.as_array().expect("row").iter().filter_map(Value::as_f64).sum();
        assert!((s - 1.0).abs() < 1e-4, "probabilities sum to {s}");
    }
    println!("cpu: accuracy {acc} on 100 test digits");

    // --expect with our own output passes; with one label changed it fails and names the digit.
    let dir = scratch("expect");
    let exp = dir.join("cpu.json");
    std::fs::write(&exp, cpu.to_string()).expect("write");
    let exp_s = exp.to_str().expect("utf-8 path");
    let o = edge(&[&common[..], &["--backend", "cpu", "--expect", exp_s, "--quiet"]].concat());
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("all 100 labels match"), "{}", text(&o.stdout));
    let mut wrong = cpu.clone();
    let l3 = labels(&cpu)[3];
    wrong["predicted"][3] = Value::from((l3 + 1) % 10);
    let bad = dir.join("wrong.json");
    std::fs::write(&bad, wrong.to_string()).expect("write");
    let o = edge(
        &[
            &common[..],
            &["--backend", "cpu", "--quiet", "--expect", bad.to_str().expect("utf-8")],
        ]
        .concat(),
    );
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("mismatch: #3 test[3]") && err.contains("1 of 100 labels differ"),
        "{err}"
    );

    let mut gpu_args = [&common[..], &["--backend", "wgpu", "--expect", exp_s, "--json"]].concat();
    let o = edge(&gpu_args);
    let err = text(&o.stderr);
    if !o.status.success() && err.contains("no backend could be opened") {
        println!("wgpu part skipped: no adapter ({})", err.trim());
        return;
    }
    assert!(o.status.success(), "wgpu run failed: {err}");
    let gpu: Value = serde_json::from_str(text(&o.stdout).trim()).expect("JSON");
    assert_eq!(gpu["backend"], "wgpu");
    assert_eq!(labels(&gpu), labels(&cpu), "wgpu and cpu labels differ");
    let max = probs(&gpu)
        .iter()
        .zip(probs(&cpu))
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(max < 1e-4, "wgpu vs cpu probabilities differ by {max}");
    println!("wgpu ({}): same 100 labels, max |p diff| {max:e}", gpu["device"]);
    // auto picks wgpu when an adapter exists.
    gpu_args = [&common[..], &["--n", "1", "--quiet"]].concat();
    let o = edge(&gpu_args);
    assert!(o.status.success());
    assert!(text(&o.stderr).contains("using wgpu"), "{}", text(&o.stderr));
}

/// `auto` without an adapter (wgpu told to look only for DX12, which Linux lacks) falls back to
/// the CPU and says why; `wgpu` then is an error.
#[cfg(target_os = "linux")]
#[test]
fn auto_falls_back_to_cpu_and_says_why() {
    let model = trained_model().to_str().expect("utf-8 path");
    let data = data_dir();
    let args = [
        "--model",
        model,
        "--test-set",
        "--data-dir",
        data.to_str().expect("utf-8"),
        "--n",
        "2",
        "--quiet",
    ];
    let run = |backend: &str| {
        Command::new(BIN)
            .args(args)
            .args(["--backend", backend])
            .env("WGPU_BACKEND", "dx12")
            .env("XDG_RUNTIME_DIR", xdg())
            .output()
            .expect("run")
    };
    let o = run("auto");
    let err = text(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("using cpu") && err.contains("wgpu unavailable"), "{err}");
    if ferroflow_edge::backend::HAS_GPU {
        let o = run("wgpu");
        assert_eq!(o.status.code(), Some(1));
        assert!(text(&o.stderr).contains("no backend could be opened"));
    }
}

/// The web demo's export (written by `demos/mnist-web`'s e2e test; `FERROFLOW_WEB_EXPORT`
/// overrides the folder): the binary on the CPU predicts the browser's 100 labels.
#[test]
fn web_export_predictions_match_the_browser() {
    let dir = std::env::var_os("FERROFLOW_WEB_EXPORT")
        .map(PathBuf::from)
        .unwrap_or_else(|| mnist::repo_root().join("target").join("mnist-web").join("export"));
    let files = ["model.json", "digits-100-u8.bin", "predictions-100.json"].map(|f| dir.join(f));
    if !files.iter().all(|f| f.is_file()) {
        println!(
            "skipped: no web demo export in {} (scripts/test-web-demo.sh writes it)",
            dir.display()
        );
        return;
    }
    let s = |p: &Path| p.to_str().expect("utf-8").to_string();
    let o = edge(&[
        "--model",
        &s(&dir),
        "--digits",
        &s(&files[1]),
        "--expect",
        &s(&files[2]),
        "--backend",
        "cpu",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    println!("{}", text(&o.stdout).trim());
}

#[test]
fn bench_reports_percentiles() {
    let model = trained_model().to_str().expect("utf-8 path");
    let data = data_dir();
    let v = edge_json(&[
        "--model",
        model,
        "--test-set",
        "--data-dir",
        data.to_str().expect("utf-8"),
        "--n",
        "3",
        "--backend",
        "cpu",
        "--bench",
        "--iters",
        "20",
        "--warmup",
        "2",
    ]);
    let b = &v["bench"];
    assert_eq!(b["n"], 20);
    let (p50, p99, max) = (b["p50_ms"].as_f64(), b["p99_ms"].as_f64(), b["max_ms"].as_f64());
    assert!(
        matches!((p50, p99, max), (Some(a), Some(b), Some(c)) if a > 0.0 && a <= b && b <= c),
        "{b}"
    );
}

#[test]
fn png_round_trip() {
    let model = trained_model().to_str().expect("utf-8 path");
    let data = data_dir();
    let data = data.to_str().expect("utf-8");
    let dir = scratch("pngs");
    let o = edge(&[
        "--write-png",
        dir.to_str().expect("utf-8"),
        "--test-set",
        "--data-dir",
        data,
        "--n",
        "5",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    assert_eq!(files.len(), 5, "{files:?}");
    let test = ferroflow_edge::digits::load_test_set(Path::new(data), 5).expect("test set");
    for (f, d) in files.iter().zip(&test) {
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        assert!(name.ends_with(&format!("-{}.png", d.label.expect("label"))), "{name}");
        assert_eq!(
            ferroflow_edge::image::read_png(f, false).expect("read"),
            d.pixels,
            "{name}"
        );
    }
    let mut args = vec!["--model", model, "--backend", "cpu"];
    let paths: Vec<&str> = files.iter().map(|f| f.to_str().expect("utf-8")).collect();
    args.push("--png");
    args.extend(&paths);
    let from_png = edge_json(&args);
    let from_set = edge_json(&[
        "--model",
        model,
        "--backend",
        "cpu",
        "--test-set",
        "--data-dir",
        data,
        "--n",
        "5",
    ]);
    assert_eq!(labels(&from_png), labels(&from_set));
    assert_eq!(probs(&from_png), probs(&from_set), "same pixels, same probabilities");
    assert_eq!(from_png["sources"][0].as_str(), paths.first().copied());
}

/// A model saved with a final softmax and a recorded input shape (what the JS layers API writes)
/// gives its own probabilities, unchanged.
#[test]
fn softmax_model_outputs_are_used_as_they_are() {
    let dev = ferroflow::native::cpu();
    let model = Sequential::from_configs(
        &dev,
        "mlp",
        vec![
            LayerConfig::Flatten(FlattenConfig::default().name("flatten")),
            LayerConfig::Dense(
                DenseConfig::new(784, 10)
                    .activation(Activation::Softmax)
                    .name("out")
                    .seed(3),
            ),
        ],
    )
    .and_then(|m| m.with_input_shape(Some(vec![28, 28, 1])))
    .expect("model");
    let dir = scratch("softmax-model");
    save_model(&model, &dir).expect("save");
    let digits = ferroflow_edge::digits::load_test_set(&data_dir(), 4).expect("test set");
    let x: Vec<f32> = digits
        .iter()
        .flat_map(|d| d.pixels.iter().map(|&p| f32::from(p) / 255.0))
        .collect();
    let want = model
        .forward(
            &Tensor::from_host_on(HostData::F32(x), &[4, 28, 28, 1], &dev).expect("x"),
            false,
        )
        .and_then(|y| y.to_vec_f32())
        .expect("forward");
    let v = edge_json(&[
        "--model",
        dir.to_str().expect("utf-8"),
        "--backend",
        "cpu",
        "--test-set",
        "--data-dir",
        data_dir().to_str().expect("utf-8"),
        "--n",
        "4",
    ]);
    assert!(v["output_rule"].as_str().expect("rule").contains("ends in softmax"));
    assert_eq!(v["input_shape"], serde_json::json!([28, 28, 1]));
    for (g, w) in probs(&v).iter().zip(&want) {
        assert!((g - f64::from(*w)).abs() < 1e-6, "{g} vs {w}");
    }
}

/// Every bad input: exit status 1 and exactly one line on stderr, `ferroflow-edge: error: ...`,
/// that names the problem; never a panic.
#[test]
fn bad_inputs_exit_1_with_one_clear_line() {
    let good = trained_model();
    let root = scratch("bad");
    let copy = |name: &str| -> PathBuf {
        let d = root.join(name);
        std::fs::create_dir_all(&d).expect("mkdir");
        for f in ["model.json", "weights.safetensors"] {
            std::fs::copy(good.join(f), d.join(f)).expect("copy");
        }
        d
    };
    let write = |p: &Path, bytes: &[u8]| std::fs::write(p, bytes).expect("write");
    let digits = root.join("digits.bin");
    write(&digits, &[0u8; 784 * 2]);
    let dg = digits.to_str().expect("utf-8").to_string();

    let corrupt = copy("corrupt");
    write(&corrupt.join("model.json"), b"{\"format\": \"ferroflow-layers-mo");
    let foreign = copy("foreign");
    write(
        &foreign.join("model.json"),
        b"{\"name\": \"something else\", \"version\": 3}",
    );
    let tfjs = copy("tfjs");
    write(
        &tfjs.join("model.json"),
        b"{\"format\": \"layers-model\", \"modelTopology\": {}, \"weightsManifest\": []}",
    );
    let truncated = copy("truncated");
    let w = std::fs::read(good.join("weights.safetensors")).expect("read");
    write(&truncated.join("weights.safetensors"), &w[..w.len() / 2]);
    let garbage = copy("garbage");
    write(
        &garbage.join("weights.safetensors"),
        &(0..w.len()).map(|i| (i * 131 % 251) as u8).collect::<Vec<_>>(),
    );
    // A weights file cut short with a manifest rewritten to match it (size and hash): the
    // safetensors parser itself must refuse it.
    let consistent = copy("consistent-truncation");
    let cut = &w[..w.len() - 100];
    write(&consistent.join("weights.safetensors"), cut);
    let mut m: Value =
        serde_json::from_slice(&std::fs::read(consistent.join("model.json")).expect("read")).expect("json");
    m["weights"][0]["size"] = Value::from(cut.len());
    m["weights"][0]["sha256"] = Value::from(ferroflow::io::sha256_hex(cut));
    write(&consistent.join("model.json"), m.to_string().as_bytes());
    let no_json = root.join("no-model-json");
    std::fs::create_dir_all(&no_json).expect("mkdir");
    let missing = root.join("does-not-exist");
    // A valid model that cannot take a digit (4 inputs).
    let mlp_dir = root.join("mlp4");
    let dev = ferroflow::native::cpu();
    let mlp = Sequential::from_configs(&dev, "mlp4", vec![LayerConfig::Dense(DenseConfig::new(4, 3).seed(1))])
        .and_then(|m| m.with_input_shape(Some(vec![4])))
        .expect("mlp");
    save_model(&mlp, &mlp_dir).expect("save");

    let png_27 = root.join("27x28.png");
    {
        let f = std::io::BufWriter::new(std::fs::File::create(&png_27).expect("create"));
        let mut enc = png::Encoder::new(f, 27, 28);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc.write_header().expect("header");
        wr.write_image_data(&[0u8; 27 * 28]).expect("data");
        wr.finish().expect("finish");
    }
    let not_png = root.join("digit.png");
    write(&not_png, b"GIF89a this is not a PNG");
    let short_digits = root.join("short.bin");
    write(&short_digits, &[0u8; 700]);
    let bad_labels = root.join("labels.bin");
    write(&bad_labels, &[3u8, 12]);

    let s = |p: &Path| p.to_str().expect("utf-8").to_string();
    let g = s(good);
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["--model".into(), s(&corrupt), "--digits".into(), dg.clone()],
            "not valid JSON",
        ),
        (
            vec!["--model".into(), s(&foreign), "--digits".into(), dg.clone()],
            "not a Ferroflow model",
        ),
        (vec!["--model".into(), s(&tfjs), "--digits".into(), dg.clone()], "TF.js"),
        (
            vec!["--model".into(), s(&truncated), "--digits".into(), dg.clone()],
            "bytes, the manifest says",
        ),
        (
            vec!["--model".into(), s(&garbage), "--digits".into(), dg.clone()],
            "sha256 mismatch",
        ),
        (
            vec!["--model".into(), s(&consistent), "--digits".into(), dg.clone()],
            "safetensors",
        ),
        (
            vec!["--model".into(), s(&no_json), "--digits".into(), dg.clone()],
            "model.json: no such file",
        ),
        (
            vec!["--model".into(), s(&missing), "--digits".into(), dg.clone()],
            "no such file or folder",
        ),
        (
            vec![
                "--model".into(),
                s(&good.join("model.json")),
                "--digits".into(),
                dg.clone(),
            ],
            "not a folder",
        ),
        (
            vec!["--model".into(), s(&mlp_dir), "--digits".into(), dg.clone()],
            "not 28x28 digits",
        ),
        (
            vec!["--model".into(), g.clone(), "--png".into(), s(&png_27)],
            "is 27x28 pixels; expected 28x28",
        ),
        (vec!["--model".into(), g.clone(), s(&not_png)], "not a valid PNG"),
        (
            vec!["--model".into(), g.clone(), s(&root.join("missing.png"))],
            "no such file",
        ),
        (
            vec!["--model".into(), g.clone(), "--digits".into(), s(&short_digits)],
            "784 bytes each",
        ),
        (
            vec![
                "--model".into(),
                g.clone(),
                "--digits".into(),
                dg.clone(),
                "--labels".into(),
                s(&bad_labels),
            ],
            "not a digit",
        ),
        (
            vec![
                "--model".into(),
                g.clone(),
                "--digits".into(),
                dg.clone(),
                "--expect".into(),
                s(&not_png),
            ],
            "not valid JSON",
        ),
        (
            vec![
                "--model".into(),
                g.clone(),
                "--test-set".into(),
                "--data-dir".into(),
                s(&missing),
            ],
            "MNIST data not found",
        ),
    ];
    for (args, want) in &cases {
        let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
        a.extend(["--backend", "cpu"]);
        let o = edge(&a);
        let err = text(&o.stderr);
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(o.status.code(), Some(1), "{a:?}: {err}");
        assert_eq!(lines.len(), 1, "{a:?}: expected one line, got {err}");
        assert!(lines[0].starts_with("ferroflow-edge: error: "), "{a:?}: {err}");
        assert!(lines[0].contains(want), "{a:?}: wanted {want:?} in {err}");
        assert!(
            !err.contains("panick") && !err.contains("internal error"),
            "{a:?}: {err}"
        );
        println!("{}", lines[0]);
    }
    // Usage errors: exit status 2, one line.
    for a in [
        &["--model", &g][..],
        &["--model", &g, "--test-set", "--backend", "tpu"],
        &["--bogus"],
    ] {
        let o = edge(a);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{a:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{a:?}: {err}");
        assert!(err.starts_with("ferroflow-edge: error: "), "{err}");
    }
}

/// A real TF.js graph model (nsfwjs MobileNetV2, uint8-quantized) on a 300x200 RGB PNG: the
/// binary reads it, resizes it bilinearly to 224x224 and runs it natively; its probabilities match
/// what TensorFlow.js 4.22 computes for the same picture (scripts/fetch-tfjs-models.sh writes both
/// the picture and TF.js's answer). Also: the graph-model mode's usage errors.
#[test]
fn tfjs_graph_model_on_a_picture_matches_tfjs() {
    let root = std::env::var_os("FERROFLOW_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/models"));
    let dir = root.join("tfjs/nsfwjs/mobilenet_v2_mid");
    let want_file = dir.join("oracle/image-prediction.json");
    if !want_file.is_file() {
        let msg = format!("{} not found: run scripts/fetch-tfjs-models.sh", want_file.display());
        assert!(std::env::var("FERROFLOW_REQUIRE_MODELS").is_err(), "{msg}");
        eprintln!("SKIPPED: {msg}");
        return;
    }
    let want: Value = serde_json::from_slice(&std::fs::read(&want_file).unwrap()).unwrap();
    let want: Vec<f64> = want["probabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let (d, img) = (dir.to_str().unwrap(), dir.join("oracle/image.png"));
    let img = img.to_str().unwrap();
    for backend in ["cpu", "auto"] {
        let v = edge_json(&[
            "--model",
            d,
            "--image",
            img,
            "--backend",
            backend,
            "--bench",
            "--iters",
            "3",
            "--warmup",
            "1",
        ]);
        let got: Vec<f64> = v["images"][0]["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        assert_eq!(got.len(), want.len());
        let scale = want.iter().fold(0f64, |m, w| m.max(w.abs()));
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g - w).abs() <= 1e-3 * w.abs().max(scale * 1e-3),
                "{backend}: {got:?} vs TF.js {want:?}"
            );
        }
        assert_eq!(v["images"][0]["top"][0][0], 2, "{backend}: the top class");
        assert_eq!(v["bench"]["n"], 3);
        eprintln!(
            "{backend} ({}): {got:?}, bench p50 {} ms",
            v["backend"], v["bench"]["p50_ms"]
        );
    }
    let no_image = edge(&["--model", d, "--backend", "cpu", "--png", "x.png"]);
    assert_eq!(no_image.status.code(), Some(1));
    assert!(
        text(&no_image.stderr).contains("is a TF.js graph model: give pictures with --image"),
        "{}",
        text(&no_image.stderr)
    );
    let digits_model = trained_model().to_str().unwrap().to_string();
    let wrong = edge(&["--model", &digits_model, "--image", img, "--backend", "cpu"]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        text(&wrong.stderr).contains("--image needs a TF.js graph model"),
        "{}",
        text(&wrong.stderr)
    );
    let not_png = edge(&["--model", d, "--image", want_file.to_str().unwrap(), "--backend", "cpu"]);
    assert_eq!(not_png.status.code(), Some(1));
    assert!(
        text(&not_png.stderr).contains("not a valid PNG file"),
        "{}",
        text(&not_png.stderr)
    );
}
