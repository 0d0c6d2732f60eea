// One small TF.js graph model per case, each a single TF op fed by a placeholder and constants,
// run by TensorFlow.js (cpu backend, Node): the oracle for the graph executor's op kernels.
// Writes <out>/cases.json: [{name, op, modelJson, weights (base64), feed: {values, shape, dtype},
// fetch: [names], outputs: [{values, shape, dtype}] | error}], and <out>/op-list.json: the
// converter's op list (TF op name -> category), which the Rust test reports coverage against.
// Usage: NODE_PATH=<node_modules with @tensorflow/tfjs> node op-cases.cjs <out>
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');

// ---- inputs: seeded values, encoded as the converter writes attributes ----
let state = 12345;
function rand() {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  return state / 2 ** 32;
}
const numel = (shape) => shape.reduce((a, b) => a * b, 1);
const f = (shape, lo = -2, hi = 2) => ({ dtype: 'float32', shape, values: Array.from({ length: numel(shape) }, () => Math.fround(lo + (hi - lo) * rand())) });
const i32 = (values, shape) => ({ dtype: 'int32', shape: shape ?? [values.length], values });
const b = (shape) => ({ dtype: 'bool', shape, values: Array.from({ length: numel(shape) }, () => (rand() < 0.6 ? 1 : 0)) });
const fv = (values, shape) => ({ dtype: 'float32', shape: shape ?? [values.length], values });
const ints = (v) => ({ list: { i: v.map(String) } });
const str = (s) => ({ s: Buffer.from(s).toString('base64') });
const strs = (v) => ({ list: { s: v.map((s) => Buffer.from(s).toString('base64')) } });
const int = (v) => ({ i: String(v) });
const flt = (v) => ({ f: v });
const bool = (v) => ({ b: v });
const T = { T: { type: 'DT_FLOAT' } };

// ---- the cases ----
const cases = [];
function add(op, inputs, attrs = {}, opts = {}) {
  const n = cases.filter((c) => c.op === op).length;
  cases.push({ name: `${op}#${n}`, op, inputs, attrs: { ...T, ...attrs }, outputs: opts.outputs ?? 1, oracleOp: opts.oracleOp, random: opts.random, direct: opts.direct });
}

const unary = {
  Abs: [-2, 2], Neg: [-2, 2], Exp: [-2, 2], Expm1: [-2, 2], Log: [0.1, 3], Log1p: [-0.5, 2], Sqrt: [0.1, 3],
  Rsqrt: [0.1, 3], Square: [-2, 2], Reciprocal: [0.5, 2], Sin: [-3, 3], Cos: [-3, 3], Tan: [-1, 1], Sinh: [-2, 2],
  Cosh: [-2, 2], Tanh: [-2, 2], Asinh: [-2, 2], Acosh: [1.1, 3], Atanh: [-0.9, 0.9], Atan: [-2, 2], Erf: [-2, 2],
  Sigmoid: [-3, 3], Softplus: [-3, 3], Relu: [-2, 2], Relu6: [-3, 8], Elu: [-2, 2], Selu: [-2, 2],
  Sign: [-2, 2], Floor: [-3, 3], Ceil: [-3, 3], Round: [-3, 3], IsNan: [-1, 1], IsInf: [-1, 1], IsFinite: [-1, 1],
};
for (const [op, [lo, hi]] of Object.entries(unary)) add(op, [f([2, 3], lo, hi)]);
add('LeakyRelu', [f([2, 3])], { alpha: flt(0.3) });
add('Prelu', [f([2, 3]), f([3], 0, 1)]);
add('ClipByValue', [f([2, 3]), f([], -1, -0.5), f([], 0.5, 1)]);
add('Atan2', [f([2, 3]), f([2, 3])]);

for (const op of ['Add', 'AddV2', 'Sub', 'Mul', 'Maximum', 'Minimum', 'SquaredDifference']) {
  add(op, [f([2, 3]), f([3])]);
  add(op, [f([2, 1, 3]), f([4, 1])]);
}
for (const op of ['Div', 'RealDiv']) add(op, [f([2, 3]), f([3], 0.5, 2)]);
add('DivNoNan', [f([2, 3]), { dtype: 'float32', shape: [3], values: [0, 0.5, -2] }]);
add('FloorDiv', [f([2, 3], -5, 5), f([3], 0.5, 2)]);
for (const op of ['Mod', 'FloorMod']) add(op, [f([2, 3], -5, 5), f([3], 0.5, 2)]);
add('Pow', [f([2, 3], 0.5, 2), f([2, 3], -2, 2)]);
add('BiasAdd', [f([2, 2, 3]), f([3])]);
add('AddN', [f([2, 3]), f([2, 3]), f([2, 3])], { N: int(3) });

const conv = (fmt, pad, s, d, extra = {}) => ({ data_format: str(fmt), padding: str(pad), strides: ints(s), dilations: ints(d), ...extra });
add('Conv2D', [f([1, 5, 5, 2]), f([3, 3, 2, 3])], conv('NHWC', 'SAME', [1, 1, 1, 1], [1, 1, 1, 1]));
add('Conv2D', [f([2, 6, 7, 2]), f([3, 2, 2, 4])], conv('NHWC', 'VALID', [1, 2, 2, 1], [1, 1, 1, 1]));
add('Conv2D', [f([1, 7, 7, 2]), f([3, 3, 2, 2])], conv('NHWC', 'VALID', [1, 1, 1, 1], [1, 2, 2, 1]));
add('Conv2D', [f([1, 5, 5, 2]), f([3, 3, 2, 2])], conv('NHWC', 'EXPLICIT', [1, 1, 1, 1], [1, 1, 1, 1], { explicit_paddings: ints([0, 0, 1, 2, 0, 1, 0, 0]) }));
const fused = (ops, n, extra = {}) => ({ fused_ops: strs(ops), num_args: int(n), epsilon: flt(0), ...extra });
add('_FusedConv2D', [f([1, 5, 5, 2]), f([3, 3, 2, 3]), f([3])], conv('NHWC', 'SAME', [1, 2, 2, 1], [1, 1, 1, 1], fused(['BiasAdd', 'Relu'], 1)));
add('_FusedConv2D', [f([1, 5, 5, 2]), f([1, 1, 2, 3]), f([3])], conv('NHWC', 'VALID', [1, 1, 1, 1], [1, 1, 1, 1], fused(['BiasAdd', 'Relu6'], 1)));
add('_FusedConv2D', [f([1, 4, 4, 2]), f([3, 3, 2, 2]), f([2]), f([2], 0, 0.5)], conv('NHWC', 'SAME', [1, 1, 1, 1], [1, 1, 1, 1], fused(['BiasAdd', 'Prelu'], 2)));
add('_FusedConv2D', [f([1, 4, 4, 2]), f([3, 3, 2, 2]), f([2])], conv('NHWC', 'SAME', [1, 1, 1, 1], [1, 1, 1, 1], fused(['BiasAdd', 'LeakyRelu'], 1, { leakyrelu_alpha: flt(0.1) })));
add('_FusedConv2D', [f([1, 4, 4, 2]), f([3, 3, 2, 2]), f([2])], conv('NHWC', 'SAME', [1, 1, 1, 1], [1, 1, 1, 1], fused(['BiasAdd', 'Elu'], 1)));
add('_FusedConv2D', [f([1, 4, 4, 2]), f([3, 3, 2, 2]), f([2])], conv('NHWC', 'SAME', [1, 1, 1, 1], [1, 1, 1, 1], fused(['BiasAdd', 'Sigmoid'], 1)));
add('_FusedConv2D', [f([1, 4, 4, 2]), f([3, 3, 2, 2]), f([2])], conv('NHWC', 'SAME', [1, 1, 1, 1], [1, 1, 1, 1], fused(['BiasAdd'], 1)));
for (const op of ['DepthwiseConv2d', 'DepthwiseConv2dNative']) {
  add(op, [f([1, 5, 5, 3]), f([3, 3, 3, 2])], conv('NHWC', 'SAME', [1, 1, 1, 1], [1, 1, 1, 1]));
  add(op, [f([2, 6, 6, 2]), f([3, 3, 2, 1])], conv('NHWC', 'VALID', [1, 2, 2, 1], [1, 1, 1, 1]));
}
add('FusedDepthwiseConv2dNative', [f([1, 6, 6, 3]), f([3, 3, 3, 1]), f([3])], conv('NHWC', 'SAME', [1, 2, 2, 1], [1, 1, 1, 1], fused(['BiasAdd', 'Relu6'], 1)));
add('FusedDepthwiseConv2dNative', [f([1, 5, 5, 2]), f([3, 3, 2, 2]), f([4])], conv('NHWC', 'VALID', [1, 1, 1, 1], [1, 1, 1, 1], fused(['BiasAdd', 'Relu'], 1)));
for (const op of ['AvgPool', 'MaxPool']) {
  add(op, [f([1, 5, 5, 2])], { ksize: ints([1, 2, 2, 1]), strides: ints([1, 2, 2, 1]), padding: str('VALID'), data_format: str('NHWC') });
  add(op, [f([2, 5, 4, 3])], { ksize: ints([1, 3, 3, 1]), strides: ints([1, 1, 1, 1]), padding: str('SAME'), data_format: str('NHWC') });
}

const p5 = (ks, ss, pad) => ({ ksize: ints(ks), strides: ints(ss), padding: str(pad), data_format: str('NDHWC') });
for (const op of ['AvgPool3D', 'MaxPool3D']) {
  add(op, [f([1, 4, 4, 4, 2])], p5([1, 2, 2, 2, 1], [1, 2, 2, 2, 1], 'VALID'));
  add(op, [f([2, 3, 5, 4, 1])], p5([1, 2, 3, 2, 1], [1, 1, 2, 1, 1], 'SAME'));
}
add('Conv3D', [f([1, 4, 4, 4, 2]), f([2, 2, 2, 2, 3])], { strides: ints([1, 1, 1, 1, 1]), dilations: ints([1, 1, 1, 1, 1]), padding: str('VALID'), data_format: str('NDHWC') });
add('Conv3D', [f([2, 5, 4, 3, 2]), f([3, 2, 2, 2, 2])], { strides: ints([1, 2, 1, 2, 1]), dilations: ints([1, 1, 1, 1, 1]), padding: str('SAME'), data_format: str('NDHWC') });
add('Dilation2D', [f([1, 5, 5, 2]), f([3, 2, 2])], { strides: ints([1, 1, 1, 1]), rates: ints([1, 1, 1, 1]), padding: str('VALID') });
add('Dilation2D', [f([2, 6, 5, 3]), f([2, 2, 3])], { strides: ints([1, 2, 2, 1]), rates: ints([1, 2, 1, 1]), padding: str('SAME') });
add('MaxPoolWithArgmax', [f([2, 4, 4, 3])], { ksize: ints([1, 2, 2, 1]), strides: ints([1, 2, 2, 1]), padding: str('VALID'), include_batch_in_index: bool(false) }, { outputs: 2 });
add('MaxPoolWithArgmax', [f([2, 5, 4, 2])], { ksize: ints([1, 3, 3, 1]), strides: ints([1, 2, 1, 1]), padding: str('SAME'), include_batch_in_index: bool(true) }, { outputs: 2 });

add('MatMul', [f([2, 3]), f([3, 4])], { transpose_a: bool(false), transpose_b: bool(false) });
add('MatMul', [f([3, 2]), f([4, 3])], { transpose_a: bool(true), transpose_b: bool(true) });
add('_FusedMatMul', [f([2, 3]), f([3, 4]), f([4])], { transpose_a: bool(false), transpose_b: bool(false), ...fused(['BiasAdd', 'Relu'], 1) });
add('_FusedMatMul', [f([2, 3]), f([4, 3]), f([4])], { transpose_a: bool(false), transpose_b: bool(true), ...fused(['BiasAdd'], 1) });
for (const op of ['BatchMatMul', 'BatchMatMulV2']) add(op, [f([2, 2, 3]), f([2, 4, 3])], { adj_x: bool(false), adj_y: bool(true) });
// Newer TensorFlow writes BatchMatMulV3, which TF.js 4.22 does not know: its oracle is V2's.
add('BatchMatMulV3', [f([2, 2, 3]), f([1, 3, 4])], { adj_x: bool(false), adj_y: bool(false) }, { oracleOp: 'BatchMatMulV2' });
add('Transpose', [f([2, 3, 4]), i32([2, 0, 1])]);

add('Softmax', [f([2, 5])]);
add('EuclideanNorm', [f([2, 3, 4]), i32([1])], { keep_dims: bool(false) });
add('EuclideanNorm', [f([2, 3, 4]), i32([0, 2])], { keep_dims: bool(true) });
add('LogSoftmax', [f([2, 5])]);
for (const op of ['FusedBatchNorm', 'FusedBatchNormV2', 'FusedBatchNormV3']) {
  add(op, [f([2, 3, 3, 4]), f([4], 0.5, 2), f([4]), f([4]), f([4], 0.5, 2)], { epsilon: flt(0.001), data_format: str('NHWC'), is_training: bool(false) });
}

for (const op of ['Sum', 'Mean', 'Max', 'Min', 'Prod']) {
  add(op, [f([2, 3, 4], 0.5, 1.5), i32([1])], { keep_dims: bool(false) });
  add(op, [f([2, 3, 4], 0.5, 1.5), i32([0, 2])], { keep_dims: bool(true) });
}
for (const op of ['All', 'Any']) {
  add(op, [b([3, 4]), i32([1])], { keep_dims: bool(false) });
  add(op, [b([2, 3, 2]), i32([0, 2])], { keep_dims: bool(true) });
}
add('ArgMax', [f([3, 4]), i32([1], [])]);
add('ArgMin', [f([3, 4]), i32([0], [])]);

add('Reshape', [f([2, 3, 4]), i32([4, -1])]);
add('Squeeze', [f([2, 1, 3, 1])], { squeeze_dims: ints([1]) });
add('Squeeze', [f([2, 1, 3, 1])], { squeeze_dims: ints([]) });
add('ExpandDims', [f([2, 3]), i32([-1], [])]);
add('Cast', [f([2, 3], -3, 3)], { SrcT: { type: 'DT_FLOAT' }, DstT: { type: 'DT_INT32' } });
add('Pad', [f([2, 3]), i32([1, 0, 2, 1], [2, 2])]);
add('PadV2', [f([2, 3]), i32([0, 1, 1, 1], [2, 2]), f([])]);

add('ConcatV2', [f([2, 3]), f([2, 2]), i32([1], [])], { N: int(2) });
add('ConcatV2', [f([2, 3]), f([1, 3]), i32([-2], [])], { N: int(2) });
add('Concat', [i32([0], []), f([2, 3]), f([1, 3])], { N: int(2) });
add('Pack', [f([2, 3]), f([2, 3]), f([2, 3])], { N: int(3), axis: int(1) });
add('Unpack', [f([3, 2, 4])], { num: int(2), axis: int(1) }, { outputs: 2 });
add('Slice', [f([3, 4, 2]), i32([1, 0, 1]), i32([2, -1, 1])]);
add('StridedSlice', [f([4, 5, 3]), i32([1, 0, 2]), i32([3, 5, 0]), i32([1, 2, -1])], { begin_mask: int(0), end_mask: int(4), ellipsis_mask: int(0), new_axis_mask: int(0), shrink_axis_mask: int(0) });
add('StridedSlice', [f([4, 5]), i32([1, 0]), i32([2, 5]), i32([1, 1])], { begin_mask: int(0), end_mask: int(0), ellipsis_mask: int(0), new_axis_mask: int(0), shrink_axis_mask: int(1) });
add('GatherV2', [f([4, 3]), i32([2, 0, 3]), i32([0], [])], { batch_dims: int(0) });
add('GatherV2', [f([2, 4]), i32([1, 3, 3], [3]), i32([1], [])], { batch_dims: int(0) });
add('Gather', [f([4, 3]), i32([3, 1])]);
add('Tile', [f([2, 3]), i32([2, 1])]);
add('Split', [i32([1], []), f([2, 6])], { num_split: int(3) }, { outputs: 3 });
add('SplitV', [f([5, 2]), i32([2, -1]), i32([0], [])], { num_split: int(2) }, { outputs: 2 });
add('ReverseV2', [f([2, 3, 2]), i32([0, 2])]);

const halves = (shape) => ({ ...f(shape, -1.5, 1.5), values: f(shape, -1.5, 1.5).values.map((v) => Math.round(v * 2) / 2) });
for (const op of ['Equal', 'NotEqual', 'Less', 'LessEqual', 'Greater', 'GreaterEqual']) add(op, [halves([2, 3]), halves([3])]);
for (const op of ['LogicalAnd', 'LogicalOr']) add(op, [b([2, 3]), b([3])]);
add('LogicalNot', [b([2, 3])]);
add('Select', [b([2, 3]), f([2, 3]), f([2, 3])]);
add('SelectV2', [b([3]), f([2, 3]), f([2, 3])]);
add('Shape', [f([2, 3, 4])], { out_type: { type: 'DT_INT32' } });
add('ShapeN', [f([2, 3]), f([4])], { N: int(2), out_type: { type: 'DT_INT32' } }, { outputs: 2 });
add('Size', [f([2, 3])], { out_type: { type: 'DT_INT32' } });
add('Rank', [f([2, 3, 4])]);
add('Fill', [i32([2, 3]), f([])], { index_type: { type: 'DT_INT32' } });
add('Fill', [i32([2, 2]), i32([7], [])], { T: { type: 'DT_INT32' }, index_type: { type: 'DT_INT32' } });
add('ZerosLike', [f([2, 3])]);
add('Zeros', [i32([2, 3])], { dtype: { type: 'DT_FLOAT' } });
add('Ones', [i32([3, 1])], { dtype: { type: 'DT_FLOAT' } });
add('LinSpace', [f([], 0, 1), f([], 2, 3), i32([5], [])], { Tidx: { type: 'DT_INT32' } });
add('OnesLike', [f([2, 3])]);
add('Range', [i32([2], []), i32([11], []), i32([3], [])], { Tidx: { type: 'DT_INT32' } });
add('Range', [f([], 0, 1), f([], 3, 4), f([], 0.5, 0.7)], { Tidx: { type: 'DT_FLOAT' } });
add('OneHot', [i32([0, 2, 1, 3]), i32([4], []), f([], 0.5, 1), f([], -1, 0)], { axis: int(-1), TI: { type: 'DT_INT32' } });
add('BroadcastTo', [f([3]), i32([2, 3])], { Tidx: { type: 'DT_INT32' } });
add('Cumsum', [f([2, 4]), i32([1], [])], { exclusive: bool(false), reverse: bool(false) });
add('Cumsum', [f([3, 2]), i32([0], [])], { exclusive: bool(true), reverse: bool(true) });
for (const op of ['Identity', 'Snapshot', 'StopGradient']) add(op, [f([2, 3])]);
add('IdentityN', [f([2, 3]), f([3])], {}, { outputs: 2 });
add('PlaceholderWithDefault', [f([2, 3])], { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '2' }, { size: '3' }] } } });

add('Asin', [f([2, 3], -0.9, 0.9)]);
add('Acos', [f([2, 3], -0.9, 0.9)]);
add('Print', [f([2, 3]), f([3])], { message: str('x: '), summarize: int(3), U: { list: { type: ['DT_FLOAT'] } } });
add('MatrixBandPart', [f([2, 4, 5]), i32([1], []), i32([1], [])], { Tindex: { type: 'DT_INT32' } });
add('MatrixBandPart', [f([3, 4]), i32([-1], []), i32([-1], [])], { Tindex: { type: 'DT_INT32' } });
add('MatrixBandPart', [f([3, 4]), i32([0], []), i32([0], [])], { Tindex: { type: 'DT_INT32' } });
add('Conv1D', [f([2, 7, 3]), f([3, 3, 2])], { stride: int(2), padding: str('SAME'), data_format: str('NWC'), dilation: int(1) });
add('Conv1D', [f([1, 9, 2]), f([2, 2, 4])], { stride: int(1), padding: str('VALID'), data_format: str('NWC'), dilation: int(2) });
add('Conv2DBackpropInput', [i32([1, 5, 5, 2]), f([3, 3, 2, 3]), f([1, 3, 3, 3])], conv('NHWC', 'SAME', [1, 2, 2, 1], [1, 1, 1, 1]));
add('Conv2DBackpropInput', [i32([2, 4, 4, 1]), f([2, 2, 1, 2]), f([2, 3, 3, 2])], conv('NHWC', 'VALID', [1, 1, 1, 1], [1, 1, 1, 1]));
add('GatherNd', [f([3, 4, 2]), i32([0, 1, 2, 3, 1, 0], [3, 2])], { Tindices: { type: 'DT_INT32' } });
add('GatherNd', [f([3, 4]), i32([2, 0], [2, 1])], { Tindices: { type: 'DT_INT32' } });
add('Reverse', [f([2, 3, 2]), { dtype: 'bool', shape: [3], values: [1, 0, 1] }]);
add('ScatterNd', [i32([0, 2, 1, 0], [4, 1]), f([4, 3]), i32([3, 3])], { Tindices: { type: 'DT_INT32' } });
add('ScatterNd', [i32([0, 1, 2, 3, 0, 1], [3, 2]), f([3]), i32([3, 4])], { Tindices: { type: 'DT_INT32' } });
add('TensorScatterUpdate', [f([4, 3]), i32([3, 1], [2, 1]), f([2, 3])], { Tindices: { type: 'DT_INT32' } });
add('SparseToDense', [i32([0, 1, 2, 3, 1, 0], [3, 2]), i32([3, 4]), fv([1, 2, 3]), fv([-1], [])], { Tindices: { type: 'DT_INT32' }, validate_indices: bool(false) });
add('SparseToDense', [i32([1, 3, 4]), i32([6]), fv([7], []), fv([0.5], [])], { Tindices: { type: 'DT_INT32' }, validate_indices: bool(false) });
add('BroadcastArgs', [i32([2, 1, 3]), i32([4, 1])], { T: { type: 'DT_INT32' } });
// TF.js compares -1 literally (TensorFlow, and Ferroflow, take it as any size): exact sizes here.
add('EnsureShape', [f([2, 3]), i32([2, 3])], { shape: { shape: { dim: [{ size: '2' }, { size: '3' }] } } });
add('DepthToSpace', [f([1, 2, 3, 8])], { block_size: int(2), data_format: str('NHWC') });
add('SpaceToBatchND', [f([1, 4, 4, 2]), i32([2, 2]), i32([0, 0, 0, 0], [2, 2])], { Tblock_shape: { type: 'DT_INT32' }, Tpaddings: { type: 'DT_INT32' } });
add('SpaceToBatchND', [f([2, 3, 5, 1]), i32([2, 3]), i32([1, 0, 0, 1], [2, 2])], { Tblock_shape: { type: 'DT_INT32' }, Tpaddings: { type: 'DT_INT32' } });
add('BatchToSpaceND', [f([4, 2, 2, 3]), i32([2, 2]), i32([0, 0, 0, 0], [2, 2])], { Tblock_shape: { type: 'DT_INT32' }, Tcrops: { type: 'DT_INT32' } });
add('BatchToSpaceND', [f([6, 2, 2, 1]), i32([2, 3]), i32([1, 0, 0, 2], [2, 2])], { Tblock_shape: { type: 'DT_INT32' }, Tcrops: { type: 'DT_INT32' } });
add('MirrorPad', [f([3, 4]), i32([1, 2, 2, 1], [2, 2])], { mode: str('REFLECT'), Tpaddings: { type: 'DT_INT32' } });
add('MirrorPad', [f([2, 3, 2]), i32([2, 1, 0, 3, 1, 0], [3, 2])], { mode: str('SYMMETRIC'), Tpaddings: { type: 'DT_INT32' } });

add('FakeQuantWithMinMaxVars', [f([2, 3])], { min: flt(-1), max: flt(1), num_bits: int(8), narrow_range: bool(false) });
add('LRN', [f([1, 2, 3, 7])], { depth_radius: int(2), bias: flt(1), alpha: flt(0.5), beta: flt(0.75) });
add('LRN', [f([2, 2, 2, 4])], { depth_radius: int(5), bias: flt(2), alpha: flt(1), beta: flt(0.5) });
// (TF.js 4.22's cumprod returns an empty tensor for a negative axis: positive axes here.)
add('Cumprod', [f([2, 5], 0.5, 1.5), i32([1], [])], { exclusive: bool(false), reverse: bool(false) });
add('Cumprod', [f([4, 3], -1.5, 1.5), i32([0], [])], { exclusive: bool(true), reverse: bool(true) });
add('Cumprod', [f([2, 6], -1.5, 1.5), i32([1], [])], { exclusive: bool(true), reverse: bool(false) });

// Dynamic shapes: outputs sized by the values (TF.js runs them in executeAsync).
add('Where', [b([3, 4])]);
add('Where', [halves([2, 3, 2])]);
const OUT_IDX = { out_idx: { type: 'DT_INT32' } };
add('ListDiff', [i32([1, 2, 3, 4, 5, 6, 2]), i32([2, 4, 7])], OUT_IDX, { outputs: 2 });
add('ListDiff', [halves([8]), fv([0.5, -1, 1.5])], OUT_IDX, { outputs: 2 });
// Boxes that overlap: corners near a few centres.
const boxes = (n) => fv(Array.from({ length: n }, (_, k) => {
  const [cy, cx] = [0.3 + 0.4 * (k % 2), 0.3 + 0.4 * ((k >> 1) % 2)];
  const [h, w] = [0.2 + 0.3 * rand(), 0.2 + 0.3 * rand()];
  return [cy - h / 2 + 0.1 * rand(), cx - w / 2, cy + h / 2, cx + w / 2 + 0.1 * rand()].map(Math.fround);
}).flat(), [n, 4]);
const nms = (v, args, attrs = {}, outputs = 1) => add(`NonMaxSuppressionV${v}`, [boxes(10), f([10], 0, 1), ...args], attrs, { outputs });
nms(2, [i32([6], []), fv([0.3], [])]);
nms(2, [i32([20], []), fv([0.6], [])]);
nms(3, [i32([6], []), fv([0.3], []), fv([0.4], [])]);
nms(4, [i32([8], []), fv([0.3], []), fv([0.2], [])], { pad_to_max_output_size: bool(true) }, 2);
nms(4, [i32([8], []), fv([0.3], []), fv([0.2], [])], { pad_to_max_output_size: bool(false) }, 2);
nms(5, [i32([6], []), fv([0.5], []), fv([0.1], []), fv([0.5], [])], {}, 2);
nms(5, [i32([6], []), fv([0.3], []), fv([-Infinity], []), fv([0], [])], {}, 2);

add('TopKV2', [f([3, 6]), i32([3], [])], { sorted: bool(true) }, { outputs: 2 });
add('TopKV2', [halves([2, 8]), i32([5], [])], { sorted: bool(true) }, { outputs: 2 });
add('TopKV2', [i32([5, 1, 9, 1, 5, 7], [2, 3]), i32([2], [])], { T: { type: 'DT_INT32' }, sorted: bool(true) }, { outputs: 2 });
add('Unique', [i32([3, 1, 3, 2, 1, 5, 3])], { T: { type: 'DT_INT32' }, ...OUT_IDX }, { outputs: 2 });
add('Unique', [halves([9])], OUT_IDX, { outputs: 2 });
add('UniqueV2', [i32([1, 2, 3, 4, 1, 2, 5, 6, 3, 4], [5, 2]), i32([0], [1])], { T: { type: 'DT_INT32' }, Taxis: { type: 'DT_INT32' }, ...OUT_IDX }, { outputs: 2 });
add('UniqueV2', [fv([1, 2, 1, 3, 4, 3], [2, 3]), i32([1], [1])], { Taxis: { type: 'DT_INT32' }, ...OUT_IDX }, { outputs: 2 });
const sorted = fv([-1, 0, 0.5, 0.5, 2, -2, -1.5, 0, 1, 1.5], [2, 5]);
for (const op of ['LowerBound', 'UpperBound']) {
  add(op, [sorted, fv([-1, 0.5, 3, -3, 0, 0.5, 1, 2], [2, 4])], OUT_IDX);
  add(op, [fv([1, 2, 2, 3, 5]), fv([0, 2, 2.5, 5, 6, 2])], OUT_IDX);
}

const resize = (align, half) => ({ align_corners: bool(align), half_pixel_centers: bool(half) });
for (const op of ['ResizeBilinear', 'ResizeNearestNeighbor']) {
  add(op, [f([2, 4, 5, 2]), i32([6, 3])], resize(false, false));
  add(op, [f([1, 5, 4, 3]), i32([3, 7])], resize(true, false));
  add(op, [f([1, 4, 4, 1]), i32([7, 2])], resize(false, true));
  add(op, [f([1, 3, 3, 2]), i32([1, 1])], resize(true, false));
}
// Projective transforms (batch 1: TF.js 4.22's CPU kernel returns after the first image).
const proj = (interp, mode) => ({ interpolation: str(interp), fill_mode: str(mode), dtype: { type: 'DT_FLOAT' } });
add('ImageProjectiveTransformV3', [f([1, 5, 6, 2]), fv([0.9, -0.2, 1.3, 0.3, 1.1, -0.7, 0.01, -0.02], [1, 8]), i32([6, 5]), fv([0.5], [])], proj('BILINEAR', 'CONSTANT'));
add('ImageProjectiveTransformV3', [f([1, 5, 6, 2]), fv([1.2, 0.3, -2.2, -0.4, 0.8, 1.5, 0, 0], [1, 8]), i32([5, 6]), fv([0], [])], proj('NEAREST', 'REFLECT'));
add('ImageProjectiveTransformV3', [f([1, 4, 5, 1]), fv([1, 0.5, -3.1, 0.2, 1, 2.6, 0, 0], [1, 8]), i32([6, 7]), fv([0], [])], proj('BILINEAR', 'WRAP'));
add('ImageProjectiveTransformV3', [f([1, 4, 5, 3]), fv([0.7, 0, 2.3, 0, 1.3, -1.2, 0, 0], [1, 8]), i32([4, 5]), fv([0], [])], proj('NEAREST', 'NEAREST'));
const crops = fv([0.1, 0.2, 0.8, 0.9, -0.2, 0, 0.5, 1.2, 0.3, 0.3, 0.3, 0.3, 0, 0, 1, 1], [4, 4]);
add('CropAndResize', [f([2, 5, 6, 2]), crops, i32([0, 1, 1, 2]), i32([4, 3])], { method: str('bilinear'), extrapolation_value: flt(0.5) });
add('CropAndResize', [f([2, 5, 6, 2]), crops, i32([1, 0, 1, 0]), i32([3, 5])], { method: str('nearest'), extrapolation_value: flt(-1) });
add('CropAndResize', [f([1, 4, 4, 3]), crops, i32([0, 0, 0, 0]), i32([1, 1])], { method: str('bilinear'), extrapolation_value: flt(0) });

// v2 control flow: While/If calling functions of the graph's library. A function's Const nodes
// read their values from the weights, by node name, as the main graph's do.
const DT = { float32: 'DT_FLOAT', int32: 'DT_INT32', bool: 'DT_BOOL' };
const konst = (name, t) => ({ name, op: 'Const', attr: { dtype: { type: DT[t.dtype] }, value: { tensor: { dtype: DT[t.dtype] } } } });
function fn(name, inputs, outputs, nodes, ret) {
  return {
    signature: { name, inputArg: inputs.map(([n, t]) => ({ name: n, type: t })), outputArg: outputs.map(([n, t]) => ({ name: n, type: t })) },
    nodeDef: nodes,
    ret,
  };
}
const FI = [['i', 'DT_INT32'], ['x', 'DT_FLOAT']];
const body = fn('body', FI, [['i_next', 'DT_INT32'], ['x_next', 'DT_FLOAT']], [
  konst('body/one', i32([1], [])), konst('body/scale', fv([1.5], [])), konst('body/shift', fv([0.25], [])),
  { name: 'next_i', op: 'AddV2', input: ['i', 'body/one'], attr: { T: { type: 'DT_INT32' } } },
  { name: 'scaled', op: 'Mul', input: ['x', 'body/scale'], attr: T },
  { name: 'next_x', op: 'AddV2', input: ['scaled:z:0', 'body/shift'], attr: T },
], { i_next: 'next_i:z:0', x_next: 'next_x:z:0' });
const bodyConsts = [['body/one', i32([1], [])], ['body/scale', fv([1.5], [])], ['body/shift', fv([0.25], [])]];
// The counter's condition (known on the host) and one on the values (read back every iteration).
const countCond = fn('count_cond', FI, [['go', 'DT_BOOL']], [
  konst('count_cond/limit', i32([4], [])),
  { name: 'less', op: 'Less', input: ['i', 'count_cond/limit'], attr: { T: { type: 'DT_INT32' } } },
], { go: 'less:z:0' });
const sumCond = fn('sum_cond', FI, [['go', 'DT_BOOL']], [
  konst('sum_cond/axes', i32([0, 1])), konst('sum_cond/limit', fv([60], [])),
  { name: 'total', op: 'Sum', input: ['x', 'sum_cond/axes'], attr: { ...T, keep_dims: bool(false), Tidx: { type: 'DT_INT32' } } },
  { name: 'less', op: 'Less', input: ['total:output:0', 'sum_cond/limit'], attr: T },
], { go: 'less:z:0' });
const loopAttrs = (cond) => ({ T: { list: { type: ['DT_INT32', 'DT_FLOAT'] } }, cond: { func: { name: cond } }, body: { func: { name: 'body' } }, parallel_iterations: int(10) });
for (const [op, cond, fnDef, consts] of [
  ['StatelessWhile', 'count_cond', countCond, [['count_cond/limit', i32([4], [])]]],
  ['While', 'sum_cond', sumCond, [['sum_cond/axes', i32([0, 1])], ['sum_cond/limit', fv([60], [])]]],
]) {
  cases.push({
    name: `${op}#0`, op, outputs: 2,
    inputs: [f([2, 3], 0, 2), i32([0], [])],
    graph: [{ name: 'op', op, input: ['in1', 'in0'], attr: loopAttrs(cond) }],
    library: { function: [fnDef, body] },
    consts: [...consts, ...bodyConsts],
  });
}
const branches = [
  fn('double', [['x', 'DT_FLOAT']], [['y', 'DT_FLOAT']], [konst('double/two', fv([2], [])), { name: 'y', op: 'Mul', input: ['x', 'double/two'], attr: T }], { y: 'y:z:0' }),
  fn('negate', [['x', 'DT_FLOAT']], [['y', 'DT_FLOAT']], [{ name: 'y', op: 'Neg', input: ['x'], attr: T }], { y: 'y:y:0' }),
];
const ifAttrs = { Tcond: { type: 'DT_BOOL' }, Tin: { list: { type: ['DT_FLOAT'] } }, Tout: { list: { type: ['DT_FLOAT'] } }, then_branch: { func: { name: 'double' } }, else_branch: { func: { name: 'negate' } } };
for (const [op, lo, hi] of [['StatelessIf', 0, 1], ['If', -1, 0], ['If', 0, 1]]) {
  cases.push({
    name: `${op}#${cases.filter((c) => c.op === op).length}`, op, outputs: 1,
    inputs: [f([2, 3], lo, hi), i32([0, 1]), fv([0], [])],
    graph: [
      { name: 'total', op: 'Sum', input: ['in0', 'in1'], attr: { ...T, keep_dims: bool(false), Tidx: { type: 'DT_INT32' } } },
      { name: 'pred', op: 'Greater', input: ['total', 'in2'], attr: T },
      { name: 'op', op, input: ['pred', 'in0'], attr: ifAttrs },
    ],
    library: { function: branches },
    consts: [['double/two', fv([2], [])]],
  });
}

// TF.js 4.22's executor reads BitwiseAnd's inputs as 'a' and 'b', which its op list names 'x'
// and 'y', so it cannot run the node: the oracle is tf.bitwiseAnd on the same values.
add('BitwiseAnd', [i32([5, -3, 12, 255, 0, -1], [2, 3]), i32([3, 6, -10, 15, 7, 170], [2, 3])], { T: { type: 'DT_INT32' } }, { direct: (x, y) => tf.bitwiseAnd(x, y) });
add('Bincount', [i32([1, 2, 2, 5, 0, 7, 2]), i32([6], []), f([7])]);
add('Bincount', [i32([1, 2, 2, 5, 0, 7, 2]), i32([4], []), fv([], [0])]);
add('DenseBincount', [i32([3, 1, 1, 0, 3]), i32([5], []), f([5])], { Tidx: { type: 'DT_INT32' }, binary_output: bool(false) });
add('DenseBincount', [i32([3, 1, 1, 0, 3, 2], [2, 3]), i32([4], []), f([2, 3])], { Tidx: { type: 'DT_INT32' }, binary_output: bool(false) });
add('DenseBincount', [i32([3, 1, 1, 0, 3, 2], [2, 3]), i32([4], []), f([2, 3])], { Tidx: { type: 'DT_INT32' }, binary_output: bool(true) });
for (const [eq, shapes] of [['ij,jk->ik', [[2, 3], [3, 4]]], ['bij,bjk->bik', [[2, 2, 3], [2, 3, 2]]], ['ij->ji', [[2, 3]]], ['ij,j->i', [[2, 3], [3]]], ['i,j->ij', [[3], [2]]], ['ij,ij->', [[2, 3], [2, 3]]], ['abc,cd->bda', [[2, 3, 2], [2, 4]]]]) {
  add('Einsum', shapes.map((sh) => f(sh)), { equation: str(eq), N: int(shapes.length) });
}
add('SparseReshape', [i32([0, 0, 0, 1, 1, 2, 2, 3], [4, 2]), i32([3, 4]), i32([2, -1])], { T: { type: 'DT_INT32' } }, { outputs: 2 });
add('SparseReshape', [i32([0, 1, 2, 5], [4, 1]), i32([6]), i32([3, 1, 2])], { T: { type: 'DT_INT32' } }, { outputs: 2 });
add('SparseFillEmptyRows', [i32([0, 0, 1, 0, 1, 3, 4, 2], [4, 2]), f([4]), i32([5, 6]), fv([-1], [])], { T: { type: 'DT_FLOAT' } }, { outputs: 4 });
add('SparseFillEmptyRows', [i32([0, 1, 1, 0, 2, 0], [3, 2]), f([3]), i32([3, 2]), fv([0], [])], { T: { type: 'DT_FLOAT' } }, { outputs: 4 });
for (const op of ['SparseSegmentSum', 'SparseSegmentMean']) {
  add(op, [f([4, 3]), i32([0, 2, 1, 3, 3]), i32([0, 0, 2, 2, 3])], { Tidx: { type: 'DT_INT32' }, Tsegmentids: { type: 'DT_INT32' } });
}

// Random ops: TF.js's values cannot be reproduced, so the case keeps their distribution's
// statistics (bounds, mean, standard deviation) and the harness compares ours to them.
add('RandomUniform', [i32([64, 64])], { dtype: { type: 'DT_FLOAT' }, seed: int(0), seed2: int(0) }, { random: { lo: 0, hi: 1 } });
add('RandomUniform', [i32([32, 64])], { dtype: { type: 'DT_FLOAT' }, seed: int(7), seed2: int(3) }, { random: { lo: 0, hi: 1 } });
add('RandomUniformInt', [i32([64, 64]), i32([2], []), i32([9], [])], { minval: int(2), maxval: int(9), Tout: { type: 'DT_INT32' }, seed: int(0), seed2: int(0) }, { random: { lo: 2, hi: 8 } });
add('RandomStandardNormal', [i32([64, 64])], { dtype: { type: 'DT_FLOAT' }, seed: int(0), seed2: int(0) }, { random: { lo: -7, hi: 7 } });
add('TruncatedNormal', [i32([64, 64])], { dtype: { type: 'DT_FLOAT' }, seed: int(5), seed2: int(0) }, { random: { lo: -2, hi: 2 } });
add('Multinomial', [fv([0, 1, 2, -1, 3, 0, 0, 0], [2, 4]), i32([2048], [])], { seed: int(0), seed2: int(0), output_dtype: { type: 'DT_INT32' } }, { random: { lo: 0, hi: 3 } });

// TF1 control flow as tf.while_loop and tf.cond (v1) write it: loop variables enter a frame,
// Merge with their NextIteration, Switch on LoopCond, Exit; constants inside the loop hang on
// the loop's pivot by a control input; a cond Switches its inputs and Merges the taken branch.
const I32 = { T: { type: 'DT_INT32' } };
const enter = (name, x, t, frame, constant = false) => ({ name, op: 'Enter', input: [x], attr: { T: { type: t }, frame_name: str(frame), is_constant: bool(constant), parallel_iterations: int(10) } });
const node = (name, op, input, attr = T) => ({ name, op, input, attr });
function v1Loop(p, frame, i0, x0, limit) {
  return [
    enter(`${p}/Enter`, i0, 'DT_INT32', frame), enter(`${p}/Enter_1`, x0, 'DT_FLOAT', frame),
    enter(`${p}/Less/Enter`, limit, 'DT_INT32', frame, true),
    node(`${p}/Merge`, 'Merge', [`${p}/Enter`, `${p}/NextIteration`], { ...I32, N: int(2) }),
    node(`${p}/Merge_1`, 'Merge', [`${p}/Enter_1`, `${p}/NextIteration_1`], { ...T, N: int(2) }),
    node(`${p}/Less`, 'Less', [`${p}/Merge`, `${p}/Less/Enter`], I32),
    node(`${p}/LoopCond`, 'LoopCond', [`${p}/Less`], {}),
    node(`${p}/Switch`, 'Switch', [`${p}/Merge`, `${p}/LoopCond`], I32),
    node(`${p}/Switch_1`, 'Switch', [`${p}/Merge_1`, `${p}/LoopCond`]),
    node(`${p}/Identity`, 'Identity', [`${p}/Switch:1`], I32),
    node(`${p}/Identity_1`, 'Identity', [`${p}/Switch_1:1`]),
    { ...konst(`${p}/add/y`, i32([1], [])), input: [`^${p}/Identity`] },
    node(`${p}/add`, 'AddV2', [`${p}/Identity`, `${p}/add/y`], I32),
    { ...konst(`${p}/mul/y`, fv([1.5], [])), input: [`^${p}/Identity`] },
    node(`${p}/mul`, 'Mul', [`${p}/Identity_1`, `${p}/mul/y`]),
    { ...konst(`${p}/add_1/y`, fv([0.25], [])), input: [`^${p}/Identity`] },
    node(`${p}/add_1`, 'AddV2', [`${p}/mul`, `${p}/add_1/y`]),
    node(`${p}/NextIteration`, 'NextIteration', [`${p}/add`], I32),
    node(`${p}/NextIteration_1`, 'NextIteration', [`${p}/add_1`]),
    node(`${p}/Exit`, 'Exit', [`${p}/Switch`], I32),
    node(`${p}/Exit_1`, 'Exit', [`${p}/Switch_1`]),
  ];
}
const loopConsts = (p) => [[`${p}/add/y`, i32([1], [])], [`${p}/mul/y`, fv([1.5], [])], [`${p}/add_1/y`, fv([0.25], [])]];
const frameOps = ['Enter', 'Exit', 'NextIteration', 'Merge', 'Switch', 'LoopCond'];
for (const [n, limit] of [[0, 4], [1, 0]]) {
  cases.push({
    name: `TF1While#${n}`, op: 'Enter', ops: frameOps, outputs: 2,
    inputs: [f([2, 3], 0, 2), i32([0], []), i32([limit], [])],
    graph: [...v1Loop('while', 'while/while_context', 'in1', 'in0', 'in2'), node('op', 'IdentityN', ['while/Exit_1', 'while/Exit'], { T: { list: { type: ['DT_FLOAT', 'DT_INT32'] } } })],
    consts: loopConsts('while'),
  });
}
// A loop inside a loop: the inner loop runs 3 times per outer iteration, from the outer's value.
{
  const inner = v1Loop('outer/inner', 'outer/inner/while_context', 'outer/inner/i0', 'outer/Identity_1', 'outer/inner/limit');
  const outer = v1Loop('outer', 'outer/while_context', 'in1', 'in0', 'in2');
  // The outer body's x update reads the inner loop's result instead of its own input.
  outer.find((x) => x.name === 'outer/mul').input[0] = 'outer/inner/Exit_1';
  cases.push({
    name: 'TF1While#2', op: 'Enter', ops: frameOps, outputs: 2,
    inputs: [f([2, 2], 0, 1), i32([0], []), i32([2], [])],
    graph: [
      ...outer,
      { ...konst('outer/inner/i0', i32([0], [])), input: ['^outer/Identity'] },
      { ...konst('outer/inner/limit', i32([3], [])), input: ['^outer/Identity'] },
      ...inner,
      node('op', 'IdentityN', ['outer/Exit_1', 'outer/Exit'], { T: { list: { type: ['DT_FLOAT', 'DT_INT32'] } } }),
    ],
    consts: [...loopConsts('outer'), ...loopConsts('outer/inner'), ['outer/inner/i0', i32([0], [])], ['outer/inner/limit', i32([3], [])]],
  });
}
for (const [n, lo, hi] of [[0, 0, 1], [1, -1, 0]]) {
  cases.push({
    name: `TF1Cond#${n}`, op: 'Switch', ops: ['Switch', 'Merge'], outputs: 1,
    inputs: [f([2, 3], lo, hi), i32([0, 1]), fv([0], [])],
    graph: [
      node('total', 'Sum', ['in0', 'in1'], { ...T, keep_dims: bool(false), Tidx: I32.T }),
      node('pred', 'Greater', ['total', 'in2']),
      node('cond/Switch', 'Switch', ['pred', 'pred'], { T: { type: 'DT_BOOL' } }),
      node('cond/switch_t', 'Identity', ['cond/Switch:1'], { T: { type: 'DT_BOOL' } }),
      node('cond/Switch_1', 'Switch', ['in0', 'pred']),
      { ...konst('cond/mul/y', fv([2], [])), input: ['^cond/switch_t'] },
      node('cond/mul', 'Mul', ['cond/Switch_1:1', 'cond/mul/y']),
      node('cond/Neg', 'Neg', ['cond/Switch_1']),
      node('cond/Merge', 'Merge', ['cond/Neg', 'cond/mul'], { ...T, N: int(2) }),
      node('op', 'Identity', ['cond/Merge']),
    ],
    consts: [['cond/mul/y', fv([2], [])]],
  });
}

// TensorArray (TF1) and TensorList (TF2) ops: a handle made by one op, used by the next; the
// last node, 'op', is the one each case is named by.
const F = { type: 'DT_FLOAT' };
const taAttrs = { dtype: F, element_shape: { shape: { unknownRank: true } }, dynamic_size: bool(false), clear_after_read: bool(false), identical_element_shapes: bool(true), tensor_array_name: str('ta') };
const ta = (n) => [
  node('ta', 'TensorArrayV3', ['size'], taAttrs),
  node('neg', 'Neg', ['in0']), node('sq', 'Square', ['in0']),
  node('w0', 'TensorArrayWriteV3', ['ta', 'i0', 'in0', 'ta:1']),
  node('w1', 'TensorArrayWriteV3', ['ta', 'i1', 'neg', 'w0']),
  ...(n > 2 ? [node('w2', 'TensorArrayWriteV3', ['ta', 'i2', 'sq', 'w1'])] : []),
];
const taConsts = [['size', i32([3], [])], ['i0', i32([0], [])], ['i1', i32([1], [])], ['i2', i32([2], [])], ['idx', i32([2, 0, 1])], ['two', i32([2], [])]];
const tfCase = (name, op, ops, graph, consts, outputs = 1) => cases.push({ name, op, ops, outputs, inputs: [f([2, 3])], graph: [...consts.map(([n, t]) => konst(n, t)), ...graph], consts });
tfCase('TensorArrayGatherV3#0', 'TensorArrayGatherV3', ['TensorArrayV3', 'TensorArrayWriteV3'], [...ta(3), node('op', 'TensorArrayGatherV3', ['ta', 'idx', 'w2'], { dtype: F, element_shape: { shape: { unknownRank: true } } })], taConsts);
tfCase('TensorArrayReadV3#0', 'TensorArrayReadV3', [], [...ta(3), node('op', 'TensorArrayReadV3', ['ta', 'i1', 'w2'], { dtype: F })], taConsts);
tfCase('TensorArraySizeV3#0', 'TensorArraySizeV3', [], [...ta(2), node('op', 'TensorArraySizeV3', ['ta', 'w1'], {})], taConsts);
tfCase('TensorArrayConcatV3#0', 'TensorArrayConcatV3', [], [...ta(3), node('op', 'TensorArrayConcatV3', ['ta', 'w2'], { dtype: F, element_shape_except0: { shape: { unknownRank: true } } })], taConsts);
tfCase('TensorArrayScatterV3#0', 'TensorArrayScatterV3', [], [
  node('ta', 'TensorArrayV3', ['two'], taAttrs),
  node('sc', 'TensorArrayScatterV3', ['ta', 'order', 'in0', 'ta:1']),
  node('op', 'TensorArrayGatherV3', ['ta', 'order', 'sc'], { dtype: F, element_shape: { shape: { unknownRank: true } } }),
], [['two', i32([2], [])], ['order', i32([1, 0])]]);
tfCase('TensorArraySplitV3#0', 'TensorArraySplitV3', [], [
  node('ta', 'TensorArrayV3', ['two'], { ...taAttrs, element_shape: { shape: { dim: [{ size: '1' }, { size: '3' }] } } }),
  node('sp', 'TensorArraySplitV3', ['ta', 'in0', 'lengths', 'ta:1']),
  node('op', 'TensorArrayReadV3', ['ta', 'one', 'sp'], { dtype: F }),
], [['two', i32([2], [])], ['lengths', i32([1, 1])], ['one', i32([1], [])]]);
tfCase('TensorArrayCloseV3#0', 'TensorArrayCloseV3', [], [...ta(2), node('cl', 'TensorArrayCloseV3', ['ta', '^w1'], {}), node('op', 'TensorArraySizeV3', ['cl', 'w1'], {})], taConsts);

const ED = { element_dtype: F };
const fromT = (shape = 'row') => node('list', 'TensorListFromTensor', ['in0', shape], { ...ED, shape_type: { type: 'DT_INT32' } });
const tlConsts = [['row', i32([3])], ['any', i32([-1], [])], ['mat', i32([2, 3])], ['n2', i32([2], [])], ['i0', i32([0], [])], ['i1', i32([1], [])], ['idx', i32([1, 0, 1])], ['lens', i32([1, 1])], ['n3', i32([3], [])], ['anyrow', i32([-1, 3])], ['rev', i32([1, 0])]];
const tl = (name, op, ops, graph) => tfCase(name, op, ops, graph, tlConsts);
tl('TensorListStack#0', 'TensorListStack', ['TensorListFromTensor'], [fromT(), node('op', 'TensorListStack', ['list', 'row'], { ...ED, num_elements: int(-1) })]);
tl('TensorListSetItem#0', 'TensorListSetItem', ['TensorListReserve'], [
  node('list', 'TensorListReserve', ['mat', 'n2'], { ...ED, shape_type: { type: 'DT_INT32' } }), node('neg', 'Neg', ['in0']),
  node('s1', 'TensorListSetItem', ['list', 'i1', 'in0'], ED), node('s0', 'TensorListSetItem', ['s1', 'i0', 'neg'], ED),
  node('op', 'TensorListStack', ['s0', 'mat'], { ...ED, num_elements: int(2) }),
]);
tl('TensorListGetItem#0', 'TensorListGetItem', [], [fromT(), node('op', 'TensorListGetItem', ['list', 'i1', 'any'], ED)]);
tl('TensorListGather#0', 'TensorListGather', [], [fromT(), node('op', 'TensorListGather', ['list', 'idx', 'row'], ED)]);
for (const op of ['TensorListConcat', 'TensorListConcatV2']) {
  tl(`${op}#0`, op, [], [fromT(), node('op', op, ['list', 'row', 'n2'], { ...ED, element_shape: { shape: { dim: [{ size: '3' }] } } })]);
}
tl('TensorListPopBack#0', 'TensorListPopBack', ['EmptyTensorList', 'TensorListPushBack'], [
  node('list', 'EmptyTensorList', ['mat', 'n3'], { ...ED, shape_type: { type: 'DT_INT32' } }), node('neg', 'Neg', ['in0']),
  node('p0', 'TensorListPushBack', ['list', 'in0'], ED), node('p1', 'TensorListPushBack', ['p0', 'neg'], ED),
  node('op', 'TensorListPopBack', ['p1', 'mat'], ED),
]);
tl('TensorListLength#0', 'TensorListLength', [], [fromT(), node('op', 'TensorListLength', ['list'], {})]);
tl('TensorListResize#0', 'TensorListResize', [], [fromT(), node('r', 'TensorListResize', ['list', 'n3'], {}), node('op', 'TensorListLength', ['r'], {})]);
tl('TensorListResize#1', 'TensorListResize', [], [fromT(), node('r', 'TensorListResize', ['list', 'i1'], {}), node('op', 'TensorListStack', ['r', 'row'], { ...ED, num_elements: int(-1) })]);
tl('TensorListScatter#0', 'TensorListScatter', [], [node('list', 'TensorListScatter', ['in0', 'rev', 'row'], ED), node('op', 'TensorListStack', ['list', 'row'], { ...ED, num_elements: int(-1) })]);
tl('TensorListScatterV2#0', 'TensorListScatterV2', [], [node('list', 'TensorListScatterV2', ['in0', 'rev', 'row', 'n2'], ED), node('op', 'TensorListGather', ['list', 'rev', 'row'], ED)]);
tl('TensorListSplit#0', 'TensorListSplit', [], [node('list', 'TensorListSplit', ['in0', 'row', 'lens'], ED), node('op', 'TensorListStack', ['list', 'row'], { ...ED, num_elements: int(-1) })]);

// Complex values and transforms. Ferroflow's complex values are float32 with a trailing (re, im)
// axis, so each case fetches float results: Real and Imag of a complex output.
const C64 = { type: 'DT_COMPLEX64' };
const cplx = (name, re, im) => node(name, 'Complex', [re, im], { T: F, Tout: C64 });
const parts = (x) => [node('re', 'Real', [x], { T: C64, Tout: F }), node('im', 'Imag', [x], { T: C64, Tout: F })];
for (const [op, shape] of [['FFT', [2, 8]], ['FFT', [3, 5]], ['IFFT', [2, 8]], ['IFFT', [1, 6]]]) {
  cases.push({
    name: `${op}#${cases.filter((c) => c.op === op).length}`, op, ops: ['Complex', 'Real', 'Imag'], outputs: 2, fetch: ['re', 'im'],
    inputs: [f(shape), f(shape)],
    graph: [cplx('z', 'in0', 'in1'), node('op', op, ['z'], { Tcomplex: C64 }), ...parts('op')],
  });
}
for (const [shape, n] of [[[3, 8], 8], [[2, 6], 6]]) {
  cases.push({
    name: `RFFT#${cases.filter((c) => c.op === 'RFFT').length}`, op: 'RFFT', outputs: 2, fetch: ['re', 'im'],
    inputs: [f(shape), i32([n])],
    graph: [node('op', 'RFFT', ['in0', 'in1'], { Treal: F, Tcomplex: C64 }), ...parts('op')],
  });
}
for (const [m, n] of [[5, 8], [4, 6]]) {
  cases.push({
    name: `IRFFT#${cases.filter((c) => c.op === 'IRFFT').length}`, op: 'IRFFT', outputs: 1,
    inputs: [f([2, m]), f([2, m]), i32([n])],
    graph: [cplx('z', 'in0', 'in1'), node('op', 'IRFFT', ['z', 'in2'], { Treal: F, Tcomplex: C64 })],
  });
}
cases.push({
  name: 'ComplexAbs#0', op: 'ComplexAbs', outputs: 1,
  inputs: [f([2, 3]), f([2, 3])],
  graph: [cplx('z', 'in0', 'in1'), node('op', 'ComplexAbs', ['z'], { T: C64, Tout: F })],
});

// A TensorArray filled by a TF1 loop (handle and input as loop constants, the flow as a loop
// variable), and a TensorList filled by a v2 While (the handle a loop variable of the calls).
{
  const p = 'taloop';
  const fr = 'taloop/while_context';
  cases.push({
    name: 'TensorArrayLoop#0', op: 'TensorArrayWriteV3', ops: [...frameOps, 'TensorArrayV3', 'TensorArrayGatherV3'], outputs: 1,
    inputs: [f([2, 3])],
    graph: [
      konst('n', i32([3], [])), konst('zero', i32([0], [])), konst('idx', i32([0, 1, 2])),
      node('ta', 'TensorArrayV3', ['n'], taAttrs),
      enter(`${p}/Enter`, 'zero', 'DT_INT32', fr), enter(`${p}/Enter_1`, 'ta:1', 'DT_FLOAT', fr),
      enter(`${p}/ta`, 'ta', 'DT_RESOURCE', fr, true), enter(`${p}/x`, 'in0', 'DT_FLOAT', fr, true), enter(`${p}/n`, 'n', 'DT_INT32', fr, true),
      node(`${p}/Merge`, 'Merge', [`${p}/Enter`, `${p}/NextIteration`], { ...I32, N: int(2) }),
      node(`${p}/Merge_1`, 'Merge', [`${p}/Enter_1`, `${p}/NextIteration_1`], { ...T, N: int(2) }),
      node(`${p}/Less`, 'Less', [`${p}/Merge`, `${p}/n`], I32),
      node(`${p}/LoopCond`, 'LoopCond', [`${p}/Less`], {}),
      node(`${p}/Switch`, 'Switch', [`${p}/Merge`, `${p}/LoopCond`], I32),
      node(`${p}/Switch_1`, 'Switch', [`${p}/Merge_1`, `${p}/LoopCond`]),
      node(`${p}/Identity`, 'Identity', [`${p}/Switch:1`], I32),
      node(`${p}/Identity_1`, 'Identity', [`${p}/Switch_1:1`]),
      node(`${p}/f`, 'Cast', [`${p}/Identity`], { SrcT: I32.T, DstT: F }),
      node(`${p}/mul`, 'Mul', [`${p}/x`, `${p}/f`]),
      node(`${p}/write`, 'TensorArrayWriteV3', [`${p}/ta`, `${p}/Identity`, `${p}/mul`, `${p}/Identity_1`]),
      { ...konst(`${p}/one`, i32([1], [])), input: [`^${p}/Identity`] },
      node(`${p}/add`, 'AddV2', [`${p}/Identity`, `${p}/one`], I32),
      node(`${p}/NextIteration`, 'NextIteration', [`${p}/add`], I32),
      node(`${p}/NextIteration_1`, 'NextIteration', [`${p}/write`]),
      node(`${p}/Exit_1`, 'Exit', [`${p}/Switch_1`]),
      node('op', 'TensorArrayGatherV3', ['ta', 'idx', `${p}/Exit_1`], { dtype: F, element_shape: { shape: { unknownRank: true } } }),
    ],
    consts: [['n', i32([3], [])], ['zero', i32([0], [])], ['idx', i32([0, 1, 2])], [`${p}/one`, i32([1], [])]],
  });
  const LI = [['i', 'DT_INT32'], ['l', 'DT_VARIANT'], ['x', 'DT_FLOAT']];
  const listBody = fn('list_body', LI, [['i_next', 'DT_INT32'], ['l_next', 'DT_VARIANT'], ['x_next', 'DT_FLOAT']], [
    konst('list_body/one', i32([1], [])), konst('list_body/scale', fv([1.5], [])),
    { name: 'set', op: 'TensorListSetItem', input: ['l', 'i', 'x'], attr: ED },
    { name: 'next_i', op: 'AddV2', input: ['i', 'list_body/one'], attr: I32 },
    { name: 'next_x', op: 'Mul', input: ['x', 'list_body/scale'], attr: T },
  ], { i_next: 'next_i:z:0', l_next: 'set:output_handle:0', x_next: 'next_x:z:0' });
  const listCond = fn('list_cond', LI, [['go', 'DT_BOOL']], [
    konst('list_cond/n', i32([3], [])),
    { name: 'less', op: 'Less', input: ['i', 'list_cond/n'], attr: I32 },
  ], { go: 'less:z:0' });
  cases.push({
    name: 'TensorListLoop#0', op: 'TensorListSetItem', ops: ['While', 'TensorListReserve', 'TensorListStack'], outputs: 1,
    inputs: [f([2, 3])],
    graph: [
      konst('shape', i32([2, 3])), konst('n', i32([3], [])), konst('zero', i32([0], [])),
      node('list', 'TensorListReserve', ['shape', 'n'], { ...ED, shape_type: I32.T }),
      { name: 'loop', op: 'While', input: ['zero', 'list', 'in0'], attr: { T: { list: { type: ['DT_INT32', 'DT_VARIANT', 'DT_FLOAT'] } }, cond: { func: { name: 'list_cond' } }, body: { func: { name: 'list_body' } } } },
      node('op', 'TensorListStack', ['loop:1', 'shape'], { ...ED, num_elements: int(3) }),
    ],
    library: { function: [listCond, listBody] },
    consts: [['shape', i32([2, 3])], ['n', i32([3], [])], ['zero', i32([0], [])], ['list_body/one', i32([1], [])], ['list_body/scale', fv([1.5], [])], ['list_cond/n', i32([3], [])]],
  });
}

// A batch-size-agnostic reshape as converted Keras models write it: Shape -> StridedSlice ->
// Pack -> Reshape (the executor folds the shape arithmetic on the host).
cases.push({
  name: 'DynamicReshape#0',
  op: 'Reshape',
  inputs: [f([2, 6]), i32([0]), i32([1]), i32([1]), i32([2], []), i32([3], [])],
  graph: [
    { name: 'shape', op: 'Shape', input: ['in0'], attr: { ...T, out_type: { type: 'DT_INT32' } } },
    { name: 'batch', op: 'StridedSlice', input: ['shape', 'in1', 'in2', 'in3'], attr: { begin_mask: int(0), end_mask: int(0), ellipsis_mask: int(0), new_axis_mask: int(0), shrink_axis_mask: int(1) } },
    { name: 'dims', op: 'Pack', input: ['batch', 'in4', 'in5'], attr: { N: int(3), axis: int(0) } },
    { name: 'op', op: 'Reshape', input: ['in0', 'dims'], attr: { ...T } },
  ],
  outputs: 1,
});

// ---- each case as a graph model, run by TF.js ----
function model(c) {
  const nodes = [];
  const specs = [];
  const buffers = [];
  let feed = null;
  c.inputs.forEach((t, k) => {
    const name = `in${k}`;
    const dt = { float32: 'DT_FLOAT', int32: 'DT_INT32', bool: 'DT_BOOL' }[t.dtype];
    if (k === 0 && t.dtype === 'float32') {
      const dim = t.shape.map((s) => ({ size: String(s) }));
      nodes.push({ name, op: 'Placeholder', attr: { dtype: { type: dt }, shape: { shape: { dim } } } });
      feed = t;
      return;
    }
    nodes.push({ name, op: 'Const', attr: { dtype: { type: dt }, value: { tensor: { dtype: dt } } } });
    specs.push({ name, shape: t.shape, dtype: t.dtype });
    const buf = { float32: Float32Array, int32: Int32Array, bool: Uint8Array }[t.dtype].from(t.values);
    buffers.push(Buffer.from(buf.buffer));
  });
  for (const [name, t] of c.consts ?? []) {
    specs.push({ name, shape: t.shape, dtype: t.dtype });
    buffers.push(Buffer.from({ float32: Float32Array, int32: Int32Array, bool: Uint8Array }[t.dtype].from(t.values).buffer));
  }
  if (c.graph) nodes.push(...c.graph);
  else nodes.push({ name: 'op', op: c.op, input: c.inputs.map((_, k) => `in${k}`), attr: c.attrs });
  const json = {
    format: 'graph-model',
    generatedBy: 'ferroflow op-cases',
    convertedBy: null,
    modelTopology: { node: nodes, library: c.library ?? {}, versions: {} },
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
  };
  return { json, weights: Buffer.concat(buffers), feed };
}

async function run(c) {
  const { json, weights, feed } = model(c.oracleOp ? { ...c, op: c.oracleOp } : c);
  const ours = model(c).json;
  const fetch = c.fetch ?? Array.from({ length: c.outputs }, (_, k) => (k === 0 ? 'op' : `op:${k}`));
  const out = { name: c.name, op: c.op, ops: c.ops, oracleOp: c.oracleOp, modelJson: ours, weights: weights.toString('base64'), feed, fetch };
  try {
    const handler = {
      load: async () => {
        const { weightsManifest, ...rest } = json;
        const data = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
        return { ...rest, weightSpecs: weightsManifest[0].weights, weightData: data };
      },
    };
    const m = await tf.loadGraphModel(handler);
    const feeds = feed ? { in0: tf.tensor(feed.values, feed.shape, feed.dtype) } : {};
    // Control flow and dynamic shapes need executeAsync in TF.js (the case records which).
    let ys;
    try {
      if (c.direct) ys = [c.direct(...c.inputs.map((t) => tf.tensor(t.values, t.shape, t.dtype)))];
      else ys = m.execute(feeds, fetch);
    } catch (e) {
      if (!/executeAsync/.test(String(e.message))) throw e;
      out.dynamic = true;
      ys = await m.executeAsync(feeds, fetch);
    }
    if (!Array.isArray(ys)) ys = [ys];
    out.outputs = [];
    for (const y of ys) {
      const values = Array.from(await y.data(), Number);
      if (!c.random) {
        out.outputs.push({ values, shape: y.shape, dtype: y.dtype });
        continue;
      }
      // A sample: its distribution's bounds, TF.js's mean and standard deviation, and how far
      // another sample's may be (8 standard errors).
      const n = values.length;
      const mean = values.reduce((a, v) => a + v, 0) / n;
      const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / n);
      out.outputs.push({ shape: y.shape, dtype: y.dtype, random: { ...c.random, mean, std, tol: (8 * std) / Math.sqrt(n) } });
    }
  } catch (e) {
    out.error = String(e.message || e);
  }
  return out;
}

async function main() {
  const [outDir] = process.argv.slice(2);
  await tf.setBackend('cpu');
  const results = [];
  for (const c of cases) results.push(await run(c));
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'cases.json'), JSON.stringify(results));
  const listDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-converter/package.json')), 'dist/operations/op_list');
  const opList = {};
  for (const file of fs.readdirSync(listDir).filter((n) => n.endsWith('.js')).sort()) {
    for (const o of require(path.join(listDir, file)).json) opList[o.tfOpName] = o.category;
  }
  fs.writeFileSync(path.join(outDir, 'op-list.json'), JSON.stringify(opList, null, 1) + '\n');
  const failed = results.filter((r) => r.error);
  console.error(`op-cases: ${results.length} cases (${failed.length} refused by TF.js), ${Object.keys(opList).length} ops in the converter's list`);
  for (const r of failed) console.error(`  TF.js refused ${r.name}: ${r.error}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
