/**
 * symbolic/: the chain rule written out and proved with numbers, in three parts imported one way
 * only (algebra/ <- verify/ <- chain/, checked by .dependency-cruiser.cjs). Never computes
 * gradients by itself: every derivative comes from the op registry's rules.
 * symbolic/algebra/: the expressions, in matrix notation (SymExpr, the symbolic Algebra that op
 * rules run with, closed-form rewrite rules, common subexpressions) and in index notation (delta
 * collapse, affine index solving), and their printing (latex.ts). It knows no graph and no run.
 */
/**
 * SymExpr: a tensor expression tree in matrix notation (X^T G, g x^T, 2 y ⊙ (1 - y ⊙ y)).
 * It is what an op's derivative rule builds when run with the symbolic algebra; every node
 * knows its shape, so printing can choose ^T, outer products and explicit reductions, and the
 * tree can be evaluated with the numeric algebra to prove the printed form is the VJP.
 */
import type { Algebra, Attrs } from "../../ops/OpDef";
import { getOp } from "../../ops/registry";
import type { Tensor } from "../../tensor/Tensor";
import { broadcastShapes, sizeOf } from "../../tensor/shape";

/** The Algebra operations a SymExpr node can apply (all but `scalar`, which is a `num`). */
export type SymOp = Exclude<keyof Algebra<unknown>, "scalar">;

export type SymExpr =
  /** A named tensor (an input, the output, or an upstream gradient such as G := dL/dY). */
  | { k: "sym"; name: string; shape: number[] }
  /** A constant filling `shape` (a scalar when shape is []). */
  | { k: "num"; v: number; shape: number[] }
  | { k: "op"; op: SymOp; args: SymExpr[]; attrs: SymAttrs; shape: number[] };

export interface SymAttrs {
  perm?: number[];
  shape?: number[];
  axes?: number[];
  keepDims?: boolean;
  begin?: number[];
  size?: number[];
  axis?: number;
  /** For "call": the registry op and its own attributes. */
  name?: string;
  opAttrs?: Attrs;
}

export function sym(name: string, shape: readonly number[]): SymExpr {
  return { k: "sym", name, shape: shape.slice() };
}

export function num(v: number, shape: readonly number[] = []): SymExpr {
  return { k: "num", v, shape: shape.slice() };
}

/** The shape of op(args) under the same rules as the tensor functions. */
export function shapeOf(op: SymOp, args: SymExpr[], a: SymAttrs): number[] {
  const s0 = args[0].shape;
  switch (op) {
    case "add":
    case "sub":
    case "mul":
    case "div":
    case "pow":
    case "greater":
    case "equal":
      return broadcastShapes(op, s0, args[1].shape);
    case "where":
      return broadcastShapes(op, broadcastShapes(op, s0, args[1].shape), args[2].shape);
    case "neg":
    case "square":
    case "sqrt":
    case "exp":
    case "log":
    case "sin":
    case "cos":
    case "sign":
      return s0.slice();
    case "matmul": {
      const s1 = args[1].shape;
      if (s0.length === 1 && s1.length === 1) return [];
      if (s0.length === 2 && s1.length === 1) return [s0[0]];
      if (s0.length === 1 && s1.length === 2) return [s1[1]];
      const batch = broadcastShapes(op, s0.slice(0, -2), s1.slice(0, -2));
      return [...batch, s0[s0.length - 2], s1[s1.length - 1]];
    }
    case "outer":
      return [sizeOf(s0), sizeOf(args[1].shape)];
    case "transpose":
      return (a.perm ?? defaultPerm(s0.length)).map((p) => s0[p]);
    case "reshape":
    case "broadcastTo":
    case "sumTo":
    case "pad":
    case "scatterAdd":
      return a.shape!.slice();
    case "sum": {
      const axes = a.axes ?? s0.map((_, i) => i);
      return a.keepDims ? s0.map((d, i) => (axes.includes(i) ? 1 : d)) : s0.filter((_, i) => !axes.includes(i));
    }
    case "slice":
      return a.size!.slice();
    case "gather":
      return args[1].shape.slice();
    case "call": {
      const def = getOp(a.name!);
      if (!def.shape) throw new Error(`op ${a.name} has no shape rule, so rules cannot call it`);
      return def.shape(
        args.map((x) => x.shape),
        a.opAttrs ?? {},
      );
    }
  }
}

export function defaultPerm(rank: number): number[] {
  return Array.from({ length: rank }, (_, i) => rank - 1 - i);
}

/**
 * Interprets the tree with an algebra (the numeric one in practice): the printed compact form
 * and the numbers it stands for come from the same tree.
 */
export function evalSym<T>(e: SymExpr, bind: (name: string) => T, A: Algebra<T>): T {
  if (e.k === "sym") return bind(e.name);
  if (e.k === "num") return e.shape.length === 0 ? A.scalar(e.v) : A.broadcastTo(A.scalar(e.v), e.shape);
  // einsum by its own lowering, never by the tree it was written for (see einsum.ts).
  if (isEinsum(e))
    return lowerEinsum(
      einsumSpec(e),
      e.args.map((a) => evalSym(a, bind, A)),
      e.args.map((a) => a.shape),
      A,
    );
  return applyOp(
    e.op,
    e.args.map((a) => evalSym(a, bind, A)),
    e.attrs,
    A,
  );
}

/** op(x...) in an algebra: the one place an op name becomes an algebra call. */
export function applyOp<T>(op: SymOp, x: T[], t: SymAttrs, A: Algebra<T>): T {
  switch (op) {
    case "add":
      return A.add(x[0], x[1]);
    case "sub":
      return A.sub(x[0], x[1]);
    case "mul":
      return A.mul(x[0], x[1]);
    case "div":
      return A.div(x[0], x[1]);
    case "pow":
      return A.pow(x[0], x[1]);
    case "greater":
      return A.greater(x[0], x[1]);
    case "equal":
      return A.equal(x[0], x[1]);
    case "where":
      return A.where(x[0], x[1], x[2]);
    case "neg":
      return A.neg(x[0]);
    case "square":
      return A.square(x[0]);
    case "sqrt":
      return A.sqrt(x[0]);
    case "exp":
      return A.exp(x[0]);
    case "log":
      return A.log(x[0]);
    case "sin":
      return A.sin(x[0]);
    case "cos":
      return A.cos(x[0]);
    case "sign":
      return A.sign(x[0]);
    case "matmul":
      return A.matmul(x[0], x[1]);
    case "outer":
      return A.outer(x[0], x[1]);
    case "transpose":
      return A.transpose(x[0], t.perm);
    case "reshape":
      return A.reshape(x[0], t.shape!);
    case "broadcastTo":
      return A.broadcastTo(x[0], t.shape!);
    case "sumTo":
      return A.sumTo(x[0], t.shape!);
    case "sum":
      return A.sum(x[0], t.axes, t.keepDims);
    case "pad":
      return A.pad(x[0], t.shape!, t.begin!);
    case "slice":
      return A.slice(x[0], t.begin!, t.size!);
    case "scatterAdd":
      return A.scatterAdd(x[0], x[1], t.axis!, t.shape!);
    case "gather":
      return A.gather(x[0], x[1], t.axis!);
    case "call":
      return A.call(t.name!, x, t.opAttrs);
  }
}

/** Evaluates with tensors bound by name. */
export function evalSymTensor(e: SymExpr, tensors: Map<string, Tensor>, A: Algebra<Tensor>): Tensor {
  return evalSym(
    e,
    (name) => {
      const t = tensors.get(name);
      if (!t) throw new Error(`symbol ${name} is not bound`);
      return t;
    },
    A,
  );
}

/** Names of the symbols in printing order (left to right). */
export function symbolsInOrder(e: SymExpr, out: string[] = []): string[] {
  if (e.k === "sym") out.push(e.name);
  else if (e.k === "op") for (const a of e.args) symbolsInOrder(a, out);
  return out;
}

// ---------------------------------------------------------------- einsum nodes
// A closed formula writes rank >= 3 contractions as einsum (einsum.ts makes them); the node is
// a "call" of the name einsum with its spec, evaluated here by its own lowering.

export const EINSUM = "einsum";

/** An einsum node: a "call" of the name einsum, its spec in the attributes. */
export function isEinsum(e: SymExpr): boolean {
  return e.k === "op" && e.op === "call" && e.attrs.name === EINSUM;
}

export function einsumSpec(e: SymExpr): string {
  return e.k === "op" ? String((e.attrs.opAttrs as { spec: string }).spec) : "";
}

/**
 * einsum(spec, operands) in any algebra: each operand's axes are permuted into one order of all
 * letters (output letters first) with size-1 axes for the letters it lacks, the operands are
 * multiplied with broadcasting and the summed letters (the trailing axes) are summed away.
 */
export function lowerEinsum<T>(spec: string, args: T[], shapes: readonly (readonly number[])[], A: Algebra<T>): T {
  const [ins, out] = spec.split("->");
  const subs = ins.split(",");
  const size = new Map<string, number>();
  subs.forEach((s, k) => s.split("").forEach((c, a) => size.set(c, shapes[k][a])));
  const summed = [...size.keys()].filter((c) => !out.includes(c));
  const all = [...out.split(""), ...summed];
  let prod: T | null = null;
  subs.forEach((s, k) => {
    const perm = s
      .split("")
      .map((c, a) => ({ c, a }))
      .sort((p, q) => all.indexOf(p.c) - all.indexOf(q.c))
      .map((p) => p.a);
    const moved = perm.every((p, i) => p === i) ? args[k] : A.transpose(args[k], perm);
    const full = A.reshape(
      moved,
      all.map((c) => (s.includes(c) ? size.get(c)! : 1)),
    );
    prod = prod === null ? full : A.mul(prod, full);
  });
  if (summed.length === 0) return prod!;
  return A.sum(
    prod!,
    summed.map((_, i) => out.length + i),
    false,
  );
}
