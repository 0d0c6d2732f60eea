//! The op table: every op of the JS/TS surface, declared once. An entry gives the op's TF.js
//! name, its Rust name, its group (the README section; `losses` is also the `losses.*`
//! namespace), flags, its arguments with their kinds and defaults in TF.js's order (tensor
//! arguments first, then a `;`, then the rest), what it returns, and the call into core.
//!
//! ```text
//! /// Doc line (the README and the TypeScript declaration show it).
//! "atan2" atan2 in elementwise [method tfjs] (a: Tensor, b: Tensor;) -> Tensor => a.atan2(&b);
//! ```
//!
//! Flags: `method` (also a chainable `Tensor` method), `tfjs` (TF.js has an op of this name:
//! the oracle suite compares them; without it the op is ferroflow's own and its oracle case
//! composes a TF.js reference). Argument kinds name how a front end reads the argument (a
//! `Tensor` is any tensor-like, `Axes` is absent / a number / a list, ...); the JS bindings
//! define one converter per kind and the generator one TypeScript type per kind (`Any` kinds
//! carry their TypeScript type as a string). Returns: `Tensor`, `Tensors`, or `Tensors[a, b]`
//! (JS gets an object with those keys).
//!
//! [`for_each_op!`](crate::for_each_op) hands the table to a callback macro: the JS bindings
//! expand it into wasm exports, [`OPS`] holds it as data, and `cargo run -p ferroflow-core --bin
//! op-table` prints that data as JSON for the npm build, which generates the JS functions,
//! `Tensor` methods, TypeScript declarations and the README's op list from it. Adding an op is
//! its core definition plus one entry here.

/// Calls `$callback! { entries }` with the whole op table (see the module docs for the syntax).
#[macro_export]
macro_rules! for_each_op {
    ($callback:path) => {
        $callback! {
            // ---- elementwise: arithmetic and comparisons (broadcasting, TF.js dtype promotion) ----
            /// `a + b`.
            "add" add in arithmetic [method tfjs] (a: Tensor, b: Tensor;) -> Tensor => a.add(&b);
            /// `a - b`.
            "sub" sub in arithmetic [method tfjs] (a: Tensor, b: Tensor;) -> Tensor => a.sub(&b);
            /// `a * b`.
            "mul" mul in arithmetic [method tfjs] (a: Tensor, b: Tensor;) -> Tensor => a.mul(&b);
            /// `a / b`; int32 by int32 floor-divides, as TF.js.
            "div" div in arithmetic [method tfjs] (a: Tensor, b: Tensor;) -> Tensor => a.div(&b);
            /// Floor of the quotient, int32 as TF.js returns it (also for floats).
            "floorDiv" floor_div in arithmetic [method tfjs] (a: Tensor, b: Tensor;) -> Tensor => a.floor_div(&b)?.cast($crate::DType::I32);
            /// Floor modulo: the result has the divisor's sign.
            "mod" modulo in arithmetic [method tfjs] (a: Tensor, b: Tensor;) -> Tensor => a.modulo(&b);
            /// `base ^ exp`.
            "pow" pow in arithmetic [method tfjs] (base: Tensor, exp: Tensor;) -> Tensor => base.pow(&exp);
            /// Elementwise maximum.
            "maximum" maximum in arithmetic [method tfjs] (a: Tensor, b: Tensor;) -> Tensor => a.maximum(&b);
            /// Elementwise minimum.
            "minimum" minimum in arithmetic [method tfjs] (a: Tensor, b: Tensor;) -> Tensor => a.minimum(&b);
            /// `(a - b)^2`.
            "squaredDifference" squared_difference in arithmetic [method tfjs] (a: Tensor, b: Tensor;) -> Tensor => a.squared_difference(&b);
            /// The sum of tensors of one shape and dtype (no broadcasting).
            "addN" add_n in arithmetic [tfjs] (; tensors: Tensors) -> Tensor => $crate::ops::add_n(&tensors);
            /// The angle of the point `(b, a)` in [-pi, pi]; int32 inputs are cast to float32.
            "atan2" atan2 in arithmetic [method tfjs] (a: Tensor, b: Tensor;) -> Tensor => a.atan2(&b);
            /// `a < b` (bool).
            "less" less in comparison [method tfjs] (a: Tensor, b: Tensor;) -> Tensor => a.less(&b);
            /// `a <= b` (bool).
            "lessEqual" less_equal in comparison [method tfjs] (a: Tensor, b: Tensor;) -> Tensor => a.less_equal(&b);
            /// `a > b` (bool).
            "greater" greater in comparison [method tfjs] (a: Tensor, b: Tensor;) -> Tensor => a.greater(&b);
            /// `a >= b` (bool).
            "greaterEqual" greater_equal in comparison [method tfjs] (a: Tensor, b: Tensor;) -> Tensor => a.greater_equal(&b);
            /// `a == b` (bool).
            "equal" equal in comparison [method tfjs] (a: Tensor, b: Tensor;) -> Tensor => a.equal(&b);
            /// `a != b` (bool).
            "notEqual" not_equal in comparison [method tfjs] (a: Tensor, b: Tensor;) -> Tensor => a.not_equal(&b);
            /// Logical and of bool tensors.
            "logicalAnd" logical_and in comparison [method tfjs] (a: Tensor, b: Tensor;) -> Tensor => a.logical_and(&b);
            /// Logical or of bool tensors.
            "logicalOr" logical_or in comparison [method tfjs] (a: Tensor, b: Tensor;) -> Tensor => a.logical_or(&b);
            /// Logical exclusive or of bool tensors.
            "logicalXor" logical_xor in comparison [method tfjs] (a: Tensor, b: Tensor;) -> Tensor => a.logical_xor(&b);
            /// Logical not of a bool tensor.
            "logicalNot" logical_not in comparison [method tfjs] (x: Tensor;) -> Tensor => x.logical_not();
            /// `a` where `condition` is true, else `b` (broadcasting).
            "where" where_ in comparison [tfjs] (condition: BoolTensor, a: Tensor, b: Tensor;) -> Tensor => $crate::ops::where_(&condition, &a, &b);
            /// Converts to `dtype`.
            "cast" cast in arithmetic [method tfjs] (x: Tensor; dtype: DType) -> Tensor => x.cast(dtype);
            /// Clamps to `[clipValueMin, clipValueMax]`.
            "clipByValue" clip_by_value in arithmetic [method tfjs] (x: Tensor; clipValueMin: Bound, clipValueMax: Bound) -> Tensor => x.clip(clipValueMin, clipValueMax);

            // ---- elementwise math (float32; int32 inputs are cast) ----
            /// `-x`.
            "neg" neg in math [method tfjs] (x: Tensor;) -> Tensor => x.neg();
            /// `e^x`.
            "exp" exp in math [method tfjs] (x: Tensor;) -> Tensor => x.exp();
            /// Natural logarithm.
            "log" log in math [method tfjs] (x: Tensor;) -> Tensor => x.log();
            /// Square root.
            "sqrt" sqrt in math [method tfjs] (x: Tensor;) -> Tensor => x.sqrt();
            /// `1 / sqrt(x)`.
            "rsqrt" rsqrt in math [method tfjs] (x: Tensor;) -> Tensor => x.rsqrt();
            /// `x * x`.
            "square" square in math [method tfjs] (x: Tensor;) -> Tensor => x.square();
            /// `1 / x`.
            "reciprocal" reciprocal in math [method tfjs] (x: Tensor;) -> Tensor => x.reciprocal();
            /// Absolute value.
            "abs" abs in math [method tfjs] (x: Tensor;) -> Tensor => x.abs();
            /// -1, 0 or 1 by the sign of `x`.
            "sign" sign in math [method tfjs] (x: Tensor;) -> Tensor => x.sign();
            /// Rounds down.
            "floor" floor in math [method tfjs] (x: Tensor;) -> Tensor => x.floor();
            /// Rounds up.
            "ceil" ceil in math [method tfjs] (x: Tensor;) -> Tensor => x.ceil();
            /// Rounds half to even.
            "round" round in math [method tfjs] (x: Tensor;) -> Tensor => x.round();
            /// Sine.
            "sin" sin in math [method tfjs] (x: Tensor;) -> Tensor => x.sin();
            /// Cosine.
            "cos" cos in math [method tfjs] (x: Tensor;) -> Tensor => x.cos();
            /// Tangent.
            "tan" tan in math [method tfjs] (x: Tensor;) -> Tensor => x.tan();
            /// Arc tangent, in (-pi/2, pi/2).
            "atan" atan in math [method tfjs] (x: Tensor;) -> Tensor => x.atan();
            /// Hyperbolic sine.
            "sinh" sinh in math [method tfjs] (x: Tensor;) -> Tensor => x.sinh();
            /// Hyperbolic cosine.
            "cosh" cosh in math [method tfjs] (x: Tensor;) -> Tensor => x.cosh();
            /// Hyperbolic tangent.
            "tanh" tanh in math [method tfjs] (x: Tensor;) -> Tensor => x.tanh();
            /// Inverse hyperbolic sine.
            "asinh" asinh in math [method tfjs] (x: Tensor;) -> Tensor => x.asinh();
            /// Inverse hyperbolic cosine.
            "acosh" acosh in math [method tfjs] (x: Tensor;) -> Tensor => x.acosh();
            /// Inverse hyperbolic tangent.
            "atanh" atanh in math [method tfjs] (x: Tensor;) -> Tensor => x.atanh();
            /// `1 / (1 + e^-x)`.
            "sigmoid" sigmoid in math [method tfjs] (x: Tensor;) -> Tensor => x.sigmoid();
            /// Error function.
            "erf" erf in math [method tfjs] (x: Tensor;) -> Tensor => x.erf();
            /// `log(1 + x)`.
            "log1p" log1p in math [method tfjs] (x: Tensor;) -> Tensor => x.log1p();
            /// `e^x - 1`.
            "expm1" expm1 in math [method tfjs] (x: Tensor;) -> Tensor => x.expm1();
            /// True where `x` is NaN.
            "isNaN" is_nan in math [method tfjs] (x: Tensor;) -> Tensor => x.is_nan();
            /// True where `x` is +-Infinity.
            "isInf" is_inf in math [method tfjs] (x: Tensor;) -> Tensor => x.is_inf();
            /// True where `x` is neither NaN nor infinite.
            "isFinite" is_finite in math [method tfjs] (x: Tensor;) -> Tensor => x.is_finite();
            /// `x` with a zero gradient: nothing flows back through it.
            "stopGradient" stop_gradient in math [] (x: Tensor;) -> Tensor => $crate::ops::stop_gradient(&x);
            /// Zeros of `x`'s shape and dtype.
            "zerosLike" zeros_like in math [tfjs] (x: Tensor;) -> Tensor => x.zeros_like();
            /// Ones of `x`'s shape and dtype.
            "onesLike" ones_like in math [tfjs] (x: Tensor;) -> Tensor => x.ones_like();

            // ---- activations ----
            /// `max(x, 0)`.
            "relu" relu in activation [method tfjs] (x: Tensor;) -> Tensor => x.relu();
            /// `min(max(x, 0), 6)`.
            "relu6" relu6 in activation [method tfjs] (x: Tensor;) -> Tensor => x.relu6();
            /// `x` if positive else `alpha * x`.
            "leakyRelu" leaky_relu in activation [method tfjs] (x: Tensor; alpha: Finite = 0.2) -> Tensor => x.leaky_relu(alpha);
            /// `x` if positive else `alpha * x`, with a broadcast `alpha` tensor.
            "prelu" prelu in activation [method tfjs] (x: Tensor, alpha: Tensor;) -> Tensor => x.prelu(&alpha);
            /// `x` if positive else `e^x - 1`.
            "elu" elu in activation [method tfjs] (x: Tensor;) -> Tensor => x.elu();
            /// Scaled ELU with the self-normalizing constants.
            "selu" selu in activation [method tfjs] (x: Tensor;) -> Tensor => x.selu();
            /// `log(1 + e^x)`, stable for large |x|.
            "softplus" softplus in activation [method tfjs] (x: Tensor;) -> Tensor => x.softplus();
            /// `x / (1 + |x|)`.
            "softsign" softsign in activation [method] (x: Tensor;) -> Tensor => x.softsign();
            /// Exact GELU: `x * Phi(x)`.
            "gelu" gelu in activation [method] (x: Tensor;) -> Tensor => x.gelu();
            /// `x * sigmoid(x)`.
            "swish" swish in activation [method] (x: Tensor;) -> Tensor => x.swish();
            /// `x * tanh(softplus(x))`.
            "mish" mish in activation [method] (x: Tensor;) -> Tensor => x.mish();
            /// `log(sigmoid(x))`, stable for large |x|.
            "logSigmoid" log_sigmoid in activation [method tfjs] (x: Tensor;) -> Tensor => x.log_sigmoid();
            /// 1 where `x > 0`, else `alpha`; NaN stays NaN; zero gradient.
            "step" step in activation [method tfjs] (x: Tensor; alpha: Finite = 0.0) -> Tensor => x.step(alpha);
            /// Softmax along `dim`.
            "softmax" softmax in activation [method tfjs] (logits: Tensor; dim: Axis = -1) -> Tensor => logits.softmax(dim);
            /// Log-softmax along `axis`.
            "logSoftmax" log_softmax in activation [method tfjs] (logits: Tensor; axis: Axis = -1) -> Tensor => logits.log_softmax(axis);

            // ---- reductions (no axis: all axes; an empty list: none) ----
            /// Sum (bool sums as int32).
            "sum" sum in reduction [method tfjs] (x: Tensor; axis: Axes, keepDims: Bool = false) -> Tensor => $crate::ops::api::reduce("sum", &x, axis, keepDims, |x, a, k| x.sum(a, k));
            /// Product.
            "prod" prod in reduction [method tfjs] (x: Tensor; axis: Axes, keepDims: Bool = false) -> Tensor => $crate::ops::api::reduce("prod", &x, axis, keepDims, |x, a, k| x.prod(a, k));
            /// Maximum.
            "max" max in reduction [method tfjs] (x: Tensor; axis: Axes, keepDims: Bool = false) -> Tensor => $crate::ops::api::reduce("max", &x, axis, keepDims, |x, a, k| x.max(a, k));
            /// Minimum.
            "min" min in reduction [method tfjs] (x: Tensor; axis: Axes, keepDims: Bool = false) -> Tensor => $crate::ops::api::reduce("min", &x, axis, keepDims, |x, a, k| x.min(a, k));
            /// Mean (float32).
            "mean" mean in reduction [method tfjs] (x: Tensor; axis: Axes, keepDims: Bool = false) -> Tensor => $crate::ops::api::reduce("mean", &x, axis, keepDims, |x, a, k| x.mean(a, k));
            /// Logical or of a bool tensor.
            "any" any in reduction [method tfjs] (x: Tensor; axis: Axes, keepDims: Bool = false) -> Tensor => $crate::ops::api::reduce("any", &x, axis, keepDims, |x, a, k| x.any(a, k));
            /// Logical and of a bool tensor.
            "all" all in reduction [method tfjs] (x: Tensor; axis: Axes, keepDims: Bool = false) -> Tensor => $crate::ops::api::reduce("all", &x, axis, keepDims, |x, a, k| x.all(a, k));
            /// `log(sum(exp(x)))`, stable.
            "logSumExp" log_sum_exp in reduction [method tfjs] (x: Tensor; axis: Axes, keepDims: Bool = false) -> Tensor => $crate::ops::api::reduce("logSumExp", &x, axis, keepDims, |x, a, k| x.log_sum_exp(a, k));
            /// Mean and variance.
            "moments" moments in reduction [tfjs] (x: Tensor; axis: Axes, keepDims: Bool = false) -> Tensors[mean, variance] => x.moments(&axis.unwrap_or_default(), keepDims).map(|(m, v)| vec![m, v]);
            /// Index of the maximum along `axis` (int32).
            "argMax" arg_max in reduction [method tfjs] (x: Tensor; axis: Axis = 0) -> Tensor => x.arg_max(axis);
            /// Index of the minimum along `axis` (int32).
            "argMin" arg_min in reduction [method tfjs] (x: Tensor; axis: Axis = 0) -> Tensor => x.arg_min(axis);
            /// Vector norms (`'euclidean'`, `'fro'`, 1, 2, `Infinity`, `-Infinity`, any p > 0); matrix norms other than Frobenius are not supported yet.
            "norm" norm in reduction [method tfjs] (x: Tensor; ord: NormOrd, axis: Axes, keepDims: Bool = false) -> Tensor => $crate::ops::api::norm(&x, ord, axis, keepDims);
            /// Cumulative sum along `axis`; `exclusive` leaves each element out, `reverse` sums from the end.
            "cumsum" cumsum in reduction [method tfjs] (x: Tensor; axis: Axis = 0, exclusive: Bool = false, reverse: Bool = false) -> Tensor => x.cumsum(axis, exclusive, reverse);

            // ---- shapes and movement ----
            /// New shape, same elements (one dimension may be -1).
            "reshape" reshape in movement [method tfjs] (x: Tensor; shape: NewShape) -> Tensor => x.reshape(&shape);
            /// Reshape to one dimension.
            "flatten" flatten in movement [method] (x: Tensor;) -> Tensor => x.flatten();
            /// Permutes the dims (reverses them without `perm`).
            "transpose" transpose in movement [method tfjs] (x: Tensor; perm: OptShape) -> Tensor => $crate::ops::api::transpose(&x, perm);
            /// Inserts a dim of size 1 at `axis`.
            "expandDims" expand_dims in movement [method tfjs] (x: Tensor; axis: Axis = 0) -> Tensor => x.expand_dims(axis);
            /// Removes dims of size 1 (all of them without `axis`).
            "squeeze" squeeze in movement [method tfjs] (x: Tensor; axis: Axes) -> Tensor => $crate::ops::api::over_axes(&x, axis, |x, a| x.squeeze(a));
            /// Broadcasts to `shape`.
            "broadcastTo" broadcast_to in movement [method tfjs] (x: Tensor; shape: Shape) -> Tensor => x.broadcast_to(&shape);
            /// The block at `begin` of `size` (-1: to the end); both may be numbers (the first axis) or shorter than the rank.
            "slice" slice in movement [method tfjs] (x: Tensor; begin: IntOrList, size: OptIntOrList) -> Tensor => $crate::ops::api::slice(&x, &begin, size);
            /// Strided slice with TF.js's masks (ellipsis and new-axis masks must be 0).
            "stridedSlice" strided_slice in movement [method tfjs] (x: Tensor; begin: IntList, end: IntList, strides: OptIntList, beginMask: Mask = 0, endMask: Mask = 0, ellipsisMask: Mask = 0, newAxisMask: Mask = 0, shrinkAxisMask: Mask = 0) -> Tensor => $crate::ops::api::strided_slice(&x, &begin, &end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask);
            /// Splits into equal parts or parts of the given sizes (one may be -1).
            "split" split in movement [method tfjs] (x: Tensor; numOrSizeSplits: Splits, axis: Axis = 0) -> Tensors => $crate::ops::api::split(&x, numOrSizeSplits, axis);
            /// The slices along `axis`, that axis removed.
            "unstack" unstack in movement [method tfjs] (x: Tensor; axis: Axis = 0) -> Tensors => $crate::ops::api::unstack(&x, axis);
            /// Joins tensors along `axis`.
            "concat" concat in movement [tfjs] (; tensors: Tensors, axis: Axis = 0) -> Tensor => $crate::ops::concat(&tensors, axis);
            /// Stacks tensors along a new `axis`.
            "stack" stack in movement [tfjs] (; tensors: Tensors, axis: Axis = 0) -> Tensor => $crate::ops::stack(&tensors, axis);
            /// Pads with `constantValue`; `paddings` is `[[before, after], ...]`.
            "pad" pad in movement [method tfjs] (x: Tensor; paddings: Paddings, constantValue: Number = 0.0) -> Tensor => x.pad(&paddings, constantValue as f32);
            /// Repeats `reps[d]` times along each dim.
            "tile" tile in movement [method tfjs] (x: Tensor; reps: Shape) -> Tensor => x.tile(&reps);
            /// Reverses the given axes (all without `axis`).
            "reverse" reverse in movement [method tfjs] (x: Tensor; axis: Axes) -> Tensor => $crate::ops::api::over_axes(&x, axis, |x, a| x.reverse(a));
            /// Slices along `axis` at `indices` (out-of-range indices give zeros; `batchDims` must be 0).
            "gather" gather in movement [method tfjs] (x: Tensor, indices: IntTensor; axis: Axis = 0, batchDims: ZeroOnly = 0) -> Tensor => { let _ = batchDims; x.gather(&indices, axis) };
            /// Gathers slices at N-d `indices`.
            "gatherND" gather_nd in movement [method tfjs] (x: Tensor, indices: IntTensor;) -> Tensor => x.gather_nd(&indices);

            // ---- linear algebra, convolution and pooling (NHWC; a rank-3 input is one image) ----
            /// Matrix product (batched over leading dims).
            "matMul" mat_mul in linalg [method tfjs] (a: Tensor, b: Tensor; transposeA: Bool = false, transposeB: Bool = false) -> Tensor => a.matmul(&b, transposeA, transposeB);
            /// Dot product of vectors / matrices.
            "dot" dot in linalg [method tfjs] (t1: Tensor, t2: Tensor;) -> Tensor => t1.dot(&t2);
            /// Outer product of two vectors.
            "outerProduct" outer_product in linalg [method tfjs] (v1: Tensor, v2: Tensor;) -> Tensor => v1.outer_product(&v2);
            /// 2-D convolution.
            "conv2d" conv2d in conv [method tfjs] (x: Tensor, filter: Tensor; strides: Pair, pad: Padding, dataFormat: Nhwc, dilations: Pair = [1, 1], dimRoundingMode: Unsupported) -> Tensor => { let _ = (dataFormat, dimRoundingMode); $crate::ops::api::conv2d(&x, &filter, strides, pad, dilations) };
            /// Depthwise 2-D convolution (`filter` is `[h, w, in, multiplier]`).
            "depthwiseConv2d" depthwise_conv2d in conv [method tfjs] (x: Tensor, filter: Tensor; strides: Pair, pad: Padding, dataFormat: Nhwc, dilations: Pair = [1, 1], dimRoundingMode: Unsupported) -> Tensor => { let _ = (dataFormat, dimRoundingMode); $crate::ops::api::batched(&x, &|x| x.depthwise_conv2d(&filter, strides, pad, dilations)) };
            /// Transposed 2-D convolution to `outputShape`.
            "conv2dTranspose" conv2d_transpose in conv [method tfjs] (x: Tensor, filter: Tensor; outputShape: Shape, strides: Pair, pad: Padding, dimRoundingMode: Unsupported) -> Tensor => { let _ = dimRoundingMode; $crate::ops::api::conv2d_transpose(&x, &filter, &outputShape, strides, pad) };
            /// Max pooling.
            "maxPool" max_pool in conv [method tfjs] (x: Tensor; filterSize: Pair, strides: Pair, pad: Padding, dimRoundingMode: Unsupported) -> Tensor => { let _ = dimRoundingMode; $crate::ops::api::batched(&x, &|x| x.max_pool(filterSize, strides, pad)) };
            /// Average pooling (padded borders average the window's valid part).
            "avgPool" avg_pool in conv [method tfjs] (x: Tensor; filterSize: Pair, strides: Pair, pad: Padding, dimRoundingMode: Unsupported) -> Tensor => { let _ = dimRoundingMode; $crate::ops::api::batched(&x, &|x| x.avg_pool(filterSize, strides, pad)) };

            // ---- losses (ff.losses.*; weights are not supported yet) ----
            /// Mean squared error.
            "meanSquaredError" loss_mse in losses [tfjs] (labels: Tensor, predictions: Tensor; weights: Unsupported, reduction: Reduction) -> Tensor => { let _ = weights; $crate::ops::api::reduce_loss($crate::ops::losses::mean_squared_error(&labels, &predictions)?, predictions.numel(), reduction) };
            /// Mean absolute difference.
            "absoluteDifference" loss_abs in losses [tfjs] (labels: Tensor, predictions: Tensor; weights: Unsupported, reduction: Reduction) -> Tensor => { let _ = weights; $crate::ops::api::reduce_loss($crate::ops::losses::absolute_difference(&labels, &predictions)?, predictions.numel(), reduction) };
            /// Hinge loss (labels 0/1).
            "hingeLoss" loss_hinge in losses [tfjs] (labels: Tensor, predictions: Tensor; weights: Unsupported, reduction: Reduction) -> Tensor => { let _ = weights; $crate::ops::api::reduce_loss($crate::ops::losses::hinge_loss(&labels, &predictions)?, predictions.numel(), reduction) };
            /// Huber loss with threshold `delta`.
            "huberLoss" huber_loss in losses [tfjs] (labels: Tensor, predictions: Tensor; weights: Unsupported, delta: Finite = 1.0, reduction: Reduction) -> Tensor => { let _ = weights; $crate::ops::api::reduce_loss($crate::ops::losses::huber_loss(&labels, &predictions, delta)?, predictions.numel(), reduction) };
            /// Log loss of probabilities.
            "logLoss" log_loss in losses [tfjs] (labels: Tensor, predictions: Tensor; weights: Unsupported, epsilon: Finite = 1e-7, reduction: Reduction) -> Tensor => { let _ = weights; $crate::ops::api::reduce_loss($crate::ops::losses::log_loss(&labels, &predictions, epsilon)?, predictions.numel(), reduction) };
            /// Cosine distance along `axis`.
            "cosineDistance" cosine_distance in losses [tfjs] (labels: Tensor, predictions: Tensor; axis: Axis, weights: Unsupported, reduction: Reduction) -> Tensor => { let _ = weights; let n = $crate::ops::api::loss_count(&predictions, Some(axis))?; $crate::ops::api::reduce_loss($crate::ops::losses::cosine_distance(&labels, &predictions, axis)?, n, reduction) };
            /// Softmax cross-entropy of one-hot labels and logits.
            "softmaxCrossEntropy" softmax_cross_entropy in losses [tfjs] (onehotLabels: Tensor, logits: Tensor; weights: Unsupported, labelSmoothing: Finite = 0.0, reduction: Reduction) -> Tensor => { let _ = weights; let n = $crate::ops::api::loss_count(&logits, Some(-1)).unwrap_or(1); $crate::ops::api::reduce_loss($crate::ops::losses::softmax_cross_entropy(&onehotLabels, &logits, labelSmoothing)?, n, reduction) };
            /// Sigmoid cross-entropy of 0/1 labels and logits.
            "sigmoidCrossEntropy" sigmoid_cross_entropy in losses [tfjs] (multiClassLabels: Tensor, logits: Tensor; weights: Unsupported, labelSmoothing: Finite = 0.0, reduction: Reduction) -> Tensor => { let _ = weights; $crate::ops::api::reduce_loss($crate::ops::api::sigmoid_cross_entropy(&multiClassLabels, &logits, labelSmoothing)?, logits.numel(), reduction) };
            /// int32 class labels `[batch]` against logits `[batch, classes]`, averaged.
            "sparseSoftmaxCrossEntropy" sparse_softmax_cross_entropy in losses [] (labels: IntTensor, logits: Tensor;) -> Tensor => $crate::ops::losses::sparse_softmax_cross_entropy(&labels, &logits);
        }
    };
}

/// One argument of a table entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ArgInfo {
    /// TF.js's name.
    pub name: &'static str,
    /// How a front end reads it (`Tensor`, `Axes`, `Pair`, ...).
    pub kind: &'static str,
    /// The default as written in the table (Rust syntax), if any.
    pub default: Option<&'static str>,
    /// True for tensor arguments (they come first).
    pub tensor: bool,
}

/// One entry of the op table, as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct OpInfo {
    /// TF.js's name.
    pub js: &'static str,
    /// The Rust name of the export.
    pub rust: &'static str,
    /// README section (`losses`: also the `losses.*` namespace).
    pub group: &'static str,
    /// `method`, `tfjs`.
    pub flags: &'static [&'static str],
    /// The doc line.
    pub doc: &'static str,
    pub args: &'static [ArgInfo],
    /// `Tensor` or `Tensors`.
    pub returns: &'static str,
    /// For `Tensors[a, b]`: the keys of the JS result object.
    pub fields: &'static [&'static str],
}

impl OpInfo {
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.contains(&flag)
    }
}

macro_rules! op_infos {
    ($(
        $(#[doc = $doc:literal])*
        $js:literal $rs:ident in $group:ident [$($flag:ident)*]
        ($($t:ident : $tk:ident),* ; $($a:ident : $ak:ident $(= $default:expr)?),*)
        -> $ret:ident $([$($field:ident),*])? => $body:expr;
    )*) => {
        /// Every op of the table, in table order.
        pub static OPS: &[OpInfo] = &[$(
            OpInfo {
                js: $js,
                rust: stringify!($rs),
                group: stringify!($group),
                flags: &[$(stringify!($flag)),*],
                doc: concat!($($doc),*),
                args: &[
                    $(ArgInfo { name: stringify!($t), kind: stringify!($tk), default: None, tensor: true },)*
                    $(ArgInfo { name: stringify!($a), kind: stringify!($ak), default: op_infos!(@default $($default)?), tensor: false },)*
                ],
                returns: stringify!($ret),
                fields: &[$($(stringify!($field)),*)?],
            },
        )*];
    };
    (@default) => { None };
    (@default $d:expr) => { Some(stringify!($d)) };
}

crate::for_each_op!(op_infos);

#[cfg(test)]
mod tests {
    use super::OPS;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_and_tensor_arguments_come_first() {
        let mut js = HashSet::new();
        let mut rust = HashSet::new();
        for op in OPS {
            assert!(js.insert(op.js), "duplicate op {}", op.js);
            assert!(rust.insert(op.rust), "duplicate Rust name {}", op.rust);
            let first_other = op.args.iter().position(|a| !a.tensor).unwrap_or(op.args.len());
            assert!(
                op.args[first_other..].iter().all(|a| !a.tensor),
                "{}: tensor arguments first",
                op.js
            );
            for f in op.flags {
                assert!(["method", "tfjs"].contains(f), "{}: unknown flag {f}", op.js);
            }
            assert!(!op.doc.trim().is_empty(), "{} has no doc line", op.js);
        }
    }
}
