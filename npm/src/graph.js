// `ff.loadGraphModel` and `GraphModel`: TF.js graph models (model.json with a TensorFlow GraphDef
// and weight shards, as `tensorflowjs_converter` writes them), read and run by Rust
// (`ferroflow_core::tfjs` through `GraphModelCore`). This file fetches what the validated
// manifest lists and gives TF.js's API: inputs as a tensor, an array or a name-keyed map,
// `predict`/`execute`/`executeAsync`, `inputs`/`outputs`/`inputNodes`/`outputNodes`, `metadata`.
import { loadedWasm } from './init.js';
import { getLoadHandler, ioError, toBytes } from './io.js';
import { describe } from './layers.js';

const OP = 'loadGraphModel';

const LOAD_OPTIONS = ['onProgress', 'requestInit', 'weightPathPrefix', 'fetchFunc', 'fromTFHub', 'streamWeights'];

function checkOptions(options) {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(`${OP}: invalid argument: argument 'options': expected an options object, got ${describe(options)}`);
  }
  for (const k of Object.keys(options)) {
    if (options[k] === undefined || LOAD_OPTIONS.includes(k)) continue;
    throw new Error(`${OP}: invalid argument: argument 'options': unknown option ${JSON.stringify(k)} (expected some of: ${LOAD_OPTIONS.join(', ')})`);
  }
  if (options.fromTFHub) throw new Error(`${OP}: invalid argument: argument 'options.fromTFHub': TF Hub URLs are not supported (load the model.json URL)`);
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new Error(`${OP}: invalid argument: argument 'options.onProgress': expected a function, got ${describe(options.onProgress)}`);
  }
  return options;
}

/** TF.js-style artifacts (`{modelTopology, weightSpecs, weightData}`) as model.json and one shard. */
function fromTfjsArtifacts(art) {
  const parts = Array.isArray(art.weightData) ? art.weightData : art.weightData === undefined ? [] : [art.weightData];
  const bytes = parts.map((p, i) => toBytes(p, OP, `weightData[${i}]`));
  const total = bytes.reduce((n, b) => n + b.byteLength, 0);
  const shard = new Uint8Array(total);
  let at = 0;
  for (const b of bytes) {
    shard.set(b, at);
    at += b.byteLength;
  }
  const json = { modelTopology: art.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: art.weightSpecs ?? [] }] };
  for (const k of ['format', 'generatedBy', 'convertedBy', 'signature', 'userDefinedMetadata', 'modelInitializer', 'initializerSignature', 'trainingConfig']) {
    if (art[k] !== undefined) json[k] = art[k];
  }
  return { modelJson: JSON.stringify(json), weights: { 'weights.bin': shard } };
}

/**
 * `ff.loadGraphModel(url | IOHandler, {onProgress, requestInit, weightPathPrefix, fetchFunc})`:
 * `http(s)://`, `file://` (Node), `indexeddb://`, `localstorage://`, or a handler whose `load()`
 * gives `{modelJson, weights: {path: bytes}}` (Ferroflow's), `{modelJson, readWeights(path, size)}`
 * or TF.js's `{modelTopology, weightSpecs, weightData}`. Every byte is validated in Rust first.
 */
export async function loadGraphModel(modelUrl, options) {
  const opts = checkOptions(options);
  const handler = getLoadHandler(modelUrl, opts, OP);
  let art = await handler.load();
  if (art === null || typeof art !== 'object') throw ioError(OP, `the load handler returned ${describe(art)}, expected model artifacts`);
  if (art.modelJson === undefined && art.modelTopology !== undefined) art = fromTfjsArtifacts(art);
  const json = toBytes(art.modelJson, OP, 'modelJson');
  const wasm = loadedWasm();
  const groups = wasm.inspectGraphModelJson(json);
  const total = groups.reduce((n, g) => n + g.paths.length, 0);
  let done = 0;
  const progress = (f) => {
    if (opts.onProgress) opts.onProgress(f);
  };
  progress(0);
  const shards = [];
  for (const g of groups) {
    const files = [];
    for (const path of g.paths) {
      let data;
      if (typeof art.readWeights === 'function') data = await art.readWeights(path, g.bytes, true);
      else data = art.weights && Object.prototype.hasOwnProperty.call(art.weights, path) ? art.weights[path] : undefined;
      if (data === undefined) throw ioError(OP, `weights file ${JSON.stringify(path)} listed in model.json was not found`);
      files.push(toBytes(data, OP, `weights[${JSON.stringify(path)}]`));
      done += 1;
      progress(done / total);
    }
    shards.push(files);
  }
  if (total === 0) progress(1);
  return new GraphModel(wasm.GraphModelCore.load(json, shards));
}

/** Node name of a `name` or `name:0` output/input reference. */
function nodeName(n) {
  return n.endsWith(':0') ? n.slice(0, -2) : n;
}

/** `{name, shape, dtype}`, undefined where the graph does not say (as TF.js). */
function tensorInfo(t) {
  return { name: t.name, shape: t.shape, dtype: t.dtype };
}

/** A TF.js graph model ready to run (TF.js `tf.GraphModel`). */
export class GraphModel {
  constructor(core) {
    this._core = core;
    this._inputs = core.inputs();
    this._outputs = core.outputs();
    this._meta = core.metadata();
  }

  _live(op) {
    if (!this._core) throw new Error(`${op}: invalid argument: the model was disposed`);
    return this._core;
  }

  /** `[{name, shape, dtype}]`, unknown sizes as -1 (TF.js's `TensorInfo`). */
  get inputs() {
    return this._inputs.map(tensorInfo);
  }
  get outputs() {
    return this._outputs.map(tensorInfo);
  }
  /** Input tensor names as TF.js gives them (`input:0`). */
  get inputNodes() {
    return this._inputs.map((t) => `${t.name}:0`);
  }
  get outputNodes() {
    return this._outputs.map((t) => `${t.name}:0`);
  }
  /** `userDefinedMetadata` of model.json (TF.js's `metadata`). */
  get metadata() {
    return this._meta.userDefinedMetadata ?? undefined;
  }
  /** `producer.minConsumer` of the GraphDef's versions, as TF.js reports it. */
  get modelVersion() {
    const v = this._meta.versions;
    return v ? `${v.producer}.${v.minConsumer}` : 'n/a';
  }
  /** The distinct TF ops of the graph (Ferroflow's). */
  get ops() {
    return this._live('ops').ops();
  }

  /** Feeds from a tensor, an array (in `inputNodes` order) or a `{name: tensor}` map. */
  _feeds(op, inputs) {
    const names = this.inputNodes;
    if (inputs === null || inputs === undefined) throw new Error(`${op}: invalid argument: argument 'inputs': expected a Tensor, an array of Tensors or a map of them, got ${describe(inputs)}`);
    if (Array.isArray(inputs)) {
      if (inputs.length !== names.length) {
        throw new Error(`${op}: invalid argument: Input tensor count mismatch, the graph model has ${names.length} placeholders, while there are ${inputs.length} input tensors`);
      }
      return [names, inputs];
    }
    if (typeof inputs === 'object' && inputs.constructor === Object) {
      const keys = Object.keys(inputs);
      return [keys.map(nodeName), keys.map((k) => inputs[k])];
    }
    if (names.length !== 1) {
      throw new Error(`${op}: invalid argument: Input tensor count mismatch, the graph model has ${names.length} placeholders, while there are 1 input tensors`);
    }
    return [names, [inputs]];
  }

  /** Feeds and fetches checked, then `run(core, names, values, fetch)`; one output unwrapped. */
  _run(op, inputs, outputs, run = (core, ...args) => core.execute(...args)) {
    const core = this._live(op);
    const [names, values] = this._feeds(op, inputs);
    const single = typeof outputs === 'string';
    const fetch = outputs === undefined ? this._outputs.map((t) => t.name) : single ? [outputs] : outputs;
    if (!Array.isArray(fetch) || fetch.some((f) => typeof f !== 'string')) {
      throw new Error(`${op}: invalid argument: argument 'outputs': expected a node name or an array of them, got ${describe(outputs)}`);
    }
    const unwrap = (ys) => (single || (outputs === undefined && ys.length === 1) ? ys[0] : ys);
    const ys = run(core, names, values, fetch);
    return ys instanceof Promise ? ys.then(unwrap) : unwrap(ys);
  }

  /** Runs the model: one output gives a Tensor, several an array. */
  predict(inputs, config) {
    if (config !== undefined && (config === null || typeof config !== 'object')) {
      throw new Error(`predict: invalid argument: argument 'config': expected an options object, got ${describe(config)}`);
    }
    return this._run('predict', inputs);
  }

  /** Runs the nodes `outputs` (a name or names; the model's outputs by default) depend on. */
  execute(inputs, outputs) {
    return this._run('execute', inputs, outputs);
  }

  /** As `execute`, waiting without blocking for the values dynamic ops (`Where`,
   *  `NonMaxSuppression`...) need on the host: required for them on WebGPU, as in TF.js. */
  async executeAsync(inputs, outputs) {
    return this._run('executeAsync', inputs, outputs, (core, ...args) => core.executeAsync(...args));
  }

  /** `predict` through `executeAsync`. */
  async predictAsync(inputs, config) {
    if (config !== undefined && (config === null || typeof config !== 'object')) {
      throw new Error(`predictAsync: invalid argument: argument 'config': expected an options object, got ${describe(config)}`);
    }
    return this.executeAsync(inputs);
  }

  /** Frees the model's weights. */
  dispose() {
    if (this._core) {
      this._core.free();
      this._core = null;
    }
  }
}
