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

function pairOf(op: string, name: string, v: unknown, def: number, min: number): [number, number] {
  const val = v === undefined ? def : v;
  const arr = typeof val === "number" ? [val, val] : val;
  if (
    !Array.isArray(arr) ||
    arr.length !== 2 ||
    arr.some((x) => typeof x !== "number" || !Number.isInteger(x) || x < min)
  )
    fail(op, `${name} must be an integer >= ${min} or a pair of them, got ${describe(v)}`);
  return [arr[0], arr[1]];
}

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
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
  if (typeof opts !== "object" || opts === null)
    fail(op, `options must be { stride, padding, dilation, groups }, got ${describe(opts)}`);
  if (tx.rank !== 4) fail(op, `input must be [N, C, H, W], got shape ${fmtShape(tx.shape)}`);
  if (tw.rank !== 4) fail(op, `weight must be [out, in/groups, kh, kw], got shape ${fmtShape(tw.shape)}`);
  const stride = pairOf(op, "stride", opts.stride, 1, 1);
  const padding = pairOf(op, "padding", opts.padding, 0, 0);
  const dilation = pairOf(op, "dilation", opts.dilation, 1, 1);
  const groups = opts.groups ?? 1;
  if (typeof groups !== "number" || !Number.isInteger(groups) || groups < 1)
    fail(op, `groups must be a positive integer, got ${describe(opts.groups)}`);
  const [N, C, H, W] = tx.shape;
  const [O, Cg, kh, kw] = tw.shape;
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
  const effH = dilation[0] * (kh - 1) + 1,
    effW = dilation[1] * (kw - 1) + 1;
  if (effH > H + 2 * padding[0] || effW > W + 2 * padding[1])
    fail(
      op,
      `kernel ${kh}x${kw} (dilated to ${effH}x${effW}) is larger than the padded input ${H + 2 * padding[0]}x${W + 2 * padding[1]} (input ${fmtShape(tx.shape)}, padding ${JSON.stringify(padding)})`,
    );
  const Ho = convOutSize(H, kh, stride[0], padding[0], dilation[0]),
    Wo = convOutSize(W, kw, stride[1], padding[1], dilation[1]);
  checkShape(op, [N, O, Ho, Wo]);
  let tb: Tensor | null = null;
  if (bias !== undefined && bias !== null) {
    tb = asTensor(op, bias, "bias", tx);
    if (tb.rank !== 1 || tb.shape[0] !== O)
      fail(op, `bias must be [${O}] (one per out channel of weight ${fmtShape(tw.shape)}), got ${fmtShape(tb.shape)}`);
  }
  const attrs = { stride, padding, dilation, groups };
  if (!tb) return apply(conv2dOp, [tx, tw], attrs);
  const b = tb;
  return withScope(op, () => add(apply(conv2dOp, [tx, tw], attrs), reshape(b, [1, O, 1, 1])));
}

export interface Conv1dOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
}

/** 1-D convolution of x [N, C, L] with w [O, C/groups, k] and an optional bias [O]. */
export function conv1d(x: TensorLike, w: TensorLike, bias?: TensorLike | null, opts: Conv1dOptions = {}): Tensor {
  const tx = asTensor("conv1d", x, "input");
  const tw = asTensor("conv1d", w, "weight", tx);
  if (tx.rank !== 3) fail("conv1d", `input must be [N, C, L], got shape ${fmtShape(tx.shape)}`);
  if (tw.rank !== 3) fail("conv1d", `weight must be [out, in/groups, k], got shape ${fmtShape(tw.shape)}`);
  for (const k of ["stride", "padding", "dilation"] as const)
    if (opts[k] !== undefined && typeof opts[k] !== "number")
      fail("conv1d", `${k} must be an integer, got ${describe(opts[k])}`);
  return withScope("conv1d", () => {
    const y = conv2d(
      reshape(tx, [tx.shape[0], tx.shape[1], 1, tx.shape[2]]),
      reshape(tw, [tw.shape[0], tw.shape[1], 1, tw.shape[2]]),
      bias,
      {
        stride: [1, opts.stride ?? 1],
        padding: [0, opts.padding ?? 0],
        dilation: [1, opts.dilation ?? 1],
        groups: opts.groups,
      },
    );
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
  const kernelSize = pairOf(op, "kernelSize", opts.kernelSize, NaN, 1);
  const stride = opts.stride === undefined ? kernelSize : pairOf(op, "stride", opts.stride, 1, 1);
  const padding = pairOf(op, "padding", opts.padding, 0, 0);
  if (padding[0] * 2 > kernelSize[0] || padding[1] * 2 > kernelSize[1])
    fail(op, `padding ${JSON.stringify(padding)} must be at most half the kernel ${JSON.stringify(kernelSize)}`);
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
