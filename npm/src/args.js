// What the generated op functions (ops.js) share: tensor-like arguments become Tensors here, in
// JS, before the wasm call, so a Tensor argument reaches Rust directly (no call back into JS to
// find out what it is) and a number or array costs one conversion call.
import { loadedWasm, wasm } from './init.js';

const Tensor = wasm.Tensor;

/** A live Tensor (not freed; a disposed one is still passed, and Rust reports it). */
export function isTensor(x) {
  return x instanceof Tensor && x.__wbg_ptr !== 0;
}

/**
 * Calls `call(...tensors)` with `values` as Tensors: Tensors as they are, other values (numbers,
 * booleans, nested arrays, TypedArrays) converted on the device of the first Tensor among them
 * (typed by `specs[i][1]` when given) and disposed after the call.
 */
export function lift(op, values, specs, call) {
  let like;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v instanceof Tensor) {
      if (v.__wbg_ptr === 0) {
        throw new Error(`${op}: invalid argument: argument '${specs[i][0]}': expected a live Tensor, got a Tensor whose memory was freed`);
      }
      like ??= v;
    }
  }
  const made = [];
  try {
    const args = values.map((v, i) => {
      if (v instanceof Tensor) return v;
      const t = loadedWasm().tensorLike(v, specs[i][1], like, op, specs[i][0]);
      made.push(t);
      return t;
    });
    return call(...args);
  } finally {
    for (const t of made) {
      t.dispose();
      t.free();
    }
  }
}

/** Adds `fns` to `Tensor.prototype` as methods: `x.name(...rest)` is `fn(x, ...rest)`. */
export function defineMethods(fns) {
  for (const [name, fn] of Object.entries(fns)) {
    Object.defineProperty(Tensor.prototype, name, {
      value: function (...args) {
        return fn(this, ...args);
      },
      writable: true,
      configurable: true,
    });
  }
}
