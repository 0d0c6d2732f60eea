// Ferroflow's public API: TF.js names and argument orders over the wasm exports. The ops of
// core's op table come generated (ops.js, from npm/scripts/gen-api.mjs); this hand-written layer
// adds what the table does not describe: creation, TF.js's rank-specific aliases, `tidy` and
// memory, gradients of JS functions, optimizers, backends, and Tensor conveniences.
import { loadedWasm, ensureWasm, wasm } from './init.js';
import { defineMethods } from './args.js';
import { cast, concat, norm, pad, reshape, reverse, slice, stack } from './ops.js';

export const Tensor = wasm.Tensor;
export const Optimizer = wasm.Optimizer;
export { loadGraphModel, GraphModel } from './graph.js';
export { layers, sequential, loadLayersModel, Sequential, Sequential as LayersModel, Layer, LayerVariable, History, Callback, EarlyStopping, callbacks, nextFrame } from './layers.js';
export { io } from './io.js';
export * from './ops.js';

// ---- creation ----------------------------------------------------------------------------

export function tensor(values, shape, dtype) {
  return loadedWasm().tensorOfRank(values, shape, dtype, undefined, 'tensor');
}
export function scalar(value, dtype) {
  return loadedWasm().scalar(value, dtype);
}
export function tensor1d(values, dtype) {
  return loadedWasm().tensorOfRank(values, undefined, dtype, 1, 'tensor1d');
}
export function tensor2d(values, shape, dtype) {
  return loadedWasm().tensorOfRank(values, shape, dtype, 2, 'tensor2d');
}
export function tensor3d(values, shape, dtype) {
  return loadedWasm().tensorOfRank(values, shape, dtype, 3, 'tensor3d');
}
export function tensor4d(values, shape, dtype) {
  return loadedWasm().tensorOfRank(values, shape, dtype, 4, 'tensor4d');
}
export function tensor5d(values, shape, dtype) {
  return loadedWasm().tensorOfRank(values, shape, dtype, 5, 'tensor5d');
}
export function tensor6d(values, shape, dtype) {
  return loadedWasm().tensorOfRank(values, shape, dtype, 6, 'tensor6d');
}
export function zeros(shape, dtype) {
  return loadedWasm().zeros(shape, dtype);
}
export function ones(shape, dtype) {
  return loadedWasm().ones(shape, dtype);
}
export function fill(shape, value, dtype) {
  return loadedWasm().fill(shape, value, dtype);
}
export function range(start, stop, step, dtype) {
  return loadedWasm().range(start, stop, step, dtype);
}
export function linspace(start, stop, num) {
  return loadedWasm().linspace(start, stop, num);
}
export function eye(numRows, numColumns, batchShape, dtype) {
  return loadedWasm().eye(numRows, numColumns, batchShape, dtype);
}
export function oneHot(indices, depth, onValue, offValue, dtype) {
  return loadedWasm().oneHot(indices, depth, onValue, offValue, dtype);
}
export function randomUniform(shape, minval, maxval, dtype, seed) {
  return loadedWasm().randomUniform(shape, minval, maxval, dtype, seed);
}
export function randomNormal(shape, mean, stdDev, dtype, seed) {
  return loadedWasm().randomNormal(shape, mean, stdDev, dtype, seed);
}
export function truncatedNormal(shape, mean, stdDev, dtype, seed) {
  return loadedWasm().truncatedNormal(shape, mean, stdDev, dtype, seed);
}
export function randomBernoulli(shape, p, seed) {
  return loadedWasm().randomBernoulli(shape, p, seed);
}
export function clone(x) {
  return toTensor(x, 'clone').clone();
}

// TF.js's rank-specific aliases (the rank is checked by the general op).
const ranked = (op, rank, x) => {
  if (x && x.rank !== undefined && x.rank !== rank) {
    throw new Error(`${op}: shape error: argument 'x': expected a rank-${rank} tensor, got shape [${x.shape}]`);
  }
  return x;
};
export function concat1d(tensors) { return concat(tensors, 0); }
export function concat2d(tensors, axis) { return concat(tensors, axis); }
export function concat3d(tensors, axis) { return concat(tensors, axis); }
export function concat4d(tensors, axis) { return concat(tensors, axis); }
export function slice1d(x, begin, size) { return slice(ranked('slice1d', 1, x), [begin], [size]); }
export function slice2d(x, begin, size) { return slice(ranked('slice2d', 2, x), begin, size); }
export function slice3d(x, begin, size) { return slice(ranked('slice3d', 3, x), begin, size); }
export function slice4d(x, begin, size) { return slice(ranked('slice4d', 4, x), begin, size); }
export function reverse1d(x) { return reverse(ranked('reverse1d', 1, x)); }
export function reverse2d(x, axis) { return reverse(ranked('reverse2d', 2, x), axis); }
export function reverse3d(x, axis) { return reverse(ranked('reverse3d', 3, x), axis); }
export function reverse4d(x, axis) { return reverse(ranked('reverse4d', 4, x), axis); }
export function pad1d(x, paddings, constantValue) { return pad(ranked('pad1d', 1, x), [paddings], constantValue); }
export function pad2d(x, paddings, constantValue) { return pad(ranked('pad2d', 2, x), paddings, constantValue); }
export function pad3d(x, paddings, constantValue) { return pad(ranked('pad3d', 3, x), paddings, constantValue); }
export function pad4d(x, paddings, constantValue) { return pad(ranked('pad4d', 4, x), paddings, constantValue); }
/** `euclideanNorm(x, axis?, keepDims?)`: `norm(x, 'euclidean', axis, keepDims)`. */
export function euclideanNorm(x, axis, keepDims) { return norm(x, 'euclidean', axis, keepDims); }
/** `randomStandardNormal(shape, dtype?, seed?)`: `randomNormal(shape, 0, 1, dtype, seed)`. */
export function randomStandardNormal(shape, dtype, seed) { return randomNormal(shape, 0, 1, dtype, seed); }

// ---- losses ------------------------------------------------------------------------------

/** TF.js's `Reduction` enum (NONE is not supported yet). */
export const Reduction = Object.freeze({ NONE: 0, MEAN: 1, SUM: 2, SUM_BY_NONZERO_WEIGHTS: 3 });

// ---- memory management -------------------------------------------------------------------

function isTensor(x) {
  return x instanceof Tensor;
}

function toTensor(x, op) {
  if (isTensor(x)) return x;
  return loadedWasm().tensorOfRank(x, undefined, undefined, undefined, op);
}

/** Every Tensor inside arrays / plain objects (as TF.js `getTensorsInContainer`). */
function tensorsIn(container, out = [], seen = new Set(), depth = 0) {
  if (container == null || depth > 64) return out;
  if (isTensor(container)) {
    out.push(container);
    return out;
  }
  if (typeof container !== 'object' || seen.has(container)) return out;
  seen.add(container);
  if (Array.isArray(container)) {
    for (const x of container) tensorsIn(x, out, seen, depth + 1);
  } else if (Object.getPrototypeOf(container) === Object.prototype || Object.getPrototypeOf(container) === null) {
    for (const k of Object.keys(container)) tensorsIn(container[k], out, seen, depth + 1);
  }
  return out;
}

function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

/**
 * Runs `fn` and disposes every tensor it created except those it returns (which move to the
 * enclosing scope) and those passed to `keep()`. Variables are never disposed by `tidy`.
 */
export function tidy(nameOrFn, fn) {
  if (typeof nameOrFn === 'function') fn = nameOrFn;
  if (typeof fn !== 'function') {
    throw new Error(`tidy: invalid argument: argument 'fn': expected a function, got ${describe(fn)}`);
  }
  const m = loadedWasm();
  m.startScope();
  let result;
  try {
    result = fn();
  } catch (e) {
    m.endScope([]);
    throw e;
  }
  if (result instanceof Promise) {
    m.endScope([]);
    throw new Error("tidy: invalid argument: argument 'fn': expected a synchronous function, got one that returned a Promise (Cannot return a Promise inside of tidy)");
  }
  m.endScope(tensorsIn(result));
  return result;
}

/** Exempts a tensor from every enclosing and future `tidy`; returns it. */
export function keep(result) {
  loadedWasm().keepTensor(result);
  return result;
}

/** Disposes every tensor in `container` (a tensor, or arrays / objects holding tensors). */
export function dispose(container) {
  for (const t of tensorsIn(container)) t.dispose();
}

/** `{numTensors, numBytes, numDataBuffers, numBytesInBackend, backend, backends}`. */
export function memory() {
  return loadedWasm().memoryInfo();
}

// ---- variables and gradients -------------------------------------------------------------

export function variable(initialValue, trainable, name, dtype) {
  return loadedWasm().variable(initialValue, trainable, name, dtype);
}
export function disposeVariables() {
  loadedWasm().disposeVariables();
}

function checkFn(op, f) {
  if (typeof f !== 'function') {
    throw new Error(`${op}: invalid argument: argument 'f': expected a function, got ${describe(f)}`);
  }
}

/** Tensors for `args` (creating them from numbers/arrays); `made` collects those created here. */
function argTensors(op, args, made) {
  if (!Array.isArray(args)) {
    throw new Error(`${op}: invalid argument: argument 'args': expected an array of tensors, got ${describe(args)}`);
  }
  return args.map((a) => {
    if (isTensor(a)) return a;
    const t = toTensor(a, op);
    made.push(t);
    return t;
  });
}

function valueAndGradsOf(op, f, args, dy) {
  const made = [];
  try {
    return loadedWasm().valueAndGradsImpl(f, argTensors(op, args, made), dy, op);
  } finally {
    for (const t of made) t.dispose();
  }
}

/** `grad(f)(x, dy?)`: the gradient of `f` at `x`. */
export function grad(f) {
  checkFn('grad', f);
  return (x, dy) => {
    const [value, g] = valueAndGradsOf('grad', f, [x], dy);
    value.dispose();
    return g;
  };
}

/** `grads(f)(args, dy?)`: the gradients of `f` with respect to each of `args`. */
export function grads(f) {
  checkFn('grads', f);
  return (args, dy) => {
    const [value, ...gs] = valueAndGradsOf('grads', f, args, dy);
    value.dispose();
    return gs;
  };
}

/** `valueAndGrad(f)(x, dy?)`: `{value, grad}`. */
export function valueAndGrad(f) {
  checkFn('valueAndGrad', f);
  return (x, dy) => {
    const [value, g] = valueAndGradsOf('valueAndGrad', f, [x], dy);
    return { value, grad: g };
  };
}

/** `valueAndGrads(f)(args, dy?)`: `{value, grads}`. */
export function valueAndGrads(f) {
  checkFn('valueAndGrads', f);
  return (args, dy) => {
    const [value, ...gs] = valueAndGradsOf('valueAndGrads', f, args, dy);
    return { value, grads: gs };
  };
}

/** `variableGrads(f, varList?)`: `{value, grads: {variableName: gradient}}` of the scalar `f()`. */
export function variableGrads(f, varList) {
  checkFn('variableGrads', f);
  return loadedWasm().variableGrads(f, varList);
}

/**
 * `customGrad(f)`: `f(...inputs, save)` returns `{value, gradFunc}`; gradients of the result go
 * to the inputs through `gradFunc(dy, saved)` (one gradient per input).
 */
export function customGrad(f) {
  checkFn('customGrad', f);
  return (...args) => {
    const made = [];
    const inputs = args.map((a) => {
      if (isTensor(a)) return a;
      const t = toTensor(a, 'customGrad');
      made.push(t);
      return t;
    });
    let saved = [];
    const save = (tensors) => {
      saved = Array.isArray(tensors) ? tensors : [tensors];
    };
    const out = f(...inputs, save);
    if (out == null || typeof out !== 'object' || !isTensor(out.value) || typeof out.gradFunc !== 'function') {
      throw new Error("customGrad: invalid argument: argument 'f': expected f to return {value: Tensor, gradFunc: Function}");
    }
    const result = loadedWasm().customGradApply(inputs, out.value, saved, out.gradFunc);
    if (!inputs.includes(out.value)) out.value.dispose();
    for (const t of made) t.dispose();
    return result;
  };
}

// ---- optimizers ----------------------------------------------------------------------------

export const train = Object.freeze({
  sgd: (learningRate) => loadedWasm().trainSgd(learningRate),
  momentum: (learningRate, momentum, useNesterov) => loadedWasm().trainMomentum(learningRate, momentum, useNesterov),
  adam: (learningRate, beta1, beta2, epsilon) => loadedWasm().trainAdam(learningRate, beta1, beta2, epsilon),
  adamw: (learningRate, weightDecay, beta1, beta2, epsilon) => loadedWasm().trainAdamw(learningRate, weightDecay, beta1, beta2, epsilon),
  rmsprop: (learningRate, decay, momentum, epsilon, centered) => loadedWasm().trainRmsprop(learningRate, decay, momentum, epsilon, centered),
  adagrad: (learningRate, initialAccumulatorValue) => loadedWasm().trainAdagrad(learningRate, initialAccumulatorValue),
});

if (Optimizer) {
  const minimize = Optimizer.prototype.minimize;
  Object.defineProperty(Optimizer.prototype, 'minimize', {
    value: function (f, returnCost, varList) {
      return minimize.call(this, f, returnCost, varList) ?? null;
    },
    writable: true,
    configurable: true,
  });
  Optimizer.prototype.dispose = function dispose() {
    this.free();
  };
}

// ---- backends ----------------------------------------------------------------------------

/**
 * Loads the wasm module (browsers) and, when no backend was chosen yet, picks WebGPU if this
 * environment has an adapter, else the CPU backend; `backendInfo()` says why. Resolves to the
 * backend's name.
 */
export async function ready() {
  await ensureWasm();
  return loadedWasm().readyBackend();
}

/** Switches backend (`'webgpu'` or `'cpu'`); resolves to false when it cannot be opened. */
export async function setBackend(backendName) {
  await ensureWasm();
  return loadedWasm().setBackend(backendName);
}

export function getBackend() {
  return loadedWasm().getBackend();
}

/** `{backend, description, fallbackReason, webgpuError, initialized}`. */
export function backendInfo() {
  return loadedWasm().backendInfo();
}

/** Loads the wasm module from an explicit URL, Response, bytes or `WebAssembly.Module`. */
export async function loadWasm(moduleOrPath) {
  await ensureWasm(moduleOrPath);
}

export function version() {
  return loadedWasm().version();
}

/** `print(x, verbose?)`: logs the tensor (as TF.js `tf.print`). */
export function print(x, verbose) {
  toTensor(x, 'print').print(verbose);
}

// ---- Tensor methods ----------------------------------------------------------------------

function toNested(data, shape) {
  if (shape.length === 0) return data[0];
  const build = (offset, d) => {
    const n = shape[d];
    const out = new Array(n);
    if (d === shape.length - 1) {
      for (let i = 0; i < n; i++) out[i] = data[offset + i];
      return out;
    }
    let stride = 1;
    for (let k = d + 1; k < shape.length; k++) stride *= shape[k];
    for (let i = 0; i < n; i++) out[i] = build(offset + i * stride, d + 1);
    return out;
  };
  return build(0, 0);
}

// The table's ops install themselves as methods (ops.js); these are the hand-written ones.
defineMethods({ oneHot });

const extra = {
  concat(x, axis) {
    return concat([this, ...(Array.isArray(x) ? x : [x])], axis);
  },
  stack(x, axis) {
    return stack([this, ...(Array.isArray(x) ? x : [x])], axis);
  },
  reshapeAs(x) {
    return reshape(this, x.shape);
  },
  toFloat() {
    return cast(this, 'float32');
  },
  toInt() {
    return cast(this, 'int32');
  },
  toBool() {
    return cast(this, 'bool');
  },
  asType(dtype) {
    return cast(this, dtype);
  },
  asScalar() {
    return reshape(this, []);
  },
  as1D() {
    return reshape(this, [this.size]);
  },
  as2D(rows, columns) {
    return reshape(this, [rows, columns]);
  },
  as3D(rows, columns, depth) {
    return reshape(this, [rows, columns, depth]);
  },
  as4D(rows, columns, depth, depth2) {
    return reshape(this, [rows, columns, depth, depth2]);
  },
  arraySync() {
    return toNested(this.dataSync(), this.shape);
  },
  async array() {
    return toNested(await this.data(), this.shape);
  },
  toString(verbose) {
    const head = `Tensor ${this.isVariable ? `(variable ${this.name}) ` : ''}[${this.shape}] ${this.dtype}`;
    if (this.isDisposed) return `${head} (disposed)`;
    try {
      const body = JSON.stringify(this.arraySync());
      return verbose ? `${head}\n${body}` : `Tensor\n    ${body}`;
    } catch {
      return `${head} (values need \`await data()\` on this backend)`;
    }
  },
  print(verbose) {
    console.log(this.toString(verbose));
  },
};

for (const [name, fn] of Object.entries(extra)) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true });
}
