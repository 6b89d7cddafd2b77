/**
 * Selecting and assembling: slice and its adjoint pad, concat (n inputs), and gather along an
 * axis by integer indices (PyTorch's gather) with its adjoint scatterAdd.
 */
import type { OpDef } from "./OpDef";
import { Tensor } from "../tensor/Tensor";
import { alloc, resultDType } from "../tensor/storage";
import { sizeOf, stridesOf } from "../tensor/shape";
import { E } from "./IndexExpr";
import { ATOM, paren, plain } from "./notation";
import { integers, rngOf, uniform } from "./samples";

/** Copies the box `begin`..`begin+size` between a big and a small row-major array. */
function copyBox(
  big: ArrayLike<number>,
  bigShape: readonly number[],
  small: Float64Array | Float32Array,
  size: readonly number[],
  begin: readonly number[],
  toSmall: boolean,
  bigOut?: Float64Array | Float32Array,
): void {
  const r = size.length;
  const n = sizeOf(size);
  if (n === 0) return;
  const bs = stridesOf(bigShape);
  const ctr = new Array<number>(r).fill(0);
  let off = 0;
  for (let a = 0; a < r; a++) off += begin[a] * bs[a];
  for (let s = 0; s < n; s++) {
    if (toSmall) small[s] = big[off];
    else bigOut![off] += small[s];
    for (let a = r - 1; a >= 0; a--) {
      ctr[a]++;
      off += bs[a];
      if (ctr[a] < size[a]) break;
      off -= bs[a] * size[a];
      ctr[a] = 0;
    }
  }
}

export const slice: OpDef = {
  name: "slice",
  family: "indexing",
  smooth: true,
  forward([x], attrs) {
    const size = attrs.size as number[];
    const out = alloc(sizeOf(size), x.dtype);
    if (x.rank === 0) out[0] = x.data[0];
    else copyBox(x.data, x.shape, out, size, attrs.begin as number[], true);
    return { data: out, shape: size.slice() };
  },
  vjp: (g, c, A) => [A.pad(g, c.shapes[0].slice(), (c.attrs.begin as number[]).slice())],
  index: (c) =>
    E.mul(
      ...(c.attrs.begin as number[]).map((b, a) =>
        E.delta(b === 0 ? E.idx(c.J[a]) : E.add(E.idx(c.J[a]), E.num(b)), E.idx(c.I[a])),
      ),
    ),
  // The operand is a group ({G_{v}}_{[0:2]}): a name that has a subscript of its own would otherwise
  // get a second one, which TeX rejects.
  latex: ([a], attrs) => `{${a}}_{[${sliceLabel(attrs.begin as number[], attrs.size as number[])}]}`,
  text: ([a], attrs) => `${a}[${sliceLabel(attrs.begin as number[], attrs.size as number[])}]`,
  // The subscript binds to an atom: (a + b)_{[0:2]}.
  compact: (args, attrs, mode) => ({
    s: plain(
      slice,
      args.map((p) => paren(p, ATOM, mode)),
      attrs,
      mode,
    ),
    prec: ATOM,
  }),
  showAttrs: (attrs) => ({ begin: JSON.stringify(attrs.begin), size: JSON.stringify(attrs.size) }),
  samples(seed) {
    const rng = rngOf(seed);
    return [
      { inputs: [uniform([5], rng)], attrs: { begin: [1], size: [3] } },
      { inputs: [uniform([3, 4], rng)], attrs: { begin: [1, 0], size: [2, 3] } },
      { inputs: [uniform([2, 3, 4], rng)], attrs: { begin: [0, 1, 2], size: [2, 1, 2] } },
      { inputs: [uniform([2, 2, 2, 3], rng)], attrs: { begin: [1, 0, 1, 1], size: [1, 2, 1, 2] } },
    ];
  },
};

function sliceLabel(begin: number[], size: number[]): string {
  return begin.map((b, a) => `${b}:${b + size[a]}`).join(", ");
}

export const pad: OpDef = {
  name: "pad",
  family: "indexing",
  smooth: true,
  forward([x], attrs) {
    const shape = attrs.shape as number[];
    const out = alloc(sizeOf(shape), x.dtype);
    if (x.rank === 0) out[0] = x.data[0];
    else copyBox(out, shape, x.data.slice() as Float64Array, x.shape, attrs.begin as number[], false, out);
    return { data: out, shape: shape.slice() };
  },
  vjp: (g, c, A) => [A.slice(g, (c.attrs.begin as number[]).slice(), c.shapes[0].slice())],
  index: (c) =>
    E.mul(
      ...(c.attrs.begin as number[]).map((b, a) =>
        E.delta(E.idx(c.J[a]), b === 0 ? E.idx(c.I[a]) : E.add(E.idx(c.I[a]), E.num(b))),
      ),
    ),
  latex: ([a]) => `\\operatorname{pad}(${a})`,
  text: ([a]) => `pad(${a})`,
  showAttrs: (attrs) => ({ shape: JSON.stringify(attrs.shape), begin: JSON.stringify(attrs.begin) }),
  samples(seed) {
    const rng = rngOf(seed);
    return [
      { inputs: [uniform([3], rng)], attrs: { shape: [5], begin: [1] } },
      { inputs: [uniform([2, 3], rng)], attrs: { shape: [3, 4], begin: [1, 0] } },
    ];
  },
};

export const concat: OpDef = {
  name: "concat",
  family: "indexing",
  smooth: true,
  forward(xs, attrs) {
    const axis = attrs.axis as number;
    const shape = xs[0].shape.slice();
    shape[axis] = xs.reduce((s, x) => s + x.shape[axis], 0);
    const out = alloc(sizeOf(shape), resultDType(xs));
    let off = 0;
    for (const x of xs) {
      const begin = shape.map((_, a) => (a === axis ? off : 0));
      copyBox(out, shape, x.data as Float64Array, x.shape, begin, false, out);
      off += x.shape[axis];
    }
    return { data: out, shape };
  },
  vjp(g, c, A) {
    const axis = c.attrs.axis as number;
    let off = 0;
    return c.shapes.map((s) => {
      const begin = s.map((_, a) => (a === axis ? off : 0));
      off += s[axis];
      return A.slice(g, begin, s.slice());
    });
  },
  index(c) {
    const axis = c.attrs.axis as number;
    let off = 0;
    for (let k = 0; k < c.argnum; k++) off += c.shapes[k][axis];
    return E.mul(
      ...c.I.map((i, a) => E.delta(E.idx(c.J[a]), a === axis && off > 0 ? E.add(E.idx(i), E.num(off)) : E.idx(i))),
    );
  },
  latex: (args) => `\\left[${args.join(", ")}\\right]`,
  text: (args) => `concat(${args.join(", ")})`,
  showAttrs: (attrs) => ({ axis: String(attrs.axis) }),
  samples(seed) {
    const rng = rngOf(seed);
    return [
      { inputs: [uniform([2], rng), uniform([3], rng)], attrs: { axis: 0 } },
      { inputs: [uniform([2, 3], rng), uniform([2, 1], rng), uniform([2, 2], rng)], attrs: { axis: 1 } },
      { inputs: [uniform([1, 2, 2], rng), uniform([2, 2, 2], rng)], attrs: { axis: 0 } },
    ];
  },
};

/** Walks every index of `idxShape`, giving the flat position in `idxShape` and in `xShape`
 * with axis `axis` replaced by the index value. */
function forGather(idx: Tensor, xShape: readonly number[], axis: number, f: (i: number, x: number) => void): void {
  const r = idx.rank;
  const xs = stridesOf(xShape);
  const ctr = new Array<number>(r).fill(0);
  for (let i = 0; i < idx.size; i++) {
    let off = 0;
    for (let a = 0; a < r; a++) off += (a === axis ? idx.data[i] : ctr[a]) * xs[a];
    f(i, off);
    for (let a = r - 1; a >= 0; a--) {
      if (++ctr[a] < idx.shape[a]) break;
      ctr[a] = 0;
    }
  }
}

/** out[J] = x[J with axis replaced by indices[J]] (PyTorch gather / numpy take_along_axis). */
export const gather: OpDef = {
  name: "gather",
  family: "indexing",
  smooth: true,
  nondiff: [1],
  forward([x, idx], attrs) {
    const out = alloc(idx.size, x.dtype);
    forGather(idx, x.shape, attrs.axis as number, (i, o) => (out[i] = x.data[o]));
    return { data: out, shape: idx.shape.slice() };
  },
  vjp: (g, c, A) => [A.scatterAdd(g, c.inputs[1], c.attrs.axis as number, c.shapes[0].slice()), null],
  index(c) {
    const axis = c.attrs.axis as number;
    return E.mul(
      ...c.I.map((i, a) =>
        E.delta(
          a === axis
            ? E.inp(
                1,
                c.J.map((j) => E.idx(j)),
              )
            : E.idx(c.J[a]),
          E.idx(i),
        ),
      ),
    );
  },
  latex: ([a, i], attrs) => `\\operatorname{gather}_{${attrs.axis}}(${a}, ${i})`,
  text: ([a, i], attrs) => `gather(${a}, ${i}, axis=${attrs.axis})`,
  showAttrs: (attrs) => ({ axis: String(attrs.axis) }),
  samples(seed) {
    const rng = rngOf(seed);
    return [
      { inputs: [uniform([3, 4], rng), integers([3, 1], rng, 4)], attrs: { axis: 1 } },
      { inputs: [uniform([3, 4], rng), integers([2, 4], rng, 3)], attrs: { axis: 0 } },
      { inputs: [uniform([2, 3, 2], rng), integers([2, 3, 3], rng, 2)], attrs: { axis: 2 } },
      { inputs: [uniform([5], rng), integers([7], rng, 5)], attrs: { axis: 0 } },
    ];
  },
};

/** zeros(shape) with g[J] added at (J with axis replaced by indices[J]): gather's adjoint. */
export const scatterAdd: OpDef = {
  name: "scatterAdd",
  family: "indexing",
  smooth: true,
  nondiff: [1],
  forward([g, idx], attrs) {
    const shape = attrs.shape as number[];
    const out = alloc(sizeOf(shape), g.dtype);
    forGather(idx, shape, attrs.axis as number, (i, o) => (out[o] += g.data[i]));
    return { data: out, shape: shape.slice() };
  },
  vjp: (g, c, A) => [A.gather(g, c.inputs[1], c.attrs.axis as number), null],
  index(c) {
    const axis = c.attrs.axis as number;
    return E.mul(
      ...c.J.map((j, a) =>
        E.delta(
          E.idx(j),
          a === axis
            ? E.inp(
                1,
                c.I.map((i) => E.idx(i)),
              )
            : E.idx(c.I[a]),
        ),
      ),
    );
  },
  latex: ([a], attrs) => `\\operatorname{scatterAdd}_{${attrs.axis}}(${a})`,
  text: ([a], attrs) => `scatterAdd(${a}, axis=${attrs.axis})`,
  // The compact form names the indices too (G_{i,b_ij} collapses to it); ones at one label per
  // row are the labels' one-hot matrix (the closed form's Y).
  compact: ([g, idx], attrs, mode) => {
    const shape = attrs.shape as number[];
    const axis = attrs.axis as number;
    const onePick =
      idx.shape.length === shape.length && idx.shape.every((d, a) => (a === axis ? d === 1 : d === shape[a]));
    if (g.value === 1 && onePick)
      return {
        s: mode === "latex" ? `\\operatorname{onehot}_{${axis}}(${idx.s})` : `onehot_${axis}(${idx.s})`,
        prec: ATOM,
      };
    return {
      s:
        mode === "latex"
          ? `\\operatorname{scatterAdd}_{${attrs.axis}}(${g.s}, ${idx.s})`
          : `scatterAdd(${g.s}, ${idx.s}, axis=${attrs.axis})`,
      prec: ATOM,
    };
  },
  showAttrs: (attrs) => ({ axis: String(attrs.axis) }),
  samples(seed) {
    const rng = rngOf(seed);
    return [
      { inputs: [uniform([3, 1], rng), integers([3, 1], rng, 4)], attrs: { axis: 1, shape: [3, 4] } },
      { inputs: [uniform([6], rng), integers([6], rng, 3)], attrs: { axis: 0, shape: [3] } },
    ];
  },
};

export const indexingOps: OpDef[] = [slice, pad, concat, gather, scatterAdd];
