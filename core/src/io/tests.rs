//! Byte-level and file-system tests of model loading; none needs a backend.

use super::*;
use crate::nn::{Activation, DenseConfig, FlattenConfig, SequentialConfig};

fn topology() -> LayerConfig {
    LayerConfig::Sequential(SequentialConfig {
        name: "m".into(),
        input_shape: None,
        layers: vec![
            LayerConfig::Flatten(FlattenConfig::default().name("flat")),
            LayerConfig::Dense(DenseConfig::new(4, 3).name("d1").activation(Activation::Relu).seed(1)),
            LayerConfig::Dense(DenseConfig::new(3, 2).name("d2").seed(2)),
        ],
    })
}

/// A valid (model.json, weights) pair for `topology()`, with values 0, 1, 2, ...
fn valid() -> Result<(ModelJson, Vec<u8>)> {
    let model = topology();
    let specs = model.variable_specs()?;
    let mut tensors = vec![];
    let mut listed = vec![];
    let mut k = 0.0f32;
    for s in &specs {
        let n: usize = s.shape.iter().product();
        let data: Vec<f32> = (0..n).map(|i| k + i as f32).collect();
        k += n as f32;
        tensors.push((s.name.clone(), HostData::F32(data), s.shape.clone()));
        listed.push(TensorSpec {
            name: s.name.clone(),
            dtype: "float32".into(),
            shape: s.shape.clone(),
        });
    }
    let weights = safetensors::serialize(&tensors)?;
    let manifest = ModelJson {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        generated_by: "test".into(),
        model,
        weights: vec![WeightFile {
            path: WEIGHTS_FILE.into(),
            size: weights.len() as u64,
            sha256: sha256_hex(&weights),
            tensors: listed,
        }],
    };
    Ok((manifest, weights))
}

fn json(m: &ModelJson) -> Vec<u8> {
    serde_json::to_vec(m).unwrap_or_default()
}

fn check(m: &ModelJson, weights: &[u8]) -> Result<ValidatedModel> {
    check_bytes(&json(m), weights)
}

fn check_bytes(model_json: &[u8], weights: &[u8]) -> Result<ValidatedModel> {
    validate_parts(model_json, &LoadLimits::default(), &mut |_| Ok(weights.to_vec()))
}

fn format_err(r: Result<ValidatedModel>) -> String {
    match r {
        Err(Error::Format(m)) => m,
        other => format!("unexpected: {other:?}"),
    }
}

#[test]
fn valid_model_validates_with_all_values() -> Result<()> {
    let (m, w) = valid()?;
    let v = check(&m, &w)?;
    let names: Vec<&str> = v.weights.iter().map(|(s, _)| s.name.as_str()).collect();
    assert_eq!(names, ["d1/kernel", "d1/bias", "d2/kernel", "d2/bias"]);
    assert_eq!(v.weights[1].1, HostData::F32(vec![12.0, 13.0, 14.0]));
    Ok(())
}

#[test]
fn hash_mismatch() -> Result<()> {
    let (m, mut w) = valid()?;
    let last = w.len() - 1;
    w[last] ^= 1;
    assert!(format_err(check(&m, &w)).contains("sha256 mismatch"));
    let mut m2 = m.clone();
    m2.weights[0].sha256 = "zz".into();
    assert!(format_err(check(&m2, &valid()?.1)).contains("not 64 hex digits"));
    Ok(())
}

#[test]
fn size_mismatch_and_truncated_weights() -> Result<()> {
    let (m, w) = valid()?;
    assert!(format_err(check(&m, &w[..w.len() - 4])).contains("the manifest says"));
    // A consistent manifest for a truncated file still fails on the layout.
    let short = w[..w.len() - 4].to_vec();
    let mut m2 = m.clone();
    m2.weights[0].size = short.len() as u64;
    m2.weights[0].sha256 = sha256_hex(&short);
    assert!(format_err(check(&m2, &short)).contains("exceed the"));
    Ok(())
}

#[test]
fn manifest_must_match_topology() -> Result<()> {
    let (m, w) = valid()?;
    let mut missing = m.clone();
    missing.weights[0].tensors.remove(0);
    assert!(format_err(check(&missing, &w)).contains("missing from the weights manifest"));
    let mut extra = m.clone();
    extra.weights[0].tensors.push(TensorSpec {
        name: "zzz".into(),
        dtype: "float32".into(),
        shape: vec![1],
    });
    assert!(format_err(check(&extra, &w)).contains("not a variable of the topology"));
    let mut shape = m.clone();
    shape.weights[0].tensors[0].shape = vec![3, 4];
    assert!(format_err(check(&shape, &w)).contains("the topology needs"));
    let mut dtype = m.clone();
    dtype.weights[0].tensors[0].dtype = "float64".into();
    assert!(format_err(check(&dtype, &w)).contains("unknown dtype"));
    let mut dup = m.clone();
    let first = dup.weights[0].tensors[0].clone();
    dup.weights[0].tensors.push(first);
    assert!(format_err(check(&dup, &w)).contains("listed twice"));
    Ok(())
}

#[test]
fn file_must_match_manifest() -> Result<()> {
    let (m, _) = valid()?;
    // Same names, but d2/bias stored with a different shape than the manifest says.
    let specs = m.model.variable_specs()?;
    let tensors: Vec<(String, HostData, Vec<usize>)> = specs
        .iter()
        .map(|s| {
            let shape = if s.name == "d2/bias" {
                vec![1, 2]
            } else {
                s.shape.clone()
            };
            (s.name.clone(), HostData::F32(vec![0.0; shape.iter().product()]), shape)
        })
        .collect();
    let w = safetensors::serialize(&tensors)?;
    let mut m2 = m.clone();
    m2.weights[0].size = w.len() as u64;
    m2.weights[0].sha256 = sha256_hex(&w);
    assert!(format_err(check(&m2, &w)).contains("the manifest says float32"));
    Ok(())
}

#[test]
fn path_traversal_in_manifest() -> Result<()> {
    let (m, w) = valid()?;
    for p in ["../weights.safetensors", "/etc/passwd", "a/../../x", "..\\x"] {
        let mut bad = m.clone();
        bad.weights[0].path = p.into();
        let msg = format_err(check(&bad, &w));
        assert!(msg.contains("rejected"), "{p}: {msg}");
    }
    Ok(())
}

#[test]
fn model_json_checks() -> Result<()> {
    let (m, w) = valid()?;
    let mut wrong = m.clone();
    wrong.format = "keras".into();
    assert!(format_err(check(&wrong, &w)).contains("expected"));
    let mut version = m.clone();
    version.format_version = 2;
    assert!(format_err(check(&version, &w)).contains("not supported"));
    let text = String::from_utf8(json(&m)).unwrap_or_default();
    let unknown = text.replacen("\"format_version\"", "\"surprise\":1,\"format_version\"", 1);
    assert!(format_err(check_bytes(unknown.as_bytes(), &w)).contains("unknown field"));
    assert!(format_err(check_bytes(b"{", &w)).contains("model.json"));
    assert!(format_err(check_bytes(&[0xff, 0xfe], &w)).contains("model.json"));
    let tiny = LoadLimits {
        max_topology_bytes: 10,
        ..LoadLimits::default()
    };
    let r = validate_parts(&json(&m), &tiny, &mut |_| Ok(w.clone()));
    assert!(format_err(r).contains("over the limit"));
    let mut bad_topology = m.clone();
    if let LayerConfig::Sequential(s) = &mut bad_topology.model {
        s.layers[1] = LayerConfig::Dense(DenseConfig::new(4, 0).name("d1"));
    }
    assert!(format_err(check(&bad_topology, &w)).contains("invalid topology"));
    Ok(())
}

#[test]
fn weights_file_limit_applies_before_reading() -> Result<()> {
    let (m, w) = valid()?;
    let limits = LoadLimits {
        max_weights_file_bytes: 16,
        ..LoadLimits::default()
    };
    let mut called = false;
    let r = validate_parts(&json(&m), &limits, &mut |_| {
        called = true;
        Ok(w.clone())
    });
    assert!(format_err(r).contains("over the limit"));
    assert!(!called, "the reader must not be called for an oversized entry");
    Ok(())
}

fn temp_dir(tag: &str) -> Result<std::path::PathBuf> {
    let d = std::env::temp_dir().join(format!("ff-io-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d)?;
    Ok(d)
}

#[test]
fn folder_round_trip_and_traversal() -> Result<()> {
    let root = temp_dir("folder")?;
    let dir = root.join("model");
    std::fs::create_dir_all(&dir)?;
    let (m, w) = valid()?;
    std::fs::write(dir.join(WEIGHTS_FILE), &w)?;
    std::fs::write(dir.join(MODEL_JSON), json(&m))?;
    let v = validate_dir(&dir, &LoadLimits::default())?;
    assert_eq!(v.weights.len(), 4);

    // The same weights placed outside the folder and referenced with "..".
    std::fs::write(root.join("outside.safetensors"), &w)?;
    let mut out = m.clone();
    out.weights[0].path = "../outside.safetensors".into();
    std::fs::write(dir.join(MODEL_JSON), json(&out))?;
    assert!(matches!(validate_dir(&dir, &LoadLimits::default()), Err(Error::Format(ref s)) if s.contains("rejected")));

    #[cfg(unix)]
    {
        let link = dir.join("link.safetensors");
        std::os::unix::fs::symlink(root.join("outside.safetensors"), &link)?;
        out.weights[0].path = "link.safetensors".into();
        std::fs::write(dir.join(MODEL_JSON), json(&out))?;
        let r = validate_dir(&dir, &LoadLimits::default());
        assert!(
            matches!(r, Err(Error::Format(ref s)) if s.contains("outside the model folder")),
            "{r:?}"
        );
    }

    // A file bigger than the manifest says is refused by size, before hashing.
    let mut big = w.clone();
    big.extend_from_slice(&[0; 64]);
    std::fs::write(dir.join(WEIGHTS_FILE), &big)?;
    std::fs::write(dir.join(MODEL_JSON), json(&m))?;
    assert!(
        matches!(validate_dir(&dir, &LoadLimits::default()), Err(Error::Format(ref s)) if s.contains("over the limit"))
    );

    std::fs::remove_file(dir.join(WEIGHTS_FILE))?;
    assert!(matches!(validate_dir(&dir, &LoadLimits::default()), Err(Error::Io(_))));
    assert!(matches!(
        validate_dir(root.join("nope"), &LoadLimits::default()),
        Err(Error::Io(_))
    ));
    std::fs::remove_dir_all(&root)?;
    Ok(())
}

/// The host values of `valid()`'s weights, in the topology's order.
fn valid_values() -> Result<Vec<HostData>> {
    let (_, w) = valid()?;
    let f = safetensors::parse(&w, &LoadLimits::default())?;
    topology()
        .variable_specs()?
        .iter()
        .map(|s| {
            let t = f
                .find(&s.name)
                .ok_or_else(|| Error::Format(format!("missing {}", s.name)))?;
            f.host_data(t)
        })
        .collect()
}

#[test]
fn encode_writes_what_validate_parts_reads() -> Result<()> {
    let values = valid_values()?;
    let (json_bytes, weights) = encode(topology(), values.clone())?;
    let v = check_bytes(&json_bytes, &weights)?;
    assert_eq!(v.manifest.model, topology());
    assert_eq!(v.manifest.weights[0].path, WEIGHTS_FILE);
    assert_eq!(v.manifest.weights[0].sha256, sha256_hex(&weights));
    let back: Vec<HostData> = v.weights.into_iter().map(|(_, d)| d).collect();
    assert_eq!(back, values);

    // Values that do not fit the topology are refused before anything is written.
    let mut short = values.clone();
    short.pop();
    assert!(matches!(encode(topology(), short), Err(Error::Invalid { .. })));
    let mut wrong = values.clone();
    wrong[0] = HostData::I32(vec![0; wrong[0].len()]);
    assert!(matches!(encode(topology(), wrong), Err(Error::Invalid { .. })));
    let mut sized = values;
    sized[1] = HostData::F32(vec![0.0; 2]);
    assert!(matches!(encode(topology(), sized), Err(Error::Invalid { .. })));
    Ok(())
}

#[test]
fn sequential_input_shape_is_optional_in_model_json() -> Result<()> {
    let (m, w) = valid()?;
    // Files without `input_shape` (all files written before it existed) read as None and are
    // written back without the key.
    let plain = json(&m);
    assert!(!String::from_utf8_lossy(&plain).contains("input_shape"));
    let LayerConfig::Sequential(c) = &check(&m, &w)?.manifest.model else {
        return Err(Error::Format("not sequential".into()));
    };
    assert_eq!(c.input_shape, None);

    let mut shaped = m.clone();
    if let LayerConfig::Sequential(c) = &mut shaped.model {
        c.input_shape = Some(vec![2, 2]);
    }
    let LayerConfig::Sequential(c) = &check(&shaped, &w)?.manifest.model else {
        return Err(Error::Format("not sequential".into()));
    };
    assert_eq!(c.input_shape, Some(vec![2, 2]));

    let mut deep = m;
    if let LayerConfig::Sequential(c) = &mut deep.model {
        c.input_shape = Some(vec![1; 8]);
    }
    let e = format_err(check(&deep, &w));
    assert!(e.contains("more than 7 axes"), "{e}");
    Ok(())
}
