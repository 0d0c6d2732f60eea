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
