//! [`GraphModel`]: a TF.js graph model ready to run. Loading checks the whole graph (every op has
//! a kernel, every input names a node, no cycles) and puts the weights on the device; `execute`
//! runs only the nodes the requested outputs depend on, in topological order, each op a
//! composition of core ops, so the model runs lazily on whatever backend the device is.

mod frames;

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::rc::Rc;

use serde_json::Value;

use super::artifacts::{self, ModelArtifacts, NamedWeight};
use super::graph_def::{parse_input, GraphDef, NodeDef};
use super::ops::resources::Resources;
use super::ops::{self, control, shape_values, Ctx, HostValue, Kernel};
use crate::device::Device;
use crate::dtype::{DType, HostData};
use crate::io::LoadLimits;
use crate::tensor::Tensor;
use crate::{Error, Result};

/// An input or output of the model: its node name, and dtype and shape where the graph says
/// (`None` sizes are unknown, usually the batch).
#[derive(Debug, Clone, PartialEq)]
pub struct TensorInfo {
    pub name: String,
    pub dtype: Option<DType>,
    pub shape: Option<Vec<Option<usize>>>,
}

struct Node {
    def: NodeDef,
    kernel: Kernel,
    /// Data inputs as (node index, output index).
    inputs: Vec<(usize, usize)>,
    /// Control inputs (`^name`): nodes that must run first (used by dataflow execution).
    controls: Vec<usize>,
}

/// Integer constants up to this many elements keep a host copy, so shape and axis arguments are
/// read without a device round trip.
const HOST_CONST_ELEMENTS: usize = 4096;
/// Float constants this small (thresholds, scales, clip bounds) also keep a host copy.
const HOST_FLOAT_CONST_ELEMENTS: usize = 16;

/// Ops folded on the host when all their inputs are host values: the integer arithmetic of
/// shapes, sizes and axes that converted models compute at run time.
const HOST_FOLDABLE: &[&str] = &[
    "StridedSlice",
    "Slice",
    "Pack",
    "Unpack",
    "ConcatV2",
    "Concat",
    "Cast",
    "Reshape",
    "Squeeze",
    "ExpandDims",
    "GatherV2",
    "Gather",
    "Identity",
    "Add",
    "AddV2",
    "Sub",
    "Mul",
    "FloorDiv",
    "FloorMod",
    "Maximum",
    "Minimum",
    "Prod",
    "Sum",
    "Max",
    "Min",
    "Range",
    "Fill",
    "Equal",
    "Less",
    "Greater",
    "Select",
    "SelectV2",
];

/// Ops whose outputs are their inputs: host values pass through them (a resource handle or a
/// loop counter stays known on the host through `Identity` and the loop-frame ops).
const PASS_THROUGH: &[&str] = &[
    "Identity",
    "IdentityN",
    "Snapshot",
    "StopGradient",
    "PlaceholderWithDefault",
    "Enter",
    "Exit",
    "NextIteration",
    "LoopCond",
];

/// What running one node gave.
enum Outcome {
    /// Its outputs, with those known on the host.
    Done(Vec<Tensor>, Vec<Option<HostValue>>),
    /// It waits to see these of its inputs (indices, tensors) on the host; the error is what a
    /// synchronous execution reports.
    Wait(Vec<usize>, Error, Vec<Tensor>),
}

/// One execution of a graph model in progress (see [`GraphModel::start`]).
pub struct Run {
    needed: Vec<bool>,
    fed: HashMap<usize, Tensor>,
    values: Vec<Option<Vec<Tensor>>>,
    /// Small values known on the host (constants, shapes, what was folded from them, values
    /// read back), so shape and axis arguments need no device readback.
    host_vals: HashMap<(usize, usize), HostValue>,
    targets: Vec<(usize, usize)>,
    fetch: Vec<String>,
    /// The next node to run, in topological order.
    next: usize,
    /// The (node, output) values the paused node waits to see on the host.
    pending: Vec<(usize, usize)>,
    /// What a synchronous execution reports when the run pauses.
    paused_error: Option<Error>,
    /// Host values of fed nodes (a function call's arguments known on the host).
    fed_host: HashMap<usize, HostValue>,
    /// The control-flow node in progress (node `next`), if any.
    control: Option<Control>,
    /// The predicate of `control` was handed out to be read.
    pending_pred: bool,
    /// Dataflow state, for a graph with TF1 loop frames.
    flow: Option<frames::Flow>,
    /// TensorArrays and TensorLists, shared with the function calls the run makes.
    resources: Rc<RefCell<Resources>>,
}

/// Where a `While` or `If` node is.
enum Control {
    /// Deciding on a predicate (TF.js: its first element is non-zero); `value` once known.
    Pred {
        pred: Tensor,
        value: Option<bool>,
        next: AfterPred,
    },
    /// Running a library function.
    Call {
        func: String,
        run: Box<Run>,
        then: AfterCall,
    },
}

enum AfterPred {
    /// A `While`'s condition: true runs the body on `vals`, false ends with `vals`.
    Loop(Args),
    /// An `If`: runs one branch on the arguments.
    Branch(Args, String, String),
}

enum AfterCall {
    /// The loop condition ran on `vals`: its output is the predicate.
    Cond(Args),
    /// The loop body ran: its outputs are the next `vals`.
    Body,
    /// A branch ran: its outputs are the node's.
    Done,
}

/// Values passed to a function, with those known on the host.
type Args = (Vec<Tensor>, Vec<Option<HostValue>>);

/// What [`GraphModel::advance`] reached.
pub enum Step {
    /// The fetched values.
    Done(Vec<Tensor>),
    /// Read these tensors to the host (asynchronously) and pass their values to [`Run::provide`].
    Read(Vec<Tensor>),
}

impl Run {
    /// The fetched values known on the host, once the run is done.
    fn target_host_values(&self) -> Vec<Option<HostValue>> {
        self.targets.iter().map(|t| self.host_vals.get(t).cloned()).collect()
    }

    /// Whether the run waits for values it handed out to be read.
    fn waiting(&self) -> bool {
        !self.pending.is_empty()
            || self.pending_pred
            || self.flow.as_ref().is_some_and(|f| !f.pending.is_empty())
            || matches!(&self.control, Some(Control::Call { run, .. }) if run.waiting())
    }

    /// The host values of the tensors the last [`Step::Read`] listed, in its order.
    pub fn provide(&mut self, data: Vec<HostData>) -> Result<()> {
        if let Some(Control::Call { run, .. }) = &mut self.control {
            if run.waiting() {
                return run.provide(data);
            }
        }
        if let Some(flow) = &mut self.flow {
            if !flow.pending.is_empty() {
                flow.provide(data)?;
                self.paused_error = None;
                return Ok(());
            }
        }
        if self.pending_pred {
            if let (Some(Control::Pred { value, .. }), [d]) = (&mut self.control, data.as_slice()) {
                *value = Some(truthy(d));
                self.pending_pred = false;
                return Ok(());
            }
            return Err(Error::invalid(
                "execute",
                "expected the one predicate value that was read",
            ));
        }
        if data.len() != self.pending.len() {
            return Err(Error::invalid(
                "execute",
                format!("{} values were read, {} provided", self.pending.len(), data.len()),
            ));
        }
        for ((i, k), d) in std::mem::take(&mut self.pending).into_iter().zip(data) {
            let t = self.values[i].as_ref().and_then(|v| v.get(k));
            match t {
                Some(t) if t.numel() == d.len() && t.dtype() == d.dtype() => {
                    self.host_vals.insert((i, k), (d, t.shape().to_vec()));
                }
                _ => return Err(Error::invalid("execute", "a provided value does not match its tensor")),
            }
        }
        self.paused_error = None;
        Ok(())
    }
}

pub struct GraphModel {
    device: Device,
    /// Topological order.
    nodes: Vec<Node>,
    index: HashMap<String, usize>,
    weights: HashMap<usize, Tensor>,
    host_consts: HashMap<usize, HostData>,
    /// Where host values are computed (a CPU device), if any.
    host: Option<Device>,
    inputs: Vec<TensorInfo>,
    outputs: Vec<TensorInfo>,
    /// `format`, `generatedBy`, `convertedBy`, `userDefinedMetadata` from `model.json` and the
    /// GraphDef's `versions`.
    pub metadata: Value,
    /// The functions v2 control flow calls, by name (empty in a function itself: calls resolve
    /// in the top graph's library).
    library: HashMap<String, GraphModel>,
    /// For a graph with TF1 control flow (run as dataflow): each node's users, by data and
    /// control edges.
    users: Option<Vec<Vec<usize>>>,
}

fn format_err(msg: impl Into<String>) -> Error {
    Error::Format(msg.into())
}

impl GraphModel {
    /// Loads a TF.js graph-model folder (`model.json` and its shards).
    pub fn load_dir(dir: impl AsRef<Path>, dev: &Device, limits: &LoadLimits) -> Result<GraphModel> {
        let (a, w) = artifacts::load_dir(dir, limits)?;
        GraphModel::from_artifacts(a, w, dev)
    }

    /// Loads from `model.json` bytes and each group's shard bytes (for front ends that fetch).
    pub fn from_parts(
        model_json: &[u8],
        shards: &[Vec<Vec<u8>>],
        dev: &Device,
        limits: &LoadLimits,
    ) -> Result<GraphModel> {
        let a = ModelArtifacts::parse(model_json, limits)?;
        let w = artifacts::decode_weights(&a.weights_manifest, shards, limits)?;
        GraphModel::from_artifacts(a, w, dev)
    }

    /// Builds the runnable graph from parsed artifacts and decoded weights.
    pub fn from_artifacts(a: ModelArtifacts, weights: Vec<NamedWeight>, dev: &Device) -> Result<GraphModel> {
        if let Some(f) = a.format.as_deref() {
            if f != "graph-model" {
                return Err(format_err(format!(
                    "model.json has format {f:?}; a graph model has \"graph-model\" (layers models load with loadLayersModel)"
                )));
            }
        }
        let topology = a
            .model_topology
            .as_ref()
            .ok_or_else(|| format_err("model.json has no modelTopology"))?;
        let graph = GraphDef::from_json(topology)?;
        if a.model_initializer.is_some() {
            return Err(format_err(
                "model.json has a modelInitializer (hash-table initialization), which is not supported yet",
            ));
        }
        let functions = graph
            .library
            .as_ref()
            .and_then(|l| l.get("function"))
            .and_then(Value::as_array)
            .map(|fs| fs.iter().map(function_graph).collect::<Result<Vec<_>>>())
            .transpose()?
            .unwrap_or_default();
        // Every unsupported op of the graph and its functions, named at once.
        let unsupported: BTreeSet<&str> = graph
            .node
            .iter()
            .chain(functions.iter().flat_map(|f| f.nodes.iter()))
            .filter(|n| ops::kernel(&n.op).is_none())
            .map(|n| n.op.as_str())
            .collect();
        if !unsupported.is_empty() {
            return Err(format_err(format!(
                "the model uses TF ops Ferroflow does not support: {}",
                unsupported.into_iter().collect::<Vec<_>>().join(", ")
            )));
        }
        if let Some(n) = graph
            .node
            .iter()
            .chain(functions.iter().flat_map(|f| f.nodes.iter()))
            .find(|n| ops::refuses_complex(n))
        {
            return Err(format_err(format!(
                "node {:?} ({}) takes complex values, which only Complex, Real, Imag, ComplexAbs, FFT, IFFT, RFFT, IRFFT and Identity handle",
                n.name, n.op
            )));
        }
        let mut by_name: HashMap<String, NamedWeight> = HashMap::new();
        for w in weights {
            by_name.insert(w.name.clone(), w);
        }
        let (nodes, index, tensors, host_consts) = build(graph.node, &mut by_name, dev)?;
        let mut library = HashMap::new();
        for f in functions {
            let (nodes, index, weights, host_consts) =
                build(f.nodes, &mut by_name, dev).map_err(|e| e.within(&format!("function {}", f.name)))?;
            let inputs = f
                .input_names
                .iter()
                .filter_map(|n| index.get(n).map(|&i| info(&nodes[i].def)))
                .collect();
            let outputs = f
                .outputs
                .iter()
                .map(|o| TensorInfo {
                    name: o.clone(),
                    dtype: None,
                    shape: None,
                })
                .collect();
            let model = GraphModel {
                device: dev.clone(),
                nodes,
                index,
                weights,
                host_consts,
                host: (dev.name() == "cpu").then(|| dev.clone()),
                inputs,
                outputs,
                metadata: Value::Null,
                library: HashMap::new(),
                users: None,
            };
            if let Some(n) = model
                .nodes
                .iter()
                .find(|n| frames::FRAME_OPS.contains(&n.def.op.as_str()))
            {
                return Err(format_err(format!(
                    "function {}: node {:?} is a TF1 control-flow op ({}), which a library function may not hold",
                    f.name, n.def.name, n.def.op
                )));
            }
            for o in &f.outputs {
                model
                    .node_ref("load", o)
                    .map_err(|_| format_err(format!("function {}: its output {o:?} names no node", f.name)))?;
            }
            library.insert(f.name, model);
        }
        if let Some(name) = by_name.keys().next() {
            return Err(format_err(format!(
                "weight {name:?} of the manifest is not a Const node of the graph"
            )));
        }
        for n in nodes.iter().chain(library.values().flat_map(|m| m.nodes.iter())) {
            for key in control::FUNCTION_ATTRS {
                if let Some(f) = n.def.attr_func(key) {
                    if !library.contains_key(&f) {
                        return Err(format_err(format!(
                            "node {:?} ({}) calls function {f:?}, which the graph's library does not define",
                            n.def.name, n.def.op
                        )));
                    }
                }
            }
        }

        let users = dataflow_users(&nodes)?;
        let (inputs, outputs) = signature(&nodes, &index, a.signature.as_ref())?;
        let metadata = serde_json::json!({
            "versions": topology.get("versions"),
            "format": a.format,
            "generatedBy": a.generated_by,
            "convertedBy": a.converted_by,
            "userDefinedMetadata": a.user_defined_metadata,
        });
        Ok(GraphModel {
            device: dev.clone(),
            nodes,
            index,
            weights: tensors,
            host_consts,
            host: (dev.name() == "cpu").then(|| dev.clone()),
            inputs,
            outputs,
            metadata,
            library,
            users,
        })
    }

    pub fn inputs(&self) -> &[TensorInfo] {
        &self.inputs
    }
    pub fn outputs(&self) -> &[TensorInfo] {
        &self.outputs
    }
    pub fn device(&self) -> &Device {
        &self.device
    }
    /// The distinct TF ops of the graph, sorted.
    pub fn ops(&self) -> Vec<&str> {
        let s: BTreeSet<&str> = self.nodes.iter().map(|n| n.def.op.as_str()).collect();
        s.into_iter().collect()
    }

    /// Runs the model on `inputs` (in the order of [`GraphModel::inputs`]) and returns its outputs.
    pub fn predict(&self, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        if inputs.len() != self.inputs.len() {
            return Err(Error::invalid(
                "predict",
                format!(
                    "the model has {} inputs ({}), got {} tensors",
                    self.inputs.len(),
                    self.inputs
                        .iter()
                        .map(|i| i.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    inputs.len()
                ),
            ));
        }
        let feeds: Vec<(&str, Tensor)> = self
            .inputs
            .iter()
            .zip(inputs)
            .map(|(i, t)| (i.name.as_str(), t.clone()))
            .collect();
        let fetch: Vec<&str> = self.outputs.iter().map(|o| o.name.as_str()).collect();
        self.execute(&feeds, &fetch)
    }

    fn node_ref(&self, op: &str, name: &str) -> Result<(usize, usize)> {
        let r = parse_input(name);
        match self.index.get(r.node) {
            Some(&i) if !r.control => Ok((i, r.output)),
            _ => Err(Error::invalid(op, format!("the graph has no node named {name:?}"))),
        }
    }

    /// Runs the nodes `fetch` depends on with `feeds` (node name to value; any node may be fed)
    /// and returns the fetched values (`"name"` or `"name:k"` for a node's k-th output). On a
    /// device that cannot read back synchronously (WebGPU in a page), a graph whose ops need
    /// values on the host fails with TF.js's error: use [`GraphModel::execute_async`].
    pub fn execute(&self, feeds: &[(&str, Tensor)], fetch: &[&str]) -> Result<Vec<Tensor>> {
        let mut run = self.start(feeds, fetch)?;
        match self.advance(&mut run)? {
            Step::Done(out) => Ok(out),
            Step::Read(_) => Err(run
                .paused_error
                .take()
                .unwrap_or_else(|| Error::invalid("execute", "a value must be read back"))),
        }
    }

    /// [`GraphModel::execute`] that reads values back without blocking where an op needs them
    /// on the host (`Where`, `NonMaxSuppression`, `Unique`, shapes computed on the device...).
    pub async fn execute_async(&self, feeds: &[(&str, Tensor)], fetch: &[&str]) -> Result<Vec<Tensor>> {
        let mut run = self.start(feeds, fetch)?;
        loop {
            match self.advance(&mut run)? {
                Step::Done(out) => return Ok(out),
                Step::Read(tensors) => {
                    let mut data = Vec::with_capacity(tensors.len());
                    for t in &tensors {
                        data.push(t.to_host_async().await?);
                    }
                    run.provide(data)?;
                }
            }
        }
    }

    /// Begins an execution (checks feeds and fetches, finds the nodes needed); run it with
    /// [`GraphModel::advance`].
    pub fn start(&self, feeds: &[(&str, Tensor)], fetch: &[&str]) -> Result<Run> {
        let op = "execute";
        let mut fed: HashMap<usize, Tensor> = HashMap::new();
        for (name, t) in feeds {
            let (i, _) = self.node_ref(op, name)?;
            if t.device().name() != self.device.name() {
                return Err(Error::invalid(
                    op,
                    format!(
                        "input {name:?} is on {}, the model on {}",
                        t.device().name(),
                        self.device.name()
                    ),
                ));
            }
            self.check_feed(i, t)?;
            fed.insert(i, t.clone());
        }
        let targets: Vec<(usize, usize)> = fetch.iter().map(|f| self.node_ref(op, f)).collect::<Result<_>>()?;

        // The nodes the targets need, stopping at fed nodes.
        let mut needed = vec![false; self.nodes.len()];
        let mut stack: Vec<usize> = targets.iter().map(|t| t.0).collect();
        while let Some(i) = stack.pop() {
            if needed[i] {
                continue;
            }
            needed[i] = true;
            if fed.contains_key(&i) {
                continue;
            }
            let n = &self.nodes[i];
            if n.def.op == "Placeholder" {
                return Err(Error::invalid(
                    op,
                    format!("the model needs input {:?}, which was not given", n.def.name),
                ));
            }
            stack.extend(n.inputs.iter().map(|x| x.0));
            if self.users.is_some() {
                stack.extend(&n.controls);
            }
        }
        let flow = self.users.is_some().then(|| frames::Flow::new(self, &needed, &fed));
        Ok(Run {
            needed,
            fed,
            values: vec![None; self.nodes.len()],
            host_vals: HashMap::new(),
            targets,
            fetch: fetch.iter().map(|f| f.to_string()).collect(),
            next: 0,
            pending: vec![],
            paused_error: None,
            fed_host: HashMap::new(),
            control: None,
            pending_pred: false,
            flow,
            resources: Rc::default(),
        })
    }

    /// Runs nodes in order until the fetched values are ready, or until a node needs values on
    /// the host that the device cannot read synchronously: [`Step::Read`] lists them; pass their
    /// values to [`Run::provide`] and advance again.
    pub fn advance(&self, run: &mut Run) -> Result<Step> {
        self.advance_in(run, &self.library)
    }

    /// [`GraphModel::advance`] with the library function calls resolve in.
    fn advance_in(&self, run: &mut Run, lib: &HashMap<String, GraphModel>) -> Result<Step> {
        if run.waiting() {
            return Err(Error::invalid(
                "execute",
                "the values this run waits for were not provided",
            ));
        }
        if let Some(users) = &self.users {
            return self.advance_flow(run, users);
        }
        while run.next < self.nodes.len() {
            let i = run.next;
            let n = &self.nodes[i];
            if !run.needed[i] {
                run.next += 1;
                continue;
            }
            if let Some(t) = run.fed.remove(&i) {
                if let Some(h) = run.fed_host.remove(&i) {
                    run.host_vals.insert((i, 0), h);
                }
                run.values[i] = Some(vec![t]);
                run.next += 1;
                continue;
            }
            if control::is_call(&n.def.op) {
                if let Some(step) = self.call(run, i, lib).map_err(|e| in_node(&n.def, e))? {
                    return Ok(step);
                }
                run.next += 1;
                continue;
            }
            if let Some(w) = self.weights.get(&i) {
                if let Some(h) = self.host_consts.get(&i) {
                    run.host_vals.insert((i, 0), (h.clone(), w.shape().to_vec()));
                }
                run.values[i] = Some(vec![w.clone()]);
                run.next += 1;
                continue;
            }
            let mut inputs = Vec::with_capacity(n.inputs.len());
            let mut known = Vec::with_capacity(n.inputs.len());
            for &(j, k) in &n.inputs {
                let v = run.values[j].as_ref().and_then(|outs| outs.get(k)).ok_or_else(|| {
                    format_err(format!(
                        "node {:?} reads output {k} of {:?}, which has no such output",
                        n.def.name, self.nodes[j].def.name
                    ))
                })?;
                inputs.push(v.clone());
                known.push(run.host_vals.get(&(j, k)));
            }
            let out = match self.exec_node(n, inputs, &known, &run.resources)? {
                Outcome::Done(out, hosts) => {
                    for (k, h) in hosts.into_iter().enumerate() {
                        if let Some(h) = h {
                            run.host_vals.insert((i, k), h);
                        }
                    }
                    out
                }
                Outcome::Wait(wanted, e, tensors) => {
                    // Paused, not failed: the node runs again once these are on the host.
                    run.pending = wanted.iter().map(|&w| n.inputs[w]).collect();
                    run.paused_error = Some(e);
                    return Ok(Step::Read(tensors));
                }
            };
            run.values[i] = Some(out);
            run.next += 1;
        }
        let out = run
            .targets
            .iter()
            .zip(&run.fetch)
            .map(|(&(i, k), name)| {
                run.values[i]
                    .as_ref()
                    .and_then(|v| v.get(k))
                    .cloned()
                    .ok_or_else(|| Error::invalid("execute", format!("node {name:?} has no output {k}")))
            })
            .collect::<Result<_>>()?;
        Ok(Step::Done(out))
    }

    /// Runs one node's kernel on its input values (`known`: those known on the host): shape
    /// ops and small host-known arithmetic are computed on the host, pass-through ops carry
    /// their inputs' host values, and a kernel that must see an input on the host where the
    /// device cannot read synchronously waits for it.
    fn exec_node(
        &self,
        n: &Node,
        inputs: Vec<Tensor>,
        known: &[Option<&HostValue>],
        resources: &RefCell<Resources>,
    ) -> Result<Outcome> {
        let host: Vec<Option<&HostData>> = known.iter().map(|h| h.map(|(d, _)| d)).collect();
        let ctx = Ctx::new(&n.def, inputs, host, self.device.reads_synchronously()).with_resources(resources);
        let folded = match shape_values(&ctx) {
            Some(r) => Some(r.map_err(|e| in_node(&n.def, e))?),
            None => self
                .fold_on_host(&ctx, known, n.kernel)
                .map_err(|e| in_node(&n.def, e))?,
        };
        if let Some(vals) = folded {
            let mut out = Vec::with_capacity(vals.len());
            let mut hosts = Vec::with_capacity(vals.len());
            for (data, shape) in vals {
                out.push(Tensor::from_host_on(data.clone(), &shape, &self.device)?);
                hosts.push(Some((data, shape)));
            }
            return Ok(Outcome::Done(out, hosts));
        }
        match (n.kernel)(&ctx) {
            Ok(out) => {
                let mut hosts: Vec<Option<HostValue>> = if PASS_THROUGH.contains(&n.def.op.as_str()) {
                    known.iter().take(out.len()).map(|h| h.cloned()).collect()
                } else {
                    vec![None; out.len()]
                };
                for (k, h) in ctx.take_known_outputs() {
                    if let Some(slot) = hosts.get_mut(k) {
                        *slot = Some(h);
                    }
                }
                Ok(Outcome::Done(out, hosts))
            }
            Err(e) => {
                let wanted = ctx.wanted();
                if wanted.is_empty() {
                    return Err(in_node(&n.def, e));
                }
                let tensors = wanted.iter().map(|&w| ctx.inputs[w].clone()).collect();
                Ok(Outcome::Wait(wanted, e, tensors))
            }
        }
    }

    /// Advances control-flow node `i` (`While`/`If`): `Some(step)` when it pauses for a read,
    /// `None` when its outputs are set.
    fn call(&self, run: &mut Run, i: usize, lib: &HashMap<String, GraphModel>) -> Result<Option<Step>> {
        let n = &self.nodes[i];
        loop {
            let state = match run.control.take() {
                Some(s) => s,
                None => {
                    let mut args: Args = (vec![], vec![]);
                    for &(j, k) in &n.inputs {
                        let t = run.values[j].as_ref().and_then(|v| v.get(k)).cloned();
                        args.0.push(
                            t.ok_or_else(|| format_err(format!("node {:?} reads a missing output", n.def.name)))?,
                        );
                        args.1.push(run.host_vals.get(&(j, k)).cloned());
                    }
                    let func = |key: &str| {
                        n.def
                            .attr_func(key)
                            .ok_or_else(|| format_err(format!("node {:?} has no function attribute {key}", n.def.name)))
                    };
                    if n.def.op.ends_with("While") {
                        self.start_call(lib, &run.resources, func("cond")?, args.clone(), AfterCall::Cond(args))?
                    } else {
                        if args.0.is_empty() {
                            return Err(format_err(format!("node {:?} has no condition input", n.def.name)));
                        }
                        let (pred, known) = (args.0.remove(0), args.1.remove(0));
                        Control::Pred {
                            pred,
                            value: known.map(|(d, _)| truthy(&d)),
                            next: AfterPred::Branch(args, func("then_branch")?, func("else_branch")?),
                        }
                    }
                }
            };
            run.control = Some(match state {
                Control::Pred { pred, value, next } => {
                    let value = match value {
                        Some(v) => v,
                        None if self.device.reads_synchronously() => truthy(&pred.to_host()?),
                        None => {
                            run.control = Some(Control::Pred {
                                pred: pred.clone(),
                                value,
                                next,
                            });
                            run.pending_pred = true;
                            run.paused_error = Some(ops::needs_async(&n.def));
                            return Ok(Some(Step::Read(vec![pred])));
                        }
                    };
                    match next {
                        AfterPred::Loop(vals) if value => {
                            let body = n.def.attr_func("body").unwrap_or_default();
                            self.start_call(lib, &run.resources, body, vals, AfterCall::Body)?
                        }
                        AfterPred::Loop(vals) => return self.finish_call(run, i, vals).map(|()| None),
                        AfterPred::Branch(args, then_f, else_f) => self.start_call(
                            lib,
                            &run.resources,
                            if value { then_f } else { else_f },
                            args,
                            AfterCall::Done,
                        )?,
                    }
                }
                Control::Call {
                    func,
                    run: mut sub,
                    then,
                } => {
                    let f = lib
                        .get(&func)
                        .ok_or_else(|| format_err(format!("no function {func:?}")))?;
                    let outs = match f.advance_in(&mut sub, lib)? {
                        Step::Read(ts) => {
                            run.paused_error = sub.paused_error.take();
                            run.control = Some(Control::Call { func, run: sub, then });
                            return Ok(Some(Step::Read(ts)));
                        }
                        Step::Done(outs) => outs,
                    };
                    let hosts = sub.target_host_values();
                    match then {
                        AfterCall::Cond(vals) => {
                            let pred = outs
                                .into_iter()
                                .next()
                                .ok_or_else(|| format_err(format!("function {func} returned nothing")))?;
                            Control::Pred {
                                pred,
                                value: hosts.first().cloned().flatten().map(|(d, _)| truthy(&d)),
                                next: AfterPred::Loop(vals),
                            }
                        }
                        AfterCall::Body => {
                            let cond = n.def.attr_func("cond").unwrap_or_default();
                            let vals = (outs, hosts);
                            self.start_call(lib, &run.resources, cond, vals.clone(), AfterCall::Cond(vals))?
                        }
                        AfterCall::Done => return self.finish_call(run, i, (outs, hosts)).map(|()| None),
                    }
                }
            });
        }
    }

    /// Begins a call of library function `func` on `args`.
    fn start_call(
        &self,
        lib: &HashMap<String, GraphModel>,
        resources: &Rc<RefCell<Resources>>,
        func: String,
        args: Args,
        then: AfterCall,
    ) -> Result<Control> {
        let f = lib
            .get(&func)
            .ok_or_else(|| format_err(format!("no function {func:?} in the library")))?;
        if args.0.len() != f.inputs.len() {
            return Err(Error::invalid(
                "execute",
                format!(
                    "function {func} takes {} arguments, got {}",
                    f.inputs.len(),
                    args.0.len()
                ),
            ));
        }
        let feeds: Vec<(&str, Tensor)> = f.inputs.iter().map(|i| i.name.as_str()).zip(args.0).collect();
        let fetch: Vec<&str> = f.outputs.iter().map(|o| o.name.as_str()).collect();
        let mut run = f
            .start(&feeds, &fetch)
            .map_err(|e| e.within(&format!("function {func}")))?;
        run.resources = resources.clone();
        for (info, h) in f.inputs.iter().zip(args.1) {
            if let (Some(h), Some(&i)) = (h, f.index.get(&info.name)) {
                run.fed_host.insert(i, h);
            }
        }
        Ok(Control::Call {
            func,
            run: Box::new(run),
            then,
        })
    }

    /// Sets node `i`'s outputs to a finished call's values.
    fn finish_call(&self, run: &mut Run, i: usize, (vals, hosts): Args) -> Result<()> {
        for (k, h) in hosts.into_iter().enumerate() {
            if let Some(h) = h {
                run.host_vals.insert((i, k), h);
            }
        }
        run.values[i] = Some(vals);
        Ok(())
    }

    /// Runs a node on the host device when it is shape arithmetic over values all known on the
    /// host (a few small tensors), and returns its outputs as host values; `None` otherwise.
    fn fold_on_host(&self, ctx: &Ctx, known: &[Option<&HostValue>], kernel: Kernel) -> Result<Option<Vec<HostValue>>> {
        let Some(host_dev) = &self.host else {
            return Ok(None);
        };
        let small = |v: &&HostValue| v.0.len() <= HOST_CONST_ELEMENTS;
        if !HOST_FOLDABLE.contains(&ctx.node.op.as_str())
            || known.is_empty()
            || !known.iter().all(|k| k.is_some_and(|v| small(&v)))
        {
            return Ok(None);
        }
        let mut inputs = Vec::with_capacity(known.len());
        for (data, shape) in known.iter().flatten() {
            inputs.push(Tensor::from_host_on(data.clone(), shape, host_dev)?);
        }
        let host_ctx = Ctx::new(ctx.node, inputs, ctx.host.clone(), true);
        let mut out = vec![];
        for t in kernel(&host_ctx)? {
            if t.numel() > HOST_CONST_ELEMENTS {
                return Ok(None);
            }
            out.push((t.to_host()?, t.shape().to_vec()));
        }
        Ok(Some(out))
    }

    /// Shape arithmetic (`Shape -> StridedSlice -> Pack -> Reshape`) is folded on the host
    /// when this device is given (a CPU device); on a CPU model it is the model's own device.
    pub fn set_host_device(&mut self, dev: Device) {
        for f in self.library.values_mut() {
            f.host = Some(dev.clone());
        }
        self.host = Some(dev);
    }

    /// A fed placeholder's value must agree with the dtype and known sizes the graph declares.
    fn check_feed(&self, i: usize, t: &Tensor) -> Result<()> {
        let n = &self.nodes[i].def;
        if !n.op.starts_with("Placeholder") {
            return Ok(());
        }
        if let Some(want) = n.attr_dtype("dtype")? {
            if t.dtype() != want {
                return Err(Error::dtype(
                    "execute",
                    format!("input {:?} must be {want:?}, got {:?}", n.name, t.dtype()),
                ));
            }
        }
        if let Some(dims) = n.attr_shape("shape") {
            let ok = dims.len() == t.rank() && dims.iter().zip(t.shape()).all(|(d, &s)| d.is_none_or(|d| d == s));
            if !ok {
                let want: Vec<String> = dims.iter().map(|d| d.map_or("-1".into(), |d| d.to_string())).collect();
                return Err(Error::shape(
                    "execute",
                    format!(
                        "input {:?} must have shape [{}], got {:?}",
                        n.name,
                        want.join(", "),
                        t.shape()
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// For a graph with TF1 control flow, each node's users (by data and control edges); `None`
/// for a DAG. Such a graph may not also call library functions.
fn dataflow_users(nodes: &[Node]) -> Result<Option<Vec<Vec<usize>>>> {
    if !nodes.iter().any(|n| frames::FRAME_OPS.contains(&n.def.op.as_str())) {
        return Ok(None);
    }
    if let Some(n) = nodes.iter().find(|n| control::is_call(&n.def.op)) {
        return Err(format_err(format!(
            "node {:?} ({}) is v2 control flow in a graph with TF1 control flow; mixing the two is not supported",
            n.def.name, n.def.op
        )));
    }
    let mut users = vec![vec![]; nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        for &j in n.inputs.iter().map(|(j, _)| j).chain(&n.controls) {
            if users[j].last() != Some(&i) {
                users[j].push(i);
            }
        }
    }
    Ok(Some(users))
}

/// A predicate's truth as TF.js reads it: its first element is non-zero.
fn truthy(d: &HostData) -> bool {
    match d {
        HostData::F32(v) => v.first().is_some_and(|&x| x != 0.0),
        HostData::I32(v) => v.first().is_some_and(|&x| x != 0),
        HostData::Bool(v) => v.first().copied().unwrap_or(false),
    }
}

/// Names the node in an error raised by its kernel.
fn in_node(n: &NodeDef, e: Error) -> Error {
    match e {
        Error::Format(m) => Error::Format(m),
        other => other.within(&format!("node {} ({})", n.name, n.op)),
    }
}

type Built = (
    Vec<Node>,
    HashMap<String, usize>,
    HashMap<usize, Tensor>,
    HashMap<usize, HostData>,
);

/// Sorts a graph's nodes, links their inputs, and puts its Const nodes' weights on the device
/// (taking them from `weights`; small integer ones also kept on the host).
fn build(graph: Vec<NodeDef>, weights: &mut HashMap<String, NamedWeight>, dev: &Device) -> Result<Built> {
    let order = topological_order(&graph)?;
    let mut index = HashMap::with_capacity(order.len());
    for (pos, &i) in order.iter().enumerate() {
        index.insert(graph[i].name.clone(), pos);
    }
    let mut defs: Vec<Option<NodeDef>> = graph.into_iter().map(Some).collect();
    let mut nodes = Vec::with_capacity(order.len());
    for &i in &order {
        let def = defs[i]
            .take()
            .ok_or_else(|| format_err("the topological order lists a node twice"))?;
        let (mut inputs, mut controls) = (vec![], vec![]);
        for s in &def.input {
            let r = parse_input(s);
            let &j = index
                .get(r.node)
                .ok_or_else(|| format_err(format!("node {:?}: input {s:?} names no node", def.name)))?;
            if r.control {
                controls.push(j);
            } else {
                inputs.push((j, r.output));
            }
        }
        let kernel = ops::kernel(&def.op).ok_or_else(|| format_err(format!("no kernel for {}", def.op)))?;
        nodes.push(Node {
            def,
            kernel,
            inputs,
            controls,
        });
    }
    let mut tensors = HashMap::new();
    let mut host_consts = HashMap::new();
    for (i, n) in nodes.iter().enumerate() {
        if n.def.op != "Const" {
            continue;
        }
        // The converter writes every constant into the weights (TF.js reads them only there).
        let w = weights.remove(&n.def.name).ok_or_else(|| {
            format_err(format!(
                "Const node {:?} has no weight of that name in the manifest",
                n.def.name
            ))
        })?;
        if w.data.len() != w.shape.iter().product::<usize>() {
            return Err(format_err(format!(
                "weight {:?}: value count does not match shape",
                w.name
            )));
        }
        tensors.insert(i, Tensor::from_host_on(w.data.clone(), &w.shape, dev)?);
        let keep = if w.data.dtype() == DType::F32 {
            HOST_FLOAT_CONST_ELEMENTS
        } else {
            HOST_CONST_ELEMENTS
        };
        if w.data.len() <= keep {
            host_consts.insert(i, w.data);
        }
    }
    Ok((nodes, index, tensors, host_consts))
}

/// One `library.function` entry as a graph: a Placeholder per input argument, then its nodes;
/// its outputs are what `ret` maps each output argument to.
struct FunctionGraph {
    name: String,
    nodes: Vec<NodeDef>,
    /// The input placeholders' names, in argument order.
    input_names: Vec<String>,
    outputs: Vec<String>,
}

fn function_graph(f: &Value) -> Result<FunctionGraph> {
    let sig = f
        .get("signature")
        .ok_or_else(|| format_err("library.function: an entry has no signature"))?;
    let name = sig
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| format_err("library.function: a signature has no name"))?
        .to_string();
    let args = |key: &str| -> Vec<&Value> {
        sig.get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    };
    let arg_name = |a: &Value| -> Result<String> {
        a.get("name")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format_err(format!("function {name}: an argument has no name")))
    };
    let mut nodes = vec![];
    for a in args("inputArg") {
        let mut attr = serde_json::Map::new();
        if let Some(t) = a.get("type") {
            attr.insert("dtype".into(), serde_json::json!({ "type": t }));
        }
        nodes.push(NodeDef {
            name: arg_name(a)?,
            op: "Placeholder".into(),
            input: vec![],
            attr,
        });
    }
    let input_names = nodes.iter().map(|n| n.name.clone()).collect();
    for (i, n) in f
        .get("nodeDef")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        nodes.push(NodeDef::from_json(n).map_err(|e| format_err(format!("function {name}: nodeDef[{i}]: {e}")))?);
    }
    let ret = f.get("ret");
    let mut outputs = vec![];
    for a in args("outputArg") {
        let arg = arg_name(a)?;
        let to = ret
            .and_then(|r| r.get(&arg))
            .and_then(Value::as_str)
            .ok_or_else(|| format_err(format!("function {name}: output {arg:?} is not in ret")))?;
        let r = parse_input(to);
        outputs.push(format!("{}:{}", r.node, r.output));
    }
    Ok(FunctionGraph {
        name,
        nodes,
        input_names,
        outputs,
    })
}

/// Kahn's algorithm over data and control edges, except the back edges of TF1 loops (out of
/// `NextIteration`); any other cycle is an error naming a node on it.
fn topological_order(nodes: &[NodeDef]) -> Result<Vec<usize>> {
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(nodes.len());
    for (i, n) in nodes.iter().enumerate() {
        if index.insert(n.name.as_str(), i).is_some() {
            return Err(format_err(format!("two nodes are named {:?}", n.name)));
        }
    }
    let mut indegree = vec![0usize; nodes.len()];
    let mut users: Vec<Vec<usize>> = vec![vec![]; nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        for s in &n.input {
            let r = parse_input(s);
            let &j = index
                .get(r.node)
                .ok_or_else(|| format_err(format!("node {:?}: input {s:?} names no node", n.name)))?;
            if nodes[j].op == "NextIteration" {
                continue;
            }
            indegree[i] += 1;
            users[j].push(i);
        }
    }
    let mut ready: Vec<usize> = (0..nodes.len()).rev().filter(|&i| indegree[i] == 0).collect();
    let mut order = Vec::with_capacity(nodes.len());
    while let Some(i) = ready.pop() {
        order.push(i);
        for &u in users[i].iter().rev() {
            indegree[u] -= 1;
            if indegree[u] == 0 {
                ready.push(u);
            }
        }
    }
    if order.len() != nodes.len() {
        let stuck = (0..nodes.len())
            .find(|&i| indegree[i] > 0)
            .map(|i| nodes[i].name.as_str());
        return Err(format_err(format!(
            "the graph has a cycle through node {:?} outside a loop frame (only NextIteration may feed a node back)",
            stuck.unwrap_or("?")
        )));
    }
    Ok(order)
}

/// What the node's own `dtype` and `shape` attributes say (TF.js's rule: an output such as an
/// Identity node has neither).
fn info(n: &NodeDef) -> TensorInfo {
    TensorInfo {
        name: n.name.clone(),
        dtype: n.attr_dtype("dtype").ok().flatten(),
        shape: n.attr_shape("shape"),
    }
}

/// Inputs and outputs: from the signature when the file has one, else the placeholders and the
/// nodes nothing reads (TF.js's rule).
fn signature(
    nodes: &[Node],
    index: &HashMap<String, usize>,
    sig: Option<&Value>,
) -> Result<(Vec<TensorInfo>, Vec<TensorInfo>)> {
    let from_sig = |key: &str| -> Result<Option<Vec<TensorInfo>>> {
        let Some(map) = sig.and_then(|s| s.get(key)).and_then(Value::as_object) else {
            return Ok(None);
        };
        let mut out = vec![];
        for (k, v) in map {
            let name = v.get("name").and_then(Value::as_str).unwrap_or(k);
            let node = parse_input(name).node;
            let &i = index
                .get(node)
                .ok_or_else(|| format_err(format!("signature {key} {k:?} names no node ({name:?})")))?;
            let mut t = info(&nodes[i].def);
            t.name = name.strip_suffix(":0").unwrap_or(name).to_string();
            out.push(t);
        }
        Ok(Some(out))
    };
    let inputs = match from_sig("inputs")? {
        Some(v) => v,
        None => nodes
            .iter()
            .filter(|n| n.def.op == "Placeholder")
            .map(|n| info(&n.def))
            .collect(),
    };
    let outputs = match from_sig("outputs")? {
        Some(v) => v,
        None => {
            let mut read = vec![false; nodes.len()];
            for n in nodes {
                for &(j, _) in &n.inputs {
                    read[j] = true;
                }
            }
            nodes
                .iter()
                .enumerate()
                .filter(|(i, n)| !read[*i] && !matches!(n.def.op.as_str(), "Const" | "NoOp" | "Placeholder"))
                .map(|(_, n)| info(&n.def))
                .collect()
        }
    };
    Ok((inputs, outputs))
}
