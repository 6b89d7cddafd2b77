/**
 * Matrix products: matmul (numpy.matmul for the 1-D/2-D cases and batched >=2-D operands with
 * broadcast batch axes; the public function reduces N-D-with-1-D to these) and outer.
 */
import type { OpDef, IndexContext } from "./OpDef";
import { Tensor } from "../tensor/Tensor";
import { alloc, resultDType } from "../tensor/storage";
import { broadcastShapes, sizeOf } from "../tensor/shape";
import { E, type IndexExpr } from "./IndexExpr";
import { rngOf, uniform } from "./samples";
import { gemm } from "../tensor/kernels/gemm";
import { ATOM, MUL, POST, paren, sup, top } from "./notation";

/** For each batch index of `batch` (row-major), the offset of the matching block of an operand
 * whose batch axes `own` broadcast to `batch`; `block` is the size of one matrix. */
function batchOffsets(own: readonly number[], batch: readonly number[], block: number): number[] {
  const nb = sizeOf(batch);
  const offs = new Array<number>(nb);
  const lead = batch.length - own.length;
  // stride (in blocks) of each batch axis in the operand; 0 where it is broadcast
  const st = new Array<number>(batch.length).fill(0);
  for (let ax = batch.length - 1, acc = 1; ax >= lead; ax--) {
    const d = own[ax - lead];
    st[ax] = d === 1 ? 0 : acc;
    acc *= d;
  }
  const ctr = new Array<number>(batch.length).fill(0);
  let o = 0;
  for (let t = 0; t < nb; t++) {
    offs[t] = o * block;
    for (let ax = batch.length - 1; ax >= 0; ax--) {
      ctr[ax]++;
      o += st[ax];
      if (ctr[ax] < batch[ax]) break;
      o -= st[ax] * batch[ax];
      ctr[ax] = 0;
    }
  }
  return offs;
}

function swapLast2(r: number): number[] {
  const p = Array.from({ length: r }, (_, i) => i);
  [p[r - 2], p[r - 1]] = [p[r - 1], p[r - 2]];
  return p;
}

export const matmul: OpDef = {
  name: "matmul",
  family: "linalg",
  printsAsAlgebra: true,
  smooth: true,
  forward([a, b]: readonly Tensor[]) {
    const dt = resultDType([a, b]);
    if (a.rank === 1 && b.rank === 1) {
      let s = 0;
      for (let i = 0; i < a.size; i++) s += a.data[i] * b.data[i];
      const out = alloc(1, dt);
      out[0] = s;
      return { data: out, shape: [] };
    }
    if (a.rank === 2 && b.rank === 1) {
      const [m, n] = a.shape;
      const out = alloc(m, dt);
      gemm(a.data, 0, b.data, 0, out, 0, m, n, 1);
      return { data: out, shape: [m] };
    }
    if (a.rank === 1 && b.rank === 2) {
      const [n, p] = b.shape;
      const out = alloc(p, dt);
      gemm(a.data, 0, b.data, 0, out, 0, 1, n, p);
      return { data: out, shape: [p] };
    }
    const [m, n] = a.shape.slice(-2);
    const p = b.shape[b.rank - 1];
    const batch = broadcastShapes("matmul", a.shape.slice(0, -2), b.shape.slice(0, -2));
    const nb = sizeOf(batch);
    const out = alloc(nb * m * p, dt);
    if (sizeOf(b.shape.slice(0, -2)) === 1 && sizeOf(a.shape.slice(0, -2)) === nb) {
      // One B for every batch (a weight applied to a batch of matrices): the batches of A are
      // consecutive rows, so it is one product of (nb*m) x n by n x p, with no copies of B.
      gemm(a.data, 0, b.data, 0, out, 0, nb * m, n, p);
      return { data: out, shape: [...batch, m, p] };
    }
    // Otherwise each batch's A and B blocks are addressed in place (broadcast batch axes
    // repeat an offset) instead of expanding the operands to the full batch.
    const aOff = batchOffsets(a.shape.slice(0, -2), batch, m * n);
    const bOff = batchOffsets(b.shape.slice(0, -2), batch, n * p);
    for (let t = 0; t < nb; t++) gemm(a.data, aOff[t], b.data, bOff[t], out, t * m * p, m, n, p);
    return { data: out, shape: [...batch, m, p] };
  },
  vjp(g, c, A) {
    const [a, b] = c.inputs;
    const [ra, rb] = [c.shapes[0].length, c.shapes[1].length];
    if (ra === 1 && rb === 1) return [A.mul(g, b), A.mul(g, a)];
    if (ra === 2 && rb === 1) return [A.outer(g, b), A.matmul(A.transpose(a), g)];
    if (ra === 1 && rb === 2) return [A.matmul(b, g), A.outer(a, g)];
    const want = (i: number) => !c.needs || c.needs[i];
    return [
      want(0) ? A.matmul(g, A.transpose(b, swapLast2(rb))) : null,
      want(1) ? A.matmul(A.transpose(a, swapLast2(ra)), g) : null,
    ];
  },
  vjpKernel(g, c) {
    // A [..., m, n] times one B [n, p] (a weight): dA = g B^T and dB = A^T g, as one product
    // each over all nb*m rows, reading B and A transposed in the kernel (no transposed copies).
    // dB sums the batches inside the product instead of after it (same sum, other order).
    const [a, b] = c.inputs;
    if (a.rank < 2 || b.rank !== 2) return undefined;
    const [n, p] = b.shape;
    const rows = a.size / n;
    const want = (i: number) => !c.needs || c.needs[i];
    let da: Tensor | null = null,
      db: Tensor | null = null;
    if (want(0)) {
      const out = alloc(rows * n, resultDType([g, b]));
      gemm(g.data, 0, b.data, 0, out, 0, rows, p, n, false, true);
      da = new Tensor(out, a.shape);
    }
    if (want(1)) {
      const out = alloc(n * p, resultDType([a, g]));
      gemm(a.data, 0, g.data, 0, out, 0, n, rows, p, true, false);
      db = new Tensor(out, b.shape);
    }
    return [da, db];
  },
  index(c: IndexContext): IndexExpr {
    const [sa, sb] = c.shapes;
    const { J, I } = c;
    const i = (n: string) => E.idx(n);
    if (sa.length === 1 && sb.length === 1) return E.inp(1 - c.argnum, [i(I[0])]);
    if (sa.length === 2 && sb.length === 1) {
      // y_k = sum_r A_kr x_r
      return c.argnum === 0 ? E.mul(E.delta(i(J[0]), i(I[0])), E.inp(1, [i(I[1])])) : E.inp(0, [i(J[0]), i(I[0])]);
    }
    if (sa.length === 1 && sb.length === 2) {
      // y_l = sum_r x_r B_rl
      return c.argnum === 0 ? E.inp(1, [i(I[0]), i(J[0])]) : E.mul(E.inp(0, [i(I[0])]), E.delta(i(J[0]), i(I[1])));
    }
    // Y_{..kl} = sum_r A_{..kr} B_{..rl}; batch axes tie with deltas unless broadcast.
    const nbOut = c.outShape.length - 2;
    const k = J[nbOut];
    const l = J[nbOut + 1];
    const mine = c.shapes[c.argnum];
    const nbMine = mine.length - 2;
    const deltas: IndexExpr[] = [];
    for (let t = 0; t < nbMine; t++) {
      const ot = t + nbOut - nbMine;
      if (mine[t] === c.outShape[ot]) deltas.push(E.delta(i(J[ot]), i(I[t])));
    }
    const other = c.shapes[1 - c.argnum];
    const nbOther = other.length - 2;
    const batchOf = (t: number) => {
      const ot = t + nbOut - nbOther;
      return other[t] === 1 && c.outShape[ot] !== 1 ? E.num(0) : i(J[ot]);
    };
    const otherBatch = Array.from({ length: nbOther }, (_, t) => batchOf(t));
    const [ii, jj] = [I[nbMine], I[nbMine + 1]];
    if (c.argnum === 0) return E.mul(...deltas, E.delta(i(k), i(ii)), E.inp(1, [...otherBatch, i(jj), i(l)]));
    return E.mul(...deltas, E.inp(0, [...otherBatch, i(k), i(ii)]), E.delta(i(l), i(jj)));
  },
  latex: ([a, b]) => `${a} ${b}`,
  text: ([a, b]) => `${a} ${b}`,
  compact([a, b], _attrs, mode) {
    // A vector on the left is a row vector: x^T B (and x^T y for two vectors).
    if (a.shape.length === 1)
      return { s: `${sup(paren(a, ATOM, mode), mode)}${top(mode)} ${paren(b, POST, mode)}`, prec: MUL, kind: "matmul" };
    const elementwise = a.kind === "odot" || a.kind === "scale";
    const left = elementwise ? paren({ ...a, prec: MUL }, ATOM, mode) : paren(a, MUL, mode);
    return { s: `${left} ${paren(b, POST, mode)}`, prec: MUL, kind: "matmul" };
  },
  samples(seed) {
    const rng = rngOf(seed);
    const pairs: [number[], number[]][] = [
      [[3], [3]],
      [[2, 3], [3]],
      [[3], [3, 2]],
      [
        [2, 3],
        [3, 4],
      ],
      [
        [2, 2, 3],
        [2, 3, 2],
      ],
      [
        [2, 2, 3],
        [3, 2],
      ],
      [
        [1, 2, 3],
        [2, 1, 3, 2],
      ],
    ];
    return pairs.map(([sa, sb]) => ({
      inputs: [uniform(sa, rng), uniform(sb, rng)],
      label: `${JSON.stringify(sa)} @ ${JSON.stringify(sb)}`,
    }));
  },
};

export const outer: OpDef = {
  name: "outer",
  family: "linalg",
  printsAsAlgebra: true,
  smooth: true,
  forward([a, b]) {
    const out = alloc(a.size * b.size, resultDType([a, b]));
    for (let i = 0; i < a.size; i++) for (let j = 0; j < b.size; j++) out[i * b.size + j] = a.data[i] * b.data[j];
    return { data: out, shape: [a.size, b.size] };
  },
  vjp: (g, c, A) => [A.matmul(g, c.inputs[1]), A.matmul(c.inputs[0], g)],
  index: (c) =>
    c.argnum === 0
      ? E.mul(E.delta(E.idx(c.J[0]), E.idx(c.I[0])), E.inp(1, [E.idx(c.J[1])]))
      : E.mul(E.inp(0, [E.idx(c.J[0])]), E.delta(E.idx(c.J[1]), E.idx(c.I[0]))),
  latex: ([a, b]) => `${a} ${b}^{\\top}`,
  text: ([a, b]) => `${a} ${b}^T`,
  compact: ([a, b], _attrs, mode) => ({
    s: `${paren(a, POST, mode)} ${sup(paren(b, ATOM, mode), mode)}${top(mode)}`,
    prec: MUL,
    kind: "matmul",
  }),
  samples(seed) {
    const rng = rngOf(seed);
    return [{ inputs: [uniform([3], rng), uniform([2], rng)] }, { inputs: [uniform([1], rng), uniform([4], rng)] }];
  },
};

export const linalgOps: OpDef[] = [matmul, outer];
