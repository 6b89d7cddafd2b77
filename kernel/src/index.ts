/**
 * chainlab: any-rank tensor autodiff with a stepwise multivariate chain-rule display.
 * This file only re-exports the public API.
 */
export { Tensor } from "./tensor/Tensor";
// Side effects: install the op methods and backward() onto Tensor.prototype (and their types).
import "./ops/tensorMethods";
import "./autodiff/backward";
export type { DType, TensorLike, Node } from "./tensor/Tensor";
export type { Nested } from "./tensor/nested";
export { tensor, zeros, ones, full, eye, arange, linspace, rand, randn, scalar } from "./tensor/creation";
export type { TensorOptions, RandomOptions } from "./tensor/creation";
export { manualSeed } from "./tensor/random";
export { setMaxElements, getMaxElements } from "./tensor/shape";
export { setNumThreads, getNumThreads } from "./tensor/kernels/threads";
export { ChainlabError } from "./errors";
export {
  add,
  sub,
  mul,
  div,
  neg,
  pow,
  square,
  sqrt,
  abs,
  exp,
  log,
  sin,
  cos,
  tanh,
  sigmoid,
  relu,
  sign,
  erf,
  gelu,
  softplus,
  log1p,
  expm1,
  floor,
  clone,
  leakyRelu,
  elu,
  clamp,
  remainder,
  atan2,
  mT,
  maximum,
  minimum,
  greater,
  equal,
  where,
  sum,
  mean,
  max,
  min,
  prod,
  logSumExp,
  softmax,
  logSoftmax,
  matmul,
  dot,
  outer,
  transpose,
  reshape,
  flatten,
  squeeze,
  unsqueeze,
  broadcastTo,
  sumTo,
  slice,
  pad,
  index,
  concat,
  stack,
  gather,
  scatterAdd,
  mse,
  crossEntropy,
  binaryCrossEntropy,
} from "./ops/functions";
export { conv1d, conv2d, maxPool2d, avgPool2d } from "./ops/convFunctions";
export type { Conv2dOptions, Conv1dOptions, Pool2dOptions } from "./ops/convFunctions";
export {
  layerNorm,
  batchNorm,
  dropout,
  embedding,
  attentionWeights,
  scaledDotProductAttention,
} from "./ops/nnFunctions";
export type { LayerNormOptions, BatchNormOptions, AttentionOptions } from "./ops/nnFunctions";
export { registry, getOp } from "./ops/registry";
export { defineOp } from "./ops/custom";
export type { CustomOpSpec } from "./ops/custom";
export type { OpDef, Algebra, Attrs, Sample } from "./ops/OpDef";
export { noGrad, withScope, isGradEnabled } from "./ops/mode";
export { detectAnomaly, AnomalyError } from "./ops/anomaly";
export { trace } from "./autodiff/trace";
export type { TraceEntry } from "./autodiff/trace";
export { grad, valueAndGrad, vjp, jvp, jacobian, hessian } from "./autodiff/functional";
export { gradcheck } from "./autodiff/gradcheck";
export type { GradcheckReport, GradcheckOptions, GradcheckInputReport } from "./autodiff/gradcheck";
export { expandChain } from "./symbolic/chain/expandChain";
export type { ExpandOptions } from "./symbolic/chain/expandChain";
export * as nn from "./nn/index";
export * as optim from "./optim/index";
export * as protocol from "./protocol/index";
export { show, display, clearOutput, DisplayHandle } from "./display/index";
export type {
  LiveOptions,
  MimeBundle,
  GraphOptions,
  HeatmapOptions,
  ChainOptions,
  PlotData,
  PlotOptions,
} from "./display/index";
