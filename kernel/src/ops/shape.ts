/**
 * Ops that move values without arithmetic: transpose (any permutation), reshape and
 * broadcastTo. Their rules are each other's adjoints (transpose back, reshape back, sumTo).
 */
import type { OpDef } from "./OpDef";
import { alloc, expandTo } from "../tensor/storage";
import { sizeOf, stridesOf } from "../tensor/shape";
import { ATOM, POST, type Mode, type Operand, type Printed, paren, sup, top } from "./notation";
import { E, type IndexExpr } from "./IndexExpr";
import { alignedDeltas } from "./indexRules";
import { rngOf, uniform } from "./samples";

function invert(perm: number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

export const transpose: OpDef = {
  name: "transpose",
  family: "shape",
  printsAsAlgebra: true,
  smooth: true,
  forward([x], attrs) {
    const perm = attrs.perm as number[];
    const r = x.rank;
    const shape = perm.map((p) => x.shape[p]);
    const out = alloc(x.size, x.dtype);
    if (r === 2 && perm[0] === 1) {
      // In 32x32 tiles, so both the reads and the strided writes stay within a few cache lines.
      const [m, n] = x.shape;
      const d = x.data;
      for (let i0 = 0; i0 < m; i0 += 32) {
        const i1 = Math.min(m, i0 + 32);
        for (let j0 = 0; j0 < n; j0 += 32) {
          const j1 = Math.min(n, j0 + 32);
          for (let i = i0; i < i1; i++) for (let j = j0, src = i * n + j0; j < j1; j++, src++) out[j * m + i] = d[src];
        }
      }
      return { data: out, shape };
    }
    const inStr = stridesOf(x.shape);
    const s = perm.map((p) => inStr[p]); // input stride of each output axis
    const ctr = new Array<number>(r).fill(0);
    let src = 0;
    for (let o = 0; o < out.length; o++) {
      out[o] = x.data[src];
      for (let a = r - 1; a >= 0; a--) {
        ctr[a]++;
        src += s[a];
        if (ctr[a] < shape[a]) break;
        src -= s[a] * shape[a];
        ctr[a] = 0;
      }
    }
    return { data: out, shape };
  },
  vjp: (g, c, A) => [A.transpose(g, invert(c.attrs.perm as number[]))],
  index: (c) => E.mul(...(c.attrs.perm as number[]).map((p, a) => E.delta(E.idx(c.J[a]), E.idx(c.I[p])))),
  latex: ([a], attrs) =>
    (attrs.perm as number[]).length === 2
      ? `${a}^{\\top}`
      : `\\operatorname{transpose}_{(${(attrs.perm as number[]).join(",")})}(${a})`,
  text: ([a], attrs) =>
    (attrs.perm as number[]).length === 2 ? `${a}^T` : `transpose(${a}, [${(attrs.perm as number[]).join(",")}])`,
  compact([a], attrs, mode) {
    const perm = attrs.perm as number[];
    const r = perm.length;
    const swapsLast2 =
      r >= 2 && perm[r - 2] === r - 1 && perm[r - 1] === r - 2 && perm.slice(0, -2).every((p, i) => p === i);
    if (swapsLast2) return { s: `${sup(paren(a, ATOM, mode), mode)}${top(mode)}`, prec: POST };
    return {
      s:
        mode === "latex"
          ? `\\operatorname{transpose}_{(${perm.join(",")})}\\left(${a.s}\\right)`
          : `transpose(${a.s}, [${perm.join(",")}])`,
      prec: ATOM,
    };
  },
  showAttrs: (attrs) => ({ perm: JSON.stringify(attrs.perm) }),
  samples(seed) {
    const rng = rngOf(seed);
    return [
      { inputs: [uniform([2, 3], rng)], attrs: { perm: [1, 0] } },
      { inputs: [uniform([2, 3, 4], rng)], attrs: { perm: [2, 0, 1] } },
      { inputs: [uniform([2, 1, 3, 2], rng)], attrs: { perm: [3, 1, 0, 2] } },
      { inputs: [uniform([3], rng)], attrs: { perm: [0] } },
    ];
  },
};

/** Row-major linear index of an index tuple, as an index expression. */
function linear(names: string[], shape: readonly number[]): IndexExpr {
  const st = stridesOf(shape);
  return E.add(...names.map((n, a) => (st[a] === 1 ? E.idx(n) : E.mul(E.num(st[a]), E.idx(n)))));
}

/**
 * reshape/broadcast of an operand in the compact form; one value used everywhere needs no
 * notation (g/n, 2 y), so a size-1 operand prints as itself.
 */
function shapedAs(name: string, a: Operand, shape: number[], mode: Mode): Printed {
  if (sizeOf(a.shape) === 1) return { s: a.s, prec: a.prec, kind: a.kind };
  const s = shape.join(",");
  return {
    s: mode === "latex" ? `\\operatorname{${name}}_{[${s}]}\\left(${a.s}\\right)` : `${name}(${a.s}, [${s}])`,
    prec: ATOM,
  };
}

export const reshape: OpDef = {
  name: "reshape",
  family: "shape",
  smooth: true,
  forward([x], attrs) {
    const out = alloc(x.size, x.dtype);
    out.set(x.data);
    return { data: out, shape: (attrs.shape as number[]).slice() };
  },
  vjp: (g, c, A) => [A.reshape(g, c.shapes[0].slice())],
  index: (c) => E.delta(linear(c.J, c.outShape), linear(c.I, c.shapes[0])),
  latex: ([a], attrs) => `\\operatorname{reshape}_{[${(attrs.shape as number[]).join(",")}]}(${a})`,
  text: ([a], attrs) => `reshape(${a}, [${(attrs.shape as number[]).join(",")}])`,
  compact: ([a], attrs, mode) => shapedAs("reshape", a, attrs.shape as number[], mode),
  showAttrs: (attrs) => ({ shape: JSON.stringify(attrs.shape) }),
  samples(seed) {
    const rng = rngOf(seed);
    return [
      { inputs: [uniform([2, 3], rng)], attrs: { shape: [3, 2] } },
      { inputs: [uniform([2, 3, 2], rng)], attrs: { shape: [12] } },
      { inputs: [uniform([4], rng)], attrs: { shape: [2, 1, 2] } },
      { inputs: [uniform([], rng)], attrs: { shape: [1, 1] } },
    ];
  },
};

export const broadcastTo: OpDef = {
  name: "broadcastTo",
  family: "shape",
  smooth: true,
  forward([x], attrs) {
    const shape = (attrs.shape as number[]).slice();
    const d = expandTo(x.data, x.shape, shape);
    return { data: d === x.data ? (x.data.slice() as typeof d) : d, shape };
  },
  vjp: (g, c, A) => [A.sumTo(g, c.shapes[0].slice())],
  index: (c) => alignedDeltas(c),
  latex: ([a]) => a,
  text: ([a]) => a,
  compact: ([a], attrs, mode) => shapedAs("broadcast", a, attrs.shape as number[], mode),
  showAttrs: (attrs) => ({ shape: JSON.stringify(attrs.shape) }),
  samples(seed) {
    const rng = rngOf(seed);
    return [
      { inputs: [uniform([3], rng)], attrs: { shape: [2, 3] } },
      { inputs: [uniform([2, 1], rng)], attrs: { shape: [2, 4] } },
      { inputs: [uniform([], rng)], attrs: { shape: [2, 2] } },
      { inputs: [uniform([1, 3, 1], rng)], attrs: { shape: [2, 2, 3, 2] } },
    ];
  },
};

export const shapeOps: OpDef[] = [transpose, reshape, broadcastTo];
