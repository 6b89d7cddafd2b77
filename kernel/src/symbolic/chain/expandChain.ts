/**
 * symbolic/chain/: the chain-rule expansion over a traced graph: its paths (paths.ts), each
 * step's local partial and sum (steps.ts), the paths composed and inlined (compose.ts,
 * substituted.ts), the closed formula of the whole gradient (closedForm.ts), a node's rule
 * (nodeRule.ts), all assembled here into the chain payload with verify/'s numbers.
 * expandChain(L, x): the multivariate chain rule for dL/dx written out step by step, the way
 * docs/chain-rule.md does, for every path from x to L, and proved with numbers: each term of
 * each sum, the total, reverse mode's value and a central finite difference.
 */
import { Tensor } from "../../tensor/Tensor";
import { ChainlabError, fmtShape } from "../../errors";
import { differentiates } from "../../ops/OpDef";
import { gradientsById } from "../../autodiff/backward";
import type { ChainNumeric, ChainPath, ChainPayload, ChainTerm, Rendered } from "../../protocol/chain";
import { PROTOCOL_VERSION } from "../../protocol/mime";
import { E, type IndexExpr } from "../../ops/IndexExpr";
import { type SymExpr, num, sym } from "../algebra/SymExpr";
import { collapseDeltas, factorsOf, replaceSym } from "../algebra/simplify";
import { symbolicAlgebra } from "../algebra/symbolicAlgebra";
import { elementOf, printClosedForm, printSum, printSym, nameLatex, type Mode } from "../algebra/latex";
import {
  type Namer,
  findPaths,
  indexNames,
  isLiteral,
  routesToOutput,
  traceGraph,
  type Edge,
  type Path,
} from "./paths";
import { closedForm } from "./closedForm";
import { definitionOf } from "./nodeRule";
import { composePath, inlineAuto } from "./compose";
import {
  fdVerdict,
  finiteDiff,
  finiteDiffScale,
  indexOf,
  offsetOf,
  pathGradients,
  relErr,
  replay,
  replayPath,
  vjpOne,
} from "../verify/numeric";
import {
  FLOAT32_TOL,
  FLOAT64_TOL,
  buildStep,
  gradientName,
  frac,
  integerRange,
  stepTerms,
  type BuiltStep,
  type StepEnv,
} from "./steps";
import { findHead } from "./substituted";

export interface ExpandOptions {
  /** The element of x to instantiate (default: the element of largest |gradient|). */
  at?: number[];
  /** Jacobian mode (non-scalar L): the output element L_K the steps are for (default: first). */
  outputAt?: number[];
  /** How many terms of a long sum to list (the largest); the rest are summed up. Default 8. */
  maxTerms?: number;
  /** At most this many paths are expanded (the numbers always include all). Default 8. */
  maxPaths?: number;
  /**
   * The substituted form covers at most this many steps (default 6); on longer paths the steps
   * above fold into one symbol g := dL/dt, and `folded` says how many.
   */
  maxSubstitutedSteps?: number;
  /** Index letters per tensor name, e.g. { x: "p", W: "ij" } (others are chosen around them). */
  indexNames?: Record<string, string | string[]>;
  /** Jacobian mode: at most this many output elements get a block. Default 64. */
  maxJacobianBlocks?: number;
  /**
   * A path longer than this many steps (default 16) shows the steps nearest x and nearest L
   * and says how many in between it left out (`stepsOmitted`); the numbers cover every step.
   */
  maxSteps?: number;
}

/** At most this many "v3 = X w" lines: the names of the written-out steps come first in graph order. */
const MAX_NAMES = 40;

/** Steps other than the one into x get numbers only when their intermediate is at most this big. */
const MAX_STEP_TERMS = 1 << 16;

/** Composed gradients as displayed: unnamed intermediates written out by their definitions. */
function displayer(tensors: readonly Tensor[], namer: Namer): (e: SymExpr) => SymExpr {
  const byName = new Map<string, Tensor>();
  for (const t of tensors) if (!isLiteral(t)) byName.set(namer.name(t), t);
  return (e) =>
    inlineAuto(
      e,
      byName,
      (n) => namer.isAuto(n),
      (t) => namer.name(t),
    );
}

/**
 * The compact form of dL/dx along each path (as printed in `paths[k].compact`), with the
 * tensors its symbols stand for: evaluating it with the numeric algebra gives the gradient.
 */
export function compactForms(
  L: Tensor,
  x: Tensor,
  opts: Pick<ExpandOptions, "maxPaths"> = {},
): { forms: (SymExpr | null)[]; tensors: Map<string, Tensor> } {
  const { order, namer, nameOf } = traceGraph(L, x);
  const display = displayer(order, namer);
  const { paths } = findPaths(L, x, opts.maxPaths ?? 8, order);
  const tensors = new Map<string, Tensor>();
  for (const t of order) if (!isLiteral(t)) tensors.set(nameOf(t), t);
  const forms = paths.map((p) => {
    const e = composePath(p, L, num(1, L.shape), nameOf).get(x.id);
    return e ? display(e) : null;
  });
  return { forms, tensors };
}

function both(f: (m: Mode) => string): Rendered {
  return { latex: f("latex"), text: f("text") };
}

function argmaxAbs(d: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < d.length; i++) if (Math.abs(d[i]) > Math.abs(d[best])) best = i;
  return best;
}

function checkIndex(what: string, idx: unknown, shape: readonly number[]): number[] {
  if (
    !Array.isArray(idx) ||
    idx.length !== shape.length ||
    idx.some((v, a) => !Number.isInteger(v) || v < 0 || v >= shape[a])
  )
    throw new ChainlabError(
      "expandChain",
      `${what} must be an index into shape ${fmtShape(shape)}, got ${JSON.stringify(idx)}`,
    );
  return idx.slice();
}

/**
 * Expands dL/dx with the multivariate chain rule: the paths from x to L, one step per edge
 * (general rule, local partial from the op's index rule, delta collapse, compact form,
 * broadcasting), the substituted form, and numbers at one element checked against reverse
 * mode and finite differences. Returns plain data (the chain-rule MIME payload).
 * @example
 * const x = randn([3], { requiresGrad: true }).named("x");
 * const y = x.tanh().named("y");
 * const L = y.square().sum().named("L");
 * const p = expandChain(L, x);
 * p.paths[0].compact?.text;  // "dL/dx = 2 y ⊙ (1 - y ⊙ y)"
 * p.paths[0].steps[2].collapsed.text;  // "dL/dx_i = g_i (1 - y_i^2)"
 * p.numeric.pass;  // true: sum of terms = reverse mode = finite difference
 */
export function expandChain(L: Tensor, x: Tensor, opts: ExpandOptions = {}): ChainPayload {
  if (!(L instanceof Tensor) || !(x instanceof Tensor))
    throw new ChainlabError("expandChain", "expected two tensors: the output L and a tensor x it was computed from");
  if (L === x)
    throw new ChainlabError("expandChain", "x is L itself (dL/dL = 1): pass a tensor that L was computed from");
  const maxTerms = opts.maxTerms ?? 8;
  if (!Number.isInteger(maxTerms) || maxTerms < 1)
    throw new ChainlabError("expandChain", `maxTerms must be a positive integer, got ${JSON.stringify(opts.maxTerms)}`);
  // The graph is traced once; auto names (v1, v2, ...) follow its topological order.
  const graph = traceGraph(L, x);
  const { order, namer, nameOf } = graph;
  const { paths, total: totalPaths } = findPaths(L, x, opts.maxPaths ?? 8, order);
  if (totalPaths === 0)
    throw new ChainlabError(
      "expandChain",
      `${nameOf(L)} does not depend on ${nameOf(x)} through any differentiable op (was ${nameOf(x)} created with { requiresGrad: true } and used to compute ${nameOf(L)}?)`,
    );

  // Scalar L: seed 1. Otherwise Jacobian mode: the steps are for one output element L_K.
  const jacobianMode = L.size !== 1;
  const outputAt = jacobianMode
    ? checkIndex("outputAt", opts.outputAt ?? L.shape.map(() => 0), L.shape)
    : L.shape.map(() => 0);
  const outOff = offsetOf(outputAt, L.shape);
  const seedData = new Float64Array(L.size);
  seedData[outOff] = 1;
  const seed = new Tensor(seedData, L.shape);
  const Lname = nameOf(L);
  const top: Rendered = jacobianMode
    ? { latex: elementOf(Lname, outputAt.map(String), "latex"), text: elementOf(Lname, outputAt.map(String), "text") }
    : { latex: nameLatex(Lname), text: Lname };

  const grads = gradientsById([L], [seed], false);
  const autodiffX = reverseModeAt(x, order, grads);
  const at = opts.at !== undefined ? checkIndex("at", opts.at, x.shape) : indexOf(argmaxAbs(autodiffX), x.shape);
  const atOff = offsetOf(at, x.shape);
  const float32 = order.some((t) => t.dtype === "float32");
  const env: StepEnv = { nameOf, top, maxTerms, tol: float32 ? FLOAT32_TOL : FLOAT64_TOL };

  const display = displayer(order, namer);
  const routes = routeMarks(paths, routesToOutput(L, x, order));
  const chainPaths = paths.map((p, k) =>
    expandPath(p, { L, x, seed, at, outOff, env, opts, jacobianMode, display }, routes[k]),
  );

  // The total over every use of x, with reverse mode's full upstream gradient at each use.
  const numeric = totalNumeric(
    x,
    L,
    paths,
    chainPaths.map((c) => c.built),
    grads,
    { at, atOff, outOff, autodiff: autodiffX[atOff] + 0, env, order },
  );

  const payload: ChainPayload = {
    version: PROTOCOL_VERSION,
    kind: "chain",
    output: { name: Lname, shape: L.shape.slice() },
    param: { name: nameOf(x), shape: x.shape.slice() },
    paths: chainPaths.map((c) => c.path),
    numeric,
  };
  if (totalPaths > paths.length) payload.pathsOmitted = totalPaths - paths.length;
  else if (chainPaths.every((c) => c.compact)) {
    // The total derivative: the paths' gradients add (x + x for x * x).
    const sum = chainPaths.map((c) => c.compact!).reduce((a, b) => symbolicAlgebra.add(a, b));
    payload.compact = both(
      (m) =>
        `${frac(m === "latex" ? top.latex : top.text, m === "latex" ? nameLatex(nameOf(x)) : nameOf(x), m)} = ${printSym(sum, m)}`,
    );
  }
  payload.names = nameDefinitions(
    order,
    chainPaths.map((c) => c.path),
    nameOf,
  );
  const closed = closedForm(L, x, graph);
  if (closed.closed) {
    const f = closed.form;
    const lines = (m: Mode) => printClosedForm(f, m === "latex" ? top.latex : top.text, nameOf(x), m);
    const [lx, tx] = [lines("latex"), lines("text")];
    payload.closed = {
      formula: { latex: lx.formula, text: tx.formula },
      where: lx.where.map((latex, i) => ({ latex, text: tx.where[i] })),
      rules: f.rules,
    };
  } else payload.cannotClose = closed.reason;
  if (jacobianMode) {
    payload.outputAt = outputAt;
    payload.jacobian = jacobianBlocks(L, x, opts.maxJacobianBlocks ?? 64);
  }
  return payload;
}

/**
 * What each name on the view stands for: every computed tensor on an expanded path or read by
 * one of its ops (v3 = X w), and constants made outside the graph (c1), in graph order.
 */
function nameDefinitions(order: readonly Tensor[], paths: ChainPath[], nameOf: (t: Tensor) => string): Rendered[] {
  const written = new Set<string>();
  for (const p of paths) for (const s of p.steps) written.add(s.to).add(s.from);
  const shown = new Set<number>();
  for (const t of order)
    if (t.node && written.has(nameOf(t))) {
      shown.add(t.id);
      for (const u of t.node.inputs) shown.add(u.id);
    }
  const out: Rendered[] = [];
  for (const t of order) {
    if (!shown.has(t.id) || isLiteral(t) || out.length >= MAX_NAMES) continue;
    if (t.node) out.push(definitionOf(t, nameOf));
    else if (!t.name && !t.requiresGrad) {
      const what = `a constant ${fmtShape(t.shape)} computed outside the graph`;
      out.push({ latex: `${nameLatex(nameOf(t))}: \\text{${what}}`, text: `${nameOf(t)}: ${what}` });
    }
  }
  return out;
}

/**
 * Reverse mode's dL/dx. Backward skips tensors that do not require grad (data such as X), so
 * for those the rule of each use is applied to the upstream gradient backward computed there.
 */
function reverseModeAt(x: Tensor, order: readonly Tensor[], grads: Map<number, Tensor>): ArrayLike<number> {
  const gx = grads.get(x.id);
  if (gx) return gx.data;
  const acc = new Float64Array(x.size);
  for (const t of order) {
    const g = grads.get(t.id);
    if (!t.node || !g) continue;
    const op = t.node.op;
    t.node.inputs.forEach((u, i) => {
      if (u !== x || !differentiates(op, i)) return;
      const d = vjpOne(t, i, g).data;
      for (let k = 0; k < acc.length; k++) acc[k] += d[k];
    });
  }
  return acc;
}

interface PathCtx {
  L: Tensor;
  x: Tensor;
  seed: Tensor;
  at: number[];
  outOff: number;
  env: StepEnv;
  opts: ExpandOptions;
  jacobianMode: boolean;
  /** A composed gradient as displayed (unnamed intermediates inlined). */
  display(e: SymExpr): SymExpr;
}

/**
 * For every path and every edge k of it, how the upstream gradient at edge k's output is named
 * (gradientName's route): 0 where that tensor has one route up to L (the path's upstream is the
 * whole dL/dt), else 1, 2, ... numbering the distinct routes above it in path order, so one
 * name is one array on the whole screen.
 */
function routeMarks(paths: Path[], routes: ReadonlyMap<number, number>): number[][] {
  const seen = new Map<number, string[]>();
  return paths.map((p) =>
    p.map((e, k) => {
      if ((routes.get(e.out.id) ?? 1) <= 1) return 0;
      const above = p
        .slice(k + 1)
        .map((a) => `${a.out.id}:${a.argnum}`)
        .join(",");
      const keys = seen.get(e.out.id) ?? [];
      seen.set(e.out.id, keys);
      if (!keys.includes(above)) keys.push(above);
      return keys.indexOf(above) + 1;
    }),
  );
}

/** Steps, substituted form and numbers of one path. */
function expandPath(
  path: Path,
  c: PathCtx,
  route: number[],
): { path: ChainPath; built: BuiltStep[]; compact: SymExpr | null } {
  const { env, x, L } = c;
  const nameOf = env.nameOf;
  const tensors = [x, ...path.map((e) => e.out)];
  const names = indexNames(tensors, nameOf, c.opts.indexNames);

  // Derive as you go, symbolically: dL/dt in matrix notation for every tensor on the path
  // (unnamed intermediates written out for display: y - t rather than v1).
  // Jacobian mode seeds with the one-hot e_K (dL_K/dL), written as deltas in index forms.
  const seedName = `e_${indexOf(c.outOff, L.shape).join("")}`;
  const raw = composePath(path, L, c.jacobianMode ? sym(seedName, L.shape) : num(1, L.shape), nameOf);
  const composed = new Map<number, SymExpr | null>();
  for (const [id, e] of raw) composed.set(id, e ? c.display(e) : null);

  // Steps from L back to x; on a long path only the window nearest x and nearest L.
  const window = stepWindow(path.length, c.opts.maxSteps);
  const built: (BuiltStep | undefined)[] = new Array(path.length);
  for (let k = path.length - 1; k >= 0; k--) {
    if (!window.shown(k)) continue;
    const e = path[k];
    const upstreamIsOne = e.out === L && !c.jacobianMode;
    built[k] = buildStep(
      e,
      names,
      env,
      upstreamIsOne,
      e.out === L && !c.jacobianMode ? null : (composed.get(e.out.id) ?? null),
      composed.get(e.input.id) ?? null,
      route[k],
    );
  }

  // Numbers, from x outward: each step at the element where the previous one's largest term sits.
  const pg = pathGradients(path, c.seed);
  let at = c.at;
  let contributions: ChainPath["contributions"];
  let xTerms: ReturnType<typeof stepTerms> = null;
  for (let k = 0; k < path.length; k++) {
    const e = path[k];
    const up = pg.get(e.out.id)!;
    // Steps above x are extra detail: brute force over a huge intermediate is skipped there.
    if (k > 0 && e.out.size > MAX_STEP_TERMS) break;
    const b = built[k];
    if (!b) {
      // A step left out of the window: carry on where the upstream gradient is largest.
      at = indexOf(argmaxAbs(up.data), e.out.shape);
      continue;
    }
    const autodiff = pg.get(e.input.id)!.data[offsetOf(at, e.input.shape)] + 0;
    const st = stepTerms(b, e, up, at, autodiff, env);
    if (!st) {
      // No index rule (a user op): carry on where the upstream gradient is largest.
      at = indexOf(argmaxAbs(up.data), e.out.shape);
      continue;
    }
    b.step.numeric = st.numeric;
    if (k === 0) {
      xTerms = st;
      contributions = { intermediate: nameOf(e.out), shape: e.out.shape.slice(), values: st.contributions };
    }
    at = st.argmaxJ;
  }

  const shownSteps = built.filter((b): b is BuiltStep => b !== undefined);
  const out: ChainPath = { nodes: window.nodes(tensors.map(nameOf)), steps: shownSteps.reverse().map((b) => b.step) };
  if (window.omitted) out.stepsOmitted = { after: window.tail, count: window.omitted };
  const cx = composed.get(x.id);
  if (cx)
    out.compact = both(
      (m) =>
        `${frac(m === "latex" ? env.top.latex : env.top.text, m === "latex" ? nameLatex(nameOf(x)) : nameOf(x), m)} = ${printSym(cx, m)}`,
    );
  substitutedForm(out, path, tensors, names, composed, built as BuiltStep[], c, seedName, route);
  if (contributions) out.contributions = contributions;

  // The path's own numbers: its x-step sum, reverse mode along this path only, and a finite
  // difference that perturbs x only where this path uses it.
  const atOff = offsetOf(c.at, x.shape);
  const autodiff = pg.get(x.id)!.data[atOff] + 0;
  const tol = env.tol;
  const fdr = finiteDiff(x, atOff, (x2) => replayPath(path, x2, c.outOff), tol.step, env.tol.eps);
  const fd = Number.isFinite(fdr.value) ? fdr.value + 0 : 0;
  const total = xTerms ? xTerms.numeric.total : autodiff;
  const scale = xTerms ? xTerms.contributions.reduce<number>((t, v) => t + Math.abs(v ?? 0), 0) : 0;
  const numeric: ChainNumeric = {
    at: c.at.slice(),
    terms: xTerms ? xTerms.numeric.terms : [],
    killed: xTerms ? xTerms.numeric.killed : 0,
    total,
    autodiff,
    finiteDiff: fd,
    relErrAutodiff: xTerms ? xTerms.numeric.relErrAutodiff : 0,
    relErrFiniteDiff: relErr(total, fd, finiteDiffScale(scale, c.L.data[c.outOff])),
    pass: false,
  };
  const verdict = fdVerdict(total, fdr, finiteDiffScale(scale, c.L.data[c.outOff]), tol.finiteDiff);
  numeric.finiteDiffVerdict = verdict;
  if (Number.isFinite(fdr.error)) numeric.finiteDiffError = fdr.error;
  if (xTerms?.numeric.more) numeric.more = xTerms.numeric.more;
  numeric.pass = numeric.relErrAutodiff <= tol.autodiff && verdict === "pass";
  if (!xTerms) numeric.note = noIndexNote(path[0]);
  out.numeric = numeric;
  return { path: out, built: built as BuiltStep[], compact: cx ?? null };
}

/**
 * Which steps of a path of `length` steps are written out: all when at most `max` (default 16),
 * else the steps nearest x (k < head) and nearest L (the last `tail`): a 100,000-op recurrence
 * must give a view (and payload) of a few steps, not 100,000.
 */
function stepWindow(
  length: number,
  max = 16,
): { shown(k: number): boolean; omitted: number; tail: number; nodes(names: string[]): string[] } {
  const limit = Math.max(2, Math.floor(max));
  if (length <= limit) return { shown: () => true, omitted: 0, tail: 0, nodes: (n) => n };
  const head = Math.ceil(limit / 2);
  const tail = limit - head;
  const omitted = length - head - tail;
  return {
    shown: (k) => k < head || k >= length - tail,
    omitted,
    tail,
    // Tensor names: x and the tensors of the head steps, a gap marker, those of the tail steps.
    nodes: (n) => [...n.slice(0, head + 1), `… ${omitted} more …`, ...n.slice(n.length - tail - 1)],
  };
}

/** All steps at once, starting from the head (for short paths), else a folded summary. */
function substitutedForm(
  out: ChainPath,
  path: Path,
  tensors: Tensor[],
  names: Map<number, string[]>,
  composed: Map<number, SymExpr | null>,
  built: BuiltStep[],
  c: PathCtx,
  seedName: string,
  route: number[],
): void {
  const head = findHead(tensors, composed, names);
  const maxSteps = c.opts.maxSubstitutedSteps ?? 6;
  let headIndex = head ? head.index : tensors.length - 1;
  // A long path: the steps above the last `maxSteps` fold into one symbol, G := dL/dt.
  if (headIndex > maxSteps) headIndex = maxSteps;
  const folded = headIndex < (head ? head.index : tensors.length - 1) ? tensors.length - 1 - headIndex : 0;
  if (built.slice(0, headIndex).some((b) => !b || !b.local)) {
    if (folded) out.folded = folded;
    return;
  }
  const nameOf = c.env.nameOf;
  const headT = tensors[headIndex];
  out.head = nameOf(headT);
  let headFactors: IndexExpr[];
  let gDef: ((m: Mode) => string) | null = null;
  const topOf = (m: Mode) => (m === "latex" ? c.env.top.latex : c.env.top.text);
  if (folded) {
    out.folded = folded;
    // The same name as the step out of headT gives its upstream gradient.
    const g = gradientName(nameOf(headT), headT.rank, route[headIndex - 1]);
    headFactors = [
      E.sym(
        g,
        names.get(headT.id)!.map((n) => E.idx(n)),
      ),
    ];
    gDef = (m) => {
      const def = `${m === "latex" ? nameLatex(g) : g} := ${frac(topOf(m), m === "latex" ? nameLatex(nameOf(headT)) : nameOf(headT), m)}`;
      const why = `the ${folded} step${folded > 1 ? "s" : ""} from ${topOf("text")} down to ${nameOf(headT)} folded into ${g}`;
      return m === "latex" ? String.raw`,\quad ${def} \text{ (${why})}` : `, where ${def} (${why})`;
    };
  } else if (head) {
    const K = indexOf(c.outOff, c.L.shape);
    headFactors = factorsOf(
      c.jacobianMode
        ? replaceSym(head.expr, seedName, (idx) => E.mul(...idx.map((i, a) => E.delta(i, E.num(K[a])))))
        : head.expr,
    );
  } else {
    // No elementwise gradient anywhere: start from L itself (the one-hot seed in Jacobian mode).
    const Jl = names.get(c.L.id)!;
    const outAt = indexOf(c.outOff, c.L.shape);
    headFactors = c.jacobianMode ? Jl.map((j, a) => E.delta(E.idx(j), E.num(outAt[a]))) : [];
  }
  const factors = [...headFactors];
  for (let k = headIndex - 1; k >= 0; k--) factors.push(...factorsOf(built[k].local!));
  const sumTensors = tensors.slice(1, headIndex + 1);
  const sums = sumTensors.flatMap((t) => names.get(t.id)!.map((n, a) => ({ name: n, n: t.shape[a] })));
  const ranges = new Map<string, number>();
  for (const t of tensors) names.get(t.id)!.forEach((n, a) => ranges.set(n, t.shape[a]));
  const xI = names.get(c.x.id)!;
  const lhs = (m: Mode) => frac(topOf(m), elementOf(nameOf(c.x), xI, m), m);
  const tail = (m: Mode) => (gDef ? gDef(m) : "");
  out.substituted = both(
    (m) =>
      `${lhs(m)} = ${printSum(
        sums.map((s) => s.name),
        E.mul(...factors),
        m,
      )}${tail(m)}`,
  );
  const byName = new Map<string, Tensor>();
  for (const e of path) for (const t of e.out.node!.inputs) byName.set(nameOf(t), t);
  const col = collapseDeltas(sums, factors, ranges, (n) => {
    const t = byName.get(n);
    return t ? integerRange(t) : null;
  });
  out.substitutedCollapsed = {
    ...both(
      (m) =>
        `${lhs(m)} = ${
          col.zero
            ? "0"
            : printSum(
                col.sums.map((s) => s.name),
                E.mul(...col.factors),
                m,
              )
        }${tail(m)}`,
    ),
    renamed: col.renamed,
  };
}

/** The payload's numbers: every use of x, each with reverse mode's total upstream gradient. */
function totalNumeric(
  x: Tensor,
  L: Tensor,
  paths: Path[],
  built: BuiltStep[][],
  grads: Map<number, Tensor>,
  c: { at: number[]; atOff: number; outOff: number; autodiff: number; env: StepEnv; order: readonly Tensor[] },
): ChainNumeric {
  // One entry per distinct use (op output, argnum) of x; the first path through it gives names.
  const uses = new Map<string, { e: Edge; b: BuiltStep }>();
  paths.forEach((p, k) => {
    const key = `${p[0].out.id}:${p[0].argnum}`;
    if (!uses.has(key)) uses.set(key, { e: p[0], b: built[k][0] });
  });
  const many = uses.size > 1;
  let terms: ChainTerm[] = [];
  let total = 0;
  let scale = 0;
  let killed = 0;
  let moreCount = 0;
  let moreSum = 0;
  let complete = true;
  for (const { e, b } of uses.values()) {
    const G = grads.get(e.out.id) ?? null;
    const via = many
      ? `${c.env.nameOf(x)} → ${e.out.node!.op.name} → ${c.env.nameOf(e.out)}${e.out.node!.inputs.filter((t) => t === x).length > 1 ? ` (argument ${e.argnum + 1})` : ""}`
      : undefined;
    // Reverse mode's whole upstream gradient here, so its name is the total's (no route mark).
    const gName = b.gName === null ? null : gradientName(c.env.nameOf(e.out), e.out.rank);
    const st = G ? stepTerms(b, e, G, c.at, NaN, c.env, via, gName) : null;
    if (!st) {
      complete = false;
      continue;
    }
    terms = terms.concat(st.numeric.terms);
    total += st.numeric.total;
    killed += st.numeric.killed;
    scale += st.contributions.reduce<number>((s, v) => s + Math.abs(v ?? 0), 0);
    if (st.numeric.more) {
      moreCount += st.numeric.more.count;
      moreSum += st.numeric.more.sum;
    }
  }
  // Keep the k largest over all uses; the others join "more".
  if (terms.length > c.env.maxTerms && many) {
    const sorted = terms.slice().sort((a, b) => Math.abs(b.value) - Math.abs(a.value));
    for (const t of sorted.slice(c.env.maxTerms)) {
      moreCount++;
      moreSum += t.value;
    }
    terms = sorted.slice(0, c.env.maxTerms);
  }
  let note: string | undefined;
  if (!complete || uses.size < pathsUsesCount(x, c.order)) {
    total = c.autodiff;
    note = complete
      ? "some uses of the parameter lie on paths beyond maxPaths: the total is reverse mode's value"
      : noIndexNote([...uses.values()].find((u) => !u.b.local)!.e);
  }
  const tol = c.env.tol;
  const fdr = finiteDiff(x, c.atOff, (x2) => replay(c.order, L, x, x2, c.outOff), tol.step, c.env.tol.eps);
  const fd = Number.isFinite(fdr.value) ? fdr.value + 0 : 0;
  const relA = relErr(total, c.autodiff, scale);
  const relF = relErr(total, fd, finiteDiffScale(scale, L.data[c.outOff]));
  const verdict = fdVerdict(total, fdr, finiteDiffScale(scale, L.data[c.outOff]), tol.finiteDiff);
  const n: ChainNumeric = {
    at: c.at.slice(),
    terms,
    killed,
    total,
    autodiff: c.autodiff,
    finiteDiff: fd,
    relErrAutodiff: relA,
    relErrFiniteDiff: relF,
    finiteDiffVerdict: verdict,
    pass: relA <= tol.autodiff && verdict === "pass",
  };
  if (Number.isFinite(fdr.error)) n.finiteDiffError = fdr.error;
  if (verdict === "inconclusive")
    note = `${note ? `${note}; ` : ""}finite differences are inconclusive here (their error bound ${fdr.error.toPrecision(2)} is too large to confirm or refute the total, e.g. next to a singularity)`;
  if (moreCount > 0) n.more = { count: moreCount, sum: moreSum };
  if (tol === FLOAT32_TOL)
    note = `${note ? `${note}; ` : ""}float32 graph: checked to ${tol.autodiff} (terms vs reverse mode) and ${tol.finiteDiff} (vs finite differences)`;
  if (note) n.note = note;
  return n;
}

function noIndexNote(e: Edge): string {
  return `${e.out.node!.op.name} has no index rule, so its sum cannot be written out: the total is reverse mode's value, checked against finite differences only`;
}

/** Number of distinct differentiable uses of x on the way to L. */
function pathsUsesCount(x: Tensor, order: readonly Tensor[]): number {
  let n = 0;
  for (const t of order) {
    if (!t.node) continue;
    const op = t.node.op;
    t.node.inputs.forEach((u, i) => {
      if (u === x && differentiates(op, i)) n++;
    });
  }
  return n;
}

/** Blocks of dL_K/dx_I for the Jacobian view: one per output element, 2-D slices of x. */
function jacobianBlocks(L: Tensor, x: Tensor, maxBlocks: number): NonNullable<ChainPayload["jacobian"]> {
  const blocks: { index: number[]; values: (number | null)[][] }[] = [];
  const rows = x.rank >= 2 ? x.shape[x.rank - 2] : 1;
  const cols = x.rank >= 1 ? x.shape[x.rank - 1] : 1;
  const lead = x.shape.slice(0, Math.max(0, x.rank - 2));
  const nLead = lead.reduce((p, d) => p * d, 1);
  const clean = (v: number) => (Number.isFinite(v) ? v + 0 : null);
  for (let k = 0; k < L.size && blocks.length < maxBlocks; k++) {
    const s = new Float64Array(L.size);
    s[k] = 1;
    const g = gradientsById([L], [new Tensor(s, L.shape)], false).get(x.id);
    const d = g ? g.data : new Float64Array(x.size);
    const K = indexOf(k, L.shape);
    for (let b = 0; b < nLead && blocks.length < maxBlocks; b++) {
      const values: (number | null)[][] = [];
      for (let r = 0; r < rows; r++) {
        const row: (number | null)[] = [];
        for (let q = 0; q < cols; q++) row.push(clean(d[(b * rows + r) * cols + q]));
        values.push(row);
      }
      blocks.push({ index: [...K, ...indexOf(b, lead)], values });
    }
  }
  return { shape: [...L.shape, ...x.shape], blocks };
}
