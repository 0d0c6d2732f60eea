//! Reductions. The expression's iteration space is permuted so the reduced axes come last; then
//! output `j` reduces the contiguous linear range `j*R .. (j+1)*R` of the permuted space, which
//! is evaluated block-wise like an elementwise kernel. Work is split over outputs, or, when there
//! are few outputs, over parts of each output's range (combined in a fixed order).

use ferroflow_core::ir::{Expr, ExprOp, ReduceOp, Source};
use ferroflow_core::{DType, HostData, Result};

use crate::cpu::alloc::alloc;
use crate::cpu::bounds::numel;
use crate::cpu::elem::Elem;
use crate::cpu::err;
use crate::cpu::eval::Program;
use crate::cpu::ops::head;
use crate::cpu::par;

/// A compiled reduction.
#[derive(Debug, Clone)]
pub(crate) struct ReducePlan {
    op: ReduceOp,
    prog: Program,
    /// Number of outputs.
    outer: usize,
    /// Elements reduced into each output.
    red: usize,
    /// Iterate reduced axes outermost (`prog` is permuted to reduced ++ kept) and accumulate whole
    /// rows of outputs at once; chosen when the inputs are contiguous along a kept axis.
    outer_first: bool,
    /// Iterate in the expression's own order, group by group (see [`Groups`]); takes precedence.
    groups: Option<Groups>,
}

/// The natural-order strategy for reductions whose innermost axes are kept and whose leading axes
/// are kept (pooling windows `[N, OH, kh, OW, kw, C]`, per-row statistics over `[B, T, C]`): the
/// positions from the first reduced axis on form a *group* that feeds its own block of outputs,
/// and within a group every run of `run` positions (the trailing kept axes) feeds `run`
/// consecutive outputs. Loads then stream through memory in order (in place, no gathering), and
/// groups split over threads with disjoint outputs; each output folds its inputs in the
/// expression's order whatever the thread count.
#[derive(Debug, Clone)]
struct Groups {
    /// Positions per group.
    size: usize,
    /// Outputs per group.
    outs: usize,
    /// Positions per run (product of the axes after the last reduced one).
    run: usize,
    /// Output offset within its group of each run of a group.
    run_out: Vec<usize>,
}

impl Groups {
    /// Smallest run worth the strategy: the fold of a run into its outputs is one vector loop.
    const MIN_RUN: usize = 8;

    fn plan(shape: &[usize], axes: &[usize], block: usize) -> Option<Groups> {
        let (&first, &last) = (axes.first()?, axes.last()?);
        if first == 0 || last + 1 >= shape.len() {
            return None;
        }
        let run: usize = shape[last + 1..].iter().product();
        let size: usize = shape[first..].iter().product();
        if run < Self::MIN_RUN || run > block / 2 || size == 0 {
            return None;
        }
        // Output offset of each run: mixed radix over dims first..=last, reduced dims skipped.
        let dims = &shape[first..=last];
        let mut run_out = Vec::with_capacity(size / run);
        let mut idx = vec![0usize; dims.len()];
        for _ in 0..size / run {
            let mut off = 0;
            for (d, &i) in idx.iter().enumerate() {
                if !axes.contains(&(first + d)) {
                    off = off * dims[d] + i;
                }
            }
            run_out.push(off * run);
            for d in (0..dims.len()).rev() {
                idx[d] += 1;
                if idx[d] < dims[d] {
                    break;
                }
                idx[d] = 0;
            }
        }
        let outs = size / axes.iter().map(|&a| shape[a]).product::<usize>().max(1);
        Some(Groups {
            size,
            outs,
            run,
            run_out,
        })
    }
}

impl ReducePlan {
    pub(crate) fn build(
        op: ReduceOp,
        axes: &[usize],
        expr: &Expr,
        out_shape: &[usize],
        out_dtype: DType,
        num_inputs: usize,
    ) -> Result<ReducePlan> {
        let rank = expr.shape.len();
        if axes.windows(2).any(|w| w[0] >= w[1]) || axes.iter().any(|&a| a >= rank) {
            return Err(err(format!("reduce axes {axes:?} invalid for rank {rank}")));
        }
        let mut expect = expr.shape.clone();
        for &a in axes {
            expect[a] = 1;
        }
        if expect != out_shape {
            return Err(err(format!("reduce output shape {out_shape:?}, expected {expect:?}")));
        }
        if expr.dtype() != out_dtype {
            return Err(err(format!("reduce of {} declared as {out_dtype}", expr.dtype())));
        }
        if out_dtype == DType::Bool && matches!(op, ReduceOp::Sum | ReduceOp::Prod) {
            return Err(err("sum/prod of bool is not a reduction (cast first)"));
        }
        let kept: Vec<usize> = (0..rank).filter(|d| !axes.contains(d)).collect();
        let outer = numel("reduce", &kept.iter().map(|&d| expr.shape[d]).collect::<Vec<_>>())?;
        let red = numel("reduce", &axes.iter().map(|&d| expr.shape[d]).collect::<Vec<_>>())?;
        let innermost_kept = innermost_is_kept(expr, axes);
        let groups = if innermost_kept && outer > 1 {
            let natural = Program::build(expr, None, num_inputs)?;
            Groups::plan(&expr.shape, axes, natural.block()).map(|g| (g, natural))
        } else {
            None
        };
        if let Some((g, prog)) = groups {
            return Ok(ReducePlan {
                op,
                prog,
                outer,
                red,
                outer_first: false,
                groups: Some(g),
            });
        }
        let outer_first = outer > 1 && (red < 32 || innermost_kept);
        let perm: Vec<usize> = if outer_first {
            axes.iter().chain(&kept).copied().collect()
        } else {
            kept.iter().chain(axes).copied().collect()
        };
        let prog = Program::build(expr, Some(&perm), num_inputs)?;
        Ok(ReducePlan {
            op,
            prog,
            outer,
            red,
            outer_first,
            groups: None,
        })
    }

    pub(crate) fn run(&self, inputs: &[&HostData]) -> Result<HostData> {
        self.prog.check_inputs(inputs)?;
        match (self.op, self.prog.dtype()) {
            (ReduceOp::Sum, DType::F32) => self.go::<SumF32>(inputs),
            (ReduceOp::Prod, DType::F32) => self.go::<ProdF32>(inputs),
            (ReduceOp::Max, DType::F32) => self.go::<MaxF32>(inputs),
            (ReduceOp::Min, DType::F32) => self.go::<MinF32>(inputs),
            (ReduceOp::Sum, DType::I32) => self.go::<SumI32>(inputs),
            (ReduceOp::Prod, DType::I32) => self.go::<ProdI32>(inputs),
            (ReduceOp::Max, DType::I32) => self.go::<MaxI32>(inputs),
            (ReduceOp::Min, DType::I32) => self.go::<MinI32>(inputs),
            (ReduceOp::Max, DType::Bool) => self.go::<AnyBool>(inputs),
            (ReduceOp::Min, DType::Bool) => self.go::<AllBool>(inputs),
            (_, DType::Bool) => Err(err("sum/prod of bool is not a reduction (cast first)")),
        }
    }

    // Kept out of line, like the strategies below, so each (reducer, strategy) pair is its own
    // function: wasm engines compile lazily per function, so a step compiles only the pairs it
    // runs instead of all forty inlined into `run` (see npm/scripts/build.mjs's wasm-opt flags).
    #[inline(never)]
    fn go<R: Reducer>(&self, inputs: &[&HostData]) -> Result<HostData> {
        let (o, r) = (self.outer, self.red);
        let mut out = alloc(o, R::finish(R::init()))?;
        if o == 0 || r == 0 {
            return Ok(R::T::into_host(out));
        }
        let cost = self.prog.cost();
        let t = par::threads();
        if let Some(g) = &self.groups {
            self.go_groups::<R>(g, &mut out, inputs)?;
        } else if self.outer_first {
            self.go_outer_first::<R>(&mut out, inputs)?;
        } else if t > 1 && o < 2 * t && r >= 4 * self.prog.block() {
            // Few outputs with long reductions: split each one.
            for (j, dst) in out.iter_mut().enumerate() {
                let block = self.prog.block();
                let chunk = par::chunk_len(r, cost, 4 * block, block);
                let parts = r.div_ceil(chunk);
                let accs = par::try_map(parts, |p| {
                    let lin0 = j * r + p * chunk;
                    let lin1 = (lin0 + chunk).min((j + 1) * r);
                    self.fold_range::<R>(inputs, lin0, lin1)
                })?;
                *dst = R::finish(accs.into_iter().fold(R::init(), R::merge));
            }
        } else {
            let chunk = par::chunk_len(o, r.saturating_mul(cost), 1, 1);
            par::try_chunks_mut(&mut out, chunk, |ci, dst| {
                self.fold_outputs::<R>(inputs, ci * chunk, dst)
            })?;
        }
        Ok(R::T::into_host(out))
    }

    /// Natural order, whole groups per task (see [`Groups`]).
    #[inline(never)]
    fn go_groups<R: Reducer>(&self, g: &Groups, out: &mut [R::T], inputs: &[&HostData]) -> Result<()> {
        let block = self.prog.block();
        let bad = || err("internal: reduce group out of range");
        let count = self.outer / g.outs.max(1);
        let per_task = par::chunk_len(count, g.size.saturating_mul(self.prog.cost()), 1, 1);
        par::try_chunks_mut(out, per_task * g.outs, |ci, dst| {
            let mut accs = vec![R::init(); dst.len()];
            let lin0 = ci * per_task * g.size;
            let lin1 = lin0 + dst.len() / g.outs * g.size;
            // Blocks hold whole runs: whole groups when they fit, else parts of one group.
            let step = if g.size <= block {
                (block / g.size) * g.size
            } else {
                (block / g.run) * g.run
            };
            let mut s = self.prog.scratch(inputs, step.min(lin1 - lin0))?;
            let mut pos = lin0;
            while pos < lin1 {
                let n = step.min(lin1 - pos);
                let vals = R::T::reg(self.prog.eval_block(&mut s, inputs, pos, n)?).ok_or_else(bad)?;
                for (k, xs) in head(vals, n).chunks_exact(g.run).enumerate() {
                    let p = pos + k * g.run;
                    let (grp, r) = ((p - lin0) / g.size, (p % g.size) / g.run);
                    let o = grp * g.outs + g.run_out.get(r).copied().ok_or_else(bad)?;
                    R::fold_elems(accs.get_mut(o..o + g.run).ok_or_else(bad)?, xs);
                }
                pos += n;
            }
            for (d, a) in dst.iter_mut().zip(accs) {
                *d = R::finish(a);
            }
            Ok(())
        })
    }

    /// Reduced-axes-outermost order: position `r * O + j` feeds output `j`. Work is split into
    /// tiles of outputs times parts of the reduced range; parts are merged in order.
    #[inline(never)]
    fn go_outer_first<R: Reducer>(&self, out: &mut [R::T], inputs: &[&HostData]) -> Result<()> {
        let (o, r) = (self.outer, self.red);
        let t = par::threads();
        // Short tiles keep each tile's registers (and the rows of input they gather) in L1, which
        // pays off because every tile is evaluated once per reduced row (pooling windows).
        let width = o.min(self.prog.block()).min(OUTER_TILE);
        let tiles = o.div_ceil(width);
        let want_tasks = if t > 1 { 4 * t } else { 1 };
        let min_rows = (1usize << 15).div_ceil(width * self.prog.cost()).max(1);
        let parts = if tiles >= want_tasks {
            1
        } else {
            want_tasks.div_ceil(tiles).min(r.div_ceil(min_rows)).max(1)
        };
        let rows_per_part = r.div_ceil(parts);
        let parts = r.div_ceil(rows_per_part);
        let partials = par::try_map(tiles * parts, |task| {
            let (tile, part) = (task / parts, task % parts);
            let j0 = tile * width;
            let w = width.min(o - j0);
            let r0 = part * rows_per_part;
            self.fold_outer::<R>(inputs, j0, w, r0, (r0 + rows_per_part).min(r))
        })?;
        for (tile, chunk) in partials.chunks(parts).enumerate() {
            let j0 = tile * width;
            let mut it = chunk.iter();
            let Some(first) = it.next() else { continue };
            let mut acc = first.clone();
            for p in it {
                for (a, &b) in acc.iter_mut().zip(p) {
                    *a = R::merge(*a, b);
                }
            }
            let dst = out
                .get_mut(j0..j0 + acc.len())
                .ok_or_else(|| err("internal: reduce tile out of range"))?;
            for (d, a) in dst.iter_mut().zip(acc) {
                *d = R::finish(a);
            }
        }
        Ok(())
    }

    /// Accumulates outputs `j0..j0 + w` over reduced rows `r0..r1` (outer-first order).
    fn fold_outer<R: Reducer>(
        &self,
        inputs: &[&HostData],
        j0: usize,
        w: usize,
        r0: usize,
        r1: usize,
    ) -> Result<Vec<R::Acc>> {
        let o = self.outer;
        let mut accs = vec![R::init(); w];
        let bad = || err("internal: reduce segment out of range");
        if w == o {
            // Whole rows: consecutive rows are adjacent in the iteration space.
            let (lin0, lin1) = (r0 * o, r1 * o);
            let mut s = self.prog.scratch(inputs, (lin1 - lin0).min(self.prog.block()))?;
            let mut pos = lin0;
            while pos < lin1 {
                let n = (lin1 - pos).min(self.prog.block());
                let vals = R::T::reg(self.prog.eval_block(&mut s, inputs, pos, n)?).ok_or_else(bad)?;
                let mut p = 0;
                while p < n {
                    let j = (pos + p) % o;
                    let len = (o - j).min(n - p);
                    R::fold_elems(
                        accs.get_mut(j..j + len).ok_or_else(bad)?,
                        vals.get(p..p + len).ok_or_else(bad)?,
                    );
                    p += len;
                }
                pos += n;
            }
        } else {
            let mut s = self.prog.scratch(inputs, w)?;
            for row in r0..r1 {
                let vals = R::T::reg(self.prog.eval_block(&mut s, inputs, row * o + j0, w)?).ok_or_else(bad)?;
                R::fold_elems(&mut accs, head(vals, w));
            }
        }
        Ok(accs)
    }

    /// Reduces linear positions `lin0..lin1`, all belonging to one output.
    #[inline(never)]
    fn fold_range<R: Reducer>(&self, inputs: &[&HostData], lin0: usize, lin1: usize) -> Result<R::Acc> {
        let mut acc = R::init();
        let mut s = self.prog.scratch(inputs, (lin1 - lin0).min(self.prog.block()))?;
        let mut pos = lin0;
        while pos < lin1 {
            let n = (lin1 - pos).min(self.prog.block());
            let reg = self.prog.eval_block(&mut s, inputs, pos, n)?;
            let vals = R::T::reg(reg).ok_or_else(|| err("internal: reduce register type"))?;
            acc = R::fold(acc, head(vals, n));
            pos += n;
        }
        Ok(acc)
    }

    /// Computes outputs `j0 .. j0 + dst.len()`.
    #[inline(never)]
    fn fold_outputs<R: Reducer>(&self, inputs: &[&HostData], j0: usize, dst: &mut [R::T]) -> Result<()> {
        let r = self.red;
        let mut accs = vec![R::init(); dst.len()];
        let lin0 = j0 * r;
        let lin1 = lin0 + dst.len() * r;
        let mut s = self.prog.scratch(inputs, (lin1 - lin0).min(self.prog.block()))?;
        let mut pos = lin0;
        while pos < lin1 {
            let n = (lin1 - pos).min(self.prog.block());
            let reg = self.prog.eval_block(&mut s, inputs, pos, n)?;
            let vals = R::T::reg(reg).ok_or_else(|| err("internal: reduce register type"))?;
            let mut p = 0;
            while p < n {
                let j = (pos + p) / r;
                let end = ((j + 1) * r - pos).min(n);
                let (Some(seg), Some(acc)) = (vals.get(p..end), accs.get_mut(j - j0)) else {
                    return Err(err("internal: reduce segment out of range"));
                };
                *acc = R::fold(*acc, seg);
                p = end;
            }
            pos += n;
        }
        for (d, a) in dst.iter_mut().zip(accs) {
            *d = R::finish(a);
        }
        Ok(())
    }
}

/// A reduction's accumulator algebra.
trait Reducer {
    type T: Elem;
    type Acc: Copy + Send + Sync;
    fn init() -> Self::Acc;
    fn fold(acc: Self::Acc, xs: &[Self::T]) -> Self::Acc;
    fn merge(a: Self::Acc, b: Self::Acc) -> Self::Acc;
    fn finish(acc: Self::Acc) -> Self::T;
    /// One element as an accumulator.
    fn lift(x: Self::T) -> Self::Acc;
    /// `acc[i] = merge(acc[i], x[i])`.
    #[inline(always)]
    fn fold_elems(acc: &mut [Self::Acc], xs: &[Self::T]) {
        for (a, &x) in acc.iter_mut().zip(xs) {
            *a = Self::merge(*a, Self::lift(x));
        }
    }
}

/// True when, for most input loads, the dim with the smallest nonzero stride is not reduced.
fn innermost_is_kept(expr: &Expr, axes: &[usize]) -> bool {
    let mut votes = 0i64;
    for node in &expr.nodes {
        if let ExprOp::Load {
            src: Source::Input(_),
            view,
        } = &node.op
        {
            let fastest = (0..view.shape.len())
                .filter(|&d| view.shape[d] > 1 && view.strides.get(d).is_some_and(|&s| s != 0))
                .min_by_key(|&d| view.strides.get(d).map_or(0, |s| s.unsigned_abs()));
            match fastest {
                Some(d) if axes.contains(&d) => votes -= 1,
                Some(_) => votes += 1,
                None => {}
            }
        }
    }
    votes > 0
}

/// Most outputs per tile of the reduced-axes-outermost order.
const OUTER_TILE: usize = 1024;

const LANES: usize = 8;

/// f32 sum accumulated in f64 (eight independent lanes, so it vectorizes).
struct SumF32;
impl Reducer for SumF32 {
    type T = f32;
    type Acc = f64;
    fn init() -> f64 {
        0.0
    }
    fn fold(acc: f64, xs: &[f32]) -> f64 {
        let mut lanes = [0f64; LANES];
        let mut it = xs.chunks_exact(LANES);
        for c in &mut it {
            for l in 0..LANES {
                lanes[l] += c[l] as f64;
            }
        }
        let mut s = acc;
        for l in lanes {
            s += l;
        }
        for &x in it.remainder() {
            s += x as f64;
        }
        s
    }
    fn merge(a: f64, b: f64) -> f64 {
        a + b
    }
    fn finish(acc: f64) -> f32 {
        acc as f32
    }
    fn lift(x: f32) -> f64 {
        x as f64
    }
}

/// f32 product accumulated in f64.
struct ProdF32;
impl Reducer for ProdF32 {
    type T = f32;
    type Acc = f64;
    fn init() -> f64 {
        1.0
    }
    fn fold(acc: f64, xs: &[f32]) -> f64 {
        let mut lanes = [1f64; LANES];
        let mut it = xs.chunks_exact(LANES);
        for c in &mut it {
            for l in 0..LANES {
                lanes[l] *= c[l] as f64;
            }
        }
        let mut p = acc;
        for l in lanes {
            p *= l;
        }
        for &x in it.remainder() {
            p *= x as f64;
        }
        p
    }
    fn merge(a: f64, b: f64) -> f64 {
        a * b
    }
    fn finish(acc: f64) -> f32 {
        acc as f32
    }
    fn lift(x: f32) -> f64 {
        x as f64
    }
}

/// NaN-sticky max step: once a lane is NaN it stays NaN.
#[inline(always)]
fn max_step(m: f32, x: f32) -> f32 {
    if x > m || x.is_nan() {
        x
    } else {
        m
    }
}

#[inline(always)]
fn min_step(m: f32, x: f32) -> f32 {
    if x < m || x.is_nan() {
        x
    } else {
        m
    }
}

#[inline(always)]
fn fold_lanes_f32(acc: f32, xs: &[f32], step: impl Fn(f32, f32) -> f32) -> f32 {
    let mut lanes = [acc; LANES];
    let mut it = xs.chunks_exact(LANES);
    for c in &mut it {
        for l in 0..LANES {
            lanes[l] = step(lanes[l], c[l]);
        }
    }
    let mut m = acc;
    for l in lanes {
        m = step(m, l);
    }
    for &x in it.remainder() {
        m = step(m, x);
    }
    m
}

struct MaxF32;
impl Reducer for MaxF32 {
    type T = f32;
    type Acc = f32;
    fn init() -> f32 {
        f32::NEG_INFINITY
    }
    fn fold(acc: f32, xs: &[f32]) -> f32 {
        fold_lanes_f32(acc, xs, max_step)
    }
    fn merge(a: f32, b: f32) -> f32 {
        // The step is NaN-sticky in its first argument, so this is NaN whenever a or b is.
        max_step(a, b)
    }
    fn finish(acc: f32) -> f32 {
        acc
    }
    fn lift(x: f32) -> f32 {
        x
    }
}

struct MinF32;
impl Reducer for MinF32 {
    type T = f32;
    type Acc = f32;
    fn init() -> f32 {
        f32::INFINITY
    }
    fn fold(acc: f32, xs: &[f32]) -> f32 {
        fold_lanes_f32(acc, xs, min_step)
    }
    fn merge(a: f32, b: f32) -> f32 {
        // The step is NaN-sticky in its first argument, so this is NaN whenever a or b is.
        min_step(a, b)
    }
    fn finish(acc: f32) -> f32 {
        acc
    }
    fn lift(x: f32) -> f32 {
        x
    }
}

macro_rules! int_reducer {
    ($name:ident, $t:ty, $init:expr, $f:expr) => {
        struct $name;
        impl Reducer for $name {
            type T = $t;
            type Acc = $t;
            fn init() -> $t {
                $init
            }
            fn fold(acc: $t, xs: &[$t]) -> $t {
                xs.iter().fold(acc, |a, &x| $f(a, x))
            }
            fn merge(a: $t, b: $t) -> $t {
                $f(a, b)
            }
            fn finish(acc: $t) -> $t {
                acc
            }
            fn lift(x: $t) -> $t {
                x
            }
        }
    };
}

int_reducer!(SumI32, i32, 0, i32::wrapping_add);
int_reducer!(ProdI32, i32, 1, i32::wrapping_mul);
int_reducer!(MaxI32, i32, i32::MIN, i32::max);
int_reducer!(MinI32, i32, i32::MAX, i32::min);
int_reducer!(AnyBool, bool, false, |a: bool, b: bool| a | b);
int_reducer!(AllBool, bool, true, |a: bool, b: bool| a & b);
