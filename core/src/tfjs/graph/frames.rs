//! TF1 control flow: `Switch`, `Merge`, `Enter`, `Exit`, `NextIteration`, `LoopCond`. A graph
//! with any of them is not a DAG (a loop's `NextIteration` feeds its `Merge`), so it runs as
//! dataflow, as TF.js's `executeWithControlFlow` does: a node runs, in a frame, once all its
//! inputs (a `Merge`: any one) are visible from that frame. `Switch` gives only the output its
//! predicate picks, so the other branch never runs; `Enter` moves into iteration 0 of a loop's
//! frame, `NextIteration` into the next iteration, `Exit` back to the parent frame. A value is
//! visible from its frame and every frame nested in it, so a loop's constants (`Enter` with
//! `is_constant`) are stored outside it.

use std::collections::{HashMap, HashSet};

use super::{format_err, in_node, truthy, GraphModel, Outcome, Run, Step};
use crate::dtype::HostData;
use crate::tensor::Tensor;
use crate::tfjs::ops::{Ctx, HostValue};
use crate::{Error, Result};

/// The ops that make a graph run as dataflow over frames.
pub(super) const FRAME_OPS: [&str; 6] = ["Switch", "Merge", "Enter", "Exit", "NextIteration", "LoopCond"];

/// One iteration of one loop inside its parent frame (frame 0 is the graph outside every loop).
struct Frame {
    parent: usize,
    name: String,
    iteration: u64,
}

/// The dataflow state of a [`Run`] of a graph with frames.
pub(super) struct Flow {
    frames: Vec<Frame>,
    frame_ids: HashMap<(usize, String, u64), usize>,
    /// Each node's outputs by the frame they are stored in (`None`: a `Switch`'s untaken side).
    values: HashMap<(usize, usize), Vec<Option<Tensor>>>,
    /// Host copies by (node, output, frame).
    host: HashMap<(usize, usize, usize), HostValue>,
    /// (node, frame) pairs already pushed: a node runs once per frame.
    scheduled: HashSet<(usize, usize)>,
    stack: Vec<(usize, usize)>,
    /// The (node, output, frame) values the paused node waits to see on the host.
    pub(super) pending: Vec<(usize, usize, usize)>,
}

impl Flow {
    /// Starts from the needed nodes that wait on nothing (constants, fed inputs).
    pub(super) fn new(model: &GraphModel, needed: &[bool], fed: &HashMap<usize, Tensor>) -> Flow {
        let stack: Vec<(usize, usize)> = (0..model.nodes.len())
            .rev()
            .filter(|&i| {
                let n = &model.nodes[i];
                needed[i] && (fed.contains_key(&i) || (n.inputs.is_empty() && n.controls.is_empty()))
            })
            .map(|i| (i, 0))
            .collect();
        Flow {
            frames: vec![Frame {
                parent: 0,
                name: String::new(),
                iteration: 0,
            }],
            frame_ids: HashMap::new(),
            values: HashMap::new(),
            host: HashMap::new(),
            scheduled: stack.iter().copied().collect(),
            stack,
            pending: vec![],
        }
    }

    /// The frame for `iteration` of loop `name` inside `parent`.
    fn frame(&mut self, parent: usize, name: &str, iteration: u64) -> usize {
        let key = (parent, name.to_string(), iteration);
        if let Some(&id) = self.frame_ids.get(&key) {
            return id;
        }
        let id = self.frames.len();
        self.frames.push(Frame {
            parent,
            name: name.to_string(),
            iteration,
        });
        self.frame_ids.insert(key, id);
        id
    }

    /// Node `j`'s outputs as seen from frame `f`, and the frame they are stored in.
    fn find(&self, j: usize, mut f: usize) -> Option<(usize, &Vec<Option<Tensor>>)> {
        loop {
            if let Some(v) = self.values.get(&(j, f)) {
                return Some((f, v));
            }
            if f == 0 {
                return None;
            }
            f = self.frames[f].parent;
        }
    }

    /// Output `k` of node `j` as seen from frame `f`, with its host copy and its frame.
    fn input(&self, (j, k): (usize, usize), f: usize) -> Option<(Tensor, Option<&HostValue>, usize)> {
        let (at, outs) = self.find(j, f)?;
        let t = outs.get(k)?.clone()?;
        Some((t, self.host.get(&(j, k, at)), at))
    }

    /// Stores the host values read for the paused node.
    pub(super) fn provide(&mut self, data: Vec<HostData>) -> Result<()> {
        if data.len() != self.pending.len() {
            return Err(Error::invalid(
                "execute",
                format!("{} values were read, {} provided", self.pending.len(), data.len()),
            ));
        }
        for ((j, k, f), d) in std::mem::take(&mut self.pending).into_iter().zip(data) {
            let t = self.values.get(&(j, f)).and_then(|v| v.get(k)).cloned().flatten();
            match t {
                Some(t) if t.numel() == d.len() && t.dtype() == d.dtype() => {
                    self.host.insert((j, k, f), (d, t.shape().to_vec()));
                }
                _ => return Err(Error::invalid("execute", "a provided value does not match its tensor")),
            }
        }
        Ok(())
    }
}

/// A node's outputs, their host copies, the frame they are stored in, and the frame its users
/// run in.
type Ran = (Vec<Option<Tensor>>, Vec<Option<HostValue>>, usize, usize);

impl GraphModel {
    /// [`GraphModel::advance`] for a graph with frames: runs nodes as their inputs become
    /// visible until none is left, pausing where a node must see a value on the host.
    pub(super) fn advance_flow(&self, run: &mut Run, users: &[Vec<usize>]) -> Result<Step> {
        let Some(flow) = run.flow.as_mut() else {
            return Err(Error::invalid("execute", "this run did not start as dataflow"));
        };
        while let Some((i, f)) = flow.stack.pop() {
            let (outs, hosts, store, next) = if let Some(t) = run.fed.get(&i) {
                (vec![Some(t.clone())], vec![run.fed_host.get(&i).cloned()], f, f)
            } else if let Some(w) = self.weights.get(&i) {
                let h = self.host_consts.get(&i).map(|h| (h.clone(), w.shape().to_vec()));
                (vec![Some(w.clone())], vec![h], f, f)
            } else {
                match self.run_in_frame(flow, i, f, &run.resources)? {
                    Ok(ran) => ran,
                    Err((wanted, e, tensors)) => {
                        flow.pending = wanted;
                        flow.stack.push((i, f));
                        run.paused_error = Some(e);
                        return Ok(Step::Read(tensors));
                    }
                }
            };
            for (k, h) in hosts.into_iter().enumerate() {
                if let Some(h) = h {
                    flow.host.insert((i, k, store), h);
                }
            }
            flow.values.insert((i, store), outs);
            for &u in &users[i] {
                if !run.needed[u] || flow.scheduled.contains(&(u, next)) {
                    continue;
                }
                let n = &self.nodes[u];
                let seen = |x: &(usize, usize)| flow.input(*x, next).is_some();
                let ready = if n.def.op == "Merge" {
                    n.inputs.iter().any(seen)
                } else {
                    n.inputs.iter().all(seen) && n.controls.iter().all(|&c| flow.find(c, next).is_some())
                };
                if ready {
                    flow.scheduled.insert((u, next));
                    flow.stack.push((u, next));
                }
            }
        }
        let mut out = Vec::with_capacity(run.targets.len());
        let mut missing = vec![];
        for (&(i, k), name) in run.targets.iter().zip(&run.fetch) {
            match flow.input((i, k), 0) {
                Some((t, _, _)) => out.push(t),
                None => missing.push(name.as_str()),
            }
        }
        if !missing.is_empty() {
            return Err(Error::invalid(
                "execute",
                format!(
                    "Cannot compute the outputs [{}] from the provided inputs (a branch not taken or a loop that never exits)",
                    missing.join(",")
                ),
            ));
        }
        Ok(Step::Done(out))
    }

    /// Runs node `i` in frame `f`; `Err` when it waits for host values (what to read, the
    /// synchronous error, the tensors).
    #[allow(clippy::type_complexity)]
    fn run_in_frame(
        &self,
        flow: &mut Flow,
        i: usize,
        f: usize,
        resources: &std::cell::RefCell<crate::tfjs::ops::resources::Resources>,
    ) -> Result<std::result::Result<Ran, (Vec<(usize, usize, usize)>, Error, Vec<Tensor>)>> {
        let n = &self.nodes[i];
        let op = n.def.op.as_str();
        if op == "Merge" {
            // The first input that has a value; TF also gives which one it was.
            for (idx, &x) in n.inputs.iter().enumerate() {
                if let Some((t, h, _)) = flow.input(x, f) {
                    let which = (HostData::I32(vec![idx as i32]), vec![]);
                    let which_t = Tensor::from_host_on(which.0.clone(), &[], &self.device)?;
                    return Ok(Ok((vec![Some(t), Some(which_t)], vec![h.cloned(), Some(which)], f, f)));
                }
            }
            return Err(format_err(format!("Merge node {:?} ran with no input", n.def.name)));
        }
        let mut inputs = Vec::with_capacity(n.inputs.len());
        let mut known = Vec::with_capacity(n.inputs.len());
        let mut at = Vec::with_capacity(n.inputs.len());
        for &x in &n.inputs {
            let (t, h, fr) = flow
                .input(x, f)
                .ok_or_else(|| format_err(format!("node {:?} ran before its inputs", n.def.name)))?;
            inputs.push(t);
            known.push(h.cloned());
            at.push((x.0, x.1, fr));
        }
        let wait = |wanted: Vec<usize>, e: Error, tensors: Vec<Tensor>| {
            Ok(Err((wanted.iter().map(|&w| at[w]).collect(), e, tensors)))
        };
        if op == "Switch" {
            let host: Vec<Option<&HostData>> = known.iter().map(|h| h.as_ref().map(|(d, _)| d)).collect();
            let ctx = Ctx::new(&n.def, inputs.clone(), host, self.device.reads_synchronously());
            let pred = match ctx.host_data(1) {
                Ok(p) => truthy(&p),
                Err(e) if !ctx.wanted().is_empty() => return wait(ctx.wanted(), e, vec![inputs[1].clone()]),
                Err(e) => return Err(in_node(&n.def, e)),
            };
            let data = inputs.into_iter().next();
            let h = known.into_iter().next().flatten();
            // Output 0 is the false side, output 1 the true side.
            let (outs, hosts) = if pred {
                (vec![None, data], vec![None, h])
            } else {
                (vec![data, None], vec![h, None])
            };
            return Ok(Ok((outs, hosts, f, f)));
        }
        let known_refs: Vec<Option<&HostValue>> = known.iter().map(Option::as_ref).collect();
        let (outs, hosts) = match self.exec_node(n, inputs, &known_refs, resources)? {
            Outcome::Done(outs, hosts) => (outs.into_iter().map(Some).collect(), hosts),
            Outcome::Wait(wanted, e, tensors) => return wait(wanted, e, tensors),
        };
        let (store, next) = match op {
            "Enter" => {
                let name = n.def.attr_str("frame_name").map_err(|e| in_node(&n.def, e))?;
                let inner = flow.frame(f, &name, 0);
                (
                    if n.def.attr_bool("is_constant", false) {
                        f
                    } else {
                        inner
                    },
                    inner,
                )
            }
            "Exit" => {
                if f == 0 {
                    return Err(format_err(format!(
                        "Exit node {:?} ran outside a loop frame",
                        n.def.name
                    )));
                }
                let parent = flow.frames[f].parent;
                (parent, parent)
            }
            "NextIteration" => {
                if f == 0 {
                    return Err(format_err(format!(
                        "NextIteration node {:?} ran outside a loop frame",
                        n.def.name
                    )));
                }
                let Frame {
                    parent,
                    ref name,
                    iteration,
                } = flow.frames[f];
                let name = name.clone();
                let next = flow.frame(parent, &name, iteration + 1);
                (next, next)
            }
            _ => (f, f),
        };
        Ok(Ok((outs, hosts, store, next)))
    }
}
