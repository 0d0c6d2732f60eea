//! The schedule as a value. Scheduling a pending graph (the walk in `mod.rs`) produces a
//! [`Schedule`]: the kernels to run, compiled, in order, each reading graph leaves, seed
//! uploads or earlier kernels' outputs, and which nodes keep which result. It is cached per
//! device by the graph's structure ([`GraphKey`]), so a training step that repeats its
//! structure is scheduled once and then only replayed: no lowering, no kernel building, no
//! kernel hashing. Running it ([`Device::run`]) binds this graph's leaf buffers and seeds.
//!
//! While planning, computed values are [`Placeholder`] buffers (length and dtype, no memory):
//! the scheduler only needs their identity and size, and nothing runs until the plan is done.

use rustc_hash::FxHashMap as HashMap;
use std::any::Any;
use std::cell::RefCell;
use std::sync::Arc;

use super::seed_words;
use crate::device::{BackendBuffer, Buffer, Device, Executable, GraphExecutable};
use crate::dtype::DType;
use crate::ir::{Graph, Kernel, Prim};
use crate::shape::numel;
use crate::tensor::Tensor;
use crate::{Error, Result};

/// Where a kernel's input comes from when a schedule runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Value {
    /// The k-th distinct leaf buffer of the graph (see [`describe`]).
    Leaf(u32),
    /// The seed of the k-th random node, uploaded at run time.
    Seed(u32),
    /// Output `out` of step `step` (kernels have one; a program one per result).
    Out { step: u32, out: u32 },
}

/// What a step runs: a kernel, or (PJRT) a whole program.
enum Exe {
    Kernel(Arc<dyn Executable>),
    Program(Arc<dyn GraphExecutable>),
}

struct Step {
    exe: Exe,
    inputs: Vec<Value>,
    /// Length and dtype of each output.
    outs: Vec<(usize, DType)>,
    kind: &'static str,
}

/// The kernels that compute a pending graph, compiled, in order (see the module docs).
pub struct Schedule {
    steps: Vec<Step>,
    /// (position in the pending order, value) for every node that keeps its result.
    outputs: Vec<(usize, Value)>,
}

impl Schedule {
    /// Number of kernels it runs.
    pub fn len(&self) -> usize {
        self.steps.len()
    }
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
    /// The kind of each step, in run order (`elementwise`, `reduce`, `matmul`, ..., `program`).
    pub fn kinds(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.steps.iter().map(|s| s.kind)
    }
}

impl std::fmt::Debug for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schedule")
            .field("kernels", &self.kinds().collect::<Vec<_>>())
            .field("outputs", &self.outputs.len())
            .finish()
    }
}

/// The structure of a pending graph: everything the scheduler's decisions and kernels depend
/// on (primitives with their parameters and constants, shapes, dtypes, edges, which leaves
/// share a buffer, which nodes are targets), and nothing they do not (buffer contents, random
/// seeds, node ids).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GraphKey {
    prims: Vec<Prim>,
    words: Vec<u64>,
}

/// What a schedule runs on: the graph's pending nodes (in the order the schedule names them),
/// its distinct leaf buffers and its random nodes' seeds.
pub struct BoundSchedule {
    device: Device,
    schedule: Arc<Schedule>,
    nodes: Vec<Tensor>,
    leaves: Vec<Buffer>,
    seeds: Vec<u64>,
}

impl BoundSchedule {
    /// The schedule this graph runs.
    pub fn schedule(&self) -> &Arc<Schedule> {
        &self.schedule
    }
    /// The device it runs on.
    pub fn device(&self) -> &Device {
        &self.device
    }
}

/// The graph's leaves and seeds, with the key of its structure.
pub(super) struct Described {
    pub key: GraphKey,
    pub leaves: Vec<Buffer>,
    pub seeds: Vec<u64>,
}

fn buffer_key(b: &Buffer) -> usize {
    Arc::as_ptr(&b.0) as *const () as usize
}

const PENDING: u64 = 0;
const LEAF: u64 = 1 << 62;

/// One pass over the pending nodes (inputs before users): their structure and what binds it.
/// `held`: pending nodes that a program must also return (see `program::held_outside`).
pub(super) fn describe(
    dev: &Device,
    order: &[Tensor],
    targets: &[&Tensor],
    held: &rustc_hash::FxHashSet<u64>,
) -> Result<Described> {
    let mut pos: HashMap<u64, u64> = HashMap::default();
    let mut leaf_slots: HashMap<usize, u64> = HashMap::default();
    let mut leaves = vec![];
    let mut seeds = vec![];
    let mut prims = Vec::with_capacity(order.len());
    let mut words = Vec::with_capacity(order.len() * 8);
    for (i, t) in order.iter().enumerate() {
        if t.device() != *dev {
            return Err(Error::invalid(
                "realize",
                "tensors on different devices realized together",
            ));
        }
        pos.insert(t.id(), i as u64);
        match t.prim() {
            Prim::Rand { seed, shape } => {
                seeds.push(*seed);
                prims.push(Prim::Rand {
                    seed: 0,
                    shape: shape.clone(),
                });
            }
            p => prims.push(p.clone()),
        }
        words.push(t.dtype() as u64);
        words.push(t.rank() as u64);
        words.extend(t.shape().iter().map(|&d| d as u64));
        words.push(t.inputs().len() as u64);
        for input in t.inputs() {
            if let Some(&p) = pos.get(&input.id()) {
                words.push(PENDING | p);
                continue;
            }
            let buf = input.buffer().ok_or_else(|| {
                Error::backend("scheduler", format!("input {input:?} is neither pending nor realized"))
            })?;
            let slot = *leaf_slots.entry(buffer_key(&buf)).or_insert_with(|| {
                leaves.push(buf.clone());
                (leaves.len() - 1) as u64
            });
            words.push(LEAF | slot);
            words.push(buf.len() as u64);
            words.push(input.dtype() as u64);
            words.push(input.rank() as u64);
            words.extend(input.shape().iter().map(|&d| d as u64));
        }
    }
    // Targets by pending position (a realized target needs nothing).
    let mut target_pos: Vec<u64> = targets.iter().filter_map(|t| pos.get(&t.id()).copied()).collect();
    target_pos.sort_unstable();
    target_pos.dedup();
    words.push(u64::MAX);
    words.extend(target_pos);
    words.push(u64::MAX);
    words.extend(
        order
            .iter()
            .enumerate()
            .filter(|(_, t)| held.contains(&t.id()))
            .map(|(i, _)| i as u64),
    );
    Ok(Described {
        key: GraphKey { prims, words },
        leaves,
        seeds,
    })
}

/// A computed value while planning: its size only (see the module docs).
#[derive(Debug)]
struct Placeholder {
    len: usize,
    dtype: DType,
}

impl BackendBuffer for Placeholder {
    fn len(&self) -> usize {
        self.len
    }
    fn dtype(&self) -> DType {
        self.dtype
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Builds a [`Schedule`] as the scheduler walks: kernels are compiled and recorded, not run.
pub(super) struct Planner {
    dev: Device,
    values: RefCell<PlanState>,
}

#[derive(Default)]
struct PlanState {
    values: HashMap<usize, Value>,
    /// Keeps every placeholder alive, so buffer addresses stay unique while planning.
    held: Vec<Buffer>,
    steps: Vec<Step>,
    seeds: u32,
    outputs: Vec<(usize, Value)>,
}

impl Planner {
    pub fn new(dev: &Device, leaves: &[Buffer]) -> Planner {
        let mut st = PlanState::default();
        for (k, b) in leaves.iter().enumerate() {
            st.values.insert(buffer_key(b), Value::Leaf(k as u32));
        }
        Planner {
            dev: dev.clone(),
            values: RefCell::new(st),
        }
    }

    fn placeholder(st: &mut PlanState, len: usize, dtype: DType, v: Value) -> Buffer {
        let b = Buffer::new(Placeholder { len, dtype });
        st.values.insert(buffer_key(&b), v);
        st.held.push(b.clone());
        b
    }

    fn value_of(st: &PlanState, b: &Buffer) -> Result<Value> {
        st.values
            .get(&buffer_key(b))
            .copied()
            .ok_or_else(|| Error::backend("scheduler", "a kernel reads a buffer outside its graph"))
    }

    /// A random node's seed buffer (uploaded when the schedule runs).
    pub fn seed(&self) -> Buffer {
        let mut st = self.values.borrow_mut();
        let k = st.seeds;
        st.seeds += 1;
        Self::placeholder(&mut st, 2, DType::I32, Value::Seed(k))
    }

    /// Records one kernel (compiled now) and returns its output's placeholder.
    pub fn kernel(&self, kernel: Kernel, inputs: &[Buffer]) -> Result<Buffer> {
        if inputs.len() != kernel.num_inputs {
            return Err(Error::backend(
                self.dev.name(),
                format!("kernel expects {} inputs, got {}", kernel.num_inputs, inputs.len()),
            ));
        }
        let exe = Exe::Kernel(self.dev.compiled(&kernel)?);
        let len = numel(&kernel.out_shape);
        let mut outs = self.step(exe, inputs, vec![(len, kernel.out_dtype)], kernel.kind())?;
        outs.pop()
            .ok_or_else(|| Error::backend("scheduler", "a kernel step without an output"))
    }

    /// Records one program (compiled now) on `params`; returns its outputs' placeholders.
    pub fn program(&self, graph: &Graph, params: &[Buffer], outs: &[(usize, DType)]) -> Result<Vec<Buffer>> {
        if params.len() != graph.num_params || outs.len() != graph.outputs.len() {
            return Err(Error::backend(
                self.dev.name(),
                "program parameters or results miscounted",
            ));
        }
        let exe = Exe::Program(self.dev.compiled_graph(graph)?);
        self.step(exe, params, outs.to_vec(), "program")
    }

    fn step(&self, exe: Exe, inputs: &[Buffer], outs: Vec<(usize, DType)>, kind: &'static str) -> Result<Vec<Buffer>> {
        let mut st = self.values.borrow_mut();
        let inputs = inputs
            .iter()
            .map(|b| Self::value_of(&st, b))
            .collect::<Result<Vec<_>>>()?;
        let k = st.steps.len() as u32;
        let placeholders = outs
            .iter()
            .enumerate()
            .map(|(j, &(len, dtype))| Self::placeholder(&mut st, len, dtype, Value::Out { step: k, out: j as u32 }))
            .collect();
        st.steps.push(Step {
            exe,
            inputs,
            outs,
            kind,
        });
        Ok(placeholders)
    }

    /// The node at `pos` in the pending order keeps `b` once the schedule runs.
    pub fn output(&self, pos: usize, b: &Buffer) -> Result<()> {
        let mut st = self.values.borrow_mut();
        let v = Self::value_of(&st, b)?;
        st.outputs.push((pos, v));
        Ok(())
    }

    pub fn finish(self) -> Schedule {
        let st = self.values.into_inner();
        Schedule {
            steps: st.steps,
            outputs: st.outputs,
        }
    }
}

impl BoundSchedule {
    pub(super) fn new(device: &Device, schedule: Arc<Schedule>, nodes: Vec<Tensor>, d: Described) -> BoundSchedule {
        BoundSchedule {
            device: device.clone(),
            schedule,
            nodes,
            leaves: d.leaves,
            seeds: d.seeds,
        }
    }
}

impl Device {
    /// Runs a bound schedule: uploads the seeds, runs each kernel on its leaves and earlier
    /// results, checks every result's size, and stores the results the graph keeps in its nodes.
    pub fn run(&self, bound: &BoundSchedule) -> Result<()> {
        if bound.device != *self {
            return Err(Error::invalid(
                "run",
                format!("a schedule for {} run on {}", bound.device.name(), self.name()),
            ));
        }
        let s = &bound.schedule;
        let seeds = bound
            .seeds
            .iter()
            .map(|&seed| self.upload(&seed_words(seed)))
            .collect::<Result<Vec<_>>>()?;
        let mut results: Vec<Vec<Buffer>> = Vec::with_capacity(s.steps.len());
        let get = |v: Value, results: &[Vec<Buffer>]| -> Result<Buffer> {
            let found = match v {
                Value::Leaf(k) => bound.leaves.get(k as usize),
                Value::Seed(k) => seeds.get(k as usize),
                Value::Out { step, out } => results.get(step as usize).and_then(|r| r.get(out as usize)),
            };
            found
                .cloned()
                .ok_or_else(|| Error::backend("scheduler", "schedule names a value it does not have"))
        };
        for step in &s.steps {
            let inputs = step
                .inputs
                .iter()
                .map(|&v| get(v, &results))
                .collect::<Result<Vec<_>>>()?;
            let refs: Vec<&Buffer> = inputs.iter().collect();
            let outs = match &step.exe {
                Exe::Kernel(exe) => vec![self.run_compiled(exe, refs.len(), &refs)?],
                Exe::Program(exe) => self.run_program(exe, refs.len(), &refs)?,
            };
            if outs.len() != step.outs.len() {
                return Err(Error::backend(
                    self.name(),
                    format!(
                        "{} returned {} results, expected {}",
                        step.kind,
                        outs.len(),
                        step.outs.len()
                    ),
                ));
            }
            for (out, &(len, dtype)) in outs.iter().zip(&step.outs) {
                if out.len() != len || out.dtype() != dtype {
                    return Err(Error::backend(
                        self.name(),
                        format!(
                            "{} returned {} x {}, expected {} x {}",
                            step.kind,
                            out.len(),
                            out.dtype(),
                            len,
                            dtype
                        ),
                    ));
                }
            }
            results.push(outs);
        }
        for &(pos, v) in &s.outputs {
            let node = bound
                .nodes
                .get(pos)
                .ok_or_else(|| Error::backend("scheduler", "schedule names a node its graph lacks"))?;
            node.set_buffer(get(v, &results)?);
        }
        Ok(())
    }
}
