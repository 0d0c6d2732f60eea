// Shared by the Node suite: both libraries, deterministic data, comparisons.
import assert from 'node:assert/strict';
import * as ff from 'ferroflow';
import * as tf from '@tensorflow/tfjs';

// Pure-JS TF.js on its CPU backend is the oracle (no tfjs-node).
await tf.setBackend('cpu');

export { ff, tf };

/** A deterministic generator of floats in [0, 1). */
export function rng(seed) {
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

export function numel(shape) {
  return shape.reduce((a, b) => a * b, 1);
}

/** Values for an input spec `{shape, dtype, lo, hi, values}`. */
export function values(spec, seed) {
  if (spec.values) return spec.values;
  const r = rng(seed);
  const { lo = -2, hi = 2, dtype = 'float32' } = spec;
  const n = numel(spec.shape);
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const u = lo + (hi - lo) * r();
    out[i] = dtype === 'bool' ? u > (lo + hi) / 2 : dtype === 'int32' ? Math.floor(u) : u;
  }
  return out;
}

/** Output(s) of an op as a list of tensors (arrays, `{mean, variance}` objects). */
export function outputs(x) {
  if (Array.isArray(x)) return x;
  if (x && typeof x === 'object' && !('dtype' in x)) return Object.values(x);
  return [x];
}

/** Asserts two float arrays agree within `atol + rtol * |expected|` (NaN matches NaN). */
export function assertClose(actual, expected, { rtol = 1e-4, atol = 1e-5 } = {}, what = '') {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} vs ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = Number(actual[i]);
    const e = Number(expected[i]);
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (a === e) continue;
    const ok = Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) {
      assert.fail(`${what}: element ${i}: ferroflow ${a} vs TF.js ${e} (rtol ${rtol}, atol ${atol})`);
    }
  }
}

/** Asserts that `fn` throws a plain Error (not a wasm trap) whose message matches `pattern`. */
export function assertThrowsError(fn, pattern, what) {
  let err = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err, `${what}: expected an Error, nothing was thrown`);
  assert.ok(err instanceof Error, `${what}: expected an Error, got ${err}`);
  assert.ok(!(err instanceof WebAssembly.RuntimeError), `${what}: the module trapped: ${err.message}`);
  assert.ok(!/unreachable|RuntimeError|panicked/.test(err.message), `${what}: looks like a trap: ${err.message}`);
  if (pattern) assert.match(err.message, pattern, `${what}: unexpected message`);
  return err;
}
