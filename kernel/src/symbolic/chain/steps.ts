/**
 * One step of the chain rule, for one edge y = op(..., u, ...) of the graph: the general rule
 * summed over every index of y, the op's local partial (from its index rule, nothing else),
 * the index form, the delta collapse, the compact form (from its vjp rule run symbolically),
 * the broadcasting reduction, and the numbers of the sum at one element of u.
 */
import type { Tensor } from "../../tensor/Tensor";
import type { OpDef, RuleContext } from "../../ops/OpDef";
import type { ChainStep, ChainStepNumeric, ChainTerm, Rendered } from "../../protocol/chain";
import { E, mapChildren, type IndexExpr, type IndexEnv, evalIndexExpr } from "../../ops/IndexExpr";
import { type SymExpr, num, sym, symbolsInOrder } from "../algebra/SymExpr";
import { sumToAxes } from "../../tensor/shape";
import { sameShape } from "../../tensor/shape";
import { symbolicAlgebra } from "../algebra/symbolicAlgebra";
import { boundFactor, collapseDeltas, factorsOf, substitute, type SumIndex } from "../algebra/simplify";
import { elementOf, nameLatex, printIndex, printSum, printSym, sumsPrefix, type Mode } from "../algebra/latex";
import { isLiteral, type Edge } from "./paths";
import { relErr, termValues, indexOf } from "../verify/numeric";

/** What every step of one expansion shares. */
export interface StepEnv {
  nameOf(t: Tensor): string;
  /** The output as it appears on top of every fraction: L, or L_{01} in Jacobian mode. */
  top: Rendered;
  maxTerms: number;
  tol: Tolerances;
}

/**
 * When numbers agree: float64 as the issue asks (sum of terms vs reverse mode 1e-12 relative to
 * the size of the terms, vs finite differences 1e-6); a float32 graph cannot meet those, so
 * its limits follow float32's precision (and its finite-difference step is larger).
 */
export interface Tolerances {
  autodiff: number;
  finiteDiff: number;
  /** Finite-difference step relative to max(1, |x_I|). */
  step: number;
  /** Unit roundoff of the graph's dtype (the finite difference's rounding error bound). */
  eps: number;
}
export const FLOAT64_TOL: Tolerances = { autodiff: 1e-12, finiteDiff: 1e-6, step: 1e-5, eps: 2 ** -52 };
export const FLOAT32_TOL: Tolerances = { autodiff: 1e-4, finiteDiff: 1e-2, step: 1e-2, eps: 2 ** -23 };

/** An op's index rule with its in/out references replaced by the tensors' display names. */
export function localPartial(
  op: OpDef,
  y: Tensor,
  argnum: number,
  J: string[],
  I: string[],
  nameOf: (t: Tensor) => string,
): IndexExpr | null {
  if (!op.index) return null;
  const node = y.node!;
  const raw = op.index({ argnum, J, I, shapes: node.inputs.map((t) => t.shape), outShape: y.shape, attrs: node.attrs });
  return relabel(raw, node.inputs, y, nameOf);
}

function relabel(e: IndexExpr, inputs: readonly Tensor[], y: Tensor, nameOf: (t: Tensor) => string): IndexExpr {
  const r = (x: IndexExpr) => relabel(x, inputs, y, nameOf);
  if (e.k !== "ref") return mapChildren(e, r);
  const t = e.t === "out" ? y : inputs[e.arg];
  if (e.t === "in" && isLiteral(t)) return E.num(t.data[0]);
  return E.sym(nameOf(t), e.idx.map(r));
}

/** The op's inputs as symbols (unnamed one-element constants as their value). */
export function symbolicInputs(y: Tensor, nameOf: (t: Tensor) => string): SymExpr[] {
  return y.node!.inputs.map((t) => (isLiteral(t) ? num(t.data[0], t.shape) : sym(nameOf(t), t.shape)));
}

/**
 * The op's vjp rule run on symbols: dL/du in matrix notation given g (before and after the
 * sumTo that undoes broadcasting). Null for ops whose rule has no symbolic form (user ops).
 */
export function symbolicVjp(
  y: Tensor,
  argnum: number,
  g: SymExpr,
  nameOf: (t: Tensor) => string,
): { raw: SymExpr; summed: SymExpr } | null {
  const node = y.node!;
  const ctx: RuleContext<SymExpr> = {
    inputs: symbolicInputs(y, nameOf),
    out: sym(nameOf(y), y.shape),
    attrs: node.attrs,
    shapes: node.inputs.map((t) => t.shape),
    outShape: y.shape,
  };
  let raw: SymExpr | null;
  try {
    raw = node.op.vjp(g, ctx, symbolicAlgebra)[argnum];
  } catch {
    return null;
  }
  if (!raw) return null;
  return { raw, summed: symbolicAlgebra.sumTo(raw, node.inputs[argnum].shape.slice()) };
}

export function frac(top: string, bottom: string, mode: Mode): string {
  return mode === "latex" ? `\\frac{\\partial ${top}}{\\partial ${bottom}}` : `d${top}/d${bottom}`;
}

function both(f: (m: Mode) => string): Rendered {
  return { latex: f("latex"), text: f("text") };
}

/** Orders the factors of a collapsed product as the tensors appear in the compact form. */
export function orderLike(factors: IndexExpr[], order: string[]): IndexExpr[] {
  const pos = (f: IndexExpr) => (f.k === "sym" ? order.indexOf(f.name) : -1);
  let last = -1;
  const keyed = factors.map((f, i) => {
    const p = pos(f);
    if (p >= 0) last = p;
    return { f, i, key: p >= 0 ? p : last };
  });
  // Numbers lead (2 y_j, not y_j 2); tensors follow the compact form's order.
  const constant = (f: IndexExpr): boolean => f.k === "num" || (f.k === "div" && constant(f.a) && constant(f.b));
  keyed.forEach((k) => {
    if (constant(k.f)) k.key = -2;
  });
  keyed.sort((a, b) => a.key - b.key || a.i - b.i);
  return keyed.map((k) => k.f);
}

/** einsum("ki,kj->ij") from a collapsed product of plain tensor elements, if it is one. */
export function einsumOf(
  factors: IndexExpr[],
  I: string[],
  sumsLeft: SumIndex[],
): { spec: string; operands: string[] } | null {
  if (factors.length === 0) return null;
  const subs: string[] = [];
  const operands: string[] = [];
  const seen = new Set<string>();
  for (const f of factors) {
    if (f.k !== "sym" || !f.idx.every((x) => x.k === "idx" && x.name.length === 1)) return null;
    const s = f.idx.map((x) => (x as { name: string }).name).join("");
    s.split("").forEach((c) => seen.add(c));
    subs.push(s);
    operands.push(f.name);
  }
  if (!I.every((i) => i.length === 1 && seen.has(i))) return null;
  if (!sumsLeft.every((s) => seen.has(s.name))) return null;
  return { spec: `${subs.join(",")}->${I.join("")}`, operands };
}

/** [min, max] of a constant tensor of integers (indices, labels), else null. */
export function integerRange(t: Tensor): [number, number] | null {
  if (t.requiresGrad || t.size === 0) return null;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < t.size; i++) {
    const v = t.data[i];
    if (!Number.isInteger(v)) return null;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

export interface BuiltStep {
  step: ChainStep;
  /** The local partial (display names), null without an index rule. */
  local: IndexExpr | null;
  /** Upstream symbol name and index names, for the numbers. */
  gName: string | null;
  J: string[];
  I: string[];
}

/**
 * The one name of the upstream gradient dL/dt on screen, tied to its tensor: G_t (g_t below
 * rank 2, as chain-rule.md writes g and G), so two steps never use one letter for two arrays.
 * `route` 0 is the total dL/dt (also the closed form's name); a tensor with several routes up
 * to L has, on each path, only the part along that path's route: G_t', G_t'', ... one prime
 * count per distinct route.
 */
export function gradientName(tensorName: string, rank: number, route = 0): string {
  return `${rank >= 2 ? "G" : "g"}_${tensorName}${"'".repeat(route)}`;
}

/**
 * Builds a step. `composedIn` is dL/dy in matrix notation as composed so far (derive as you
 * go; what the upstream symbol g stands for), or null; `composedOut` the composed dL/du.
 * `upstreamIsOne` for the step out of a scalar L (dL/dL = 1: no upstream symbol). `route` names
 * the upstream gradient (see gradientName).
 */
export function buildStep(
  e: Edge,
  names: Map<number, string[]>,
  env: StepEnv,
  upstreamIsOne: boolean,
  composedIn: SymExpr | null,
  composedOut: SymExpr | null,
  route = 0,
): BuiltStep {
  const { out: y, input: u, argnum } = e;
  const op = y.node!.op;
  const J = names.get(y.id)!;
  const I = names.get(u.id)!;
  const nm = env.nameOf;
  const gName = upstreamIsOne ? null : gradientName(nm(y), y.rank, route);
  const local = localPartial(op, y, argnum, J, I, nm);
  const idx = (t: Tensor, ns: string[]) => (m: Mode) => elementOf(nm(t), ns, m);
  const uI = idx(u, I);
  const yJ = idx(y, J);
  const topOf = (m: Mode) => (m === "latex" ? env.top.latex : env.top.text);
  const sumJ = (m: Mode) => sumsPrefix(J, m);

  const general = both(
    (m) => `${frac(topOf(m), uI(m), m)} = ${sumJ(m)}${frac(topOf(m), yJ(m), m)} ${frac(yJ(m), uI(m), m)}`,
  );

  const sv = symbolicVjp(y, argnum, gName ? sym(gName, y.shape) : num(1, y.shape), nm);
  const compactOrder = sv ? symbolsInOrder(sv.summed) : [];
  const ranges = new Map<string, number>();
  J.forEach((j, a) => ranges.set(j, y.shape[a]));
  I.forEach((i, a) => ranges.set(i, u.shape[a]));

  let localR: Rendered;
  let indexForm: Rendered;
  let collapsedR: Rendered;
  let renamed: string[] = [];
  let einsum: { spec: string; operands: string[] } | null = null;
  if (local) {
    const factors = [
      ...(gName
        ? [
            E.sym(
              gName,
              J.map((j) => E.idx(j)),
            ),
          ]
        : []),
      ...factorsOf(local),
    ];
    localR = both((m) => `${frac(yJ(m), uI(m), m)} = ${printIndex(local, m)}`);
    indexForm = both((m) => `${frac(topOf(m), uI(m), m)} = ${printSum(J, E.mul(...factors), m)}`);
    const byName = new Map(y.node!.inputs.map((t) => [nm(t), t] as const));
    const c = collapseDeltas(
      J.map((j, a) => ({ name: j, n: y.shape[a] })),
      factors,
      ranges,
      (n) => {
        const t = byName.get(n);
        return t ? integerRange(t) : null;
      },
    );
    renamed = c.renamed;
    // After a collapse, the factors follow the compact form (sum_k X_ki G_kj for X^T G);
    // with nothing collapsed the index form's order stays.
    const ordered = c.renamed.length > 0 ? orderLike(c.factors, compactOrder) : c.factors;
    const body = (m: Mode) =>
      c.zero
        ? "0"
        : printSum(
            c.sums.map((s) => s.name),
            E.mul(...ordered),
            m,
          );
    collapsedR = both((m) => `${frac(topOf(m), uI(m), m)} = ${body(m)}`);
    if (!c.zero) einsum = einsumOf(ordered, I, c.sums);
  } else {
    const none = both(
      (m) =>
        `${frac(yJ(m), uI(m), m)}: ${m === "latex" ? `\\text{${op.name} has no index rule}` : `${op.name} has no index rule`}`,
    );
    localR = none;
    indexForm = none;
    collapsedR = none;
  }

  // einsum is the compact form for rank 3 and up when something is contracted or permuted
  // (an elementwise product stays G ⊙ y).
  const highRank = [u, y, ...y.node!.inputs].some((t) => t.rank >= 3);
  if (einsum) {
    const [ins, out] = einsum.spec.split("->");
    if (ins.split(",").every((sub) => sub === out)) einsum = null;
  }
  let compact: Rendered;
  if (highRank && einsum) {
    const ein = einsum;
    compact = both((m) =>
      m === "latex"
        ? `${frac(topOf(m), nameLatex(nm(u)), m)} = \\operatorname{einsum}(\\texttt{"${ein.spec}"}, ${ein.operands.map(nameLatex).join(", ")})`
        : `d${env.top.text}/d${nm(u)} = einsum("${ein.spec}", ${ein.operands.join(", ")})`,
    );
  } else if (sv) {
    compact = both((m) => `${frac(topOf(m), m === "latex" ? nameLatex(nm(u)) : nm(u), m)} = ${printSym(sv.summed, m)}`);
  } else {
    compact = both(
      (m) =>
        `${frac(topOf(m), m === "latex" ? nameLatex(nm(u)) : nm(u), m)} = ${m === "latex" ? `\\operatorname{vjp}_{\\text{${op.name}}}(${gName ? nameLatex(gName) : "1"})` : `vjp_${op.name}(${gName ?? "1"})`}`,
    );
  }

  const step: ChainStep = {
    op: op.name,
    from: nm(u),
    to: nm(y),
    fromShape: u.shape.slice(),
    toShape: y.shape.slice(),
    general,
    local: localR,
    indexForm,
    collapsed: collapsedR,
    renamed,
    compact,
  };
  if (einsum && highRank) step.einsum = `einsum("${einsum.spec}", ${einsum.operands.join(", ")})`;
  if (sv && !sameShape(sv.raw.shape, u.shape)) {
    const axes = sumToAxes(sv.raw.shape, u.shape);
    const raw = sv.raw;
    step.broadcast = {
      ...both(
        (m) =>
          `${frac(topOf(m), m === "latex" ? nameLatex(nm(u)) : nm(u), m)} = ${printSym(symbolicAlgebra.sumTo(raw, u.shape.slice()), m)}`,
      ),
      axes,
      why:
        `${nm(u)} has shape [${u.shape.join(",")}] but ${op.name} used it broadcast to [${raw.shape.join(",")}]: ` +
        `each element of ${nm(u)} fed every position along ${axes.length === 1 ? "axis" : "axes"} ${axes.join(",")}, ` +
        `so its gradient adds up all of their contributions (the rule's result, shape [${raw.shape.join(",")}], is summed back to [${u.shape.join(",")}]).`,
    };
  }
  if (gName) {
    const gN = gName;
    step.upstream = both((m) => {
      const g = m === "latex" ? nameLatex(gN) : gN;
      const partOnly =
        route > 0 ? (m === "latex" ? String.raw` \text{ (along this path only)}` : " (along this path only)") : "";
      const def = `${g} := ${frac(topOf(m), m === "latex" ? nameLatex(nm(y)) : nm(y), m)}${partOnly}`;
      return composedIn ? `${def} = ${printSym(composedIn, m)}` : def;
    });
  }
  if (composedOut) {
    const co = composedOut;
    step.composed = both((m) => `${frac(topOf(m), m === "latex" ? nameLatex(nm(u)) : nm(u), m)} = ${printSym(co, m)}`);
  }
  return { step, local, gName, J, I };
}

export interface StepTerms {
  numeric: ChainStepNumeric;
  /** Per-term values shaped like the intermediate (null: killed by a delta). */
  contributions: (number | null)[];
  /** Index of y of the largest term (where the next step is instantiated). */
  argmaxJ: number[];
}

/**
 * Numbers of the step's index-form sum at element `at` of u: every term by brute force over
 * all J (G from `upstream`), compared with reverse mode's value `autodiff`.
 */
export function stepTerms(
  b: BuiltStep,
  e: Edge,
  upstream: Tensor | null,
  at: number[],
  autodiff: number,
  env: StepEnv,
  via?: string,
  gName: string | null = b.gName,
): StepTerms | null {
  if (!b.local) return null;
  const { out: y } = e;
  const nm = env.nameOf;
  const syms = new Map<string, { data: ArrayLike<number>; shape: readonly number[] }>();
  for (const t of y.node!.inputs) syms.set(nm(t), t);
  syms.set(nm(y), y);
  if (gName && upstream) syms.set(gName, upstream);
  const ienv: IndexEnv = { inputs: [], out: y, idx: new Map(), syms };
  b.I.forEach((i, a) => ienv.idx.set(i, at[a]));
  const factors = [
    ...(gName
      ? [
          E.sym(
            gName,
            b.J.map((j) => E.idx(j)),
          ),
        ]
      : []),
    ...factorsOf(b.local),
  ];
  const tv = termValues(factors, b.J, y.shape, ienv);
  const n = tv.values.length;
  const order = Array.from({ length: n }, (_, i) => i);
  let listed: number[];
  if (n <= env.maxTerms) listed = order;
  else {
    listed = order
      .filter((o) => !tv.killed[o])
      .sort((p, q) => Math.abs(tv.values[q]) - Math.abs(tv.values[p]) || p - q)
      .slice(0, env.maxTerms);
  }
  const listedSet = new Set(listed);
  let best = -1;
  for (let o = 0; o < n; o++)
    if (!tv.killed[o] && (best < 0 || Math.abs(tv.values[o]) > Math.abs(tv.values[best]))) best = o;
  const terms: ChainTerm[] = listed.map((o) => {
    const J = indexOf(o, y.shape);
    const indices: Record<string, number> = {};
    b.J.forEach((j, a) => (indices[j] = J[a]));
    b.J.forEach((j, a) => ienv.idx.set(j, J[a]));
    const bound = (f: IndexExpr) => {
      let g = f;
      b.J.forEach((j, a) => (g = substitute(g, j, E.num(J[a]))));
      b.I.forEach((i, a) => (g = substitute(g, i, E.num(at[a]))));
      return g;
    };
    const term: ChainTerm = {
      indices,
      factors: factors.map((f) => {
        const g = boundFactor(bound(f));
        return { latex: printIndex(g, "latex"), text: printIndex(g, "text"), value: evalIndexExpr(f, ienv) + 0 };
      }),
      value: tv.killed[o] ? 0 : tv.values[o],
      zero: tv.killed[o] === 1,
    };
    if (via) term.via = via;
    return term;
  });
  let moreCount = 0;
  let moreSum = 0;
  for (let o = 0; o < n; o++) {
    if (listedSet.has(o)) continue;
    moreCount++;
    moreSum += tv.values[o];
  }
  let killed = 0;
  for (let o = 0; o < n; o++) killed += tv.killed[o];
  const rel = relErr(tv.total, autodiff, tv.sumAbs);
  const numeric: ChainStepNumeric = {
    at: at.slice(),
    terms,
    killed,
    total: tv.total,
    autodiff: autodiff + 0,
    relErrAutodiff: rel,
    pass: rel <= env.tol.autodiff,
  };
  if (moreCount > 0) numeric.more = { count: moreCount, sum: moreSum };
  const contributions: (number | null)[] = Array.from(tv.values, (v, o) => (tv.killed[o] ? null : v));
  return { numeric, contributions, argmaxJ: best >= 0 ? indexOf(best, y.shape) : y.shape.map(() => 0) };
}
