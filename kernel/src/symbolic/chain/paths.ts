/**
 * The paths from a parameter x to an output L through the recorded graph (a tensor used twice
 * gives two paths, whose contributions add), the display names of tensors, and the index
 * names of each tensor along a path (i, j for x, then k, l, ... outward, as chain-rule.md).
 */
import type { Tensor } from "../../tensor/Tensor";
import { traceMany, type Edge, type Path } from "../../autodiff/trace";
import { displayNames, isLiteral } from "../../autodiff/names";
import { ChainlabError } from "../../errors";
import { differentiates } from "../../ops/OpDef";

// Edge and Path are graph notions (autodiff/trace.ts): numeric verification replays them too.
export type { Edge, Path };

/** Tensors of the graph of L that depend differentiably on x. */
export function dependents(L: Tensor, x: Tensor): Set<number> {
  return dependentsIn(
    traceMany([L]).map((e) => e.tensor),
    x,
  );
}

/** `dependents` over an already traced, topologically ordered list of tensors. */
function dependentsIn(order: readonly Tensor[], x: Tensor): Set<number> {
  const dep = new Set<number>();
  for (const t of order) {
    if (t === x) dep.add(t.id);
    else if (t.node) {
      const op = t.node.op;
      if (t.node.inputs.some((u, i) => differentiates(op, i) && dep.has(u.id))) dep.add(t.id);
    }
  }
  return dep;
}

/** The differentiable inputs of `t` that depend on x, as (argnum, input) pairs. */
function depInputs(t: Tensor, dep: ReadonlySet<number>): { argnum: number; input: Tensor }[] {
  const node = t.node;
  if (!node) return [];
  const out: { argnum: number; input: Tensor }[] = [];
  node.inputs.forEach((u, i) => {
    if (differentiates(node.op, i) && dep.has(u.id)) out.push({ argnum: i, input: u });
  });
  return out;
}

/**
 * All paths x -> L (at most `max`; `total` counts them all, saturating at 1e9). Both walks are
 * loops over explicit stacks, never recursion: an unrolled recurrence of 100,000 ops is an
 * ordinary model and must not hit the call stack limit.
 */
export function findPaths(
  L: Tensor,
  x: Tensor,
  max: number,
  order: readonly Tensor[] = traceMany([L]).map((e) => e.tensor),
): { paths: Path[]; total: number } {
  const dep = dependentsIn(order, x);
  if (!dep.has(L.id)) return { paths: [], total: 0 };
  // Number of paths from each tensor down to x, in topological order (inputs first).
  const count = new Map<number, number>();
  for (const t of order) {
    if (!dep.has(t.id)) continue;
    if (t === x) {
      count.set(t.id, 1);
      continue;
    }
    let n = 0;
    for (const { input } of depInputs(t, dep)) n = Math.min(1e9, n + (count.get(input.id) ?? 0));
    count.set(t.id, n);
  }
  const total = count.get(L.id) ?? 0;
  // Depth-first from L: each frame is a tensor and the list of its inputs still to visit.
  const paths: Path[] = [];
  const edges: Edge[] = [];
  const frames: { t: Tensor; next: { argnum: number; input: Tensor }[]; k: number }[] = [
    { t: L, next: depInputs(L, dep), k: 0 },
  ];
  while (frames.length && paths.length < max) {
    const f = frames[frames.length - 1];
    if (f.k >= f.next.length) {
      frames.pop();
      edges.pop();
      continue;
    }
    const { argnum, input } = f.next[f.k++];
    edges.push({ out: f.t, argnum, input });
    if (input === x) {
      paths.push(edges.slice().reverse());
      edges.pop();
      continue;
    }
    frames.push({ t: input, next: depInputs(input, dep), k: 0 });
  }
  return { paths, total };
}

/**
 * Display names: the user's name, else x / L for the ends, else the graph's own name for the
 * tensor (autodiff/names.ts: v1, v2 / c1, c2 in trace order), so a step's v3 is the graph's v3.
 */
export class Namer {
  private names: Map<number, string>;
  private used = new Set<string>();
  private auto = new Set<string>();
  private extra = 0;

  constructor(tensors: readonly Tensor[], x: Tensor, L: Tensor) {
    this.names = displayNames(tensors);
    for (const t of tensors) {
      const n = this.names.get(t.id);
      if (n === undefined) continue;
      this.used.add(n);
      if (!t.name) this.auto.add(n);
    }
    const end = (t: Tensor, n: string) => {
      if (t.name || this.used.has(n)) return;
      this.auto.delete(this.names.get(t.id) ?? "");
      this.names.set(t.id, n);
      this.used.add(n);
    };
    end(x, "x");
    if (L !== x) end(L, "L");
  }

  /** True for names made up for unnamed tensors (v1, c1). */
  isAuto(name: string): boolean {
    return this.auto.has(name);
  }

  name(t: Tensor): string {
    if (t.name) return t.name;
    let n = this.names.get(t.id);
    if (!n) {
      // A tensor outside the traced graph (never on a path): a name no graph tensor has.
      do n = `u${++this.extra}`;
      while (this.used.has(n));
      this.names.set(t.id, n);
      this.used.add(n);
      this.auto.add(n);
    }
    return n;
  }
}

/**
 * How many routes lead from each tensor up to L (through tensors that depend on x), saturating
 * at 1e9. With one route, a path's upstream gradient at that tensor is the whole dL/dt.
 */
export function routesToOutput(L: Tensor, x: Tensor, order: readonly Tensor[]): Map<number, number> {
  const dep = dependentsIn(order, x);
  const routes = new Map<number, number>([[L.id, 1]]);
  for (let k = order.length - 1; k >= 0; k--) {
    const t = order[k];
    const n = routes.get(t.id);
    if (!n || !dep.has(t.id)) continue;
    for (const { input } of depInputs(t, dep)) routes.set(input.id, Math.min(1e9, (routes.get(input.id) ?? 0) + n));
  }
  return routes;
}

/** A graph traced once for one expansion: tensors in topological order and their display names. */
export interface TracedGraph {
  order: readonly Tensor[];
  namer: Namer;
  nameOf(t: Tensor): string;
}

/** Traces L's graph once and names its tensors (auto names v1, v2, ... in topological order). */
export function traceGraph(L: Tensor, x: Tensor): TracedGraph {
  const order = traceMany([L]).map((e) => e.tensor);
  const namer = new Namer(order, x, L);
  for (const t of order) if (!isLiteral(t)) namer.name(t);
  return { order, namer, nameOf: (t) => namer.name(t) };
}

export { isLiteral };

const POOL = "ijklmnpqrstuvwabcdefgh".split("");

/**
 * Index names for the tensors of a path, x first: x gets i, j, ..., the next tensor the next
 * free letters, and so on; names are distinct along the path, so all steps can be substituted
 * into one sum. `fixed` (by tensor display name) overrides, e.g. { x: "p", a: "i" }.
 */
export function indexNames(
  tensors: Tensor[],
  nameOf: (t: Tensor) => string,
  fixed: Record<string, string | string[]> = {},
): Map<number, string[]> {
  const res = new Map<number, string[]>();
  const used = new Set<string>();
  for (const t of tensors) {
    const f = fixed[nameOf(t)];
    if (f !== undefined) {
      const names = typeof f === "string" ? f.split("") : f.slice();
      if (names.length !== t.rank)
        throw new ChainlabError(
          "expandChain",
          `indexNames: ${nameOf(t)} has ${t.rank} ax${t.rank === 1 ? "is" : "es"}, so it needs ${t.rank} index letter${t.rank === 1 ? "" : "s"}, got "${names.join("")}"`,
        );
      for (const n of names)
        if (used.has(n))
          throw new ChainlabError(
            "expandChain",
            `indexNames: the letter ${n} is given twice along the path; every tensor on it needs its own letters so the steps can be substituted into one sum`,
          );
      res.set(t.id, names);
      names.forEach((n) => used.add(n));
    }
  }
  let next = 0;
  // Numbered letters continue where the last one stopped: a 100,000-tensor path stays linear.
  let k = 1;
  const take = (): string => {
    while (next < POOL.length && used.has(POOL[next])) next++;
    if (next < POOL.length) {
      used.add(POOL[next]);
      return POOL[next++];
    }
    while (used.has(`i${k}`)) k++;
    used.add(`i${k}`);
    return `i${k}`;
  };
  for (const t of tensors) {
    if (res.has(t.id)) continue;
    res.set(t.id, Array.from({ length: t.rank }, take));
  }
  return res;
}
