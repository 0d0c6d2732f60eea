//! TF.js graph models (core's `tfjs` module) on every present backend:
//! - the real nsfwjs MobileNetV2 graph model against TensorFlow.js 4.22's outputs for the same
//!   input (`scripts/fetch-tfjs-models.sh` writes both; without them the test says it skipped,
//!   unless `FERROFLOW_REQUIRE_MODELS=1`, as in CI, makes that a failure);
//! - small hand-written graphs: fused ops, NCHW, feeds and fetches of inner nodes, and every kind
//!   of bad model or bad call giving an error that names the problem.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use ferroflow::io::LoadLimits;
use ferroflow::tfjs::GraphModel;
use std::collections::BTreeSet;
use std::sync::Arc;

use ferroflow::ir::Kernel;
use ferroflow::{Backend, Buffer, DType, Device, DownloadFuture, Executable, HostData, Tensor};
use ferroflow_tests::conformance::backends::{present, skip_notes};
use serde_json::{json, Value};

/// What `scripts/fetch-tfjs-models.sh` writes (`FERROFLOW_MODELS_DIR`, default `data/models`).
fn tfjs_dir() -> PathBuf {
    std::env::var_os("FERROFLOW_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/models"))
        .join("tfjs")
}

/// Whether `file` is there; if not, says the test skipped (or fails under
/// `FERROFLOW_REQUIRE_MODELS=1`, as in CI).
fn fetched(file: &std::path::Path) -> bool {
    if file.is_file() {
        return true;
    }
    let msg = format!(
        "{} not found: run scripts/fetch-tfjs-models.sh (it fetches nsfwjs@4.4.0 and runs TF.js 4.22 on it)",
        file.display()
    );
    assert!(std::env::var("FERROFLOW_REQUIRE_MODELS").is_err(), "{msg}");
    eprintln!("SKIPPED: {msg}");
    false
}

fn f32s(path: &std::path::Path) -> Vec<f32> {
    let b = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// The largest `|got - want| / max(|want|, floor)` with `floor` a thousandth of the output's
/// largest magnitude, so values near zero (after ReLU, tiny probabilities) are compared on the
/// output's scale.
fn max_rel_err(got: &[f32], want: &[f32]) -> f64 {
    assert_eq!(got.len(), want.len());
    let scale = want.iter().fold(0f64, |m, &w| m.max(f64::from(w).abs()));
    let floor = (scale * 1e-3).max(1e-30);
    got.iter()
        .zip(want)
        .map(|(&g, &w)| (f64::from(g) - f64::from(w)).abs() / f64::from(w).abs().max(floor))
        .fold(0.0, f64::max)
}

#[test]
fn nsfwjs_mobilenet_v2_graph_model_matches_tfjs() {
    let dir = tfjs_dir().join("nsfwjs/mobilenet_v2_mid");
    let oracle = dir.join("oracle/oracle.json");
    if !fetched(&oracle) {
        return;
    }
    for note in skip_notes() {
        eprintln!("{note}");
    }
    let meta: Value = serde_json::from_slice(&std::fs::read(&oracle).unwrap()).unwrap();
    let in_shape: Vec<usize> = serde_json::from_value(meta["input"]["shape"].clone()).unwrap();
    let input = f32s(&dir.join("oracle/input.f32"));
    let outputs = meta["outputs"].as_array().unwrap();
    for (name, dev) in present() {
        let t0 = std::time::Instant::now();
        let model = GraphModel::load_dir(&dir, &dev, &LoadLimits::default()).unwrap();
        let load = t0.elapsed();
        assert_eq!(model.inputs()[0].name, "input");
        assert_eq!(model.outputs()[0].name, "Identity");
        // lavapipe runs a software rasterizer's compute: one example is enough there.
        let batch = if name == "wgpu" { 1 } else { in_shape[0] };
        let per = input.len() / in_shape[0];
        let mut shape = in_shape.clone();
        shape[0] = batch;
        let x = Tensor::from_host_on(HostData::F32(input[..per * batch].to_vec()), &shape, &dev).unwrap();
        let names: Vec<&str> = outputs.iter().map(|o| o["name"].as_str().unwrap()).collect();
        let t1 = std::time::Instant::now();
        let got = model.execute(&[("input", x)], &names).unwrap();
        let mut line = format!("{name}: load {load:.2?}");
        for (o, g) in outputs.iter().zip(&got) {
            let want = f32s(&dir.join("oracle").join(o["file"].as_str().unwrap()));
            let want = &want[..want.len() / in_shape[0] * batch];
            let g = g.to_vec_f32().unwrap();
            let err = max_rel_err(&g, want);
            let short = o["name"].as_str().unwrap().rsplit('/').next().unwrap();
            line += &format!(", {short} max rel err {err:.2e}");
            assert!(
                err <= 1e-3,
                "{name}: output {} differs from TF.js: max rel err {err:.3e}",
                o["name"]
            );
        }
        eprintln!("{line}, run {:.2?} (batch {batch})", t1.elapsed());
    }
}

fn host_of(v: &Value) -> HostData {
    let values = v["values"].as_array().unwrap();
    match v["dtype"].as_str().unwrap() {
        "float32" => HostData::F32(values.iter().map(|x| x.as_f64().unwrap_or(f64::NAN) as f32).collect()),
        "int32" => HostData::I32(values.iter().map(|x| x.as_f64().unwrap() as i32).collect()),
        "bool" => HostData::Bool(values.iter().map(|x| x.as_f64().unwrap() != 0.0).collect()),
        d => panic!("dtype {d}"),
    }
}

/// Every single-op case of `scripts/tfjs-models/op-cases.cjs` (a graph model of one TF op fed by
/// a placeholder and constants) against TF.js's outputs, on every present backend: same dtypes and
/// shapes, values within 1e-4 relative (+1e-5 absolute). Also: every op the executor supports is
/// one the converter's op list names, and the coverage per category is printed.
/// The per-op cases `scripts/tfjs-models/op-cases.cjs` wrote (None, after saying so, without them).
fn op_cases() -> Option<Vec<Value>> {
    let file = tfjs_dir().join("op-cases/cases.json");
    fetched(&file).then(|| serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap())
}

/// Runs one op case (TF.js's graph, weights and feed) on `dev`; `run_async` drives
/// [`GraphModel::execute_async`] instead of `execute`.
fn run_case(c: &Value, dev: &Device, host: Option<Device>, run_async: bool) -> Result<Vec<Tensor>, String> {
    let name = c["name"].as_str().unwrap();
    if let Some(e) = c.get("error") {
        return Err(format!("{name}: TF.js refused the case: {e}"));
    }
    let json = serde_json::to_vec(&c["modelJson"]).unwrap();
    let weights = ferroflow::tfjs::graph_def::base64_decode(c["weights"].as_str().unwrap()).unwrap();
    let run = || -> ferroflow::Result<Vec<Tensor>> {
        let mut m = GraphModel::from_parts(&json, &[vec![weights.clone()]], dev, &LoadLimits::default())?;
        if let Some(h) = host {
            m.set_host_device(h);
        }
        let feed = &c["feed"];
        let mut feeds = vec![];
        if !feed.is_null() {
            let shape: Vec<usize> = serde_json::from_value(feed["shape"].clone()).unwrap();
            feeds.push(("in0", Tensor::from_host_on(host_of(feed), &shape, dev)?));
        }
        let fetch: Vec<&str> = c["fetch"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        if run_async {
            pollster::block_on(m.execute_async(&feeds, &fetch))
        } else {
            m.execute(&feeds, &fetch)
        }
    };
    run().map_err(|e| format!("{name}: {e}"))
}

/// Each output against TF.js's: dtype, shape, and values within 1e-5 + 1e-4 relative.
fn compare_case(c: &Value, got: &[Tensor]) -> Result<(), String> {
    let name = c["name"].as_str().unwrap();
    for (k, (g, want)) in got.iter().zip(c["outputs"].as_array().unwrap()).enumerate() {
        let shape: Vec<usize> = serde_json::from_value(want["shape"].clone()).unwrap();
        let dtype = match want["dtype"].as_str().unwrap() {
            "float32" => DType::F32,
            "int32" => DType::I32,
            _ => DType::Bool,
        };
        if g.shape() != shape.as_slice() || g.dtype() != dtype {
            return Err(format!(
                "{name} output {k}: {:?} {:?}, TF.js {dtype:?} {shape:?}",
                g.dtype(),
                g.shape(),
            ));
        }
        let gv: Vec<f64> = match pollster::block_on(g.to_host_async()).map_err(|e| e.to_string())? {
            HostData::F32(v) => v.into_iter().map(f64::from).collect(),
            HostData::I32(v) => v.into_iter().map(f64::from).collect(),
            HostData::Bool(v) => v.into_iter().map(|b| f64::from(u8::from(b))).collect(),
        };
        if let Some(r) = want.get("random") {
            check_sample(&gv, r).map_err(|e| format!("{name} output {k}: {e}"))?;
            continue;
        }
        let wv: Vec<f64> = want["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap_or(f64::NAN))
            .collect();
        let bad = gv
            .iter()
            .zip(&wv)
            .position(|(a, b)| !((a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-5 + 1e-4 * b.abs()));
        if let Some(i) = bad {
            return Err(format!("{name} output {k}: element {i} is {}, TF.js {}", gv[i], wv[i]));
        }
    }
    Ok(())
}

/// A random op's sample against TF.js's (`random`: the distribution's bounds, TF.js's mean and
/// standard deviation, and the tolerance for another sample's).
fn check_sample(got: &[f64], r: &Value) -> Result<(), String> {
    let f = |k: &str| r[k].as_f64().unwrap();
    let n = got.len() as f64;
    let mean = got.iter().sum::<f64>() / n;
    let std = (got.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    if let Some(v) = got.iter().find(|&&v| !(f("lo")..=f("hi")).contains(&v)) {
        return Err(format!("sample value {v} outside [{}, {}]", f("lo"), f("hi")));
    }
    if (mean - f("mean")).abs() > f("tol") || (std - f("std")).abs() > f("tol") {
        return Err(format!(
            "sample mean {mean:.4} std {std:.4}, TF.js's {:.4} {:.4} (tolerance {:.4})",
            f("mean"),
            f("std"),
            f("tol")
        ));
    }
    Ok(())
}

#[test]
fn every_supported_op_matches_tfjs_on_its_cases() {
    let Some(cases) = op_cases() else { return };
    let dir = tfjs_dir().join("op-cases");
    let op_list: serde_json::Map<String, Value> =
        serde_json::from_slice(&std::fs::read(dir.join("op-list.json")).unwrap()).unwrap();
    let supported = ferroflow::tfjs::supported_ops();
    let unknown: Vec<&&str> = supported
        .iter()
        .filter(|o| !op_list.contains_key(**o) && **o != "BatchMatMulV3")
        .collect();
    assert!(
        unknown.is_empty(),
        "ops the converter's list does not name: {unknown:?}"
    );
    // A case tests its op, and the other ops it lists (a TF1 loop tests all six frame ops).
    let tested: std::collections::BTreeSet<&str> = cases
        .iter()
        .flat_map(|c| {
            let also = c["ops"].as_array().into_iter().flatten().filter_map(Value::as_str);
            std::iter::once(c["op"].as_str().unwrap()).chain(also)
        })
        .collect();
    let untested: Vec<&&str> = supported
        .iter()
        .filter(|o| !tested.contains(**o) && !matches!(**o, "Placeholder" | "Const" | "NoOp"))
        .collect();
    assert!(untested.is_empty(), "supported ops without a TF.js case: {untested:?}");
    let mut by_category: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for (op, cat) in &op_list {
        let e = by_category.entry(cat.as_str().unwrap()).or_default();
        e.1 += 1;
        if supported.contains(&op.as_str()) {
            e.0 += 1;
        }
    }
    let coverage: Vec<String> = by_category.iter().map(|(c, (s, n))| format!("{c} {s}/{n}")).collect();
    eprintln!("converter ops supported: {}", coverage.join(", "));

    let mut failures = vec![];
    for (backend, dev) in present() {
        let mut passed = 0;
        for c in &cases {
            // As the JS bindings do: shape arithmetic folds on the CPU backend.
            let host = (backend != "cpu").then(ferroflow::native::cpu);
            let r = run_case(c, &dev, host, false).and_then(|got| compare_case(c, &got));
            match r {
                Ok(()) => passed += 1,
                Err(e) => failures.push(format!("{backend} {e}")),
            }
        }
        eprintln!("{backend}: {passed}/{} op cases match TF.js", cases.len());
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A graph model's `model.json` around `nodes`, with `weights` (name, shape, values) in one shard.
fn model_json(nodes: Value, weights: &[(&str, Vec<usize>, Vec<f32>)]) -> (Vec<u8>, Vec<u8>) {
    let mut shard = vec![];
    let specs: Vec<Value> = weights
        .iter()
        .map(|(n, s, v)| {
            shard.extend(v.iter().flat_map(|x| x.to_le_bytes()));
            json!({"name": n, "shape": s, "dtype": "float32"})
        })
        .collect();
    let m = json!({
        "format": "graph-model",
        "generatedBy": "hand",
        "convertedBy": null,
        "modelTopology": {"node": nodes, "library": {}, "versions": {}},
        "weightsManifest": [{"paths": ["w.bin"], "weights": specs}]
    });
    (serde_json::to_vec(&m).unwrap(), shard)
}

fn load(dev: &Device, nodes: Value, weights: &[(&str, Vec<usize>, Vec<f32>)]) -> ferroflow::Result<GraphModel> {
    let (j, shard) = model_json(nodes, weights);
    GraphModel::from_parts(&j, &[vec![shard]], dev, &LoadLimits::default())
}

fn s(text: &str) -> Value {
    // proto3 JSON writes strings as base64.
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = text.as_bytes();
    let mut out = String::new();
    for c in b.chunks(3) {
        let n =
            (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    json!({ "s": out })
}

fn placeholder(name: &str, dims: &[i64]) -> Value {
    let dim: Vec<Value> = dims.iter().map(|d| json!({"size": d.to_string()})).collect();
    json!({"name": name, "op": "Placeholder", "attr": {"dtype": {"type": "DT_FLOAT"}, "shape": {"shape": {"dim": dim}}}})
}

fn constant(name: &str) -> Value {
    json!({"name": name, "op": "Const", "attr": {"dtype": {"type": "DT_FLOAT"}}})
}

fn close(got: &Tensor, want: &[f64]) {
    let g = got.to_vec_f32().unwrap();
    assert_eq!(g.len(), want.len(), "{g:?} vs {want:?}");
    for (a, b) in g.iter().zip(want) {
        assert!((f64::from(*a) - b).abs() <= 1e-5 * (1.0 + b.abs()), "{g:?} vs {want:?}");
    }
}

/// A fused 1x1 convolution with bias and Relu6 (NHWC, and the same in NCHW), a fused MatMul
/// with bias, and feeds/fetches of inner nodes, against values worked by hand.
#[test]
fn small_graphs_run_fused_ops_and_inner_fetches() {
    let fused = |fmt: &str| {
        json!({"name": "conv", "op": "_FusedConv2D", "input": ["x", "w", "b"], "attr": {
            "T": {"type": "DT_FLOAT"}, "data_format": s(fmt), "padding": s("VALID"),
            "strides": {"list": {"i": ["1", "1", "1", "1"]}}, "dilations": {"list": {"i": ["1", "1", "1", "1"]}},
            "num_args": {"i": "1"}, "fused_ops": {"list": {"s": [s("BiasAdd")["s"], s("Relu6")["s"]]}}}})
    };
    // 1x1 conv, 2 -> 2 channels: y = relu6(x @ w + b) per pixel.
    let weights = [
        ("w", vec![1, 1, 2, 2], vec![1.0, 2.0, -1.0, 3.0]),
        ("b", vec![2], vec![0.5, -1.0]),
    ];
    for (name, dev) in present() {
        // NHWC: pixels (1, 2) and (3, -1): [1 - 2 + .5, 2 + 6 - 1] = [-0.5 -> 0, 7 -> 6]; [3 + 1 + .5, 6 - 3 - 1] = [4.5, 2].
        let nodes = json!([placeholder("x", &[-1, 1, 2, 2]), constant("w"), constant("b"), fused("NHWC"),
            {"name": "out", "op": "Identity", "input": ["conv"], "attr": {"T": {"type": "DT_FLOAT"}}}]);
        let m = load(&dev, nodes, &weights).unwrap();
        assert_eq!(m.inputs()[0].name, "x");
        assert_eq!(m.outputs()[0].name, "out");
        let x = Tensor::from_host_on(HostData::F32(vec![1.0, 2.0, 3.0, -1.0]), &[1, 1, 2, 2], &dev).unwrap();
        let y = m.predict(&[x]).unwrap();
        close(&y[0], &[0.0, 6.0, 4.5, 2.0]);
        assert_eq!(y[0].shape(), &[1, 1, 2, 2], "{name}");

        // NCHW: the same pixels laid out channel-first.
        let nodes = json!([
            placeholder("x", &[-1, 2, 1, 2]),
            constant("w"),
            constant("b"),
            fused("NCHW")
        ]);
        let m = load(&dev, nodes, &weights).unwrap();
        let x = Tensor::from_host_on(HostData::F32(vec![1.0, 3.0, 2.0, -1.0]), &[1, 2, 1, 2], &dev).unwrap();
        close(&m.predict(&[x]).unwrap()[0], &[0.0, 4.5, 6.0, 2.0]);

        // _FusedMatMul with a bias, Softmax after it; fetch the inner node, and feed it.
        let nodes = json!([placeholder("x", &[-1, 2]), constant("w"), constant("b"),
            {"name": "mm", "op": "_FusedMatMul", "input": ["x", "w", "b"], "attr": {"T": {"type": "DT_FLOAT"},
             "transpose_a": {"b": false}, "transpose_b": {"b": false}, "num_args": {"i": "1"},
             "fused_ops": {"list": {"s": [s("BiasAdd")["s"]]}}, "epsilon": {"f": 0}}},
            {"name": "sm", "op": "Softmax", "input": ["mm"], "attr": {"T": {"type": "DT_FLOAT"}}}]);
        let w2 = [
            ("w", vec![2, 2], vec![1.0, 2.0, -1.0, 3.0]),
            ("b", vec![2], vec![0.5, -1.0]),
        ];
        let m = load(&dev, nodes, &w2).unwrap();
        let x = Tensor::from_host_on(HostData::F32(vec![1.0, 2.0]), &[1, 2], &dev).unwrap();
        let r = m.execute(&[("x", x)], &["mm", "sm:0"]).unwrap();
        close(&r[0], &[-0.5, 7.0]);
        let e = (-7.5f64).exp();
        close(&r[1], &[e / (1.0 + e), 1.0 / (1.0 + e)]);
        let fed = Tensor::from_host_on(HostData::F32(vec![0.0, 0.0]), &[1, 2], &dev).unwrap();
        close(&m.execute(&[("mm", fed)], &["sm"]).unwrap()[0], &[0.5, 0.5]);
    }
}

/// Bad models fail at load and bad calls fail at run, each with an error naming the problem;
/// the model keeps working after a failed call.
#[test]
fn bad_graphs_and_bad_calls_are_named_errors() {
    let dev = ferroflow::native::cpu();
    let err =
        |nodes: Value, w: &[(&str, Vec<usize>, Vec<f32>)]| load(&dev, nodes, w).err().expect("an error").to_string();
    let id = |name: &str, input: &str| json!({"name": name, "op": "Identity", "input": [input]});

    let e = err(
        json!([placeholder("x", &[2]), {"name": "a", "op": "Lgamma", "input": ["x"]},
        {"name": "b", "op": "Bucketize", "input": ["a"]}, {"name": "c", "op": "Lgamma", "input": ["b"]}]),
        &[],
    );
    assert!(
        e.contains("TF ops Ferroflow does not support: Bucketize, Lgamma"),
        "{e}"
    );
    let e = err(json!([id("a", "b"), id("b", "a")]), &[]);
    assert!(e.contains("cycle"), "{e}");
    let e = err(json!([id("a", "nowhere")]), &[]);
    assert!(e.contains("input \"nowhere\" names no node"), "{e}");
    let e = err(json!([id("a", "x"), placeholder("x", &[1]), id("a", "x")]), &[]);
    assert!(e.contains("two nodes are named \"a\""), "{e}");
    let e = err(
        json!([placeholder("x", &[1]), {"name": "loop", "op": "While", "input": ["x"],
            "attr": {"cond": {"func": {"name": "c"}}, "body": {"func": {"name": "b"}}}}]),
        &[],
    );
    assert!(
        e.contains("calls function \"c\", which the graph's library does not define"),
        "{e}"
    );
    let e = err(json!([constant("w")]), &[("v", vec![1], vec![1.0])]);
    assert!(e.contains("Const node \"w\" has no weight of that name"), "{e}");

    // Shards that do not add up, a hostile path, an unknown field.
    let (j, shard) = model_json(json!([constant("w")]), &[("w", vec![2], vec![1.0, 2.0])]);
    let e = GraphModel::from_parts(&j, &[vec![shard[..7].to_vec()]], &dev, &LoadLimits::default())
        .err()
        .unwrap();
    assert!(
        e.to_string().contains("the shards hold 7 bytes, the weights need 8"),
        "{e}"
    );
    let hostile = String::from_utf8(j.clone()).unwrap().replace("w.bin", "../w.bin");
    let e = GraphModel::from_parts(hostile.as_bytes(), &[vec![shard.clone()]], &dev, &LoadLimits::default())
        .err()
        .unwrap();
    assert!(e.to_string().contains("weights path \"../w.bin\" rejected"), "{e}");
    let odd = String::from_utf8(j).unwrap().replacen("\"format\"", "\"formats\"", 1);
    let e = GraphModel::from_parts(odd.as_bytes(), &[vec![shard]], &dev, &LoadLimits::default())
        .err()
        .unwrap();
    assert!(e.to_string().contains("unknown field `formats`"), "{e}");

    // Calls: missing, misnamed, mis-shaped and mis-typed inputs; unknown fetches.
    let m = load(
        &dev,
        json!([placeholder("x", &[-1, 2]), {"name": "y", "op": "Relu", "input": ["x"]}]),
        &[],
    )
    .unwrap();
    let x =
        |shape: &[usize]| Tensor::from_host_on(HostData::F32(vec![-1.0; shape.iter().product()]), shape, &dev).unwrap();
    let e = m.execute(&[], &["y"]).unwrap_err().to_string();
    assert!(e.contains("needs input \"x\""), "{e}");
    let e = m.execute(&[("z", x(&[1, 2]))], &["y"]).unwrap_err().to_string();
    assert!(e.contains("no node named \"z\""), "{e}");
    let e = m.execute(&[("x", x(&[1, 3]))], &["y"]).unwrap_err().to_string();
    assert!(e.contains("input \"x\" must have shape [-1, 2], got [1, 3]"), "{e}");
    let ints = Tensor::from_host_on(HostData::I32(vec![1, 2]), &[1, 2], &dev).unwrap();
    let e = m.execute(&[("x", ints)], &["y"]).unwrap_err().to_string();
    assert!(e.contains("must be"), "{e}");
    let e = m.execute(&[("x", x(&[1, 2]))], &["y:3"]).unwrap_err().to_string();
    assert!(e.contains("no output 3"), "{e}");
    let e = m.predict(&[]).unwrap_err().to_string();
    assert!(e.contains("the model has 1 inputs (x), got 0"), "{e}");
    close(&m.predict(&[x(&[3, 2])]).unwrap()[0], &[0.0; 6]);

    // TF1 frames and resources: a frame op outside its loop, a TensorArray read past its end
    // (TF.js's message), and a number passed where a list handle belongs.
    let w = [
        ("two", vec![], vec![2.0]),
        ("zero", vec![], vec![0.0]),
        ("five", vec![], vec![5.0]),
    ];
    let consts = || {
        vec![
            constant("two"),
            constant("zero"),
            constant("five"),
            placeholder("x", &[2]),
        ]
    };
    let run = |nodes: Vec<Value>| {
        let m = load(&dev, Value::Array(nodes), &w).unwrap();
        m.execute(&[("x", x(&[2]))], &["op"]).unwrap_err().to_string()
    };
    let mut g = consts();
    g.push(json!({"name": "op", "op": "Exit", "input": ["x"]}));
    let e = run(g);
    assert!(e.contains("Exit node \"op\" ran outside a loop frame"), "{e}");
    let mut g = consts();
    g.extend([
        json!({"name": "ta", "op": "TensorArrayV3", "input": ["two"], "attr": {"dtype": {"type": "DT_FLOAT"}}}),
        json!({"name": "w", "op": "TensorArrayWriteV3", "input": ["ta", "zero", "x", "ta:1"]}),
        json!({"name": "op", "op": "TensorArrayReadV3", "input": ["ta", "five", "w"], "attr": {"dtype": {"type": "DT_FLOAT"}}}),
    ]);
    let e = run(g);
    assert!(e.contains("Tried to read from index 5, but array size is: 1"), "{e}");
    let mut g = consts();
    g.push(json!({"name": "op", "op": "TensorListLength", "input": ["five"]}));
    let e = run(g);
    assert!(e.contains("is not a TensorList handle (got 5)"), "{e}");
    // Complex values only where an op handles them (float32 with a trailing (re, im) axis).
    let e = err(
        json!([placeholder("x", &[2]), {"name": "z", "op": "Complex", "input": ["x", "x"]},
        {"name": "op", "op": "Add", "input": ["z", "z"], "attr": {"T": {"type": "DT_COMPLEX64"}}}]),
        &[],
    );
    assert!(e.contains("node \"op\" (Add) takes complex values"), "{e}");
    let e = err(
        json!([placeholder("x", &[1]), {"name": "m", "op": "Merge", "input": ["x", "n"]},
        {"name": "n", "op": "Identity", "input": ["m"]}]),
        &[],
    );
    assert!(
        e.contains("cycle through node") && e.contains("outside a loop frame"),
        "{e}"
    );
}

/// Shape arithmetic (`Shape -> StridedSlice -> Pack -> Reshape`) is folded on the host: running
/// it does no device work before the result is read, on every backend (with the CPU backend as
/// the host device, as the JS bindings set it), so a WebGPU page never waits on a readback.
#[test]
fn shape_arithmetic_runs_on_the_host() {
    let dir = tfjs_dir().join("op-cases");
    if !fetched(&dir.join("cases.json")) {
        return;
    }
    let cases: Vec<Value> = serde_json::from_slice(&std::fs::read(dir.join("cases.json")).unwrap()).unwrap();
    let c = cases
        .iter()
        .find(|c| c["name"] == "DynamicReshape#0")
        .expect("the DynamicReshape case");
    let json = serde_json::to_vec(&c["modelJson"]).unwrap();
    let weights = ferroflow::tfjs::graph_def::base64_decode(c["weights"].as_str().unwrap()).unwrap();
    for (backend, dev) in present() {
        let mut m = GraphModel::from_parts(&json, &[vec![weights.clone()]], &dev, &LoadLimits::default()).unwrap();
        // A host device of its own (for cpu too), so the model's device's counters show only
        // the model's work.
        m.set_host_device(ferroflow::native::cpu());
        let x = Tensor::from_host_on(host_of(&c["feed"]), &[2, 6], &dev).unwrap();
        ferroflow::schedule::realize(&[&x]).unwrap();
        let before = dev.stats();
        let y = m.execute(&[("in0", x)], &["op"]).unwrap();
        let after = dev.stats();
        assert_eq!(
            (after.executed, after.scheduled, after.replayed),
            (before.executed, before.scheduled, before.replayed),
            "{backend}: executing the graph ran device work before the result was read"
        );
        assert_eq!(y[0].shape(), &[2, 2, 3], "{backend}");
    }
}

/// The CPU backend with reads as WebGPU in a page has them: nothing blocks, only async reads.
struct NoBlockingReads(Device);

impl Backend for NoBlockingReads {
    fn name(&self) -> &str {
        "cpu-async-reads"
    }
    fn upload(&self, data: &HostData) -> ferroflow::Result<Buffer> {
        self.0.upload(data)
    }
    fn download(&self, _: &Buffer) -> ferroflow::Result<HostData> {
        Err(ferroflow::Error::backend(
            self.name(),
            "this device cannot block on a readback",
        ))
    }
    fn download_async<'a>(&'a self, buf: &'a Buffer) -> DownloadFuture<'a> {
        Box::pin(std::future::ready(self.0.download(buf)))
    }
    fn reads_synchronously(&self) -> bool {
        false
    }
    fn compile(&self, kernel: &Kernel) -> ferroflow::Result<Arc<dyn Executable>> {
        self.0.compiled(kernel)
    }
}

#[test]
fn ops_that_need_values_on_the_host_pause_for_async_reads_where_reads_cannot_block() {
    let Some(cases) = op_cases() else { return };
    let dev = Device::new(NoBlockingReads(ferroflow::native::cpu()));
    let (mut paused, mut failures) = (BTreeSet::new(), vec![]);
    for c in &cases {
        let op = c["op"].as_str().unwrap();
        let host = Some(ferroflow::native::cpu());
        let got = match run_case(c, &dev, host.clone(), false) {
            Err(e) if e.contains("Please use model.executeAsync() instead") => {
                paused.insert(op);
                run_case(c, &dev, host, true)
            }
            r => r,
        };
        if let Err(e) = got.and_then(|g| compare_case(c, &g)) {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // What TF.js runs only in executeAsync pauses here too. Beyond it: TopK and Unique (TF.js's
    // WebGPU backend has kernels for them, ours computes them on the host), and Range and
    // LinSpace, whose cases feed their scalar arguments as device tensors (in converted models
    // they are constants or shape arithmetic, known on the host).
    let dynamic: BTreeSet<&str> = cases
        .iter()
        .filter(|c| c["dynamic"] == json!(true))
        .map(|c| c["op"].as_str().unwrap())
        .collect();
    let beyond: Vec<&&str> = paused.difference(&dynamic).collect();
    // Unlike in TF.js, nothing is read back by a loop whose condition is on a counter known on
    // the host (a constant start, host-folded arithmetic: the v2 counter loop and the TF1 loops,
    // cases named by their `Enter`), nor by TensorArray and TensorList ops (their handles and
    // sizes are kept on the host). A condition on device values still pauses.
    let not_paused: Vec<&&str> = dynamic.difference(&paused).collect();
    let host_known = |o: &str| {
        matches!(o, "Enter" | "StatelessWhile") || o.starts_with("TensorArray") || o.starts_with("TensorList")
    };
    assert!(
        not_paused.iter().all(|o| host_known(o)),
        "TF.js's dynamic ops that did not pause: {not_paused:?}"
    );
    for op in ["Switch", "While", "If", "StatelessIf", "Where"] {
        assert!(paused.contains(op), "{op} did not pause");
    }
    assert_eq!(
        beyond,
        [&"LinSpace", &"Range", &"TopKV2", &"Unique", &"UniqueV2"],
        "ops that pause beyond TF.js's dynamic ones"
    );
    eprintln!("paused for async reads: {paused:?}");
}
