// Hostile inputs throw a JS Error naming the op and the argument (never a wasm trap), and the
// module keeps working after every one of them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertThrowsError, ff } from './helpers.mjs';

const x = ff.tensor([[1, 2, 3], [4, 5, 6]]);
const img = ff.ones([1, 4, 4, 2]);

// [label, call, expected message pattern]
const hostile = [
  // creation
  ['shape does not match values', () => ff.tensor([1, 2, 3], [2, 2]), /^tensor: shape error: argument 'shape': expected a shape with 3 elements/],
  ['ragged nested array', () => ff.tensor([[1, 2], [3]]), /^tensor: invalid argument: argument 'values': expected 2 elements at values\[1\]/],
  ['strings', () => ff.tensor(['a', 'b']), /^tensor: invalid argument: argument 'values': expected numbers or booleans, got the string "a"/],
  ['mixed numbers and booleans', () => ff.tensor([1, true]), /expected every element to be a number/],
  ['an object', () => ff.tensor({ a: 1 }), /^tensor: invalid argument: argument 'values'/],
  ['undefined values', () => ff.tensor(undefined), /^tensor: invalid argument: argument 'values'/],
  ['a string scalar', () => ff.tensor('abc'), /^tensor: dtype error: argument 'values'.*string tensors are not supported/],
  ['BigInt64Array', () => ff.tensor(new BigInt64Array(2)), /^tensor: invalid argument: argument 'values': expected numbers or booleans/],
  ['nesting 100 deep', () => { let a = [1]; for (let i = 0; i < 100; i++) a = [a]; return ff.tensor(a); }, /levels of nesting/],
  ['wrong TypedArray length', () => ff.tensor(new Float32Array(3), [2, 2]), /^tensor: shape error: argument 'shape'/],
  ['tensor2d of a 1-D array', () => ff.tensor2d([1, 2, 3]), /^tensor2d: shape error: argument 'values': expected a rank-2 tensor, got shape \[3\]/],
  ['unknown dtype', () => ff.tensor([1], [1], 'complex64'), /^tensor: invalid argument: argument 'dtype': expected a dtype/],
  ['string dtype', () => ff.zeros([2], 'string'), /^zeros: invalid argument: argument 'dtype'/],
  ['NaN size', () => ff.zeros([NaN]), /^zeros: invalid argument: argument 'shape\[0\]': expected an integer, got the number NaN/],
  ['negative size', () => ff.ones([2, -1]), /^ones: invalid argument: argument 'shape\[1\]': expected a non-negative integer dimension, got the number -1/],
  ['fractional size', () => ff.zeros([1.5]), /^zeros: invalid argument: argument 'shape\[0\]': expected an integer/],
  ['Infinity size', () => ff.fill([Infinity], 1), /^fill: invalid argument: argument 'shape\[0\]'/],
  ['shape not an array', () => ff.zeros('abc'), /^zeros: invalid argument: argument 'shape': expected an array, got the string "abc"/],
  ['huge shape (overflow)', () => ff.zeros([2 ** 31, 2 ** 31, 2 ** 31]), /^zeros: size error/],
  ['huge shape (over the wasm cap)', () => ff.ones([1e9]), /^ones: size error: expected at most \d+ bytes per tensor in wasm/],
  ['huge random', () => ff.randomUniform([1e5, 1e5]), /^randomUniform: size error/],
  ['huge eye', () => ff.eye(1e6), /^eye: size error/],
  ['huge range', () => ff.range(0, 1e12), /^range: size error/],
  ['range step 0', () => ff.range(0, 5, 0), /^range: invalid argument: argument 'step'/],
  ['linspace NaN', () => ff.linspace(0, 1, NaN), /^linspace: invalid argument: argument 'num'/],
  ['oneHot negative depth', () => ff.oneHot([1], -1), /^oneHot: invalid argument: argument 'depth'/],
  ['oneHot huge depth', () => ff.oneHot(ff.tensor([1, 2], [2], 'int32'), 2 ** 40), /^oneHot: (size error|invalid argument: argument 'depth')/],
  ['randomUniform max < min', () => ff.randomUniform([2], 1, 0), /^randomUniform: invalid argument/],
  ['seed NaN', () => ff.randomNormal([2], 0, 1, 'float32', NaN), /^randomNormal: invalid argument: argument 'seed'/],
  ['scalar of an array', () => ff.scalar([1]), /^scalar: invalid argument: argument 'value'/],
  // ops
  ['broadcast mismatch', () => ff.add(ff.ones([2, 3]), ff.ones([4, 5])), /^add: shape error: shapes \[2, 3\] and \[4, 5\] are not broadcastable/],
  ['bool arithmetic', () => ff.add(ff.tensor([true]), ff.tensor([false])), /^add: dtype error/],
  ['logical on floats', () => ff.logicalAnd(x, x), /^logicalAnd: dtype error: expects bool operands, got float32 and float32/],
  ['bad operand type', () => ff.add(x, 'one'), /^add: dtype error: argument 'b'/],
  ['null operand', () => ff.mul(x, null), /^mul: invalid argument: argument 'b': expected a Tensor, number, boolean, array or TypedArray, got null/],
  ['axis out of range', () => ff.sum(x, 5), /^sum: axis error: axis 5 is out of range for rank 2/],
  ['NaN axis', () => ff.mean(x, NaN), /^mean: invalid argument: argument 'axis': expected an integer, got the number NaN/],
  ['repeated axes', () => ff.max(x, [0, 0]), /^max: axis error: axis 0 is repeated/],
  ['argMax bad axis', () => ff.argMax(x, -3), /^argMax: axis error/],
  ['softmax bad dim', () => ff.softmax(x, 2), /^softmax: axis error/],
  ['reshape to wrong size', () => ff.reshape(x, [7]), /^reshape: shape error: cannot reshape \[2, 3\]/],
  ['reshape two -1', () => ff.reshape(x, [-1, -1]), /^reshape: shape error: at most one -1/],
  ['reshape NaN', () => ff.reshape(x, [NaN]), /^reshape: invalid argument: argument 'shape\[0\]'/],
  ['transpose duplicate perm', () => ff.transpose(x, [0, 0]), /^transpose: axis error: argument 'perm': expected a permutation of 0..2, got \[0, 0\]/],
  ['transpose perm out of range', () => ff.transpose(x, [5, 1]), /^transpose: axis error: argument 'perm'/],
  ['transpose short perm', () => ff.transpose(x, [0]), /^transpose: shape error: argument 'perm'/],
  ['slice out of range', () => ff.slice(x, [5], [1]), /^slice: index error/],
  ['slice negative begin', () => ff.slice(x, [-1]), /^slice: index error: argument 'begin\[0\]'/],
  ['slice too many dims', () => ff.slice(x, [0, 0, 0]), /^slice: shape error/],
  ['stridedSlice stride 0', () => ff.stridedSlice(x, [0, 0], [1, 1], [0, 1]), /^stridedSlice: invalid argument: stride 0/],
  ['stridedSlice ellipsis', () => ff.stridedSlice(x, [0], [1], [1], 0, 0, 1), /^stridedSlice: invalid argument: argument 'ellipsisMask'/],
  ['split uneven', () => ff.split(x, 4, 1), /^split: shape error/],
  ['split sizes too large', () => ff.split(x, [1, 5], 1), /^split: shape error/],
  ['split 0 pieces', () => ff.split(x, 0), /^split: shape error/],
  ['concat nothing', () => ff.concat([]), /^concat: invalid argument: needs at least one tensor/],
  ['concat mismatched', () => ff.concat([x, ff.ones([2, 2])], 0), /^concat: shape error/],
  ['stack mismatched', () => ff.stack([x, ff.ones([3])]), /^stack: shape error/],
  ['pad wrong rank', () => ff.pad(x, [[1, 2]]), /^pad: shape error: 1 paddings for rank 2/],
  ['pad negative', () => ff.pad(x, [[1, -2], [0, 0]]), /^pad: invalid argument: argument 'paddings\[0\]\[1\]'/],
  ['tile huge', () => ff.tile(x, [1e9, 1e9]), /^tile: size error/],
  ['gather float indices', () => ff.gather(x, ff.tensor([0.5])), /^gather: dtype error: indices must be int32/],
  ['gather batchDims', () => ff.gather(x, [0], 0, 1), /^gather: invalid argument: argument 'batchDims'/],
  ['gatherND depth too large', () => ff.gatherND(x, ff.tensor([[0, 0, 0]], [1, 3], 'int32')), /^gatherND: shape error/],
  ['matMul inner mismatch', () => ff.matMul(ff.ones([2, 3]), ff.ones([4, 5])), /^matMul: shape error: inner dimensions differ/],
  ['matMul rank 1', () => ff.matMul(ff.ones([3]), ff.ones([3, 1])), /^matMul: shape error: operands must have rank >= 2/],
  ['conv2d channel mismatch', () => ff.conv2d(img, ff.ones([2, 2, 3, 1]), 1, 'valid'), /^conv2d: shape error: input channels 2 must equal/],
  ['conv2d bad pad', () => ff.conv2d(img, ff.ones([2, 2, 2, 1]), 1, 'bogus'), /^conv2d: invalid argument: argument 'pad'/],
  ['conv2d stride 0', () => ff.conv2d(img, ff.ones([2, 2, 2, 1]), 0, 'valid'), /^conv2d: invalid argument: strides \[0, 0\]/],
  ['conv2d NCHW', () => ff.conv2d(img, ff.ones([2, 2, 2, 1]), 1, 'valid', 'NCHW'), /^conv2d: invalid argument: argument 'dataFormat'/],
  ['conv2d rank 2 input', () => ff.conv2d(x, ff.ones([2, 2, 2, 1]), 1, 'valid'), /^conv2d: shape error: input must be rank 4/],
  ['maxPool window 0', () => ff.maxPool(img, 0, 1, 'valid'), /^maxPool: invalid argument: window \[0, 0\]/],
  ['avgPool huge window', () => ff.avgPool(img, [1e6, 1e6], 1, 'valid'), /^avgPool: /],
  ['conv2dTranspose bad output shape', () => ff.conv2dTranspose(img, ff.ones([2, 2, 3, 2]), [1, 2], 1, 'valid'), /^conv2dTranspose: shape error: argument 'outputShape'/],
  ['clipByValue NaN', () => ff.clipByValue(x, NaN, 1), /^clipByValue: invalid argument: argument 'clipValueMin'/],
  ['clipByValue min > max', () => ff.clipByValue(x, 2, 1), /^clipByValue: invalid argument: min 2 > max 1/],
  ['cast to a bad dtype', () => ff.cast(x, 'string'), /^cast: invalid argument: argument 'dtype'/],
  ['loss shapes differ', () => ff.losses.meanSquaredError(x, ff.ones([3])), /^meanSquaredError: shape error: labels shape/],
  ['loss with weights', () => ff.losses.meanSquaredError(x, x, ff.ones([2, 3])), /^meanSquaredError: invalid argument: argument 'weights': not supported yet/],
  ['loss Reduction.NONE', () => ff.losses.meanSquaredError(x, x, null, ff.Reduction.NONE), /^meanSquaredError: invalid argument: argument 'reduction'/],
  ['norm unsupported ord', () => ff.norm(x, 'nuclear'), /^norm: invalid argument: argument 'ord'/],
  // gradients, variables, optimizers
  ['grad of a non-function', () => ff.grad('f'), /^grad: invalid argument: argument 'f': expected a function, got string f/],
  ['grad wrt int32', () => ff.grad((a) => a.sum())(ff.tensor([1], [1], 'int32')), /^grad: dtype error: cannot differentiate/],
  ['grad wrt int32 (float output)', () => ff.grad((a) => a.toFloat().sum())(ff.tensor([1], [1], 'int32')), /^grad: dtype error: cannot differentiate with respect to a int32 tensor/],
  ['grad dy shape', () => ff.grad((a) => a.square())(ff.tensor([1, 2]), ff.ones([3])), /^grad: shape error: output gradient shape/],
  ['grads of no args', () => ff.grads((a) => a)([]), /^grads: invalid argument: argument 'args': expected at least one tensor/],
  ['sgd NaN learning rate', () => ff.train.sgd(NaN), /^sgd: invalid argument: argument 'learningRate': expected a finite number/],
  ['adam beta out of range', () => { const w = ff.variable(ff.ones([1]), true, 'hostile-adam'); try { ff.train.adam(0.1, 1.5).minimize(() => w.sum()); } finally { w.dispose(); } }, /^adam: invalid argument: beta1 must be in \[0, 1\)/],
  ['variable from a string', () => ff.variable('w'), /^variable: dtype error/],
  ['tidy of a non-function', () => ff.tidy(3), /^tidy: invalid argument: argument 'fn'/],
  ['keep of a non-tensor', () => ff.keep(3), /^keep: invalid argument: argument 'result': expected a Tensor/],
  ['a freed tensor', () => { const t = ff.ones([2]); t.free(); return ff.add(t, 1); }, /^add: invalid argument: argument 'a': expected a live Tensor, got a Tensor whose memory was freed/],
];

// Edge inputs that are valid or nearly so: each either works or throws an Error, never traps.
const edges = {
  'empty sum': () => ff.zeros([0, 3]).sum(),
  'empty max': () => ff.max(ff.zeros([0])),
  'empty matMul': () => ff.matMul(ff.zeros([2, 0]), ff.zeros([0, 3])),
  'empty unstack': () => ff.unstack(ff.zeros([0, 2])),
  'empty softmax': () => ff.softmax(ff.zeros([2, 0])),
  'empty maxPool': () => ff.maxPool(ff.zeros([1, 0, 3, 1]), 2, 1, 'same'),
  'empty conv batch': () => ff.conv2d(ff.zeros([0, 3, 3, 1]), ff.ones([2, 2, 1, 1]), 1, 'same'),
  'zero-channel conv': () => ff.conv2d(ff.zeros([1, 3, 3, 0]), ff.ones([2, 2, 0, 2]), 1, 'same'),
  'zero-size kernel': () => ff.conv2d(ff.zeros([1, 3, 3, 1]), ff.ones([0, 2, 1, 1]), 1, 'valid'),
  'kernel larger than input': () => ff.conv2d(ff.zeros([1, 3, 3, 1]), ff.ones([5, 5, 1, 1]), 1, 'valid'),
  'huge stride': () => ff.conv2d(ff.zeros([1, 3, 3, 1]), ff.ones([1, 1, 1, 1]), 2 ** 31, 'same'),
  'huge dilation': () => ff.conv2d(ff.zeros([1, 3, 3, 1]), ff.ones([2, 2, 1, 1]), 1, 'same', 'NHWC', 2 ** 31),
  'huge conv padding': () => ff.conv2d(ff.zeros([1, 3, 3, 1]), ff.ones([2, 2, 1, 1]), 1, 2 ** 30),
  'huge conv2dTranspose output': () => ff.conv2dTranspose(ff.zeros([1, 2, 2, 1]), ff.ones([3, 3, 1, 1]), [1, 2 ** 20, 2 ** 20, 1], 2 ** 19, 'same'),
  'out-of-range gather indices': () => ff.gather(ff.ones([3, 2]), ff.tensor([2 ** 31 - 1, -5], [2], 'int32')),
  'out-of-range gatherND indices': () => ff.gatherND(ff.ones([3, 2]), ff.tensor([[-1, 0], [5, 1]], [2, 2], 'int32')),
  'gather from an empty tensor': () => ff.gather(ff.zeros([0, 2]), [0]),
  'stridedSlice beyond the ends': () => ff.stridedSlice(ff.ones([2, 3]), [-10, -10], [10, 10], [-3, 7]),
  'stridedSlice huge stride': () => ff.stridedSlice(ff.ones([2, 3]), [0, 0], [2, 3], [2 ** 40, 1]),
  'matMul with a huge broadcast batch': () => ff.matMul(ff.ones([1, 1000, 1000]), ff.ones([600, 1000, 1])),
  'int32 overflow and division by zero': () => ff.div(ff.tensor([-2147483648, 1], [2], 'int32'), ff.tensor([-1, 0], [2], 'int32')),
  'int32 mod by zero': () => ff.mod(ff.tensor([1, -2147483648], [2], 'int32'), ff.tensor([0, -1], [2], 'int32')),
  'NaN and Infinity to int32': () => ff.cast(ff.tensor([NaN, Infinity, -Infinity, 3e9]), 'int32'),
  'a 20000-op chain': () => { let x = ff.scalar(0); for (let i = 0; i < 20000; i++) { const y = x.add(1); x.dispose(); x = y; } return x; },
};
for (const [label, call] of Object.entries(edges)) {
  test(`edge: ${label} works or throws an Error`, () => {
    try {
      const out = ff.tidy(() => {
        const r = call();
        for (const t of Array.isArray(r) ? r : [r]) t.dataSync();
        return null;
      });
      assert.equal(out, null);
    } catch (e) {
      assert.ok(e instanceof Error && !(e instanceof WebAssembly.RuntimeError), `${label}: ${e}`);
      assert.doesNotMatch(e.message, /unreachable|panicked/);
    }
    assert.deepEqual(Array.from(ff.add(1, 2).dataSync()), [3]);
  });
}

let panics = 0;
const consoleError = console.error;
console.error = (...args) => {
  if (args.some((a) => /panic/.test(String(a)))) panics++;
  consoleError(...args);
};

for (const [label, call, pattern] of hostile) {
  test(`hostile: ${label}`, () => {
    const before = ff.memory().numTensors;
    // Inside tidy, so that tensors the call's own arguments created are disposed with it.
    assertThrowsError(() => ff.tidy(call), pattern, label);
    // The module still works, and the failed call left no tensor behind.
    assert.deepEqual(Array.from(ff.add(ff.tidy(() => ff.scalar(1)), 2).dataSync()), [3]);
    assert.ok(ff.memory().numTensors <= before + 2, `${label}: tensors leaked`);
  });
}

test('no panic was reported during the hostile tests', () => {
  assert.equal(panics, 0);
  assert.deepEqual(Array.from(ff.matMul(ff.ones([2, 2]), ff.ones([2, 2])).dataSync()), [2, 2, 2, 2]);
});
