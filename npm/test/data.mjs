// Deterministic test data and output helpers shared by the Node suite and the browser page (no
// Node imports here).

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

/** Index of the first element where `actual` and `expected` differ beyond tolerance, or -1. */
export function firstMismatch(actual, expected, { rtol = 1e-4, atol = 1e-5 } = {}) {
  if (actual.length !== expected.length) return 0;
  for (let i = 0; i < actual.length; i++) {
    const a = Number(actual[i]);
    const e = Number(expected[i]);
    if ((Number.isNaN(e) && Number.isNaN(a)) || a === e) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) return i;
  }
  return -1;
}

/** A case's member `name` of `lib` ('losses.huberLoss' -> lib.losses.huberLoss). */
export const resolve = (lib, name) => name.split('.').reduce((o, k) => (o == null ? undefined : o[k]), lib);

/** Input `i` of a case as a tensor of `lib` (ferroflow or TF.js: the same call). */
export function make(lib, spec, i) {
  return lib.tensor(values(spec, 1000 + i * 17), spec.shape, spec.dtype);
}

/** The case's outputs as tensors of `lib` (intermediates freed; the caller disposes these). */
export function caseOutputs(lib, c, call = c.call) {
  return lib.tidy(() => outputs(call(lib, ...c.inputs.map((s, i) => make(lib, s, i)))));
}

/**
 * Gradients of sum(call(...inputs) * w), w fixed pseudo-random weights, with respect to the float
 * inputs (or `c.gradArgs`), as tensors of `lib` (the caller disposes them).
 */
export function caseGradients(lib, c, call = c.call) {
  return lib.tidy(() => {
    const ins = c.inputs.map((s, i) => make(lib, s, i));
    const which = c.gradArgs ?? ins.map((t, i) => (t.dtype === 'float32' ? i : -1)).filter((i) => i >= 0);
    const f = (...xs) => {
      const args = ins.slice();
      which.forEach((k, j) => (args[k] = xs[j]));
      const y = call(lib, ...args);
      const r = rng(7);
      const w = lib.tensor(Array.from({ length: numel(y.shape) }, () => 0.5 + r()), y.shape);
      return lib.sum(lib.mul(y, w));
    };
    return lib.grads(f)(which.map((k) => ins[k]));
  });
}
