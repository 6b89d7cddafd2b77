/**
 * Elementwise functions of two tensors with NumPy broadcasting, plus `where`. Rules return
 * gradients in the broadcast shape; the engine sums them back to each input's shape.
 */
import type { Algebra, OpDef, RuleContext } from "./OpDef";
import { Tensor, type Storage } from "../tensor/Tensor";
import { alloc, expandTo, resultDType } from "../tensor/storage";
import { broadcastShapes, sameShape, sizeOf } from "../tensor/shape";
import { E, type IndexExpr } from "./IndexExpr";
import { alignedDeltas, inAtOut, outAtOut } from "./indexRules";
import { BINARY_SHAPES, rngOf, uniform } from "./samples";
import type { IndexContext } from "./OpDef";
import { ADD, ATOM, MUL, NEG, POST, type Operand, coeff, isScalar, paren, sup } from "./notation";

const enum K {
  Add,
  Sub,
  Mul,
  Div,
  Pow,
  Max,
  Min,
  Gt,
  Eq,
  Rem,
  Atan2,
}

// One loop per kernel (no per-element closure). Operand indices advance by sa / sb per
// element: 1 walks an array, 0 repeats one value (a scalar or one broadcast row entry).
function run(
  k: K,
  a: ArrayLike<number>,
  ia: number,
  sa: number,
  b: ArrayLike<number>,
  ib: number,
  sb: number,
  o: Float64Array | Float32Array,
  io: number,
  n: number,
): void {
  const end = io + n;
  switch (k) {
    case K.Add:
      for (let i = io; i < end; i++, ia += sa, ib += sb) o[i] = a[ia] + b[ib];
      break;
    case K.Sub:
      for (let i = io; i < end; i++, ia += sa, ib += sb) o[i] = a[ia] - b[ib];
      break;
    case K.Mul:
      for (let i = io; i < end; i++, ia += sa, ib += sb) o[i] = a[ia] * b[ib];
      break;
    case K.Div:
      for (let i = io; i < end; i++, ia += sa, ib += sb) o[i] = a[ia] / b[ib];
      break;
    case K.Pow:
      for (let i = io; i < end; i++, ia += sa, ib += sb) o[i] = Math.pow(a[ia], b[ib]);
      break;
    // NaN propagates from either side, as numpy.maximum does.
    case K.Max:
      for (let i = io; i < end; i++, ia += sa, ib += sb) {
        const x = a[ia],
          y = b[ib];
        o[i] = x > y || x !== x ? x : y;
      }
      break;
    case K.Min:
      for (let i = io; i < end; i++, ia += sa, ib += sb) {
        const x = a[ia],
          y = b[ib];
        o[i] = x < y || x !== x ? x : y;
      }
      break;
    case K.Gt:
      for (let i = io; i < end; i++, ia += sa, ib += sb) o[i] = a[ia] > b[ib] ? 1 : 0;
      break;
    case K.Eq:
      for (let i = io; i < end; i++, ia += sa, ib += sb) o[i] = a[ia] === b[ib] ? 1 : 0;
      break;
    // Python's / PyTorch's remainder: the result has the sign of the divisor.
    case K.Rem:
      for (let i = io; i < end; i++, ia += sa, ib += sb) {
        const x = a[ia],
          y = b[ib];
        o[i] = x - y * Math.floor(x / y);
      }
      break;
    case K.Atan2:
      for (let i = io; i < end; i++, ia += sa, ib += sb) o[i] = Math.atan2(a[ia], b[ib]);
      break;
  }
}

/**
 * When `small` broadcasts against `shape` only by repetition of whole trailing blocks (a
 * scalar, a bias row [n] against [m, n], a [1, n] against [k, m, n]), the length of the block;
 * otherwise 0. Those cases need no expanded copy.
 */
function trailingBlock(small: readonly number[], shape: readonly number[]): number {
  const lead = shape.length - small.length;
  let block = 1;
  let i = small.length - 1;
  for (; i >= 0 && small[i] === shape[i + lead]; i--) block *= small[i];
  for (; i >= 0; i--) if (small[i] !== 1) return 0;
  return block;
}

/** a (op) b with broadcasting into a new array; fast paths avoid expanding either operand. */
function broadcastRun(
  name: string,
  k: K,
  a: Tensor,
  b: Tensor,
): { data: Float64Array | Float32Array; shape: readonly number[] } {
  const ad = a.data,
    bd = b.data;
  if (sameShape(a.shape, b.shape)) {
    const out = alloc(ad.length, resultDType([a, b]));
    run(k, ad, 0, 1, bd, 0, 1, out, 0, ad.length);
    return { data: out, shape: a.shape };
  }
  const shape = broadcastShapes(name, a.shape, b.shape);
  const out = alloc(sizeOf(shape), resultDType([a, b]));
  const n = out.length;
  if (ad.length === n && n > 0) {
    const L = trailingBlock(b.shape, shape);
    if (L > 0) {
      if (L === 1) run(k, ad, 0, 1, bd, 0, 0, out, 0, n);
      else for (let o = 0; o < n; o += L) run(k, ad, o, 1, bd, 0, 1, out, o, L);
      return { data: out, shape };
    }
  } else if (bd.length === n && n > 0) {
    const L = trailingBlock(a.shape, shape);
    if (L > 0) {
      if (L === 1) run(k, ad, 0, 0, bd, 0, 1, out, 0, n);
      else for (let o = 0; o < n; o += L) run(k, ad, 0, 1, bd, o, 1, out, o, L);
      return { data: out, shape };
    }
  }
  const ae = expandTo(ad, a.shape, shape);
  const be = expandTo(bd, b.shape, shape);
  run(k, ae, 0, 1, be, 0, 1, out, 0, n);
  return { data: out, shape };
}

/** One input's gradient: dL/d(that input) from g = dL/dy, the operands a, b and the output y. */
type Partial = <T>(g: T, a: T, b: T, y: T, A: Algebra<T>) => T | null;

interface BinarySpec {
  name: string;
  kernel: K;
  /**
   * The rule, one function per input (dL/da, dL/db given g = dL/dy), so backward computes only
   * the gradients it needs (RuleContext.needs): y - c or x^2 never work out the constant's.
   */
  vjp: [Partial, Partial];
  /** Local partials d y / d a and d y / d b at the output index. */
  d: [(a: IndexExpr, b: IndexExpr, y: IndexExpr) => IndexExpr, (a: IndexExpr, b: IndexExpr, y: IndexExpr) => IndexExpr];
  latex: (a: string, b: string) => string;
  text: (a: string, b: string) => string;
  compact?: OpDef["compact"];
  printsAsAlgebra?: boolean;
  domain?: [[number, number, number], [number, number, number]];
  smooth?: boolean;
  nondiff?: number[];
  /**
   * Optional: `vjp` fused into one loop for operands of one shape (no broadcasting), writing
   * da and/or db (null: not wanted) with the same arithmetic as `vjp`; see OpDef.vjpKernel.
   */
  dloop?: (g: Storage, a: Storage, b: Storage, da: Storage | null, db: Storage | null) => void;
}

/** A kernel's result as a tensor: one written into g (same shape here) is g itself. */
function asGradient(d: Storage | null, g: Tensor, shape: readonly number[]): Tensor | null {
  return d === null ? null : d === g.data ? g : new Tensor(d, shape);
}

function binary(s: BinarySpec): OpDef {
  const dloop = s.dloop;
  return {
    name: s.name,
    family: "binary",
    smooth: s.smooth ?? true,
    nondiff: s.nondiff,
    forward([a, b]: readonly Tensor[]) {
      return broadcastRun(s.name, s.kernel, a, b);
    },
    shape: ([a, b]) => broadcastShapes(s.name, a, b),
    vjp<T>(g: T, c: RuleContext<T>, A: Algebra<T>) {
      const [a, b] = c.inputs;
      const n = c.needs;
      return [!n || n[0] ? s.vjp[0](g, a, b, c.out, A) : null, !n || n[1] ? s.vjp[1](g, a, b, c.out, A) : null];
    },
    vjpKernel: dloop
      ? (g, c) => {
          const [a, b] = c.inputs;
          if (!sameShape(a.shape, b.shape) || !sameShape(g.shape, a.shape)) return undefined;
          const da0 = resultDType([g, b]),
            db0 = resultDType([g, a]);
          // g may take one result (dloop reads g[i] before writing index i): db, else da.
          const wantA = !c.needs || c.needs[0],
            wantB = !c.needs || c.needs[1];
          const inG = c.gWritable ? (wantB && db0 === g.dtype ? 1 : wantA && da0 === g.dtype ? 0 : -1) : -1;
          const da = wantA ? (inG === 0 ? g.data : alloc(a.size, da0)) : null;
          const db = wantB ? (inG === 1 ? g.data : alloc(b.size, db0)) : null;
          dloop(g.data, a.data, b.data, da, db);
          return [asGradient(da, g, a.shape), asGradient(db, g, b.shape)];
        }
      : undefined,
    index: (c: IndexContext) => E.mul(alignedDeltas(c), s.d[c.argnum](inAtOut(c, 0), inAtOut(c, 1), outAtOut(c))),
    latex: ([a, b]) => s.latex(a, b),
    text: ([a, b]) => s.text(a, b),
    compact: s.compact,
    printsAsAlgebra: s.printsAsAlgebra,
    samples(seed) {
      const rng = rngOf(seed);
      const [da, db] = s.domain ?? [
        [-2, 2, 0],
        [-2, 2, 0],
      ];
      return BINARY_SHAPES.map(([sa, sb]) => ({
        inputs: [uniform(sa, rng, ...da), uniform(sb, rng, ...db)],
        label: `${JSON.stringify(sa)} with ${JSON.stringify(sb)}`,
      }));
    },
  };
}

const one = E.num(1);
export const add = binary({
  name: "add",
  printsAsAlgebra: true,
  kernel: K.Add,
  vjp: [(g) => g, (g) => g],
  d: [() => one, () => one],
  latex: (a, b) => `${a} + ${b}`,
  text: (a, b) => `${a} + ${b}`,
  compact: ([a, b], _attrs, mode) => ({ s: `${paren(a, ADD, mode)} + ${paren(b, ADD, mode)}`, prec: ADD }),
});
export const sub = binary({
  name: "sub",
  printsAsAlgebra: true,
  kernel: K.Sub,
  vjp: [(g) => g, (g, _a, _b, _y, A) => A.neg(g)],
  d: [() => one, () => E.num(-1)],
  latex: (a, b) => `${a} - ${b}`,
  text: (a, b) => `${a} - ${b}`,
  compact: ([a, b], _attrs, mode) => ({ s: `${paren(a, ADD, mode)} - ${paren(b, MUL, mode)}`, prec: ADD }),
});
export const mul = binary({
  name: "mul",
  printsAsAlgebra: true,
  kernel: K.Mul,
  vjp: [(g, _a, b, _y, A) => A.mul(g, b), (g, a, _b, _y, A) => A.mul(g, a)],
  // One pass over g for both gradients (tanh(x*y)'s backward reads g once, not twice).
  dloop: (g, a, b, da, db) => {
    const n = g.length;
    if (da && db)
      for (let i = 0; i < n; i++) {
        const v = g[i];
        da[i] = v * b[i];
        db[i] = v * a[i];
      }
    else if (da) for (let i = 0; i < n; i++) da[i] = g[i] * b[i];
    else if (db) for (let i = 0; i < n; i++) db[i] = g[i] * a[i];
  },
  d: [(_a, b) => b, (a) => a],
  latex: (a, b) => `${a} \\odot ${b}`,
  text: (a, b) => `${a} ⊙ ${b}`,
  compact([a, b], _attrs, mode) {
    // A constant factor leads (2 y, -g); a scalar scales by juxtaposition; tensors multiply elementwise.
    if (a.value !== undefined && isScalar(a)) {
      if (a.value === -1) return { s: `-${paren(b, MUL, mode)}`, prec: NEG };
      const c = coeff(a.value, mode);
      return { s: `${c.s} ${paren(b, MUL, mode)}`, prec: c.prec === NEG ? NEG : MUL, kind: "scale" };
    }
    if (isScalar(a) || isScalar(b))
      return { s: `${paren(a, POST, mode)} ${paren(b, MUL, mode)}`, prec: MUL, kind: "scale" };
    // A matrix product inside a Hadamard product is bracketed: (U^T c) ⊙ y.
    const factor = (p: Operand) => (p.kind === "matmul" ? paren({ ...p, prec: MUL }, ATOM, mode) : paren(p, MUL, mode));
    return { s: `${factor(a)} ${mode === "latex" ? "\\odot" : "⊙"} ${factor(b)}`, prec: MUL, kind: "odot" };
  },
});
export const div = binary({
  name: "div",
  printsAsAlgebra: true,
  kernel: K.Div,
  vjp: [(g, _a, b, _y, A) => A.div(g, b), (g, _a, b, y, A) => A.neg(A.div(A.mul(g, y), b))],
  d: [(_a, b) => E.div(one, b), (_a, b, y) => E.neg(E.div(y, b))],
  latex: (a, b) => `${a} \\oslash ${b}`,
  text: (a, b) => `${a} ⊘ ${b}`,
  compact([a, b], _attrs, mode) {
    if (isScalar(b))
      return mode === "latex"
        ? { s: `\\frac{${a.s}}{${b.s}}`, prec: ATOM }
        : { s: `${paren(a, MUL, mode)} / ${paren(b, ATOM, mode)}`, prec: MUL };
    const op = mode === "latex" ? "\\oslash" : "⊘";
    return { s: `${paren(a, MUL, mode)} ${op} ${paren(b, POST, mode)}`, prec: MUL, kind: "odot" };
  },
  domain: [
    [-2, 2, 0],
    [0.5, 2, 0],
  ],
});
// d/db a^b = a^b log a; at a = 0 that is 0 * -inf, whose limit for b > 0 is 0 (PyTorch and
// TF.js give 0): log reads 1 where a = 0, so the product is exactly 0 and stays differentiable.
const safeLog = <T>(a: T, A: Algebra<T>): T => A.log(A.where(A.equal(a, A.scalar(0)), A.scalar(1), a));
export const pow = binary({
  name: "pow",
  printsAsAlgebra: true,
  kernel: K.Pow,
  vjp: [
    (g, a, b, _y, A) => A.mul(g, A.mul(b, A.pow(a, A.sub(b, A.scalar(1))))),
    (g, a, _b, y, A) => A.mul(g, A.mul(y, safeLog(a, A))),
  ],
  d: [
    (a, b) => E.mul(b, E.pow(a, E.sub(b, one))),
    (a, _b, y) => E.mul(y, E.fn("log", E.add(a, E.cmp("eq", a, E.num(0))))),
  ],
  latex: (a, b) => `{${a}}^{${b}}`,
  text: (a, b) => `${a}^${b}`,
  compact([a, b], _attrs, mode) {
    const base = sup(paren(a, ATOM, mode), mode);
    return { s: mode === "latex" ? `${base}^{${b.s}}` : `${base}^${paren(b, ATOM, mode)}`, prec: POST };
  },
  domain: [
    [0.5, 2, 0],
    [-1.5, 2, 0],
  ],
});
/** remainder(a, b) = a - b floor(a / b) (sign of b, as PyTorch's remainder and Python's %). */
export const remainder = binary({
  name: "remainder",
  kernel: K.Rem,
  vjp: [(g) => g, (g, a, b, _y, A) => A.neg(A.mul(g, A.call("floor", [A.div(a, b)])))],
  d: [() => one, (a, b) => E.neg(E.fn("floor", E.div(a, b)))],
  latex: (a, b) => `${a} \\bmod ${b}`,
  text: (a, b) => `${a} mod ${b}`,
  domain: [
    [-3, 3, 0],
    [0.7, 2, 0],
  ],
  smooth: false,
});
const radius2 = <T>(a: T, b: T, A: Algebra<T>): T => A.add(A.square(a), A.square(b));
/** atan2(a, b): the angle of the point (b, a); d/da = b / (a^2 + b^2), d/db = -a / (a^2 + b^2). */
export const atan2 = binary({
  name: "atan2",
  kernel: K.Atan2,
  vjp: [
    (g, a, b, _y, A) => A.div(A.mul(g, b), radius2(a, b, A)),
    (g, a, b, _y, A) => A.neg(A.div(A.mul(g, a), radius2(a, b, A))),
  ],
  d: [
    (a, b) => E.div(b, E.add(E.pow(a, E.num(2)), E.pow(b, E.num(2)))),
    (a, b) => E.neg(E.div(a, E.add(E.pow(a, E.num(2)), E.pow(b, E.num(2))))),
  ],
  latex: (a, b) => `\\operatorname{atan2}(${a}, ${b})`,
  text: (a, b) => `atan2(${a}, ${b})`,
  domain: [
    [-2, 2, 0.2],
    [-2, 2, 0.2],
  ],
});
// Ties split the gradient evenly between both inputs (JAX's convention for max/min).
const tieHalf = <T>(a: T, b: T, A: Algebra<T>): T => A.mul(A.scalar(0.5), A.equal(a, b));
export const maximum = binary({
  name: "maximum",
  kernel: K.Max,
  vjp: [
    (g, a, b, _y, A) => A.mul(g, A.add(A.greater(a, b), tieHalf(a, b, A))),
    (g, a, b, _y, A) => A.mul(g, A.add(A.greater(b, a), tieHalf(a, b, A))),
  ],
  d: [
    (a, b) => E.add(E.cmp("gt", a, b), E.mul(E.num(0.5), E.cmp("eq", a, b))),
    (a, b) => E.add(E.cmp("gt", b, a), E.mul(E.num(0.5), E.cmp("eq", a, b))),
  ],
  latex: (a, b) => `\\max(${a}, ${b})`,
  text: (a, b) => `max(${a}, ${b})`,
  smooth: false,
});
export const minimum = binary({
  name: "minimum",
  kernel: K.Min,
  vjp: [
    (g, a, b, _y, A) => A.mul(g, A.add(A.greater(b, a), tieHalf(a, b, A))),
    (g, a, b, _y, A) => A.mul(g, A.add(A.greater(a, b), tieHalf(a, b, A))),
  ],
  d: [
    (a, b) => E.add(E.cmp("lt", a, b), E.mul(E.num(0.5), E.cmp("eq", a, b))),
    (a, b) => E.add(E.cmp("lt", b, a), E.mul(E.num(0.5), E.cmp("eq", a, b))),
  ],
  latex: (a, b) => `\\min(${a}, ${b})`,
  text: (a, b) => `min(${a}, ${b})`,
  smooth: false,
});
export const greater = binary({
  name: "greater",
  kernel: K.Gt,
  vjp: [() => null, () => null],
  d: [() => E.num(0), () => E.num(0)],
  latex: (a, b) => `[${a} > ${b}]`,
  text: (a, b) => `[${a} > ${b}]`,
  nondiff: [0, 1],
  smooth: false,
});
export const equal = binary({
  name: "equal",
  kernel: K.Eq,
  vjp: [() => null, () => null],
  d: [() => E.num(0), () => E.num(0)],
  latex: (a, b) => `[${a} = ${b}]`,
  text: (a, b) => `[${a} = ${b}]`,
  nondiff: [0, 1],
  smooth: false,
});

/** where(cond, a, b): a where cond is non-zero, else b; cond gets no gradient. */
export const where: OpDef = {
  name: "where",
  family: "binary",
  smooth: true,
  nondiff: [0],
  forward([c, a, b]) {
    const shape = broadcastShapes("where", broadcastShapes("where", c.shape, a.shape), b.shape);
    const cd = expandTo(c.data, c.shape, shape);
    const ad = expandTo(a.data, a.shape, shape);
    const bd = expandTo(b.data, b.shape, shape);
    const out = alloc(Math.max(cd.length, ad.length, bd.length), resultDType([a, b]));
    for (let i = 0; i < out.length; i++) out[i] = cd[i] !== 0 ? ad[i] : bd[i];
    return { data: out, shape };
  },
  vjp(g, c, A) {
    const zero = A.scalar(0);
    const n = c.needs;
    return [null, !n || n[1] ? A.where(c.inputs[0], g, zero) : null, !n || n[2] ? A.where(c.inputs[0], zero, g) : null];
  },
  index: (c) => {
    const cond = E.cmp("eq", inAtOut(c, 0), E.num(0));
    return E.mul(alignedDeltas(c), c.argnum === 1 ? E.sub(one, cond) : cond);
  },
  latex: ([c, a, b]) => `\\operatorname{where}(${c}, ${a}, ${b})`,
  text: ([c, a, b]) => `where(${c}, ${a}, ${b})`,
  samples(seed) {
    const rng = rngOf(seed);
    return BINARY_SHAPES.map(([sa, sb]) => {
      const cond = uniform(sa, rng);
      const cd = new Float64Array(cond.data.length);
      for (let i = 0; i < cd.length; i++) cd[i] = cond.data[i] > 0 ? 1 : 0;
      return { inputs: [new Tensor(cd, sa), uniform(sa, rng), uniform(sb, rng)] };
    });
  },
};

export const binaryOps: OpDef[] = [add, sub, mul, div, pow, remainder, atan2, maximum, minimum, greater, equal, where];
