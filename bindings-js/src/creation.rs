//! Creation ops with TF.js's names, argument order and defaults. Random tensors take an optional
//! seed; the same seed gives the same values on every backend (core's counter-based random).

use ferroflow::ops::creation;
use ferroflow::{DType, Error, Result, Scalar, Tensor};
use wasm_bindgen::prelude::*;

use crate::backend::current_device;
use crate::convert::{self, describe};
use crate::error::JsResult;
use crate::tensor::{run, JsTensor};

/// TF.js `tensor(values, shape?, dtype?)`; `rank` (when given) is what `tensor1d..6d` require.
#[wasm_bindgen(js_name = tensorOfRank)]
pub fn tensor_of_rank(
    values: &JsValue,
    shape: &JsValue,
    dtype: &JsValue,
    rank: &JsValue,
    op: &str,
) -> JsResult<JsTensor> {
    run(op, || {
        let dtype = convert::dtype_arg(op, "dtype", dtype)?;
        if convert::slot_of(values).ok().flatten().is_some() {
            return Err(Error::invalid(op, "argument 'values': expected an array, TypedArray, number or boolean, got a Tensor (use clone() or reshape())"));
        }
        let (host, shape) = convert::host_for_tensor(op, values, shape, dtype)?;
        if !(rank.is_undefined() || rank.is_null()) {
            let r = convert::size(op, "rank", rank)?;
            if shape.len() != r {
                return Err(Error::shape(
                    op,
                    format!("argument 'values': expected a rank-{r} tensor, got shape {shape:?}"),
                ));
            }
        }
        Tensor::from_host_on(host, &shape, &current_device())
    })
}

/// TF.js `scalar(value, dtype?)`.
#[wasm_bindgen]
pub fn scalar(value: &JsValue, dtype: &JsValue) -> JsResult<JsTensor> {
    let op = "scalar";
    run(op, || {
        if value.as_f64().is_none() && value.as_bool().is_none() {
            return Err(Error::invalid(
                op,
                format!(
                    "argument 'value': expected a number or boolean, got {}",
                    describe(value)
                ),
            ));
        }
        let dtype = convert::dtype_arg(op, "dtype", dtype)?;
        let (host, shape) = convert::host_for_tensor(op, value, &JsValue::UNDEFINED, dtype)?;
        Tensor::from_host_on(host, &shape, &current_device())
    })
}

/// A constant of `dtype` from a JS number or boolean.
fn scalar_value(op: &str, arg: &str, v: &JsValue, dtype: DType) -> Result<Scalar> {
    if let Some(b) = v.as_bool() {
        return Ok(Scalar::Bool(b).cast(dtype));
    }
    let n = convert::number(op, arg, v)?;
    Ok(match dtype {
        DType::F32 => Scalar::F32(n as f32),
        DType::I32 => Scalar::I32(convert::to_int32(n)),
        DType::Bool => Scalar::Bool(n != 0.0 && !n.is_nan()),
    })
}

/// TF.js `zeros(shape, dtype = 'float32')`.
#[wasm_bindgen]
pub fn zeros(shape: &JsValue, dtype: &JsValue) -> JsResult<JsTensor> {
    run("zeros", || {
        let s = convert::shape("zeros", "shape", shape)?;
        let d = convert::dtype_or("zeros", "dtype", dtype, DType::F32)?;
        creation::zeros(&current_device(), &s, d)
    })
}

/// TF.js `ones(shape, dtype = 'float32')`.
#[wasm_bindgen]
pub fn ones(shape: &JsValue, dtype: &JsValue) -> JsResult<JsTensor> {
    run("ones", || {
        let s = convert::shape("ones", "shape", shape)?;
        let d = convert::dtype_or("ones", "dtype", dtype, DType::F32)?;
        creation::ones(&current_device(), &s, d)
    })
}

/// TF.js `fill(shape, value, dtype?)` (dtype from the value: numbers float32, booleans bool).
#[wasm_bindgen]
pub fn fill(shape: &JsValue, value: &JsValue, dtype: &JsValue) -> JsResult<JsTensor> {
    let op = "fill";
    run(op, || {
        let s = convert::shape(op, "shape", shape)?;
        let inferred = if value.as_bool().is_some() {
            DType::Bool
        } else {
            DType::F32
        };
        let d = convert::dtype_or(op, "dtype", dtype, inferred)?;
        creation::fill(&current_device(), &s, scalar_value(op, "value", value, d)?)
    })
}

/// TF.js `range(start, stop, step = 1, dtype = 'float32')` (`range(n)` counts from 0).
#[wasm_bindgen]
pub fn range(start: &JsValue, stop: &JsValue, step: &JsValue, dtype: &JsValue) -> JsResult<JsTensor> {
    let op = "range";
    run(op, || {
        let d = convert::dtype_or(op, "dtype", dtype, DType::F32)?;
        if d == DType::Bool {
            return Err(Error::dtype(
                op,
                "argument 'dtype': expected 'float32' or 'int32', got 'bool'",
            ));
        }
        let (a, b) = if stop.is_undefined() || stop.is_null() {
            (0.0, convert::finite_or(op, "start", start, 0.0)?)
        } else {
            (
                convert::finite_or(op, "start", start, 0.0)?,
                convert::finite_or(op, "stop", stop, 0.0)?,
            )
        };
        let s = convert::finite_or(op, "step", step, 1.0)?;
        if s == 0.0 {
            return Err(Error::invalid(op, "argument 'step': expected a nonzero number, got 0"));
        }
        let n = ((b - a) / s).ceil().max(0.0);
        if n as f64 > (i32::MAX as f64) {
            return Err(Error::size(op, format!("expected at most 2^31 - 1 elements, got {n}")));
        }
        creation::range(&current_device(), a, b, s, d)
    })
}

/// TF.js `linspace(start, stop, num)`.
#[wasm_bindgen]
pub fn linspace(start: &JsValue, stop: &JsValue, num: &JsValue) -> JsResult<JsTensor> {
    let op = "linspace";
    run(op, || {
        let a = convert::finite_or(op, "start", start, 0.0)?;
        let b = convert::finite_or(op, "stop", stop, 0.0)?;
        let n = convert::size(op, "num", num)?;
        if n > i32::MAX as usize {
            return Err(Error::size(
                op,
                format!("argument 'num': expected at most 2^31 - 1, got {n}"),
            ));
        }
        creation::linspace(&current_device(), a, b, n)
    })
}

/// TF.js `eye(numRows, numColumns = numRows, batchShape?, dtype = 'float32')`.
#[wasm_bindgen]
pub fn eye(num_rows: &JsValue, num_columns: &JsValue, batch_shape: &JsValue, dtype: &JsValue) -> JsResult<JsTensor> {
    let op = "eye";
    run(op, || {
        let n = convert::size(op, "numRows", num_rows)?;
        let m = if num_columns.is_undefined() || num_columns.is_null() {
            n
        } else {
            convert::size(op, "numColumns", num_columns)?
        };
        for (arg, v) in [("numRows", n), ("numColumns", m)] {
            if v > i32::MAX as usize {
                return Err(Error::size(
                    op,
                    format!("argument '{arg}': expected at most 2^31 - 1, got {v}"),
                ));
            }
        }
        ferroflow::shape::numel_checked(op, &[n, m])?;
        let d = convert::dtype_or(op, "dtype", dtype, DType::F32)?;
        let e = creation::eye(&current_device(), n, m)?.cast(d)?;
        if batch_shape.is_undefined() || batch_shape.is_null() {
            return Ok(e);
        }
        let mut s = convert::shape(op, "batchShape", batch_shape)?;
        s.extend([n, m]);
        ferroflow::shape::numel_checked(op, &s)?;
        e.broadcast_to(&s)
    })
}

/// TF.js `oneHot(indices, depth, onValue = 1, offValue = 0, dtype = 'int32')`.
#[wasm_bindgen(js_name = oneHot)]
pub fn one_hot(indices: &JsValue, depth: &JsValue, on: &JsValue, off: &JsValue, dtype: &JsValue) -> JsResult<JsTensor> {
    let op = "oneHot";
    run(op, || {
        let idx = convert::tensor_typed(op, "indices", indices, DType::I32)?;
        let depth = convert::size(op, "depth", depth)?;
        if depth > i32::MAX as usize {
            return Err(Error::size(
                op,
                format!("argument 'depth': expected at most 2^31 - 1, got {depth}"),
            ));
        }
        let mut full = idx.shape().to_vec();
        full.push(depth);
        ferroflow::shape::numel_checked(op, &full)?;
        let on = convert::finite_or(op, "onValue", on, 1.0)?;
        let off = convert::finite_or(op, "offValue", off, 0.0)?;
        let d = convert::dtype_or(op, "dtype", dtype, DType::I32)?;
        idx.one_hot(depth, on, off)?.cast(d)
    })
}

/// A seed from a number (integers as they are, other numbers by their bits) or a string
/// (hashed); a fresh one when undefined.
fn seed(op: &str, v: &JsValue) -> Result<u64> {
    if v.is_undefined() || v.is_null() {
        return Ok(creation::next_seed());
    }
    if let Some(s) = v.as_string() {
        // FNV-1a.
        return Ok(s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
        }));
    }
    let n = convert::number(op, "seed", v)?;
    if !n.is_finite() {
        return Err(Error::invalid(
            op,
            format!(
                "argument 'seed': expected a finite number or a string, got {}",
                describe(v)
            ),
        ));
    }
    if n == n.trunc() && n.abs() <= 9_007_199_254_740_992.0 {
        return Ok(n as i64 as u64);
    }
    Ok(n.to_bits())
}

fn random_dtype(op: &str, t: Tensor, dtype: &JsValue) -> Result<Tensor> {
    match convert::dtype_or(op, "dtype", dtype, DType::F32)? {
        DType::F32 => Ok(t),
        DType::I32 => t.floor()?.cast(DType::I32),
        DType::Bool => Err(Error::dtype(
            op,
            "argument 'dtype': expected 'float32' or 'int32', got 'bool'",
        )),
    }
}

/// TF.js `randomUniform(shape, minval = 0, maxval = 1, dtype = 'float32', seed?)`.
#[wasm_bindgen(js_name = randomUniform)]
pub fn random_uniform(
    shape: &JsValue,
    minval: &JsValue,
    maxval: &JsValue,
    dtype: &JsValue,
    seed_v: &JsValue,
) -> JsResult<JsTensor> {
    let op = "randomUniform";
    run(op, || {
        let s = convert::shape(op, "shape", shape)?;
        let lo = convert::finite_or(op, "minval", minval, 0.0)?;
        let hi = convert::finite_or(op, "maxval", maxval, 1.0)?;
        let t = creation::random_uniform(&current_device(), &s, lo, hi, seed(op, seed_v)?)?;
        random_dtype(op, t, dtype)
    })
}

/// TF.js `randomNormal(shape, mean = 0, stdDev = 1, dtype = 'float32', seed?)`.
#[wasm_bindgen(js_name = randomNormal)]
pub fn random_normal(
    shape: &JsValue,
    mean: &JsValue,
    std_dev: &JsValue,
    dtype: &JsValue,
    seed_v: &JsValue,
) -> JsResult<JsTensor> {
    let op = "randomNormal";
    run(op, || {
        let s = convert::shape(op, "shape", shape)?;
        let m = convert::finite_or(op, "mean", mean, 0.0)?;
        let sd = convert::finite_or(op, "stdDev", std_dev, 1.0)?;
        let t = creation::random_normal(&current_device(), &s, m, sd, seed(op, seed_v)?)?;
        random_dtype(op, t, dtype)
    })
}

/// TF.js `truncatedNormal(shape, mean = 0, stdDev = 1, dtype = 'float32', seed?)`.
#[wasm_bindgen(js_name = truncatedNormal)]
pub fn truncated_normal(
    shape: &JsValue,
    mean: &JsValue,
    std_dev: &JsValue,
    dtype: &JsValue,
    seed_v: &JsValue,
) -> JsResult<JsTensor> {
    let op = "truncatedNormal";
    run(op, || {
        let s = convert::shape(op, "shape", shape)?;
        let m = convert::finite_or(op, "mean", mean, 0.0)?;
        let sd = convert::finite_or(op, "stdDev", std_dev, 1.0)?;
        let t = creation::truncated_normal(&current_device(), &s, m, sd, seed(op, seed_v)?)?;
        random_dtype(op, t, dtype)
    })
}

/// `randomBernoulli(shape, p, seed?)`: float32 0/1 samples, 1 with probability `p` (not in TF.js).
#[wasm_bindgen(js_name = randomBernoulli)]
pub fn random_bernoulli(shape: &JsValue, p: &JsValue, seed_v: &JsValue) -> JsResult<JsTensor> {
    let op = "randomBernoulli";
    run(op, || {
        let s = convert::shape(op, "shape", shape)?;
        let p = convert::finite_or(op, "p", p, 0.5)?;
        if !(0.0..=1.0).contains(&p) {
            return Err(Error::invalid(
                op,
                format!("argument 'p': expected a probability in [0, 1], got {p}"),
            ));
        }
        creation::random_bernoulli(&current_device(), &s, p, seed(op, seed_v)?)
    })
}
