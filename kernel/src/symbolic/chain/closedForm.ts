/**
 * The closed formula of the WHOLE gradient dL/dx (every path added), as a textbook writes it:
 * one matrix expression over the graph's leaves, with common subexpressions named
 * (`a := X W + b`, `Y := onehot(labels)`, `G_h := dL/dh`), identities applied
 * (closedRules.ts), and returned as data that evaluates to the gradient, so tests check every
 * printed formula against reverse mode.
 *
 * Built by reverse accumulation over the traced graph, each op's own vjp rule run with the
 * symbolic algebra (the same rule backward runs numerically). Where no exact closed form exists
 * in this notation (a defineOp op's hand-written backward, gather with repeated indices), the
 * result says why instead of printing something that is not the gradient.
 */
import type { Tensor } from "../../tensor/Tensor";
import type { Algebra } from "../../ops/OpDef";
import { differentiates } from "../../ops/OpDef";
import { fmtShape } from "../../errors";
import { type SymExpr, type SymOp, applyOp, evalSym, num, sym } from "../algebra/SymExpr";
import { symbolicAlgebra as S } from "../algebra/symbolicAlgebra";
import { gradientName, symbolicVjp } from "./steps";
import { isLiteral, type TracedGraph } from "./paths";
import { applyRules, isOneHot } from "../algebra/closedRules";
import { Consed } from "../algebra/cse";
import { einsumForms } from "../algebra/einsum";

/** A named subexpression of a closed form. */
export interface ClosedDef {
  name: string;
  expr: SymExpr;
  /** For a shared gradient: the tensor t whose dL/dt this is. */
  gradientOf?: string;
}

export interface ClosedForm {
  /** Definitions in dependency order (each uses leaves and earlier names only). */
  defs: ClosedDef[];
  gradient: SymExpr;
  /** The leaf tensors (inputs, parameters, constants) the remaining symbols stand for. */
  leaves: Map<string, Tensor>;
  /** Names of the identities used (closedRules.ts), in first-use order. */
  rules: string[];
}

export type ClosedResult = { closed: true; form: ClosedForm } | { closed: false; reason: string };

/** A closed form with more distinct subexpressions than this is not one readable formula. */
const MAX_NODES = 400;
/** Graphs with more tensors than this are not written as one formula (and the recursive rewrites stay shallow). */
const MAX_GRAPH = 1000;

/** Whether gather's indices pick some element twice within one fibre along `axis`. */
function repeatsAlong(idx: Tensor, axis: number): boolean {
  const shape = idx.shape;
  const n = shape[axis];
  if (n <= 1) return false;
  let inner = 1;
  for (let a = axis + 1; a < shape.length; a++) inner *= shape[a];
  const outer = idx.size / (n * inner);
  for (let o = 0; o < outer; o++)
    for (let k = 0; k < inner; k++) {
      const seen = new Set<number>();
      for (let i = 0; i < n; i++) {
        const v = idx.data[o * n * inner + i * inner + k];
        if (seen.has(v)) return true;
        seen.add(v);
      }
    }
  return false;
}

/** Why no closed form can be printed for the edge t = op(..., u, ...), or null. */
function unclosable(t: Tensor, nameOf: (t: Tensor) => string): string | null {
  const node = t.node!;
  if (node.op.family === "custom")
    return `${nameOf(t)} = ${node.op.name}(…) is a user-defined op (defineOp): its backward is hand-written code with no symbolic form, so dL/d${nameOf(t)} cannot be carried through it in closed form; the steps keep the index form and the numbers`;
  if (node.op.name === "gather") {
    const axis = node.attrs.axis as number;
    if (repeatsAlong(node.inputs[1], axis))
      return `${nameOf(t)} = gather(${nameOf(node.inputs[0])}, ${nameOf(node.inputs[1])}, axis=${axis}) picks some elements more than once, so its adjoint adds several gradients into one place and is no one-hot product; the steps keep the index form (sum over the picks) and the numbers`;
  }
  return null;
}

/**
 * dL/dx for a scalar L as one closed formula, or the reason there is none.
 * @example
 * const r = closedForm(L, W, graphOf(L, W));
 * if (r.closed) printClosedForm(r.form, "L", "W", "text"); // ["dL/dW = (1/4) X^T (softmax_1(X W + b) - Y)", "Y := onehot_1(labels)"]
 */
export function closedForm(L: Tensor, x: Tensor, g: TracedGraph): ClosedResult {
  const { order, nameOf } = g;
  if (L.size !== 1)
    return {
      closed: false,
      reason: `${nameOf(L)} has shape ${fmtShape(L.shape)}: a closed formula is written for a scalar output (the Jacobian blocks below give every dL_K/d${nameOf(x)})`,
    };
  if (order.length > MAX_GRAPH)
    return {
      closed: false,
      reason: `the graph has ${order.length} tensors; one formula for all of it would not be readable (the steps and numbers cover it)`,
    };
  // Tensors between x and L: depend on x (forward) and feed L (every traced tensor does).
  const dep = new Set<number>([x.id]);
  for (const t of order)
    if (t.node && t !== x && t.node.inputs.some((u, i) => differentiates(t.node!.op, i) && dep.has(u.id)))
      dep.add(t.id);
  if (!dep.has(L.id)) return { closed: false, reason: `${nameOf(L)} does not depend on ${nameOf(x)}` };

  // Reverse accumulation, symbolically: grads[t] = dL/dt over every use of t.
  const grads = new Map<number, SymExpr>();
  grads.set(L.id, num(1, L.shape));
  for (let k = order.length - 1; k >= 0; k--) {
    const t = order[k];
    const gt = grads.get(t.id);
    if (!gt || !t.node || t === x) continue;
    const node = t.node;
    for (let i = 0; i < node.inputs.length; i++) {
      const u = node.inputs[i];
      if (!differentiates(node.op, i) || !dep.has(u.id)) continue;
      const why = unclosable(t, nameOf);
      if (why) return { closed: false, reason: why };
      const r = symbolicVjp(t, i, gt, nameOf);
      if (!r)
        return {
          closed: false,
          reason: `the rule of ${node.op.name} (${nameOf(t)}) has no symbolic form, so the gradient stays in index form`,
        };
      const prev = grads.get(u.id);
      grads.set(u.id, prev ? S.add(prev, r.summed) : r.summed);
    }
  }
  const gx = grads.get(x.id) ?? num(0, x.shape);

  // Every intermediate symbol replaced by its definition, down to the leaves.
  const byName = new Map<string, Tensor>();
  const leaves = new Map<string, Tensor>();
  for (const t of order) {
    if (isLiteral(t)) continue;
    byName.set(nameOf(t), t);
    if (!t.node) leaves.set(nameOf(t), t);
  }
  const definitions = new Map<number, SymExpr>();
  const userNamed = new Map<SymExpr, string>();
  // The graph's own names (v2) for intermediates the user did not name, so a shared one is
  // called in the formula what the steps and the graph call it.
  const autoNamed = new Map<SymExpr, string>();
  const definitionOf = (t: Tensor): SymExpr => {
    const known = definitions.get(t.id);
    if (known) return known;
    const node = t.node!;
    const args = node.inputs.map(leafOrDefinition);
    let d: SymExpr;
    const a = node.attrs;
    if (node.op.printsAsAlgebra) {
      const perm = a.perm as number[] | undefined;
      d = applyOp(node.op.name as SymOp, args, { perm: perm?.slice() }, S);
    } else if (node.op.name === "sum") d = S.sum(args[0], (a.axes as number[]).slice(), a.keepDims as boolean);
    else if (node.op.name === "reshape" || node.op.name === "broadcastTo")
      d = applyOp(node.op.name, args, { shape: t.shape.slice() }, S);
    else d = { k: "op", op: "call", args, attrs: { name: node.op.name, opAttrs: node.attrs }, shape: t.shape.slice() };
    definitions.set(t.id, d);
    if (t.name && !userNamed.has(d)) userNamed.set(d, t.name);
    else if (!t.name && !autoNamed.has(d)) autoNamed.set(d, nameOf(t));
    return d;
  };
  const complements = complementLeaves(order);
  const leafOrDefinition = (t: Tensor): SymExpr => {
    if (isLiteral(t)) return num(t.data[0], t.shape);
    if (t.node) return definitionOf(t);
    const of = complements.get(t.id);
    return of ? S.sub(num(1), sym(nameOf(of), of.shape)) : sym(nameOf(t), t.shape);
  };
  const expandMemo = new Map<SymExpr, SymExpr>();
  const expand = (e: SymExpr): SymExpr => {
    const m = expandMemo.get(e);
    if (m) return m;
    let r: SymExpr;
    if (e.k === "sym") {
      const t = byName.get(e.name);
      r = t && (t.node || complements.has(t.id)) ? leafOrDefinition(t) : e;
    } else if (e.k === "num") r = e;
    else {
      // Rebuilt through the algebra, so its exact foldings apply across the substitution ((K^T)^T = K).
      const args = e.args.map(expand);
      r = e.op === "call" ? { ...e, args } : applyOp(e.op, args, e.attrs, S);
    }
    expandMemo.set(e, r);
    return r;
  };
  const expanded = expand(gx);

  // Identities (exp(logSoftmax z) = softmax z, one-hot scatter = Y, ...), then shared subtrees.
  const isIdentity = (name: string) => {
    const t = leaves.get(name);
    return !!t && isIdentityMatrix(t);
  };
  const cons = new Consed();
  const memo = new Map<SymExpr, SymExpr>();
  const rewrite = (e: SymExpr) => applyRules(e, { isIdentity, cons, memo });
  const { expr: simplified, used } = rewrite(expanded);
  const root = cons.intern(simplified);
  const size = cons.postOrder(root).length;
  if (size > MAX_NODES)
    return {
      closed: false,
      reason: `the whole gradient has ${size} distinct subexpressions, too many for one readable formula; the per-path compact forms and steps show it in parts`,
    };

  // Names: the user's names for their tensors, Y for one-hot labels, G_t for a gradient used
  // more than once, fresh letters for other shared forward subexpressions.
  const taken = new Set<string>([...byName.keys(), ...leaves.keys()]);
  const gradOfTensor = new Map<SymExpr, Tensor>();
  for (const t of order) {
    const gt = grads.get(t.id);
    if (gt && t !== x && t !== L && dep.has(t.id)) {
      const c = cons.find(rewrite(expand(gt)).expr);
      if (c && !gradOfTensor.has(c)) gradOfTensor.set(c, t);
    }
  }
  const userNames = new Map<SymExpr, string>();
  for (const [d, n] of userNamed) {
    const c = cons.find(rewrite(d).expr);
    if (c) userNames.set(c, n);
  }
  const autoNames = new Map<SymExpr, string>();
  for (const [d, n] of autoNamed) {
    const c = cons.find(rewrite(d).expr);
    if (c && !autoNames.has(c)) autoNames.set(c, n);
  }
  const refs = cons.refCounts(root);
  const named = new Map<SymExpr, { name: string; gradientOf?: string }>();
  const fresh = (pool: string[], fallback: string): string => {
    for (const p of pool) if (!taken.has(p)) return claim(p);
    for (let i = 1; ; i++) if (!taken.has(`${fallback}${i}`)) return claim(`${fallback}${i}`);
  };
  const claim = (n: string): string => {
    taken.add(n);
    return n;
  };
  for (const c of cons.postOrder(root)) {
    if (c === root || c.k !== "op") continue;
    const user = userNames.get(c);
    if (user) {
      named.set(c, { name: user });
      continue;
    }
    if (isOneHot(c)) {
      named.set(c, { name: fresh(["Y", "T"], "Y") });
      continue;
    }
    if ((refs.get(c) ?? 0) < 2 || trivial(c)) continue;
    const gt = gradOfTensor.get(c);
    if (gt) {
      // G_t := dL/dt, after the tensor it is the gradient of (the steps' G, made unique).
      const base = gradientName(nameOf(gt), c.shape.length);
      named.set(c, { name: taken.has(base) ? fresh([], base) : claim(base), gradientOf: nameOf(gt) });
      continue;
    }
    const auto = autoNames.get(c);
    if (auto) {
      named.set(c, { name: auto });
      continue;
    }
    const pool =
      c.shape.length >= 2
        ? ["A", "B", "H", "P", "Z", "M"]
        : c.shape.length === 1
          ? ["a", "b", "h", "p", "z"]
          : ["s", "r"];
    named.set(c, { name: fresh(pool, c.shape.length >= 2 ? "A" : "a") });
  }

  // Rebuild with names: each definition refers to the names of what it uses.
  const withNames = (e: SymExpr, self: SymExpr | null): SymExpr => {
    if (e !== self) {
      const n = named.get(e);
      if (n) return sym(n.name, e.shape);
    }
    if (e.k !== "op") return e;
    return { ...e, args: e.args.map((a) => withNames(a, null)) };
  };
  const defs: ClosedDef[] = [];
  for (const c of cons.postOrder(root)) {
    const n = named.get(c);
    if (!n) continue;
    const d: ClosedDef = { name: n.name, expr: withNames(c, c) };
    if (n.gradientOf) d.gradientOf = n.gradientOf;
    defs.push(d);
  }
  // Last, for the reader: contractions of rank 3 and up have no matrix notation, so they are
  // written as einsum (evaluated by its own lowering, so the checks against autodiff cover it).
  let einsums = false;
  const readable = (e: SymExpr): SymExpr => {
    const r = einsumForms(e);
    if (r !== e) einsums = true;
    return r;
  };
  const finalDefs = defs.map((d) => ({ ...d, expr: readable(d.expr) }));
  const gradient = readable(withNames(root, null));
  const rules = einsums ? [...used, "rank ≥ 3 contractions as einsum"] : used;
  return { closed: true, form: { defs: finalDefs, gradient, leaves, rules } };
}

/** A subexpression not worth a name of its own: a leaf moved, scaled or reduced. */
function trivial(e: SymExpr): boolean {
  if (e.k !== "op") return true;
  const leafy = (a: SymExpr) => a.k !== "op";
  if (["transpose", "reshape", "broadcastTo", "neg", "sum", "sumTo"].includes(e.op)) return leafy(e.args[0]);
  if (e.op === "call" && e.attrs.name === "reshape") return leafy(e.args[0]);
  if (e.op === "mul") return e.args.every(leafy) && e.args.some((a) => a.k === "num");
  return false;
}

/**
 * Unnamed constant leaves that are exactly 1 - t for a named leaf t (binaryCrossEntropy computes
 * 1 - target outside the graph): written as 1 - t, so the formula has no undefined symbol.
 */
function complementLeaves(order: readonly Tensor[]): Map<number, Tensor> {
  const out = new Map<number, Tensor>();
  const named = order.filter((t) => !t.node && t.name);
  for (const c of order) {
    if (c.node || c.name || c.requiresGrad || isLiteral(c)) continue;
    const of = named.find(
      (t) =>
        t.size === c.size && t.shape.every((d, a) => d === c.shape[a]) && c.data.every((v, i) => v === 1 - t.data[i]),
    );
    if (of) out.set(c.id, of);
  }
  return out;
}

function isIdentityMatrix(t: Tensor): boolean {
  if (t.rank !== 2 || t.shape[0] !== t.shape[1] || t.requiresGrad) return false;
  const n = t.shape[0];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (t.data[i * n + j] !== (i === j ? 1 : 0)) return false;
  return true;
}

/** Evaluates a closed form (definitions in order, then the gradient) with an algebra. */
export function evalClosedForm<T>(f: ClosedForm, A: Algebra<T>, leaf: (t: Tensor) => T): T {
  const values = new Map<string, T>();
  const bind = (name: string): T => {
    const v = values.get(name);
    if (v !== undefined) return v;
    const t = f.leaves.get(name);
    if (!t) throw new Error(`closed form: symbol ${name} is not bound`);
    return leaf(t);
  };
  for (const d of f.defs) values.set(d.name, evalSym(d.expr, bind, A));
  return evalSym(f.gradient, bind, A);
}
