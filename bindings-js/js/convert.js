// Array conversion for ferroflow's wasm bindings (imported by the Rust crate, shipped by
// wasm-bindgen as a snippet). Nested arrays are walked here, in JS, at native speed, and handed
// to Rust as one typed array. Every problem is a thrown Error naming the op and the argument;
// Rust calls these functions with `catch`, so an exception never unwinds through wasm.

const MAX_DEPTH = 64;

function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of length ${v.length}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v)}`;
  if (typeof v === 'object') return `an object (${Object.prototype.toString.call(v)})`;
  return `${typeof v} ${String(v)}`;
}

function isList(v) {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

function inferTypedDtype(v) {
  if (v instanceof Float32Array) return 'float32';
  if (v instanceof Int32Array || v instanceof Uint8Array || v instanceof Uint8ClampedArray) return 'int32';
  return 'float32';
}

function isBigIntArray(v) {
  return (typeof BigInt64Array !== 'undefined' && v instanceof BigInt64Array) ||
    (typeof BigUint64Array !== 'undefined' && v instanceof BigUint64Array);
}

/**
 * Flattens `values` (a nested array of numbers or booleans, a TypedArray, or nested arrays of
 * TypedArrays) into `[data, shape, dtype]`: `data` is a Float32Array, Int32Array or Uint8Array
 * (bool) in row-major order. `dtype` null infers it as TF.js does (numbers float32, booleans
 * bool, Int32Array/Uint8Array int32).
 */
export function flattenNested(values, dtype, arg, maxElements) {
  // Rust turns these into the op's error (kind 'invalid' or 'size'), message kept.
  const fail = (msg, kind = 'invalid') => {
    const e = new Error(`argument '${arg}': ${msg}`);
    e.kind = kind;
    throw e;
  };
  const shape = [];
  let v = values;
  while (isList(v)) {
    if (shape.length >= MAX_DEPTH) fail(`expected at most ${MAX_DEPTH} levels of nesting, got more`);
    if (isBigIntArray(v)) fail(`expected numbers or booleans, got ${describe(v)}`);
    shape.push(v.length);
    if (v.length === 0 || !Array.isArray(v)) break;
    v = v[0];
  }
  if (shape.length === 0) fail(`expected an array or TypedArray, got ${describe(values)}`);
  let size = 1;
  for (const d of shape) size *= d;
  if (!(size <= maxElements)) {
    fail(`expected at most ${maxElements} elements, got shape [${shape}]`, 'size');
  }
  const leafIsList = shape.length > 0 && ArrayBuffer.isView(v);
  if (dtype == null) {
    if (leafIsList) dtype = inferTypedDtype(v);
    else if (size === 0) dtype = 'float32';
    else if (typeof v === 'boolean') dtype = 'bool';
    else if (typeof v === 'number') dtype = 'float32';
    else fail(`expected numbers or booleans, got ${describe(v)} at the first element`);
  }
  // Fast path: a TypedArray at the top.
  if (!Array.isArray(values)) {
    if (dtype === 'float32') return [values instanceof Float32Array ? values : new Float32Array(values), shape, dtype];
    if (dtype === 'int32') return [values instanceof Int32Array ? values : new Int32Array(values), shape, dtype];
    return [Uint8Array.from(values, (x) => (x ? 1 : 0)), shape, dtype];
  }
  const out = dtype === 'float32' ? new Float32Array(size) : dtype === 'int32' ? new Int32Array(size) : new Uint8Array(size);
  const isBool = dtype === 'bool';
  let kind = null; // 'number' | 'boolean': every leaf must have the first leaf's type
  let k = 0;
  const where = (path) => (path.length ? `values${path.map((i) => `[${i}]`).join('')}` : 'values');
  const walk = (a, d, path) => {
    if (!isList(a)) fail(`expected an array of length ${shape[d]} at ${where(path)} (arrays must be rectangular), got ${describe(a)}`);
    if (a.length !== shape[d]) fail(`expected ${shape[d]} elements at ${where(path)} (arrays must be rectangular), got ${a.length}`);
    if (d === shape.length - 1) {
      if (!Array.isArray(a)) {
        if (isBigIntArray(a)) fail(`expected numbers or booleans, got ${describe(a)} at ${where(path)}`);
        for (let i = 0; i < a.length; i++) out[k++] = isBool ? (a[i] ? 1 : 0) : a[i];
        return;
      }
      for (let i = 0; i < a.length; i++) {
        const x = a[i];
        const t = typeof x;
        if (t !== 'number' && t !== 'boolean') fail(`expected numbers or booleans, got ${describe(x)} at ${where([...path, i])}`);
        if (kind === null) kind = t;
        else if (t !== kind) fail(`expected every element to be a ${kind}, got ${describe(x)} at ${where([...path, i])}`);
        out[k++] = isBool ? (x ? 1 : 0) : x;
      }
      return;
    }
    if (!Array.isArray(a)) fail(`expected nested arrays at ${where(path)}, got ${describe(a)}`);
    for (let i = 0; i < a.length; i++) {
      path.push(i);
      walk(a[i], d + 1, path);
      path.pop();
    }
  };
  walk(values, 0, []);
  return [out, shape, dtype];
}
