// Layers of the deep-learning curriculum (PyTorch's names, argument order and parameter names
// where the library's conventions allow); each runs inside a scope named after the layer.
import { fail } from "../errors";
import { Tensor, type TensorLike } from "../tensor/Tensor";
import { ones, randn, zeros } from "../tensor/creation";
import { describe } from "../tensor/shape";
import { withScope } from "../ops/mode";
import * as F from "../ops/functions";
import { conv2d, maxPool2d, avgPool2d, type Pool2dOptions } from "../ops/convFunctions";
import { layerNorm, batchNorm, dropout, embedding, attentionWeights, type AttentionOptions } from "../ops/nnFunctions";
import { Module } from "./Module";
import { Linear } from "./Linear";

function positive(op: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1)
    fail(op, `${name} must be a positive integer, got ${describe(v)}`);
  return v;
}
/** He-scaled normal weights (sqrt(2 / fan_in)), seeded when asked. */
function heWeights(shape: number[], fanIn: number, seed: number | undefined, name: string): Tensor {
  const w = randn(shape, { seed });
  const s = Math.sqrt(2 / fanIn);
  for (let i = 0; i < w.data.length; i++) w.data[i] *= s;
  w.requiresGrad = true;
  return w.named(name);
}

export interface Conv2dLayerOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  dilation?: number | [number, number];
  groups?: number;
  bias?: boolean;
  seed?: number;
  name?: string;
}

/** 2-D convolution layer: weight [out, in/groups, kh, kw], bias [out]. */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly name: string;
  readonly opts: Conv2dLayerOptions;
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | [number, number],
    opts: Conv2dLayerOptions = {},
  ) {
    super();
    positive("Conv2d", "inChannels", inChannels);
    positive("Conv2d", "outChannels", outChannels);
    const [kh, kw] = typeof kernelSize === "number" ? [kernelSize, kernelSize] : kernelSize;
    positive("Conv2d", "kernelSize", kh);
    positive("Conv2d", "kernelSize", kw);
    const groups = positive("Conv2d", "groups", opts.groups ?? 1);
    if (inChannels % groups !== 0 || outChannels % groups !== 0)
      fail("Conv2d", `inChannels ${inChannels} and outChannels ${outChannels} must both divide into ${groups} groups`);
    this.name = opts.name ?? "conv";
    this.opts = opts;
    this.weight = heWeights(
      [outChannels, inChannels / groups, kh, kw],
      (inChannels / groups) * kh * kw,
      opts.seed,
      `${this.name}.weight`,
    );
    this.bias = opts.bias === false ? null : zeros([outChannels], { requiresGrad: true, name: `${this.name}.bias` });
  }
  forward(x: Tensor): Tensor {
    const { stride, padding, dilation, groups } = this.opts;
    return withScope(`Conv2d ${this.name}`, () =>
      conv2d(x, this.weight, this.bias, { stride, padding, dilation, groups }),
    );
  }
  override ownParameters(): [string, Tensor][] {
    return this.bias
      ? [
          ["weight", this.weight],
          ["bias", this.bias],
        ]
      : [["weight", this.weight]];
  }
}

export class MaxPool2d extends Module {
  constructor(
    readonly kernelSize: number | [number, number],
    readonly opts: Omit<Pool2dOptions, "kernelSize"> = {},
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, { ...this.opts, kernelSize: this.kernelSize });
  }
}
export class AvgPool2d extends Module {
  constructor(
    readonly kernelSize: number | [number, number],
    readonly opts: Omit<Pool2dOptions, "kernelSize"> = {},
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, { ...this.opts, kernelSize: this.kernelSize });
  }
}

/** Layer normalization over the trailing normalizedShape, with weight (ones) and bias (zeros). */
export class LayerNorm extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly normalizedShape: number[];
  constructor(
    normalizedShape: number | number[],
    readonly opts: { eps?: number; elementwiseAffine?: boolean; name?: string } = {},
  ) {
    super();
    this.normalizedShape = typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape.slice();
    this.normalizedShape.forEach((d) => positive("LayerNorm", "normalizedShape", d));
    const name = opts.name ?? "ln";
    const affine = opts.elementwiseAffine ?? true;
    this.weight = affine ? ones(this.normalizedShape, { requiresGrad: true, name: `${name}.weight` }) : null;
    this.bias = affine ? zeros(this.normalizedShape, { requiresGrad: true, name: `${name}.bias` }) : null;
  }
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.opts.eps });
  }
  override ownParameters(): [string, Tensor][] {
    return this.weight && this.bias
      ? [
          ["weight", this.weight],
          ["bias", this.bias],
        ]
      : [];
  }
}

abstract class BatchNormBase extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  /** Running statistics (buffers, not parameters): updated in training, used in eval. */
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly momentum: number;
  readonly eps: number;
  protected abstract readonly ranks: number[];
  constructor(
    readonly numFeatures: number,
    opts: { momentum?: number; eps?: number; name?: string } = {},
  ) {
    super();
    positive("BatchNorm", "numFeatures", numFeatures);
    const name = opts.name ?? "bn";
    this.momentum = opts.momentum ?? 0.1;
    this.eps = opts.eps ?? 1e-5;
    this.weight = ones([numFeatures], { requiresGrad: true, name: `${name}.weight` });
    this.bias = zeros([numFeatures], { requiresGrad: true, name: `${name}.bias` });
    this.runningMean = zeros([numFeatures], { name: `${name}.runningMean` });
    this.runningVar = ones([numFeatures], { name: `${name}.runningVar` });
  }
  forward(x: Tensor): Tensor {
    if (!this.ranks.includes(x.rank))
      fail(
        this.constructor.name,
        `expected input of rank ${this.ranks.join(" or ")}, got shape [${x.shape.join(",")}]`,
      );
    return batchNorm(x, {
      runningMean: this.runningMean,
      runningVar: this.runningVar,
      weight: this.weight,
      bias: this.bias,
      training: this.training,
      momentum: this.momentum,
      eps: this.eps,
    });
  }
  override ownParameters(): [string, Tensor][] {
    return [
      ["weight", this.weight],
      ["bias", this.bias],
    ];
  }
}
/** Batch norm over [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNormBase {
  protected readonly ranks = [2, 3];
}
/** Batch norm over [N, C, H, W]. */
export class BatchNorm2d extends BatchNormBase {
  protected readonly ranks = [4];
}

/** Dropout with probability p in training mode; identity in eval mode. Seeded per call when seeded. */
export class Dropout extends Module {
  private calls = 0;
  constructor(
    readonly p = 0.5,
    readonly opts: { seed?: number } = {},
  ) {
    super();
    if (typeof p !== "number" || !(p >= 0 && p < 1)) fail("Dropout", `p must be in [0, 1), got ${describe(p)}`);
  }
  forward(x: Tensor): Tensor {
    const seed = this.opts.seed === undefined ? undefined : this.opts.seed + this.calls++;
    return dropout(x, this.p, { training: this.training, seed });
  }
}

/** A table of numEmbeddings vectors of size dim; forward(indices) picks rows. */
export class Embedding extends Module {
  readonly weight: Tensor;
  constructor(numEmbeddings: number, dim: number, opts: { seed?: number; name?: string } = {}) {
    super();
    positive("Embedding", "numEmbeddings", numEmbeddings);
    positive("Embedding", "dim", dim);
    this.weight = randn([numEmbeddings, dim], {
      seed: opts.seed,
      requiresGrad: true,
      name: `${opts.name ?? "emb"}.weight`,
    });
  }
  forward(indices: Tensor): Tensor {
    return embedding(indices, this.weight);
  }
  override ownParameters(): [string, Tensor][] {
    return [["weight", this.weight]];
  }
}

/** Modules applied in order; parameters are named "0.weight", "1.bias", ... as in PyTorch. */
export class Sequential extends Module {
  readonly layers: Module[];
  constructor(...layers: Module[]) {
    super();
    layers.forEach((l, i) => {
      if (!(l instanceof Module)) fail("Sequential", `argument ${i} is not a module: ${describe(l)}`);
    });
    this.layers = layers;
  }
  forward(x: Tensor): Tensor {
    return this.layers.reduce((h, l) => l.call(h), x);
  }
  override children(): [string, Module][] {
    return this.layers.map((l, i) => [String(i), l]);
  }
}

/** relu as a layer (for Sequential). */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return F.relu(x);
  }
}

/** Flattens every axis from startDim on (default 1: keeps the batch axis). */
export class Flatten extends Module {
  constructor(readonly startDim = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    const s = x.shape.slice(0, this.startDim);
    return F.reshape(x, [...s, -1]);
  }
}

/**
 * Multi-head self/cross attention over [N, L, E] (batch first). One projection W [E, 3E] makes
 * q, k, v; heads are split by reshape to [N, heads, L, E / heads]; an output Linear joins them.
 * `lastWeights` keeps the last attention weights [N, heads, Lq, Lk] for views.
 */
export class MultiheadAttention extends Module {
  readonly inProjW: Tensor;
  readonly inProjB: Tensor;
  readonly outProj: Linear;
  readonly headDim: number;
  lastWeights: Tensor | null = null;
  constructor(
    readonly embedDim: number,
    readonly numHeads: number,
    opts: { seed?: number; name?: string } = {},
  ) {
    super();
    positive("MultiheadAttention", "embedDim", embedDim);
    positive("MultiheadAttention", "numHeads", numHeads);
    if (embedDim % numHeads !== 0)
      fail("MultiheadAttention", `embedDim ${embedDim} must divide into ${numHeads} heads`);
    this.headDim = embedDim / numHeads;
    const name = opts.name ?? "attn";
    this.inProjW = heWeights([embedDim, 3 * embedDim], embedDim, opts.seed, `${name}.inProjW`);
    for (let i = 0; i < this.inProjW.data.length; i++) this.inProjW.data[i] *= Math.SQRT1_2;
    this.inProjB = zeros([3 * embedDim], { requiresGrad: true, name: `${name}.inProjB` });
    this.outProj = new Linear(embedDim, embedDim, {
      seed: opts.seed === undefined ? undefined : opts.seed + 1,
      name: `${name}.outProj`,
      init: "xavier",
    });
  }
  forward(x: Tensor): Tensor {
    return this.attend(x, x, x);
  }
  /** Attention of queries q [N, Lq, E] over keys k and values v [N, Lk, E]. */
  attend(q: TensorLike, k: TensorLike, v: TensorLike, opts: AttentionOptions = {}): Tensor {
    const E = this.embedDim,
      H = this.numHeads,
      dh = this.headDim;
    const tq = F.asTensor("MultiheadAttention", q, "query"),
      tk = F.asTensor("MultiheadAttention", k, "key"),
      tv = F.asTensor("MultiheadAttention", v, "value");
    for (const [t, n] of [
      [tq, "query"],
      [tk, "key"],
      [tv, "value"],
    ] as const)
      if (t.rank !== 3 || t.shape[2] !== E)
        fail("MultiheadAttention", `${n} must be [N, L, ${E}], got [${t.shape.join(",")}]`);
    return withScope("MultiheadAttention", () => {
      const proj = (t: Tensor, part: number) => {
        const W = F.slice(this.inProjW, [0, part * E], [E, E]);
        const b = F.slice(this.inProjB, [part * E], [E]);
        const y = F.add(F.matmul(t, W), b);
        return F.transpose(F.reshape(y, [t.shape[0], t.shape[1], H, dh]), [0, 2, 1, 3]);
      };
      const Q = proj(tq, 0),
        K = proj(tk, 1),
        V = proj(tv, 2);
      const A = attentionWeights(Q, K, opts);
      this.lastWeights = A;
      const heads = F.matmul(A, V);
      const joined = F.reshape(F.transpose(heads, [0, 2, 1, 3]), [tq.shape[0], tq.shape[1], E]);
      return this.outProj.call(joined);
    });
  }
  override ownParameters(): [string, Tensor][] {
    return [
      ["inProjW", this.inProjW],
      ["inProjB", this.inProjB],
    ];
  }
  override children(): [string, Module][] {
    return [["outProj", this.outProj]];
  }
}
