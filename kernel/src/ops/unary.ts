/**
 * Elementwise functions of one tensor. Each reads as micrograd does: the forward kernel and its
 * derivative side by side. `d` is the local derivative as an index expression at the output
 * index (x = the input element, y = the output element); `vjp` is the same rule for tensors.
 */
import type { Algebra, Attrs, OpDef, RuleContext } from "./OpDef";
import { Tensor, type Storage } from "../tensor/Tensor";
import { alloc, resultDType } from "../tensor/storage";
import { sameShape } from "../tensor/shape";
import { E, type IndexExpr } from "./IndexExpr";
import { alignedDeltas, inAtOut, outAtOut } from "./indexRules";
import { UNARY_SHAPES, rngOf, uniform } from "./samples";
import { erfScalar, tanhArray } from "../tensor/kernels/special";
import { ATOM, MUL, NEG, POST, isScalar, paren, sup } from "./notation";

type Loop = (x: ArrayLike<number>, out: Float64Array | Float32Array, attrs: Attrs) => void;

interface UnarySpec {
  name: string;
  /**
   * The function as a whole-array loop. Written out per op (not built from a scalar function by
   * a helper) so each loop is its own function the JIT can specialise; one shared loop calling a
   * scalar function per element would see every op's function and inline none.
   */
  loop: Loop;
  vjp: <T>(g: T, x: T, y: T, A: Algebra<T>, attrs: Attrs) => T;
  /**
   * Optional: `vjp` fused into one loop (out = g * f'(x), same arithmetic in the same order),
   * for backward without a recorded gradient graph (OpDef.vjpKernel).
   */
  dloop?: (g: Storage, x: Storage, y: Storage, out: Storage) => void;
  d: (x: IndexExpr, y: IndexExpr, attrs: Attrs) => IndexExpr;
  latex: (a: string, attrs: Attrs) => string;
  text: (a: string, attrs: Attrs) => string;
  /** How tightly `latex`/`text`'s form binds in the compact form, where not an atom (exp's e^{x}). */
  binds?: number;
  compact?: OpDef["compact"];
  printsAsAlgebra?: boolean;
  /** Attribute sets the samples cycle through (negativeSlope, alpha, min/max). */
  attrSamples?: Attrs[];
  showAttrs?: (attrs: Attrs) => Record<string, string>;
  /** Sample domain [lo, hi) and gap kept from 0 (kinks, poles). */
  domain?: [number, number, number];
  smooth?: boolean;
  /** Output has no gradient at all (sign). */
  nondiff?: boolean;
}

function unary(s: UnarySpec): OpDef {
  const loop = s.loop;
  const dloop = s.dloop;
  return {
    name: s.name,
    family: "unary",
    smooth: s.smooth ?? true,
    nondiff: s.nondiff ? [0] : undefined,
    forward([x]: readonly Tensor[], attrs: Attrs) {
      const out = alloc(x.data.length, x.dtype);
      loop(x.data, out, attrs);
      return { data: out, shape: x.shape };
    },
    shape: ([x]) => x.slice(),
    vjp<T>(g: T, c: RuleContext<T>, A: Algebra<T>) {
      return [s.vjp(g, c.inputs[0], c.out, A, c.attrs)];
    },
    vjpKernel: dloop
      ? (g, c) => {
          const x = c.inputs[0];
          const dt = resultDType([g, x]);
          // Elementwise at one index (out[i] from g[i]), so writing into g itself is safe.
          const out = c.gWritable && g.dtype === dt && g.size === x.size ? g.data : alloc(x.size, dt);
          dloop(g.data, x.data, c.out.data, out);
          // Written in place: g itself is the result (no new tensor for it).
          return [out === g.data && sameShape(g.shape, x.shape) ? g : new Tensor(out, x.shape)];
        }
      : undefined,
    index: (c) => E.mul(alignedDeltas(c), s.d(inAtOut(c, 0), outAtOut(c), c.attrs)),
    latex: ([a], attrs) => s.latex(a, attrs),
    text: ([a], attrs) => s.text(a, attrs),
    compact:
      s.compact ??
      (s.binds === undefined
        ? undefined
        : ([a], attrs, mode) => ({ s: mode === "latex" ? s.latex(a.s, attrs) : s.text(a.s, attrs), prec: s.binds! })),
    printsAsAlgebra: s.printsAsAlgebra,
    showAttrs: s.showAttrs,
    samples(seed) {
      const rng = rngOf(seed);
      const [lo, hi, gap] = s.domain ?? [-2, 2, 0];
      const variants = s.attrSamples ?? [{}];
      return UNARY_SHAPES.map((shape, k) => ({
        inputs: [uniform(shape, rng, lo, hi, gap)],
        attrs: variants[k % variants.length],
      }));
    },
  };
}

const one = E.num(1);
const fnL = (cmd: string) => (a: string) => `${cmd}\\left(${a}\\right)`;
const fnT = (name: string) => (a: string) => `${name}(${a})`;

export const neg = unary({
  name: "neg",
  printsAsAlgebra: true,
  loop: (x, o) => {
    for (let i = 0; i < x.length; i++) o[i] = -x[i];
  },
  vjp: (g, _x, _y, A) => A.neg(g),
  dloop: (g, _x, _y, o) => {
    for (let i = 0; i < g.length; i++) o[i] = -g[i];
  },
  d: () => E.num(-1),
  latex: (a) => `-${a}`,
  text: (a) => `-${a}`,
  compact: ([a], _attrs, mode) => ({ s: `-${paren(a, MUL, mode)}`, prec: NEG }),
});
export const square = unary({
  name: "square",
  printsAsAlgebra: true,
  loop: (x, o) => {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      o[i] = v * v;
    }
  },
  vjp: (g, x, _y, A) => A.mul(g, A.mul(A.scalar(2), x)),
  dloop: (g, x, _y, o) => {
    for (let i = 0; i < g.length; i++) o[i] = g[i] * (2 * x[i]);
  },
  d: (x) => E.mul(E.num(2), x),
  latex: (a) => `${a}^{2}`,
  text: (a) => `${a}^2`,
  compact([a], _attrs, mode) {
    const L = mode === "latex";
    if (isScalar(a))
      return { s: L ? `${sup(paren(a, ATOM, mode), mode)}^{2}` : `${paren(a, ATOM, mode)}^2`, prec: POST };
    // A tensor squares elementwise: y ⊙ y for a name, (1 - y)^{⊙2} for a longer form.
    if (a.prec === ATOM) return { s: `${a.s} ${L ? "\\odot" : "⊙"} ${a.s}`, prec: MUL, kind: "odot" };
    return { s: L ? `${sup(paren(a, ATOM, mode), mode)}^{\\odot 2}` : `${paren(a, ATOM, mode)}^⊙2`, prec: POST };
  },
});
export const sqrt = unary({
  name: "sqrt",
  printsAsAlgebra: true,
  loop: (x, o) => {
    for (let i = 0; i < x.length; i++) o[i] = Math.sqrt(x[i]);
  },
  vjp: (g, _x, y, A) => A.div(g, A.mul(A.scalar(2), y)),
  dloop: (g, _x, y, o) => {
    for (let i = 0; i < g.length; i++) o[i] = g[i] / (2 * y[i]);
  },
  d: (_x, y) => E.div(one, E.mul(E.num(2), y)),
  latex: (a) => `\\sqrt{${a}}`,
  text: fnT("sqrt"),
  domain: [0.2, 3, 0],
});
export const abs = unary({
  name: "abs",
  loop: (x, o) => {
    for (let i = 0; i < x.length; i++) o[i] = Math.abs(x[i]);
  },
  vjp: (g, x, _y, A) => A.mul(g, A.sign(x)),
  d: (x) => E.fn("sign", x),
  latex: (a) => `\\left|${a}\\right|`,
  text: (a) => `|${a}|`,
  domain: [-2, 2, 0.1],
  smooth: false,
});
export const exp = unary({
  name: "exp",
  printsAsAlgebra: true,
  loop: (x, o) => {
    for (let i = 0; i < x.length; i++) o[i] = Math.exp(x[i]);
  },
  vjp: (g, _x, y, A) => A.mul(g, y),
  dloop: (g, _x, y, o) => {
    for (let i = 0; i < g.length; i++) o[i] = g[i] * y[i];
  },
  d: (_x, y) => y,
  latex: (a) => `e^{${a}}`,
  text: fnT("exp"),
  binds: POST,
});
export const log = unary({
  name: "log",
  printsAsAlgebra: true,
  loop: (x, o) => {
    for (let i = 0; i < x.length; i++) o[i] = Math.log(x[i]);
  },
  vjp: (g, x, _y, A) => A.div(g, x),
  dloop: (g, x, _y, o) => {
    for (let i = 0; i < g.length; i++) o[i] = g[i] / x[i];
  },
  d: (x) => E.div(one, x),
  latex: fnL("\\log"),
  text: fnT("log"),
  domain: [0.2, 3, 0],
});
export const sin = unary({
  name: "sin",
  printsAsAlgebra: true,
  loop: (x, o) => {
    for (let i = 0; i < x.length; i++) o[i] = Math.sin(x[i]);
  },
  vjp: (g, x, _y, A) => A.mul(g, A.cos(x)),
  d: (x) => E.fn("cos", x),
  latex: fnL("\\sin"),
  text: fnT("sin"),
});
export const cos = unary({
  name: "cos",
  printsAsAlgebra: true,
  loop: (x, o) => {
    for (let i = 0; i < x.length; i++) o[i] = Math.cos(x[i]);
  },
  vjp: (g, x, _y, A) => A.neg(A.mul(g, A.sin(x))),
  d: (x) => E.neg(E.fn("sin", x)),
  latex: fnL("\\cos"),
  text: fnT("cos"),
});
export const tanh = unary({
  name: "tanh",
  loop: (x, o) => tanhArray(x, o),
  vjp: (g, _x, y, A) => A.mul(g, A.sub(A.scalar(1), A.square(y))),
  dloop: (g, _x, y, o) => {
    for (let i = 0; i < g.length; i++) {
      const v = y[i];
      o[i] = g[i] * (1 - v * v);
    }
  },
  d: (_x, y) => E.sub(one, E.pow(y, E.num(2))),
  latex: fnL("\\tanh"),
  text: fnT("tanh"),
});
export const sigmoid = unary({
  name: "sigmoid",
  loop: (x, o) => {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      o[i] = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
    }
  },
  vjp: (g, _x, y, A) => A.mul(g, A.mul(y, A.sub(A.scalar(1), y))),
  dloop: (g, _x, y, o) => {
    for (let i = 0; i < g.length; i++) {
      const v = y[i];
      o[i] = g[i] * (v * (1 - v));
    }
  },
  d: (_x, y) => E.mul(y, E.sub(one, y)),
  latex: fnL("\\sigma"),
  text: fnT("sigmoid"),
});
export const relu = unary({
  name: "relu",
  loop: (x, o) => {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      o[i] = v > 0 ? v : 0;
    }
  },
  vjp: (g, x, _y, A) => A.mul(g, A.greater(x, A.scalar(0))),
  dloop: (g, x, _y, o) => {
    for (let i = 0; i < g.length; i++) o[i] = g[i] * (x[i] > 0 ? 1 : 0);
  },
  d: (x) => E.cmp("gt", x, E.num(0)),
  latex: fnL("\\operatorname{relu}"),
  text: fnT("relu"),
  domain: [-2, 2, 0.1],
  smooth: false,
});
export const sign = unary({
  name: "sign",
  loop: (x, o) => {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      o[i] = v > 0 ? 1 : v < 0 ? -1 : 0;
    }
  },
  vjp: (g, _x, _y, A) => A.mul(g, A.scalar(0)),
  d: () => E.num(0),
  latex: fnL("\\operatorname{sign}"),
  text: fnT("sign"),
  domain: [-2, 2, 0.1],
  nondiff: true,
});

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

export const erf = unary({
  name: "erf",
  loop: (x, o) => {
    for (let i = 0; i < x.length; i++) o[i] = erfScalar(x[i]);
  },
  vjp: (g, x, _y, A) => A.mul(g, A.mul(A.scalar(TWO_OVER_SQRT_PI), A.exp(A.neg(A.square(x))))),
  d: (x) => E.mul(E.num(TWO_OVER_SQRT_PI), E.fn("exp", E.neg(E.pow(x, E.num(2))))),
  latex: fnL("\\operatorname{erf}"),
  text: fnT("erf"),
});
/** Exact GELU (PyTorch's default): x Phi(x) with Phi the standard normal CDF. */
const geluScalar = (v: number): number => 0.5 * v * (1 + erfScalar(v * SQRT1_2));
export const gelu = unary({
  name: "gelu",
  loop: (x, o) => {
    for (let i = 0; i < x.length; i++) o[i] = geluScalar(x[i]);
  },
  // gelu'(x) = Phi(x) + x phi(x).
  vjp: (g, x, _y, A) => {
    const Phi = A.mul(A.scalar(0.5), A.add(A.scalar(1), A.call("erf", [A.mul(A.scalar(SQRT1_2), x)])));
    const phi = A.mul(A.scalar(INV_SQRT_2PI), A.exp(A.mul(A.scalar(-0.5), A.square(x))));
    return A.mul(g, A.add(Phi, A.mul(x, phi)));
  },
  d: (x) =>
    E.add(
      E.mul(E.num(0.5), E.add(one, E.fn("erf", E.mul(E.num(SQRT1_2), x)))),
      E.mul(x, E.num(INV_SQRT_2PI), E.fn("exp", E.mul(E.num(-0.5), E.pow(x, E.num(2))))),
    ),
  latex: fnL("\\operatorname{gelu}"),
  text: fnT("gelu"),
});
/** log(1 + e^x), written max(x, 0) + log1p(e^-|x|) so it neither overflows nor loses digits. */
const softplusScalar = (v: number): number => (v > 0 ? v : 0) + Math.log1p(Math.exp(-Math.abs(v)));
export const softplus = unary({
  name: "softplus",
  loop: (x, o) => {
    for (let i = 0; i < x.length; i++) o[i] = softplusScalar(x[i]);
  },
  vjp: (g, x, _y, A) => A.mul(g, A.call("sigmoid", [x])),
  d: (x) => E.fn("sigmoid", x),
  latex: fnL("\\operatorname{softplus}"),
  text: fnT("softplus"),
});
export const log1p = unary({
  name: "log1p",
  loop: (x, o) => {
    for (let i = 0; i < x.length; i++) o[i] = Math.log1p(x[i]);
  },
  vjp: (g, x, _y, A) => A.div(g, A.add(A.scalar(1), x)),
  d: (x) => E.div(one, E.add(one, x)),
  latex: fnL("\\operatorname{log1p}"),
  text: fnT("log1p"),
  domain: [-0.6, 2, 0],
});
export const expm1 = unary({
  name: "expm1",
  loop: (x, o) => {
    for (let i = 0; i < x.length; i++) o[i] = Math.expm1(x[i]);
  },
  vjp: (g, _x, y, A) => A.mul(g, A.add(y, A.scalar(1))),
  d: (_x, y) => E.add(y, one),
  latex: fnL("\\operatorname{expm1}"),
  text: fnT("expm1"),
});
const slopeOf = (a: Attrs): number => (a.negativeSlope as number | undefined) ?? 0.01;
export const leakyRelu = unary({
  name: "leakyRelu",
  loop: (x, o, a) => {
    const k = slopeOf(a);
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      o[i] = v > 0 ? v : k * v;
    }
  },
  vjp: (g, x, _y, A, a) =>
    A.mul(g, A.add(A.scalar(slopeOf(a)), A.mul(A.scalar(1 - slopeOf(a)), A.greater(x, A.scalar(0))))),
  d: (x, _y, a) => E.add(E.num(slopeOf(a)), E.mul(E.num(1 - slopeOf(a)), E.cmp("gt", x, E.num(0)))),
  latex: (x, a) => `\\operatorname{leakyRelu}_{${slopeOf(a)}}\\left(${x}\\right)`,
  text: (x, a) => `leakyRelu(${x}, ${slopeOf(a)})`,
  domain: [-2, 2, 0.1],
  smooth: false,
  attrSamples: [{ negativeSlope: 0.01 }, { negativeSlope: 0.2 }],
  showAttrs: (a) => ({ negativeSlope: String(slopeOf(a)) }),
});
const alphaOf = (a: Attrs): number => (a.alpha as number | undefined) ?? 1;
export const elu = unary({
  name: "elu",
  loop: (x, o, a) => {
    const al = alphaOf(a);
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      o[i] = v > 0 ? v : al * Math.expm1(v);
    }
  },
  // For x <= 0, d/dx alpha (e^x - 1) = alpha e^x = y + alpha.
  vjp: (g, x, y, A, a) => A.where(A.greater(x, A.scalar(0)), g, A.mul(g, A.add(y, A.scalar(alphaOf(a))))),
  d: (x, y, a) => E.add(E.cmp("gt", x, E.num(0)), E.mul(E.cmp("le", x, E.num(0)), E.add(y, E.num(alphaOf(a))))),
  latex: (x, a) => `\\operatorname{elu}_{${alphaOf(a)}}\\left(${x}\\right)`,
  text: (x, a) => `elu(${x}, ${alphaOf(a)})`,
  domain: [-2, 2, 0.1],
  smooth: false,
  attrSamples: [{ alpha: 1 }, { alpha: 0.5 }],
  showAttrs: (a) => ({ alpha: String(alphaOf(a)) }),
});
const lo = (a: Attrs): number => (a.min as number | undefined) ?? -Infinity;
const hi = (a: Attrs): number => (a.max as number | undefined) ?? Infinity;
// The gradient passes where min <= x <= max (inclusive, as PyTorch's clamp).
export const clamp = unary({
  name: "clamp",
  loop: (x, o, a) => {
    const l = lo(a),
      h = hi(a);
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      o[i] = v < l ? l : v > h ? h : v;
    }
  },
  vjp: (g, x, _y, A, a) => {
    let m = g;
    if (lo(a) > -Infinity) m = A.mul(m, A.sub(A.scalar(1), A.greater(A.scalar(lo(a)), x)));
    if (hi(a) < Infinity) m = A.mul(m, A.sub(A.scalar(1), A.greater(x, A.scalar(hi(a)))));
    return m;
  },
  d: (x, _y, a) =>
    E.mul(
      lo(a) > -Infinity ? E.cmp("ge", x, E.num(lo(a))) : one,
      hi(a) < Infinity ? E.cmp("le", x, E.num(hi(a))) : one,
    ),
  latex: (x, a) => `\\operatorname{clamp}_{[${lo(a)}, ${hi(a)}]}\\left(${x}\\right)`.replace(/Infinity/g, "\\infty"),
  text: (x, a) => `clamp(${x}, ${lo(a)}, ${hi(a)})`,
  domain: [-2, 2, 0],
  smooth: false,
  attrSamples: [{ min: -0.5, max: 0.7 }, { min: 0.1 }, { max: -0.3 }],
  showAttrs: (a) => ({ min: String(lo(a)), max: String(hi(a)) }),
});
export const floor = unary({
  name: "floor",
  loop: (x, o) => {
    for (let i = 0; i < x.length; i++) o[i] = Math.floor(x[i]);
  },
  vjp: (g, _x, _y, A) => A.mul(g, A.scalar(0)),
  d: () => E.num(0),
  latex: (a) => `\\left\\lfloor ${a} \\right\\rfloor`,
  text: fnT("floor"),
  domain: [-2, 2, 0.1],
  nondiff: true,
});
/** A copy that stays in the graph (gradient passes through unchanged), as torch.clone. */
export const clone = unary({
  name: "clone",
  loop: (x, o) => {
    for (let i = 0; i < x.length; i++) o[i] = x[i];
  },
  vjp: (g) => g,
  d: () => one,
  latex: fnL("\\operatorname{clone}"),
  text: fnT("clone"),
});

export const unaryOps: OpDef[] = [
  neg,
  square,
  sqrt,
  abs,
  exp,
  log,
  sin,
  cos,
  tanh,
  sigmoid,
  relu,
  sign,
  erf,
  gelu,
  softplus,
  log1p,
  expm1,
  leakyRelu,
  elu,
  clamp,
  floor,
  clone,
];
