/**
 * Tensor's op methods (x.add(y), x.T, ...). tensor/ sits below ops/, so Tensor cannot import
 * the op functions; this module installs them onto Tensor.prototype and declares them on the
 * Tensor interface (declaration merging), so types and the runtime stay in one place each.
 */
import { Tensor, type TensorLike } from "../tensor/Tensor";
import * as F from "./functions";

declare module "../tensor/Tensor" {
  interface Tensor {
    add(b: TensorLike): Tensor;
    sub(b: TensorLike): Tensor;
    mul(b: TensorLike): Tensor;
    div(b: TensorLike): Tensor;
    pow(b: TensorLike): Tensor;
    maximum(b: TensorLike): Tensor;
    minimum(b: TensorLike): Tensor;
    neg(): Tensor;
    square(): Tensor;
    sqrt(): Tensor;
    abs(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sin(): Tensor;
    cos(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    relu(): Tensor;
    gelu(): Tensor;
    softplus(): Tensor;
    leakyRelu(negativeSlope?: number): Tensor;
    elu(alpha?: number): Tensor;
    log1p(): Tensor;
    expm1(): Tensor;
    erf(): Tensor;
    floor(): Tensor;
    clamp(opts: { min?: number; max?: number }): Tensor;
    remainder(b: TensorLike): Tensor;
    atan2(b: TensorLike): Tensor;
    clone(): Tensor;
    sum(axes?: number | number[], keepDims?: boolean): Tensor;
    mean(axes?: number | number[], keepDims?: boolean): Tensor;
    max(axes?: number | number[], keepDims?: boolean): Tensor;
    min(axes?: number | number[], keepDims?: boolean): Tensor;
    prod(axes?: number | number[], keepDims?: boolean): Tensor;
    logSumExp(axis?: number | number[], keepDims?: boolean): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    matmul(b: TensorLike): Tensor;
    dot(b: TensorLike): Tensor;
    outer(b: TensorLike): Tensor;
    transpose(perm?: number[]): Tensor;
    /** Transpose (all axes reversed). */
    readonly T: Tensor;
    /** The last two axes swapped (a batch of matrices transposed), as PyTorch's .mT. */
    readonly mT: Tensor;
    reshape(shape: readonly number[]): Tensor;
    flatten(): Tensor;
    squeeze(axes?: number | number[]): Tensor;
    unsqueeze(axis: number): Tensor;
    broadcastTo(shape: readonly number[]): Tensor;
    slice(begin: number[], size?: number[]): Tensor;
    index(...indices: number[]): Tensor;
    gather(indices: TensorLike, axis?: number): Tensor;
  }
}

/**
 * Each method forwards to the op function of the same name with `this` as first argument (the
 * fuzz test calls every one of them as a public function too).
 */
export const METHODS = [
  "add",
  "sub",
  "mul",
  "div",
  "pow",
  "maximum",
  "minimum",
  "neg",
  "square",
  "sqrt",
  "abs",
  "exp",
  "log",
  "sin",
  "cos",
  "tanh",
  "sigmoid",
  "relu",
  "gelu",
  "softplus",
  "leakyRelu",
  "elu",
  "log1p",
  "expm1",
  "erf",
  "floor",
  "clamp",
  "remainder",
  "atan2",
  "clone",
  "sum",
  "mean",
  "max",
  "min",
  "prod",
  "logSumExp",
  "softmax",
  "logSoftmax",
  "matmul",
  "dot",
  "outer",
  "transpose",
  "reshape",
  "flatten",
  "squeeze",
  "unsqueeze",
  "broadcastTo",
  "slice",
  "index",
  "gather",
] as const satisfies readonly (keyof typeof F & keyof Tensor)[];

for (const name of METHODS) {
  const fn = F[name] as (self: Tensor, ...rest: unknown[]) => Tensor;
  Object.defineProperty(Tensor.prototype, name, {
    value: function (this: Tensor, ...rest: unknown[]): Tensor {
      return fn(this, ...rest);
    },
    writable: true,
    configurable: true,
  });
}
Object.defineProperty(Tensor.prototype, "T", {
  get(this: Tensor): Tensor {
    return F.transpose(this);
  },
  configurable: true,
});
Object.defineProperty(Tensor.prototype, "mT", {
  get(this: Tensor): Tensor {
    return F.mT(this);
  },
  configurable: true,
});
