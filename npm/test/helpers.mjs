// Shared by the Node suite: both libraries, deterministic data, comparisons.
import assert from 'node:assert/strict';
import * as ff from 'ferroflow';
import * as tf from '@tensorflow/tfjs';
import { firstMismatch } from './data.mjs';

export { rng, numel, values, outputs, firstMismatch } from './data.mjs';

// Pure-JS TF.js on its CPU backend is the oracle (no tfjs-node).
await tf.setBackend('cpu');

export { ff, tf };

/** Asserts two float arrays agree within `atol + rtol * |expected|` (NaN matches NaN). */
export function assertClose(actual, expected, { rtol = 1e-4, atol = 1e-5 } = {}, what = '') {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} vs ${expected.length}`);
  const i = firstMismatch(actual, expected, { rtol, atol });
  if (i >= 0) assert.fail(`${what}: element ${i}: ferroflow ${actual[i]} vs TF.js ${expected[i]} (rtol ${rtol}, atol ${atol})`);
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
