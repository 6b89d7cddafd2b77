/**
 * Convolution (NCHW, weight [out, in/groups, kh, kw], PyTorch's cross-correlation) and the two
 * ops its rule needs: the input gradient (a transposed convolution) and the weight gradient.
 * The three are closed under vjp (each one's rule is made of the three), so grad-of-grad works.
 * Forward: im2col per sample and group, then the shared matrix-product kernel.
 *
 * Index rule: a delta over shifted, strided, dilated windows,
 *   dY[n,o,i,j]/dW[o',k,p,q] = delta(o,o') sum_h sum_w delta(h, s i + d p - pad) delta(w, ...) X[n,c,h,w]
 * with c = group(o) * Cg + k. The sums over h and w keep every reference inside the tensor
 * (a padded position simply has no h); the affine-delta solver collapses them.
 */
import type { Attrs, IndexContext, OpDef, RuleContext, Algebra } from "./OpDef";
import type { Tensor } from "../tensor/Tensor";
import { alloc } from "../tensor/storage";
import { gemm } from "../tensor/kernels/gemm";
import { E, type IndexExpr } from "./IndexExpr";
import { rngOf, uniform } from "./samples";

/** Normalised attributes: each a [height, width] pair; groups a positive integer. */
export interface ConvAttrs {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

function convAttrs(a: Attrs): ConvAttrs {
  return a as unknown as ConvAttrs;
}

/** Output length of one spatial axis (PyTorch's formula, floor mode). */
export function convOutSize(n: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
}

interface Geometry {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  Cg: number;
  Og: number;
  kh: number;
  kw: number;
  Ho: number;
  Wo: number;
  G: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
}

function geometry(xShape: readonly number[], wShape: readonly number[], a: ConvAttrs): Geometry {
  const [N, C, H, W] = xShape;
  const [O, Cg, kh, kw] = wShape;
  const [sh, sw] = a.stride,
    [ph, pw] = a.padding,
    [dh, dw] = a.dilation;
  return {
    N,
    C,
    H,
    W,
    O,
    Cg,
    kh,
    kw,
    G: a.groups,
    Og: O / a.groups,
    Ho: convOutSize(H, kh, sh, ph, dh),
    Wo: convOutSize(W, kw, sw, pw, dw),
    sh,
    sw,
    ph,
    pw,
    dh,
    dw,
  };
}

/** cols[K = Cg*kh*kw, L = Ho*Wo] of sample n, group gr (zeros where the window is padding). */
function im2col(x: ArrayLike<number>, g: Geometry, n: number, gr: number, cols: Float64Array): void {
  const { C, H, W, Cg, kh, kw, Ho, Wo, sh, sw, ph, pw, dh, dw } = g;
  let r = 0;
  for (let c = 0; c < Cg; c++) {
    const base = (n * C + gr * Cg + c) * H * W;
    for (let p = 0; p < kh; p++) {
      for (let q = 0; q < kw; q++, r++) {
        const row = r * Ho * Wo;
        for (let i = 0; i < Ho; i++) {
          const h = i * sh + p * dh - ph;
          const o = row + i * Wo;
          if (h < 0 || h >= H) {
            for (let j = 0; j < Wo; j++) cols[o + j] = 0;
            continue;
          }
          const xr = base + h * W;
          for (let j = 0; j < Wo; j++) {
            const w = j * sw + q * dw - pw;
            cols[o + j] = w >= 0 && w < W ? x[xr + w] : 0;
          }
        }
      }
    }
  }
}

/** Adds cols[K, L] back onto the input positions they were read from (im2col's adjoint). */
function col2imAdd(cols: Float64Array, g: Geometry, n: number, gr: number, dx: Float64Array | Float32Array): void {
  const { C, H, W, Cg, kh, kw, Ho, Wo, sh, sw, ph, pw, dh, dw } = g;
  let r = 0;
  for (let c = 0; c < Cg; c++) {
    const base = (n * C + gr * Cg + c) * H * W;
    for (let p = 0; p < kh; p++) {
      for (let q = 0; q < kw; q++, r++) {
        const row = r * Ho * Wo;
        for (let i = 0; i < Ho; i++) {
          const h = i * sh + p * dh - ph;
          if (h < 0 || h >= H) continue;
          const xr = base + h * W,
            o = row + i * Wo;
          for (let j = 0; j < Wo; j++) {
            const w = j * sw + q * dw - pw;
            if (w >= 0 && w < W) dx[xr + w] += cols[o + j];
          }
        }
      }
    }
  }
}

function convForward(x: Tensor, w: Tensor, a: ConvAttrs): Float64Array | Float32Array {
  const g = geometry(x.shape, w.shape, a);
  const K = g.Cg * g.kh * g.kw,
    L = g.Ho * g.Wo;
  const out = alloc(g.N * g.O * L, x.dtype === "float32" && w.dtype === "float32" ? "float32" : "float64");
  const cols = new Float64Array(K * L);
  for (let n = 0; n < g.N; n++) {
    for (let gr = 0; gr < g.G; gr++) {
      im2col(x.data, g, n, gr, cols);
      gemm(w.data, gr * g.Og * K, cols, 0, out, (n * g.O + gr * g.Og) * L, g.Og, K, L);
    }
  }
  return out;
}

/** dX = sum over windows of W^T G (a transposed convolution), shape attrs.xShape. */
function convInputGrad(gy: Tensor, w: Tensor, a: ConvAttrs, xShape: number[]): Float64Array | Float32Array {
  const g = geometry(xShape, w.shape, a);
  const K = g.Cg * g.kh * g.kw,
    L = g.Ho * g.Wo;
  const dx = alloc(
    xShape.reduce((p, d) => p * d, 1),
    gy.dtype,
  );
  const cols = new Float64Array(K * L);
  for (let gr = 0; gr < g.G; gr++) {
    const wo = gr * g.Og * K;
    for (let n = 0; n < g.N; n++) {
      // W^T G with W read transposed by the kernel (no transposed copy)
      gemm(w.data, wo, gy.data, (n * g.O + gr * g.Og) * L, cols, 0, K, g.Og, L, true, false);
      col2imAdd(cols, g, n, gr, dx);
    }
  }
  return dx;
}

/** dW = sum over samples of G cols^T, shape attrs.wShape. */
function convWeightGrad(x: Tensor, gy: Tensor, a: ConvAttrs, wShape: number[]): Float64Array | Float32Array {
  const g = geometry(x.shape, wShape, a);
  const K = g.Cg * g.kh * g.kw,
    L = g.Ho * g.Wo;
  const dw = alloc(g.O * K, gy.dtype);
  const cols = new Float64Array(K * L);
  const part = new Float64Array(g.Og * K);
  for (let gr = 0; gr < g.G; gr++) {
    for (let n = 0; n < g.N; n++) {
      im2col(x.data, g, n, gr, cols);
      // G cols^T with cols read transposed by the kernel (no transposed copy)
      gemm(gy.data, (n * g.O + gr * g.Og) * L, cols, 0, part, 0, g.Og, L, K, false, true);
      const off = gr * g.Og * K;
      for (let t = 0; t < part.length; t++) dw[off + t] += part[t];
    }
  }
  return dw;
}

// ---- index rules (shared by the three ops: each partial of one is a partial of another) ----

/** A fresh index name not among `used` (primes appended), recorded as used. */
function fresh(base: string, used: Set<string>): string {
  let s = base;
  while (used.has(s)) s += "'";
  used.add(s);
  return s;
}
const ix = E.idx;
/** s * i + d * p - pad, the input row an output row i reads through kernel row p. */
function win(i: string, p: string, s: number, d: number, pad: number): IndexExpr {
  return E.add(E.mul(E.num(s), ix(i)), E.mul(E.num(d), ix(p)), E.num(-pad));
}

/**
 * `body(k)` for the weight channel k that input channel c meets at output channel o: with one
 * group k = c; with several, sum over groups gr and channels k of
 * delta(c, gr Cg + k) [gr Og <= o < gr Og + Og] body(k).
 */
function channelMatch(
  c: string,
  o: string,
  g: Geometry,
  used: Set<string>,
  body: (k: IndexExpr) => IndexExpr,
): IndexExpr {
  if (g.G === 1) return body(ix(c));
  const gr = fresh("g", used),
    k = fresh("k", used);
  const inGroup = E.mul(
    E.cmp("ge", ix(o), E.mul(E.num(g.Og), ix(gr))),
    E.cmp("lt", ix(o), E.add(E.mul(E.num(g.Og), ix(gr)), E.num(g.Og))),
  );
  const term = E.mul(E.delta(ix(c), E.add(E.mul(E.num(g.Cg), ix(gr)), ix(k))), inGroup, body(ix(k)));
  return E.sum(gr, g.G, E.sum(k, g.Cg, term));
}

/** d y[n,o,i,j] / d x[n',c,h,w] = delta(n,n') sum_p sum_q W[o,k,p,q] delta(h, win) delta(w, win). */
function partialX(y: string[], x: string[], wArg: number, g: Geometry, used: Set<string>): IndexExpr {
  const [n, o, i, j] = y,
    [n2, c, h, w] = x;
  const p = fresh("p", used),
    q = fresh("q", used);
  const body = channelMatch(c, o, g, used, (k) =>
    E.mul(
      E.inp(wArg, [ix(o), k, ix(p), ix(q)]),
      E.delta(ix(h), win(i, p, g.sh, g.dh, g.ph)),
      E.delta(ix(w), win(j, q, g.sw, g.dw, g.pw)),
    ),
  );
  return E.mul(E.delta(ix(n), ix(n2)), E.sum(p, g.kh, E.sum(q, g.kw, body)));
}

/**
 * d y[n,o,i,j] / d W[o',k,p,q] = delta(o,o') sum_h sum_w delta(h, win) delta(w, win) X[n,c,h,w],
 * c = Cg floor(o / Og) + k. Summed against G, the solver collapses o, h and w: the textbook
 * dL/dW[o,k,p,q] = sum_{n,i,j} G[n,o,i,j] X[n, c, s i + d p - pad, s j + d q - pad] (guarded).
 */
function partialW(y: string[], wt: string[], xArg: number, g: Geometry, used: Set<string>): IndexExpr {
  const [n, o, i, j] = y,
    [o2, k, p, q] = wt;
  const h = fresh("h", used),
    w = fresh("w", used);
  const deltas = E.mul(E.delta(ix(h), win(i, p, g.sh, g.dh, g.ph)), E.delta(ix(w), win(j, q, g.sw, g.dw, g.pw)));
  // The input channel weight channel k of out channel o reads: Cg floor(o / Og) + k (k with one group).
  const group = g.G === 1 ? E.num(0) : g.Og === 1 ? ix(o) : E.fn("floor", E.div(ix(o), E.num(g.Og)));
  const xRef = E.inp(xArg, [ix(n), E.add(E.mul(E.num(g.Cg), group), ix(k)), ix(h), ix(w)]);
  return E.mul(E.delta(ix(o), ix(o2)), E.sum(h, g.H, E.sum(w, g.W, E.mul(deltas, xRef))));
}

/** d (an input-shaped x[n,c,h,w]) / d W[o,k,p,q] through G: sum_i sum_j G[n,o,i,j] [c meets k] deltas. */
function partialCross(x: string[], wt: string[], gArg: number, g: Geometry, used: Set<string>): IndexExpr {
  const [n, c, h, w] = x,
    [o, k, p, q] = wt;
  const i = fresh("i", used),
    j = fresh("j", used);
  const deltas = E.mul(E.delta(ix(h), win(i, p, g.sh, g.dh, g.ph)), E.delta(ix(w), win(j, q, g.sw, g.dw, g.pw)));
  let chan: IndexExpr;
  if (g.G === 1) chan = E.delta(ix(c), ix(k));
  else {
    const gr = fresh("g", used);
    const inGroup = E.mul(
      E.cmp("ge", ix(o), E.mul(E.num(g.Og), ix(gr))),
      E.cmp("lt", ix(o), E.add(E.mul(E.num(g.Og), ix(gr)), E.num(g.Og))),
    );
    chan = E.sum(gr, g.G, E.mul(inGroup, E.delta(ix(c), E.add(E.mul(E.num(g.Cg), ix(gr)), ix(k)))));
  }
  return E.mul(chan, E.sum(i, g.Ho, E.sum(j, g.Wo, E.mul(E.inp(gArg, [ix(n), ix(o), ix(i), ix(j)]), deltas))));
}

function usedOf(c: IndexContext): Set<string> {
  return new Set([...c.J, ...c.I]);
}

const pair = (v: [number, number]): string => (v[0] === v[1] ? String(v[0]) : `(${v[0]},${v[1]})`);
function convLabel(a: ConvAttrs): string {
  const parts: string[] = [];
  if (a.stride[0] !== 1 || a.stride[1] !== 1) parts.push(`s=${pair(a.stride)}`);
  if (a.padding[0] !== 0 || a.padding[1] !== 0) parts.push(`p=${pair(a.padding)}`);
  if (a.dilation[0] !== 1 || a.dilation[1] !== 1) parts.push(`d=${pair(a.dilation)}`);
  if (a.groups !== 1) parts.push(`g=${a.groups}`);
  return parts.join(", ");
}
function showConv(attrs: Attrs): Record<string, string> {
  const a = convAttrs(attrs);
  return {
    stride: JSON.stringify(a.stride),
    padding: JSON.stringify(a.padding),
    dilation: JSON.stringify(a.dilation),
    groups: String(a.groups),
  };
}
const sub = (a: ConvAttrs): string => {
  const l = convLabel(a);
  return l ? `_{${l}}` : "";
};

function attrsOf(
  stride: [number, number],
  padding: [number, number],
  dilation: [number, number],
  groups: number,
): ConvAttrs {
  return { stride, padding, dilation, groups };
}
/** Small cases over stride, padding, dilation and groups; inputs small enough for full Jacobians. */
function convCases(): { x: number[]; w: number[]; a: ConvAttrs }[] {
  return [
    { x: [1, 1, 4, 4], w: [1, 1, 2, 2], a: attrsOf([1, 1], [0, 0], [1, 1], 1) },
    { x: [2, 2, 5, 4], w: [3, 2, 3, 2], a: attrsOf([2, 1], [1, 0], [1, 1], 1) },
    { x: [1, 2, 5, 5], w: [2, 1, 2, 2], a: attrsOf([1, 1], [1, 1], [2, 2], 2) },
    { x: [1, 4, 3, 3], w: [4, 2, 1, 2], a: attrsOf([1, 2], [0, 1], [1, 1], 2) },
  ];
}
function outShape(x: readonly number[], w: readonly number[], a: ConvAttrs): number[] {
  const g = geometry(x, w, a);
  return [g.N, g.O, g.Ho, g.Wo];
}

/** y = conv2d(x, w): y[n,o,i,j] = sum_{k,p,q} W[o,k,p,q] X[n, group(o) Cg + k, s i + d p - pad, s j + d q - pad]. */
export const conv2d: OpDef = {
  name: "conv2d",
  family: "conv",
  smooth: true,
  forward([x, w], attrs) {
    const a = convAttrs(attrs);
    return { data: convForward(x, w, a), shape: outShape(x.shape, w.shape, a) };
  },
  shape: ([x, w], attrs) => outShape(x, w, convAttrs(attrs)),
  vjp<T>(g: T, c: RuleContext<T>, A: Algebra<T>) {
    const [x, w] = c.inputs;
    const needs = c.needs ?? [true, true];
    return [
      needs[0] ? A.call("conv2dInputGrad", [g, w], { ...c.attrs, xShape: c.shapes[0].slice() }) : null,
      needs[1] ? A.call("conv2dWeightGrad", [x, g], { ...c.attrs, wShape: c.shapes[1].slice() }) : null,
    ];
  },
  index(c) {
    const g = geometry(c.shapes[0], c.shapes[1], convAttrs(c.attrs));
    return c.argnum === 0 ? partialX(c.J, c.I, 1, g, usedOf(c)) : partialW(c.J, c.I, 0, g, usedOf(c));
  },
  latex: ([x, w], attrs) => `${x} \\star${sub(convAttrs(attrs))} ${w}`,
  text: ([x, w], attrs) => `conv2d(${x}, ${w}${convLabel(convAttrs(attrs)) ? ", " + convLabel(convAttrs(attrs)) : ""})`,
  showAttrs: showConv,
  samples(seed) {
    const rng = rngOf(seed);
    return convCases().map(({ x, w, a }) => ({
      inputs: [uniform(x, rng), uniform(w, rng)],
      attrs: a as unknown as Attrs,
      label: `x ${JSON.stringify(x)} w ${JSON.stringify(w)} ${convLabel(a)}`,
    }));
  },
};

/** dX of a convolution: conv2dInputGrad(G, W) (a transposed convolution), shape attrs.xShape. */
export const conv2dInputGrad: OpDef = {
  name: "conv2dInputGrad",
  family: "conv",
  smooth: true,
  forward([gy, w], attrs) {
    const xShape = (attrs.xShape as number[]).slice();
    return { data: convInputGrad(gy, w, convAttrs(attrs), xShape), shape: xShape };
  },
  shape: (_s, attrs) => (attrs.xShape as number[]).slice(),
  vjp<T>(h: T, c: RuleContext<T>, A: Algebra<T>) {
    const [gy, w] = c.inputs;
    const { xShape: _x, ...conv } = c.attrs;
    return [
      A.call("conv2d", [h, w], conv),
      A.call("conv2dWeightGrad", [h, gy], { ...conv, wShape: c.shapes[1].slice() }),
    ];
  },
  index(c) {
    const xShape = c.attrs.xShape as number[];
    const g = geometry(xShape, c.shapes[1], convAttrs(c.attrs));
    return c.argnum === 0 ? partialX(c.I, c.J, 1, g, usedOf(c)) : partialCross(c.J, c.I, 0, g, usedOf(c));
  },
  latex: ([gy, w], attrs) => `${gy} \\star^{\\top}${sub(convAttrs(attrs))} ${w}`,
  text: ([gy, w]) => `convTranspose(${gy}, ${w})`,
  showAttrs: showConv,
  samples(seed) {
    const rng = rngOf(seed);
    return convCases().map(({ x, w, a }) => ({
      inputs: [uniform(outShape(x, w, a), rng), uniform(w, rng)],
      attrs: { ...a, xShape: x } as unknown as Attrs,
    }));
  },
};

/** dW of a convolution: conv2dWeightGrad(X, G), shape attrs.wShape. */
export const conv2dWeightGrad: OpDef = {
  name: "conv2dWeightGrad",
  family: "conv",
  smooth: true,
  forward([x, gy], attrs) {
    const wShape = (attrs.wShape as number[]).slice();
    return { data: convWeightGrad(x, gy, convAttrs(attrs), wShape), shape: wShape };
  },
  shape: (_s, attrs) => (attrs.wShape as number[]).slice(),
  vjp<T>(h: T, c: RuleContext<T>, A: Algebra<T>) {
    const [x, gy] = c.inputs;
    const { wShape: _w, ...conv } = c.attrs;
    return [
      A.call("conv2dInputGrad", [gy, h], { ...conv, xShape: c.shapes[0].slice() }),
      A.call("conv2d", [x, h], conv),
    ];
  },
  index(c) {
    const wShape = c.attrs.wShape as number[];
    const g = geometry(c.shapes[0], wShape, convAttrs(c.attrs));
    return c.argnum === 0 ? partialCross(c.I, c.J, 1, g, usedOf(c)) : partialW(c.I, c.J, 0, g, usedOf(c));
  },
  // One subscript holding both marks (\\star_{W,\\,s=2}): two in a row are a TeX error.
  latex: ([x, gy], attrs) => {
    const l = convLabel(convAttrs(attrs));
    return `${x} \\star_{W${l ? `,\\,${l}` : ""}} ${gy}`;
  },
  text: ([x, gy]) => `convWeightGrad(${x}, ${gy})`,
  showAttrs: showConv,
  samples(seed) {
    const rng = rngOf(seed);
    return convCases().map(({ x, w, a }) => ({
      inputs: [uniform(x, rng), uniform(outShape(x, w, a), rng)],
      attrs: { ...a, wShape: w } as unknown as Attrs,
    }));
  },
};

export const convOps: OpDef[] = [conv2d, conv2dInputGrad, conv2dWeightGrad];
