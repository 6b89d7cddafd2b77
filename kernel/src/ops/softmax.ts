/**
 * Normalisations along one axis (attrs.axis normalised): softmax, logSoftmax and logSumExp,
 * each computed stably (max subtracted) and differentiated as a whole, so the chain-rule
 * display shows the classic y_j (delta_ij - y_i) instead of a dozen primitive steps.
 */
import type { OpDef, IndexContext } from "./OpDef";
import type { Tensor } from "../tensor/Tensor";
import { alloc } from "../tensor/storage";
import { E, type IndexExpr } from "./IndexExpr";
import { UNARY_SHAPES, rngOf, uniform } from "./samples";

function layout(shape: readonly number[], axis: number) {
  let outer = 1;
  for (let a = 0; a < axis; a++) outer *= shape[a];
  let inner = 1;
  for (let a = axis + 1; a < shape.length; a++) inner *= shape[a];
  return { outer, n: shape[axis], inner };
}

/** Per row along `axis`: writes the row's max and log-sum-exp to `m` and `lse` (row-indexed). */
function rowStats(x: Tensor, axis: number) {
  const { outer, n, inner } = layout(x.shape, axis);
  const d = x.data;
  const rows = outer * inner;
  const lse = new Float64Array(rows);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      const base = o * n * inner + k;
      let m = -Infinity;
      for (let i = 0; i < n; i++) if (d[base + i * inner] > m) m = d[base + i * inner];
      let s = 0;
      if (m === -Infinity || m === Infinity || m !== m) {
        lse[o * inner + k] = m;
        continue;
      }
      for (let i = 0; i < n; i++) s += Math.exp(d[base + i * inner] - m);
      lse[o * inner + k] = m + Math.log(s);
    }
  }
  return { outer, n, inner, lse };
}

/** x - logsumexp(x) along `axis`: logSoftmax itself, and softmax once exponentiated. */
function logSoftmaxData(x: Tensor, axis: number): Float64Array | Float32Array {
  const { outer, n, inner, lse } = rowStats(x, axis);
  const out = alloc(x.size, x.dtype);
  for (let o = 0; o < outer; o++)
    for (let k = 0; k < inner; k++)
      for (let i = 0, p = o * n * inner + k; i < n; i++, p += inner) out[p] = x.data[p] - lse[o * inner + k];
  return out;
}

function rankSamples(seed: number) {
  const rng = rngOf(seed);
  const out = [];
  for (const shape of UNARY_SHAPES) {
    if (shape.length === 0) continue;
    out.push({
      inputs: [uniform(shape, rng)],
      attrs: { axis: shape.length - 1 },
      label: `${JSON.stringify(shape)} axis -1`,
    });
    if (shape.length > 1)
      out.push({ inputs: [uniform(shape, rng)], attrs: { axis: 0 }, label: `${JSON.stringify(shape)} axis 0` });
  }
  return out;
}

/** Deltas on every axis but the normalised one. */
function otherDeltas(c: IndexContext, axis: number): IndexExpr {
  return E.mul(...c.I.flatMap((i, a) => (a === axis ? [] : [E.delta(E.idx(c.J[a]), E.idx(i))])));
}
/** The output with the normalised axis's index replaced by the input's. */
function outAtInputAxis(c: IndexContext, axis: number): IndexExpr {
  return E.out(c.J.map((j, a) => E.idx(a === axis ? c.I[a] : j)));
}

export const softmax: OpDef = {
  name: "softmax",
  family: "softmax",
  smooth: true,
  forward([x], attrs) {
    const out = logSoftmaxData(x, attrs.axis as number);
    for (let p = 0; p < out.length; p++) out[p] = Math.exp(out[p]);
    return { data: out, shape: x.shape.slice() };
  },
  vjp: (g, c, A) => {
    const y = c.out;
    return [A.mul(y, A.sub(g, A.sum(A.mul(g, y), [c.attrs.axis as number], true)))];
  },
  index: (c) => {
    const ax = c.attrs.axis as number;
    return E.mul(
      otherDeltas(c, ax),
      E.out(c.J.map((j) => E.idx(j))),
      E.sub(E.delta(E.idx(c.J[ax]), E.idx(c.I[ax])), outAtInputAxis(c, ax)),
    );
  },
  latex: ([a], attrs) => `\\operatorname{softmax}_{${attrs.axis}}(${a})`,
  text: ([a], attrs) => `softmax_${attrs.axis}(${a})`,
  showAttrs: (attrs) => ({ axis: String(attrs.axis) }),
  samples: rankSamples,
};

export const logSoftmax: OpDef = {
  name: "logSoftmax",
  family: "softmax",
  smooth: true,
  forward([x], attrs) {
    return { data: logSoftmaxData(x, attrs.axis as number), shape: x.shape.slice() };
  },
  vjp: (g, c, A) => [A.sub(g, A.mul(A.exp(c.out), A.sum(g, [c.attrs.axis as number], true)))],
  index: (c) => {
    const ax = c.attrs.axis as number;
    return E.mul(
      otherDeltas(c, ax),
      E.sub(E.delta(E.idx(c.J[ax]), E.idx(c.I[ax])), E.fn("exp", outAtInputAxis(c, ax))),
    );
  },
  latex: ([a], attrs) => `\\log\\operatorname{softmax}_{${attrs.axis}}(${a})`,
  text: ([a], attrs) => `logSoftmax_${attrs.axis}(${a})`,
  showAttrs: (attrs) => ({ axis: String(attrs.axis) }),
  samples: rankSamples,
};

export const logSumExp: OpDef = {
  name: "logSumExp",
  family: "softmax",
  smooth: true,
  forward([x], attrs) {
    const axis = attrs.axis as number;
    const { lse } = rowStats(x, axis);
    const shape = attrs.keepDims ? x.shape.map((d, a) => (a === axis ? 1 : d)) : x.shape.filter((_, a) => a !== axis);
    const out = alloc(lse.length, x.dtype);
    out.set(lse);
    return { data: out, shape };
  },
  vjp: (g, c, A) => {
    const ax = c.attrs.axis as number;
    const kept = c.shapes[0].map((d, a) => (a === ax ? 1 : d));
    const gk = c.attrs.keepDims ? g : A.reshape(g, kept);
    const yk = c.attrs.keepDims ? c.out : A.reshape(c.out, kept);
    return [A.mul(gk, A.exp(A.sub(c.inputs[0], yk)))];
  },
  index: (c) => {
    const ax = c.attrs.axis as number;
    const keep = c.attrs.keepDims as boolean;
    const ds: IndexExpr[] = [];
    let j = 0;
    for (let a = 0; a < c.I.length; a++) {
      if (a === ax) {
        if (keep) j++;
        continue;
      }
      ds.push(E.delta(E.idx(c.J[j++]), E.idx(c.I[a])));
    }
    return E.mul(
      ...ds,
      E.fn(
        "exp",
        E.sub(
          E.inp(
            0,
            c.I.map((i) => E.idx(i)),
          ),
          E.out(c.J.map((jj) => E.idx(jj))),
        ),
      ),
    );
  },
  latex: ([a], attrs) => `\\operatorname{logsumexp}_{${attrs.axis}}(${a})`,
  text: ([a], attrs) => `logSumExp_${attrs.axis}(${a})`,
  showAttrs: (attrs) => ({ axis: String(attrs.axis), keepDims: String(attrs.keepDims) }),
  samples: (seed) =>
    rankSamples(seed).flatMap((s) => [
      { ...s, attrs: { ...s.attrs, keepDims: false } },
      { ...s, attrs: { ...s.attrs, keepDims: true } },
    ]),
};

export const softmaxOps: OpDef[] = [softmax, logSoftmax, logSumExp];
