/**
 * The symbolic interpreter of derivative rules: running an op's `vjp` with this algebra on
 * symbols builds its compact form (matmul's rule on G, X gives X^T G). The constructors apply
 * only identities that hold exactly for every value (x ⊙ 1 = x, 2 (0.5 x) = x, (A^T)^T = A, a
 * broadcast of a constant is that constant), so evaluating the result with the numeric
 * algebra gives the VJP's numbers; tests check this for every op.
 */
import type { Algebra } from "../../ops/OpDef";
import { type SymAttrs, type SymExpr, type SymOp, num, shapeOf } from "./SymExpr";
import { sameShape, sizeOf } from "../../tensor/shape";

function node(op: SymOp, args: SymExpr[], attrs: SymAttrs = {}): SymExpr {
  return { k: "op", op, args, attrs, shape: shapeOf(op, args, attrs) };
}

type Num = Extract<SymExpr, { k: "num" }>;
const isNum = (e: SymExpr, v?: number): boolean => e.k === "num" && (v === undefined || e.v === v);
const val = (e: SymExpr): number => (e as Num).v;

/** `e` made to have `shape` (which it broadcasts to). */
function fitTo(e: SymExpr, shape: number[]): SymExpr {
  if (sameShape(e.shape, shape)) return e;
  if (e.k === "num") return num(e.v, shape);
  return node("broadcastTo", [e], { shape });
}

/** Splits c ⊙ rest where c is a scalar constant factor (for folding 2 (0.5 x) into x). */
function coefficient(e: SymExpr): [number, SymExpr | null] {
  if (e.k === "num") return [e.v, null];
  if (e.k === "op" && e.op === "mul" && isNum(e.args[0]) && e.args[0].shape.length === 0)
    return [val(e.args[0]), e.args[1]];
  if (e.k === "op" && e.op === "neg") {
    const [c, r] = coefficient(e.args[0]);
    return [-c, r ?? null];
  }
  return [1, e];
}

function mul(a: SymExpr, b: SymExpr): SymExpr {
  const shape = shapeOf("mul", [a, b], {});
  if (isNum(a) && isNum(b)) return num(val(a) * val(b), shape);
  if (isNum(a, 0) || isNum(b, 0)) return num(0, shape);
  // Constants (scalar or filled) move to the front and fold together.
  const [ca, ra] = a.k === "num" ? [a.v, null] : coefficient(a);
  const [cb, rb] = b.k === "num" ? [b.v, null] : coefficient(b);
  let rest: SymExpr | null;
  if (ra && rb) rest = node("mul", [ra, rb]);
  else rest = ra ?? rb;
  const c = ca * cb;
  if (!rest) return num(c, shape);
  if (c === 0) return num(0, shape);
  const scaled = c === 1 ? rest : c === -1 ? node("neg", [rest]) : node("mul", [num(c), rest]);
  return fitTo(scaled, shape);
}

function neg(a: SymExpr): SymExpr {
  if (a.k === "num") return num(-a.v, a.shape);
  if (a.k === "op" && a.op === "neg") return a.args[0];
  if (a.k === "op" && a.op === "mul" && isNum(a.args[0]) && a.args[0].shape.length === 0)
    return mul(num(-val(a.args[0])), a.args[1]);
  return node("neg", [a]);
}

function add(a: SymExpr, b: SymExpr): SymExpr {
  const shape = shapeOf("add", [a, b], {});
  if (isNum(a) && isNum(b)) return num(val(a) + val(b), shape);
  if (isNum(a, 0)) return fitTo(b, shape);
  if (isNum(b, 0)) return fitTo(a, shape);
  if (b.k === "op" && b.op === "neg") return node("sub", [a, b.args[0]]);
  return node("add", [a, b]);
}

function sub(a: SymExpr, b: SymExpr): SymExpr {
  const shape = shapeOf("sub", [a, b], {});
  if (isNum(a) && isNum(b)) return num(val(a) - val(b), shape);
  if (isNum(b, 0)) return fitTo(a, shape);
  if (isNum(a, 0)) return fitTo(neg(b), shape);
  return node("sub", [a, b]);
}

function div(a: SymExpr, b: SymExpr): SymExpr {
  const shape = shapeOf("div", [a, b], {});
  if (isNum(a) && isNum(b)) return num(val(a) / val(b), shape);
  if (isNum(b, 1)) return fitTo(a, shape);
  // x / c with a scalar constant c is (1/c) x, so constants keep folding (0.5 * 2 x = x).
  if (isNum(b) && b.shape.length === 0 && val(b) !== 0) {
    const inv = 1 / val(b);
    if (1 / inv === val(b)) return mul(num(inv), a);
  }
  return node("div", [a, b]);
}

function transpose(a: SymExpr, perm?: number[]): SymExpr {
  const p = perm ?? a.shape.map((_, i) => a.shape.length - 1 - i);
  if (p.every((q, i) => q === i)) return a;
  if (a.k === "num")
    return num(
      a.v,
      p.map((q) => a.shape[q]),
    );
  if (a.k === "op" && a.op === "transpose") {
    const inner = a.attrs.perm ?? a.args[0].shape.map((_, i) => a.args[0].shape.length - 1 - i);
    return transpose(
      a.args[0],
      p.map((q) => inner[q]),
    );
  }
  return node("transpose", [a], { perm: p });
}

function reshape(a: SymExpr, shape: number[]): SymExpr {
  if (sameShape(a.shape, shape)) return a;
  if (a.k === "num") return num(a.v, shape);
  if (a.k === "op" && a.op === "reshape") return reshape(a.args[0], shape);
  return node("reshape", [a], { shape: shape.slice() });
}

function broadcastTo(a: SymExpr, shape: number[]): SymExpr {
  if (sameShape(a.shape, shape)) return a;
  if (a.k === "num") return num(a.v, shape);
  // A one-element tensor reshaped then broadcast is that element everywhere.
  if (a.k === "op" && a.op === "reshape" && sizeOf(a.shape) === 1) return broadcastTo(a.args[0], shape);
  return node("broadcastTo", [a], { shape: shape.slice() });
}

function sumTo(a: SymExpr, shape: number[]): SymExpr {
  if (sameShape(a.shape, shape)) return a;
  if (a.k === "num") return num(a.v * (sizeOf(a.shape) / sizeOf(shape)), shape);
  return node("sumTo", [a], { shape: shape.slice() });
}

function sum(a: SymExpr, axes?: number[], keepDims?: boolean): SymExpr {
  const attrs: SymAttrs = { axes: axes ?? a.shape.map((_, i) => i), keepDims: keepDims ?? false };
  const shape = shapeOf("sum", [a], attrs);
  if (a.k === "num") return num(a.v * (sizeOf(a.shape) / sizeOf(shape)), shape);
  if (attrs.axes!.length === 0) return reshape(a, shape);
  return node("sum", [a], attrs);
}

function square(a: SymExpr): SymExpr {
  if (a.k === "num") return num(a.v * a.v, a.shape);
  return node("square", [a]);
}

/** Elementwise function of a constant stays a constant; otherwise a node. */
function unary(op: SymOp, f: (x: number) => number) {
  return (a: SymExpr): SymExpr => (a.k === "num" ? num(f(a.v), a.shape) : node(op, [a]));
}

function binaryNode(op: SymOp, f: (x: number, y: number) => number) {
  return (a: SymExpr, b: SymExpr): SymExpr =>
    a.k === "num" && b.k === "num" ? num(f(a.v, b.v), shapeOf(op, [a, b], {})) : node(op, [a, b]);
}

export const symbolicAlgebra: Algebra<SymExpr> = {
  scalar: (v) => num(v),
  add,
  sub,
  mul,
  div,
  neg,
  square,
  sqrt: unary("sqrt", Math.sqrt),
  exp: unary("exp", Math.exp),
  log: unary("log", Math.log),
  sin: unary("sin", Math.sin),
  cos: unary("cos", Math.cos),
  pow: binaryNode("pow", Math.pow),
  sign: unary("sign", Math.sign),
  greater: binaryNode("greater", (x, y) => (x > y ? 1 : 0)),
  equal: binaryNode("equal", (x, y) => (x === y ? 1 : 0)),
  where: (c, a, b) => node("where", [c, a, b]),
  matmul: (a, b) => {
    const shape = shapeOf("matmul", [a, b], {});
    if (isNum(a, 0) || isNum(b, 0)) return num(0, shape);
    return node("matmul", [a, b]);
  },
  outer: (a, b) => (isNum(a, 0) || isNum(b, 0) ? num(0, shapeOf("outer", [a, b], {})) : node("outer", [a, b])),
  transpose,
  reshape,
  broadcastTo,
  sumTo,
  sum,
  pad: (a, shape, begin) => node("pad", [a], { shape: shape.slice(), begin: begin.slice() }),
  slice: (a, begin, size) =>
    a.k === "num" ? num(a.v, size) : node("slice", [a], { begin: begin.slice(), size: size.slice() }),
  scatterAdd: (a, indices, axis, shape) => node("scatterAdd", [a, indices], { axis, shape: shape.slice() }),
  gather: (a, indices, axis) => (a.k === "num" ? num(a.v, indices.shape) : node("gather", [a, indices], { axis })),
  call: (name, args, attrs = {}) => node("call", args, { name, opAttrs: attrs }),
};
