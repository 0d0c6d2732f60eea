//! JS arguments to Rust values, validated: every rejection is a core `Error` naming the op, the
//! argument, what was expected and what was given. Tensor-like arguments (a `Tensor`, a number,
//! a boolean, nested arrays, TypedArrays) become core tensors; numbers become float32 as in
//! TF.js (`convertToTensor`), unless the argument is typed (indices are int32).

use std::rc::Rc;

use ferroflow::{DType, Device, Error, HostData, Result, Scalar, Tensor};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::backend::current_device;
use crate::registry::{self, Slot, MAX_TENSOR_BYTES};

#[wasm_bindgen(module = "/js/convert.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = flattenNested)]
    fn flatten_nested(
        values: &JsValue,
        dtype: &JsValue,
        arg: &str,
        max_elements: f64,
    ) -> std::result::Result<js_sys::Array, JsValue>;
}

/// Largest rank accepted from JS (shapes, nesting).
pub const MAX_RANK: usize = 64;

/// The property through which a JS `Tensor` names its slot (a getter on the class).
pub const ID_PROPERTY: &str = "__ffid";

/// A short description of a JS value for error messages.
pub fn describe(v: &JsValue) -> String {
    if v.is_undefined() {
        return "undefined".into();
    }
    if v.is_null() {
        return "null".into();
    }
    if let Some(n) = v.as_f64() {
        return format!("the number {}", js_number(n));
    }
    if let Some(b) = v.as_bool() {
        return format!("the boolean {b}");
    }
    if let Some(s) = v.as_string() {
        let short: String = s.chars().take(40).collect();
        return format!("the string {short:?}");
    }
    if js_sys::Array::is_array(v) {
        return format!("an array of length {}", js_sys::Array::from(v).length());
    }
    if v.is_function() {
        return "a function".into();
    }
    if v.is_bigint() {
        return "a bigint".into();
    }
    if v.is_symbol() {
        return "a symbol".into();
    }
    if let Ok(Some(_)) = slot_of(v) {
        return "a Tensor".into();
    }
    "an object".into()
}

/// A number as JS prints it (integers without a fraction).
pub fn js_number(n: f64) -> String {
    if n.is_finite() && n == n.trunc() && n.abs() < 1e21 {
        format!("{}", n as i128)
    } else if n.is_nan() {
        "NaN".into()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else if n.abs() >= 1e21 || n.abs() < 1e-6 {
        // JS switches to exponent notation here (`1e+300`, `1e-7`).
        let e = format!("{n:e}");
        if e.contains("e-") {
            e
        } else {
            e.replace('e', "e+")
        }
    } else {
        format!("{n}")
    }
}

fn invalid(op: &str, arg: &str, expected: &str, v: &JsValue) -> Error {
    Error::invalid(
        op,
        format!("argument '{arg}': expected {expected}, got {}", describe(v)),
    )
}

/// The slot behind a JS `Tensor` object; `Ok(None)` for values that are not tensors. A `Tensor`
/// whose wasm object was freed reports an error.
pub fn slot_of(v: &JsValue) -> std::result::Result<Option<Rc<Slot>>, String> {
    if !v.is_object() || js_sys::Array::is_array(v) || v.is_function() {
        return Ok(None);
    }
    let id = match js_sys::Reflect::get(v, &JsValue::from_str(ID_PROPERTY)) {
        Ok(id) => id,
        // The getter throws when the object's wasm memory was freed (`free()`).
        Err(_) => return Err("a Tensor whose memory was freed".into()),
    };
    let Some(id) = id.as_f64() else { return Ok(None) };
    if !(id >= 1.0 && id == id.trunc() && id < 9.0e15) {
        return Ok(None);
    }
    match registry::find(id as u64) {
        Some(s) => Ok(Some(s)),
        None => Err(format!("tensor #{} which no longer exists", js_number(id))),
    }
}

/// The slot of an argument that must be a `Tensor` (not a number or array).
pub fn slot_arg(op: &str, arg: &str, v: &JsValue) -> Result<Rc<Slot>> {
    match slot_of(v) {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(invalid(op, arg, "a Tensor", v)),
        Err(what) => Err(Error::invalid(
            op,
            format!("argument '{arg}': expected a live Tensor, got {what}"),
        )),
    }
}

/// A dtype name (`float32`, `int32`, `bool`); `None` for undefined/null.
pub fn dtype_arg(op: &str, arg: &str, v: &JsValue) -> Result<Option<DType>> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    match v.as_string().as_deref() {
        Some("float32") => Ok(Some(DType::F32)),
        Some("int32") => Ok(Some(DType::I32)),
        Some("bool") => Ok(Some(DType::Bool)),
        _ => Err(invalid(op, arg, "a dtype: 'float32', 'int32' or 'bool'", v)),
    }
}

/// A dtype with a default.
pub fn dtype_or(op: &str, arg: &str, v: &JsValue, default: DType) -> Result<DType> {
    Ok(dtype_arg(op, arg, v)?.unwrap_or(default))
}

/// True for `undefined` and `null` (an omitted argument or option).
pub fn is_absent(v: &JsValue) -> bool {
    v.is_undefined() || v.is_null()
}

/// Any number (NaN and infinities included).
pub fn number(op: &str, arg: &str, v: &JsValue) -> Result<f64> {
    v.as_f64().ok_or_else(|| invalid(op, arg, "a number", v))
}

/// A number, or `default` when undefined/null.
pub fn number_or(op: &str, arg: &str, v: &JsValue, default: f64) -> Result<f64> {
    if is_absent(v) {
        return Ok(default);
    }
    number(op, arg, v)
}

/// A finite number as f32 (or `default` when undefined/null).
pub fn finite_or(op: &str, arg: &str, v: &JsValue, default: f32) -> Result<f32> {
    if is_absent(v) {
        return Ok(default);
    }
    let n = number(op, arg, v)?;
    if !n.is_finite() || n.abs() > f32::MAX as f64 {
        return Err(invalid(op, arg, "a finite number", v));
    }
    Ok(n as f32)
}

/// A boolean, or `default` when undefined/null.
pub fn bool_or(op: &str, arg: &str, v: &JsValue, default: bool) -> Result<bool> {
    if is_absent(v) {
        return Ok(default);
    }
    v.as_bool().ok_or_else(|| invalid(op, arg, "a boolean", v))
}

/// An integer (within +-2^53).
pub fn int(op: &str, arg: &str, v: &JsValue) -> Result<i64> {
    match v.as_f64() {
        Some(n) if n.is_finite() && n == n.trunc() && n.abs() <= 9_007_199_254_740_992.0 => Ok(n as i64),
        _ => Err(invalid(op, arg, "an integer", v)),
    }
}

/// An integer, or `default` when undefined/null.
pub fn int_or(op: &str, arg: &str, v: &JsValue, default: i64) -> Result<i64> {
    if is_absent(v) {
        return Ok(default);
    }
    int(op, arg, v)
}

/// A non-negative integer that fits `usize`.
pub fn size(op: &str, arg: &str, v: &JsValue) -> Result<usize> {
    let n = int(op, arg, v)?;
    usize::try_from(n).map_err(|_| invalid(op, arg, "a non-negative integer that fits in memory", v))
}

/// An axis (possibly negative).
pub fn axis(op: &str, arg: &str, v: &JsValue) -> Result<isize> {
    let n = int(op, arg, v)?;
    isize::try_from(n).map_err(|_| invalid(op, arg, "an axis", v))
}

/// An axis with a default.
pub fn axis_or(op: &str, arg: &str, v: &JsValue, default: isize) -> Result<isize> {
    if is_absent(v) {
        return Ok(default);
    }
    axis(op, arg, v)
}

/// The elements of a JS array (or TypedArray) argument.
pub fn list(op: &str, arg: &str, v: &JsValue) -> Result<Vec<JsValue>> {
    if js_sys::Array::is_array(v) {
        let a = js_sys::Array::from(v);
        if a.length() as usize > 1 << 24 {
            return Err(invalid(op, arg, "an array of at most 2^24 elements", v));
        }
        return Ok(a.iter().collect());
    }
    if js_sys::ArrayBuffer::is_view(v)
        && !v.is_instance_of::<js_sys::DataView>()
        && !v.is_instance_of::<js_sys::BigInt64Array>()
        && !v.is_instance_of::<js_sys::BigUint64Array>()
    {
        let a = js_sys::Float64Array::new(v);
        return Ok(a.to_vec().into_iter().map(JsValue::from_f64).collect());
    }
    Err(invalid(op, arg, "an array", v))
}

/// A list of integers (each checked).
pub fn int_list(op: &str, arg: &str, v: &JsValue) -> Result<Vec<i64>> {
    let items = list(op, arg, v)?;
    if items.len() > MAX_RANK {
        return Err(invalid(op, arg, &format!("at most {MAX_RANK} entries"), v));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, x)| int(op, &format!("{arg}[{i}]"), x))
        .collect()
}

/// A shape: a list of non-negative integers, whose element count must be representable.
pub fn shape(op: &str, arg: &str, v: &JsValue) -> Result<Vec<usize>> {
    let items = list(op, arg, v)?;
    if items.len() > MAX_RANK {
        return Err(invalid(op, arg, &format!("a shape of rank at most {MAX_RANK}"), v));
    }
    let dims = items
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let n = int(op, &format!("{arg}[{i}]"), x)?;
            usize::try_from(n).map_err(|_| invalid(op, &format!("{arg}[{i}]"), "a non-negative integer dimension", x))
        })
        .collect::<Result<Vec<_>>>()?;
    ferroflow::shape::numel_checked(op, &dims)?;
    Ok(dims)
}

/// Axes: undefined/null means "all" (`None`), a number one axis, an array several.
pub fn axes(op: &str, arg: &str, v: &JsValue) -> Result<Option<Vec<isize>>> {
    if is_absent(v) {
        return Ok(None);
    }
    if v.as_f64().is_some() {
        return Ok(Some(vec![axis(op, arg, v)?]));
    }
    let items = list(op, arg, v)?;
    if items.len() > MAX_RANK {
        return Err(invalid(op, arg, &format!("at most {MAX_RANK} axes"), v));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, x)| axis(op, &format!("{arg}[{i}]"), x))
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

/// A pair of positive integers from a number (both) or a two-element array (strides, windows).
pub fn pair(op: &str, arg: &str, v: &JsValue, default: Option<[usize; 2]>) -> Result<[usize; 2]> {
    if is_absent(v) {
        if let Some(d) = default {
            return Ok(d);
        }
    }
    if v.as_f64().is_some() {
        let n = size(op, arg, v)?;
        return Ok([n, n]);
    }
    let items = list(op, arg, v).map_err(|_| invalid(op, arg, "a number or [number, number]", v))?;
    if items.len() != 2 {
        return Err(invalid(op, arg, "a number or [number, number]", v));
    }
    Ok([
        size(op, &format!("{arg}[0]"), &items[0])?,
        size(op, &format!("{arg}[1]"), &items[1])?,
    ])
}

/// A string argument.
pub fn string(op: &str, arg: &str, v: &JsValue) -> Result<String> {
    v.as_string().ok_or_else(|| invalid(op, arg, "a string", v))
}

/// Host data and shape from a number, boolean, nested array or TypedArray.
fn host_data(op: &str, arg: &str, v: &JsValue, dtype: Option<DType>) -> Result<(HostData, Vec<usize>)> {
    if let Some(n) = v.as_f64() {
        let s = match dtype.unwrap_or(DType::F32) {
            DType::F32 => Scalar::F32(n as f32),
            DType::I32 => Scalar::I32(to_int32(n)),
            DType::Bool => Scalar::Bool(n != 0.0 && !n.is_nan()),
        };
        return Ok((HostData::filled(s, 1), vec![]));
    }
    if let Some(b) = v.as_bool() {
        return Ok((
            HostData::filled(Scalar::Bool(b).cast(dtype.unwrap_or(DType::Bool)), 1),
            vec![],
        ));
    }
    if v.as_string().is_some() {
        return Err(Error::dtype(
            op,
            format!(
                "argument '{arg}': expected numbers or booleans, got {} (string tensors are not supported)",
                describe(v)
            ),
        ));
    }
    if !(js_sys::Array::is_array(v) || js_sys::ArrayBuffer::is_view(v)) {
        return Err(invalid(op, arg, "a Tensor, number, boolean, array or TypedArray", v));
    }
    let want = match dtype {
        Some(d) => JsValue::from_str(d.name()),
        None => JsValue::NULL,
    };
    let max = (MAX_TENSOR_BYTES / 4).min(1 << 31) as f64;
    let out = flatten_nested(v, &want, arg, max).map_err(|e| helper_error(op, arg, e))?;
    // The helper always returns [data, shape, dtype]; anything else is a bug reported as such.
    let bad = || {
        Error::invalid(
            op,
            format!("argument '{arg}': internal conversion returned an unexpected value"),
        )
    };
    let data = out.get(0);
    let shape: Vec<usize> = js_sys::Array::from(&out.get(1))
        .iter()
        .map(|d| d.as_f64().map(|d| d as usize).ok_or_else(bad))
        .collect::<Result<_>>()?;
    let host = if let Some(a) = data.dyn_ref::<js_sys::Float32Array>() {
        HostData::F32(a.to_vec())
    } else if let Some(a) = data.dyn_ref::<js_sys::Int32Array>() {
        HostData::I32(a.to_vec())
    } else if let Some(a) = data.dyn_ref::<js_sys::Uint8Array>() {
        HostData::Bool(a.to_vec().into_iter().map(|b| b != 0).collect())
    } else {
        return Err(bad());
    };
    Ok((host, shape))
}

/// JS `ToInt32` as TF.js's `Int32Array` conversion does it (wrapping; NaN and infinities 0).
pub fn to_int32(n: f64) -> i32 {
    if !n.is_finite() {
        return 0;
    }
    (n.trunc().rem_euclid(4_294_967_296.0) as u64 as u32) as i32
}

/// The core error for an exception of the conversion helper: its `kind` ('invalid' or 'size')
/// picks the variant, its message (which names the argument) is kept.
fn helper_error(op: &str, arg: &str, e: JsValue) -> Error {
    let kind = js_sys::Reflect::get(&e, &JsValue::from_str("kind"))
        .ok()
        .and_then(|k| k.as_string());
    let msg = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| format!("argument '{arg}': conversion failed"));
    match kind.as_deref() {
        Some("invalid") => Error::invalid(op, msg),
        Some("size") => Error::size(op, msg),
        // RangeError from a TypedArray that cannot be allocated, or the helper's size check.
        _ => Error::size(op, format!("argument '{arg}': {msg}")),
    }
}

/// A tensor from a non-tensor JS value on `dev` (a `Tensor` is resolved to its value).
pub fn tensor_on(op: &str, arg: &str, v: &JsValue, dtype: Option<DType>, dev: &Device) -> Result<Tensor> {
    match slot_of(v) {
        Ok(Some(s)) => return s.tensor(op, arg),
        Ok(None) => {}
        Err(what) => {
            return Err(Error::invalid(
                op,
                format!("argument '{arg}': expected a live Tensor, got {what}"),
            ))
        }
    }
    let (host, shape) = host_data(op, arg, v, dtype)?;
    if shape.is_empty() {
        // Numbers and booleans become constants (folded into kernels, no upload).
        let s = host
            .get(0)
            .ok_or_else(|| Error::invalid(op, format!("argument '{arg}': empty scalar")))?;
        return Ok(Tensor::scalar_on(s, dev));
    }
    check_host(op, arg, &host)?;
    Tensor::from_host_on(host, &shape, dev)
}

fn check_host(op: &str, arg: &str, host: &HostData) -> Result<()> {
    if host.len().saturating_mul(host.dtype().size_of()) > MAX_TENSOR_BYTES {
        return Err(Error::size(
            op,
            format!(
                "argument '{arg}': expected at most {MAX_TENSOR_BYTES} bytes, got {} elements",
                host.len()
            ),
        ));
    }
    Ok(())
}

/// Resolves tensor-like arguments together: tensors first, then numbers and arrays are created
/// on the first tensor's device (or the current backend's when there is none), so
/// `x.add(1)` works whichever backend `x` lives on. `dtype` types a number/array argument
/// (e.g. int32 indices); tensors keep their dtype.
pub fn tensors(op: &str, args: &[(&str, &JsValue, Option<DType>)]) -> Result<Vec<Tensor>> {
    let mut out: Vec<Option<Tensor>> = Vec::with_capacity(args.len());
    let mut device: Option<Device> = None;
    for (arg, v, _) in args {
        match slot_of(v) {
            Ok(Some(s)) => {
                let t = s.tensor(op, arg)?;
                device.get_or_insert_with(|| t.device());
                out.push(Some(t));
            }
            Ok(None) => out.push(None),
            Err(what) => {
                return Err(Error::invalid(
                    op,
                    format!("argument '{arg}': expected a live Tensor, got {what}"),
                ));
            }
        }
    }
    let dev = device.unwrap_or_else(current_device);
    out.into_iter()
        .zip(args)
        .map(|(t, (arg, v, dtype))| match t {
            Some(t) => Ok(t),
            None => tensor_on(op, arg, v, *dtype, &dev),
        })
        .collect()
}

/// One tensor-like argument.
pub fn tensor(op: &str, arg: &str, v: &JsValue) -> Result<Tensor> {
    tensor_on(op, arg, v, None, &current_device())
}

/// One tensor-like argument, numbers and arrays typed `dtype`.
pub fn tensor_typed(op: &str, arg: &str, v: &JsValue, dtype: DType) -> Result<Tensor> {
    tensor_on(op, arg, v, Some(dtype), &current_device())
}

/// A JS array of tensor-likes, resolved together (see [`tensors`]).
pub fn tensor_list(op: &str, arg: &str, v: &JsValue) -> Result<Vec<Tensor>> {
    let items = list(op, arg, v)?;
    let names: Vec<String> = (0..items.len()).map(|i| format!("{arg}[{i}]")).collect();
    let args: Vec<(&str, &JsValue, Option<DType>)> =
        names.iter().zip(&items).map(|(n, v)| (n.as_str(), v, None)).collect();
    tensors(op, &args)
}

/// Host data from JS for `tensor()` (values, optional shape and dtype).
pub fn host_for_tensor(
    op: &str,
    values: &JsValue,
    shape_v: &JsValue,
    dtype: Option<DType>,
) -> Result<(HostData, Vec<usize>)> {
    let (host, inferred) = host_data(op, "values", values, dtype)?;
    check_host(op, "values", &host)?;
    if is_absent(shape_v) {
        return Ok((host, inferred));
    }
    let s = shape(op, "shape", shape_v)?;
    let n: usize = s.iter().product();
    if n != host.len() {
        return Err(Error::shape(
            op,
            format!(
                "argument 'shape': expected a shape with {} elements (values have shape {inferred:?}), got {s:?} with {n}",
                host.len()
            ),
        ));
    }
    Ok((host, s))
}

#[cfg(test)]
mod tests {
    use super::{js_number, to_int32};

    #[test]
    fn to_int32_is_js_toint32() {
        // What `new Int32Array([v])[0]` gives in JS.
        let cases = [
            (1.9, 1),
            (-1.9, -1),
            (f64::NAN, 0),
            (f64::INFINITY, 0),
            (2147483648.0, -2147483648),
            (4294967297.0, 1),
            (-2147483649.0, 2147483647),
            (3e9, -1294967296),
        ];
        for (v, want) in cases {
            assert_eq!(to_int32(v), want, "ToInt32({v})");
        }
    }

    #[test]
    fn numbers_print_as_js_does() {
        assert_eq!(js_number(3.0), "3");
        assert_eq!(js_number(-0.5), "-0.5");
        assert_eq!(js_number(f64::NAN), "NaN");
        assert_eq!(js_number(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(js_number(1e300), "1e+300");
        assert_eq!(js_number(1.5e-7), "1.5e-7");
        assert_eq!(js_number(0.1), "0.1");
    }
}
