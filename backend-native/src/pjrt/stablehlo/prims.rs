//! One StableHLO lowering per primitive. The semantics are the ones `ferroflow_core::ir::primitive`
//! documents (integer floor division by zero gives 0, out-of-range gather indices give 0, ...);
//! where StableHLO's op differs, the difference is composed here from other ops.

use ferroflow_core::ir::{BinaryOp, ConvParams, GraphNode, GraphOp, Prim, ReduceOp, UnaryOp};
use ferroflow_core::{DType, Error, Result, Scalar};

use super::{dim_list, elem, i64_array, random, Emitter, Value};

/// Emits `node` given its inputs' values and returns its value.
pub(crate) fn lower(e: &mut Emitter, node: &GraphNode, x: &[Value]) -> Result<Value> {
    let shape = &node.shape[..];
    let el = elem(node.dtype);
    let arity = |n: usize| -> Result<()> {
        if x.len() != n {
            return Err(Error::backend(
                "pjrt",
                format!("{:?} expects {n} inputs, got {}", node.op, x.len()),
            ));
        }
        Ok(())
    };
    let prim = match &node.op {
        GraphOp::Param(i) => {
            let flat = Value {
                name: format!("%arg{i}"),
                shape: vec![shape.iter().product()],
                elem: el,
            };
            return Ok(e.op("stablehlo.reshape", &[&flat], "", shape, el));
        }
        GraphOp::Rand => {
            arity(1)?;
            return Ok(random::uniform(e, &x[0], shape));
        }
        GraphOp::Prim(p) => p,
    };
    let in_dtype = |i: usize| -> DType {
        match x[i].elem {
            "f32" => DType::F32,
            "i1" => DType::Bool,
            _ => DType::I32,
        }
    };
    Ok(match prim {
        Prim::Data | Prim::Rand { .. } => {
            return Err(Error::backend(
                "pjrt",
                "data and random leaves arrive as graph parameters",
            ))
        }
        Prim::Const(s) => e.splat(*s, shape),
        Prim::Arange(_) => e.op("stablehlo.iota", &[], "iota_dimension = 0 : i64", shape, el),
        Prim::Unary(u) => {
            arity(1)?;
            unary(e, *u, &x[0], shape, el)
        }
        Prim::Binary(b) => {
            arity(2)?;
            binary(e, *b, &x[0], &x[1], shape, in_dtype(0))
        }
        Prim::Where => {
            arity(3)?;
            e.op("stablehlo.select", &[&x[0], &x[1], &x[2]], "", shape, el)
        }
        Prim::Cast(to) => {
            arity(1)?;
            if in_dtype(0) == *to {
                x[0].clone()
            } else {
                e.op("stablehlo.convert", &[&x[0]], "", shape, el)
            }
        }
        Prim::Reduce { op, axes } => {
            arity(1)?;
            reduce(e, *op, axes, &x[0], shape, node.dtype)?
        }
        Prim::Reshape(_) => {
            arity(1)?;
            e.op("stablehlo.reshape", &[&x[0]], "", shape, el)
        }
        Prim::Permute(p) => {
            arity(1)?;
            let attr = format!("permutation = {}", i64_array(p.iter().map(|&d| d as i64)));
            e.op("stablehlo.transpose", &[&x[0]], &attr, shape, el)
        }
        Prim::Expand(_) => {
            arity(1)?;
            let attr = format!(
                "broadcast_dimensions = {}",
                i64_array((0..shape.len()).map(|d| d as i64))
            );
            e.op("stablehlo.broadcast_in_dim", &[&x[0]], &attr, shape, el)
        }
        Prim::Pad(p) => {
            arity(1)?;
            let zero = e.splat(Scalar::zero(node.dtype), &[]);
            let attr = format!(
                "edge_padding_low = {}, edge_padding_high = {}, interior_padding = {}",
                i64_array(p.iter().map(|q| q.0 as i64)),
                i64_array(p.iter().map(|q| q.1 as i64)),
                i64_array(p.iter().map(|_| 0))
            );
            e.op("stablehlo.pad", &[&x[0], &zero], &attr, shape, el)
        }
        Prim::Slice { start, len, step } => {
            arity(1)?;
            let limit =
                start.iter().zip(len).zip(step).map(
                    |((&s, &n), &k)| {
                        if n == 0 {
                            s as i64
                        } else {
                            (s + (n - 1) * k + 1) as i64
                        }
                    },
                );
            let attr = format!(
                "start_indices = {}, limit_indices = {}, strides = {}",
                i64_array(start.iter().map(|&s| s as i64)),
                i64_array(limit),
                i64_array(step.iter().map(|&s| s as i64))
            );
            e.op("stablehlo.slice", &[&x[0]], &attr, shape, el)
        }
        Prim::Flip(axes) => {
            arity(1)?;
            if axes.is_empty() {
                x[0].clone()
            } else {
                let attr = format!("dimensions = {}", i64_array(axes.iter().map(|&a| a as i64)));
                e.op("stablehlo.reverse", &[&x[0]], &attr, shape, el)
            }
        }
        Prim::MatMul => {
            arity(2)?;
            let attr = "dot_dimension_numbers = #stablehlo.dot<lhs_batching_dimensions = [0], \
                        rhs_batching_dimensions = [0], lhs_contracting_dimensions = [2], \
                        rhs_contracting_dimensions = [1]>, "
                .to_string()
                + HIGHEST;
            e.op("stablehlo.dot_general", &[&x[0], &x[1]], &attr, shape, el)
        }
        Prim::Conv(p) => {
            arity(2)?;
            e.op("stablehlo.convolution", &[&x[0], &x[1]], &conv_attrs(p), shape, el)
        }
        Prim::Gather { axis } => {
            arity(2)?;
            gather(e, &x[0], &x[1], *axis, node)
        }
        Prim::ScatterAdd { axis, size: _ } => {
            arity(2)?;
            scatter_add(e, &x[0], &x[1], *axis, node)
        }
    })
}

/// Full f32 precision for dots and convs (TPUs otherwise default to bf16 passes).
const HIGHEST: &str = "precision_config = [#stablehlo<precision HIGHEST>, #stablehlo<precision HIGHEST>]";

fn unary(e: &mut Emitter, u: UnaryOp, x: &Value, shape: &[usize], el: &'static str) -> Value {
    let name = match u {
        UnaryOp::Neg => "stablehlo.negate",
        UnaryOp::Exp => "stablehlo.exponential",
        UnaryOp::Log => "stablehlo.log",
        UnaryOp::Sqrt => "stablehlo.sqrt",
        UnaryOp::Sin => "stablehlo.sine",
        UnaryOp::Cos => "stablehlo.cosine",
        UnaryOp::Tanh => "stablehlo.tanh",
        UnaryOp::Sigmoid => "stablehlo.logistic",
        UnaryOp::Erf => "chlo.erf",
        UnaryOp::Floor => "stablehlo.floor",
        UnaryOp::Ceil => "stablehlo.ceil",
        UnaryOp::Round => "stablehlo.round_nearest_even",
        UnaryOp::Not => "stablehlo.not",
        UnaryOp::Recip => {
            let one = e.splat(Scalar::F32(1.0), shape);
            return e.op("stablehlo.divide", &[&one, x], "", shape, el);
        }
    };
    e.op(name, &[x], "", shape, el)
}

fn compare(e: &mut Emitter, dir: &str, a: &Value, b: &Value, shape: &[usize]) -> Value {
    let attr = format!("comparison_direction = #stablehlo<comparison_direction {dir}>");
    e.op("stablehlo.compare", &[a, b], &attr, shape, "i1")
}

fn binary(e: &mut Emitter, op: BinaryOp, a: &Value, b: &Value, shape: &[usize], d: DType) -> Value {
    let el = elem(d);
    let simple = |e: &mut Emitter, name: &str| e.op(name, &[a, b], "", shape, el);
    match op {
        BinaryOp::Add => simple(e, "stablehlo.add"),
        BinaryOp::Sub => simple(e, "stablehlo.subtract"),
        BinaryOp::Mul => simple(e, "stablehlo.multiply"),
        BinaryOp::Pow => simple(e, "stablehlo.power"),
        BinaryOp::Max if d == DType::F32 => nan_propagating(e, "stablehlo.maximum", a, b, shape),
        BinaryOp::Min if d == DType::F32 => nan_propagating(e, "stablehlo.minimum", a, b, shape),
        BinaryOp::Max => simple(e, "stablehlo.maximum"),
        BinaryOp::Min => simple(e, "stablehlo.minimum"),
        BinaryOp::And => simple(e, "stablehlo.and"),
        BinaryOp::Or => simple(e, "stablehlo.or"),
        BinaryOp::Lt => compare(e, "LT", a, b, shape),
        BinaryOp::Le => compare(e, "LE", a, b, shape),
        BinaryOp::Eq => compare(e, "EQ", a, b, shape),
        BinaryOp::Div if d == DType::F32 => simple(e, "stablehlo.divide"),
        BinaryOp::Mod if d == DType::F32 => {
            // x - floor(x / y) * y, as the other backends.
            let q = e.op("stablehlo.divide", &[a, b], "", shape, el);
            let f = e.op("stablehlo.floor", &[&q], "", shape, el);
            let m = e.op("stablehlo.multiply", &[&f, b], "", shape, el);
            e.op("stablehlo.subtract", &[a, &m], "", shape, el)
        }
        BinaryOp::Div | BinaryOp::Mod => int_floor_div_mod(e, op == BinaryOp::Div, a, b, shape),
    }
}

/// `max`/`min` that return a NaN operand (XLA CPU's own may return the other one).
fn nan_propagating(e: &mut Emitter, op: &str, a: &Value, b: &Value, shape: &[usize]) -> Value {
    let m = e.op(op, &[a, b], "", shape, "f32");
    let b_nan = compare(e, "NE", b, b, shape);
    let m = e.op("stablehlo.select", &[&b_nan, b, &m], "", shape, "f32");
    let a_nan = compare(e, "NE", a, a, shape);
    e.op("stablehlo.select", &[&a_nan, a, &m], "", shape, "f32")
}

/// Integer floor division / floor modulo (sign of the divisor); a zero divisor gives 0.
/// StableHLO's divide/remainder truncate and leave division by zero to the implementation.
fn int_floor_div_mod(e: &mut Emitter, div: bool, a: &Value, b: &Value, shape: &[usize]) -> Value {
    let zero = e.splat(Scalar::I32(0), shape);
    let one = e.splat(Scalar::I32(1), shape);
    let b_zero = compare(e, "EQ", b, &zero, shape);
    let safe_b = e.op("stablehlo.select", &[&b_zero, &one, b], "", shape, "i32");
    let r = e.op("stablehlo.remainder", &[a, &safe_b], "", shape, "i32");
    let r_nonzero = compare(e, "NE", &r, &zero, shape);
    // Signs differ: the truncated result must move one step towards -infinity.
    let r_neg = compare(e, "LT", &r, &zero, shape);
    let b_neg = compare(e, "LT", &safe_b, &zero, shape);
    let signs_differ = compare(e, "NE", &r_neg, &b_neg, shape);
    let adjust = e.op("stablehlo.and", &[&r_nonzero, &signs_differ], "", shape, "i1");
    let out = if div {
        let q = e.op("stablehlo.divide", &[a, &safe_b], "", shape, "i32");
        let q1 = e.op("stablehlo.subtract", &[&q, &one], "", shape, "i32");
        e.op("stablehlo.select", &[&adjust, &q1, &q], "", shape, "i32")
    } else {
        let r1 = e.op("stablehlo.add", &[&r, &safe_b], "", shape, "i32");
        e.op("stablehlo.select", &[&adjust, &r1, &r], "", shape, "i32")
    };
    e.op("stablehlo.select", &[&b_zero, &zero, &out], "", shape, "i32")
}

fn reduce(e: &mut Emitter, op: ReduceOp, axes: &[usize], x: &Value, shape: &[usize], d: DType) -> Result<Value> {
    if axes.is_empty() {
        return Ok(x.clone());
    }
    let el = elem(d);
    let body_op = match (op, d) {
        (ReduceOp::Sum, _) => "stablehlo.add",
        (ReduceOp::Prod, _) => "stablehlo.multiply",
        (ReduceOp::Max, DType::Bool) => "stablehlo.or",
        (ReduceOp::Min, DType::Bool) => "stablehlo.and",
        (ReduceOp::Max, _) => "stablehlo.maximum",
        (ReduceOp::Min, _) => "stablehlo.minimum",
    };
    let init = e.splat(op.identity(d), &[]);
    // f32 max/min: NaN wins, as in the binary ops (the accumulator is NaN once any element was).
    let nan_wins = d == DType::F32 && matches!(op, ReduceOp::Max | ReduceOp::Min);
    let region = Emitter::scalar_region(el, |e, a, b| {
        if nan_wins {
            nan_propagating(e, body_op, a, b, &[])
        } else {
            e.op(body_op, &[a, b], "", &[], el)
        }
    });
    let kept: Vec<usize> = (0..shape.len())
        .filter(|a| !axes.contains(a))
        .map(|a| shape[a])
        .collect();
    let attr = format!("dimensions = {}", i64_array(axes.iter().map(|&a| a as i64)));
    let r = e.op_with_region("stablehlo.reduce", &[x, &init], &region, &attr, &kept, el);
    Ok(e.op("stablehlo.reshape", &[&r], "", shape, el))
}

fn conv_attrs(p: &ConvParams) -> String {
    let pads: Vec<String> = p.padding.iter().map(|(lo, hi)| format!("[{lo}, {hi}]")).collect();
    format!(
        "batch_group_count = 1 : i64, dimension_numbers = #stablehlo.conv<[b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f]>, \
         feature_group_count = {} : i64, lhs_dilation = {}, padding = dense<[{}]> : tensor<2x2xi64>, \
         rhs_dilation = {}, window_strides = {}, {HIGHEST}",
        p.groups,
        i64_array(p.lhs_dilation.iter().map(|&v| v as i64)),
        pads.join(", "),
        i64_array(p.rhs_dilation.iter().map(|&v| v as i64)),
        i64_array(p.stride.iter().map(|&v| v as i64)),
    )
}

/// `out[o.., j.., i..] = x[o.., idx[j..], i..]`; indices outside `[0, n)` give 0 (StableHLO's
/// gather clamps them, so they are masked afterwards).
fn gather(e: &mut Emitter, x: &Value, idx: &Value, axis: usize, node: &GraphNode) -> Value {
    let out = &node.shape[..];
    let el = elem(node.dtype);
    let xs = x.shape.clone();
    let is = idx.shape.clone();
    let n = xs[axis];
    if n == 0 || out.contains(&0) {
        return e.splat(Scalar::zero(node.dtype), out);
    }
    let q = is.len();
    let mut idx_col = is.clone();
    idx_col.push(1);
    let idx2 = e.op("stablehlo.reshape", &[idx], "", &idx_col, "i32");
    let offset_dims = (0..axis).chain(axis + q..xs.len() - 1 + q);
    let mut slice = xs.clone();
    slice[axis] = 1;
    let attr = format!(
        "dimension_numbers = #stablehlo.gather<offset_dims = {}, collapsed_slice_dims = [{axis}], \
         start_index_map = [{axis}], index_vector_dim = {q}>, indices_are_sorted = false, slice_sizes = {}",
        dim_list(offset_dims),
        i64_array(slice.iter().map(|&v| v as i64))
    );
    let g = e.op("stablehlo.gather", &[x, &idx2], &attr, out, el);
    let lo = e.splat(Scalar::I32(0), &is);
    let hi = e.splat(Scalar::I32(n.min(i32::MAX as usize) as i32), &is);
    let ge = compare(e, "GE", idx, &lo, &is);
    let lt = compare(e, "LT", idx, &hi, &is);
    let ok = e.op("stablehlo.and", &[&ge, &lt], "", &is, "i1");
    let attr = format!(
        "broadcast_dimensions = {}",
        i64_array((axis..axis + q).map(|d| d as i64))
    );
    let ok_out = e.op("stablehlo.broadcast_in_dim", &[&ok], &attr, out, "i1");
    let zero = e.splat(Scalar::zero(node.dtype), out);
    e.op("stablehlo.select", &[&ok_out, &g, &zero], "", out, el)
}

/// `out[o.., idx[j], i..] += upd[o.., j, i..]` into zeros; XLA skips out-of-range indices.
fn scatter_add(e: &mut Emitter, upd: &Value, idx: &Value, axis: usize, node: &GraphNode) -> Value {
    let out = &node.shape[..];
    let el = elem(node.dtype);
    let zeros = e.splat(Scalar::zero(node.dtype), out);
    let us = upd.shape.clone();
    if out.contains(&0) || us.contains(&0) {
        return zeros;
    }
    let j = idx.shape.clone();
    let idx2 = e.op("stablehlo.reshape", &[idx], "", &[j[0], 1], "i32");
    let window = (0..axis).chain(axis + 1..us.len());
    let add = if node.dtype == DType::Bool {
        "stablehlo.or"
    } else {
        "stablehlo.add"
    };
    let region = Emitter::scalar_region(el, |e, a, b| e.op(add, &[a, b], "", &[], el));
    let attr = format!(
        "indices_are_sorted = false, scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = {}, \
         inserted_window_dims = [{axis}], scatter_dims_to_operand_dims = [{axis}], index_vector_dim = 1>, \
         unique_indices = false",
        dim_list(window)
    );
    e.op_with_region("stablehlo.scatter", &[&zeros, &idx2, upd], &region, &attr, out, el)
}
