//! How the op table's argument kinds are read from JS: one converter per kind (the table names
//! the kind; `ops.rs` calls [`read`]). Every rejection is a core error naming the op, the
//! argument, what was expected and what was given. Tensor arguments are not here: the JS layer
//! converts tensor-likes to `Tensor`s before the call (`tensorLike` below), so they arrive typed.

use ferroflow::ops::api::{Reduction as LossReduction, Splits as SplitSpec};
use ferroflow::ops::Padding as Pad;
use ferroflow::{DType as Dt, Error, Result, Tensor};
use wasm_bindgen::prelude::*;

use crate::convert::{self, describe, is_absent};
use crate::error::JsResult;
use crate::tensor::{run, JsTensor};

/// An argument kind of the op table.
pub trait Kind {
    type Value;
    /// Reads `v` (which may be undefined: kinds with a meaning for "absent" return it, others
    /// reject it).
    fn read(op: &str, arg: &str, v: &JsValue) -> Result<Self::Value>;
}

/// Reads one argument: `default` when it is absent and the table gives one. Out of line, like
/// each kind's reader: inlined into every export they would cost the package kilobytes.
#[inline(never)]
pub fn read<K: Kind>(op: &str, arg: &str, v: &JsValue, default: Option<K::Value>) -> Result<K::Value> {
    match default {
        Some(d) if is_absent(v) => Ok(d),
        _ => K::read(op, arg, v),
    }
}

fn invalid(op: &str, arg: &str, expected: &str, v: &JsValue) -> Error {
    Error::invalid(
        op,
        format!("argument '{arg}': expected {expected}, got {}", describe(v)),
    )
}

macro_rules! kinds {
    ($($(#[$m:meta])* $name:ident -> $t:ty = |$op:ident, $arg:ident, $v:ident| $body:expr;)*) => {$(
        $(#[$m])*
        pub struct $name;
        impl Kind for $name {
            type Value = $t;
            #[inline(never)]
            fn read($op: &str, $arg: &str, $v: &JsValue) -> Result<$t> {
                $body
            }
        }
    )*};
}

kinds! {
    /// A list of tensor-likes (resolved together, on the first tensor's device).
    Tensors -> Vec<Tensor> = |op, arg, v| convert::tensor_list(op, arg, v);
    /// Any number (NaN and infinities included).
    Number -> f64 = |op, arg, v| convert::number(op, arg, v);
    /// A finite number, as float32.
    Finite -> f32 = |op, arg, v| {
        let n = convert::number(op, arg, v)?;
        if !n.is_finite() || n.abs() > f32::MAX as f64 {
            return Err(invalid(op, arg, "a finite number", v));
        }
        Ok(n as f32)
    };
    /// A bound of a clip: any number but NaN, as float32.
    Bound -> f32 = |op, arg, v| {
        let n = convert::number(op, arg, v)?;
        if n.is_nan() {
            return Err(Error::invalid(op, format!("argument '{arg}': expected a number, got NaN")));
        }
        Ok(n as f32)
    };
    /// A non-negative integer.
    Size -> usize = |op, arg, v| convert::size(op, arg, v);
    /// An axis (negative counts from the end).
    Axis -> isize = |op, arg, v| convert::axis(op, arg, v);
    /// Absent (`None`: every axis), an axis or a list of axes.
    Axes -> Option<Vec<isize>> = |op, arg, v| convert::axes(op, arg, v);
    Bool -> bool = |op, arg, v| v.as_bool().ok_or_else(|| invalid(op, arg, "a boolean", v));
    /// `'float32'`, `'int32'` or `'bool'`.
    DType -> Dt = |op, arg, v| convert::dtype_arg(op, arg, v)?.ok_or_else(|| invalid(op, arg, "a dtype", v));
    /// A shape (non-negative dims).
    Shape -> Vec<usize> = |op, arg, v| convert::shape(op, arg, v);
    /// An optional shape.
    OptShape -> Option<Vec<usize>> = |op, arg, v| if is_absent(v) { Ok(None) } else { convert::shape(op, arg, v).map(Some) };
    /// A target shape: one dimension may be -1.
    NewShape -> Vec<isize> = |op, arg, v| {
        convert::int_list(op, arg, v)?
            .into_iter()
            .map(|d| isize::try_from(d).map_err(|_| Error::shape(op, format!("argument '{arg}': dimension {d} is too large"))))
            .collect()
    };
    IntList -> Vec<i64> = |op, arg, v| convert::int_list(op, arg, v);
    OptIntList -> Option<Vec<i64>> = |op, arg, v| if is_absent(v) { Ok(None) } else { convert::int_list(op, arg, v).map(Some) };
    /// A number (one entry) or a list of integers.
    IntOrList -> Vec<i64> = |op, arg, v| int_or_list(op, arg, v);
    OptIntOrList -> Option<Vec<i64>> = |op, arg, v| if is_absent(v) { Ok(None) } else { int_or_list(op, arg, v).map(Some) };
    /// A bit mask (a non-negative integer).
    Mask -> u32 = |op, arg, v| {
        let m = convert::int(op, arg, v)?;
        u32::try_from(m).map_err(|_| Error::invalid(op, format!("argument '{arg}': expected a bit mask >= 0, got {m}")))
    };
    /// A number (both) or `[number, number]` of positive sizes (strides, windows, dilations).
    Pair -> [usize; 2] = |op, arg, v| convert::pair(op, arg, v, None);
    /// `'same'`, `'valid'`, a number (every side) or `[[0, 0], [top, bottom], [left, right], [0, 0]]`.
    Padding -> Pad = |op, arg, v| padding(op, arg, v);
    /// `[[before, after], ...]`, one pair per dim.
    Paddings -> Vec<(usize, usize)> = |op, arg, v| paddings(op, arg, v);
    /// A vector norm's order: absent, `'euclidean'` or `'fro'` (`None`), or a number.
    NormOrd -> Option<f64> = |op, arg, v| {
        if is_absent(v) || matches!(v.as_string().as_deref(), Some("euclidean") | Some("fro")) {
            return Ok(None);
        }
        convert::number(op, arg, v).map(Some)
    };
    /// `split`'s `numOrSizeSplits`: a count or a list of sizes.
    Splits -> SplitSpec = |op, arg, v| {
        if v.as_f64().is_some() {
            return convert::size(op, arg, v).map(SplitSpec::Count);
        }
        convert::int_list(op, arg, v).map(SplitSpec::Sizes)
    };
    /// An integer that must be 0 (options not supported yet, such as `batchDims`).
    ZeroOnly -> i64 = |op, arg, v| {
        if convert::int(op, arg, v).ok() != Some(0) {
            return Err(Error::invalid(op, format!("argument '{arg}': only 0 is supported yet, got {}", describe(v))));
        }
        Ok(0)
    };
    /// `dataFormat`: absent or `'NHWC'`.
    Nhwc -> () = |op, arg, v| {
        if !(is_absent(v) || v.as_string().as_deref() == Some("NHWC")) {
            return Err(Error::invalid(op, format!("argument '{arg}': only 'NHWC' is supported, got {}", describe(v))));
        }
        Ok(())
    };
    /// An option TF.js has that is not supported yet: it must be absent.
    Unsupported -> () = |op, arg, v| {
        if is_absent(v) {
            return Ok(());
        }
        let expected = if arg == "weights" { " (expected undefined or null)" } else { "" };
        Err(Error::invalid(op, format!("argument '{arg}': not supported yet{expected}, got {}", describe(v))))
    };
    /// TF.js's `Reduction` of a loss (absent: SUM_BY_NONZERO_WEIGHTS).
    Reduction -> LossReduction = |op, arg, v| {
        const MEAN: i64 = 1;
        const SUM: i64 = 2;
        const SUM_BY_NONZERO_WEIGHTS: i64 = 3;
        match convert::int_or(op, arg, v, SUM_BY_NONZERO_WEIGHTS)? {
            MEAN => Ok(LossReduction::Mean),
            SUM => Ok(LossReduction::Sum),
            SUM_BY_NONZERO_WEIGHTS => Ok(LossReduction::SumByNonzeroWeights),
            r => Err(Error::invalid(
                op,
                format!("argument '{arg}': expected Reduction.MEAN (1), SUM (2) or SUM_BY_NONZERO_WEIGHTS (3), got {r} (NONE is not supported yet)"),
            )),
        }
    };
}

fn int_or_list(op: &str, arg: &str, v: &JsValue) -> Result<Vec<i64>> {
    if v.as_f64().is_some() {
        return Ok(vec![convert::int(op, arg, v)?]);
    }
    convert::int_list(op, arg, v)
}

fn padding(op: &str, arg: &str, v: &JsValue) -> Result<Pad> {
    if let Some(s) = v.as_string() {
        return match s.as_str() {
            "same" => Ok(Pad::Same),
            "valid" => Ok(Pad::Valid),
            _ => Err(invalid(op, arg, "'same', 'valid', a number or explicit paddings", v)),
        };
    }
    if v.as_f64().is_some() {
        let n = convert::size(op, arg, v)?;
        return Ok(Pad::Explicit([[n, n], [n, n]]));
    }
    let rows = convert::list(op, arg, v)?;
    let bad = || invalid(op, arg, "[[0, 0], [top, bottom], [left, right], [0, 0]]", v);
    if rows.len() != 4 {
        return Err(bad());
    }
    let mut p = [[0usize; 2]; 4];
    for (i, row) in rows.iter().enumerate() {
        let pair = convert::shape(op, &format!("{arg}[{i}]"), row)?;
        if pair.len() != 2 {
            return Err(bad());
        }
        p[i] = [pair[0], pair[1]];
    }
    if p[0] != [0, 0] || p[3] != [0, 0] {
        return Err(bad());
    }
    Ok(Pad::Explicit([p[1], p[2]]))
}

fn paddings(op: &str, arg: &str, v: &JsValue) -> Result<Vec<(usize, usize)>> {
    let rows = convert::list(op, arg, v)?;
    let mut p = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let name = format!("{arg}[{i}]");
        let pair = convert::shape(op, &name, row)?;
        if pair.len() != 2 {
            return Err(invalid(op, &name, "[before, after]", row));
        }
        p.push((pair[0], pair[1]));
    }
    Ok(p)
}

/// The tensor for a tensor argument that is not a `Tensor` (a number, boolean, nested array or
/// TypedArray): the JS layer calls this before the op, on the device of `like` (the op's first
/// `Tensor` argument, if any), and disposes the result after. `dtype` types numbers and arrays
/// (int32 indices, bool conditions).
#[wasm_bindgen(js_name = tensorLike)]
pub fn tensor_like(value: &JsValue, dtype: &JsValue, like: &JsValue, op: &str, arg: &str) -> JsResult<JsTensor> {
    run(op, || {
        let dtype = convert::dtype_arg(op, "dtype", dtype)?;
        // A disposed `like` is reported by the op itself, naming its own argument.
        let dev = match convert::slot_of(like) {
            Ok(Some(s)) => s
                .tensor(op, arg)
                .map(|t| t.device())
                .unwrap_or_else(|_| crate::backend::current_device()),
            _ => crate::backend::current_device(),
        };
        convert::tensor_on(op, arg, value, dtype, &dev)
    })
}
