/**
 * IndexExpr is the little language in which each op states its local partial derivative
 * d out_J / d in_I, e.g. matmul: dY_kl/dW_ij = X_ki delta_lj. Index names are strings; an
 * expression is evaluated by binding every name to an integer. It lives in ops/ because every
 * OpDef states its partial in it; symbolic/ simplifies and prints these expressions.
 */
import { erfScalar, tanhScalar } from "../tensor/kernels/special";

export type IndexExpr =
  | { k: "num"; v: number }
  /** An index variable, e.g. i. */
  | { k: "idx"; name: string }
  /** An element of the op's input `arg` (t = "in") or of its output (t = "out"). */
  | { k: "ref"; t: "in" | "out"; arg: number; idx: IndexExpr[] }
  /**
   * An element of a tensor named in the chain-rule display (the upstream gradient G, or any
   * tensor once an op's local partial is placed in a whole graph); bound through env.syms.
   */
  | { k: "sym"; name: string; idx: IndexExpr[] }
  /** Kronecker delta: 1 when both index expressions are equal, else 0. */
  | { k: "delta"; a: IndexExpr; b: IndexExpr }
  | { k: "mul"; xs: IndexExpr[] }
  | { k: "add"; xs: IndexExpr[] }
  | { k: "neg"; x: IndexExpr }
  | { k: "div"; a: IndexExpr; b: IndexExpr }
  | { k: "pow"; a: IndexExpr; b: IndexExpr }
  | { k: "fn"; f: ElemFn; x: IndexExpr }
  /** Iverson bracket: 1 when the comparison holds, else 0. */
  | { k: "cmp"; op: "gt" | "lt" | "ge" | "le" | "eq"; a: IndexExpr; b: IndexExpr }
  /** Sum over index `i` from 0 to n-1. */
  | { k: "sum"; i: string; n: number; x: IndexExpr };

export type ElemFn = "exp" | "log" | "sin" | "cos" | "tanh" | "sqrt" | "sigmoid" | "abs" | "sign" | "erf" | "floor";

/** Builders, so op rules read like the mathematics. */
export const E = {
  num: (v: number): IndexExpr => ({ k: "num", v }),
  idx: (name: string): IndexExpr => ({ k: "idx", name }),
  inp: (arg: number, idx: IndexExpr[]): IndexExpr => ({ k: "ref", t: "in", arg, idx }),
  out: (idx: IndexExpr[]): IndexExpr => ({ k: "ref", t: "out", arg: 0, idx }),
  sym: (name: string, idx: IndexExpr[]): IndexExpr => ({ k: "sym", name, idx }),
  delta: (a: IndexExpr, b: IndexExpr): IndexExpr => ({ k: "delta", a, b }),
  mul: (...xs: IndexExpr[]): IndexExpr => {
    const flat = xs.flatMap((x) => (x.k === "mul" ? x.xs : [x])).filter((x) => !(x.k === "num" && x.v === 1));
    if (flat.some((x) => x.k === "num" && x.v === 0)) return { k: "num", v: 0 };
    return flat.length === 0 ? { k: "num", v: 1 } : flat.length === 1 ? flat[0] : { k: "mul", xs: flat };
  },
  add: (...xs: IndexExpr[]): IndexExpr => {
    const flat = xs.flatMap((x) => (x.k === "add" ? x.xs : [x])).filter((x) => !(x.k === "num" && x.v === 0));
    return flat.length === 0 ? { k: "num", v: 0 } : flat.length === 1 ? flat[0] : { k: "add", xs: flat };
  },
  sub: (a: IndexExpr, b: IndexExpr): IndexExpr => E.add(a, E.neg(b)),
  neg: (x: IndexExpr): IndexExpr => (x.k === "neg" ? x.x : { k: "neg", x }),
  div: (a: IndexExpr, b: IndexExpr): IndexExpr => ({ k: "div", a, b }),
  pow: (a: IndexExpr, b: IndexExpr): IndexExpr => ({ k: "pow", a, b }),
  fn: (f: ElemFn, x: IndexExpr): IndexExpr => ({ k: "fn", f, x }),
  cmp: (op: "gt" | "lt" | "ge" | "le" | "eq", a: IndexExpr, b: IndexExpr): IndexExpr => ({ k: "cmp", op, a, b }),
  sum: (i: string, n: number, x: IndexExpr): IndexExpr => ({ k: "sum", i, n, x }),
};

/**
 * Rebuilds `e` with `r` applied to each direct child (indices of references included), through
 * the builders so products and sums stay flat. The one structural traversal: rewrites such as
 * substitution and relabelling handle their own cases and delegate the rest here.
 */
export function mapChildren(e: IndexExpr, r: (x: IndexExpr) => IndexExpr): IndexExpr {
  switch (e.k) {
    case "num":
    case "idx":
      return e;
    case "ref":
    case "sym":
      return { ...e, idx: e.idx.map(r) };
    case "delta":
      return E.delta(r(e.a), r(e.b));
    case "mul":
      return E.mul(...e.xs.map(r));
    case "add":
      return E.add(...e.xs.map(r));
    case "neg":
      return E.neg(r(e.x));
    case "div":
      return E.div(r(e.a), r(e.b));
    case "pow":
      return E.pow(r(e.a), r(e.b));
    case "fn":
      return E.fn(e.f, r(e.x));
    case "cmp":
      return E.cmp(e.op, r(e.a), r(e.b));
    case "sum":
      return E.sum(e.i, e.n, r(e.x));
  }
}

/** Values an IndexExpr is evaluated against: flat row-major data and shape per tensor. */
export interface IndexEnv {
  inputs: { data: ArrayLike<number>; shape: readonly number[] }[];
  out: { data: ArrayLike<number>; shape: readonly number[] };
  idx: Map<string, number>;
  /** Named tensors referenced by "sym" nodes. */
  syms?: Map<string, { data: ArrayLike<number>; shape: readonly number[] }>;
}

/** Evaluates an expression with every free index bound in `env.idx`. */
export function evalIndexExpr(e: IndexExpr, env: IndexEnv): number {
  switch (e.k) {
    case "num":
      return e.v;
    case "idx": {
      const v = env.idx.get(e.name);
      if (v === undefined) throw new Error(`index ${e.name} is not bound`);
      return v;
    }
    case "ref":
    case "sym": {
      const t = e.k === "sym" ? env.syms?.get(e.name) : e.t === "out" ? env.out : env.inputs[e.arg];
      if (!t) throw new Error(`tensor ${e.k === "sym" ? e.name : "reference"} is not bound`);
      if (e.idx.length !== t.shape.length)
        throw new Error(`reference with ${e.idx.length} indices to a rank-${t.shape.length} tensor`);
      let off = 0;
      for (let a = 0; a < e.idx.length; a++) {
        const v = evalIndexExpr(e.idx[a], env);
        if (v < 0 || v >= t.shape[a]) return NaN;
        off = off * t.shape[a] + v;
      }
      return t.data[off];
    }
    case "delta":
      return evalIndexExpr(e.a, env) === evalIndexExpr(e.b, env) ? 1 : 0;
    case "mul": {
      // Deltas and Iverson brackets first: a guarded term (G_{i-2} [i >= 2]) is 0 where its
      // other factors would read outside their tensor.
      for (const x of e.xs) if ((x.k === "delta" || x.k === "cmp") && evalIndexExpr(x, env) === 0) return 0;
      let p = 1;
      for (const x of e.xs) {
        p *= evalIndexExpr(x, env);
      }
      return p;
    }
    case "add": {
      let s = 0;
      for (const x of e.xs) s += evalIndexExpr(x, env);
      return s;
    }
    case "neg":
      return -evalIndexExpr(e.x, env);
    case "div":
      return evalIndexExpr(e.a, env) / evalIndexExpr(e.b, env);
    case "pow":
      return Math.pow(evalIndexExpr(e.a, env), evalIndexExpr(e.b, env));
    case "fn": {
      const x = evalIndexExpr(e.x, env);
      switch (e.f) {
        case "exp":
          return Math.exp(x);
        case "log":
          return Math.log(x);
        case "sin":
          return Math.sin(x);
        case "cos":
          return Math.cos(x);
        case "tanh":
          return tanhScalar(x);
        case "sqrt":
          return Math.sqrt(x);
        case "sigmoid":
          return 1 / (1 + Math.exp(-x));
        case "abs":
          return Math.abs(x);
        case "sign":
          return Math.sign(x);
        case "erf":
          return erfScalar(x);
        case "floor":
          return Math.floor(x);
      }
      return NaN;
    }
    case "cmp": {
      const a = evalIndexExpr(e.a, env);
      const b = evalIndexExpr(e.b, env);
      const r =
        e.op === "gt" ? a > b : e.op === "lt" ? a < b : e.op === "ge" ? a >= b : e.op === "le" ? a <= b : a === b;
      return r ? 1 : 0;
    }
    case "sum": {
      const saved = env.idx.get(e.i);
      let s = 0;
      for (let v = 0; v < e.n; v++) {
        env.idx.set(e.i, v);
        s += evalIndexExpr(e.x, env);
      }
      if (saved === undefined) env.idx.delete(e.i);
      else env.idx.set(e.i, saved);
      return s;
    }
  }
}
