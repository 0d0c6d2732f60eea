//! The expression evaluator: an elementwise/reduce kernel's SSA expression compiled to a list of
//! steps over typed register blocks. Each block of the (coalesced) iteration space is evaluated
//! op by op with tight loops; nodes that do not depend on the position (constants, broadcast
//! scalars and anything computed only from them) are evaluated once per scratch.

use ferroflow_core::ir::{BinaryOp, Expr, ExprOp, Source, UnaryOp, View};
use std::cell::RefCell;

use ferroflow_core::{DType, HostData, Result, Scalar};

use crate::cpu::alloc::alloc_dirty;
use crate::cpu::bounds::{check_range, check_view, numel, offset_range};
use crate::cpu::elem::Elem;
use crate::cpu::err;
use crate::cpu::load::{coalesce, fill_arange, fill_const, fill_input, fill_rand, fill_tile, walk, Strided};
use crate::cpu::ops::{self, binary_result, head_mut, unary_accepts};
use crate::cpu::par;

/// Smallest and largest number of positions evaluated together. The block is sized so all of a
/// program's registers fit in about `SCRATCH_BYTES` (L2): long blocks keep the per-block overhead
/// and the interleaving of input streams low, short ones keep big expressions in cache.
const MIN_BLOCK: usize = 1024;
const MAX_BLOCK: usize = 8192;
const SCRATCH_BYTES: usize = 256 << 10;

/// Positions per 2-D tile of the transposing iteration.
const TILE: usize = 1024;

/// Tile width for transposing iteration (tiles are `TILE / TILE_COLS` rows high).
const TILE_COLS: usize = 32;

/// A register block of one node's values.
#[derive(Debug, Clone)]
pub(crate) enum Reg {
    F32(Vec<f32>),
    I32(Vec<i32>),
    Bool(Vec<bool>),
}

/// A read-only operand block: a register's values or a slice read in place from an input buffer
/// or a periodic pattern.
#[derive(Debug, Clone, Copy)]
pub(crate) enum InBlock<'a> {
    F32(&'a [f32]),
    I32(&'a [i32]),
    Bool(&'a [bool]),
}

/// Where an operation writes its block of values: a register, or a slice of the kernel's output
/// (the last operation writes there directly instead of into a register that is then copied).
#[derive(Debug)]
pub(crate) enum OutBlock<'a> {
    F32(&'a mut [f32]),
    I32(&'a mut [i32]),
    Bool(&'a mut [bool]),
}

/// Where a load's values for the current block already lie contiguously, so operations read them
/// in place instead of from a copy in the load's register.
#[derive(Debug, Clone, Copy)]
enum Direct {
    /// `inputs[slot][base..base + n]`.
    Input(usize, usize),
    /// The node's pattern from this index on.
    Pattern(usize),
}

/// The first `n` values of `h` from `at` on, if all in range.
fn host_opnd(h: &HostData, at: usize, n: usize) -> Option<InBlock<'_>> {
    let end = at.checked_add(n)?;
    match h {
        HostData::F32(v) => v.get(at..end).map(InBlock::F32),
        HostData::I32(v) => v.get(at..end).map(InBlock::I32),
        HostData::Bool(v) => v.get(at..end).map(InBlock::Bool),
    }
}

/// The first `n` values of `r` from `at` on, if all in range.
fn reg_opnd(r: &Reg, at: usize, n: usize) -> Option<InBlock<'_>> {
    let end = at.checked_add(n)?;
    match r {
        Reg::F32(v) => v.get(at..end).map(InBlock::F32),
        Reg::I32(v) => v.get(at..end).map(InBlock::I32),
        Reg::Bool(v) => v.get(at..end).map(InBlock::Bool),
    }
}

/// Node `j`'s values for the current block: its register, or where they are read in place.
fn operand<'a>(
    j: usize,
    regs: &'a [Reg],
    patterns: &'a [Option<Reg>],
    direct: &[Option<Direct>],
    inputs: &[&'a HostData],
    n: usize,
) -> Option<InBlock<'a>> {
    match direct.get(j).copied().flatten() {
        None => regs.get(j).map(Reg::view),
        Some(Direct::Input(slot, base)) => inputs.get(slot).and_then(|h| host_opnd(h, base, n)),
        Some(Direct::Pattern(at)) => patterns
            .get(j)
            .and_then(|p| p.as_ref())
            .and_then(|p| reg_opnd(p, at, n)),
    }
}

impl Reg {
    fn dst(&mut self) -> OutBlock<'_> {
        match self {
            Reg::F32(v) => OutBlock::F32(v),
            Reg::I32(v) => OutBlock::I32(v),
            Reg::Bool(v) => OutBlock::Bool(v),
        }
    }

    fn view(&self) -> InBlock<'_> {
        match self {
            Reg::F32(v) => InBlock::F32(v),
            Reg::I32(v) => InBlock::I32(v),
            Reg::Bool(v) => InBlock::Bool(v),
        }
    }

    fn dtype(&self) -> DType {
        match self {
            Reg::F32(_) => DType::F32,
            Reg::I32(_) => DType::I32,
            Reg::Bool(_) => DType::Bool,
        }
    }

    fn len(&self) -> usize {
        match self {
            Reg::F32(v) => v.len(),
            Reg::I32(v) => v.len(),
            Reg::Bool(v) => v.len(),
        }
    }

    /// A register of at least `n` elements (contents unspecified), reused from this thread's
    /// cache when possible: small kernels would otherwise spend much of their time allocating and
    /// zeroing registers.
    fn take(d: DType, n: usize) -> Reg {
        let cached = REG_CACHE
            .try_with(|c| {
                let mut c = c.try_borrow_mut().ok()?;
                let i = c
                    .iter()
                    .position(|r| r.dtype() == d && r.len() >= n && r.len() <= 2 * n.max(MIN_BLOCK))?;
                Some(c.swap_remove(i))
            })
            .ok()
            .flatten();
        cached.unwrap_or_else(|| Reg::zeros(d, n))
    }

    fn zeros(d: DType, n: usize) -> Reg {
        match d {
            DType::F32 => Reg::F32(vec![0.0; n]),
            DType::I32 => Reg::I32(vec![0; n]),
            DType::Bool => Reg::Bool(vec![false; n]),
        }
    }
}

#[derive(Debug, Clone)]
enum Src {
    Input(usize),
    Const(Scalar),
    Arange,
    /// Reads its seed from this input slot (int32 `[lo, hi]`).
    Rand(usize),
}

#[derive(Debug, Clone)]
enum Step {
    /// With `period`, the values repeat every `period` positions (leading broadcast dims), so
    /// they are read once per scratch into a pattern and copied from there.
    Load {
        src: Src,
        sv: Strided,
        period: Option<usize>,
    },
    Const(Scalar),
    Unary(UnaryOp, usize),
    Binary(BinaryOp, usize, usize),
    Where(usize, usize, usize),
    Cast(usize),
}

#[derive(Debug, Clone)]
struct Node {
    step: Step,
    dtype: DType,
    /// Same value at every position: evaluated once per scratch.
    invariant: bool,
    /// Rough per-element cost, for splitting work between threads.
    cost: usize,
}

/// What the program needs from one input slot.
#[derive(Debug, Clone, Default)]
struct SlotUse {
    dtype: Option<DType>,
    range: Option<(isize, isize)>,
}

/// A compiled expression over a coalesced iteration space.
#[derive(Debug, Clone)]
pub(crate) struct Program {
    nodes: Vec<Node>,
    /// The coalesced iteration space (rank >= 1).
    shape: Vec<usize>,
    /// Number of positions.
    pub(crate) numel: usize,
    slots: Vec<SlotUse>,
}

/// Per-task registers.
pub(crate) struct Scratch {
    regs: Vec<Reg>,
    /// Per node: the unrolled pattern of a periodic load.
    patterns: Vec<Option<Reg>>,
    /// Per node, for the current block: where a load's values are read in place.
    direct: Vec<Option<Direct>>,
    /// `(slot, first)`: input `slot` is a tile holding only positions `first..` (a template's
    /// result under a tile-wise epilogue); its loads must be contiguous and read in place.
    tile: Option<(usize, usize)>,
}

thread_local! {
    /// Registers of finished scratches, for reuse by the next one on this thread.
    static REG_CACHE: RefCell<Vec<Reg>> = const { RefCell::new(Vec::new()) };
}

/// Registers kept per thread.
const REG_CACHE_LEN: usize = 64;

impl Drop for Scratch {
    fn drop(&mut self) {
        let regs = std::mem::take(&mut self.regs);
        let _ = REG_CACHE.try_with(|c| {
            if let Ok(mut c) = c.try_borrow_mut() {
                for r in regs {
                    if c.len() < REG_CACHE_LEN {
                        c.push(r);
                    }
                }
            }
        });
    }
}

/// Largest period worth a pattern (shorter periods mean short runs for the walker).
const MAX_PERIOD: usize = 4096;

fn unary_cost(op: UnaryOp) -> usize {
    match op {
        UnaryOp::Neg | UnaryOp::Not | UnaryOp::Floor | UnaryOp::Ceil | UnaryOp::Round | UnaryOp::Recip => 1,
        UnaryOp::Sqrt => 2,
        _ => 12,
    }
}

impl Program {
    /// Validates `expr` against a kernel with `num_inputs` inputs and compiles it. With `perm`,
    /// the iteration space is the expression's shape permuted (dim i of the program is dim
    /// `perm[i]` of the expression), which is how reductions put their reduced axes last.
    pub(crate) fn build(expr: &Expr, perm: Option<&[usize]>, num_inputs: usize) -> Result<Program> {
        let rank = expr.shape.len();
        let n = numel("expression", &expr.shape)?;
        if expr.nodes.is_empty() {
            return Err(err("expression has no nodes"));
        }
        let perm: Vec<usize> = match perm {
            Some(p) => p.to_vec(),
            None => (0..rank).collect(),
        };
        let mut seen = vec![false; rank];
        if perm.len() != rank || perm.iter().any(|&p| p >= rank || std::mem::replace(&mut seen[p], true)) {
            return Err(err(format!("{perm:?} is not a permutation of rank {rank}")));
        }
        let pshape: Vec<usize> = perm.iter().map(|&p| expr.shape[p]).collect();
        let mut slots = vec![SlotUse::default(); num_inputs];
        let mut views: Vec<View> = Vec::new();
        for (i, node) in expr.nodes.iter().enumerate() {
            let what = format!("node {i}");
            let operand = |j: usize| -> Result<DType> {
                if j < i {
                    Ok(expr.nodes[j].dtype)
                } else {
                    Err(err(format!("{what}: operand {j} is not an earlier node")))
                }
            };
            let d = node.dtype;
            match &node.op {
                ExprOp::Load { src, view } => {
                    check_view(&what, view, &expr.shape)?;
                    let range = offset_range(&what, view)?;
                    match src {
                        Source::Input(slot) => {
                            let Some(s) = slots.get_mut(*slot) else {
                                return Err(err(format!(
                                    "{what}: loads input {slot} of a {num_inputs}-input kernel"
                                )));
                            };
                            if s.dtype.is_some_and(|x| x != d) {
                                return Err(err(format!("{what}: input {slot} is loaded with two dtypes")));
                            }
                            s.dtype = Some(d);
                            s.range = match (s.range, range) {
                                (Some((a, b)), Some((c, e))) => Some((a.min(c), b.max(e))),
                                (x, None) | (None, x) => x,
                            };
                        }
                        Source::Const(_) => {}
                        Source::Arange if d != DType::I32 => {
                            return Err(err(format!("{what}: arange loads are int32, node says {d}")))
                        }
                        Source::Rand { .. } if d != DType::F32 => {
                            return Err(err(format!("{what}: rand loads are float32, node says {d}")))
                        }
                        Source::Accumulator => {
                            return Err(err(format!(
                                "{what}: accumulator load outside an epilogue (the plan rewrites it)"
                            )))
                        }
                        Source::Rand { seed_input } => {
                            let Some(s) = slots.get_mut(*seed_input) else {
                                return Err(err(format!(
                                    "{what}: rand seed reads input {seed_input} of a {num_inputs}-input kernel"
                                )));
                            };
                            if s.dtype.is_some_and(|x| x != DType::I32) {
                                return Err(err(format!("{what}: rand seed input {seed_input} must be int32")));
                            }
                            s.dtype = Some(DType::I32);
                            s.range = match s.range {
                                Some((a, b)) => Some((a.min(0), b.max(1))),
                                None => Some((0, 1)),
                            };
                        }
                        Source::Arange => {}
                    }
                    views.push(view.permute(&perm));
                }
                ExprOp::Const(_) => {}
                ExprOp::Unary(op, a) => {
                    let da = operand(*a)?;
                    if da != d || !unary_accepts(*op, da) {
                        return Err(err(format!("{what}: {} of {da} giving {d}", op.name())));
                    }
                }
                ExprOp::Binary(op, a, b) => {
                    let (da, db) = (operand(*a)?, operand(*b)?);
                    if da != db || binary_result(*op, da) != Some(d) {
                        return Err(err(format!("{what}: {} of {da} and {db} giving {d}", op.name())));
                    }
                }
                ExprOp::Where(c, a, b) => {
                    let (dc, da, db) = (operand(*c)?, operand(*a)?, operand(*b)?);
                    if dc != DType::Bool || da != db || da != d {
                        return Err(err(format!("{what}: where({dc}, {da}, {db}) giving {d}")));
                    }
                }
                ExprOp::Cast(a) => {
                    operand(*a)?;
                }
            }
        }
        let view_refs: Vec<&View> = views.iter().collect();
        let (shape, strided) = coalesce(&pshape, &view_refs);
        let mut strided = strided.into_iter();
        let mut nodes: Vec<Node> = Vec::with_capacity(expr.nodes.len());
        for node in &expr.nodes {
            let inv = |j: &usize| nodes.get(*j).is_some_and(|n: &Node| n.invariant);
            let (step, invariant, cost) = match &node.op {
                ExprOp::Load { src, .. } => {
                    let sv = strided.next().ok_or_else(|| err("internal: load views out of step"))?;
                    let src = match src {
                        Source::Input(s) => Src::Input(*s),
                        Source::Const(c) => Src::Const(*c),
                        Source::Arange => Src::Arange,
                        Source::Rand { seed_input } => Src::Rand(*seed_input),
                        Source::Accumulator => return Err(err("internal: accumulator load in a program")),
                    };
                    let cost = if matches!(src, Src::Rand(_)) { 4 } else { 1 };
                    let invariant = sv.invariant();
                    let period = if invariant { None } else { period_of(&sv, &shape) };
                    (Step::Load { src, sv, period }, invariant, cost)
                }
                ExprOp::Const(c) => (Step::Const(*c), true, 0),
                ExprOp::Unary(op, a) => (Step::Unary(*op, *a), inv(a), unary_cost(*op)),
                ExprOp::Binary(op, a, b) => {
                    let cost = if matches!(op, BinaryOp::Pow) { 20 } else { 1 };
                    (Step::Binary(*op, *a, *b), inv(a) && inv(b), cost)
                }
                ExprOp::Where(c, a, b) => (Step::Where(*c, *a, *b), inv(c) && inv(a) && inv(b), 1),
                ExprOp::Cast(a) => (Step::Cast(*a), inv(a), 1),
            };
            let cost = if invariant { 0 } else { cost };
            nodes.push(Node {
                step,
                dtype: node.dtype,
                invariant,
                cost,
            });
        }
        Ok(Program {
            nodes,
            shape,
            numel: n,
            slots,
        })
    }

    /// Dtype of the value (the last node).
    pub(crate) fn dtype(&self) -> DType {
        self.nodes.last().map_or(DType::F32, |n| n.dtype)
    }

    /// Positions per block for this program.
    pub(crate) fn block(&self) -> usize {
        let live = self.nodes.iter().filter(|n| !n.invariant).count().max(1);
        (SCRATCH_BYTES / (4 * live)).clamp(MIN_BLOCK, MAX_BLOCK)
    }

    /// Rough work per position.
    pub(crate) fn cost(&self) -> usize {
        self.nodes.iter().map(|n| n.cost).sum::<usize>() + 1
    }

    /// Checks input dtypes and that every load stays inside its buffer.
    pub(crate) fn check_inputs(&self, inputs: &[&HostData]) -> Result<()> {
        self.check_inputs_but(inputs, None)
    }

    /// [`Self::check_inputs`], except that slot `tile` is only checked for its dtype (a tile
    /// covers part of the positions; its reads are bounds-checked block by block).
    fn check_inputs_but(&self, inputs: &[&HostData], tile: Option<usize>) -> Result<()> {
        for (i, s) in self.slots.iter().enumerate() {
            let Some(d) = s.dtype else { continue };
            let Some(data) = inputs.get(i) else {
                return Err(err(format!("missing input {i}")));
            };
            if data.dtype() != d {
                return Err(err(format!(
                    "input {i} is {}, the kernel loads it as {d}",
                    data.dtype()
                )));
            }
            if tile != Some(i) {
                check_range(&format!("input {i}"), s.range, data.len())?;
            }
        }
        Ok(())
    }

    /// Registers for blocks of up to `block` positions, with invariant nodes evaluated.
    pub(crate) fn scratch(&self, inputs: &[&HostData], block: usize) -> Result<Scratch> {
        let block = block.max(1);
        let mut s = Scratch {
            regs: self.nodes.iter().map(|n| Reg::take(n.dtype, block)).collect(),
            patterns: Vec::with_capacity(self.nodes.len()),
            direct: vec![None; self.nodes.len()],
            tile: None,
        };
        for node in &self.nodes {
            let pattern = match &node.step {
                Step::Load {
                    src,
                    sv,
                    period: Some(p),
                } => {
                    // Long enough that any block starting anywhere in the period fits.
                    let len = p * (block.div_ceil(*p) + 1);
                    let mut reg = Reg::zeros(node.dtype, len);
                    self.load_into(src, sv, inputs, &[(0, len)], None, &mut reg)?;
                    Some(reg)
                }
                _ => None,
            };
            s.patterns.push(pattern);
        }
        for i in 0..self.nodes.len() {
            if self.nodes[i].invariant {
                self.exec(i, &mut s.regs, &s.patterns, &[], inputs, &[(0, block)], block, None)?;
            }
        }
        Ok(s)
    }

    /// Evaluates positions `start..start + n` (n at most the scratch's block) and returns the
    /// value register (its first `n` entries).
    pub(crate) fn eval_block<'s>(
        &self,
        s: &'s mut Scratch,
        inputs: &[&'s HostData],
        start: usize,
        n: usize,
    ) -> Result<InBlock<'s>> {
        self.eval_runs(s, inputs, &[(start, n)])
    }

    /// Evaluates the positions of several runs `(start, len)` (at most the scratch's block in
    /// total), packed in order into the value register.
    pub(crate) fn eval_runs<'s>(
        &self,
        s: &'s mut Scratch,
        inputs: &[&'s HostData],
        runs: &[(usize, usize)],
    ) -> Result<InBlock<'s>> {
        self.eval_with(s, inputs, runs, None)
    }

    /// Evaluates an `h x w` tile given as `h` runs of `w` (rows consecutive in the second-to-last
    /// dim of the iteration space).
    fn eval_tile<'s>(
        &self,
        s: &'s mut Scratch,
        inputs: &[&'s HostData],
        runs: &[(usize, usize)],
        hw: (usize, usize),
    ) -> Result<InBlock<'s>> {
        self.eval_with(s, inputs, runs, Some(hw))
    }

    fn eval_with<'s>(
        &self,
        s: &'s mut Scratch,
        inputs: &[&'s HostData],
        runs: &[(usize, usize)],
        tile: Option<(usize, usize)>,
    ) -> Result<InBlock<'s>> {
        let n = runs.iter().map(|r| r.1).sum();
        let last = self.nodes.len().saturating_sub(1);
        self.prepare(s, inputs, runs, tile, self.nodes.len())?;
        let s: &'s Scratch = s;
        operand(last, &s.regs, &s.patterns, &s.direct, inputs, n).ok_or_else(|| err("empty program"))
    }

    /// Evaluates positions `start..start + dst.len()` (at most the scratch's block) straight into
    /// `dst`: the last node, when it is an operation, writes there instead of into its register.
    pub(crate) fn eval_block_into<T: Elem>(
        &self,
        s: &mut Scratch,
        inputs: &[&HostData],
        start: usize,
        dst: &mut [T],
    ) -> Result<()> {
        let n = dst.len();
        let last = self.nodes.len().saturating_sub(1);
        let computed = self.nodes.last().is_some_and(|node| {
            !node.invariant
                && matches!(
                    node.step,
                    Step::Unary(..) | Step::Binary(..) | Step::Where(..) | Step::Cast(..)
                )
        });
        if !computed {
            let vals =
                T::reg(self.eval_block(s, inputs, start, n)?).ok_or_else(|| err("internal: value register type"))?;
            dst.copy_from_slice(vals.get(..n).ok_or_else(|| err("internal: value register too short"))?);
            return Ok(());
        }
        self.prepare(s, inputs, &[(start, n)], None, last)?;
        self.compute(last, &s.regs, &s.patterns, &s.direct, inputs, n, T::dst(dst))
    }

    /// Sets this block's in-place loads and evaluates nodes `..upto` at the positions of `runs`.
    fn prepare(
        &self,
        s: &mut Scratch,
        inputs: &[&HostData],
        runs: &[(usize, usize)],
        tile: Option<(usize, usize)>,
        upto: usize,
    ) -> Result<()> {
        let n = runs.iter().map(|r| r.1).sum();
        for (i, node) in self.nodes.iter().enumerate() {
            let d = match (&node.step, runs) {
                (Step::Load { src, sv, period }, &[(start, _)]) if !node.invariant && tile.is_none() => {
                    self.direct_of(src, sv, *period, s.patterns.get(i), inputs, start, n, s.tile)
                }
                _ => None,
            };
            if let (Some((slot, _)), Step::Load { src: Src::Input(j), .. }) = (s.tile, &node.step) {
                if slot == *j && d.is_none() {
                    return Err(err("internal: a tile-wise epilogue must read its tile in place"));
                }
            }
            if let Some(slot) = s.direct.get_mut(i) {
                *slot = d;
            }
        }
        for i in 0..upto.min(self.nodes.len()) {
            if !self.nodes[i].invariant && s.direct.get(i).copied().flatten().is_none() {
                self.exec(i, &mut s.regs, &s.patterns, &s.direct, inputs, runs, n, tile)?;
            }
        }
        Ok(())
    }

    /// Columns per tile when the iteration should go in 2-D tiles: some load walks the last dim
    /// with a large stride (a transpose), so row-major runs would touch a cache line per element.
    fn tile_cols(&self) -> Option<usize> {
        let r = self.shape.len();
        if r < 2 || self.shape[r - 1] < 2 * TILE_COLS || self.numel / self.shape[r - 1] < 2 {
            return None;
        }
        let strided = self.nodes.iter().any(|n| match &n.step {
            Step::Load {
                src: Src::Input(_), sv, ..
            } => !n.invariant && !sv.empty && sv.strides.last().is_some_and(|s| s.unsigned_abs() >= 16),
            _ => false,
        });
        strided.then_some(TILE_COLS)
    }

    /// True when the program can run as a tile-wise epilogue whose tile is input `slot`: blocks
    /// are single runs of positions (no transposing tiles) and every load of the slot is
    /// contiguous along the positions (so it is read in place, shifted to the tile).
    pub(crate) fn tileable(&self, slot: usize) -> bool {
        self.tile_cols().is_none()
            && self.nodes.iter().all(|n| match &n.step {
                Step::Load {
                    src: Src::Input(j),
                    sv,
                    period,
                } if *j == slot => !n.invariant && period.is_none() && sv.linear && sv.strides.last() == Some(&1),
                _ => true,
            })
    }

    /// Where the `n` values of a load from position `start` on lie contiguously, if they do.
    #[allow(clippy::too_many_arguments)]
    fn direct_of(
        &self,
        src: &Src,
        sv: &Strided,
        period: Option<usize>,
        pattern: Option<&Option<Reg>>,
        inputs: &[&HostData],
        start: usize,
        n: usize,
        tile: Option<(usize, usize)>,
    ) -> Option<Direct> {
        if let (Some(p), Some(Some(pat))) = (period, pattern) {
            let at = start % p.max(1);
            return reg_opnd(pat, at, n).map(|_| Direct::Pattern(at));
        }
        let Src::Input(slot) = src else { return None };
        if sv.empty || sv.strides.last() != Some(&1) {
            return None;
        }
        let base = if sv.linear {
            Some(sv.offset_at(&self.shape, start))
        } else {
            // One valid contiguous run covering the whole block? Only possible within one row.
            let nl = self.shape.last().copied().unwrap_or(0);
            if nl == 0 || start % nl + n > nl {
                return None;
            }
            let mut one: Option<Option<isize>> = None;
            walk(sv, &self.shape, start, n, |at, len, s| {
                one = match (one, s) {
                    (None, Some((b, 1))) if at == 0 && len == n => Some(Some(b)),
                    _ => Some(None),
                };
            });
            one.flatten()
        };
        let mut base = usize::try_from(base?).ok()?;
        if let Some((_, first)) = tile.filter(|t| t.0 == *slot) {
            base = base.checked_sub(first)?;
        }
        host_opnd(inputs.get(*slot)?, base, n).map(|_| Direct::Input(*slot, base))
    }

    /// Reads a load's values at the positions of `runs` into `out`, packed in order.
    fn load_into(
        &self,
        src: &Src,
        sv: &Strided,
        inputs: &[&HostData],
        runs: &[(usize, usize)],
        tile: Option<(usize, usize)>,
        out: &mut Reg,
    ) -> Result<()> {
        let shape = &self.shape;
        match (src, out) {
            (Src::Input(slot), out) => {
                let data = inputs.get(*slot).ok_or_else(|| err(format!("missing input {slot}")))?;
                match (data, out) {
                    (HostData::F32(src), Reg::F32(o)) => {
                        if !tiled(sv, shape, runs, tile, src, o) {
                            fill_runs(o, runs, |st, d| fill_input(sv, shape, st, src, d))
                        }
                    }
                    (HostData::I32(src), Reg::I32(o)) => {
                        if !tiled(sv, shape, runs, tile, src, o) {
                            fill_runs(o, runs, |st, d| fill_input(sv, shape, st, src, d))
                        }
                    }
                    (HostData::Bool(src), Reg::Bool(o)) => {
                        if !tiled(sv, shape, runs, tile, src, o) {
                            fill_runs(o, runs, |st, d| fill_input(sv, shape, st, src, d))
                        }
                    }
                    _ => return Err(err(format!("input {slot} dtype differs from its load"))),
                }
            }
            (Src::Const(c), Reg::F32(o)) => {
                let v = f32::from_scalar(*c);
                fill_runs(o, runs, |st, d| fill_const(sv, shape, st, v, d))
            }
            (Src::Const(c), Reg::I32(o)) => {
                let v = i32::from_scalar(*c);
                fill_runs(o, runs, |st, d| fill_const(sv, shape, st, v, d))
            }
            (Src::Const(c), Reg::Bool(o)) => {
                let v = bool::from_scalar(*c);
                fill_runs(o, runs, |st, d| fill_const(sv, shape, st, v, d))
            }
            (Src::Arange, Reg::I32(o)) => fill_runs(o, runs, |st, d| fill_arange(sv, shape, st, d)),
            (Src::Rand(slot), Reg::F32(o)) => {
                let seed = match inputs.get(*slot) {
                    Some(HostData::I32(w)) if w.len() >= 2 => (w[0] as u32 as u64) | ((w[1] as u32 as u64) << 32),
                    _ => return Err(err(format!("rand seed input {slot} must be an int32 [lo, hi] buffer"))),
                };
                fill_runs(o, runs, |st, d| fill_rand(sv, shape, st, seed, d))
            }
            _ => return Err(err("internal: load register type")),
        }
        Ok(())
    }

    /// Evaluates node `i` at the positions of `runs` (each `(start, len)` of the linear
    /// iteration space), packed one after another into the first `n` register entries.
    fn exec(
        &self,
        i: usize,
        regs: &mut [Reg],
        patterns: &[Option<Reg>],
        direct: &[Option<Direct>],
        inputs: &[&HostData],
        runs: &[(usize, usize)],
        n: usize,
        tile: Option<(usize, usize)>,
    ) -> Result<()> {
        let (before, rest) = regs.split_at_mut(i);
        let (Some(out), Some(node)) = (rest.first_mut(), self.nodes.get(i)) else {
            return Err(err("internal: register index out of range"));
        };
        match &node.step {
            Step::Load { src, sv, period } => match (period, patterns.get(i)) {
                (Some(p), Some(Some(pattern))) => copy_periodic(pattern, *p, runs, out)?,
                _ => self.load_into(src, sv, inputs, runs, tile, out)?,
            },
            Step::Const(c) => match out {
                Reg::F32(o) => head_mut(o, n).fill(f32::from_scalar(*c)),
                Reg::I32(o) => head_mut(o, n).fill(i32::from_scalar(*c)),
                Reg::Bool(o) => head_mut(o, n).fill(bool::from_scalar(*c)),
            },
            Step::Unary(..) | Step::Binary(..) | Step::Where(..) | Step::Cast(..) => {
                self.compute(i, before, patterns, direct, inputs, n, out.dst())?;
            }
        }
        Ok(())
    }

    /// Applies node `i`'s operation (unary, binary, where or cast) to its operands' values for
    /// the current block, writing the first `n` results to `dst`; an error for other nodes.
    #[allow(clippy::too_many_arguments)]
    fn compute(
        &self,
        i: usize,
        regs: &[Reg],
        patterns: &[Option<Reg>],
        direct: &[Option<Direct>],
        inputs: &[&HostData],
        n: usize,
        dst: OutBlock<'_>,
    ) -> Result<()> {
        let get = |j: usize| -> Result<InBlock<'_>> {
            if j >= i {
                return Err(err("internal: operand is not an earlier node"));
            }
            operand(j, regs, patterns, direct, inputs, n).ok_or_else(|| err("internal: operand register out of range"))
        };
        match self.nodes.get(i).map(|node| &node.step) {
            Some(Step::Unary(op, a)) => ops::unary(*op, get(*a)?, dst, n),
            Some(Step::Binary(op, a, b)) => ops::binary(*op, get(*a)?, get(*b)?, dst, n),
            Some(Step::Where(c, a, b)) => ops::select(get(*c)?, get(*a)?, get(*b)?, dst, n),
            Some(Step::Cast(a)) => ops::cast(get(*a)?, dst, n),
            _ => Err(err("internal: not an operation node")),
        }
    }
}

/// Runs an elementwise kernel: the output is the value at every position.
pub(crate) fn run_elementwise(prog: &Program, inputs: &[&HostData]) -> Result<HostData> {
    prog.check_inputs(inputs)?;
    match prog.dtype() {
        DType::F32 => elementwise_typed::<f32>(prog, inputs),
        DType::I32 => elementwise_typed::<i32>(prog, inputs),
        DType::Bool => elementwise_typed::<bool>(prog, inputs),
    }
}

/// The period of a load whose leading dims are unmasked broadcasts (stride 0), if short.
fn period_of(sv: &Strided, shape: &[usize]) -> Option<usize> {
    let q = (0..shape.len())
        .take_while(|&d| sv.strides.get(d) == Some(&0) && sv.ranges.get(d) == Some(&(0, shape[d])))
        .count();
    if q == 0 || q >= shape.len() {
        return None;
    }
    let p: usize = shape[q..].iter().product();
    (p > 0 && p <= MAX_PERIOD).then_some(p)
}

/// Copies each run `(start, len)` from the unrolled pattern of a periodic load.
fn copy_periodic(pattern: &Reg, period: usize, runs: &[(usize, usize)], out: &mut Reg) -> Result<()> {
    fn go<T: Copy>(pat: &[T], p: usize, runs: &[(usize, usize)], o: &mut [T]) -> Result<()> {
        let mut at = 0usize;
        for &(start, len) in runs {
            let s = start % p;
            let (Some(src), Some(dst)) = (pat.get(s..s + len), o.get_mut(at..at + len)) else {
                return Err(err("internal: periodic load out of range"));
            };
            dst.copy_from_slice(src);
            at += len;
        }
        Ok(())
    }
    match (pattern, out) {
        (Reg::F32(p), Reg::F32(o)) => go(p, period, runs, o),
        (Reg::I32(p), Reg::I32(o)) => go(p, period, runs, o),
        (Reg::Bool(p), Reg::Bool(o)) => go(p, period, runs, o),
        _ => Err(err("internal: pattern register type")),
    }
}

/// Tile fast path for an input load (see `fill_tile`).
fn tiled<T: Copy + Default>(
    sv: &Strided,
    shape: &[usize],
    runs: &[(usize, usize)],
    tile: Option<(usize, usize)>,
    src: &[T],
    o: &mut [T],
) -> bool {
    match (tile, runs.first()) {
        (Some(hw), Some(&(start, _))) => fill_tile(sv, shape, start, hw, src, o),
        _ => false,
    }
}

fn fill_runs<T>(o: &mut [T], runs: &[(usize, usize)], mut f: impl FnMut(usize, &mut [T])) {
    let mut at = 0usize;
    for &(start, len) in runs {
        let end = at.saturating_add(len).min(o.len());
        f(start, &mut o[at.min(end)..end]);
        at = end;
    }
}

fn elementwise_typed<T: Elem>(prog: &Program, inputs: &[&HostData]) -> Result<HostData> {
    // Every element is overwritten below (all blocks, or all rows x all column tiles).
    let mut out = alloc_dirty::<T>(prog.numel)?;
    elementwise_into(prog, inputs, &mut out)?;
    Ok(T::into_host(out))
}

fn elementwise_into<T: Elem>(prog: &Program, inputs: &[&HostData], out: &mut [T]) -> Result<()> {
    let n = prog.numel;
    match prog.tile_cols() {
        None => {
            let block = prog.block();
            let chunk = par::chunk_len(n, prog.cost(), block, block);
            par::try_chunks_mut(out, chunk, |ci, dst| {
                let start = ci * chunk;
                let mut s = prog.scratch(inputs, dst.len().min(block))?;
                for (bi, d) in dst.chunks_mut(block).enumerate() {
                    prog.eval_block_into(&mut s, inputs, start + bi * block, d)?;
                }
                Ok(())
            })?;
        }
        Some(tc) => {
            // Bands of `tr` rows, each evaluated in `tr x tc` tiles.
            let tr = TILE / tc;
            let r = prog.shape.len();
            let cols = prog.shape.last().copied().unwrap_or(1);
            let dim2 = prog.shape.get(r.wrapping_sub(2)).copied().unwrap_or(1).max(1);
            let rows = n / cols;
            let band_rows = par::chunk_len(rows, cols * prog.cost(), tr, tr);
            par::try_chunks_mut(out, band_rows * cols, |ci, dst| {
                let r0 = ci * band_rows;
                let nrows = dst.len() / cols;
                let mut s = prog.scratch(inputs, TILE)?;
                let mut runs = Vec::with_capacity(tr);
                let mut rb = 0;
                while rb < nrows {
                    // Tile rows stay within one run of the second-to-last dim.
                    let h = tr.min(nrows - rb).min(dim2 - (r0 + rb) % dim2);
                    for c0 in (0..cols).step_by(tc) {
                        let w = tc.min(cols - c0);
                        runs.clear();
                        runs.extend((0..h).map(|i| ((r0 + rb + i) * cols + c0, w)));
                        let vals = T::reg(prog.eval_tile(&mut s, inputs, &runs, (h, w))?)
                            .ok_or_else(|| err("internal: value register type"))?;
                        for i in 0..h {
                            let at = (rb + i) * cols + c0;
                            let (Some(d), Some(v)) = (dst.get_mut(at..at + w), vals.get(i * w..(i + 1) * w)) else {
                                return Err(err("internal: tile out of range"));
                            };
                            d.copy_from_slice(v);
                        }
                    }
                    rb += h;
                }
                Ok(())
            })?;
        }
    }
    Ok(())
}

/// Runs a matmul/conv `epilogue` (whose accumulator loads read input slot `inputs.len()`) over
/// the template's result produced tile by tile: `fill(first, tile)` writes the template's results
/// for positions `first..first + tile.len()`, and the epilogue consumes them while they are in
/// cache, so the template's full result never goes to memory. Tiles of `tile_len` positions run
/// in parallel.
pub(crate) fn run_tiled_epilogue(
    epilogue: &Program,
    inputs: &[&HostData],
    tile_len: usize,
    fill: &(dyn Fn(usize, &mut [f32]) -> Result<()> + Sync),
) -> Result<HostData> {
    let acc = inputs.len();
    let tile_dummy = HostData::F32(Vec::new());
    let mut all = inputs.to_vec();
    all.push(&tile_dummy);
    epilogue.check_inputs_but(&all, Some(acc))?;
    if !epilogue.tileable(acc) {
        return Err(err("internal: epilogue cannot run tile-wise"));
    }
    match epilogue.dtype() {
        DType::F32 => tiled_typed::<f32>(epilogue, inputs, tile_len, fill),
        DType::I32 => tiled_typed::<i32>(epilogue, inputs, tile_len, fill),
        DType::Bool => tiled_typed::<bool>(epilogue, inputs, tile_len, fill),
    }
}

fn tiled_typed<T: Elem>(
    prog: &Program,
    inputs: &[&HostData],
    tile_len: usize,
    fill: &(dyn Fn(usize, &mut [f32]) -> Result<()> + Sync),
) -> Result<HostData> {
    // Every element is overwritten: the tiles cover the output, each evaluated whole.
    let mut out = alloc_dirty::<T>(prog.numel)?;
    tiles_into(prog, inputs, tile_len, fill, &mut out)?;
    Ok(T::into_host(out))
}

fn tiles_into<T: Elem>(
    prog: &Program,
    inputs: &[&HostData],
    tile_len: usize,
    fill: &(dyn Fn(usize, &mut [f32]) -> Result<()> + Sync),
    out: &mut [T],
) -> Result<()> {
    let acc = inputs.len();
    par::try_chunks_mut(out, tile_len.max(1), |ci, dst| {
        let first = ci * tile_len.max(1);
        let mut tile = crate::cpu::pool::take_scratch(dst.len());
        fill(first, &mut tile)?;
        let tile = HostData::F32(tile);
        let mut all = inputs.to_vec();
        all.push(&tile);
        let block = prog.block();
        let mut s = prog.scratch(&all, dst.len().min(block))?;
        s.tile = Some((acc, first));
        for (bi, d) in dst.chunks_mut(block).enumerate() {
            prog.eval_block_into(&mut s, &all, first + bi * block, d)?;
        }
        drop(s);
        if let HostData::F32(v) = tile {
            crate::cpu::pool::give_scratch(v);
        }
        Ok(())
    })
}
