//! The scheduler: turns the pending part of the graph into kernels and runs them.
//!
//! Walking the pending nodes in topological order, each node is lowered either to a buffer (it was
//! computed by a kernel) or to a lazy expression over buffers (`LazyExpr`). Elementwise primitives
//! combine expressions, movement primitives rewrite the views of an expression's loads, and a node
//! is materialized (becomes one elementwise kernel) only when it must be: it is a target, it feeds
//! more than one consumer, a template kernel (reduce, matmul, conv, gather, scatter) needs it, a
//! movement cannot be expressed as a view, or the fused expression grows past the kernel limits.
//! Reductions fuse their elementwise prologue. A matmul or conv with a single consumer waits as a
//! [`Template`] leaf: when the elementwise expression that consumes it is materialized, the two
//! become one kernel (`KernelBody::WithEpilogue`: bias, activation, casts applied before the
//! store); any other use runs the template on its own, once. Nothing runs during the walk: it
//! records a [`Schedule`] (`plan.rs`), cached per device by the graph's structure and then run;
//! a graph whose structure repeats (a training step) skips the walk and replays its schedule.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::{Arc, Mutex};

use crate::device::Buffer;
use crate::dtype::{DType, HostData, Scalar};
use crate::ir::{BinaryOp, Expr, ExprNode, ExprOp, Kernel, KernelBody, Prim, Source, UnaryOp, View};
use crate::shape::numel;
use crate::tensor::Tensor;
use crate::{Error, Result};

mod plan;
mod program;

use plan::Planner;
pub use plan::{BoundSchedule, GraphKey, Schedule};

/// Most distinct input buffers one fused kernel may read (WebGPU guarantees 8 storage buffers per
/// stage; one is the output).
pub const MAX_KERNEL_INPUTS: usize = 7;
/// Largest expression (in tree nodes) that consumers recompute instead of sharing a buffer.
pub const MAX_RECOMPUTE_NODES: usize = 16;
/// Most expression nodes one fused kernel may hold before operands are materialized.
pub const MAX_EXPR_NODES: usize = 96;

#[derive(Clone, Debug)]
enum LazySource {
    Buffer(Buffer),
    Const(Scalar),
    Arange,
    /// The seed, uploaded as an int32 `[lo, hi]` buffer (see `Source::Rand`).
    Rand(Buffer),
    /// A matmul/conv not run yet (see [`Template`]).
    Template(Arc<Template>),
}

/// A matmul or conv whose only consumer has not been lowered yet. If that consumer's expression
/// reads it element for element, the template runs with the expression as its epilogue;
/// otherwise it runs alone (at most once) and is read like any buffer.
#[derive(Debug)]
struct Template {
    body: KernelBody,
    shape: Vec<usize>,
    inputs: Vec<Buffer>,
    done: Mutex<Option<Buffer>>,
}

impl Template {
    fn run(&self, p: &Planner) -> Result<Buffer> {
        let mut done = self
            .done
            .lock()
            .map_err(|_| Error::backend("scheduler", "template lock poisoned"))?;
        if let Some(b) = done.as_ref() {
            return Ok(b.clone());
        }
        let k = Kernel {
            num_inputs: self.inputs.len(),
            out_shape: self.shape.clone(),
            out_dtype: DType::F32,
            body: self.body.clone(),
        };
        let b = p.kernel(k, &self.inputs)?;
        *done = Some(b.clone());
        Ok(b)
    }
    fn key(self: &Arc<Self>) -> usize {
        Arc::as_ptr(self) as *const () as usize
    }
}

#[derive(Debug)]
enum LazyNode {
    Leaf {
        src: LazySource,
        view: View,
        dtype: DType,
    },
    /// A constant broadcast to whatever shape it is used at.
    Const(Scalar),
    Unary(UnaryOp, LazyExpr, DType),
    Binary(BinaryOp, LazyExpr, LazyExpr, DType),
    Where(LazyExpr, LazyExpr, LazyExpr, DType),
    Cast(DType, LazyExpr),
}

type LazyExpr = Arc<LazyNode>;

impl LazyNode {
    fn dtype(&self) -> DType {
        match self {
            LazyNode::Leaf { dtype, .. } | LazyNode::Unary(_, _, dtype) | LazyNode::Binary(_, _, _, dtype) => *dtype,
            LazyNode::Where(_, _, _, d) | LazyNode::Cast(d, _) => *d,
            LazyNode::Const(s) => s.dtype(),
        }
    }
    fn children(&self) -> Vec<&LazyExpr> {
        match self {
            LazyNode::Leaf { .. } | LazyNode::Const(_) => vec![],
            LazyNode::Unary(_, a, _) | LazyNode::Cast(_, a) => vec![a],
            LazyNode::Binary(_, a, b, _) => vec![a, b],
            LazyNode::Where(c, a, b, _) => vec![c, a, b],
        }
    }
}

fn buffer_key(b: &Buffer) -> usize {
    Arc::as_ptr(&b.0) as *const () as usize
}

/// Distinct buffers read and tree size of an expression.
fn footprint(e: &LazyExpr, bufs: &mut HashSet<usize>) -> usize {
    if let LazyNode::Leaf {
        src: LazySource::Buffer(b) | LazySource::Rand(b),
        ..
    } = e.as_ref()
    {
        bufs.insert(buffer_key(b));
    }
    if let LazyNode::Leaf {
        src: LazySource::Template(t),
        ..
    } = e.as_ref()
    {
        bufs.extend(t.inputs.iter().map(buffer_key));
    }
    1 + e.children().iter().map(|c| footprint(c, bufs)).sum::<usize>()
}

/// Rewrites every load's view; None when some view cannot take the movement.
fn map_views(e: &LazyExpr, f: &dyn Fn(&View) -> Option<View>) -> Option<LazyExpr> {
    Some(Arc::new(match e.as_ref() {
        LazyNode::Leaf { src, view, dtype } => LazyNode::Leaf {
            src: src.clone(),
            view: f(view)?,
            dtype: *dtype,
        },
        LazyNode::Const(s) => LazyNode::Const(*s),
        LazyNode::Unary(op, a, d) => LazyNode::Unary(*op, map_views(a, f)?, *d),
        LazyNode::Binary(op, a, b, d) => LazyNode::Binary(*op, map_views(a, f)?, map_views(b, f)?, *d),
        LazyNode::Where(c, a, b, d) => LazyNode::Where(map_views(c, f)?, map_views(a, f)?, map_views(b, f)?, *d),
        LazyNode::Cast(d, a) => LazyNode::Cast(*d, map_views(a, f)?),
    }))
}

/// The distinct templates an expression reads.
fn templates_in(e: &LazyExpr, out: &mut Vec<Arc<Template>>) {
    if let LazyNode::Leaf {
        src: LazySource::Template(t),
        ..
    } = e.as_ref()
    {
        if !out.iter().any(|o| Arc::ptr_eq(o, t)) {
            out.push(t.clone());
        }
    }
    for c in e.children() {
        templates_in(c, out);
    }
}

/// True when every load of template `t` in `e` reads element i at position i.
fn reads_elementwise(e: &LazyExpr, t: &Arc<Template>) -> bool {
    match e.as_ref() {
        LazyNode::Leaf {
            src: LazySource::Template(u),
            view,
            ..
        } if Arc::ptr_eq(u, t) => view.is_contiguous(),
        _ => e.children().iter().all(|c| reads_elementwise(c, t)),
    }
}

/// Runs the templates an expression reads and loads their buffers instead.
fn resolve_templates(p: &Planner, e: &LazyExpr) -> Result<LazyExpr> {
    let mut ts = vec![];
    templates_in(e, &mut ts);
    if ts.is_empty() {
        return Ok(e.clone());
    }
    fn rec(p: &Planner, e: &LazyExpr) -> Result<LazyExpr> {
        Ok(Arc::new(match e.as_ref() {
            LazyNode::Leaf {
                src: LazySource::Template(t),
                view,
                dtype,
            } => LazyNode::Leaf {
                src: LazySource::Buffer(t.run(p)?),
                view: view.clone(),
                dtype: *dtype,
            },
            LazyNode::Leaf { .. } | LazyNode::Const(_) => return Ok(e.clone()),
            LazyNode::Unary(op, a, d) => LazyNode::Unary(*op, rec(p, a)?, *d),
            LazyNode::Binary(op, a, b, d) => LazyNode::Binary(*op, rec(p, a)?, rec(p, b)?, *d),
            LazyNode::Where(c, a, b, d) => LazyNode::Where(rec(p, c)?, rec(p, a)?, rec(p, b)?, *d),
            LazyNode::Cast(d, a) => LazyNode::Cast(*d, rec(p, a)?),
        }))
    }
    rec(p, e)
}

/// The kernel that runs the one template `e` reads with `e` as its epilogue, when `e` reads it
/// element for element and the inputs fit; None otherwise.
fn fuse_epilogue(e: &LazyExpr, shape: &[usize]) -> Result<Option<(Kernel, Vec<Buffer>)>> {
    let mut ts = vec![];
    templates_in(e, &mut ts);
    let [t] = ts.as_slice() else { return Ok(None) };
    let fresh = t.done.lock().map(|d| d.is_none()).unwrap_or(false);
    if !fresh || numel(&t.shape) != numel(shape) || !reads_elementwise(e, t) {
        return Ok(None);
    }
    let mut ssa = SsaBuilder::new();
    ssa.accumulator = Some(t.key());
    for b in &t.inputs {
        ssa.slot(b);
    }
    ssa.add(e)?;
    let (expr, inputs) = ssa.finish(shape);
    if inputs.len() > MAX_KERNEL_INPUTS {
        return Ok(None);
    }
    let kernel = Kernel {
        num_inputs: inputs.len(),
        out_shape: shape.to_vec(),
        out_dtype: expr.dtype(),
        body: KernelBody::WithEpilogue {
            template: Box::new(t.body.clone()),
            epilogue: expr,
        },
    };
    Ok(Some((kernel, inputs)))
}

/// Pads an expression by padding its loads. That is only sound when every op maps all-zero
/// operands to zero (`f(0,..,0) == 0`), since padded loads read zero; otherwise None and the
/// caller materializes first. Constants become masked constant loads.
fn pad_expr(e: &LazyExpr, shape: &[usize], pads: &[(usize, usize)]) -> Option<LazyExpr> {
    let rec = |x: &LazyExpr| pad_expr(x, shape, pads);
    Some(Arc::new(match e.as_ref() {
        LazyNode::Leaf { src, view, dtype } => LazyNode::Leaf {
            src: src.clone(),
            view: view.pad(pads),
            dtype: *dtype,
        },
        LazyNode::Const(s) => LazyNode::Leaf {
            src: LazySource::Const(*s),
            view: View::contiguous(shape).pad(pads),
            dtype: s.dtype(),
        },
        LazyNode::Unary(op, a, d) => {
            let safe = matches!(
                op,
                UnaryOp::Neg | UnaryOp::Sqrt | UnaryOp::Sin | UnaryOp::Tanh | UnaryOp::Erf
            ) || matches!(op, UnaryOp::Floor | UnaryOp::Ceil | UnaryOp::Round);
            if !safe {
                return None;
            }
            LazyNode::Unary(*op, rec(a)?, *d)
        }
        LazyNode::Binary(op, a, b, d) => {
            let safe = matches!(
                op,
                BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Max | BinaryOp::Min
            ) || matches!(op, BinaryOp::Lt | BinaryOp::And | BinaryOp::Or);
            if !safe {
                return None;
            }
            LazyNode::Binary(*op, rec(a)?, rec(b)?, *d)
        }
        LazyNode::Where(c, a, b, d) => LazyNode::Where(rec(c)?, rec(a)?, rec(b)?, *d),
        LazyNode::Cast(d, a) => LazyNode::Cast(*d, rec(a)?),
    }))
}

/// Converts an expression tree to the kernel IR's SSA form with common subexpressions shared.
struct SsaBuilder {
    nodes: Vec<ExprNode>,
    memo: HashMap<ExprNode, usize>,
    inputs: Vec<Buffer>,
    slots: HashMap<usize, usize>,
    /// The template whose loads become `Source::Accumulator` (epilogue kernels).
    accumulator: Option<usize>,
}

impl SsaBuilder {
    fn new() -> Self {
        SsaBuilder {
            nodes: vec![],
            memo: HashMap::default(),
            inputs: vec![],
            slots: HashMap::default(),
            accumulator: None,
        }
    }
    fn push(&mut self, op: ExprOp, dtype: DType) -> usize {
        let node = ExprNode { op, dtype };
        if let Some(&i) = self.memo.get(&node) {
            return i;
        }
        self.nodes.push(node.clone());
        self.memo.insert(node, self.nodes.len() - 1);
        self.nodes.len() - 1
    }
    /// The input slot of a buffer, assigning the next one on first use.
    fn slot(&mut self, b: &Buffer) -> usize {
        let key = buffer_key(b);
        if let Some(&s) = self.slots.get(&key) {
            return s;
        }
        self.inputs.push(b.clone());
        self.slots.insert(key, self.inputs.len() - 1);
        self.inputs.len() - 1
    }
    /// Errors on a template other than the accumulator: callers resolve templates first.
    fn add(&mut self, e: &LazyExpr) -> Result<usize> {
        let d = e.dtype();
        Ok(match e.as_ref() {
            LazyNode::Leaf { src, view, .. } => {
                let src = match src {
                    LazySource::Buffer(b) => Source::Input(self.slot(b)),
                    LazySource::Const(s) => Source::Const(*s),
                    LazySource::Arange => Source::Arange,
                    LazySource::Rand(seed) => Source::Rand {
                        seed_input: self.slot(seed),
                    },
                    LazySource::Template(t) if self.accumulator == Some(t.key()) => Source::Accumulator,
                    LazySource::Template(_) => {
                        return Err(Error::backend("scheduler", "unresolved matmul/conv in an expression"))
                    }
                };
                self.push(
                    ExprOp::Load {
                        src,
                        view: view.clone(),
                    },
                    d,
                )
            }
            LazyNode::Const(s) => self.push(ExprOp::Const(*s), d),
            LazyNode::Unary(op, a, _) => {
                let a = self.add(a)?;
                self.push(ExprOp::Unary(*op, a), d)
            }
            LazyNode::Binary(op, a, b, _) => {
                let (a, b) = (self.add(a)?, self.add(b)?);
                self.push(ExprOp::Binary(*op, a, b), d)
            }
            LazyNode::Where(c, a, b, _) => {
                let (c, a, b) = (self.add(c)?, self.add(a)?, self.add(b)?);
                self.push(ExprOp::Where(c, a, b), d)
            }
            LazyNode::Cast(_, a) => {
                let a = self.add(a)?;
                self.push(ExprOp::Cast(a), d)
            }
        })
    }
    fn finish(self, shape: &[usize]) -> (Expr, Vec<Buffer>) {
        (
            Expr {
                shape: shape.to_vec(),
                nodes: self.nodes,
            },
            self.inputs,
        )
    }
}

/// A u64 seed as the int32 `[lo, hi]` buffer contents `Source::Rand` reads.
pub(crate) fn seed_words(seed: u64) -> HostData {
    HostData::I32(vec![seed as u32 as i32, (seed >> 32) as u32 as i32])
}

fn leaf(buf: Buffer, shape: &[usize]) -> LazyExpr {
    let dtype = buf.dtype();
    Arc::new(LazyNode::Leaf {
        src: LazySource::Buffer(buf),
        view: View::contiguous(shape),
        dtype,
    })
}

/// A leaf that is a whole buffer or template result: the buffer (running the template) and view.
fn buffer_leaf(p: &Planner, e: &LazyExpr) -> Result<Option<(Buffer, View)>> {
    Ok(match e.as_ref() {
        LazyNode::Leaf {
            src: LazySource::Buffer(b),
            view,
            ..
        } => Some((b.clone(), view.clone())),
        LazyNode::Leaf {
            src: LazySource::Template(t),
            view,
            ..
        } => Some((t.run(p)?, view.clone())),
        _ => None,
    })
}

/// Computes an expression into a new contiguous buffer (no kernel when it already is one; one
/// kernel with an epilogue when it applies elementwise ops to a pending matmul/conv).
fn materialize(p: &Planner, e: &LazyExpr, shape: &[usize]) -> Result<Buffer> {
    if let Some((b, view)) = buffer_leaf(p, e)? {
        if view.is_contiguous() && b.len() == numel(shape) {
            return Ok(b);
        }
    }
    if let Some((kernel, inputs)) = fuse_epilogue(e, shape)? {
        return p.kernel(kernel, &inputs);
    }
    let e = resolve_templates(p, e)?;
    let mut ssa = SsaBuilder::new();
    ssa.add(&e)?;
    let (expr, inputs) = ssa.finish(shape);
    let kernel = Kernel {
        num_inputs: inputs.len(),
        out_shape: shape.to_vec(),
        out_dtype: expr.dtype(),
        body: KernelBody::Elementwise(expr),
    };
    p.kernel(kernel, &inputs)
}

enum Lowered {
    Buf(Buffer),
    Lazy(LazyExpr),
}

struct Scheduler<'a> {
    plan: &'a Planner,
    lowered: HashMap<u64, Lowered>,
    /// Nodes whose matmul/conv may wait for its consumer (one consumer, not a target).
    deferrable: HashSet<u64>,
}

impl Scheduler<'_> {
    fn expr_of(&self, t: &Tensor) -> Result<LazyExpr> {
        if let Some(b) = t.buffer() {
            return Ok(leaf(b, t.shape()));
        }
        match self.lowered.get(&t.id()) {
            Some(Lowered::Buf(b)) => Ok(leaf(b.clone(), t.shape())),
            Some(Lowered::Lazy(e)) => Ok(e.clone()),
            None => Err(Error::backend(
                "scheduler",
                format!("input {t:?} was not lowered before use"),
            )),
        }
    }

    /// The input as a contiguous buffer, materializing (and remembering) when needed.
    fn buffer_of(&mut self, t: &Tensor) -> Result<Buffer> {
        let e = self.expr_of(t)?;
        let b = materialize(self.plan, &e, t.shape())?;
        self.lowered.insert(t.id(), Lowered::Buf(b.clone()));
        Ok(b)
    }

    /// The input as a buffer plus an unmasked view (what matmul and conv accept without a
    /// copy). A permute, reshape or broadcast of a computed value is read through the moved
    /// view of the value in its own layout: the filter gradient of a conv reads the output
    /// gradient with batch and channels swapped, and writing that transposed copy cost more
    /// than the conv reading it in place.
    fn strided_of(&mut self, t: &Tensor) -> Result<(Buffer, View)> {
        let e = self.expr_of(t)?;
        if let Some((b, view)) = buffer_leaf(self.plan, &e)? {
            if view.mask.is_none() {
                return Ok((b, view));
            }
        }
        if let Some(input) = t.inputs().first() {
            let p = t.prim();
            let moved = |v: &View| if read_through(p) { moved_view(p, v) } else { None };
            // Only when the movement is a view of the value's contiguous layout (checked before
            // computing anything), so the value is never computed in vain.
            if moved(&View::contiguous(input.shape())).is_some_and(|v| v.mask.is_none()) {
                let (b, v) = self.strided_of(input)?;
                match moved(&v).filter(|m| m.mask.is_none()) {
                    Some(view) => return Ok((b, view)),
                    None => {
                        let b = self.buffer_of(input)?;
                        if let Some(view) = moved(&View::contiguous(input.shape())) {
                            return Ok((b, view));
                        }
                    }
                }
            }
        }
        Ok((self.buffer_of(t)?, View::contiguous(t.shape())))
    }

    /// Keeps fused expressions within the kernel limits by materializing operands.
    fn combine(&mut self, operands: &[&Tensor], build: &dyn Fn(&[LazyExpr]) -> LazyNode) -> Result<LazyExpr> {
        let mut exprs: Vec<LazyExpr> = operands.iter().map(|t| self.expr_of(t)).collect::<Result<_>>()?;
        let e = Arc::new(build(&exprs));
        let mut bufs = HashSet::default();
        let size = footprint(&e, &mut bufs);
        if bufs.len() <= MAX_KERNEL_INPUTS && size <= MAX_EXPR_NODES {
            return Ok(e);
        }
        for (i, t) in operands.iter().enumerate() {
            if !matches!(exprs[i].as_ref(), LazyNode::Leaf { .. } | LazyNode::Const(_)) {
                exprs[i] = leaf(self.buffer_of(t)?, t.shape());
            }
        }
        Ok(Arc::new(build(&exprs)))
    }

    fn lower(&mut self, t: &Tensor) -> Result<Lowered> {
        let ins = t.inputs();
        let d = t.dtype();
        let lazy = |n: LazyNode| Ok(Lowered::Lazy(Arc::new(n)));
        match t.prim().clone() {
            Prim::Data => Err(Error::backend("scheduler", "data leaf without a buffer")),
            Prim::Const(s) => lazy(LazyNode::Const(s)),
            Prim::Arange(n) => lazy(LazyNode::Leaf {
                src: LazySource::Arange,
                view: View::contiguous(&[n]),
                dtype: DType::I32,
            }),
            Prim::Rand { shape, .. } => lazy(LazyNode::Leaf {
                src: LazySource::Rand(self.plan.seed()),
                view: View::contiguous(&shape),
                dtype: DType::F32,
            }),
            Prim::Unary(op) => Ok(Lowered::Lazy(
                self.combine(&[&ins[0]], &|e| LazyNode::Unary(op, e[0].clone(), d))?,
            )),
            Prim::Binary(op) => Ok(Lowered::Lazy(self.combine(&[&ins[0], &ins[1]], &|e| {
                LazyNode::Binary(op, e[0].clone(), e[1].clone(), d)
            })?)),
            Prim::Where => Ok(Lowered::Lazy(self.combine(&[&ins[0], &ins[1], &ins[2]], &|e| {
                LazyNode::Where(e[0].clone(), e[1].clone(), e[2].clone(), d)
            })?)),
            Prim::Cast(to) => Ok(Lowered::Lazy(
                self.combine(&[&ins[0]], &|e| LazyNode::Cast(to, e[0].clone()))?,
            )),
            Prim::Reduce { op, axes } => {
                let e = resolve_templates(self.plan, &self.expr_of(&ins[0])?)?;
                let mut ssa = SsaBuilder::new();
                ssa.add(&e)?;
                let (expr, inputs) = ssa.finish(ins[0].shape());
                let body = KernelBody::Reduce { op, axes, expr };
                let k = Kernel {
                    num_inputs: inputs.len(),
                    out_shape: t.shape().to_vec(),
                    out_dtype: d,
                    body,
                };
                Ok(Lowered::Buf(self.plan.kernel(k, &inputs)?))
            }
            p if p.is_movement() => self.lower_movement(t, &p),
            Prim::MatMul => {
                let (a, av) = self.strided_of(&ins[0])?;
                let (b, bv) = self.strided_of(&ins[1])?;
                self.template(t, KernelBody::MatMul { a: av, b: bv }, vec![a, b])
            }
            Prim::Conv(params) => {
                let (x, xv) = self.strided_of(&ins[0])?;
                let (w, wv) = self.strided_of(&ins[1])?;
                let body = KernelBody::Conv { params, x: xv, w: wv };
                self.template(t, body, vec![x, w])
            }
            Prim::Gather { axis } => {
                let (x, idx) = (self.buffer_of(&ins[0])?, self.buffer_of(&ins[1])?);
                let s = ins[0].shape();
                let body = KernelBody::Gather {
                    outer: numel(&s[..axis]),
                    axis_len: s[axis],
                    n_idx: ins[1].numel(),
                    inner: numel(&s[axis + 1..]),
                };
                let k = Kernel {
                    num_inputs: 2,
                    out_shape: t.shape().to_vec(),
                    out_dtype: d,
                    body,
                };
                Ok(Lowered::Buf(self.plan.kernel(k, &[x, idx])?))
            }
            Prim::ScatterAdd { axis, size } => {
                let (u, idx) = (self.buffer_of(&ins[0])?, self.buffer_of(&ins[1])?);
                let s = ins[0].shape();
                let body = KernelBody::ScatterAdd {
                    outer: numel(&s[..axis]),
                    n_idx: s[axis],
                    inner: numel(&s[axis + 1..]),
                    axis_len: size,
                };
                let k = Kernel {
                    num_inputs: 2,
                    out_shape: t.shape().to_vec(),
                    out_dtype: d,
                    body,
                };
                Ok(Lowered::Buf(self.plan.kernel(k, &[u, idx])?))
            }
            p => Err(Error::backend("scheduler", format!("no lowering for {}", p.name()))),
        }
    }

    /// A matmul/conv: deferred as a [`Template`] leaf when its one consumer may fuse it, else run.
    fn template(&mut self, t: &Tensor, body: KernelBody, inputs: Vec<Buffer>) -> Result<Lowered> {
        let tpl = Template {
            body,
            shape: t.shape().to_vec(),
            inputs,
            done: Mutex::new(None),
        };
        if t.dtype() == DType::F32 && self.deferrable.contains(&t.id()) {
            return Ok(Lowered::Lazy(Arc::new(LazyNode::Leaf {
                src: LazySource::Template(Arc::new(tpl)),
                view: View::contiguous(t.shape()),
                dtype: DType::F32,
            })));
        }
        Ok(Lowered::Buf(tpl.run(self.plan)?))
    }

    fn lower_movement(&mut self, t: &Tensor, p: &Prim) -> Result<Lowered> {
        let input = &t.inputs()[0];
        let in_shape = input.shape().to_vec();
        let e = self.expr_of(input)?;
        if let LazyNode::Const(s) = e.as_ref() {
            if !matches!(p, Prim::Pad(_)) {
                return Ok(Lowered::Lazy(Arc::new(LazyNode::Const(*s))));
            }
        }
        let apply = |v: &View| moved_view(p, v);
        if let Prim::Pad(pads) = p {
            if let Some(padded) = pad_expr(&e, &in_shape, pads) {
                return Ok(Lowered::Lazy(padded));
            }
        } else if let Some(moved) = map_views(&e, &apply) {
            return Ok(Lowered::Lazy(moved));
        }
        let b = self.buffer_of(input)?;
        map_views(&leaf(b, &in_shape), &apply)
            .map(Lowered::Lazy)
            .ok_or_else(|| {
                Error::backend(
                    "scheduler",
                    format!("{} not expressible on a contiguous buffer", p.name()),
                )
            })
    }
}

/// `v` moved by the movement primitive `p` (None for other primitives, or a reshape that the
/// view cannot express).
fn moved_view(p: &Prim, v: &View) -> Option<View> {
    match p {
        Prim::Reshape(to) => v.reshape(to),
        Prim::Permute(perm) => Some(v.permute(perm)),
        Prim::Expand(to) => Some(v.expand(to)),
        Prim::Pad(pads) => Some(v.pad(pads)),
        Prim::Slice { start, len, step } => Some(v.slice(start, len, step)),
        Prim::Flip(axes) => Some(v.flip(axes)),
        _ => None,
    }
}

/// Movements a matmul/conv reads its operand through (as a view of the moved value), rather
/// than having the moved value computed into a buffer of its own.
fn read_through(p: &Prim) -> bool {
    matches!(p, Prim::Permute(_) | Prim::Reshape(_) | Prim::Expand(_))
}

/// Nodes that a matmul or conv reads as an operand, directly or through permutes, reshapes and
/// broadcasts (which it reads as views).
fn template_operands(order: &[Tensor]) -> HashSet<u64> {
    let mut out = HashSet::default();
    for t in order {
        if !matches!(t.prim(), Prim::MatMul | Prim::Conv(_)) {
            continue;
        }
        for input in t.inputs().iter().take(2) {
            let mut v = input.clone();
            while read_through(v.prim()) && !v.is_realized() {
                let Some(next) = v.inputs().first().cloned() else { break };
                v = next;
            }
            out.insert(v.id());
        }
    }
    out
}

/// Pending (unrealized) nodes reachable from `targets`, inputs before users.
fn pending_order(targets: &[&Tensor]) -> Vec<Tensor> {
    let mut order = vec![];
    let mut seen = HashSet::default();
    let mut stack: Vec<(Tensor, bool)> = targets.iter().map(|t| ((*t).clone(), false)).collect();
    while let Some((t, expanded)) = stack.pop() {
        if expanded {
            order.push(t);
            continue;
        }
        if t.is_realized() || !seen.insert(t.id()) {
            continue;
        }
        stack.push((t.clone(), true));
        for i in t.inputs().iter().rev() {
            if !i.is_realized() && !seen.contains(&i.id()) {
                stack.push((i.clone(), false));
            }
        }
    }
    order
}

/// Realizes all `targets` together (shared work is done once).
pub fn realize(targets: &[&Tensor]) -> Result<()> {
    match schedule(targets)? {
        Some(bound) => bound.device().run(&bound),
        None => Ok(()),
    }
}

/// The schedule that computes `targets`, bound to their graph's buffers, without running it
/// (`Device::run` does); None when nothing is pending. On a backend that compiles whole programs
/// (PJRT) the schedule is one step, the program.
pub fn schedule(targets: &[&Tensor]) -> Result<Option<BoundSchedule>> {
    let order = pending_order(targets);
    let Some(first) = order.first() else { return Ok(None) };
    let dev = first.device();
    #[cfg(not(target_arch = "wasm32"))]
    let t0 = std::time::Instant::now();
    // What a program must return besides the targets depends on who else holds its values.
    let held = if dev.compiles_graphs() {
        program::held_outside(&order)
    } else {
        HashSet::default()
    };
    let described = plan::describe(&dev, &order, targets, &held)?;
    let schedule = match dev.schedule_for(&described.key) {
        Some(s) => s,
        None => {
            let planner = Planner::new(&dev, &described.leaves);
            if dev.compiles_graphs() {
                program::plan(&planner, targets, &order, &held)?;
            } else {
                walk(&planner, targets, &order)?;
            }
            let s = Arc::new(planner.finish());
            dev.keep_schedule(described.key.clone(), s.clone());
            s
        }
    };
    #[cfg(not(target_arch = "wasm32"))]
    dev.add_scheduling_time(t0.elapsed().as_nanos() as u64);
    Ok(Some(BoundSchedule::new(&dev, schedule, order, described)))
}

/// The scheduler's walk over the pending nodes (inputs before users): lowers each, records the
/// kernels that must run and the results nodes keep.
fn walk(plan: &Planner, targets: &[&Tensor], order: &[Tensor]) -> Result<()> {
    let mut consumers: HashMap<u64, usize> = HashMap::default();
    for t in order {
        for i in t.inputs() {
            *consumers.entry(i.id()).or_default() += 1;
        }
    }
    let target_ids: HashSet<u64> = targets.iter().map(|t| t.id()).collect();
    let deferrable = order
        .iter()
        .filter(|t| matches!(t.prim(), Prim::MatMul | Prim::Conv(_)))
        .filter(|t| consumers.get(&t.id()) == Some(&1) && !target_ids.contains(&t.id()))
        .map(|t| t.id())
        .collect();
    let operands = template_operands(order);
    let mut s = Scheduler {
        plan,
        lowered: HashMap::default(),
        deferrable,
    };
    for (pos, t) in order.iter().enumerate() {
        let mut low = s.lower(t)?;
        let compute = matches!(t.prim(), Prim::Unary(_) | Prim::Binary(_) | Prim::Where | Prim::Cast(_));
        let many = consumers.get(&t.id()).copied().unwrap_or(0) > 1;
        let shared = compute && many;
        if let Lowered::Lazy(e) = &low {
            // A shared expression is recomputed by each consumer when small (and shared within
            // one kernel through CSE), stored once when large. One that reads a pending
            // matmul/conv is stored (with its epilogue fused) so consumers never redo the template.
            let large = shared && footprint(e, &mut HashSet::default()) > MAX_RECOMPUTE_NODES;
            let mut pending = vec![];
            if many {
                templates_in(e, &mut pending);
            }
            // A shared value that a matmul/conv reads needs a buffer anyway: store it now, so
            // the other consumers read it instead of recomputing it from its own inputs.
            let stored_anyway = shared && operands.contains(&t.id());
            if large || stored_anyway || !pending.is_empty() || target_ids.contains(&t.id()) {
                low = Lowered::Buf(materialize(s.plan, e, t.shape())?);
            }
        }
        if let Lowered::Buf(b) = &low {
            s.plan.output(pos, b)?;
        }
        s.lowered.insert(t.id(), low);
    }
    Ok(())
}
