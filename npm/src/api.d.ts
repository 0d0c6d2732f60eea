// Type declarations for the hand-written part of the `ferroflow` package (src/api.js and the
// modules it re-exports). The build appends the op declarations generated from core's op table
// (scripts/gen-api.mjs) to make dist/index.d.ts. Names and argument orders follow TensorFlow.js.

export type DataType = 'float32' | 'int32' | 'bool';
export type Rank = number;
export type BackendName = 'webgpu' | 'cpu';

/** Nested arrays of numbers or booleans. */
export interface RecursiveArray<T> {
  [index: number]: T | RecursiveArray<T>;
}
export type TypedArray = Float32Array | Int32Array | Uint8Array | Uint8ClampedArray | Int8Array | Int16Array | Uint16Array | Uint32Array | Float64Array;
export type TensorLike = number | boolean | TypedArray | RecursiveArray<number | boolean | TypedArray> | number[] | boolean[];
/** What ops accept where a tensor is expected: a Tensor, or values converted as `tensor()` does. */
export type TensorInput = Tensor | TensorLike;
/** The TypedArray `data()`/`dataSync()` return: Float32Array, Int32Array, or Uint8Array for bool. */
export type DataTypeMap = { float32: Float32Array; int32: Int32Array; bool: Uint8Array };
export type NestedArray = number | NestedArray[];

export type PaddingArg = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
export type Pair = number | [number, number];

/** A tensor: an immutable n-dimensional array on a backend (lazy: computed when read). */
export declare class Tensor {
  private constructor();
  /** A unique id. */
  readonly id: number;
  readonly shape: number[];
  readonly dtype: DataType;
  readonly rank: number;
  /** Number of elements. */
  readonly size: number;
  readonly isDisposed: boolean;
  /** True for tensors made by `variable()`. */
  readonly isVariable: boolean;
  /** A variable's name (undefined for other tensors). */
  readonly name: string | undefined;
  /** Whether optimizers train this variable (undefined for other tensors). */
  readonly trainable: boolean | undefined;
  /** The backend the tensor lives on. */
  readonly backend: BackendName;

  /** The values (TypedArray); throws on WebGPU, which cannot read back synchronously in a page. */
  dataSync(): Float32Array | Int32Array | Uint8Array;
  /** The values, asynchronously (every backend). */
  data(): Promise<Float32Array | Int32Array | Uint8Array>;
  /** The values as nested arrays (a number for a scalar). */
  arraySync(): NestedArray;
  array(): Promise<NestedArray>;
  /** Frees the tensor (idempotent); tensors computed from it stay valid. */
  dispose(): void;
  /** Frees the wasm object too (after which every use throws). */
  free(): void;
  clone(): Tensor;
  /** Sets a variable's value (same shape and dtype); throws for other tensors. */
  assign(newValue: TensorInput): void;
  toString(verbose?: boolean): string;
  print(verbose?: boolean): void;

  // Hand-written chainable helpers; the op table's methods are declared below (interface Tensor).
  reshapeAs(x: Tensor): Tensor;
  concat(x: Tensor | Tensor[], axis?: number): Tensor;
  stack(x: Tensor | Tensor[], axis?: number): Tensor;
  oneHot(depth: number, onValue?: number, offValue?: number, dtype?: DataType): Tensor;
  toFloat(): Tensor;
  toInt(): Tensor;
  toBool(): Tensor;
  asType(dtype: DataType): Tensor;
  asScalar(): Tensor;
  as1D(): Tensor;
  as2D(rows: number, columns: number): Tensor;
  as3D(rows: number, columns: number, depth: number): Tensor;
  as4D(rows: number, columns: number, depth: number, depth2: number): Tensor;
}

/** A tensor made by `variable()`: mutable through `assign`, updated by optimizers. */
export interface Variable extends Tensor {
  readonly isVariable: boolean;
  readonly name: string;
  readonly trainable: boolean;
}

// ---- creation ----
export declare function tensor(values: TensorLike, shape?: number[], dtype?: DataType): Tensor;
export declare function scalar(value: number | boolean, dtype?: DataType): Tensor;
export declare function tensor1d(values: TensorLike, dtype?: DataType): Tensor;
export declare function tensor2d(values: TensorLike, shape?: [number, number], dtype?: DataType): Tensor;
export declare function tensor3d(values: TensorLike, shape?: [number, number, number], dtype?: DataType): Tensor;
export declare function tensor4d(values: TensorLike, shape?: [number, number, number, number], dtype?: DataType): Tensor;
export declare function tensor5d(values: TensorLike, shape?: [number, number, number, number, number], dtype?: DataType): Tensor;
export declare function tensor6d(values: TensorLike, shape?: [number, number, number, number, number, number], dtype?: DataType): Tensor;
export declare function zeros(shape: number[], dtype?: DataType): Tensor;
export declare function ones(shape: number[], dtype?: DataType): Tensor;
export declare function fill(shape: number[], value: number | boolean, dtype?: DataType): Tensor;
/** `range(start, stop, step = 1, dtype = 'float32')`; `range(n)` counts from 0. */
export declare function range(start: number, stop?: number, step?: number, dtype?: 'float32' | 'int32'): Tensor;
export declare function linspace(start: number, stop: number, num: number): Tensor;
export declare function eye(numRows: number, numColumns?: number, batchShape?: number[], dtype?: DataType): Tensor;
export declare function oneHot(indices: TensorInput, depth: number, onValue?: number, offValue?: number, dtype?: DataType): Tensor;
/** Seeded random tensors are identical on every backend; without a seed each call differs. */
export declare function randomUniform(shape: number[], minval?: number, maxval?: number, dtype?: 'float32' | 'int32', seed?: number | string): Tensor;
export declare function randomNormal(shape: number[], mean?: number, stdDev?: number, dtype?: 'float32' | 'int32', seed?: number | string): Tensor;
export declare function truncatedNormal(shape: number[], mean?: number, stdDev?: number, dtype?: 'float32' | 'int32', seed?: number | string): Tensor;
/** Float32 0/1 samples, 1 with probability `p` (not in TF.js). */
export declare function randomBernoulli(shape: number[], p?: number, seed?: number | string): Tensor;
export declare function clone(x: TensorInput): Tensor;

// TF.js's rank-specific aliases.
export declare function concat1d(tensors: TensorInput[]): Tensor;
export declare function concat2d(tensors: TensorInput[], axis: number): Tensor;
export declare function concat3d(tensors: TensorInput[], axis: number): Tensor;
export declare function concat4d(tensors: TensorInput[], axis: number): Tensor;
export declare function slice1d(x: Tensor, begin: number, size: number): Tensor;
export declare function slice2d(x: Tensor, begin: [number, number], size: [number, number]): Tensor;
export declare function slice3d(x: Tensor, begin: [number, number, number], size: [number, number, number]): Tensor;
export declare function slice4d(x: Tensor, begin: [number, number, number, number], size: [number, number, number, number]): Tensor;
export declare function reverse1d(x: Tensor): Tensor;
export declare function reverse2d(x: Tensor, axis?: number | number[]): Tensor;
export declare function reverse3d(x: Tensor, axis?: number | number[]): Tensor;
export declare function reverse4d(x: Tensor, axis?: number | number[]): Tensor;
export declare function pad1d(x: Tensor, paddings: [number, number], constantValue?: number): Tensor;
export declare function pad2d(x: Tensor, paddings: [[number, number], [number, number]], constantValue?: number): Tensor;
export declare function pad3d(x: Tensor, paddings: [[number, number], [number, number], [number, number]], constantValue?: number): Tensor;
export declare function pad4d(x: Tensor, paddings: [[number, number], [number, number], [number, number], [number, number]], constantValue?: number): Tensor;
export declare function euclideanNorm(x: TensorInput, axis?: number | number[] | null, keepDims?: boolean): Tensor;
export declare function randomStandardNormal(shape: number[], dtype?: 'float32' | 'int32', seed?: number | string): Tensor;

// ---- losses ----
/** TF.js's `Reduction` (NONE is not supported yet). */
export declare const Reduction: { readonly NONE: 0; readonly MEAN: 1; readonly SUM: 2; readonly SUM_BY_NONZERO_WEIGHTS: 3 };
export type ReductionValue = 0 | 1 | 2 | 3;

// ---- memory ----
/** Tensors anywhere inside arrays and plain objects. */
export type TensorContainer = void | Tensor | string | number | boolean | TensorContainer[] | { [key: string]: TensorContainer } | null | undefined;
/** Runs `fn`, then disposes every tensor it created except the returned ones and kept ones. */
export declare function tidy<T extends TensorContainer>(fn: () => T): T;
export declare function tidy<T extends TensorContainer>(name: string, fn: () => T): T;
/** Exempts a tensor from `tidy`; returns it. */
export declare function keep<T extends Tensor>(result: T): T;
/** Disposes every tensor in the container. */
export declare function dispose(container: TensorContainer): void;
export interface MemoryInfo {
  /** Live tensors (variables included), as TF.js counts them. */
  numTensors: number;
  /** Bytes of the live tensors. */
  numBytes: number;
  /** Buffers the current backend holds. */
  numDataBuffers: number;
  numBytesInBackend: number;
  backend: BackendName;
  /** Per opened backend: `{numBuffers, numBytes}`. */
  backends: { [name: string]: { numBuffers: number; numBytes: number } };
}
export declare function memory(): MemoryInfo;

// ---- variables and gradients ----
/** A mutable tensor. Names must be unique among live variables (default: `variable_N`). */
export declare function variable(initialValue: TensorInput, trainable?: boolean, name?: string, dtype?: DataType): Variable;
export declare function disposeVariables(): void;
export declare function grad(f: (x: Tensor) => Tensor): (x: TensorInput, dy?: TensorInput) => Tensor;
export declare function grads(f: (...args: Tensor[]) => Tensor): (args: TensorInput[], dy?: TensorInput) => Tensor[];
export declare function valueAndGrad(f: (x: Tensor) => Tensor): (x: TensorInput, dy?: TensorInput) => { value: Tensor; grad: Tensor };
export declare function valueAndGrads(f: (...args: Tensor[]) => Tensor): (args: TensorInput[], dy?: TensorInput) => { value: Tensor; grads: Tensor[] };
/** Gradients of the scalar `f()` with respect to `varList` (default: every trainable variable), keyed by variable name. */
export declare function variableGrads(f: () => Tensor, varList?: Variable[]): { value: Tensor; grads: { [name: string]: Tensor } };
export type GradSaveFunc = (save: Tensor[]) => void;
/** `f(...inputs, save)` returns the value and `gradFunc(dy, saved)` giving one gradient per input. */
export declare function customGrad(
  f: (...args: any[]) => { value: Tensor; gradFunc: (dy: Tensor, saved: Tensor[]) => Tensor | Tensor[] },
): (...args: TensorInput[]) => Tensor;

// ---- optimizers ----
export declare class Optimizer {
  private constructor();
  /** Evaluates `f`, differentiates it with respect to `varList` (default: every trainable variable) and updates them; returns the loss when `returnCost`. */
  minimize(f: () => Tensor, returnCost?: boolean, varList?: Variable[]): Tensor | null;
  /** `{variableName: gradient}` (as `variableGrads` returns) or `[{name, tensor}]`. */
  applyGradients(variableGradients: { [name: string]: Tensor } | Array<{ name: string; tensor: Tensor }>): void;
  readonly learningRate: number;
  setLearningRate(learningRate: number): void;
  /** Steps taken so far. */
  readonly iterations: number;
  readonly kind: 'sgd' | 'momentum' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad';
  /** The optimizer's state as `{name, tensor}` pairs. */
  getWeights(): Array<{ name: string; tensor: Tensor }>;
  /** Frees the optimizer and its state. */
  dispose(): void;
  free(): void;
}
export declare const train: {
  sgd(learningRate: number): Optimizer;
  momentum(learningRate: number, momentum: number, useNesterov?: boolean): Optimizer;
  adam(learningRate?: number, beta1?: number, beta2?: number, epsilon?: number): Optimizer;
  /** Adam with decoupled weight decay (Keras `AdamW`; not in TF.js). */
  adamw(learningRate?: number, weightDecay?: number, beta1?: number, beta2?: number, epsilon?: number): Optimizer;
  rmsprop(learningRate: number, decay?: number, momentum?: number, epsilon?: number, centered?: boolean): Optimizer;
  adagrad(learningRate: number, initialAccumulatorValue?: number): Optimizer;
};

// ---- backends ----
/** Loads the wasm module (browsers) and picks WebGPU when an adapter exists, else the CPU; resolves to the backend name. */
export declare function ready(): Promise<BackendName>;
/** Resolves to false when the backend cannot be opened (see `backendInfo().webgpuError`). */
export declare function setBackend(backendName: BackendName): Promise<boolean>;
export declare function getBackend(): BackendName;
export interface BackendInfo {
  backend: BackendName;
  /** The adapter or thread count. */
  description: string;
  /** Why `ready()` did not pick WebGPU, when it did not. */
  fallbackReason: string | null;
  /** Why WebGPU failed to open, once it was tried. */
  webgpuError: string | null;
  initialized: BackendName[];
}
export declare function backendInfo(): BackendInfo;
/** Loads the wasm module from an explicit URL, Response, bytes or module (browsers; optional). */
export declare function loadWasm(moduleOrPath?: string | URL | Response | BufferSource | WebAssembly.Module): Promise<void>;
export declare function version(): string;
/** Logs the tensor (as TF.js `tf.print`). */
export declare function print(x: TensorInput, verbose?: boolean): void;

// ---- layers (Keras-style models) ---------------------------------------------------------

export type ActivationIdentifier = 'linear' | 'relu' | 'relu6' | 'elu' | 'selu' | 'sigmoid' | 'tanh' | 'softmax' | 'softplus' | 'softsign' | 'gelu' | 'swish' | 'mish';
export type InitializerIdentifier =
  | 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'leCunUniform' | 'leCunNormal'
  | 'zeros' | 'ones' | 'randomUniform' | 'randomNormal' | 'truncatedNormal';
/** A shape with `null` for the batch axis, e.g. `[null, 28, 28, 1]`. */
export type Shape = Array<number | null>;

/** Options every layer accepts. */
export interface LayerArgs {
  name?: string;
  /** The shape of one input example (the first layer of a model needs it, or `batchInputShape`). */
  inputShape?: number[];
  batchInputShape?: Array<number | null>;
  batchSize?: number;
  dtype?: 'float32' | 'int32';
  trainable?: boolean;
}
export interface DenseLayerArgs extends LayerArgs {
  units: number;
  activation?: ActivationIdentifier;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  inputDim?: number;
}
export interface Conv2DLayerArgs extends LayerArgs {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: 'valid' | 'same';
  dataFormat?: 'channelsLast';
  dilationRate?: number | [number, number];
  activation?: ActivationIdentifier;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
}
export interface Pooling2DLayerArgs extends LayerArgs {
  poolSize?: number | [number, number];
  strides?: number | [number, number];
  padding?: 'valid' | 'same';
  dataFormat?: 'channelsLast';
}
export interface FlattenLayerArgs extends LayerArgs {
  dataFormat?: 'channelsLast';
}
export interface DropoutLayerArgs extends LayerArgs {
  rate: number;
  seed?: number;
}
export interface BatchNormalizationLayerArgs extends LayerArgs {
  axis?: -1;
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
}
export interface EmbeddingLayerArgs extends LayerArgs {
  inputDim: number;
  outputDim: number;
  embeddingsInitializer?: InitializerIdentifier;
  inputLength?: number | number[];
  maskZero?: false;
}
export interface ActivationLayerArgs extends LayerArgs {
  activation: ActivationIdentifier;
}

/** A model weight (TF.js `LayerVariable`). */
export declare class LayerVariable {
  private constructor();
  readonly name: string;
  readonly originalName: string;
  readonly shape: number[];
  readonly dtype: DataType;
  readonly trainable: boolean;
  /** The current value (a new tensor). */
  read(): Tensor;
  /** Sets the value (same shape and dtype). */
  write(value: TensorInput): this;
}

/** A layer made by `ff.layers.*`; its weights exist once it is added to a model. */
export declare class Layer {
  private constructor();
  readonly name: string;
  readonly built: boolean;
  /** With `null` for the batch axis; throws before the layer is in a model. */
  readonly outputShape: Shape;
  readonly inputShape: Shape;
  readonly batchInputShape: Shape;
  /** `false` leaves the layer's weights out of training. */
  trainable: boolean;
  readonly weights: LayerVariable[];
  readonly trainableWeights: LayerVariable[];
  readonly nonTrainableWeights: LayerVariable[];
  getClassName(): 'Dense' | 'Conv2D' | 'MaxPooling2D' | 'AveragePooling2D' | 'Flatten' | 'Dropout' | 'BatchNormalization' | 'Embedding' | 'Activation';
  /** The config with TF.js names. */
  getConfig(): { [key: string]: unknown };
  countParams(): number;
  getWeights(trainableOnly?: boolean): Tensor[];
  setWeights(weights: TensorInput[]): void;
}

export declare const layers: {
  dense(args: DenseLayerArgs): Layer;
  conv2d(args: Conv2DLayerArgs): Layer;
  maxPooling2d(args?: Pooling2DLayerArgs): Layer;
  maxPool2d(args?: Pooling2DLayerArgs): Layer;
  averagePooling2d(args?: Pooling2DLayerArgs): Layer;
  avgPool2d(args?: Pooling2DLayerArgs): Layer;
  flatten(args?: FlattenLayerArgs): Layer;
  dropout(args: DropoutLayerArgs): Layer;
  batchNormalization(args?: BatchNormalizationLayerArgs): Layer;
  embedding(args: EmbeddingLayerArgs): Layer;
  activation(args: ActivationLayerArgs): Layer;
};

export type LossIdentifier =
  | 'meanSquaredError' | 'mse' | 'MSE' | 'meanAbsoluteError' | 'mae' | 'MAE'
  | 'meanAbsolutePercentageError' | 'mape' | 'MAPE' | 'meanSquaredLogarithmicError' | 'msle' | 'MSLE'
  | 'squaredHinge' | 'hinge' | 'categoricalHinge' | 'logcosh' | 'categoricalCrossentropy'
  | 'sparseCategoricalCrossentropy' | 'binaryCrossentropy' | 'kullbackLeiblerDivergence' | 'kld'
  | 'poisson' | 'cosineProximity' | 'cosine';
export type MetricIdentifier =
  | 'accuracy' | 'acc' | 'crossentropy' | 'ce' | 'binaryAccuracy' | 'categoricalAccuracy'
  | 'sparseCategoricalAccuracy' | 'precision' | 'recall' | LossIdentifier;
/** A loss or metric function: per-example values or a scalar (the model averages it). */
export type LossOrMetricFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

export interface ModelCompileArgs {
  optimizer: 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad' | Optimizer;
  loss: LossIdentifier | LossOrMetricFn | [LossIdentifier | LossOrMetricFn];
  metrics?: MetricIdentifier | LossOrMetricFn | Array<MetricIdentifier | LossOrMetricFn>;
}

/** Logs passed to callbacks: `loss`, metrics (`acc`, ...), `val_*`; batch logs add `batch`, `size`. */
export interface Logs {
  [key: string]: number;
}
export interface CustomCallbackArgs {
  onTrainBegin?: (logs?: Logs) => void | Promise<void>;
  onTrainEnd?: (logs?: Logs) => void | Promise<void>;
  onEpochBegin?: (epoch: number, logs?: Logs) => void | Promise<void>;
  onEpochEnd?: (epoch: number, logs?: Logs) => void | Promise<void>;
  onBatchBegin?: (batch: number, logs?: Logs) => void | Promise<void>;
  onBatchEnd?: (batch: number, logs?: Logs) => void | Promise<void>;
  onYield?: (epoch: number, batch: number, logs: Logs) => void | Promise<void>;
}
/** Base class for callback objects: override any `on*` method. */
export declare class Callback {
  model: Sequential;
  params: { [key: string]: unknown };
  setModel(model: Sequential): void;
  setParams(params: { [key: string]: unknown }): void;
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs?: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs?: Logs): void | Promise<void>;
}
export interface EarlyStoppingCallbackArgs {
  monitor?: string;
  minDelta?: number;
  patience?: number;
  mode?: 'auto' | 'min' | 'max';
  baseline?: number;
  verbose?: number;
}
export declare class EarlyStopping extends Callback {
  constructor(args?: EarlyStoppingCallbackArgs);
}
export declare const callbacks: {
  earlyStopping(args?: EarlyStoppingCallbackArgs): EarlyStopping;
};

export interface ModelFitArgs {
  epochs?: number;
  batchSize?: number;
  /** Shuffle the training examples every epoch (default true). */
  shuffle?: boolean;
  /** The last fraction of the examples (before shuffling) is held out for validation. */
  validationSplit?: number;
  validationData?: [Tensor, Tensor];
  validationBatchSize?: number;
  callbacks?: CustomCallbackArgs | Callback | Array<CustomCallbackArgs | Callback>;
  initialEpoch?: number;
  verbose?: number;
  /** Accepted for TF.js compatibility: fit always yields to the event loop between batches. */
  yieldEvery?: 'auto' | 'batch' | 'epoch' | 'never' | number;
}
/** What `fit` resolves to. */
export declare class History {
  epoch: number[];
  history: { [key: string]: number[] };
  params: { [key: string]: unknown };
  validationData: [Tensor, Tensor] | null;
}

/** `{modelJson, weights}`: the bytes `ferroflow_core::io::save_model` writes (model.json + weights.safetensors). */
export interface ModelArtifacts {
  modelJson: Uint8Array | string;
  weights: { [path: string]: Uint8Array };
}
export interface SaveResult {
  modelArtifactsInfo: {
    dateSaved: Date;
    modelTopologyType: 'JSON';
    modelTopologyBytes: number;
    weightSpecsBytes: number;
    weightDataBytes: number;
  };
}
export interface IOHandler {
  save?(artifacts: ModelArtifacts): Promise<SaveResult | null | void>;
  load?(): Promise<ModelArtifacts | { modelJson: Uint8Array | string; readWeights(path: string, size: number): Promise<Uint8Array> }>;
}
export interface LoadOptions {
  /** For http(s)://. */
  requestInit?: RequestInit;
  fetchFunc?: typeof fetch;
}
export declare const io: {
  /** A save handler calling `fn` with the artifacts. */
  withSaveHandler(fn: (artifacts: ModelArtifacts) => Promise<SaveResult | void> | SaveResult | void): IOHandler;
  /** A load handler over artifacts in memory. */
  fromMemory(artifacts: ModelArtifacts): IOHandler;
  registerIoRouter(scheme: string, router: { save?(path: string, url: string): IOHandler; load?(path: string, options: LoadOptions, url: string): IOHandler }): void;
};

/** A linear stack of layers (TF.js `tf.Sequential`). */
export declare class Sequential {
  constructor(config?: { layers?: Layer[]; name?: string });
  readonly name: string;
  readonly layers: Layer[];
  readonly inputs: Array<{ name: string; shape: Shape; dtype: DataType }>;
  readonly outputs: Array<{ name: string; shape: Shape; dtype: DataType }>;
  readonly inputShape: Shape | null;
  readonly outputShape: Shape | null;
  readonly weights: LayerVariable[];
  readonly trainableWeights: LayerVariable[];
  readonly nonTrainableWeights: LayerVariable[];
  /** `['loss', 'acc', ...]` after compile. */
  readonly metricsNames: string[];
  readonly isTraining: boolean;
  /** Set to true (e.g. in a callback) to end `fit` after the current batch. */
  stopTraining: boolean;
  optimizer: Optimizer | null;
  history: History | null;
  add(layer: Layer): void;
  getLayer(name: string): Layer;
  getLayer(name: undefined, index: number): Layer;
  getLayer(index: number): Layer;
  countParams(): number;
  getWeights(trainableOnly?: boolean): Tensor[];
  setWeights(weights: TensorInput[]): void;
  /** Prints a table of the layers (as TF.js) and returns nothing. */
  summary(lineLength?: number, positions?: number[], printFn?: (message: string) => void): void;
  summary(options: { lineLength?: number; positions?: number[]; printFn?: (message: string) => void }): void;
  summary(printFn: (message: string) => void): void;
  compile(args: ModelCompileArgs): void;
  fit(x: Tensor | [Tensor], y: Tensor | [Tensor], args?: ModelFitArgs): Promise<History>;
  trainOnBatch(x: Tensor | [Tensor], y: Tensor | [Tensor]): Promise<number | number[]>;
  evaluate(x: Tensor | [Tensor], y: Tensor | [Tensor], args?: { batchSize?: number; verbose?: number }): Tensor | Tensor[];
  predict(x: Tensor | [Tensor], args?: { batchSize?: number; verbose?: number }): Tensor;
  predictOnBatch(x: Tensor | [Tensor]): Tensor;
  /** `indexeddb://name`, `localstorage://name`, `downloads://name`, `file://path` (Node), or a handler. */
  save(handlerOrURL: string | IOHandler, config?: { includeOptimizer?: false; trainableOnly?: false }): Promise<SaveResult>;
  dispose(): { refCountAfterDispose: number; numDisposedVariables: number };
  getClassName(): 'Sequential';
}
export { Sequential as LayersModel };
export declare function sequential(config?: { layers?: Layer[]; name?: string }): Sequential;
/** Loads a model saved by `save` (or by `ferroflow_core::io::save_model`); every byte is validated first. */
export declare function loadLayersModel(pathOrIOHandler: string | IOHandler, options?: LoadOptions): Promise<Sequential>;
/** An input or output of a graph model (TF.js's `TensorInfo`): unknown sizes are -1. */
export interface TensorInfo {
  name: string;
  shape?: number[];
  dtype?: DataType;
}
export type NamedTensorMap = { [name: string]: Tensor };
export interface GraphModelLoadOptions extends LoadOptions {
  /** Called with the fraction of weight shards read, from 0 to 1. */
  onProgress?: (fraction: number) => void;
  /** Where the shards are, when not next to model.json (http(s):// only). */
  weightPathPrefix?: string;
}
/** A TF.js graph model (TF.js `tf.GraphModel`): model.json with a TensorFlow GraphDef and its shards. */
export declare class GraphModel {
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
  /** Tensor names (`input:0`), as TF.js gives them. */
  readonly inputNodes: string[];
  readonly outputNodes: string[];
  /** model.json's `userDefinedMetadata`. */
  readonly metadata: {} | undefined;
  /** `producer.minConsumer` of the GraphDef's versions (`'n/a'` without them). */
  readonly modelVersion: string;
  /** The distinct TF ops of the graph. */
  readonly ops: string[];
  /** Runs the model: one output gives a Tensor, several an array. */
  predict(inputs: Tensor | Tensor[] | NamedTensorMap, config?: { batchSize?: number; verbose?: boolean }): Tensor | Tensor[];
  /** Runs the nodes `outputs` depend on (`name` or `name:k`; the model's outputs by default). */
  execute(inputs: Tensor | Tensor[] | NamedTensorMap, outputs: string): Tensor;
  execute(inputs: Tensor | Tensor[] | NamedTensorMap, outputs?: string[]): Tensor | Tensor[];
  executeAsync(inputs: Tensor | Tensor[] | NamedTensorMap, outputs: string): Promise<Tensor>;
  executeAsync(inputs: Tensor | Tensor[] | NamedTensorMap, outputs?: string[]): Promise<Tensor | Tensor[]>;
  /** `predict` through `executeAsync` (for models with dynamic ops on WebGPU). */
  predictAsync(inputs: Tensor | Tensor[] | NamedTensorMap, config?: { batchSize?: number; verbose?: boolean }): Promise<Tensor | Tensor[]>;
  dispose(): void;
}
/**
 * Loads a TF.js graph model: `http(s)://.../model.json`, `file://` (Node), `indexeddb://`,
 * `localstorage://`, or a handler (Ferroflow's artifacts or TF.js's `{modelTopology, weightSpecs,
 * weightData}`). Quantized weights (uint8, uint16, float16) are dequantized; every byte and every
 * op is checked before anything runs.
 */
export declare function loadGraphModel(modelUrl: string | IOHandler | { load(): Promise<unknown> }, options?: GraphModelLoadOptions): Promise<GraphModel>;
/** Resolves after the event loop ran (a macrotask). */
export declare function nextFrame(): Promise<void>;
