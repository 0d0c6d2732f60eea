// The Keras-style layers API (TF.js names): `sequential`, `layers.*`, `compile`, `fit`,
// `evaluate`, `predict`, `summary`, weights, `save`/`loadLayersModel`. The model itself lives in
// Rust (`ModelCore`: layers from core's `nn`, one wasm call per training step); this file drives
// epochs, batches, shuffling, validation and callbacks, and yields to the event loop between
// batches so that a page stays responsive while a model trains.
import { loadedWasm } from './init.js';
import { getLoadHandler, getSaveHandler, ioError, toBytes } from './io.js';

const FACTORY_OF_CLASS = {
  Dense: 'dense',
  Conv2D: 'conv2d',
  MaxPooling2D: 'maxPooling2d',
  AveragePooling2D: 'averagePooling2d',
  Flatten: 'flatten',
  Dropout: 'dropout',
  BatchNormalization: 'batchNormalization',
  Embedding: 'embedding',
  Activation: 'activation',
};

/** How an argument is named in error messages (`the string "x"`, `an array of length 3`). */
export function describe(v) {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v)}`;
  return typeof v === 'object' ? 'an object' : `the ${typeof v} ${String(v)}`;
}

function invalid(op, msg) {
  return new Error(`${op}: invalid argument: ${msg}`);
}

/** Checks an options object: a plain object (or undefined) whose keys are all known. */
function options(op, arg, value, known, unsupported = []) {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(op, `argument '${arg}': expected an options object, got ${describe(value)}`);
  }
  for (const k of Object.keys(value)) {
    if (value[k] === undefined || known.includes(k)) continue;
    if (unsupported.includes(k)) throw invalid(op, `argument '${arg}.${k}': this TF.js option is not supported by ferroflow`);
    throw invalid(op, `argument '${arg}': unknown option ${JSON.stringify(k)} (expected some of: ${known.join(', ')})`);
  }
  return value;
}

/** A macrotask boundary: lets timers, input and rendering run between training steps. */
export function nextFrame() {
  if (typeof setImmediate === 'function') return new Promise((r) => setImmediate(r));
  if (typeof MessageChannel === 'function') {
    return new Promise((r) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        r();
      };
      ch.port2.postMessage(0);
    });
  }
  return new Promise((r) => setTimeout(r, 0));
}

// ---- layers ------------------------------------------------------------------------------

/**
 * A layer made by `ff.layers.*`. Its config is validated when it is made; its weights exist once
 * it is added to a model (which fixes its input shape).
 */
export class Layer {
  constructor(factory, config) {
    const info = loadedWasm().layerSpecInfo(factory, config);
    this._factory = info.factory;
    this._className = info.className;
    this.name = info.name;
    this._config = { ...(config || {}), name: info.name };
    this._model = null;
    this._index = -1;
    this._trainable = this._config.trainable ?? true;
  }
  getClassName() {
    return this._className;
  }
  _info() {
    return this._model ? this._model._infos()[this._index] : null;
  }
  _built(op) {
    if (!this._model) {
      throw invalid(op, `layer ${this.name} has no weights or shapes yet: add it to a model first`);
    }
    this._model._live(op);
  }
  get outputShape() {
    this._built('outputShape');
    return this._info().outputShape;
  }
  get inputShape() {
    this._built('inputShape');
    return this._info().inputShape;
  }
  get batchInputShape() {
    return this.inputShape;
  }
  get trainable() {
    return this._trainable;
  }
  set trainable(value) {
    if (typeof value !== 'boolean') throw invalid('trainable', `expected a boolean, got ${describe(value)}`);
    this._trainable = value;
    this._config.trainable = value;
    if (this._model) {
      this._model._live('trainable');
      this._model._core.setTrainable(this._index, value);
      this._model._info = null;
    }
  }
  get built() {
    return this._model !== null;
  }
  getConfig() {
    if (!this._model) return { ...this._config };
    this._model._live('getConfig');
    return this._model._core.layerConfig(this._index);
  }
  countParams() {
    this._built('countParams');
    return this._info().params;
  }
  get weights() {
    return this._model ? this._model._variables(this._index, () => true) : [];
  }
  get trainableWeights() {
    return this._model ? this._model._variables(this._index, (w) => w.trainable) : [];
  }
  get nonTrainableWeights() {
    return this._model ? this._model._variables(this._index, (w) => !w.trainable) : [];
  }
  /** The weights' values (new tensors), in the order of `weights`. */
  getWeights(trainableOnly = false) {
    if (!this._model) return [];
    this._model._live('getWeights');
    return Array.from(this._model._core.getWeights(this._index, !!trainableOnly));
  }
  setWeights(weights) {
    this._built('setWeights');
    this._model._core.setWeights(this._index, weights);
  }
  apply() {
    throw invalid('apply', 'calling a layer on its own is not supported yet: add it to ff.sequential() and call predict()');
  }
}

function layerFactory(factory) {
  return (config) => new Layer(factory, config);
}

/** `ff.layers.*`: TF.js's layer factories with TF.js's config names. */
export const layers = Object.freeze({
  dense: layerFactory('dense'),
  conv2d: layerFactory('conv2d'),
  maxPooling2d: layerFactory('maxPooling2d'),
  maxPool2d: layerFactory('maxPooling2d'),
  averagePooling2d: layerFactory('averagePooling2d'),
  avgPool2d: layerFactory('averagePooling2d'),
  flatten: layerFactory('flatten'),
  dropout: layerFactory('dropout'),
  batchNormalization: layerFactory('batchNormalization'),
  embedding: layerFactory('embedding'),
  activation: layerFactory('activation'),
});

/** A model weight (TF.js `LayerVariable`): name, shape, dtype, trainable, `read()`, `write()`. */
export class LayerVariable {
  constructor(model, layerIndex, position, info) {
    this._model = model;
    this._layer = layerIndex;
    this._position = position;
    this.name = info.name;
    this.originalName = info.name;
    this.shape = info.shape;
    this.dtype = info.dtype;
    this.trainable = info.trainable;
  }
  /** The current value (a new tensor). */
  read() {
    this._model._live('read');
    const all = this._model._core.getWeights(this._layer, false);
    const out = all[this._position];
    for (let i = 0; i < all.length; i++) if (i !== this._position) all[i].dispose();
    return out;
  }
  /** Sets the value (same shape and dtype). */
  write(value) {
    this._model._live('write');
    const all = this._model._core.getWeights(this._layer, false);
    const next = Array.from(all);
    next[this._position] = value;
    try {
      this._model._core.setWeights(this._layer, next);
    } finally {
      for (const t of all) t.dispose();
    }
    return this;
  }
}

// ---- callbacks and history ---------------------------------------------------------------

/** What `fit` resolves to (as TF.js): `epoch`, `history` (`loss`, `acc`, `val_loss`, ...), `params`. */
export class History {
  constructor() {
    this.epoch = [];
    this.history = {};
    this.params = {};
    this.validationData = null;
  }
  _record(epoch, logs) {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) {
      if (!(k in this.history)) this.history[k] = [];
      this.history[k].push(v);
    }
  }
}

/** Base class for callback objects (TF.js `Callback`): override any of the `on*` methods. */
export class Callback {
  setModel(model) {
    this.model = model;
  }
  setParams(params) {
    this.params = params;
  }
}

/** `ff.callbacks.earlyStopping({monitor, minDelta, patience, mode, baseline})`. */
export class EarlyStopping extends Callback {
  constructor(args) {
    super();
    const a = options('earlyStopping', 'args', args, ['monitor', 'minDelta', 'patience', 'mode', 'baseline', 'verbose', 'restoreBestWeights'], []);
    if (a.restoreBestWeights) throw invalid('earlyStopping', "argument 'args.restoreBestWeights': not supported yet");
    this.monitor = a.monitor ?? 'val_loss';
    this.minDelta = Math.abs(a.minDelta ?? 0);
    this.patience = a.patience ?? 0;
    const mode = a.mode ?? 'auto';
    if (!['auto', 'min', 'max'].includes(mode)) throw invalid('earlyStopping', `argument 'args.mode': expected 'auto', 'min' or 'max', got ${describe(mode)}`);
    this.sign = mode === 'max' || (mode === 'auto' && this.monitor.includes('acc')) ? 1 : -1;
    this.baseline = a.baseline;
  }
  onTrainBegin() {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = this.baseline ?? -this.sign * Infinity;
  }
  onEpochEnd(epoch, logs) {
    const v = logs?.[this.monitor];
    if (typeof v !== 'number') return;
    if (this.sign * (v - this.best) > this.minDelta) {
      this.best = v;
      this.wait = 0;
    } else if (++this.wait >= this.patience) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
    }
  }
}

export const callbacks = Object.freeze({
  earlyStopping: (args) => new EarlyStopping(args),
});

const CALLBACK_METHODS = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd', 'onYield'];

function callbackList(op, value) {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((c, i) => {
    if (c === null || typeof c !== 'object') {
      throw invalid(op, `argument 'args.callbacks${Array.isArray(value) ? `[${i}]` : ''}': expected an object of callbacks (onEpochEnd, ...) or a Callback, got ${describe(c)}`);
    }
    if (!(c instanceof Callback)) {
      for (const k of Object.keys(c)) {
        if (!CALLBACK_METHODS.includes(k)) {
          throw invalid(op, `argument 'args.callbacks': unknown callback ${JSON.stringify(k)} (expected some of: ${CALLBACK_METHODS.join(', ')})`);
        }
        if (typeof c[k] !== 'function' && c[k] !== undefined) {
          throw invalid(op, `argument 'args.callbacks.${k}': expected a function, got ${describe(c[k])}`);
        }
      }
    }
    return c;
  });
}

async function fire(list, name, ...args) {
  for (const c of list) {
    const f = c[name];
    if (typeof f === 'function') await f.apply(c, args);
  }
}

// ---- the model ---------------------------------------------------------------------------

function isTensorLike(x) {
  return x !== null && typeof x === 'object' && typeof x.__ffid === 'number';
}

/** One tensor for x or y (TF.js also takes a one-element array for a one-input model). */
function single(op, arg, x) {
  if (Array.isArray(x) && x.length === 1 && isTensorLike(x[0])) return x[0];
  if (!isTensorLike(x)) throw invalid(op, `argument '${arg}': expected a Tensor, got ${describe(x)}`);
  return x;
}

function optimizerFor(name) {
  const m = loadedWasm();
  switch (name) {
    case 'sgd':
    case 'SGD':
      return m.trainSgd(0.01);
    case 'adam':
    case 'Adam':
      return m.trainAdam(0.001);
    case 'adamw':
    case 'AdamW':
      return m.trainAdamw(0.001);
    case 'rmsprop':
    case 'RMSProp':
      return m.trainRmsprop(0.001);
    case 'adagrad':
    case 'Adagrad':
      return m.trainAdagrad(0.01);
    default:
      throw invalid('compile', `argument 'args.optimizer': expected 'sgd', 'adam', 'adamw', 'rmsprop', 'adagrad' or an optimizer from ff.train, got ${describe(name)}`);
  }
}

/**
 * A linear stack of layers (TF.js `tf.Sequential`). Make one with `ff.sequential({layers})` or
 * `ff.loadLayersModel(url)`.
 */
export class Sequential {
  constructor(config) {
    const c = options('sequential', 'config', config, ['layers', 'name']);
    this._core = new (loadedWasm().ModelCore)(c.name);
    this._layers = [];
    this._info = null;
    this._disposed = false;
    this.stopTraining = false;
    this.isTraining = false;
    this.optimizer = null;
    this.history = null;
    this._metricsNames = null;
    if (c.layers !== undefined) {
      if (!Array.isArray(c.layers)) throw invalid('sequential', `argument 'config.layers': expected an array of layers, got ${describe(c.layers)}`);
      for (const l of c.layers) this.add(l);
    }
  }

  static _fromCore(core) {
    const m = Object.create(Sequential.prototype);
    m._core = core;
    m._layers = [];
    m._info = null;
    m._disposed = false;
    m.stopTraining = false;
    m.isTraining = false;
    m.optimizer = null;
    m.history = null;
    m._metricsNames = null;
    core.layersInfo().forEach((info, i) => {
      const layer = Object.create(Layer.prototype);
      layer._factory = FACTORY_OF_CLASS[info.className];
      layer._className = info.className;
      layer.name = info.name;
      layer._model = m;
      layer._index = i;
      layer._trainable = info.trainable;
      layer._config = core.layerConfig(i);
      m._layers.push(layer);
    });
    return m;
  }

  _live(op) {
    if (this._disposed) throw invalid(op, 'the model was disposed');
  }
  _infos() {
    this._live('model');
    if (!this._info) this._info = this._core.layersInfo();
    return this._info;
  }
  /** Weights as `LayerVariable`s: a layer's in its order; a model's trainable ones first (TF.js). */
  _variables(layerIndex, keep) {
    const out = [];
    this._infos().forEach((info, i) => {
      if (layerIndex !== undefined && layerIndex !== i) return;
      info.weights.forEach((w, k) => {
        if (keep(w)) out.push(new LayerVariable(this, i, k, w));
      });
    });
    if (layerIndex === undefined) return [...out.filter((v) => v.trainable), ...out.filter((v) => !v.trainable)];
    return out;
  }

  get name() {
    return this._core.name;
  }
  get layers() {
    return this._layers.slice();
  }
  get inputs() {
    const s = this._core.inputShape;
    return s ? [{ name: `${this.name}_input`, shape: s, dtype: 'float32' }] : [];
  }
  get outputs() {
    const s = this._core.outputShape;
    return s ? [{ name: `${this.name}_output`, shape: s, dtype: 'float32' }] : [];
  }
  get inputShape() {
    return this._core.inputShape;
  }
  get outputShape() {
    return this._core.outputShape;
  }
  get weights() {
    return this._variables(undefined, () => true);
  }
  get trainableWeights() {
    return this._variables(undefined, (w) => w.trainable);
  }
  get nonTrainableWeights() {
    return this._variables(undefined, (w) => !w.trainable);
  }
  get metricsNames() {
    return this._metricsNames ? this._metricsNames.slice() : [];
  }

  /** Appends a layer (made by `ff.layers.*`; a layer belongs to one model). */
  add(layer) {
    this._live('add');
    if (!(layer instanceof Layer)) {
      throw invalid('Sequential.add', `argument 'layer': expected a layer made by ff.layers.*, got ${describe(layer)}`);
    }
    if (layer._model) throw invalid('Sequential.add', `layer ${layer.name} is already in model ${layer._model.name}`);
    this._core.add(layer._factory, layer._config);
    layer._model = this;
    layer._index = this._layers.length;
    this._layers.push(layer);
    this._info = null;
  }

  /** A layer by name or index. */
  getLayer(nameOrIndex, index) {
    if (typeof nameOrIndex === 'number' || (nameOrIndex === undefined && typeof index === 'number')) {
      const i = typeof nameOrIndex === 'number' ? nameOrIndex : index;
      const l = this._layers[i];
      if (!l) throw invalid('getLayer', `argument 'index': expected an index below ${this._layers.length}, got ${i}`);
      return l;
    }
    const l = this._layers.find((x) => x.name === nameOrIndex);
    if (!l) throw invalid('getLayer', `argument 'name': no layer is named ${describe(nameOrIndex)} (layers: ${this._layers.map((x) => x.name).join(', ')})`);
    return l;
  }

  countParams() {
    this._live('countParams');
    return this._core.countParams();
  }

  /** The weights' values (new tensors), in the order of `weights`. */
  getWeights(trainableOnly = false) {
    this._live('getWeights');
    return Array.from(this._core.getWeights(undefined, !!trainableOnly));
  }

  /** Sets every weight from tensors (or arrays) in `getWeights()` order. */
  setWeights(weights) {
    this._live('setWeights');
    this._core.setWeights(undefined, weights);
  }

  /**
   * Prints a table of the layers as TF.js does. Arguments as TF.js (`lineLength`, `positions`,
   * `printFn`), or one options object `{lineLength, positions, printFn}`, or just a `printFn`.
   */
  summary(lineLength, positions, printFn) {
    if (typeof lineLength === 'function') {
      printFn = lineLength;
      lineLength = undefined;
    } else if (lineLength !== null && typeof lineLength === 'object') {
      const o = options('summary', 'options', lineLength, ['lineLength', 'positions', 'printFn']);
      ({ lineLength, positions, printFn } = o);
    }
    const print = printFn ?? console.log;
    if (typeof print !== 'function') throw invalid('summary', `argument 'printFn': expected a function, got ${describe(print)}`);
    const L = lineLength ?? 90;
    if (!Number.isInteger(L) || L < 10) throw invalid('summary', `argument 'lineLength': expected an integer >= 10, got ${describe(L)}`);
    let pos = positions ?? [0.32, 0.61, 0.89, 1];
    if (!Array.isArray(pos) || pos.length !== 4 || pos.some((p) => typeof p !== 'number')) {
      throw invalid('summary', `argument 'positions': expected 4 numbers, got ${describe(pos)}`);
    }
    if (pos[pos.length - 1] <= 1) pos = pos.map((p) => Math.floor(L * p));
    const row = (fields) => {
      let line = '';
      fields.forEach((f, i) => {
        if (i > 0) line = line.slice(0, line.length - 1) + ' ';
        line += f;
        line = line.slice(0, pos[i]);
        line += ' '.repeat(Math.max(0, pos[i] - line.length));
      });
      print(line);
    };
    const infos = this._infos();
    print('_'.repeat(L));
    row(['Layer (type)', 'Input Shape', 'Output shape', 'Param #']);
    print('='.repeat(L));
    let trainable = 0;
    let frozen = 0;
    infos.forEach((info, i) => {
      row([
        `${info.name} (${info.className})`,
        info.inputShape ? JSON.stringify([info.inputShape]) : 'multiple',
        info.outputShape ? JSON.stringify(info.outputShape) : 'multiple',
        String(info.params),
      ]);
      for (const w of info.weights) {
        const n = w.shape.reduce((a, b) => a * b, 1);
        if (w.trainable) trainable += n;
        else frozen += n;
      }
      print((i === infos.length - 1 ? '=' : '_').repeat(L));
    });
    print(`Total params: ${trainable + frozen}`);
    print(`Trainable params: ${trainable}`);
    print(`Non-trainable params: ${frozen}`);
    print('_'.repeat(L));
  }

  /** `compile({optimizer, loss, metrics})`: optimizer as a name or an `ff.train.*` optimizer. */
  compile(args) {
    this._live('compile');
    const a = options('compile', 'args', args, ['optimizer', 'loss', 'metrics'], ['lossWeights', 'sampleWeightMode', 'weightedMetrics']);
    if (a.optimizer === undefined) throw invalid('compile', "argument 'args.optimizer': expected an optimizer name or an optimizer from ff.train, got undefined");
    if (a.loss === undefined) throw invalid('compile', "argument 'args.loss': expected a loss name or a function (yTrue, yPred) => Tensor, got undefined");
    const opt = typeof a.optimizer === 'string' ? optimizerFor(a.optimizer) : a.optimizer;
    const Opt = loadedWasm().Optimizer;
    if (!(opt instanceof Opt)) {
      throw invalid('compile', `argument 'args.optimizer': expected an optimizer name or an optimizer from ff.train, got ${describe(a.optimizer)}`);
    }
    this._metricsNames = Array.from(this._core.compile(opt, a.loss, a.metrics));
    this.optimizer = opt;
    this.loss = a.loss;
  }

  _xy(op, x, y) {
    this._live(op);
    return [single(op, 'x', x), single(op, 'y', y)];
  }

  /**
   * Trains for `epochs` epochs of `batchSize` examples (TF.js `fit`): resolves to a `History`.
   * Callbacks may be async; between batches the event loop runs.
   */
  async fit(x, y, args) {
    const op = 'fit';
    [x, y] = this._xy(op, x, y);
    const a = options(op, 'args', args, ['epochs', 'batchSize', 'shuffle', 'validationSplit', 'validationData', 'validationBatchSize', 'callbacks', 'initialEpoch', 'verbose', 'yieldEvery'], ['classWeight', 'sampleWeight', 'stepsPerEpoch', 'validationSteps']);
    if (!this._metricsNames) throw invalid(op, 'the model must be compiled first: model.compile({optimizer, loss, metrics})');
    if (this.isTraining) throw invalid(op, 'the model is already training (another fit() has not finished)');
    const int = (k, dflt, min) => {
      const v = a[k] ?? dflt;
      if (!Number.isInteger(v) || v < min) throw invalid(op, `argument 'args.${k}': expected an integer >= ${min}, got ${describe(a[k])}`);
      return v;
    };
    const epochs = int('epochs', 1, 0);
    const batchSize = int('batchSize', 32, 1);
    const initialEpoch = int('initialEpoch', 0, 0);
    const valBatchSize = int('validationBatchSize', batchSize, 1);
    const shuffle = a.shuffle ?? true;
    if (typeof shuffle !== 'boolean') throw invalid(op, `argument 'args.shuffle': expected a boolean, got ${describe(a.shuffle)}`);
    const cbs = callbackList(op, a.callbacks);
    const n = x.shape[0];
    if (x.shape.length === 0 || y.shape.length === 0 || y.shape[0] !== n) {
      throw new Error(`${op}: shape error: x and y must have the same number of examples (first axis), got shapes [${x.shape}] and [${y.shape}]`);
    }
    const made = [];
    let xT = x;
    let yT = y;
    let val = null;
    if (a.validationData !== undefined) {
      const v = a.validationData;
      if (!Array.isArray(v) || v.length !== 2) {
        const why = Array.isArray(v) && v.length === 3 ? ' (validation sample weights are not supported)' : '';
        throw invalid(op, `argument 'args.validationData': expected [xVal, yVal], got ${describe(v)}${why}`);
      }
      val = [single(op, 'args.validationData[0]', v[0]), single(op, 'args.validationData[1]', v[1])];
    } else if (a.validationSplit !== undefined) {
      const s = a.validationSplit;
      if (typeof s !== 'number' || !(s > 0 && s < 1)) throw invalid(op, `argument 'args.validationSplit': expected a number in (0, 1), got ${describe(s)}`);
      const at = Math.floor(n * (1 - s));
      if (at < 1 || at >= n) throw invalid(op, `argument 'args.validationSplit': ${s} of ${n} examples leaves no training or no validation examples`);
      const part = (t, b, e) => {
        const r = t.slice([b, ...t.shape.slice(1).map(() => 0)], [e - b, ...t.shape.slice(1).map(() => -1)]);
        made.push(r);
        return r;
      };
      xT = part(x, 0, at);
      yT = part(y, 0, at);
      val = [part(x, at, n), part(y, at, n)];
    }
    const nTrain = xT.shape[0];
    if (nTrain < 1) throw invalid(op, 'expected at least one training example, got 0');
    const names = this._metricsNames;
    const history = new History();
    history.params = {
      epochs,
      initialEpoch,
      samples: nTrain,
      steps: null,
      batchSize,
      verbose: a.verbose ?? 1,
      doValidation: val !== null,
      metrics: val ? [...names, ...names.map((k) => `val_${k}`)] : names.slice(),
    };
    if (val) history.validationData = val;
    this.history = history;
    this.stopTraining = false;
    this.isTraining = true;
    for (const c of cbs) {
      if (typeof c.setModel === 'function') c.setModel(this);
      if (typeof c.setParams === 'function') c.setParams(history.params);
    }
    try {
      await fire(cbs, 'onTrainBegin', {});
      for (let epoch = initialEpoch; epoch < epochs; epoch++) {
        await fire(cbs, 'onEpochBegin', epoch, {});
        let perm = null;
        if (shuffle) {
          perm = new Int32Array(nTrain);
          for (let i = 0; i < nTrain; i++) perm[i] = i;
          for (let i = nTrain - 1; i > 0; i--) {
            const j = Math.floor(Math.random() * (i + 1));
            const t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
          }
        }
        const totals = new Float64Array(names.length);
        // Examples seen this epoch: the epoch's means are over these (as in TF.js), also when a
        // callback stops training mid-epoch.
        let seen = 0;
        let batch = 0;
        for (let b = 0; b < nTrain; b += batchSize, batch++) {
          const e = Math.min(nTrain, b + batchSize);
          await fire(cbs, 'onBatchBegin', batch, { batch, size: e - b });
          this._live(op);
          const stats = this._core.trainBatch(xT, yT, perm ? perm.subarray(b, e) : undefined, b, e);
          let vals;
          try {
            vals = await stats.data();
          } finally {
            stats.dispose();
          }
          const logs = { batch, size: e - b };
          names.forEach((k, i) => {
            logs[k] = vals[i];
            totals[i] += vals[i] * (e - b);
          });
          seen += e - b;
          await fire(cbs, 'onBatchEnd', batch, logs);
          await nextFrame();
          await fire(cbs, 'onYield', epoch, batch, logs);
          if (this.stopTraining) break;
        }
        const epochLogs = {};
        if (val) {
          const v = this._core.evaluate(val[0], val[1], valBatchSize);
          let vals;
          try {
            vals = await v.data();
          } finally {
            v.dispose();
          }
          names.forEach((k, i) => (epochLogs[`val_${k}`] = vals[i]));
        }
        names.forEach((k, i) => (epochLogs[k] = totals[i] / Math.max(seen, 1)));
        history._record(epoch, { ...epochLogs });
        await fire(cbs, 'onEpochEnd', epoch, epochLogs);
        await nextFrame();
        if (this.stopTraining) break;
      }
      await fire(cbs, 'onTrainEnd', {});
    } finally {
      this.isTraining = false;
      for (const t of made) t.dispose();
    }
    return history;
  }

  /** One training step on the whole of `x`, `y`; resolves to the loss (and metrics). */
  async trainOnBatch(x, y) {
    const op = 'trainOnBatch';
    [x, y] = this._xy(op, x, y);
    if (!this._metricsNames) throw invalid(op, 'the model must be compiled first: model.compile({optimizer, loss, metrics})');
    const stats = this._core.trainBatch(x, y, undefined, 0, x.shape[0] ?? 0);
    try {
      const vals = Array.from(await stats.data());
      return vals.length === 1 ? vals[0] : vals;
    } finally {
      stats.dispose();
    }
  }

  /** The loss (and metrics) over `x`, `y`: a scalar Tensor, or one per `metricsNames` entry. */
  evaluate(x, y, args) {
    const op = 'evaluate';
    [x, y] = this._xy(op, x, y);
    const a = options(op, 'args', args, ['batchSize', 'verbose'], ['sampleWeight', 'steps']);
    const t = this._core.evaluate(x, y, a.batchSize);
    if (t.shape[0] === 1) {
      const s = t.reshape([]);
      t.dispose();
      return s;
    }
    const parts = t.unstack(0);
    t.dispose();
    return parts;
  }

  /** The model's outputs for `x` (inference: dropout off, batch norm with moving statistics). */
  predict(x, args) {
    const op = 'predict';
    this._live(op);
    const a = options(op, 'args', args, ['batchSize', 'verbose']);
    return this._core.predict(single(op, 'x', x), a.batchSize);
  }

  predictOnBatch(x) {
    this._live('predictOnBatch');
    const t = single('predictOnBatch', 'x', x);
    return this._core.predict(t, Math.max(1, t.shape[0] ?? 1));
  }

  /**
   * Saves the model in Ferroflow's format (`model.json` + `weights.safetensors`, exactly what
   * `ferroflow_core::io::save_model` writes): `indexeddb://name`, `localstorage://name`,
   * `downloads://name`, `file://path` (Node), or a handler from `ff.io.withSaveHandler`.
   */
  async save(handlerOrURL, config) {
    this._live('save');
    options('save', 'config', config, ['includeOptimizer', 'trainableOnly']);
    const handler = getSaveHandler(handlerOrURL);
    const artifacts = await this._core.toArtifacts();
    const result = await handler.save(artifacts);
    return result ?? { modelArtifactsInfo: artifactsInfo(artifacts) };
  }

  /** Frees the model's weights (the model cannot be used afterwards). */
  dispose() {
    if (this._disposed) return { refCountAfterDispose: 0, numDisposedVariables: 0 };
    const n = this._infos().reduce((s, i) => s + i.weights.length, 0);
    this._disposed = true;
    this._core.free();
    return { refCountAfterDispose: 0, numDisposedVariables: n };
  }

  getClassName() {
    return 'Sequential';
  }
}

export function artifactsInfo(artifacts) {
  const json = toBytes(artifacts.modelJson);
  const weightDataBytes = Object.values(artifacts.weights || {}).reduce((s, w) => s + w.byteLength, 0);
  return {
    dateSaved: new Date(),
    modelTopologyType: 'JSON',
    modelTopologyBytes: json.byteLength,
    weightSpecsBytes: 0,
    weightDataBytes,
  };
}

/** `ff.sequential({layers, name})`. */
export function sequential(config) {
  return new Sequential(config);
}

/**
 * Loads a model saved by `model.save` (or by `ferroflow_core::io::save_model`): `http(s)://`
 * URLs of `model.json`, `indexeddb://name`, `localstorage://name`, `file://path` (Node: the
 * folder or its `model.json`), or a handler (`ff.io.fromMemory`). Everything is validated
 * before any tensor is made (sizes, SHA-256, safetensors layout, names, paths); a malformed
 * model throws an Error.
 */
export async function loadLayersModel(pathOrHandler, options_) {
  const op = 'loadLayersModel';
  const handler = getLoadHandler(pathOrHandler, options_);
  const art = await handler.load();
  if (art === null || typeof art !== 'object') throw ioError(op, `the load handler returned ${describe(art)}, expected {modelJson, weights}`);
  const json = toBytes(art.modelJson, op, 'modelJson');
  const files = loadedWasm().inspectModelJson(json);
  const weights = Object.create(null);
  for (const { path, size } of files) {
    let data;
    if (typeof art.readWeights === 'function') data = await art.readWeights(path, size);
    else data = art.weights && Object.prototype.hasOwnProperty.call(art.weights, path) ? art.weights[path] : undefined;
    if (data === undefined) throw ioError(op, `weights file ${JSON.stringify(path)} listed in model.json was not found`);
    weights[path] = toBytes(data, op, `weights[${JSON.stringify(path)}]`);
  }
  return Sequential._fromCore(loadedWasm().loadModelArtifacts(json, weights));
}
