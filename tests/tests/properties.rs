//! Property tests: random shapes (rank 0-4, dims 0-5), dtypes, axes (including out of range and
//! negative), indices, reshape targets, slice parameters, conv/pool parameters (zero and huge
//! strides, windows bigger than the input) and mismatched matmul shapes. Every call must return
//! `Ok` or `Err` and never panic; `Ok` results are read back so backend kernels run too.
//!
//! Native only: proptest is a native dev-dependency (the browser suite is `tests/browser.rs`).

#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::OnceLock;

use ferroflow::autograd::grad;
use ferroflow::ops::{self, creation, losses, Conv2dOptions, Padding};
use ferroflow::{DType, Device, HostData, Result as FfResult, Tensor};
use ferroflow_tests::conformance::backends::present;
use ferroflow_tests::conformance::{guarded, Rng, Status};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// Results larger than this are built but not read back (a hostile shape may be valid but huge).
const REALIZE_LIMIT: usize = 1 << 16;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn devices() -> &'static [(&'static str, Device)] {
    static DEVICES: OnceLock<Vec<(&'static str, Device)>> = OnceLock::new();
    DEVICES.get_or_init(|| {
        let d = present();
        assert!(!d.is_empty(), "no backend present: properties would test nothing");
        d
    })
}

/// Runs `f` on every present device. A panic anywhere (building, validating, realizing) fails
/// the property; so does an accepted result whose element count overflows usize.
///
/// Set `FF_PROP_TRACE=1` to print each call before it runs (to find a hang or an abort).
fn never_panics(what: &str, f: impl Fn(&Device) -> FfResult<Vec<Tensor>>) -> Result<(), TestCaseError> {
    if std::env::var_os("FF_PROP_TRACE").is_some() {
        eprintln!("{what}");
    }
    for (name, dev) in devices() {
        let trace = std::env::var_os("FF_PROP_TRACE").is_some();
        let status = guarded("call", || match f(dev) {
            Err(e) => {
                if trace {
                    eprintln!("  -> Err({e})");
                }
                Status::Pass
            }
            Ok(ts) => {
                if trace {
                    eprintln!(
                        "  -> Ok({:?})",
                        ts.iter().map(|t| t.shape().to_vec()).collect::<Vec<_>>()
                    );
                }
                for t in ts {
                    match t.shape().iter().try_fold(1usize, |a, &d| a.checked_mul(d)) {
                        None => {
                            return Status::Fail(format!(
                                "accepted a result of shape {:?}, whose size overflows usize",
                                t.shape()
                            ))
                        }
                        Some(n) if n <= REALIZE_LIMIT => {
                            let _ = t.to_host();
                        }
                        Some(_) => {}
                    }
                }
                Status::Pass
            }
        });
        if let Status::Fail(msg) = status {
            return Err(TestCaseError::fail(format!("{what} on {name}: {msg}")));
        }
    }
    Ok(())
}

/// A tensor of random values including the awkward ones (NaN, +-inf, -0, i32::MIN, -1).
fn make(dev: &Device, shape: &[usize], dtype: DType, seed: u64) -> Tensor {
    let n: usize = shape.iter().product();
    let mut r = Rng::new(seed);
    let data = match dtype {
        DType::F32 => HostData::F32(
            (0..n)
                .map(|_| match r.int(0, 11) {
                    0 => f32::NAN,
                    1 => f32::INFINITY,
                    2 => f32::NEG_INFINITY,
                    3 => -0.0,
                    4 => 0.0,
                    _ => r.range(-3.0, 3.0) as f32,
                })
                .collect(),
        ),
        DType::I32 => HostData::I32(
            (0..n)
                .map(|_| match r.int(0, 9) {
                    0 => i32::MIN,
                    1 => i32::MAX,
                    2 => -1,
                    3 => 0,
                    _ => r.int(-6, 6) as i32,
                })
                .collect(),
        ),
        DType::Bool => HostData::Bool(r.bools(n)),
    };
    Tensor::from_host_on(data, shape, dev).unwrap()
}

fn shape() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0usize..=5, 0..=4)
}
fn dtype() -> impl Strategy<Value = DType> {
    prop_oneof![Just(DType::F32), Just(DType::I32), Just(DType::Bool)]
}
fn axis() -> impl Strategy<Value = isize> {
    prop_oneof![4 => -6isize..6, 1 => Just(isize::MIN), 1 => Just(isize::MAX)]
}
fn axes() -> impl Strategy<Value = Vec<isize>> {
    prop::collection::vec(-6isize..6, 0..=3)
}
/// A small or extreme index / offset.
fn index() -> impl Strategy<Value = isize> {
    prop_oneof![6 => -8isize..8, 1 => Just(isize::MIN), 1 => Just(isize::MAX), 1 => Just(isize::MIN + 1)]
}
/// A small or huge count (strides, dilations, windows, groups).
fn count() -> impl Strategy<Value = usize> {
    prop_oneof![6 => 0usize..4, 1 => Just(usize::MAX), 1 => Just(1usize << 40), 1 => Just(usize::MAX / 2 + 1)]
}
/// A shape with axes mostly in range for it (-rank-1 ..= rank), sometimes arbitrary.
fn shape_axes() -> impl Strategy<Value = (Vec<usize>, Vec<isize>)> {
    shape().prop_flat_map(|s| {
        let r = s.len() as isize;
        let near = prop::collection::vec(-r - 1..=r, 0..=s.len().max(1));
        (Just(s), prop_oneof![4 => near, 1 => axes()])
    })
}
/// A shape and one axis, mostly in range for it.
fn shape_axis() -> impl Strategy<Value = (Vec<usize>, isize)> {
    shape().prop_flat_map(|s| {
        let r = s.len() as isize;
        (Just(s), prop_oneof![4 => -r - 1..=r, 1 => axis()])
    })
}
/// `slice` parameters: usually one (begin, size) per dim near the valid range, sometimes a
/// wrong rank or extreme values.
fn slice_params() -> impl Strategy<Value = (Vec<usize>, Vec<usize>, Vec<isize>)> {
    shape()
        .prop_flat_map(|s| {
            let begin: Vec<_> = s
                .iter()
                .map(|&d| prop_oneof![9 => 0..=d + 1, 1 => Just(usize::MAX)].boxed())
                .collect();
            let size: Vec<_> = s
                .iter()
                .map(|&d| prop_oneof![9 => -2isize..=d as isize + 1, 1 => index()].boxed())
                .collect();
            let wrong = (
                prop::collection::vec(0usize..7, 0..5),
                prop::collection::vec(index(), 0..5),
            );
            (Just(s), prop_oneof![6 => (begin, size), 1 => wrong])
        })
        .prop_map(|(s, (b, z))| (s, b, z))
}
/// `stridedSlice` specs (begin, end, stride) for a prefix of the dims, near the valid range.
fn strided_params() -> impl Strategy<Value = (Vec<usize>, Vec<(isize, isize, isize)>)> {
    shape().prop_flat_map(|s| {
        let dims: Vec<_> = s
            .iter()
            .map(|&d| {
                let n = d as isize + 2;
                let i = prop_oneof![8 => -n..=n, 1 => index()];
                let st = prop_oneof![8 => -3isize..=3, 1 => Just(isize::MAX), 1 => Just(isize::MIN)];
                (i.clone(), i, st).boxed()
            })
            .collect();
        let k = s.len();
        (Just(s), dims, 0..=k).prop_map(|(s, mut dims, k)| {
            dims.truncate(k);
            (s, dims)
        })
    })
}
/// A second operand shape: either independent or derived from `a` so that it broadcasts.
fn other_shape(a: Vec<usize>) -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    let n = a.len();
    prop_oneof![
        shape().prop_map({
            let a = a.clone();
            move |b| (a.clone(), b)
        }),
        (0..=n, any::<u8>()).prop_map(move |(drop, ones)| {
            let b: Vec<usize> = a[drop..]
                .iter()
                .enumerate()
                .map(|(i, &d)| if ones >> i & 1 == 1 { 1 } else { d })
                .collect();
            (a.clone(), b)
        }),
    ]
}

type Unary = fn(&Tensor) -> FfResult<Tensor>;
const UNARY: &[(&str, Unary)] = &[
    ("neg", Tensor::neg),
    ("abs", Tensor::abs),
    ("sign", Tensor::sign),
    ("floor", Tensor::floor),
    ("ceil", Tensor::ceil),
    ("round", Tensor::round),
    ("clip", |t| t.clip(-1.0, 2.0)),
    ("square", Tensor::square),
    ("sqrt", Tensor::sqrt),
    ("rsqrt", Tensor::rsqrt),
    ("reciprocal", Tensor::reciprocal),
    ("exp", Tensor::exp),
    ("log", Tensor::log),
    ("log1p", Tensor::log1p),
    ("expm1", Tensor::expm1),
    ("sin", Tensor::sin),
    ("cos", Tensor::cos),
    ("tan", Tensor::tan),
    ("sinh", Tensor::sinh),
    ("cosh", Tensor::cosh),
    ("asinh", Tensor::asinh),
    ("acosh", Tensor::acosh),
    ("atanh", Tensor::atanh),
    ("tanh", Tensor::tanh),
    ("erf", Tensor::erf),
    ("sigmoid", Tensor::sigmoid),
    ("isNaN", Tensor::is_nan),
    ("isFinite", Tensor::is_finite),
    ("isInf", Tensor::is_inf),
    ("logicalNot", Tensor::logical_not),
    ("relu", Tensor::relu),
    ("relu6", Tensor::relu6),
    ("leakyRelu", |t| t.leaky_relu(0.2)),
    ("elu", Tensor::elu),
    ("selu", Tensor::selu),
    ("softplus", Tensor::softplus),
    ("softsign", Tensor::softsign),
    ("gelu", Tensor::gelu),
    ("swish", Tensor::swish),
    ("mish", Tensor::mish),
    ("castF32", |t| t.cast(DType::F32)),
    ("castI32", |t| t.cast(DType::I32)),
    ("castBool", |t| t.cast(DType::Bool)),
    ("zerosLike", Tensor::zeros_like),
    ("onesLike", Tensor::ones_like),
    ("flatten", Tensor::flatten),
    ("transposeDefault", |t| t.transpose(&[])),
];

type Binary = fn(&Tensor, &Tensor) -> FfResult<Tensor>;
const BINARY: &[(&str, Binary)] = &[
    ("add", |a, b| a.add(b)),
    ("sub", |a, b| a.sub(b)),
    ("mul", |a, b| a.mul(b)),
    ("div", |a, b| a.div(b)),
    ("floorDiv", |a, b| a.floor_div(b)),
    ("pow", |a, b| a.pow(b)),
    ("maximum", |a, b| a.maximum(b)),
    ("minimum", |a, b| a.minimum(b)),
    ("mod", |a, b| a.modulo(b)),
    ("squaredDifference", |a, b| a.squared_difference(b)),
    ("less", |a, b| a.less(b)),
    ("lessEqual", |a, b| a.less_equal(b)),
    ("greater", |a, b| a.greater(b)),
    ("greaterEqual", |a, b| a.greater_equal(b)),
    ("equal", |a, b| a.equal(b)),
    ("notEqual", |a, b| a.not_equal(b)),
    ("logicalAnd", |a, b| a.logical_and(b)),
    ("logicalOr", |a, b| a.logical_or(b)),
    ("logicalXor", |a, b| a.logical_xor(b)),
    ("prelu", |a, b| a.prelu(b)),
    ("where", |a, b| ops::where_(&a.cast(DType::Bool)?, a, b)),
    ("matMul", |a, b| a.matmul(b, false, false)),
    ("matMulTT", |a, b| a.matmul(b, true, true)),
    ("dot", |a, b| a.dot(b)),
    ("outerProduct", |a, b| a.outer_product(b)),
    ("concat0", |a, b| ops::concat(&[a.clone(), b.clone()], 0)),
    ("concat-1", |a, b| ops::concat(&[a.clone(), b.clone()], -1)),
    ("stack", |a, b| ops::stack(&[a.clone(), b.clone()], 0)),
    ("gather", |a, b| a.gather(b, 0)),
    ("gatherND", |a, b| a.gather_nd(b)),
    ("softmaxCrossEntropy", |a, b| losses::softmax_cross_entropy(a, b, 0.1)),
    ("sparseSoftmaxCrossEntropy", |a, b| {
        losses::sparse_softmax_cross_entropy(a, b)
    }),
    ("sigmoidCrossEntropy", |a, b| losses::sigmoid_cross_entropy(a, b)),
    ("meanSquaredError", |a, b| losses::mean_squared_error(a, b)),
    ("absoluteDifference", |a, b| losses::absolute_difference(a, b)),
    ("huberLoss", |a, b| losses::huber_loss(a, b, 1.0)),
    ("logLoss", |a, b| losses::log_loss(a, b, 1e-7)),
    ("hingeLoss", |a, b| losses::hinge_loss(a, b)),
    ("cosineDistance", |a, b| losses::cosine_distance(a, b, -1)),
];

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn unary_ops_never_panic(s in shape(), d in dtype(), op in 0..UNARY.len(), seed in any::<u64>()) {
        let (name, f) = UNARY[op];
        never_panics(&format!("{name} on {d} {s:?}"), |dev| Ok(vec![f(&make(dev, &s, d, seed))?]))?;
    }

    #[test]
    fn binary_ops_never_panic(
        (sa, sb) in shape().prop_flat_map(other_shape),
        da in dtype(),
        db in dtype(),
        op in 0..BINARY.len(),
        swap in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let (name, f) = BINARY[op];
        let (sa, sb) = if swap { (sb, sa) } else { (sa, sb) };
        never_panics(&format!("{name} on {da} {sa:?} and {db} {sb:?}"), |dev| {
            Ok(vec![f(&make(dev, &sa, da, seed), &make(dev, &sb, db, seed ^ 1))?])
        })?;
    }
}

proptest! {
    #![proptest_config(config(192))]

    #[test]
    fn reductions_never_panic((s, ax) in shape_axes(), d in dtype(), keep in any::<bool>(), op in 0..10usize, seed in any::<u64>()) {
        never_panics(&format!("reduction {op} on {d} {s:?} axes {ax:?}"), |dev| {
            let x = make(dev, &s, d, seed);
            Ok(match op {
                0 => vec![x.sum(&ax, keep)?],
                1 => vec![x.mean(&ax, keep)?],
                2 => vec![x.max(&ax, keep)?],
                3 => vec![x.min(&ax, keep)?],
                4 => vec![x.prod(&ax, keep)?],
                5 => vec![x.any(&ax, keep)?],
                6 => vec![x.all(&ax, keep)?],
                7 => vec![x.log_sum_exp(&ax, keep)?],
                8 => {
                    let (m, v) = x.moments(&ax, keep)?;
                    vec![m, v]
                }
                _ => vec![x.norm(&ax, keep)?],
            })
        })?;
    }

    #[test]
    fn axis_ops_never_panic((s, a) in shape_axis(), d in dtype(), ax in axes(), n in 0usize..4, op in 0..9usize, seed in any::<u64>()) {
        never_panics(&format!("axis op {op} on {d} {s:?} axis {a} axes {ax:?} n {n}"), |dev| {
            let x = make(dev, &s, d, seed);
            match op {
                0 => Ok(vec![x.arg_max(a)?]),
                1 => Ok(vec![x.arg_min(a)?]),
                2 => Ok(vec![x.softmax(a)?]),
                3 => Ok(vec![x.log_softmax(a)?]),
                4 => x.unstack(a),
                5 => Ok(vec![x.expand_dims(a)?]),
                6 => Ok(vec![x.reverse(&ax)?]),
                7 => Ok(vec![x.squeeze(&ax)?]),
                _ => x.split_n(n, a),
            }
        })?;
    }

    #[test]
    fn split_sizes_never_panic(s in shape(), a in axis(), sizes in prop::collection::vec(count(), 0..4), seed in any::<u64>()) {
        never_panics(&format!("split {s:?} sizes {sizes:?} axis {a}"), |dev| make(dev, &s, DType::F32, seed).split(&sizes, a))?;
    }

    #[test]
    fn reshape_and_transpose_never_panic(
        s in shape(),
        target in prop::collection::vec(prop_oneof![8 => -2isize..7, 1 => Just(isize::MAX), 1 => Just(isize::MIN)], 0..5),
        perm in prop::collection::vec(0usize..6, 0..5),
        to in prop::collection::vec(prop_oneof![0usize..6, Just(usize::MAX)], 0..5),
        seed in any::<u64>(),
    ) {
        never_panics(&format!("reshape {s:?} -> {target:?}"), |dev| Ok(vec![make(dev, &s, DType::F32, seed).reshape(&target)?]))?;
        never_panics(&format!("transpose {s:?} by {perm:?}"), |dev| Ok(vec![make(dev, &s, DType::I32, seed).transpose(&perm)?]))?;
        never_panics(&format!("broadcastTo {s:?} -> {to:?}"), |dev| Ok(vec![make(dev, &s, DType::Bool, seed).broadcast_to(&to)?]))?;
    }

    #[test]
    fn slice_never_panics(
        (s, begin, size) in slice_params(),
        seed in any::<u64>(),
    ) {
        never_panics(&format!("slice {s:?} begin {begin:?} size {size:?}"), |dev| Ok(vec![make(dev, &s, DType::F32, seed).slice(&begin, &size)?]))?;
    }

    #[test]
    fn strided_slice_never_panics(
        (s, spec) in strided_params(),
        masks in (any::<u32>(), any::<u32>(), any::<u32>()),
        grad_too in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let begin: Vec<isize> = spec.iter().map(|p| p.0).collect();
        let end: Vec<isize> = spec.iter().map(|p| p.1).collect();
        let strides: Vec<isize> = spec.iter().map(|p| p.2).collect();
        never_panics(&format!("stridedSlice {s:?} {begin:?} {end:?} {strides:?} masks {masks:?}"), |dev| {
            let x = make(dev, &s, DType::F32, seed);
            let y = x.strided_slice(&begin, &end, &strides, masks.0, masks.1, masks.2)?;
            let mut out = vec![y.clone()];
            if grad_too {
                out.extend(grad(&y.sum(&[], false)?, &[&x])?);
            }
            Ok(out)
        })?;
    }

    #[test]
    fn pad_and_tile_never_panic(
        s in shape(),
        pads in prop::collection::vec((prop_oneof![0usize..3, Just(usize::MAX)], 0usize..3), 0..5),
        reps in prop::collection::vec(prop_oneof![0usize..4, Just(usize::MAX), Just(1usize << 33)], 0..5),
        value in prop_oneof![Just(0.0f32), Just(-1.5f32), Just(f32::NAN)],
        d in dtype(),
        seed in any::<u64>(),
    ) {
        never_panics(&format!("pad {d} {s:?} by {pads:?} with {value}"), |dev| Ok(vec![make(dev, &s, d, seed).pad(&pads, value)?]))?;
        never_panics(&format!("tile {d} {s:?} by {reps:?}"), |dev| Ok(vec![make(dev, &s, d, seed).tile(&reps)?]))?;
    }

    #[test]
    fn indexing_never_panics(
        s in shape(),
        idx_shape in shape(),
        a in axis(),
        depth in prop_oneof![0usize..6, Just(1usize << 31), Just(usize::MAX)],
        d in dtype(),
        with_grad in any::<bool>(),
        seed in any::<u64>(),
    ) {
        never_panics(&format!("gather {d} {s:?} idx {idx_shape:?} axis {a}"), |dev| {
            let x = make(dev, &s, d, seed);
            let idx = make(dev, &idx_shape, DType::I32, seed ^ 7);
            let g = x.gather(&idx, a)?;
            let mut out = vec![g.clone(), x.gather_nd(&idx)?];
            if with_grad && d == DType::F32 {
                out.extend(grad(&g.sum(&[], false)?, &[&x])?);
            }
            Ok(out)
        })?;
        never_panics(&format!("oneHot {idx_shape:?} depth {depth}"), |dev| Ok(vec![make(dev, &idx_shape, DType::I32, seed).one_hot(depth, 1.0, 0.0)?]))?;
    }

    #[test]
    fn conv_never_panics(
        xs in prop::collection::vec(0usize..6, 3..=5),
        ws in prop::collection::vec(0usize..4, 3..=5),
        strides in (count(), count()),
        dil in (count(), count()),
        groups in count(),
        pad_mode in 0..3u8,
        explicit in prop::collection::vec(count(), 4),
        out_hw in (count(), count()),
        op in 0..3u8,
        seed in any::<u64>(),
    ) {
        let padding = match pad_mode {
            0 => Padding::Valid,
            1 => Padding::Same,
            _ => Padding::Explicit([[explicit[0], explicit[1]], [explicit[2], explicit[3]]]),
        };
        let opts = Conv2dOptions { strides: [strides.0, strides.1], padding, dilations: [dil.0, dil.1], groups };
        never_panics(&format!("conv op {op} x {xs:?} w {ws:?} {opts:?} out {out_hw:?}"), |dev| {
            let x = make(dev, &xs, DType::F32, seed);
            let w = make(dev, &ws, DType::F32, seed ^ 3);
            let y = match op {
                0 => x.conv2d(&w, opts)?,
                1 => x.depthwise_conv2d(&w, opts.strides, padding, opts.dilations)?,
                _ => {
                    let out = [xs[0], out_hw.0, out_hw.1, ws.get(2).copied().unwrap_or(1)];
                    x.conv2d_transpose(&w, out, opts.strides, padding)?
                }
            };
            let g = grad(&y.sum(&[], false)?, &[&x, &w])?;
            Ok(vec![y, g[0].clone(), g[1].clone()])
        })?;
    }

    #[test]
    fn pool_never_panics(
        xs in prop::collection::vec(0usize..6, 3..=5),
        window in (prop_oneof![0usize..8, Just(usize::MAX)], prop_oneof![0usize..8, Just(usize::MAX)]),
        strides in (count(), count()),
        pad_mode in 0..3u8,
        explicit in prop::collection::vec(0usize..3, 4),
        avg in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let padding = match pad_mode {
            0 => Padding::Valid,
            1 => Padding::Same,
            _ => Padding::Explicit([[explicit[0], explicit[1]], [explicit[2], explicit[3]]]),
        };
        let (k, s) = ([window.0, window.1], [strides.0, strides.1]);
        never_panics(&format!("{} x {xs:?} window {k:?} strides {s:?} {padding:?}", if avg { "avgPool" } else { "maxPool" }), |dev| {
            let x = make(dev, &xs, DType::F32, seed);
            let y = if avg { x.avg_pool(k, s, padding)? } else { x.max_pool(k, s, padding)? };
            let g = grad(&y.sum(&[], false)?, &[&x])?;
            Ok(vec![y, g[0].clone()])
        })?;
    }

    #[test]
    fn creation_never_panics(
        s in shape(),
        n in prop_oneof![0usize..6, Just(1usize << 33), Just(usize::MAX)],
        m in prop_oneof![0usize..6, Just(usize::MAX)],
        range in (-10.0f32..10.0, -10.0f32..10.0, prop_oneof![-3.0f32..3.0, Just(0.0f32), Just(f32::NAN), Just(1e-30f32)]),
        d in dtype(),
        seed in any::<u64>(),
    ) {
        never_panics(&format!("creation {s:?} n {n} m {m} range {range:?} {d}"), |dev| {
            let mut out = vec![creation::zeros(dev, &s, d)?, creation::ones(dev, &s, d)?, creation::fill(dev, &s, 2.5f32)?];
            out.push(creation::random_uniform(dev, &s, -1.0, 1.0, seed)?);
            out.push(creation::random_normal(dev, &s, 0.0, 2.0, seed)?);
            out.push(creation::truncated_normal(dev, &s, 0.0, 2.0, seed)?);
            Ok(out)
        })?;
        never_panics(&format!("eye {n}x{m}"), |dev| Ok(vec![creation::eye(dev, n, m)?]))?;
        never_panics(&format!("range {range:?} {d}"), |dev| Ok(vec![creation::range(dev, range.0, range.1, range.2, d)?]))?;
        never_panics(&format!("linspace {range:?} {n}"), |dev| Ok(vec![creation::linspace(dev, range.0, range.1, n)?]))?;
        never_panics(&format!("randomUniform huge {n}x{m}"), |dev| Ok(vec![creation::random_uniform(dev, &[n, m], 0.0, 1.0, seed)?]))?;
    }

    #[test]
    fn host_data_size_mismatch_is_an_error(s in shape(), extra in 0usize..3, d in dtype()) {
        let n: usize = s.iter().product::<usize>() + extra;
        for (name, dev) in devices() {
            let data = HostData::filled(ferroflow::Scalar::F32(1.0).cast(d), n);
            let r = guarded("from_host", || match Tensor::from_host_on(data, &s, dev) {
                Ok(_) if extra != 0 => Status::Fail("accepted the wrong number of values".into()),
                Err(_) if extra == 0 => Status::Fail("rejected a correct buffer".into()),
                _ => Status::Pass,
            });
            prop_assert_eq!(r, Status::Pass, "{} {:?} +{} on {}", d, s, extra, name);
        }
    }

    #[test]
    fn gradients_never_panic(s in shape(), op in 0..UNARY.len(), ax in axes(), seed in any::<u64>()) {
        let (name, f) = UNARY[op];
        never_panics(&format!("grad of {name} on {s:?} then sum over {ax:?}"), |dev| {
            let x = make(dev, &s, DType::F32, seed);
            let y = f(&x)?;
            if y.dtype() != DType::F32 {
                return Ok(vec![]);
            }
            let g = grad(&y.sum(&ax, false)?.sum(&[], false)?, &[&x])?;
            Ok(g)
        })?;
    }
}
