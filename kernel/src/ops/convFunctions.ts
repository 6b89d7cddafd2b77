/**
 * Public convolution and pooling functions: argument checking (a ChainlabError naming the op,
 * the shapes and the rule, before anything is allocated), attribute normalisation to [h, w]
 * pairs, then the registry ops of conv.ts and pool.ts. conv1d is conv2d on a height-1 image.
 */
import { fail, fmtShape } from "../errors";
import type { Tensor, TensorLike } from "../tensor/Tensor";
import { checkShape, describe } from "../tensor/shape";
import { apply } from "./apply";
import { withScope } from "./mode";
import { asTensor, add, reshape } from "./functions";
import { conv2d as conv2dOp, convOutSize } from "./conv";
import { maxPool2d as maxPoolOp, avgPool2d as avgPoolOp } from "./pool";

type Pair = number | [number, number];

/** An attribute as an [h, w] pair of integers >= min; `shapes` says what it was for in the error. */
function pairOf(op: string, name: string, v: unknown, def: number, min: number, shapes: string): [number, number] {
  const val = v === undefined ? def : v;
  const arr = typeof val === "number" ? [val, val] : val;
  if (
    !Array.isArray(arr) ||
    arr.length !== 2 ||
    arr.some((x) => typeof x !== "number" || !Number.isInteger(x) || x < min)
  )
    fail(op, `${name} must be an integer >= ${min} or a pair of them, got ${describe(v)} (${shapes})`);
  return [arr[0], arr[1]];
}

/** A 1-D attribute as the [1, v] (or [0, v]) pair of the height-1 convolution it becomes. */
function singleOf(op: string, name: string, v: unknown, def: number, min: number, shapes: string): [number, number] {
  const val = v === undefined ? def : v;
  if (typeof val !== "number" || !Number.isInteger(val) || val < min)
    fail(op, `${name} must be an integer >= ${min}, got ${describe(v)} (${shapes})`);
  return [min === 0 ? 0 : 1, val];
}

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
}

type ConvArgs = {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
};

/**
 * Every check of a convolution's arguments, before anything runs (conv1d passes spatial rank 1
 * and is named in its own errors, with its own shapes). Returns the attributes as [h, w] pairs.
 */
function checkConv(op: string, tx: Tensor, tw: Tensor, opts: unknown, spatial: 1 | 2): ConvArgs {
  const rank = spatial + 2;
  const dims = spatial === 2 ? "H, W" : "L";
  if (typeof opts !== "object" || opts === null)
    fail(op, `options must be { stride, padding, dilation, groups }, got ${describe(opts)}`);
  if (tx.rank !== rank) fail(op, `input must be [N, C, ${dims}], got shape ${fmtShape(tx.shape)}`);
  if (tw.rank !== rank)
    fail(op, `weight must be [out, in/groups, ${spatial === 2 ? "kh, kw" : "k"}], got shape ${fmtShape(tw.shape)}`);
  const shapes = `input ${fmtShape(tx.shape)}, weight ${fmtShape(tw.shape)}`;
  const o = opts as Conv2dOptions;
  const attr = spatial === 2 ? pairOf : singleOf;
  const stride = attr(op, "stride", o.stride, 1, 1, shapes);
  const padding = attr(op, "padding", o.padding, 0, 0, shapes);
  const dilation = attr(op, "dilation", o.dilation, 1, 1, shapes);
  const groups = o.groups ?? 1;
  if (typeof groups !== "number" || !Number.isInteger(groups) || groups < 1)
    fail(op, `groups must be a positive integer, got ${describe(o.groups)} (${shapes})`);
  const [, C] = tx.shape;
  const [O, Cg] = tw.shape;
  if (C % groups !== 0 || O % groups !== 0)
    fail(
      op,
      `channels must divide into ${groups} groups: input ${fmtShape(tx.shape)} has ${C} channels, weight ${fmtShape(tw.shape)} has ${O} out channels`,
    );
  if (Cg * groups !== C)
    fail(
      op,
      `weight ${fmtShape(tw.shape)} expects ${Cg * groups} input channels (in/groups = ${Cg}, groups = ${groups}), input ${fmtShape(tx.shape)} has ${C}`,
    );
  // Kernel, its dilated extent and the padded input, per spatial axis (height first).
  const axes = spatial === 2 ? [0, 1] : [1];
  const input = axes.map((a) => tx.shape[2 + a - (2 - spatial)]);
  const kernel = axes.map((a) => tw.shape[2 + a - (2 - spatial)]);
  const dilated = axes.map((a, k) => dilation[a] * (kernel[k] - 1) + 1);
  const padded = axes.map((a, k) => input[k] + 2 * padding[a]);
  if (dilated.some((d, k) => d > padded[k]))
    fail(
      op,
      `kernel ${kernel.join("x")} (dilated to ${dilated.join("x")}) is larger than the padded input ${padded.join("x")} (${shapes}, padding ${describe(o.padding ?? 0)})`,
    );
  const out = axes.map((a, k) => convOutSize(input[k], kernel[k], stride[a], padding[a], dilation[a]));
  checkShape(op, [tx.shape[0], O, ...out]);
  return { stride, padding, dilation, groups };
}

function checkBias(op: string, bias: TensorLike | null | undefined, tx: Tensor, tw: Tensor): Tensor | null {
  if (bias === undefined || bias === null) return null;
  const tb = asTensor(op, bias, "bias", tx);
  const O = tw.shape[0];
  if (tb.rank !== 1 || tb.shape[0] !== O)
    fail(op, `bias must be [${O}] (one per out channel of weight ${fmtShape(tw.shape)}), got ${fmtShape(tb.shape)}`);
  return tb;
}

/** The checked convolution, bias added per out channel inside a "conv2d" scope. */
function convApply(tx: Tensor, tw: Tensor, tb: Tensor | null, attrs: ConvArgs): Tensor {
  if (!tb) return apply(conv2dOp, [tx, tw], attrs);
  const O = tw.shape[0];
  return withScope("conv2d", () => add(apply(conv2dOp, [tx, tw], attrs), reshape(tb, [1, O, 1, 1])));
}

/**
 * 2-D convolution (cross-correlation, as PyTorch) of x [N, C, H, W] with w [O, C/groups, kh, kw]
 * and an optional bias [O].
 * @example conv2d(x, w, b, { stride: 2, padding: 1 })
 */
export function conv2d(x: TensorLike, w: TensorLike, bias?: TensorLike | null, opts: Conv2dOptions = {}): Tensor {
  const op = "conv2d";
  const tx = asTensor(op, x, "input");
  const tw = asTensor(op, w, "weight", tx);
  const attrs = checkConv(op, tx, tw, opts, 2);
  return convApply(tx, tw, checkBias(op, bias, tx, tw), attrs);
}

export interface Conv1dOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
}

/** 1-D convolution of x [N, C, L] with w [O, C/groups, k] and an optional bias [O]. */
export function conv1d(x: TensorLike, w: TensorLike, bias?: TensorLike | null, opts: Conv1dOptions = {}): Tensor {
  const op = "conv1d";
  const tx = asTensor(op, x, "input");
  const tw = asTensor(op, w, "weight", tx);
  const attrs = checkConv(op, tx, tw, opts, 1);
  const tb = checkBias(op, bias, tx, tw);
  return withScope(op, () => {
    const [N, C, L] = tx.shape;
    const [O, Cg, k] = tw.shape;
    const y = convApply(reshape(tx, [N, C, 1, L]), reshape(tw, [O, Cg, 1, k]), tb, attrs);
    return reshape(y, [y.shape[0], y.shape[1], y.shape[3]]);
  });
}

export interface Pool2dOptions {
  kernelSize: Pair;
  /** Default: kernelSize (non-overlapping windows), as PyTorch. */
  stride?: Pair;
  padding?: Pair;
}

function poolAttrs(op: string, xt: Tensor, opts: Pool2dOptions) {
  if (typeof opts !== "object" || opts === null)
    fail(op, `options must be { kernelSize, stride?, padding? }, got ${describe(opts)}`);
  if (xt.rank !== 4) fail(op, `input must be [N, C, H, W], got shape ${fmtShape(xt.shape)}`);
  const shapes = `input ${fmtShape(xt.shape)}`;
  const kernelSize = pairOf(op, "kernelSize", opts.kernelSize, NaN, 1, shapes);
  const stride = opts.stride === undefined ? kernelSize : pairOf(op, "stride", opts.stride, 1, 1, shapes);
  const padding = pairOf(op, "padding", opts.padding, 0, 0, shapes);
  if (padding[0] * 2 > kernelSize[0] || padding[1] * 2 > kernelSize[1])
    fail(
      op,
      `padding ${JSON.stringify(padding)} must be at most half the kernel ${JSON.stringify(kernelSize)} (${shapes})`,
    );
  const [, , H, W] = xt.shape;
  if (kernelSize[0] > H + 2 * padding[0] || kernelSize[1] > W + 2 * padding[1])
    fail(
      op,
      `kernel ${kernelSize[0]}x${kernelSize[1]} is larger than the padded input ${H + 2 * padding[0]}x${W + 2 * padding[1]} (input ${fmtShape(xt.shape)})`,
    );
  return { kernelSize, stride, padding };
}

/** Max over each window of x [N, C, H, W]; the gradient goes to the window's first maximum. */
export function maxPool2d(x: TensorLike, opts: Pool2dOptions): Tensor {
  const t = asTensor("maxPool2d", x, "input");
  return apply(maxPoolOp, [t], poolAttrs("maxPool2d", t, opts));
}
/** Mean over each window of x [N, C, H, W] (padding counts as zeros, PyTorch's default). */
export function avgPool2d(x: TensorLike, opts: Pool2dOptions): Tensor {
  const t = asTensor("avgPool2d", x, "input");
  return apply(avgPoolOp, [t], poolAttrs("avgPool2d", t, opts));
}
