/**
 * Identities that turn a composed gradient into the formula a textbook prints. Each rule holds
 * for every value of its operands (up to float rounding), and test/symbolic/closedRules.test.ts
 * checks each one numerically on random inputs; the closed-form tests then check whole
 * gradients against reverse mode. A rule rewrites one node whose arguments are already
 * rewritten; rewriting repeats on what a rule builds, so rules compose (one-hot scatter, then
 * "rows of Y sum to 1", then the common factor 1/N: softmax cross-entropy's X^T (softmax - Y) / N).
 */
import { type SymExpr, type SymOp, applyOp, num } from "./SymExpr";
import { symbolicAlgebra as S } from "./symbolicAlgebra";
import { sameShape } from "../../tensor/shape";
import { Consed } from "./cse";

type OpNode = Extract<SymExpr, { k: "op" }>;

export interface RuleContext {
  /** Whether a leaf symbol is an identity matrix (I X = X). */
  isIdentity(name: string): boolean;
  /** Shared across calls so structurally equal trees compare in O(1). */
  cons: Consed;
}

export interface Rule {
  name: string;
  apply(e: OpNode, c: RuleContext): SymExpr | null;
}

const isCall = (e: SymExpr, name: string): e is OpNode => e.k === "op" && e.op === "call" && e.attrs.name === name;
const isScalarNum = (e: SymExpr): e is Extract<SymExpr, { k: "num" }> => e.k === "num" && e.shape.length === 0;

/** c * e as (c, e) when e is a scaled or negated tree, else (1, e). */
function scaled(e: SymExpr): [number, SymExpr] {
  if (e.k === "op" && e.op === "mul" && isScalarNum(e.args[0])) {
    const [c, r] = scaled(e.args[1]);
    return [e.args[0].v * c, r];
  }
  if (e.k === "op" && e.op === "neg") {
    const [c, r] = scaled(e.args[0]);
    return [-c, r];
  }
  return [1, e];
}

/** scatterAdd(1, idx, axis) with one pick per fibre: the one-hot encoding of idx along axis. */
export function isOneHot(e: SymExpr): boolean {
  if (e.k !== "op" || e.op !== "scatterAdd") return false;
  const [a, idx] = e.args;
  return a.k === "num" && a.v === 1 && onePickPerFibre(idx.shape, e.attrs.axis!, e.attrs.shape!);
}

function onePickPerFibre(idxShape: readonly number[], axis: number, shape: readonly number[]): boolean {
  return (
    idxShape.length === shape.length && idxShape[axis] === 1 && idxShape.every((d, a) => a === axis || d === shape[a])
  );
}

/** Sum of signed terms (sign, tree) of an add/sub/neg/scale tree. */
function terms(e: SymExpr, c: number, out: [number, SymExpr][]): void {
  if (e.k === "op" && (e.op === "add" || e.op === "sub")) {
    terms(e.args[0], c, out);
    terms(e.args[1], e.op === "add" ? c : -c, out);
    return;
  }
  const [k, r] = scaled(e);
  out.push([c * k, r]);
}

export const RULES: Rule[] = [
  {
    name: "exp(logSoftmax(z)) = softmax(z)",
    apply: (e) => {
      if (e.op !== "exp" || !isCall(e.args[0], "logSoftmax")) return null;
      const z = e.args[0];
      return { ...z, attrs: { ...z.attrs, name: "softmax" } };
    },
  },
  {
    // scatterAdd(a, labels) with one label per row is a one-hot mask scaled by a: a ⊙ Y.
    name: "one-hot scatter = a ⊙ Y",
    apply: (e) => {
      if (e.op !== "scatterAdd") return null;
      const [a, idx] = e.args;
      const shape = e.attrs.shape!;
      if (isOneHot(e) || !onePickPerFibre(idx.shape, e.attrs.axis!, shape)) return null;
      const Y: SymExpr = { ...e, args: [num(1, idx.shape), idx] };
      return S.mul(S.broadcastTo(a, shape.slice()), Y);
    },
  },
  {
    name: "each row of a one-hot Y sums to 1",
    apply: (e) => {
      if (e.op !== "sum" || !isOneHot(e.args[0])) return null;
      const Y = e.args[0] as OpNode;
      const axes = e.attrs.axes!;
      return axes.length === 1 && axes[0] === Y.attrs.axis ? num(1, e.shape) : null;
    },
  },
  {
    name: "sums are linear: sum(c a) = c sum(a)",
    apply: (e) => {
      if (e.op !== "sum" && e.op !== "sumTo") return null;
      const [c, r] = scaled(e.args[0]);
      if (c === 1 || r === e.args[0]) return null;
      return S.mul(num(c), applyOp(e.op, [r], e.attrs, S));
    },
  },
  {
    name: "scalars move out of products: A (c B) = c (A B)",
    apply: (e) => {
      if (e.op !== "matmul" && e.op !== "outer" && e.op !== "transpose") return null;
      const parts = e.args.map(scaled);
      const c = parts.reduce((p, [k]) => p * k, 1);
      if (parts.every(([k]) => k === 1)) return null;
      return S.mul(
        num(c),
        applyOp(
          e.op,
          parts.map(([, r]) => r),
          e.attrs,
          S,
        ),
      );
    },
  },
  {
    name: "I A = A (identity matrix)",
    apply: (e, c) => {
      if (e.op !== "matmul") return null;
      const [a, b] = e.args;
      if (a.k === "sym" && c.isIdentity(a.name) && sameShape(b.shape, e.shape)) return b;
      if (b.k === "sym" && c.isIdentity(b.name) && sameShape(a.shape, e.shape)) return a;
      return null;
    },
  },
  {
    // Like terms merge (a + a = 2 a), a common factor comes out (c a - c b = c (a - b)), and a
    // positive term leads (b - a, not -a + b).
    name: "like terms and common factors",
    apply: (e, ctx) => {
      if (e.op !== "add" && e.op !== "sub") return null;
      const raw: [number, SymExpr][] = [];
      terms(e, 1, raw);
      const merged: [number, SymExpr][] = [];
      for (const [k, t] of raw) {
        const same = merged.find(([, u]) => ctx.cons.same(u, t));
        if (same) same[0] += k;
        else merged.push([k, t]);
      }
      const live = merged.filter(([k]) => k !== 0);
      const k0 = live.length ? Math.abs(live[0][0]) : 1;
      const common = live.length >= 2 && k0 !== 1 && live.every(([k]) => Math.abs(k) === k0) ? k0 : 1;
      const reorder = live.length >= 2 && live[0][0] < 0 && live.some(([k]) => k > 0);
      if (live.length === raw.length && common === 1 && !reorder) return null;
      if (live.length === 0) return num(0, e.shape);
      const ordered = [...live.filter(([k]) => k > 0), ...live.filter(([k]) => k < 0)];
      let acc: SymExpr | null = null;
      for (const [k, t] of ordered) {
        const kk = k / common;
        const abs = Math.abs(kk) === 1 ? t : S.mul(num(Math.abs(kk)), t);
        acc = acc === null ? (kk < 0 ? S.neg(abs) : abs) : kk < 0 ? S.sub(acc, abs) : S.add(acc, abs);
      }
      const body = S.broadcastTo(acc!, e.shape.slice());
      return common === 1 ? body : S.mul(num(common), body);
    },
  },
  {
    // (α ⊘ p - β ⊘ (1 - p)) ⊙ p ⊙ (1 - p) = α ⊙ (1 - p) - β ⊙ p: how sigmoid' = s (1 - s) meets
    // the cross-entropy's 1/p, giving logistic regression's p - t.
    name: "quotients cancel and like terms meet",
    apply: (e, ctx) => rationalSimplify(e, ctx),
  },
  {
    name: "A C + B C = (A + B) C",
    apply: (e, ctx) => {
      if (e.op !== "add" && e.op !== "sub") return null;
      const [p, q] = e.args;
      if (p.k !== "op" || q.k !== "op" || p.op !== "matmul" || q.op !== "matmul") return null;
      const join = (a: SymExpr, b: SymExpr) => (e.op === "add" ? S.add(a, b) : S.sub(a, b));
      if (ctx.cons.same(p.args[1], q.args[1]) && sameShape(p.args[0].shape, q.args[0].shape))
        return S.matmul(join(p.args[0], q.args[0]), p.args[1]);
      if (ctx.cons.same(p.args[0], q.args[0]) && sameShape(p.args[1].shape, q.args[1].shape))
        return S.matmul(p.args[0], join(p.args[1], q.args[1]));
      return null;
    },
  },
];

// ---------------------------------------------------------------- elementwise rational expressions

/** A monomial: coefficient times atoms (by canonical object) to integer powers. */
interface Mono {
  c: number;
  pow: Map<SymExpr, number>;
}

const MAX_TERMS = 24;
const isSum = (e: SymExpr) => e.k === "op" && (e.op === "add" || e.op === "sub" || e.op === "neg");

function monoMul(a: Mono, b: Mono): Mono {
  const pow = new Map(a.pow);
  for (const [k, v] of b.pow) {
    const n = (pow.get(k) ?? 0) + v;
    if (n === 0) pow.delete(k);
    else pow.set(k, n);
  }
  return { c: a.c * b.c, pow };
}

function polyMul(a: Mono[], b: Mono[]): Mono[] | null {
  if (a.length * b.length > MAX_TERMS) return null;
  return a.flatMap((x) => b.map((y) => monoMul(x, y)));
}

/**
 * e as a sum of monomials over elementwise atoms of e's shape. A sum inside a product stays an
 * atom unless `open` (so (1 - p) in a numerator and a denominator can cancel first); quotients
 * by a monomial or a sum atom give negative powers. Null when e is not such an expression.
 */
function toPoly(e: SymExpr, shape: readonly number[], ctx: RuleContext, open: boolean): Mono[] | null {
  if (e.k === "num") return e.shape.length === 0 || sameShape(e.shape, shape) ? [{ c: e.v, pow: new Map() }] : null;
  if (!sameShape(e.shape, shape)) return null;
  const atom = (): Mono[] => [{ c: 1, pow: new Map([[ctx.cons.intern(e), 1]]) }];
  if (e.k === "sym") return atom();
  switch (e.op) {
    case "add":
    case "sub": {
      const a = toPoly(e.args[0], shape, ctx, open);
      const b = toPoly(e.args[1], shape, ctx, open);
      if (!a || !b) return null;
      return [...a, ...(e.op === "sub" ? b.map((m) => ({ ...m, c: -m.c })) : b)];
    }
    case "neg": {
      const a = toPoly(e.args[0], shape, ctx, open);
      return a && a.map((m) => ({ ...m, c: -m.c }));
    }
    case "mul": {
      // A factor that is a sum with quotients inside is distributed; other sums wait (atoms).
      const part = (x: SymExpr) =>
        isSum(x) && !open && !hasQuotient(x) ? (x.shape.length === 0 ? null : atomOf(x)) : toPoly(x, shape, ctx, open);
      const atomOf = (x: SymExpr): Mono[] => [{ c: 1, pow: new Map([[ctx.cons.intern(x), 1]]) }];
      const a = e.args[0].k === "num" ? toPoly(e.args[0], shape, ctx, open) : part(e.args[0]);
      const b = part(e.args[1]);
      return a && b && polyMul(a, b);
    }
    case "div": {
      const a = toPoly(e.args[0], shape, ctx, open);
      const d = e.args[1];
      if (!a) return null;
      if (d.k === "num" && d.shape.length === 0) return a.map((m) => ({ ...m, c: m.c / d.v }));
      if (!sameShape(d.shape, shape)) return null;
      const inv: Mono = { c: 1, pow: new Map([[ctx.cons.intern(d), -1]]) };
      return a.map((m) => monoMul(m, inv));
    }
    default:
      return atom();
  }
}

function hasQuotient(e: SymExpr): boolean {
  return e.k === "op" && (e.op === "div" || e.args.some(hasQuotient));
}

/** Like monomials added; zero ones dropped. */
function collect(ms: Mono[], ctx: RuleContext): Mono[] {
  const key = (m: Mono) =>
    [...m.pow.entries()]
      .map(([a, p]) => `${ctx.cons.id(a)}^${p}`)
      .sort()
      .join("*");
  const byKey = new Map<string, Mono>();
  for (const m of ms) {
    const k = key(m);
    const prev = byKey.get(k);
    if (prev) prev.c += m.c;
    else byKey.set(k, { c: m.c, pow: new Map(m.pow) });
  }
  return [...byKey.values()].filter((m) => Math.abs(m.c) > 1e-15 * Math.max(1, ...ms.map((x) => Math.abs(x.c))));
}

function fromPoly(ms: Mono[], shape: number[]): SymExpr {
  let acc: SymExpr = num(0, shape);
  for (const m of ms) {
    let numer: SymExpr = num(m.c);
    let denom: SymExpr | null = null;
    for (const [a, p] of m.pow)
      for (let i = 0; i < Math.abs(p); i++) {
        if (p > 0) numer = S.mul(numer, a);
        else denom = denom ? S.mul(denom, a) : a;
      }
    acc = S.add(acc, denom ? S.div(numer, denom) : numer);
  }
  return S.broadcastTo(acc, shape);
}

function size(e: SymExpr): number {
  return e.k === "op" ? 1 + e.args.reduce((n, a) => n + size(a), 0) : 1;
}

/** Sums with quotients multiplied out, then every remaining sum opened; kept only when smaller. */
function rationalSimplify(e: OpNode, ctx: RuleContext): SymExpr | null {
  if (!hasQuotient(e) || e.shape.length === 0) return null;
  const first = toPoly(e, e.shape, ctx, false);
  if (!first) return null;
  // Open the sum atoms left with positive powers ((1 - t) p - t (1 - p) = p - t).
  let opened: Mono[] | null = [];
  for (const m of collect(first, ctx)) {
    let acc: Mono[] | null = [{ c: m.c, pow: new Map() }];
    for (const [a, p] of m.pow) {
      const f: Mono[] | null = p > 0 && isSum(a) ? toPoly(a, e.shape, ctx, true) : [{ c: 1, pow: new Map([[a, p]]) }];
      for (let i = 0; acc && f && i < (p > 0 && isSum(a) ? p : 1); i++) acc = polyMul(acc, f);
      if (!f) acc = null;
    }
    if (!acc || !opened || opened.length + acc.length > MAX_TERMS) return null;
    opened = [...opened, ...acc];
  }
  const out = fromPoly(collect(opened, ctx), e.shape.slice());
  return size(out) < size(e) ? out : null;
}

/** A node rebuilt from new arguments, with the symbolic algebra's exact foldings. */
function rebuild(e: OpNode, args: SymExpr[]): SymExpr {
  if (args.every((a, i) => a === e.args[i])) return e;
  if (e.op === "call") return { ...e, args };
  return applyOp(e.op as SymOp, args, e.attrs, S);
}

/** Rewrites `e` bottom-up with RULES until none applies; reports which rules were used. */
export function applyRules(
  e: SymExpr,
  c: Omit<RuleContext, "cons"> & { cons?: Consed; memo?: Map<SymExpr, SymExpr> },
): { expr: SymExpr; used: string[] } {
  const ctx: RuleContext = { isIdentity: c.isIdentity, cons: c.cons ?? new Consed() };
  const memo = c.memo ?? new Map<SymExpr, SymExpr>();
  const used: string[] = [];
  let budget = 100000;
  const go = (x: SymExpr): SymExpr => {
    const m = memo.get(x);
    if (m) return m;
    if (x.k !== "op") return x;
    let r = rebuild(x, x.args.map(go));
    if (r.k === "op") {
      for (const rule of RULES) {
        if (--budget < 0) break;
        const out = rule.apply(r, ctx);
        if (out && out !== r) {
          if (!used.includes(rule.name)) used.push(rule.name);
          r = go(out);
          break;
        }
      }
    }
    memo.set(x, r);
    return r;
  };
  return { expr: go(e), used };
}
