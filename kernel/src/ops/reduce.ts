/**
 * Reductions over any set of axes (attrs: axes sorted and normalised, keepDims), and sumTo,
 * the reduction that undoes broadcasting. Their rules broadcast g back over the reduced axes.
 */
import type { Algebra, Attrs, OpDef, RuleContext, IndexContext } from "./OpDef";
import type { Tensor } from "../tensor/Tensor";
import { alloc, reducedIndex } from "../tensor/storage";
import { sizeOf, sumToAxes } from "../tensor/shape";
import { ATOM, MUL, type Mode, type Printed, paren } from "./notation";
import { E, type IndexExpr } from "./IndexExpr";
import { UNARY_SHAPES, rngOf, uniform } from "./samples";

const enum R {
  Sum,
  Max,
  Min,
  Prod,
}

function axesOf(attrs: Attrs): number[] {
  return attrs.axes as number[];
}
function keptShape(shape: readonly number[], axes: number[]): number[] {
  return shape.map((d, a) => (axes.includes(a) ? 1 : d));
}
function outShapeOf(shape: readonly number[], axes: number[], keepDims: boolean): number[] {
  return keepDims ? keptShape(shape, axes) : shape.filter((_, a) => !axes.includes(a));
}

/**
 * When the reduced axes are one contiguous run, the input is [outer, mid, inner] with mid
 * reduced: the sum needs no index map (covers all axes, leading axes as in sumTo of a bias
 * gradient, trailing axes, any single axis). Elements are visited in the same row-major order
 * as through the map, so results are identical.
 */
function contiguousRun(shape: readonly number[], axes: number[]): { outer: number; mid: number; inner: number } | null {
  if (axes.length === 0) return null;
  for (let t = 1; t < axes.length; t++) if (axes[t] !== axes[t - 1] + 1) return null;
  let outer = 1,
    mid = 1,
    inner = 1;
  for (let a = 0; a < shape.length; a++) {
    if (a < axes[0]) outer *= shape[a];
    else if (a <= axes[axes.length - 1]) mid *= shape[a];
    else inner *= shape[a];
  }
  return { outer, mid, inner };
}

function reduceData(kind: R, x: Tensor, axes: number[]): Float64Array | Float32Array {
  const n = sizeOf(keptShape(x.shape, axes));
  const d = x.data;
  const run = kind === R.Sum ? contiguousRun(x.shape, axes) : null;
  if (run) {
    const { outer, mid, inner } = run;
    const out = alloc(n, x.dtype);
    if (inner === 1) {
      // Each output is the sum of one contiguous run (sum() of everything, rows of a matrix):
      // a running sum in a local instead of a store to out[o] per element (a chain of
      // store-to-load forwards, ~4x slower on 1e6 elements). float32 rounds each step as
      // out[o] += v would, so the sums are identical.
      const f32 = x.dtype === "float32";
      for (let o = 0, src = 0; o < outer; o++) {
        let s = 0;
        if (f32) for (let m = 0; m < mid; m++, src++) s = Math.fround(s + d[src]);
        else for (let m = 0; m < mid; m++, src++) s += d[src];
        out[o] = s;
      }
      return out;
    }
    for (let o = 0, src = 0; o < outer; o++) {
      const base = o * inner;
      for (let m = 0; m < mid; m++) for (let i = 0; i < inner; i++, src++) out[base + i] += d[src];
    }
    return out;
  }
  const map = reducedIndex(x.shape, axes);
  const out = alloc(n, x.dtype);
  switch (kind) {
    case R.Sum:
      for (let i = 0; i < d.length; i++) out[map[i]] += d[i];
      break;
    case R.Prod:
      out.fill(1);
      for (let i = 0; i < d.length; i++) out[map[i]] *= d[i];
      break;
    case R.Max:
      out.fill(-Infinity);
      for (let i = 0; i < d.length; i++) if (d[i] > out[map[i]] || d[i] !== d[i]) out[map[i]] = d[i];
      break;
    case R.Min:
      out.fill(Infinity);
      for (let i = 0; i < d.length; i++) if (d[i] < out[map[i]] || d[i] !== d[i]) out[map[i]] = d[i];
      break;
  }
  return out;
}

/** g (of the reduced shape) reshaped to keep the reduced axes as size 1, so it broadcasts. */
function gKept<T>(g: T, c: RuleContext<T>, A: Algebra<T>): T {
  return (c.attrs.keepDims as boolean) ? g : A.reshape(g, keptShape(c.shapes[0], axesOf(c.attrs)));
}

/** Index names of the output mapped onto the input's axes (null on reduced axes). */
function keptIndex(c: IndexContext): (string | null)[] {
  const axes = axesOf(c.attrs);
  const keep = c.attrs.keepDims as boolean;
  const res: (string | null)[] = [];
  let j = 0;
  for (let a = 0; a < c.shapes[0].length; a++) {
    if (axes.includes(a)) {
      res.push(null);
      if (keep) j++;
    } else res.push(c.J[j++]);
  }
  return res;
}
function keptDeltas(c: IndexContext): IndexExpr {
  return E.mul(...keptIndex(c).flatMap((j, a) => (j === null ? [] : [E.delta(E.idx(j), E.idx(c.I[a]))])));
}

interface ReduceSpec {
  name: string;
  kind: R;
  mean?: boolean;
  vjp: <T>(gk: T, x: T, yk: T, c: RuleContext<T>, A: Algebra<T>) => T;
  d: (c: IndexContext, x: IndexExpr, y: IndexExpr) => IndexExpr;
  latex: (a: string, axes: string) => string;
  text: (a: string, axes: string) => string;
  compact?: OpDef["compact"];
  smooth: boolean;
  domain?: [number, number, number];
}

function axesLabel(attrs: Attrs, rank: number): string {
  const axes = axesOf(attrs);
  return axes.length === rank ? "" : `axis ${axes.join(",")}`;
}

function reduction(s: ReduceSpec): OpDef {
  return {
    name: s.name,
    family: "reduce",
    smooth: s.smooth,
    forward([x], attrs) {
      const axes = axesOf(attrs);
      const data = reduceData(s.kind, x, axes);
      if (s.mean) {
        const n = axes.reduce((p, a) => p * x.shape[a], 1);
        for (let i = 0; i < data.length; i++) data[i] /= n;
      }
      return { data, shape: outShapeOf(x.shape, axes, attrs.keepDims as boolean) };
    },
    shape: ([x], attrs) => outShapeOf(x, axesOf(attrs), attrs.keepDims as boolean),
    vjp<T>(g: T, c: RuleContext<T>, A: Algebra<T>) {
      const gk = gKept(g, c, A);
      const yk = gKept(c.out, c, A);
      return [A.broadcastTo(s.vjp(gk, c.inputs[0], yk, c, A), c.shapes[0].slice())];
    },
    index: (c) =>
      E.mul(
        keptDeltas(c),
        s.d(
          c,
          E.inp(
            0,
            c.I.map((i) => E.idx(i)),
          ),
          E.out(c.J.map((j) => E.idx(j))),
        ),
      ),
    latex: ([a], attrs) => s.latex(a, axesLabel(attrs, -1)),
    text: ([a], attrs) => s.text(a, axesLabel(attrs, -1)),
    compact: s.compact,
    showAttrs: (attrs) => ({ axes: JSON.stringify(attrs.axes), keepDims: String(attrs.keepDims) }),
    samples(seed) {
      const rng = rngOf(seed);
      const [lo, hi, gap] = s.domain ?? [-2, 2, 0];
      const out = [];
      for (const shape of UNARY_SHAPES) {
        const r = shape.length;
        const axesChoices: number[][] = [Array.from({ length: r }, (_, i) => i)];
        if (r >= 1) axesChoices.push([r - 1]);
        if (r >= 2) axesChoices.push([0]);
        if (r >= 3) axesChoices.push([0, 2]);
        for (const axes of axesChoices) {
          for (const keepDims of [false, true]) {
            out.push({
              inputs: [uniform(shape, rng, lo, hi, gap)],
              attrs: { axes, keepDims },
              label: `${JSON.stringify(shape)} axes ${JSON.stringify(axes)} keepDims ${keepDims}`,
            });
          }
        }
      }
      return out;
    },
  };
}

/** A sum over named axes in the compact form: \sum_{axes 0,1} (X). */
function sumOver(axes: number[], a: Printed, mode: Mode): Printed {
  const label = `${axes.length === 1 ? "axis" : "axes"} ${axes.join(",")}`;
  if (mode === "latex") return { s: `\\sum_{\\text{${label}}} ${paren(a, ATOM, mode)}`, prec: MUL };
  return { s: `sum_{${label}}(${a.s})`, prec: ATOM };
}

const sumSub = (a: string, axes: string) => (axes ? `\\sum_{\\text{${axes}}} ${a}` : `\\sum ${a}`);
export const sum = reduction({
  name: "sum",
  kind: R.Sum,
  smooth: true,
  vjp: (gk) => gk,
  d: () => E.num(1),
  latex: sumSub,
  text: (a, axes) => `sum${axes ? `_{${axes}}` : ""}(${a})`,
  compact: ([a], attrs, mode) => sumOver(attrs.axes as number[], a, mode),
});
export const mean = reduction({
  name: "mean",
  kind: R.Sum,
  mean: true,
  smooth: true,
  vjp: (gk, _x, _y, c, A) => A.div(gk, A.scalar(axesOf(c.attrs).reduce((p, a) => p * c.shapes[0][a], 1))),
  d: (c) => E.div(E.num(1), E.num(axesOf(c.attrs).reduce((p, a) => p * c.shapes[0][a], 1))),
  latex: (a, axes) => `\\operatorname{mean}${axes ? `_{\\text{${axes}}}` : ""}(${a})`,
  text: (a, axes) => `mean${axes ? `_{${axes}}` : ""}(${a})`,
});
// Ties share the gradient evenly (as JAX's and PyTorch's amax do).
function extremum<T>(gk: T, x: T, yk: T, c: RuleContext<T>, A: Algebra<T>): T {
  const hit = A.equal(x, yk);
  const count = A.sum(hit, axesOf(c.attrs), true);
  return A.mul(A.div(gk, count), hit);
}
function extremumIndex(c: IndexContext, x: IndexExpr, y: IndexExpr): IndexExpr {
  // [x_I = y_J] / (number of ties): the count is itself a sum over the reduced axes of y_J's
  // own slice (kept axes read J, so the count is >= 1 even where the delta on them is 0).
  const axes = axesOf(c.attrs);
  const kept = keptIndex(c);
  const fresh = axes.map((a) => `${c.I[a]}'`);
  let count: IndexExpr = E.cmp(
    "eq",
    E.inp(
      0,
      kept.map((j, a) => (j === null ? E.idx(fresh[axes.indexOf(a)]) : E.idx(j))),
    ),
    y,
  );
  for (let t = axes.length - 1; t >= 0; t--) count = E.sum(fresh[t], c.shapes[0][axes[t]], count);
  return E.div(E.cmp("eq", x, y), count);
}
export const max = reduction({
  name: "max",
  kind: R.Max,
  smooth: false,
  vjp: extremum,
  d: extremumIndex,
  latex: (a, axes) => `\\max${axes ? `_{\\text{${axes}}}` : ""}(${a})`,
  text: (a, axes) => `max${axes ? `_{${axes}}` : ""}(${a})`,
});
export const min = reduction({
  name: "min",
  kind: R.Min,
  smooth: false,
  vjp: extremum,
  d: extremumIndex,
  latex: (a, axes) => `\\min${axes ? `_{\\text{${axes}}}` : ""}(${a})`,
  text: (a, axes) => `min${axes ? `_{${axes}}` : ""}(${a})`,
});
/**
 * d prod / d x_i = the product of the other entries (exactly, as PyTorch: no prod / x_i, which
 * is 0/0 at a zero). With z zeros in a reduced group: z = 0 gives prod / x_i; z = 1 gives the
 * product of the non-zero entries at the zero and 0 elsewhere; z >= 2 gives 0. Written so the
 * rule stays differentiable: xs is x with zeros read as 1, xz is 1 with the zeros kept (its
 * product carries the zero, and its derivative, into the other entries' gradients).
 */
function prodRule<T>(gk: T, x: T, _yk: T, c: RuleContext<T>, A: Algebra<T>): T {
  const axes = axesOf(c.attrs);
  const zero = A.scalar(0),
    one = A.scalar(1);
  const isZero = A.equal(x, zero);
  const xs = A.where(isZero, one, x);
  const xz = A.where(isZero, x, one);
  const kept = { axes, keepDims: true };
  const nonZeroProd = A.call("prod", [xs], kept);
  const zeroProd = A.call("prod", [xz], kept);
  const zeros = A.sum(isZero, axes, true);
  const atZero = A.where(A.equal(zeros, one), nonZeroProd, zero);
  return A.mul(gk, A.where(isZero, atZero, A.mul(A.div(nonZeroProd, xs), zeroProd)));
}
// The index form prod / x_i is the same number wherever no entry is 0 (the test domain); the
// display shows it as the textbook form.
export const prod = reduction({
  name: "prod",
  kind: R.Prod,
  smooth: true,
  domain: [0.5, 1.5, 0],
  vjp: prodRule,
  d: (_c, x, y) => E.div(y, x),
  latex: (a, axes) => `\\prod${axes ? `_{\\text{${axes}}}` : ""} ${a}`,
  text: (a, axes) => `prod${axes ? `_{${axes}}` : ""}(${a})`,
});

/** Sums `x` down to `attrs.shape` (the shape it was broadcast from). */
export const sumTo: OpDef = {
  name: "sumTo",
  family: "reduce",
  smooth: true,
  forward([x], attrs) {
    const shape = attrs.shape as number[];
    const data = reduceData(R.Sum, x, sumToAxes(x.shape, shape));
    return { data, shape: shape.slice() };
  },
  vjp: (g, c, A) => [A.broadcastTo(g, c.shapes[0].slice())],
  index: (c) => {
    const shape = c.outShape;
    const lead = c.shapes[0].length - shape.length;
    const ds: IndexExpr[] = [];
    for (let b = 0; b < shape.length; b++)
      if (shape[b] === c.shapes[0][b + lead]) ds.push(E.delta(E.idx(c.J[b]), E.idx(c.I[b + lead])));
    return E.mul(...ds);
  },
  latex: ([a]) => `\\operatorname{sumTo}(${a})`,
  text: ([a]) => `sumTo(${a})`,
  compact: ([a], attrs, mode) => sumOver(sumToAxes(a.shape, attrs.shape as number[]), a, mode),
  showAttrs: (attrs) => ({ shape: JSON.stringify(attrs.shape) }),
  samples(seed) {
    const rng = rngOf(seed);
    return [
      { inputs: [uniform([2, 3], rng)], attrs: { shape: [3] } },
      { inputs: [uniform([2, 3], rng)], attrs: { shape: [2, 1] } },
      { inputs: [uniform([2, 3, 4], rng)], attrs: { shape: [1, 4] } },
      { inputs: [uniform([3], rng)], attrs: { shape: [] } },
    ];
  },
};

export const reduceOps: OpDef[] = [sum, mean, max, min, prod, sumTo];
