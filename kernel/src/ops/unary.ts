/**
 * Elementwise functions of one tensor. Each reads as micrograd does: the forward kernel and its
 * derivative side by side. `d` is the local derivative as an index expression at the output
 * index (x = the input element, y = the output element); `vjp` is the same rule for tensors.
 */
import type { Algebra, OpDef, RuleContext } from "./OpDef";
import type { Tensor } from "../tensor/Tensor";
import { alloc } from "../tensor/storage";
import { E, type IndexExpr } from "./IndexExpr";
import { alignedDeltas, inAtOut, outAtOut } from "./indexRules";
import { UNARY_SHAPES, rngOf, uniform } from "./samples";

type Loop = (x: ArrayLike<number>, out: Float64Array | Float32Array) => void;

interface UnarySpec {
  name: string;
  f: (x: number) => number;
  /**
   * The same function as a whole-array loop. Written out per op (not built from `f` by a
   * helper) so each loop is its own function the JIT can specialise and inline `f` into; one
   * shared loop calling `f` per element would see every op's `f` and inline none.
   */
  loop: Loop;
  vjp: <T>(g: T, x: T, y: T, A: Algebra<T>) => T;
  d: (x: IndexExpr, y: IndexExpr) => IndexExpr;
  latex: (a: string) => string;
  text: (a: string) => string;
  /** Sample domain [lo, hi) and gap kept from 0 (kinks, poles). */
  domain?: [number, number, number];
  smooth?: boolean;
  /** Output has no gradient at all (sign). */
  nondiff?: boolean;
}

function unary(s: UnarySpec): OpDef {
  const loop = s.loop;
  return {
    name: s.name,
    family: "unary",
    smooth: s.smooth ?? true,
    nondiff: s.nondiff ? [0] : undefined,
    forward([x]: readonly Tensor[]) {
      const out = alloc(x.data.length, x.dtype);
      loop(x.data, out);
      return { data: out, shape: x.shape.slice() };
    },
    vjp<T>(g: T, c: RuleContext<T>, A: Algebra<T>) {
      return [s.vjp(g, c.inputs[0], c.out, A)];
    },
    index: (c) => E.mul(alignedDeltas(c), s.d(inAtOut(c, 0), outAtOut(c))),
    latex: ([a]) => s.latex(a),
    text: ([a]) => s.text(a),
    samples(seed) {
      const rng = rngOf(seed);
      const [lo, hi, gap] = s.domain ?? [-2, 2, 0];
      return UNARY_SHAPES.map((shape) => ({ inputs: [uniform(shape, rng, lo, hi, gap)] }));
    },
  };
}

const one = E.num(1);
const fnL = (cmd: string) => (a: string) => `${cmd}\\left(${a}\\right)`;
const fnT = (name: string) => (a: string) => `${name}(${a})`;

export const neg = unary({
  name: "neg",
  loop: (x, o) => { for (let i = 0; i < x.length; i++) o[i] = -x[i]; }, f: (x) => -x,
  vjp: (g, _x, _y, A) => A.neg(g),
  d: () => E.num(-1),
  latex: (a) => `-${a}`, text: (a) => `-${a}`,
});
export const square = unary({
  name: "square",
  loop: (x, o) => { for (let i = 0; i < x.length; i++) { const v = x[i]; o[i] = v * v; } }, f: (x) => x * x,
  vjp: (g, x, _y, A) => A.mul(g, A.mul(A.scalar(2), x)),
  d: (x) => E.mul(E.num(2), x),
  latex: (a) => `${a}^{2}`, text: (a) => `${a}^2`,
});
export const sqrt = unary({
  name: "sqrt",
  loop: (x, o) => { for (let i = 0; i < x.length; i++) o[i] = Math.sqrt(x[i]); }, f: Math.sqrt,
  vjp: (g, _x, y, A) => A.div(g, A.mul(A.scalar(2), y)),
  d: (_x, y) => E.div(one, E.mul(E.num(2), y)),
  latex: (a) => `\\sqrt{${a}}`, text: fnT("sqrt"), domain: [0.2, 3, 0],
});
export const abs = unary({
  name: "abs",
  loop: (x, o) => { for (let i = 0; i < x.length; i++) o[i] = Math.abs(x[i]); }, f: Math.abs,
  vjp: (g, x, _y, A) => A.mul(g, A.sign(x)),
  d: (x) => E.fn("sign", x),
  latex: (a) => `\\left|${a}\\right|`, text: (a) => `|${a}|`, domain: [-2, 2, 0.1], smooth: false,
});
export const exp = unary({
  name: "exp",
  loop: (x, o) => { for (let i = 0; i < x.length; i++) o[i] = Math.exp(x[i]); }, f: Math.exp,
  vjp: (g, _x, y, A) => A.mul(g, y),
  d: (_x, y) => y,
  latex: (a) => `e^{${a}}`, text: fnT("exp"),
});
export const log = unary({
  name: "log",
  loop: (x, o) => { for (let i = 0; i < x.length; i++) o[i] = Math.log(x[i]); }, f: Math.log,
  vjp: (g, x, _y, A) => A.div(g, x),
  d: (x) => E.div(one, x),
  latex: fnL("\\log"), text: fnT("log"), domain: [0.2, 3, 0],
});
export const sin = unary({
  name: "sin",
  loop: (x, o) => { for (let i = 0; i < x.length; i++) o[i] = Math.sin(x[i]); }, f: Math.sin,
  vjp: (g, x, _y, A) => A.mul(g, A.cos(x)),
  d: (x) => E.fn("cos", x),
  latex: fnL("\\sin"), text: fnT("sin"),
});
export const cos = unary({
  name: "cos",
  loop: (x, o) => { for (let i = 0; i < x.length; i++) o[i] = Math.cos(x[i]); }, f: Math.cos,
  vjp: (g, x, _y, A) => A.neg(A.mul(g, A.sin(x))),
  d: (x) => E.neg(E.fn("sin", x)),
  latex: fnL("\\cos"), text: fnT("cos"),
});
export const tanh = unary({
  name: "tanh",
  loop: (x, o) => { for (let i = 0; i < x.length; i++) o[i] = Math.tanh(x[i]); }, f: Math.tanh,
  vjp: (g, _x, y, A) => A.mul(g, A.sub(A.scalar(1), A.square(y))),
  d: (_x, y) => E.sub(one, E.pow(y, E.num(2))),
  latex: fnL("\\tanh"), text: fnT("tanh"),
});
export const sigmoid = unary({
  name: "sigmoid",
  loop: (x, o) => { for (let i = 0; i < x.length; i++) { const v = x[i]; o[i] = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)); }; },
  f: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  vjp: (g, _x, y, A) => A.mul(g, A.mul(y, A.sub(A.scalar(1), y))),
  d: (_x, y) => E.mul(y, E.sub(one, y)),
  latex: fnL("\\sigma"), text: fnT("sigmoid"),
});
export const relu = unary({
  name: "relu",
  loop: (x, o) => { for (let i = 0; i < x.length; i++) { const v = x[i]; o[i] = v > 0 ? v : 0; } }, f: (x) => (x > 0 ? x : 0),
  vjp: (g, x, _y, A) => A.mul(g, A.greater(x, A.scalar(0))),
  d: (x) => E.cmp("gt", x, E.num(0)),
  latex: fnL("\\operatorname{relu}"), text: fnT("relu"), domain: [-2, 2, 0.1], smooth: false,
});
export const sign = unary({
  name: "sign",
  loop: (x, o) => { for (let i = 0; i < x.length; i++) { const v = x[i]; o[i] = v > 0 ? 1 : v < 0 ? -1 : 0; } }, f: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  vjp: (g, _x, _y, A) => A.mul(g, A.scalar(0)),
  d: () => E.num(0),
  latex: fnL("\\operatorname{sign}"), text: fnT("sign"), domain: [-2, 2, 0.1], nondiff: true,
});

export const unaryOps: OpDef[] = [neg, square, sqrt, abs, exp, log, sin, cos, tanh, sigmoid, relu, sign];
