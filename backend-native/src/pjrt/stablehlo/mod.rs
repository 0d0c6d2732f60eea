//! The StableHLO renderer: a whole primitive [`Graph`] becomes one MLIR module (text) with a
//! `main` function taking the graph's parameters and returning its outputs. PJRT plugins compile
//! that text with XLA, which fuses and schedules it; nothing here decides kernels.
//!
//! Buffers are flat on every backend (tensors carry the shapes), so parameters and results are
//! 1-D in the signature and reshaped inside (a free bitcast for XLA).
//!
//! Ops are written in MLIR's generic form (`"stablehlo.add"(%a, %b) : (...) -> ...`), which every
//! StableHLO version parses the same way. Each primitive's lowering lives in `prims.rs`; the
//! counter-based random generator (bit-exact with the other backends) in `random.rs`.

mod prims;
mod random;

use std::fmt::Write;

use ferroflow_core::ir::Graph;
use ferroflow_core::{DType, Error, Result, Scalar};

/// Renders `graph` as a StableHLO module whose `@main` takes the parameters in order.
pub fn render(graph: &Graph) -> Result<String> {
    let mut e = Emitter::default();
    let params = graph.params();
    let mut names: Vec<Value> = Vec::with_capacity(graph.nodes.len());
    for node in &graph.nodes {
        let inputs: Vec<Value> = node
            .inputs
            .iter()
            .map(|&i| names.get(i).cloned())
            .collect::<Option<_>>()
            .ok_or_else(|| Error::backend("pjrt", "graph node reads a later node"))?;
        let v = prims::lower(&mut e, node, &inputs)?;
        names.push(v);
    }
    let outs: Vec<&Value> = graph
        .outputs
        .iter()
        .map(|&i| names.get(i))
        .collect::<Option<_>>()
        .ok_or_else(|| Error::backend("pjrt", "graph output out of range"))?;
    let args: Vec<String> = params
        .iter()
        .enumerate()
        .map(|(i, (s, d))| format!("%arg{i}: {}", tensor_type(&[s.iter().product()], elem(*d))))
        .collect();
    let flat_outs: Vec<Value> = outs
        .iter()
        .map(|v| {
            let n = v.shape.iter().product::<usize>();
            e.op("stablehlo.reshape", &[v], "", &[n], v.elem)
        })
        .collect();
    let out_types: Vec<String> = flat_outs.iter().map(|v| v.ty()).collect();
    let out_names: Vec<&str> = flat_outs.iter().map(|v| v.name.as_str()).collect();
    let mut m = String::with_capacity(e.body.len() + 512);
    m.push_str("module @ferroflow attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {\n");
    let _ = writeln!(
        m,
        "  func.func public @main({}) -> ({}) {{",
        args.join(", "),
        out_types.join(", ")
    );
    m.push_str(&e.body);
    let _ = writeln!(
        m,
        "    \"func.return\"({}) : ({}) -> ()",
        out_names.join(", "),
        out_types.join(", ")
    );
    m.push_str("  }\n}\n");
    Ok(m)
}

/// An SSA value with its shape and MLIR element type.
#[derive(Clone, Debug)]
pub(crate) struct Value {
    pub name: String,
    pub shape: Vec<usize>,
    pub elem: &'static str,
}

impl Value {
    pub fn ty(&self) -> String {
        tensor_type(&self.shape, self.elem)
    }
}

/// Accumulates the body of `main`, handing out fresh SSA names.
#[derive(Default)]
pub(crate) struct Emitter {
    body: String,
    next: usize,
    /// Set in a region's emitter: its names (`%s1`, ...) cannot clash with the function's.
    in_region: bool,
}

impl Emitter {
    fn fresh(&mut self) -> String {
        self.next += 1;
        let prefix = if self.in_region { "s" } else { "v" };
        format!("%{prefix}{}", self.next)
    }

    /// The body region of a reduce or scatter: `combine` folds two scalars `%a`, `%b` of element
    /// type `elem`, emitted with the same ops as everywhere else.
    pub(crate) fn scalar_region(
        elem: &'static str,
        combine: impl FnOnce(&mut Emitter, &Value, &Value) -> Value,
    ) -> String {
        let mut inner = Emitter {
            in_region: true,
            ..Emitter::default()
        };
        let arg = |name: &str| Value {
            name: name.into(),
            shape: vec![],
            elem,
        };
        let r = combine(&mut inner, &arg("%a"), &arg("%b"));
        let scalar = tensor_type(&[], elem);
        format!(
            " ({{\n    ^bb0(%a: {scalar}, %b: {scalar}):\n{}      \"stablehlo.return\"({}) : ({scalar}) -> ()\n    }})",
            inner.body, r.name
        )
    }

    /// Emits `"stablehlo.<op>"(operands) {attrs} : (types) -> result` and returns the result.
    pub(crate) fn op(
        &mut self,
        op: &str,
        operands: &[&Value],
        attrs: &str,
        shape: &[usize],
        elem: &'static str,
    ) -> Value {
        self.op_with_region(op, operands, "", attrs, shape, elem)
    }

    /// Like [`Emitter::op`], with a region (a reduction body) between operands and attributes.
    pub(crate) fn op_with_region(
        &mut self,
        op: &str,
        operands: &[&Value],
        region: &str,
        attrs: &str,
        shape: &[usize],
        elem: &'static str,
    ) -> Value {
        let name = self.fresh();
        let ty = tensor_type(shape, elem);
        let names: Vec<&str> = operands.iter().map(|v| v.name.as_str()).collect();
        let types: Vec<String> = operands.iter().map(|v| v.ty()).collect();
        let attrs = if attrs.is_empty() {
            String::new()
        } else {
            format!(" {{{attrs}}}")
        };
        let _ = writeln!(
            self.body,
            "    {name} = \"{op}\"({}){region}{attrs} : ({}) -> {ty}",
            names.join(", "),
            types.join(", ")
        );
        Value {
            name,
            shape: shape.to_vec(),
            elem,
        }
    }

    /// A constant of `shape` with every element `literal` (already in MLIR syntax for `elem`).
    pub(crate) fn splat_literal(&mut self, literal: &str, shape: &[usize], elem: &'static str) -> Value {
        let ty = tensor_type(shape, elem);
        self.op(
            "stablehlo.constant",
            &[],
            &format!("value = dense<{literal}> : {ty}"),
            shape,
            elem,
        )
    }

    /// A constant of `shape` with every element `s`.
    pub(crate) fn splat(&mut self, s: Scalar, shape: &[usize]) -> Value {
        self.splat_literal(&literal(s), shape, elem(s.dtype()))
    }
}

/// The MLIR element type of a dtype (bool is `i1`, as PJRT's PRED).
pub(crate) fn elem(d: DType) -> &'static str {
    match d {
        DType::F32 => "f32",
        DType::I32 => "i32",
        DType::Bool => "i1",
    }
}

/// `tensor<2x3xf32>`; `tensor<f32>` for rank 0.
pub(crate) fn tensor_type(shape: &[usize], elem: &str) -> String {
    let mut s = String::from("tensor<");
    for d in shape {
        let _ = write!(s, "{d}x");
    }
    s.push_str(elem);
    s.push('>');
    s
}

/// An exact literal: floats by bit pattern (so NaN, infinities and -0 survive), ints in decimal.
pub(crate) fn literal(s: Scalar) -> String {
    match s {
        Scalar::F32(v) => format!("0x{:08X}", v.to_bits()),
        Scalar::I32(v) => v.to_string(),
        Scalar::Bool(v) => v.to_string(),
    }
}

/// `array<i64: 1, 2>` (an empty list is `array<i64>`).
pub(crate) fn i64_array(v: impl IntoIterator<Item = i64>) -> String {
    let items: Vec<String> = v.into_iter().map(|x| x.to_string()).collect();
    if items.is_empty() {
        "array<i64>".into()
    } else {
        format!("array<i64: {}>", items.join(", "))
    }
}

/// `[0, 2]`, as dimension lists inside `#stablehlo.gather<...>` and friends.
pub(crate) fn dim_list(v: impl IntoIterator<Item = usize>) -> String {
    let items: Vec<String> = v.into_iter().map(|x| x.to_string()).collect();
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
mod tests;
