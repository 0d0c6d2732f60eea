//! Every op of the core op library, exported with TF.js's name and argument order. Tensor-like
//! arguments (`Tensor`, number, boolean, array, TypedArray) are resolved by `convert::tensors`;
//! options are validated here; the op itself (and its shape/dtype checks) is core's.

use ferroflow_core::ops::{self, losses, Conv2dOptions, Padding};
use ferroflow_core::{DType, Error, Result, Tensor};
use wasm_bindgen::prelude::*;

use crate::convert::{self, describe};
use crate::error::JsResult;
use crate::tensor::{run, run_many, JsTensor};

/// The resolved tensor arguments as an array (`tensors` returns exactly one per argument).
fn resolve<const N: usize>(op: &str, args: [(&str, &JsValue, Option<DType>); N]) -> Result<[Tensor; N]> {
    convert::tensors(op, &args)?
        .try_into()
        .map_err(|_| Error::invalid(op, "internal: argument count mismatch"))
}

fn one(op: &str, arg: &str, v: &JsValue) -> Result<Tensor> {
    let [t] = resolve(op, [(arg, v, None)])?;
    Ok(t)
}

macro_rules! unary_ops {
    ($($js:literal $rs:ident => |$x:ident| $body:expr;)*) => {$(
        #[doc = concat!("TF.js `", $js, "(x)`.")]
        #[wasm_bindgen(js_name = $js)]
        pub fn $rs(x: &JsValue) -> JsResult<JsTensor> {
            run($js, || {
                let $x = one($js, "x", x)?;
                $body
            })
        }
    )*};
}

unary_ops! {
    "neg" neg => |x| x.neg();
    "exp" exp => |x| x.exp();
    "log" log => |x| x.log();
    "sqrt" sqrt => |x| x.sqrt();
    "reciprocal" reciprocal => |x| x.reciprocal();
    "sin" sin => |x| x.sin();
    "cos" cos => |x| x.cos();
    "tan" tan => |x| x.tan();
    "tanh" tanh => |x| x.tanh();
    "sinh" sinh => |x| x.sinh();
    "cosh" cosh => |x| x.cosh();
    "asinh" asinh => |x| x.asinh();
    "acosh" acosh => |x| x.acosh();
    "atanh" atanh => |x| x.atanh();
    "sigmoid" sigmoid => |x| x.sigmoid();
    "erf" erf => |x| x.erf();
    "floor" floor => |x| x.floor();
    "ceil" ceil => |x| x.ceil();
    "round" round => |x| x.round();
    "abs" abs => |x| x.abs();
    "sign" sign => |x| x.sign();
    "square" square => |x| x.square();
    "rsqrt" rsqrt => |x| x.rsqrt();
    "log1p" log1p => |x| x.log1p();
    "expm1" expm1 => |x| x.expm1();
    "isNaN" is_nan => |x| x.is_nan();
    "isInf" is_inf => |x| x.is_inf();
    "isFinite" is_finite => |x| x.is_finite();
    "logicalNot" logical_not => |x| x.logical_not();
    "relu" relu => |x| x.relu();
    "relu6" relu6 => |x| x.relu6();
    "elu" elu => |x| x.elu();
    "selu" selu => |x| x.selu();
    "softplus" softplus => |x| x.softplus();
    "softsign" softsign => |x| x.softsign();
    "gelu" gelu => |x| x.gelu();
    "swish" swish => |x| x.swish();
    "mish" mish => |x| x.mish();
    "flatten" flatten => |x| x.flatten();
    "stopGradient" stop_gradient => |x| ops::stop_gradient(&x);
    "zerosLike" zeros_like => |x| x.zeros_like();
    "onesLike" ones_like => |x| x.ones_like();
}

macro_rules! binary_ops {
    ($($js:literal $rs:ident => $m:ident;)*) => {$(
        #[doc = concat!("TF.js `", $js, "(a, b)` with broadcasting.")]
        #[wasm_bindgen(js_name = $js)]
        pub fn $rs(a: &JsValue, b: &JsValue) -> JsResult<JsTensor> {
            run($js, || {
                let [a, b] = resolve($js, [("a", a, None), ("b", b, None)])?;
                a.$m(&b)
            })
        }
    )*};
}

binary_ops! {
    "add" add => add;
    "sub" sub => sub;
    "mul" mul => mul;
    "div" div => div;
    "mod" modulo => modulo;
    "pow" pow => pow;
    "maximum" maximum => maximum;
    "minimum" minimum => minimum;
    "squaredDifference" squared_difference => squared_difference;
    "less" less => less;
    "lessEqual" less_equal => less_equal;
    "greater" greater => greater;
    "greaterEqual" greater_equal => greater_equal;
    "equal" equal => equal;
    "notEqual" not_equal => not_equal;
    "logicalAnd" logical_and => logical_and;
    "logicalOr" logical_or => logical_or;
    "logicalXor" logical_xor => logical_xor;
    "prelu" prelu => prelu;
    "dot" dot => dot;
    "outerProduct" outer_product => outer_product;
}

/// TF.js `floorDiv(a, b)`: floor of the quotient, int32 as TF.js returns it (also for floats).
#[wasm_bindgen(js_name = floorDiv)]
pub fn floor_div(a: &JsValue, b: &JsValue) -> JsResult<JsTensor> {
    run("floorDiv", || {
        let [a, b] = resolve("floorDiv", [("a", a, None), ("b", b, None)])?;
        a.floor_div(&b)?.cast(DType::I32)
    })
}

/// TF.js `where(condition, a, b)`.
#[wasm_bindgen(js_name = "where")]
pub fn where_(condition: &JsValue, a: &JsValue, b: &JsValue) -> JsResult<JsTensor> {
    run("where", || {
        let [c, a, b] = resolve(
            "where",
            [
                ("condition", condition, Some(DType::Bool)),
                ("a", a, None),
                ("b", b, None),
            ],
        )?;
        ops::where_(&c, &a, &b)
    })
}

/// TF.js `cast(x, dtype)`.
#[wasm_bindgen]
pub fn cast(x: &JsValue, dtype: &JsValue) -> JsResult<JsTensor> {
    run("cast", || {
        let d = convert::dtype_arg("cast", "dtype", dtype)?.ok_or_else(|| {
            Error::invalid(
                "cast",
                format!("argument 'dtype': expected a dtype, got {}", describe(dtype)),
            )
        })?;
        one("cast", "x", x)?.cast(d)
    })
}

/// TF.js `clipByValue(x, clipValueMin, clipValueMax)`.
#[wasm_bindgen(js_name = clipByValue)]
pub fn clip_by_value(x: &JsValue, lo: &JsValue, hi: &JsValue) -> JsResult<JsTensor> {
    let op = "clipByValue";
    run(op, || {
        let bound = |arg: &str, v: &JsValue| -> Result<f32> {
            let n = convert::number(op, arg, v)?;
            if n.is_nan() {
                return Err(Error::invalid(
                    op,
                    format!("argument '{arg}': expected a number, got NaN"),
                ));
            }
            Ok(n as f32)
        };
        let (lo, hi) = (bound("clipValueMin", lo)?, bound("clipValueMax", hi)?);
        one(op, "x", x)?.clip(lo, hi)
    })
}

/// TF.js `leakyRelu(x, alpha = 0.2)`.
#[wasm_bindgen(js_name = leakyRelu)]
pub fn leaky_relu(x: &JsValue, alpha: &JsValue) -> JsResult<JsTensor> {
    run("leakyRelu", || {
        let alpha = convert::finite_or("leakyRelu", "alpha", alpha, 0.2)?;
        one("leakyRelu", "x", x)?.leaky_relu(alpha)
    })
}

/// TF.js `softmax(logits, dim = -1)`.
#[wasm_bindgen]
pub fn softmax(logits: &JsValue, dim: &JsValue) -> JsResult<JsTensor> {
    run("softmax", || {
        let d = convert::axis_or("softmax", "dim", dim, -1)?;
        one("softmax", "logits", logits)?.softmax(d)
    })
}

/// TF.js `logSoftmax(logits, axis = -1)`.
#[wasm_bindgen(js_name = logSoftmax)]
pub fn log_softmax(logits: &JsValue, axis: &JsValue) -> JsResult<JsTensor> {
    run("logSoftmax", || {
        let a = convert::axis_or("logSoftmax", "axis", axis, -1)?;
        one("logSoftmax", "logits", logits)?.log_softmax(a)
    })
}

// ---- reductions ----

/// What an explicit empty axis list means in TF.js: reduce over nothing.
fn reduce_nothing(op: &str, x: &Tensor) -> Result<Tensor> {
    match op {
        "sum" | "prod" if x.dtype() == DType::Bool => x.cast(DType::I32),
        "mean" | "logSumExp" => x.cast(DType::F32),
        "any" | "all" => x.cast(DType::Bool),
        _ => Ok(x.clone()),
    }
}

macro_rules! reduce_ops {
    ($($js:literal $rs:ident => $m:ident;)*) => {$(
        #[doc = concat!("TF.js `", $js, "(x, axis?, keepDims = false)`; no axis reduces all.")]
        #[wasm_bindgen(js_name = $js)]
        pub fn $rs(x: &JsValue, axis: &JsValue, keep_dims: &JsValue) -> JsResult<JsTensor> {
            run($js, || {
                let x = one($js, "x", x)?;
                let keep = convert::bool_or($js, "keepDims", keep_dims, false)?;
                match convert::axes($js, "axis", axis)? {
                    Some(a) if a.is_empty() => reduce_nothing($js, &x),
                    a => x.$m(&a.unwrap_or_default(), keep),
                }
            })
        }
    )*};
}

reduce_ops! {
    "sum" sum => sum;
    "prod" prod => prod;
    "max" max => max;
    "min" min => min;
    "mean" mean => mean;
    "any" any => any;
    "all" all => all;
    "logSumExp" log_sum_exp => log_sum_exp;
}

/// TF.js `moments(x, axis?, keepDims = false)`: `[mean, variance]` (the JS layer names them).
#[wasm_bindgen]
pub fn moments(x: &JsValue, axis: &JsValue, keep_dims: &JsValue) -> JsResult<js_sys::Array> {
    run_many("moments", || {
        let x = one("moments", "x", x)?;
        let keep = convert::bool_or("moments", "keepDims", keep_dims, false)?;
        let axes = convert::axes("moments", "axis", axis)?.unwrap_or_default();
        let (m, v) = x.moments(&axes, keep)?;
        Ok(vec![m, v])
    })
}

/// TF.js `argMax(x, axis = 0)`.
#[wasm_bindgen(js_name = argMax)]
pub fn arg_max(x: &JsValue, axis: &JsValue) -> JsResult<JsTensor> {
    run("argMax", || {
        let a = convert::axis_or("argMax", "axis", axis, 0)?;
        one("argMax", "x", x)?.arg_max(a)
    })
}

/// TF.js `argMin(x, axis = 0)`.
#[wasm_bindgen(js_name = argMin)]
pub fn arg_min(x: &JsValue, axis: &JsValue) -> JsResult<JsTensor> {
    run("argMin", || {
        let a = convert::axis_or("argMin", "axis", axis, 0)?;
        one("argMin", "x", x)?.arg_min(a)
    })
}

/// TF.js `norm(x, ord = 'euclidean', axis?, keepDims = false)`: vector norms (`'euclidean'`,
/// `'fro'`, 1, 2, `Infinity`, `-Infinity`, or any positive p) over the given axis (all when
/// none); matrix norms other than Frobenius are not supported yet.
#[wasm_bindgen]
pub fn norm(x: &JsValue, ord: &JsValue, axis: &JsValue, keep_dims: &JsValue) -> JsResult<JsTensor> {
    let op = "norm";
    run(op, || {
        let x = one(op, "x", x)?.cast(DType::F32)?;
        let keep = convert::bool_or(op, "keepDims", keep_dims, false)?;
        let axes = convert::axes(op, "axis", axis)?.unwrap_or_default();
        let euclid = ord.is_undefined()
            || ord.is_null()
            || matches!(ord.as_string().as_deref(), Some("euclidean") | Some("fro"))
            || ord.as_f64() == Some(2.0);
        if euclid {
            return x.norm(&axes, keep);
        }
        if axes.len() == 2 {
            return Err(Error::invalid(
                op,
                format!(
                    "argument 'ord': expected 'euclidean' or 'fro' for a matrix norm, got {}",
                    describe(ord)
                ),
            ));
        }
        let p = convert::number(op, "ord", ord)?;
        let a = x.abs()?;
        if p == f64::INFINITY {
            a.max(&axes, keep)
        } else if p == f64::NEG_INFINITY {
            a.min(&axes, keep)
        } else if p == 1.0 {
            a.sum(&axes, keep)
        } else if p > 0.0 && p.is_finite() {
            a.pow(p as f32)?.sum(&axes, keep)?.pow((1.0 / p) as f32)
        } else {
            Err(Error::invalid(
                op,
                format!(
                    "argument 'ord': expected 'euclidean', 'fro', Infinity, -Infinity or a positive number, got {}",
                    describe(ord)
                ),
            ))
        }
    })
}

// ---- movement ----

/// TF.js `reshape(x, shape)` (one dimension may be -1).
#[wasm_bindgen]
pub fn reshape(x: &JsValue, shape: &JsValue) -> JsResult<JsTensor> {
    run("reshape", || {
        let s: Vec<isize> = convert::int_list("reshape", "shape", shape)?
            .into_iter()
            .map(|d| {
                isize::try_from(d)
                    .map_err(|_| Error::shape("reshape", format!("argument 'shape': dimension {d} is too large")))
            })
            .collect::<Result<_>>()?;
        one("reshape", "x", x)?.reshape(&s)
    })
}

/// TF.js `transpose(x, perm?)` (reverses the dims without `perm`).
#[wasm_bindgen]
pub fn transpose(x: &JsValue, perm: &JsValue) -> JsResult<JsTensor> {
    run("transpose", || {
        let x = one("transpose", "x", x)?;
        if perm.is_undefined() || perm.is_null() {
            return x.transpose(&[]);
        }
        let p = convert::shape("transpose", "perm", perm)?;
        if p.len() != x.rank() {
            return Err(Error::shape(
                "transpose",
                format!(
                    "argument 'perm': expected {} entries (the rank of x), got {p:?}",
                    x.rank()
                ),
            ));
        }
        let mut seen = vec![false; p.len()];
        for &d in &p {
            match seen.get_mut(d) {
                Some(s) if !*s => *s = true,
                _ => {
                    return Err(Error::axis(
                        "transpose",
                        format!("argument 'perm': expected a permutation of 0..{}, got {p:?}", x.rank()),
                    ))
                }
            }
        }
        if x.rank() == 0 {
            return Ok(x);
        }
        x.transpose(&p)
    })
}

/// TF.js `expandDims(x, axis = 0)`.
#[wasm_bindgen(js_name = expandDims)]
pub fn expand_dims(x: &JsValue, axis: &JsValue) -> JsResult<JsTensor> {
    run("expandDims", || {
        let a = convert::axis_or("expandDims", "axis", axis, 0)?;
        one("expandDims", "x", x)?.expand_dims(a)
    })
}

/// TF.js `squeeze(x, axis?)`.
#[wasm_bindgen]
pub fn squeeze(x: &JsValue, axis: &JsValue) -> JsResult<JsTensor> {
    run("squeeze", || {
        let x = one("squeeze", "x", x)?;
        match convert::axes("squeeze", "axis", axis)? {
            Some(a) if a.is_empty() => Ok(x),
            a => x.squeeze(&a.unwrap_or_default()),
        }
    })
}

/// TF.js `broadcastTo(x, shape)`.
#[wasm_bindgen(js_name = broadcastTo)]
pub fn broadcast_to(x: &JsValue, shape: &JsValue) -> JsResult<JsTensor> {
    run("broadcastTo", || {
        let s = convert::shape("broadcastTo", "shape", shape)?;
        one("broadcastTo", "x", x)?.broadcast_to(&s)
    })
}

/// TF.js `slice(x, begin, size?)`: `begin`/`size` may be numbers (first axis) or shorter than
/// the rank (the rest: from 0, to the end); a size of -1 runs to the end.
#[wasm_bindgen]
pub fn slice(x: &JsValue, begin: &JsValue, size: &JsValue) -> JsResult<JsTensor> {
    let op = "slice";
    run(op, || {
        let x = one(op, "x", x)?;
        let r = x.rank();
        let b: Vec<i64> = if begin.as_f64().is_some() {
            vec![convert::int(op, "begin", begin)?]
        } else {
            convert::int_list(op, "begin", begin)?
        };
        let s: Vec<i64> = if size.is_undefined() || size.is_null() {
            vec![]
        } else if size.as_f64().is_some() {
            vec![convert::int(op, "size", size)?]
        } else {
            convert::int_list(op, "size", size)?
        };
        if b.len() > r || s.len() > r {
            return Err(Error::shape(
                op,
                format!("argument 'begin'/'size': expected at most {r} entries (the rank of x), got {b:?} / {s:?}"),
            ));
        }
        let mut begin_u = vec![0usize; r];
        for (i, &v) in b.iter().enumerate() {
            begin_u[i] = usize::try_from(v).map_err(|_| {
                Error::index(
                    op,
                    format!("argument 'begin[{i}]': expected a non-negative index, got {v}"),
                )
            })?;
        }
        let mut size_i = vec![-1isize; r];
        for (i, &v) in s.iter().enumerate() {
            size_i[i] = isize::try_from(v)
                .map_err(|_| Error::index(op, format!("argument 'size[{i}]': expected a size, got {v}")))?;
        }
        x.slice(&begin_u, &size_i)
    })
}

/// TF.js `stridedSlice(x, begin, end, strides?, beginMask, endMask, ellipsisMask, newAxisMask,
/// shrinkAxisMask)`; ellipsis and new-axis masks are not supported yet.
#[wasm_bindgen(js_name = stridedSlice)]
pub fn strided_slice(
    x: &JsValue,
    begin: &JsValue,
    end: &JsValue,
    strides: &JsValue,
    begin_mask: &JsValue,
    end_mask: &JsValue,
    ellipsis_mask: &JsValue,
    new_axis_mask: &JsValue,
    shrink_axis_mask: &JsValue,
) -> JsResult<JsTensor> {
    let op = "stridedSlice";
    run(op, || {
        let x = one(op, "x", x)?;
        let to_isize = |arg: &str, v: Vec<i64>| -> Result<Vec<isize>> {
            v.into_iter()
                .map(|d| {
                    isize::try_from(d)
                        .map_err(|_| Error::index(op, format!("argument '{arg}': index {d} is too large")))
                })
                .collect()
        };
        let b = to_isize("begin", convert::int_list(op, "begin", begin)?)?;
        let e = to_isize("end", convert::int_list(op, "end", end)?)?;
        let s = if strides.is_undefined() || strides.is_null() {
            vec![1; b.len()]
        } else {
            to_isize("strides", convert::int_list(op, "strides", strides)?)?
        };
        let mask = |arg: &str, v: &JsValue| -> Result<u32> {
            let m = convert::int_or(op, arg, v, 0)?;
            u32::try_from(m)
                .map_err(|_| Error::invalid(op, format!("argument '{arg}': expected a bit mask >= 0, got {m}")))
        };
        for (arg, v) in [("ellipsisMask", ellipsis_mask), ("newAxisMask", new_axis_mask)] {
            if mask(arg, v)? != 0 {
                return Err(Error::invalid(
                    op,
                    format!("argument '{arg}': only 0 is supported yet, got {}", describe(v)),
                ));
            }
        }
        x.strided_slice(
            &b,
            &e,
            &s,
            mask("beginMask", begin_mask)?,
            mask("endMask", end_mask)?,
            mask("shrinkAxisMask", shrink_axis_mask)?,
        )
    })
}

/// TF.js `split(x, numOrSizeSplits, axis = 0)`; one size may be -1.
#[wasm_bindgen]
pub fn split(x: &JsValue, num_or_sizes: &JsValue, axis: &JsValue) -> JsResult<js_sys::Array> {
    let op = "split";
    run_many(op, || {
        let x = one(op, "x", x)?;
        let a = convert::axis_or(op, "axis", axis, 0)?;
        if num_or_sizes.as_f64().is_some() {
            let n = convert::size(op, "numOrSizeSplits", num_or_sizes)?;
            return x.split_n(n, a);
        }
        let sizes = convert::int_list(op, "numOrSizeSplits", num_or_sizes)?;
        let dim = ferroflow_core::shape::normalize_axis(op, a, x.rank()).map(|d| x.shape()[d])?;
        let unknown = sizes.iter().filter(|&&s| s == -1).count();
        if unknown > 1 || sizes.iter().any(|&s| s < -1) {
            return Err(Error::invalid(
                op,
                format!("argument 'numOrSizeSplits': expected non-negative sizes with at most one -1, got {sizes:?}"),
            ));
        }
        let known: i64 = sizes.iter().filter(|&&s| s >= 0).sum();
        let rest = dim as i64 - known;
        if unknown == 1 && rest < 0 {
            return Err(Error::shape(
                op,
                format!("argument 'numOrSizeSplits': sizes {sizes:?} exceed {dim} on axis {a}"),
            ));
        }
        let sizes: Vec<usize> = sizes
            .iter()
            .map(|&s| if s == -1 { rest as usize } else { s as usize })
            .collect();
        x.split(&sizes, a)
    })
}

/// TF.js `unstack(x, axis = 0)`.
#[wasm_bindgen]
pub fn unstack(x: &JsValue, axis: &JsValue) -> JsResult<js_sys::Array> {
    run_many("unstack", || {
        let a = convert::axis_or("unstack", "axis", axis, 0)?;
        let x = one("unstack", "x", x)?;
        let d = ferroflow_core::shape::normalize_axis("unstack", a, x.rank())?;
        if x.shape()[d] == 0 {
            return Ok(vec![]);
        }
        x.unstack(a)
    })
}

/// TF.js `concat(tensors, axis = 0)`.
#[wasm_bindgen]
pub fn concat(tensors: &JsValue, axis: &JsValue) -> JsResult<JsTensor> {
    run("concat", || {
        let a = convert::axis_or("concat", "axis", axis, 0)?;
        let ts = convert::tensor_list("concat", "tensors", tensors)?;
        ops::concat(&ts, a)
    })
}

/// TF.js `stack(tensors, axis = 0)`.
#[wasm_bindgen]
pub fn stack(tensors: &JsValue, axis: &JsValue) -> JsResult<JsTensor> {
    run("stack", || {
        let a = convert::axis_or("stack", "axis", axis, 0)?;
        let ts = convert::tensor_list("stack", "tensors", tensors)?;
        ops::stack(&ts, a)
    })
}

/// TF.js `pad(x, paddings, constantValue = 0)`; `paddings` is `[[before, after], ...]`.
#[wasm_bindgen]
pub fn pad(x: &JsValue, paddings: &JsValue, constant_value: &JsValue) -> JsResult<JsTensor> {
    let op = "pad";
    run(op, || {
        let x = one(op, "x", x)?;
        let value = convert::number_or(op, "constantValue", constant_value, 0.0)? as f32;
        let rows = convert::list(op, "paddings", paddings)?;
        let mut p = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            let arg = format!("paddings[{i}]");
            let pair = convert::shape(op, &arg, row)?;
            if pair.len() != 2 {
                return Err(Error::invalid(
                    op,
                    format!("argument '{arg}': expected [before, after], got {}", describe(row)),
                ));
            }
            p.push((pair[0], pair[1]));
        }
        x.pad(&p, value)
    })
}

/// TF.js `tile(x, reps)`.
#[wasm_bindgen]
pub fn tile(x: &JsValue, reps: &JsValue) -> JsResult<JsTensor> {
    run("tile", || {
        let r = convert::shape("tile", "reps", reps)?;
        one("tile", "x", x)?.tile(&r)
    })
}

/// TF.js `reverse(x, axis?)` (all axes without one).
#[wasm_bindgen]
pub fn reverse(x: &JsValue, axis: &JsValue) -> JsResult<JsTensor> {
    run("reverse", || {
        let x = one("reverse", "x", x)?;
        match convert::axes("reverse", "axis", axis)? {
            Some(a) if a.is_empty() => Ok(x),
            a => x.reverse(&a.unwrap_or_default()),
        }
    })
}

/// TF.js `gather(x, indices, axis = 0, batchDims = 0)`; `batchDims` other than 0 is not
/// supported yet.
#[wasm_bindgen]
pub fn gather(x: &JsValue, indices: &JsValue, axis: &JsValue, batch_dims: &JsValue) -> JsResult<JsTensor> {
    let op = "gather";
    run(op, || {
        let [x, idx] = resolve(op, [("x", x, None), ("indices", indices, Some(DType::I32))])?;
        let a = convert::axis_or(op, "axis", axis, 0)?;
        if convert::int_or(op, "batchDims", batch_dims, 0)? != 0 {
            return Err(Error::invalid(
                op,
                format!(
                    "argument 'batchDims': only 0 is supported yet, got {}",
                    describe(batch_dims)
                ),
            ));
        }
        x.gather(&idx, a)
    })
}

/// TF.js `gatherND(x, indices)`.
#[wasm_bindgen(js_name = gatherND)]
pub fn gather_nd(x: &JsValue, indices: &JsValue) -> JsResult<JsTensor> {
    run("gatherND", || {
        let [x, idx] = resolve("gatherND", [("x", x, None), ("indices", indices, Some(DType::I32))])?;
        x.gather_nd(&idx)
    })
}

/// TF.js `matMul(a, b, transposeA = false, transposeB = false)`.
#[wasm_bindgen(js_name = matMul)]
pub fn mat_mul(a: &JsValue, b: &JsValue, transpose_a: &JsValue, transpose_b: &JsValue) -> JsResult<JsTensor> {
    run("matMul", || {
        let ta = convert::bool_or("matMul", "transposeA", transpose_a, false)?;
        let tb = convert::bool_or("matMul", "transposeB", transpose_b, false)?;
        let [a, b] = resolve("matMul", [("a", a, None), ("b", b, None)])?;
        a.matmul(&b, ta, tb)
    })
}

// ---- convolution and pooling (NHWC) ----

/// TF.js `pad`: `'same'`, `'valid'`, a number (all sides), or `[[0,0],[top,bottom],[left,right],[0,0]]`.
fn padding(op: &str, v: &JsValue) -> Result<Padding> {
    if let Some(s) = v.as_string() {
        return match s.as_str() {
            "same" => Ok(Padding::Same),
            "valid" => Ok(Padding::Valid),
            _ => Err(Error::invalid(
                op,
                format!(
                    "argument 'pad': expected 'same', 'valid', a number or explicit paddings, got {}",
                    describe(v)
                ),
            )),
        };
    }
    if v.as_f64().is_some() {
        let n = convert::size(op, "pad", v)?;
        return Ok(Padding::Explicit([[n, n], [n, n]]));
    }
    let rows = convert::list(op, "pad", v)?;
    let bad = || {
        Error::invalid(
            op,
            format!(
                "argument 'pad': expected [[0, 0], [top, bottom], [left, right], [0, 0]], got {}",
                describe(v)
            ),
        )
    };
    if rows.len() != 4 {
        return Err(bad());
    }
    let mut p = [[0usize; 2]; 4];
    for (i, row) in rows.iter().enumerate() {
        let pair = convert::shape(op, &format!("pad[{i}]"), row)?;
        if pair.len() != 2 {
            return Err(bad());
        }
        p[i] = [pair[0], pair[1]];
    }
    if p[0] != [0, 0] || p[3] != [0, 0] {
        return Err(bad());
    }
    Ok(Padding::Explicit([p[1], p[2]]))
}

fn check_format(op: &str, data_format: &JsValue, rounding: &JsValue) -> Result<()> {
    if !(data_format.is_undefined() || data_format.is_null() || data_format.as_string().as_deref() == Some("NHWC")) {
        return Err(Error::invalid(
            op,
            format!(
                "argument 'dataFormat': only 'NHWC' is supported, got {}",
                describe(data_format)
            ),
        ));
    }
    if !(rounding.is_undefined() || rounding.is_null()) {
        return Err(Error::invalid(
            op,
            format!(
                "argument 'dimRoundingMode': not supported yet, got {}",
                describe(rounding)
            ),
        ));
    }
    Ok(())
}

/// Runs a 4-D op on a rank-3 input by adding and removing the batch dim (as TF.js does).
fn batched(x: Tensor, f: impl FnOnce(&Tensor) -> Result<Tensor>) -> Result<Tensor> {
    if x.rank() == 3 {
        return f(&x.expand_dims(0)?)?.squeeze(&[0]);
    }
    f(&x)
}

/// TF.js `conv2d(x, filter, strides, pad, dataFormat = 'NHWC', dilations = 1, dimRoundingMode)`.
#[wasm_bindgen]
pub fn conv2d(
    x: &JsValue,
    filter: &JsValue,
    strides: &JsValue,
    pad: &JsValue,
    data_format: &JsValue,
    dilations: &JsValue,
    dim_rounding_mode: &JsValue,
) -> JsResult<JsTensor> {
    let op = "conv2d";
    run(op, || {
        check_format(op, data_format, dim_rounding_mode)?;
        let [x, f] = resolve(op, [("x", x, None), ("filter", filter, None)])?;
        let opts = Conv2dOptions {
            strides: convert::pair(op, "strides", strides, Some([1, 1]))?,
            padding: padding(op, pad)?,
            dilations: convert::pair(op, "dilations", dilations, Some([1, 1]))?,
            groups: 1,
        };
        batched(x, |x| x.conv2d(&f, opts))
    })
}

/// TF.js `depthwiseConv2d(x, filter, strides, pad, dataFormat = 'NHWC', dilations = 1, dimRoundingMode)`.
#[wasm_bindgen(js_name = depthwiseConv2d)]
pub fn depthwise_conv2d(
    x: &JsValue,
    filter: &JsValue,
    strides: &JsValue,
    pad: &JsValue,
    data_format: &JsValue,
    dilations: &JsValue,
    dim_rounding_mode: &JsValue,
) -> JsResult<JsTensor> {
    let op = "depthwiseConv2d";
    run(op, || {
        check_format(op, data_format, dim_rounding_mode)?;
        let [x, f] = resolve(op, [("x", x, None), ("filter", filter, None)])?;
        let s = convert::pair(op, "strides", strides, Some([1, 1]))?;
        let p = padding(op, pad)?;
        let d = convert::pair(op, "dilations", dilations, Some([1, 1]))?;
        batched(x, |x| x.depthwise_conv2d(&f, s, p, d))
    })
}

/// TF.js `conv2dTranspose(x, filter, outputShape, strides, pad, dimRoundingMode)`.
#[wasm_bindgen(js_name = conv2dTranspose)]
pub fn conv2d_transpose(
    x: &JsValue,
    filter: &JsValue,
    output_shape: &JsValue,
    strides: &JsValue,
    pad: &JsValue,
    dim_rounding_mode: &JsValue,
) -> JsResult<JsTensor> {
    let op = "conv2dTranspose";
    run(op, || {
        check_format(op, &JsValue::UNDEFINED, dim_rounding_mode)?;
        let [x, f] = resolve(op, [("x", x, None), ("filter", filter, None)])?;
        let s = convert::pair(op, "strides", strides, Some([1, 1]))?;
        let p = padding(op, pad)?;
        let mut out = convert::shape(op, "outputShape", output_shape)?;
        let rank3 = x.rank() == 3;
        if rank3 && out.len() == 3 {
            out.insert(0, 1);
        }
        let out: [usize; 4] = out.try_into().map_err(|o: Vec<usize>| {
            Error::shape(
                op,
                format!("argument 'outputShape': expected [batch, height, width, channels], got {o:?}"),
            )
        })?;
        batched(x, |x| x.conv2d_transpose(&f, out, s, p))
    })
}

fn pool(
    op: &str,
    x: &JsValue,
    filter_size: &JsValue,
    strides: &JsValue,
    pad: &JsValue,
    dim_rounding_mode: &JsValue,
    max: bool,
) -> JsResult<JsTensor> {
    run(op, || {
        check_format(op, &JsValue::UNDEFINED, dim_rounding_mode)?;
        let x = one(op, "x", x)?;
        let k = convert::pair(op, "filterSize", filter_size, None)?;
        let s = convert::pair(op, "strides", strides, Some([1, 1]))?;
        let p = padding(op, pad)?;
        batched(x, |x| if max { x.max_pool(k, s, p) } else { x.avg_pool(k, s, p) })
    })
}

/// TF.js `maxPool(x, filterSize, strides, pad, dimRoundingMode)`.
#[wasm_bindgen(js_name = maxPool)]
pub fn max_pool(
    x: &JsValue,
    filter_size: &JsValue,
    strides: &JsValue,
    pad: &JsValue,
    dim_rounding_mode: &JsValue,
) -> JsResult<JsTensor> {
    pool("maxPool", x, filter_size, strides, pad, dim_rounding_mode, true)
}

/// TF.js `avgPool(x, filterSize, strides, pad, dimRoundingMode)`.
#[wasm_bindgen(js_name = avgPool)]
pub fn avg_pool(
    x: &JsValue,
    filter_size: &JsValue,
    strides: &JsValue,
    pad: &JsValue,
    dim_rounding_mode: &JsValue,
) -> JsResult<JsTensor> {
    pool("avgPool", x, filter_size, strides, pad, dim_rounding_mode, false)
}

// ---- losses (tf.losses.*) ----

/// TF.js's `Reduction` enum values.
const REDUCTION_SUM: i64 = 2;
const REDUCTION_MEAN: i64 = 1;
const REDUCTION_SUM_BY_NONZERO_WEIGHTS: i64 = 3;

/// Applies `reduction` to a core loss (always the mean over `count` per-element losses):
/// SUM multiplies back by the count; NONE and weights are not supported yet.
fn reduce_loss(op: &str, mean: Tensor, count: usize, weights: &JsValue, reduction: &JsValue) -> Result<Tensor> {
    if !(weights.is_undefined() || weights.is_null()) {
        return Err(Error::invalid(
            op,
            format!(
                "argument 'weights': not supported yet (expected undefined or null), got {}",
                describe(weights)
            ),
        ));
    }
    match convert::int_or(op, "reduction", reduction, REDUCTION_SUM_BY_NONZERO_WEIGHTS)? {
        REDUCTION_MEAN | REDUCTION_SUM_BY_NONZERO_WEIGHTS => Ok(mean),
        REDUCTION_SUM => mean.mul(count as f32),
        r => Err(Error::invalid(
            op,
            format!("argument 'reduction': expected Reduction.MEAN (1), SUM (2) or SUM_BY_NONZERO_WEIGHTS (3), got {r} (NONE is not supported yet)"),
        )),
    }
}

fn label_pair(op: &str, labels: &JsValue, predictions: &JsValue) -> Result<[Tensor; 2]> {
    resolve(op, [("labels", labels, None), ("predictions", predictions, None)])
}

macro_rules! simple_losses {
    ($($js:literal $rs:ident => $f:path;)*) => {$(
        #[doc = concat!("TF.js `losses.", $js, "(labels, predictions, weights?, reduction?)`.")]
        #[wasm_bindgen(js_name = $js)]
        pub fn $rs(labels: &JsValue, predictions: &JsValue, weights: &JsValue, reduction: &JsValue) -> JsResult<JsTensor> {
            run($js, || {
                let [l, p] = label_pair($js, labels, predictions)?;
                let n = p.numel();
                reduce_loss($js, $f(&l, &p)?, n, weights, reduction)
            })
        }
    )*};
}

simple_losses! {
    "meanSquaredError" loss_mse => losses::mean_squared_error;
    "absoluteDifference" loss_abs => losses::absolute_difference;
    "hingeLoss" loss_hinge => losses::hinge_loss;
}

/// TF.js `losses.huberLoss(labels, predictions, weights?, delta = 1, reduction?)`.
#[wasm_bindgen(js_name = huberLoss)]
pub fn huber_loss(
    labels: &JsValue,
    predictions: &JsValue,
    weights: &JsValue,
    delta: &JsValue,
    reduction: &JsValue,
) -> JsResult<JsTensor> {
    let op = "huberLoss";
    run(op, || {
        let d = convert::finite_or(op, "delta", delta, 1.0)?;
        let [l, p] = label_pair(op, labels, predictions)?;
        let n = p.numel();
        reduce_loss(op, losses::huber_loss(&l, &p, d)?, n, weights, reduction)
    })
}

/// TF.js `losses.logLoss(labels, predictions, weights?, epsilon = 1e-7, reduction?)`.
#[wasm_bindgen(js_name = logLoss)]
pub fn log_loss(
    labels: &JsValue,
    predictions: &JsValue,
    weights: &JsValue,
    epsilon: &JsValue,
    reduction: &JsValue,
) -> JsResult<JsTensor> {
    let op = "logLoss";
    run(op, || {
        let e = convert::finite_or(op, "epsilon", epsilon, 1e-7)?;
        let [l, p] = label_pair(op, labels, predictions)?;
        let n = p.numel();
        reduce_loss(op, losses::log_loss(&l, &p, e)?, n, weights, reduction)
    })
}

/// TF.js `losses.cosineDistance(labels, predictions, axis, weights?, reduction?)`.
#[wasm_bindgen(js_name = cosineDistance)]
pub fn cosine_distance(
    labels: &JsValue,
    predictions: &JsValue,
    axis: &JsValue,
    weights: &JsValue,
    reduction: &JsValue,
) -> JsResult<JsTensor> {
    let op = "cosineDistance";
    run(op, || {
        let [l, p] = label_pair(op, labels, predictions)?;
        let a = convert::axis(op, "axis", axis)?;
        let d = ferroflow_core::shape::normalize_axis(op, a, p.rank())?;
        let n = p.numel() / p.shape()[d].max(1);
        reduce_loss(op, losses::cosine_distance(&l, &p, a)?, n, weights, reduction)
    })
}

/// TF.js `losses.softmaxCrossEntropy(onehotLabels, logits, weights?, labelSmoothing = 0, reduction?)`.
#[wasm_bindgen(js_name = softmaxCrossEntropy)]
pub fn softmax_cross_entropy(
    labels: &JsValue,
    logits: &JsValue,
    weights: &JsValue,
    label_smoothing: &JsValue,
    reduction: &JsValue,
) -> JsResult<JsTensor> {
    let op = "softmaxCrossEntropy";
    run(op, || {
        let ls = convert::finite_or(op, "labelSmoothing", label_smoothing, 0.0)?;
        let [l, z] = resolve(op, [("onehotLabels", labels, None), ("logits", logits, None)])?;
        let n = z.numel() / z.shape().last().copied().unwrap_or(1).max(1);
        reduce_loss(op, losses::softmax_cross_entropy(&l, &z, ls)?, n, weights, reduction)
    })
}

/// TF.js `losses.sigmoidCrossEntropy(multiClassLabels, logits, weights?, labelSmoothing = 0, reduction?)`.
#[wasm_bindgen(js_name = sigmoidCrossEntropy)]
pub fn sigmoid_cross_entropy(
    labels: &JsValue,
    logits: &JsValue,
    weights: &JsValue,
    label_smoothing: &JsValue,
    reduction: &JsValue,
) -> JsResult<JsTensor> {
    let op = "sigmoidCrossEntropy";
    run(op, || {
        let ls = convert::finite_or(op, "labelSmoothing", label_smoothing, 0.0)?;
        let [l, z] = resolve(op, [("multiClassLabels", labels, None), ("logits", logits, None)])?;
        let l = if ls > 0.0 {
            l.cast(DType::F32)?.mul(1.0 - ls)?.add(0.5 * ls)?
        } else {
            l
        };
        let n = z.numel();
        reduce_loss(op, losses::sigmoid_cross_entropy(&l, &z)?, n, weights, reduction)
    })
}

/// `losses.sparseSoftmaxCrossEntropy(labels, logits)`: int32 class labels `[batch]` against
/// logits `[batch, classes]`, averaged (not in TF.js).
#[wasm_bindgen(js_name = sparseSoftmaxCrossEntropy)]
pub fn sparse_softmax_cross_entropy(labels: &JsValue, logits: &JsValue) -> JsResult<JsTensor> {
    let op = "sparseSoftmaxCrossEntropy";
    run(op, || {
        let [l, z] = resolve(op, [("labels", labels, Some(DType::I32)), ("logits", logits, None)])?;
        losses::sparse_softmax_cross_entropy(&l, &z)
    })
}
