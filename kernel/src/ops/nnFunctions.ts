/**
 * Neural-network composites: layerNorm, batchNorm, dropout, embedding and scaled dot-product
 * attention, each built from registry ops inside a named scope (graph views fold it into one
 * box, the chain-rule expansion opens it). Arguments are checked first, as everywhere.
 */
import { fail, fmtShape } from "../errors";
import { Tensor, type TensorLike } from "../tensor/Tensor";
import { describe, sameShape } from "../tensor/shape";
import { rngFor } from "../tensor/random";
import { withScope, noGrad } from "./mode";
import * as F from "./functions";

const asT = F.asTensor;

function epsOf(op: string, eps: unknown): number {
  if (eps === undefined) return 1e-5;
  if (typeof eps !== "number" || !(eps >= 0) || !Number.isFinite(eps))
    fail(op, `eps must be a finite number >= 0, got ${describe(eps)}`);
  return eps;
}

export interface LayerNormOptions {
  weight?: TensorLike | null;
  bias?: TensorLike | null;
  eps?: number;
}

/**
 * Normalises over the trailing axes `normalizedShape` (mean 0, biased variance 1), then scales
 * by weight and shifts by bias (both of shape normalizedShape), as PyTorch's layer_norm.
 * @example layerNorm(h, [16], { weight: g, bias: b })
 */
export function layerNorm(x: TensorLike, normalizedShape: number | number[], opts: LayerNormOptions = {}): Tensor {
  const op = "layerNorm";
  const t = asT(op, x, "input");
  const ns = typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape;
  if (
    !Array.isArray(ns) ||
    ns.length === 0 ||
    ns.length > t.rank ||
    ns.some((d, i) => d !== t.shape[t.rank - ns.length + i])
  )
    fail(
      op,
      `normalizedShape ${describe(normalizedShape)} must equal the trailing axes of the input ${fmtShape(t.shape)}`,
    );
  const eps = epsOf(op, opts.eps);
  const affine = (v: TensorLike | null | undefined, name: string): Tensor | null => {
    if (v === undefined || v === null) return null;
    const a = asT(op, v, name, t);
    if (!sameShape(a.shape, ns))
      fail(op, `${name} must have shape ${fmtShape(ns)} (normalizedShape), got ${fmtShape(a.shape)}`);
    return a;
  };
  const w = affine(opts.weight, "weight"),
    b = affine(opts.bias, "bias");
  const axes = ns.map((_, i) => t.rank - ns.length + i);
  return withScope(op, () => {
    const xc = F.sub(t, F.mean(t, axes, true));
    const variance = F.mean(F.square(xc), axes, true);
    let y = F.div(xc, F.sqrt(F.add(variance, eps)));
    if (w) y = F.mul(y, w);
    if (b) y = F.add(y, b);
    return y;
  });
}

export interface BatchNormOptions {
  /** Running statistics [C], updated in place in training mode; used in eval mode. */
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  weight?: TensorLike | null;
  bias?: TensorLike | null;
  /** Batch statistics (true) or running statistics (false, the default as PyTorch's functional form). */
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/**
 * Batch normalization of x [N, C, ...] per channel C: in training, with the batch's mean and
 * biased variance (running statistics move by `momentum` towards the batch's mean and unbiased
 * variance, as PyTorch); in eval, with the running statistics.
 */
export function batchNorm(x: TensorLike, opts: BatchNormOptions = {}): Tensor {
  const op = "batchNorm";
  const t = asT(op, x, "input");
  if (typeof opts !== "object" || opts === null) fail(op, `options must be an object, got ${describe(opts)}`);
  if (t.rank < 2) fail(op, `input must be [N, C, ...], got shape ${fmtShape(t.shape)}`);
  const C = t.shape[1];
  const training = opts.training ?? false;
  if (typeof training !== "boolean") fail(op, `training must be true or false, got ${describe(opts.training)}`);
  const momentum = opts.momentum ?? 0.1;
  if (typeof momentum !== "number" || !(momentum >= 0 && momentum <= 1))
    fail(op, `momentum must be in [0, 1], got ${describe(opts.momentum)}`);
  const eps = epsOf(op, opts.eps);
  const perChannel = (v: TensorLike | null | undefined, name: string): Tensor | null => {
    if (v === undefined || v === null) return null;
    const a = asT(op, v, name, t);
    if (a.rank !== 1 || a.shape[0] !== C)
      fail(op, `${name} must be [${C}] (one per channel of input ${fmtShape(t.shape)}), got ${fmtShape(a.shape)}`);
    return a;
  };
  const rm = perChannel(opts.runningMean, "runningMean"),
    rv = perChannel(opts.runningVar, "runningVar");
  const w = perChannel(opts.weight, "weight"),
    b = perChannel(opts.bias, "bias");
  if (!training && (!rm || !rv)) fail(op, "eval mode (training: false) needs runningMean and runningVar");
  const axes = t.shape.map((_, a) => a).filter((a) => a !== 1);
  const m = axes.reduce((p, a) => p * t.shape[a], 1);
  if (training && m < 2) fail(op, `training needs more than one value per channel, got input ${fmtShape(t.shape)}`);
  const bshape = t.shape.map((d, a) => (a === 1 ? d : 1));
  return withScope(op, () => {
    let y: Tensor;
    if (training) {
      const mu = F.mean(t, axes, true);
      const xc = F.sub(t, mu);
      const variance = F.mean(F.square(xc), axes, true);
      y = F.div(xc, F.sqrt(F.add(variance, eps)));
      noGrad(() => {
        if (rm) for (let c = 0; c < C; c++) rm.data[c] = (1 - momentum) * rm.data[c] + momentum * mu.data[c];
        if (rv)
          for (let c = 0; c < C; c++)
            rv.data[c] = (1 - momentum) * rv.data[c] + momentum * variance.data[c] * (m / (m - 1));
      });
    } else {
      y = F.div(F.sub(t, F.reshape(rm!, bshape)), F.sqrt(F.add(F.reshape(rv!, bshape), eps)));
    }
    if (w) y = F.mul(y, F.reshape(w, bshape));
    if (b) y = F.add(y, F.reshape(b, bshape));
    // The running statistics as this call left them (training) or used them (eval), for the
    // graph node's card: a copy, so a later step does not change what this graph shows.
    if (y.node && rm && rv)
      y.node.buffers = {
        [rm.name ?? "runningMean"]: new Tensor(rm.data.slice(), [C]),
        [rv.name ?? "runningVar"]: new Tensor(rv.data.slice(), [C]),
      };
    return y;
  });
}

/**
 * Inverted dropout: in training, zeroes each entry with probability p and scales the rest by
 * 1 / (1 - p); in eval (training: false), the identity. `seed` makes the mask reproducible.
 */
export function dropout(x: TensorLike, p = 0.5, opts: { training?: boolean; seed?: number } = {}): Tensor {
  const op = "dropout";
  const t = asT(op, x, "input");
  if (typeof p !== "number" || !(p >= 0 && p < 1))
    fail(op, `p must be in [0, 1), got ${describe(p)} (input ${fmtShape(t.shape)})`);
  const training = opts.training ?? true;
  if (typeof training !== "boolean") fail(op, `training must be true or false, got ${describe(opts.training)}`);
  if (opts.seed !== undefined && !Number.isInteger(opts.seed))
    fail(op, `seed must be an integer, got ${describe(opts.seed)}`);
  if (!training || p === 0) return t;
  const rng = rngFor(opts.seed);
  const mask = new Float64Array(t.size);
  const keep = 1 / (1 - p);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.uniform() >= p ? keep : 0;
  return withScope(op, () => F.mul(t, new Tensor(mask, t.shape.slice()).named("mask")));
}

/**
 * Rows of weight [V, D] picked by integer indices of any shape: the result is
 * [...indices.shape, D]. The gradient adds into the picked rows (scatter-add).
 */
export function embedding(indices: TensorLike, weight: TensorLike): Tensor {
  const op = "embedding";
  const idx = asT(op, indices, "indices");
  const w = asT(op, weight, "weight");
  if (w.rank !== 2) fail(op, `weight must be [num_embeddings, dim], got ${fmtShape(w.shape)}`);
  const [V, D] = w.shape;
  for (let i = 0; i < idx.size; i++) {
    const v = idx.data[i];
    if (!Number.isInteger(v) || v < 0 || v >= V)
      fail(
        op,
        `index ${v} at position ${i} of indices ${fmtShape(idx.shape)} is out of range [0, ${V}) for weight ${fmtShape(w.shape)}`,
      );
  }
  const n = idx.size;
  const rows = new Float64Array(n * D);
  for (let i = 0; i < n; i++) rows.fill(idx.data[i], i * D, (i + 1) * D);
  return withScope(op, () => F.reshape(F.gather(w, new Tensor(rows, [n, D]), 0), [...idx.shape, D]));
}

export interface AttentionOptions {
  /** 1 (or true) where a query may attend to a key, 0 where not; broadcasts to [..., Lq, Lk]. */
  mask?: TensorLike | null;
  /** Each query attends only to keys at its position or before. */
  causal?: boolean;
  /** Default 1 / sqrt(d). */
  scale?: number;
}

/** softmax(q k^T * scale + masking) over keys: the attention weights [..., Lq, Lk]. */
export function attentionWeights(q: TensorLike, k: TensorLike, opts: AttentionOptions = {}): Tensor {
  const op = "attention";
  const tq = asT(op, q, "query"),
    tk = asT(op, k, "key", tq);
  if (tq.rank < 2 || tk.rank < 2 || tq.shape[tq.rank - 1] !== tk.shape[tk.rank - 1])
    fail(
      op,
      `query [..., Lq, d] and key [..., Lk, d] must share d, got ${fmtShape(tq.shape)} and ${fmtShape(tk.shape)}`,
    );
  const d = tq.shape[tq.rank - 1];
  const Lq = tq.shape[tq.rank - 2],
    Lk = tk.shape[tk.rank - 2];
  const scale = opts.scale ?? 1 / Math.sqrt(d);
  let keep: Tensor | null = null;
  if (opts.mask !== undefined && opts.mask !== null) {
    const mk = asT(op, opts.mask, "mask");
    if (mk.rank < 2 || mk.shape[mk.rank - 1] !== Lk || mk.shape[mk.rank - 2] !== Lq)
      fail(op, `mask must end in [Lq, Lk] = [${Lq}, ${Lk}], got ${fmtShape(mk.shape)}`);
    keep = mk;
  }
  if (opts.causal) {
    const c = new Float64Array(Lq * Lk);
    for (let i = 0; i < Lq; i++) for (let j = 0; j < Lk; j++) c[i * Lk + j] = j <= i ? 1 : 0;
    const ct = new Tensor(c, [Lq, Lk]);
    keep = keep ? F.mul(F.greater(keep, 0), ct) : ct;
  }
  const kt = keep;
  return withScope(op, () => {
    let s = F.mul(F.matmul(tq, F.mT(tk)), scale);
    if (kt) s = F.where(kt, s, -Infinity);
    return F.softmax(s, -1);
  });
}

/**
 * softmax(q k^T / sqrt(d)) v, PyTorch's scaled_dot_product_attention (without dropout).
 * @example scaledDotProductAttention(q, k, v, { causal: true })
 */
export function scaledDotProductAttention(
  q: TensorLike,
  k: TensorLike,
  v: TensorLike,
  opts: AttentionOptions = {},
): Tensor {
  const tv = asT("scaledDotProductAttention", v, "value");
  const tk = asT("scaledDotProductAttention", k, "key");
  if (tv.rank < 2 || tv.shape[tv.rank - 2] !== tk.shape[tk.rank - 2])
    fail(
      "scaledDotProductAttention",
      `value [..., Lk, dv] must have as many rows as key ${fmtShape(tk.shape)}, got ${fmtShape(tv.shape)}`,
    );
  return withScope("scaledDotProductAttention", () => F.matmul(attentionWeights(q, tk, opts), tv));
}
