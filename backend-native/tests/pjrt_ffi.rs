//! The PJRT FFI (`ferroflow_native::pjrt`) against real plugins.
//!
//! `FERROFLOW_PJRT_PLUGIN` names the plugin under test (API 0.115 CPU plugin from
//! `scripts/fetch-pjrt.sh`), `FERROFLOW_PJRT_PLUGIN_OLD` an older one (API 0.81). Tests that
//! need a plugin print `skipped: <reason>` and return when it is not given.
//!
//! ```sh
//! set -a; eval "$(scripts/fetch-pjrt.sh)"; set +a
//! cargo test -p ferroflow-native --features pjrt --test pjrt_ffi --release
//! ```
#![cfg(feature = "pjrt")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use ferroflow_core::Error;
use ferroflow_native::pjrt::{Client, DeviceBuffer, ElementType, PjrtApi, TensorShape};

/// Why a plugin variable gives no plugin (unset, or not a file), or its path.
fn plugin_path(var: &str) -> Result<PathBuf, String> {
    let Some(path) = std::env::var_os(var).filter(|p| !p.is_empty()) else {
        return Err(format!(
            "{var} is not set (set -a; eval \"$(scripts/fetch-pjrt.sh)\"; set +a)"
        ));
    };
    let path = PathBuf::from(path);
    if !path.is_file() {
        return Err(format!("{var}={} does not exist", path.display()));
    }
    Ok(path)
}

/// The plugin named by `var`, or `None` after printing why the test is skipped.
fn plugin_from(var: &str) -> Option<Arc<PjrtApi>> {
    match plugin_path(var) {
        Ok(path) => Some(PjrtApi::load(&path).expect("loading the plugin")),
        Err(why) => {
            println!("skipped: {why}");
            None
        }
    }
}

/// One client of the main plugin shared by the tests (CPU clients start thread pools), or
/// `None` after printing why the test is skipped.
fn client() -> Option<&'static Client> {
    static CLIENT: OnceLock<Result<Client, String>> = OnceLock::new();
    let c = CLIENT.get_or_init(|| {
        let path = plugin_path("FERROFLOW_PJRT_PLUGIN")?;
        Ok(Client::new(PjrtApi::load(&path).expect("loading the plugin")).expect("creating a client"))
    });
    match c {
        Ok(c) => Some(c),
        Err(why) => {
            println!("skipped: {why}");
            None
        }
    }
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}
fn i32_bytes(v: &[i32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}
fn to_f32(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}
fn to_i32(b: &[u8]) -> Vec<i32> {
    b.chunks_exact(4)
        .map(|c| i32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn upload_f32(c: &Client, v: &[f32], dims: &[usize]) -> DeviceBuffer {
    c.buffer_from_host(&f32_bytes(v), ElementType::F32, dims).unwrap()
}

const ADD_AND_COMPARE: &str = r#"
func.func @main(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xi1>) {
  %sum = stablehlo.add %a, %b : tensor<2x3xf32>
  %gt = stablehlo.compare GT, %a, %b : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xi1>
  return %sum, %gt : tensor<2x3xf32>, tensor<2x3xi1>
}
"#;

/// Runs ADD_AND_COMPARE on `c` and checks both results against Rust.
fn check_add_and_compare(c: &Client, a: &[f32], b: &[f32]) {
    let exe = c.compile(ADD_AND_COMPARE).unwrap();
    check_add_and_compare_with(c, &exe, a, b);
}

fn check_add_and_compare_with(c: &Client, exe: &ferroflow_native::pjrt::LoadedExecutable, a: &[f32], b: &[f32]) {
    let (da, db) = (upload_f32(c, a, &[2, 3]), upload_f32(c, b, &[2, 3]));
    let out = exe.execute(&[&da, &db]).unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].element_type(), ElementType::F32);
    assert_eq!(out[0].dims(), &[2, 3]);
    assert_eq!(out[0].byte_size(), 24);
    assert_eq!(out[1].element_type(), ElementType::Pred);
    assert_eq!(out[1].dims(), &[2, 3]);
    assert_eq!(out[1].byte_size(), 6);
    let sum = to_f32(&out[0].to_host().unwrap());
    let want: Vec<f32> = a.iter().zip(b).map(|(x, y)| x + y).collect();
    let same = |x: &f32, y: &f32| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan());
    assert!(sum.iter().zip(&want).all(|(x, y)| same(x, y)), "{sum:?} vs {want:?}");
    let gt = out[1].to_host().unwrap();
    let want: Vec<u8> = a.iter().zip(b).map(|(x, y)| u8::from(x > y)).collect();
    assert_eq!(gt, want);
}

#[test]
fn plugin_version_platform_and_devices() {
    let Some(c) = client() else { return };
    let (major, minor) = c.api().version();
    println!("plugin {} is PJRT {major}.{minor}", c.api().path().display());
    assert_eq!(major, 0);
    assert!(minor >= 81, "{minor}");
    assert_eq!(c.platform_name(), "cpu");
    assert!(c.device_count() >= 1);
    let devices = c.devices().unwrap();
    assert_eq!(devices.len(), c.device_count());
    assert!(devices[0].kind.to_lowercase().contains("cpu"), "{devices:?}");
    // Loading the same file again gives the same plugin object.
    let again = PjrtApi::load(c.api().path()).unwrap();
    assert!(Arc::ptr_eq(&again, c.api()));
}

#[test]
fn f32_add_and_compare_two_results() {
    let Some(c) = client() else { return };
    let exe = c.compile(ADD_AND_COMPARE).unwrap();
    assert_eq!(exe.num_outputs(), 2);
    assert_eq!(exe.num_parameters(), Some(2));
    let p = TensorShape {
        element_type: ElementType::F32,
        dims: vec![2, 3],
    };
    assert_eq!(exe.parameter_shapes(), Some(&[p.clone(), p][..]));
    check_add_and_compare_with(
        c,
        &exe,
        &[1.0, -2.5, 3.0, 0.0, 1e30, f32::NAN],
        &[0.5, -2.5, 4.0, -0.0, 1e30, 1.0],
    );
}

#[test]
fn same_executable_twice_with_different_inputs() {
    let Some(c) = client() else { return };
    let exe = c.compile(ADD_AND_COMPARE).unwrap();
    check_add_and_compare_with(c, &exe, &[1., 2., 3., 4., 5., 6.], &[6., 5., 4., 3., 2., 1.]);
    check_add_and_compare_with(c, &exe, &[-1., -2., 7., 8., 0.25, 9.], &[1., 2., 3., 4., 5., 6.]);
}

#[test]
fn i32_program_with_constant_and_scalar_result() {
    let Some(c) = client() else { return };
    let exe = c
        .compile(
            r#"
func.func @main(%a: tensor<4xi32>, %b: tensor<4xi32>) -> (tensor<4xi32>, tensor<i32>) {
  %seven = stablehlo.constant dense<7> : tensor<4xi32>
  %prod = stablehlo.multiply %a, %b : tensor<4xi32>
  %diff = stablehlo.subtract %prod, %seven : tensor<4xi32>
  %zero = stablehlo.constant dense<0> : tensor<i32>
  %sum = stablehlo.reduce(%a init: %zero) applies stablehlo.add across dimensions = [0] : (tensor<4xi32>, tensor<i32>) -> tensor<i32>
  return %diff, %sum : tensor<4xi32>, tensor<i32>
}
"#,
        )
        .unwrap();
    let a = [3, -4, i32::MAX, 0];
    let b = [5, 6, 2, 123];
    let da = c.buffer_from_host(&i32_bytes(&a), ElementType::S32, &[4]).unwrap();
    let db = c.buffer_from_host(&i32_bytes(&b), ElementType::S32, &[4]).unwrap();
    assert_eq!(
        (da.element_type(), da.dims(), da.byte_size()),
        (ElementType::S32, &[4][..], 16)
    );
    let out = exe.execute(&[&da, &db]).unwrap();
    let want: Vec<i32> = a
        .iter()
        .zip(&b)
        .map(|(x, y)| x.wrapping_mul(*y).wrapping_sub(7))
        .collect();
    assert_eq!(to_i32(&out[0].to_host().unwrap()), want);
    assert_eq!(out[1].dims(), &[] as &[usize]);
    assert_eq!(out[1].element_type(), ElementType::S32);
    let total = a.iter().fold(0i32, |s, x| s.wrapping_add(*x));
    assert_eq!(to_i32(&out[1].to_host().unwrap()), vec![total]);
}

#[test]
fn pred_inputs_are_one_byte_per_element() {
    let Some(c) = client() else { return };
    let exe = c
        .compile(
            r#"
func.func @main(%a: tensor<5xi1>, %b: tensor<5xi1>) -> (tensor<5xi1>, tensor<5xi32>) {
  %and = stablehlo.and %a, %b : tensor<5xi1>
  %not = stablehlo.not %and : tensor<5xi1>
  %as_int = stablehlo.convert %a : (tensor<5xi1>) -> tensor<5xi32>
  return %not, %as_int : tensor<5xi1>, tensor<5xi32>
}
"#,
        )
        .unwrap();
    let a = [1u8, 1, 0, 0, 1];
    let b = [1u8, 0, 1, 0, 1];
    let da = c.buffer_from_host(&a, ElementType::Pred, &[5]).unwrap();
    let db = c.buffer_from_host(&b, ElementType::Pred, &[5]).unwrap();
    let out = exe.execute(&[&da, &db]).unwrap();
    let nand: Vec<u8> = a.iter().zip(&b).map(|(x, y)| 1 - (x & y)).collect();
    assert_eq!(out[0].to_host().unwrap(), nand);
    assert_eq!(to_i32(&out[1].to_host().unwrap()), vec![1, 1, 0, 0, 1]);
    // A pred byte other than 0 or 1 is refused before reaching PJRT.
    let e = c.buffer_from_host(&[0, 2], ElementType::Pred, &[2]).unwrap_err();
    assert!(e.to_string().contains("must be 0 or 1"), "{e}");
}

#[test]
fn zero_input_program_returns_a_constant() {
    let Some(c) = client() else { return };
    let exe = c
        .compile(
            r#"
func.func @main() -> tensor<2x2xf32> {
  %0 = stablehlo.constant dense<[[1.5, -2.0], [3.25, 0.0]]> : tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}
"#,
        )
        .unwrap();
    assert_eq!(exe.num_parameters(), Some(0));
    assert_eq!(exe.num_outputs(), 1);
    for _ in 0..2 {
        let out = exe.execute(&[]).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].dims(), &[2, 2]);
        assert_eq!(to_f32(&out[0].to_host().unwrap()), vec![1.5, -2.0, 3.25, 0.0]);
    }
}

#[test]
fn transposed_result_reads_back_row_major() {
    let Some(c) = client() else { return };
    let exe = c
        .compile(
            r#"
func.func @main(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %0 = stablehlo.transpose %a, dims = [1, 0] : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}
"#,
        )
        .unwrap();
    let a = upload_f32(c, &[1., 2., 3., 4., 5., 6.], &[2, 3]);
    let out = exe.execute(&[&a]).unwrap();
    assert_eq!(out[0].dims(), &[3, 2]);
    assert_eq!(to_f32(&out[0].to_host().unwrap()), vec![1., 4., 2., 5., 3., 6.]);
}

#[test]
fn bad_mlir_is_an_error_with_the_compilers_message() {
    let Some(c) = client() else { return };
    let e = c
        .compile("func.func @main(%a: tensor<2xf32>) -> tensor<2xf32> {\n  %0 = stablehlo.frobnicate %a : tensor<2xf32>\n  return %0 : tensor<2xf32>\n}\n")
        .unwrap_err();
    let msg = e.to_string();
    println!("{msg}");
    assert!(
        matches!(e, Error::Backend { ref backend, .. } if backend == "pjrt"),
        "{e:?}"
    );
    assert!(
        msg.contains("PJRT_Client_Compile") && msg.contains("frobnicate"),
        "{msg}"
    );

    // A type error the parser accepts but the verifier rejects.
    let e = c
        .compile("func.func @main(%a: tensor<2xf32>) -> tensor<3xf32> {\n  return %a : tensor<2xf32>\n}\n")
        .unwrap_err();
    println!("{e}");
    assert!(e.to_string().contains("PJRT_Client_Compile"), "{e}");

    // Not MLIR at all.
    let e = c.compile("this is not a program").unwrap_err();
    println!("{e}");
    assert!(e.to_string().contains("PJRT_Client_Compile"), "{e}");
}

#[test]
fn wrong_arguments_are_errors() {
    let Some(c) = client() else { return };
    let exe = c.compile(ADD_AND_COMPARE).unwrap();
    let a = upload_f32(c, &[0.0; 6], &[2, 3]);
    let e = exe.execute(&[&a]).unwrap_err();
    assert!(e.to_string().contains("takes 2 argument(s), 1 given"), "{e}");
    let e = exe.execute(&[&a, &a, &a]).unwrap_err();
    assert!(e.to_string().contains("takes 2 argument(s), 3 given"), "{e}");
    let e = exe.execute(&[]).unwrap_err();
    assert!(e.to_string().contains("takes 2 argument(s), 0 given"), "{e}");
    // Wrong shape and wrong type.
    let flat = upload_f32(c, &[0.0; 6], &[6]);
    let e = exe.execute(&[&a, &flat]).unwrap_err();
    assert!(
        e.to_string()
            .contains("argument 1 is f32 [6], the program expects f32 [2, 3]"),
        "{e}"
    );
    let ints = c
        .buffer_from_host(&i32_bytes(&[0; 6]), ElementType::S32, &[2, 3])
        .unwrap();
    let e = exe.execute(&[&ints, &a]).unwrap_err();
    assert!(e.to_string().contains("argument 0 is s32"), "{e}");
    // The executable still works afterwards.
    check_add_and_compare_with(c, &exe, &[1.0; 6], &[2.0; 6]);
}

#[test]
fn host_data_of_the_wrong_size_is_an_error() {
    let Some(c) = client() else { return };
    let e = c.buffer_from_host(&[0u8; 7], ElementType::F32, &[2]).unwrap_err();
    assert!(
        e.to_string().contains("7 bytes given") && e.to_string().contains("8 expected"),
        "{e}"
    );
    let e = c.buffer_from_host(&[], ElementType::Other(12), &[0]).unwrap_err();
    assert!(e.to_string().contains("not supported"), "{e}");
    // Empty and scalar buffers are fine.
    let empty = c.buffer_from_host(&[], ElementType::F32, &[0, 3]).unwrap();
    assert_eq!((empty.dims(), empty.byte_size()), (&[0, 3][..], 0));
    assert!(empty.to_host().unwrap().is_empty());
    let scalar = c.buffer_from_host(&f32_bytes(&[2.5]), ElementType::F32, &[]).unwrap();
    assert_eq!(to_f32(&scalar.to_host().unwrap()), vec![2.5]);
}

#[test]
fn buffers_and_executables_outlive_their_client_handle() {
    let Some(api) = plugin_from("FERROFLOW_PJRT_PLUGIN") else {
        return;
    };
    let c = Client::new(api).unwrap();
    let exe = c.compile(ADD_AND_COMPARE).unwrap();
    let a = upload_f32(&c, &[1.0; 6], &[2, 3]);
    drop(c);
    let out = exe.execute(&[&a, &a]).unwrap();
    drop(exe);
    drop(a);
    assert_eq!(to_f32(&out[0].to_host().unwrap()), vec![2.0; 6]);
}

#[test]
fn buffers_of_another_client_are_refused() {
    let Some(c) = client() else { return };
    let other = Client::new(c.api().clone()).unwrap();
    let exe = c.compile(ADD_AND_COMPARE).unwrap();
    let a = upload_f32(c, &[1.0; 6], &[2, 3]);
    let b = upload_f32(&other, &[1.0; 6], &[2, 3]);
    let e = exe.execute(&[&a, &b]).unwrap_err();
    assert!(
        e.to_string().contains("argument 1 belongs to another PJRT client"),
        "{e}"
    );
}

#[test]
fn concurrent_executions_from_several_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<PjrtApi>();
    send_sync::<Client>();
    send_sync::<DeviceBuffer>();
    send_sync::<ferroflow_native::pjrt::LoadedExecutable>();

    let Some(c) = client() else { return };
    let exe = Arc::new(c.compile(ADD_AND_COMPARE).unwrap());
    std::thread::scope(|s| {
        for t in 0..4 {
            let exe = exe.clone();
            s.spawn(move || {
                for i in 0..10 {
                    let a: Vec<f32> = (0..6).map(|k| (t * 100 + i * 10 + k) as f32).collect();
                    let b: Vec<f32> = (0..6).map(|k| (k * 7 % 5) as f32 * 50.0).collect();
                    check_add_and_compare_with(c, &exe, &a, &b);
                }
            });
        }
    });
}

#[test]
fn older_plugin() {
    let Some(api) = plugin_from("FERROFLOW_PJRT_PLUGIN_OLD") else {
        return;
    };
    // The 0.81 plugin has every function and struct used here: it works like the new one.
    let (major, minor) = api.version();
    println!("old plugin {} is PJRT {major}.{minor}", api.path().display());
    assert_eq!(major, 0);
    let c = Client::new(api).unwrap();
    assert_eq!(c.platform_name(), "cpu");
    check_add_and_compare(&c, &[1., 2., 3., 4., 5., 6.], &[6., 5., 4., 3., 2., 1.]);
    let e = c
        .compile(
            "func.func @main() -> tensor<f32> {\n  %0 = stablehlo.nope : tensor<f32>\n  return %0 : tensor<f32>\n}\n",
        )
        .unwrap_err();
    assert!(e.to_string().contains("nope"), "{e}");
}

fn load_err(path: &Path) -> String {
    let e = PjrtApi::load(path).unwrap_err();
    assert!(
        matches!(e, Error::Backend { ref backend, .. } if backend == "pjrt"),
        "{e:?}"
    );
    let msg = e.to_string();
    println!("{msg}");
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    msg
}

#[test]
fn paths_that_are_not_plugins_are_errors() {
    // These need no plugin.
    load_err(Path::new("/definitely/not/here/libpjrt.so"));
    load_err(Path::new("/bin/ls"));
    load_err(Path::new("/"));
    let text = std::env::temp_dir().join(format!("ferroflow-pjrt-not-a-plugin-{}.so", std::process::id()));
    std::fs::write(&text, "just text\n").unwrap();
    let msg = load_err(&text);
    std::fs::remove_file(&text).unwrap();
    assert!(msg.contains("cannot load PJRT plugin"), "{msg}");
    // A real shared library without GetPjrtApi.
    let libm = [
        "/lib/x86_64-linux-gnu/libm.so.6",
        "/usr/lib/x86_64-linux-gnu/libm.so.6",
        "/lib64/libm.so.6",
        "/lib/aarch64-linux-gnu/libm.so.6",
    ]
    .iter()
    .map(Path::new)
    .find(|p| p.is_file());
    match libm {
        Some(p) => {
            let msg = load_err(p);
            assert!(msg.contains("is not a PJRT plugin"), "{msg}");
        }
        None => println!("skipped (no-GetPjrtApi case): no libm.so.6 found"),
    }
}

#[test]
fn plugin_path_from_env_names_the_variable() {
    if std::env::var_os("FERROFLOW_PJRT_PLUGIN").is_some() {
        let p = ferroflow_native::pjrt::plugin_path_from_env().unwrap();
        assert!(!p.as_os_str().is_empty());
    } else {
        let e = ferroflow_native::pjrt::plugin_path_from_env().unwrap_err();
        assert!(e.to_string().contains("FERROFLOW_PJRT_PLUGIN"), "{e}");
    }
}
