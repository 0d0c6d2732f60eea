//! Scheduling for backends that compile whole programs ([`Backend::compiles_graphs`]): the pending
//! nodes become one [`Graph`] whose parameters are the realized buffers they read, and the
//! backend's compiler (XLA) does the fusion the kernel scheduler does for the other backends. The
//! schedule is one step: the compiled program.
//!
//! The program returns the targets and every other pending value that something outside this
//! graph still holds (a `Tensor` handle kept by the caller: the loss `minimize` returns, logits
//! kept for accuracy, a value a custom gradient captured). Those become realized too, so reading
//! them later is a download instead of a second program recomputing them; values nothing else
//! holds stay inside the program, where XLA fuses them away.
//!
//! [`Backend::compiles_graphs`]: crate::Backend::compiles_graphs

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::Arc;

use super::plan::Planner;
use crate::device::Buffer;
use crate::ir::{Graph, GraphNode, GraphOp, Prim};
use crate::tensor::Tensor;
use crate::{DType, Error, Result};

/// Plans the program of `order` (pending nodes, topologically sorted) returning `targets` and the
/// values held outside (`held`): one step of the schedule, compiled now, run later.
pub(super) fn plan(p: &Planner, targets: &[&Tensor], order: &[Tensor], held: &HashSet<u64>) -> Result<()> {
    let mut b = Builder {
        plan: p,
        graph: Graph {
            nodes: vec![],
            outputs: vec![],
            num_params: 0,
        },
        params: vec![],
        index: HashMap::default(),
        param_index: HashMap::default(),
    };
    let mut position: HashMap<u64, usize> = HashMap::default();
    for (pos, t) in order.iter().enumerate() {
        let node = b.node(t)?;
        b.index.insert(t.id(), node);
        position.insert(t.id(), pos);
    }
    let mut outputs: Vec<(usize, &Tensor)> = vec![];
    let wanted = targets
        .iter()
        .copied()
        .chain(order.iter().filter(|t| held.contains(&t.id())));
    for t in wanted {
        let Some(&pos) = position.get(&t.id()) else { continue };
        if outputs.iter().any(|(q, _)| *q == pos) {
            continue;
        }
        let Some(&i) = b.index.get(&t.id()) else {
            return Err(Error::backend("scheduler", "target missing from its pending graph"));
        };
        b.graph.outputs.push(i);
        outputs.push((pos, t));
    }
    if outputs.is_empty() {
        return Ok(());
    }
    let shapes: Vec<(usize, DType)> = outputs.iter().map(|(_, t)| (t.numel(), t.dtype())).collect();
    let results = p.program(&b.graph, &b.params, &shapes)?;
    for ((pos, _), buf) in outputs.iter().zip(&results) {
        p.output(*pos, buf)?;
    }
    Ok(())
}

/// Ids of the computed nodes of `order` that have more handles than this graph accounts for
/// (`order` itself and its nodes' inputs), so something outside may read them later. Constants
/// are left out: recomputing them is free.
pub(super) fn held_outside(order: &[Tensor]) -> HashSet<u64> {
    let mut uses: HashMap<u64, usize> = HashMap::default();
    for t in order {
        let custom = t.0.custom.iter().flat_map(|c| c.inputs.iter());
        for i in t.inputs().iter().chain(custom) {
            *uses.entry(i.id()).or_default() += 1;
        }
    }
    order
        .iter()
        .filter(|t| !matches!(t.prim(), Prim::Const(_) | Prim::Arange(_)))
        .filter(|t| Arc::strong_count(&t.0) > 1 + uses.get(&t.id()).copied().unwrap_or(0))
        .map(|t| t.id())
        .collect()
}

struct Builder<'a> {
    plan: &'a Planner,
    graph: Graph,
    /// Parameter buffers, in parameter order.
    params: Vec<Buffer>,
    /// Tensor id -> node index.
    index: HashMap<u64, usize>,
    /// Realized buffer (by identity) -> its parameter node, so a buffer read twice is one parameter.
    param_index: HashMap<usize, usize>,
}

impl Builder<'_> {
    fn push(&mut self, op: GraphOp, inputs: Vec<usize>, shape: &[usize], dtype: DType) -> usize {
        self.graph.nodes.push(GraphNode {
            op,
            inputs,
            shape: shape.to_vec(),
            dtype,
        });
        self.graph.nodes.len() - 1
    }

    fn param(&mut self, buf: Buffer, shape: &[usize], dtype: DType) -> usize {
        let key = Arc::as_ptr(&buf.0) as *const () as usize;
        if let Some(&n) = self.param_index.get(&key) {
            if self.graph.nodes[n].shape == shape {
                return n;
            }
        }
        let p = self.graph.num_params;
        self.graph.num_params += 1;
        self.params.push(buf);
        let n = self.push(GraphOp::Param(p), vec![], shape, dtype);
        self.param_index.insert(key, n);
        n
    }

    /// The node of input `t`: an earlier pending node, or a parameter for a realized one.
    fn input(&mut self, t: &Tensor) -> Result<usize> {
        if let Some(b) = t.buffer() {
            return Ok(self.param(b, t.shape(), t.dtype()));
        }
        self.index
            .get(&t.id())
            .copied()
            .ok_or_else(|| Error::backend("scheduler", "input of a pending node was not lowered first"))
    }

    fn node(&mut self, t: &Tensor) -> Result<usize> {
        let inputs = t.inputs().iter().map(|i| self.input(i)).collect::<Result<Vec<_>>>()?;
        Ok(match t.prim() {
            Prim::Data => match t.buffer() {
                Some(b) => self.param(b, t.shape(), t.dtype()),
                None => return Err(Error::backend("scheduler", "data leaf without a buffer")),
            },
            Prim::Rand { .. } => {
                let seed = self.plan.seed();
                let s = self.param(seed, &[2], DType::I32);
                self.push(GraphOp::Rand, vec![s], t.shape(), t.dtype())
            }
            p => self.push(GraphOp::Prim(p.clone()), inputs, t.shape(), t.dtype()),
        })
    }
}
