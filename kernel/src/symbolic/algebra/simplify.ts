/**
 * Delta collapse: in sum_k ... delta_ki ..., the sum over k keeps only the term k = i, so the
 * sum and the delta disappear and k is renamed i everywhere (sum_l G_kl delta_lj = G_kj).
 * A collapse is only made when the renaming is exact: the substituted index expression must
 * stay inside the summed index's range for every value of the free indices.
 */
import { E, mapChildren, type IndexExpr } from "../../ops/IndexExpr";
import { printIndex } from "./latex";
import { affineExpr, affineOf, solveDelta } from "./affine";

export interface SumIndex {
  name: string;
  n: number;
}

export interface Collapsed {
  sums: SumIndex[];
  factors: IndexExpr[];
  /** "l := j" for each collapsed sum. */
  renamed: string[];
  /** True when a delta between two constants made the whole product zero. */
  zero: boolean;
}

/** The factors of a product (a lone expression is a product of one). */
export function factorsOf(e: IndexExpr): IndexExpr[] {
  return e.k === "mul" ? e.xs.slice() : e.k === "num" && e.v === 1 ? [] : [e];
}

export function substitute(e: IndexExpr, name: string, by: IndexExpr): IndexExpr {
  if (e.k === "idx") return e.name === name ? by : e;
  // A bound index shadows the outer one.
  if (e.k === "sum" && e.i === name) return e;
  return mapChildren(e, (x) => substitute(x, name, by));
}

/** Replaces every element of tensor `name` by f(its indices). */
export function replaceSym(e: IndexExpr, name: string, f: (idx: IndexExpr[]) => IndexExpr): IndexExpr {
  const r = (x: IndexExpr) => replaceSym(x, name, f);
  if (e.k === "sym" && e.name === name) return f(e.idx);
  return mapChildren(e, r);
}

export function mentions(e: IndexExpr, name: string): boolean {
  switch (e.k) {
    case "idx":
      return e.name === name;
    case "num":
      return false;
    case "ref":
    case "sym":
      return e.idx.some((x) => mentions(x, name));
    case "delta":
    case "div":
    case "pow":
    case "cmp":
      return mentions(e.a, name) || mentions(e.b, name);
    case "mul":
    case "add":
      return e.xs.some((x) => mentions(x, name));
    case "neg":
    case "fn":
      return mentions(e.x, name);
    case "sum":
      return e.i !== name && mentions(e.x, name);
  }
}

/** Value range of a tensor used as indices (gather's labels), when it holds integers. */
export type SymRange = (name: string) => [number, number] | null;

/** [lo, hi] of an index expression over all values of its indices, when simple enough. */
function rangeOf(e: IndexExpr, ranges: Map<string, number>, symRange?: SymRange): [number, number] | null {
  if (e.k === "num") return [e.v, e.v];
  if (e.k === "sym") return symRange ? symRange(e.name) : null;
  if (e.k === "idx") {
    const n = ranges.get(e.name);
    return n === undefined ? null : [0, n - 1];
  }
  if (e.k === "add") {
    let lo = 0;
    let hi = 0;
    for (const x of e.xs) {
      const r = rangeOf(x, ranges, symRange);
      if (!r) return null;
      lo += r[0];
      hi += r[1];
    }
    return [lo, hi];
  }
  return null;
}

function sameIndexExpr(a: IndexExpr, b: IndexExpr): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Collapses every delta it can in sum_{sums} prod(factors). `ranges` gives the size of every
 * index (free and summed).
 */
export function collapseDeltas(
  sums: SumIndex[],
  factors: IndexExpr[],
  ranges: Map<string, number>,
  symRange?: SymRange,
): Collapsed {
  let fs = factors.slice();
  let ss = sums.slice();
  const renamed: string[] = [];
  let zero = false;
  for (let guard = 0; guard < 64; guard++) {
    let changed = false;
    for (let f = 0; f < fs.length && !changed; f++) {
      const d = fs[f];
      if (d.k !== "delta") continue;
      if (sameIndexExpr(d.a, d.b)) {
        fs.splice(f, 1);
        changed = true;
        break;
      }
      if (d.a.k === "num" && d.b.k === "num") {
        if (d.a.v === d.b.v) fs.splice(f, 1);
        else zero = true;
        changed = true;
        break;
      }
      for (const [s, other] of [
        [d.a, d.b],
        [d.b, d.a],
      ] as const) {
        if (s.k !== "idx") continue;
        const si = ss.findIndex((x) => x.name === s.name);
        if (si < 0 || mentions(other, s.name)) continue;
        const r = rangeOf(other, ranges, symRange);
        if (!r || r[0] < 0 || r[1] > ss[si].n - 1) continue;
        const by = other;
        fs.splice(f, 1);
        fs = fs.map((x) => substitute(x, s.name, by));
        ss = ss.filter((_, k) => k !== si);
        renamed.push(`${s.name} := ${printIndex(by, "text")}`);
        changed = true;
        break;
      }
      if (changed) break;
      // Offset, strided and mixed-radix deltas: the affine solver (guards keep it exact).
      const sol = solveDelta(d.a, d.b, new Map(ss.map((x) => [x.name, x.n])), ranges);
      if (sol) {
        fs.splice(f, 1);
        for (const [name, by] of sol.by) {
          fs = fs.map((x) => substitute(x, name, by));
          renamed.push(`${name} := ${printIndex(by, "text")}`);
        }
        fs.push(...sol.guards);
        ss = ss.filter((x) => !sol.by.has(x.name));
        changed = true;
      }
    }
    if (!changed || zero) break;
  }
  fs = fs.filter((x) => !(x.k === "num" && x.v === 1));
  // Sums inside a factor (a pooling window's sum_p sum_q delta(h, s i + p) ...) collapse too.
  const inner = new Map(ranges);
  ss.forEach((x) => inner.set(x.name, x.n));
  fs = fs.map((x) => collapseInside(x, inner, symRange, renamed));
  return { sums: ss, factors: fs, renamed, zero };
}

/** Collapses the deltas of every nested sum_i ... in `e` (innermost first). */
function collapseInside(
  e: IndexExpr,
  ranges: Map<string, number>,
  symRange: SymRange | undefined,
  renamed: string[],
): IndexExpr {
  if (e.k !== "sum") {
    if (e.k === "num" || e.k === "idx" || e.k === "sym" || e.k === "ref") return e;
    return mapChildren(e, (x) => collapseInside(x, ranges, symRange, renamed));
  }
  const sums: SumIndex[] = [];
  let body: IndexExpr = e;
  while (body.k === "sum") {
    sums.push({ name: body.i, n: body.n });
    body = body.x;
  }
  const r = new Map(ranges);
  sums.forEach((x) => r.set(x.name, x.n));
  const c = collapseDeltas(sums, factorsOf(body), r, symRange);
  if (c.zero) return E.num(0);
  renamed.push(...c.renamed);
  let out = E.mul(...c.factors);
  for (let k = c.sums.length - 1; k >= 0; k--) out = E.sum(c.sums[k].name, c.sums[k].n, out);
  return out;
}

/**
 * One factor of one term of the "Numbers for ..." table, with every index bound to a number: its
 * inner sums collapsed and its index arithmetic done, as a reader would write it (a convolution's
 * sum_h sum_w delta(h, 2 + 1 - 1) delta(w, 4 - 1) X_00hw is X_0023; a window position outside
 * the input is 0). Same value as the factor; only the printing changes.
 */
export function boundFactor(e: IndexExpr): IndexExpr {
  // A factor that is itself a delta or a bracket stays one (delta_01 = 0 is what the table teaches);
  // only its index arithmetic is done.
  if (e.k === "delta" || e.k === "cmp") return mapChildren(e, foldConstants);
  return foldConstants(collapseDeltas([], [foldConstants(e)], new Map()).factors[0] ?? E.num(1));
}

/** Index arithmetic on constants done (2 + 1 - 1 -> 2), constant deltas and brackets to 0 or 1. */
function foldConstants(e: IndexExpr): IndexExpr {
  if (e.k === "num" || e.k === "idx") return e;
  const x = mapChildren(e, foldConstants);
  if (x.k === "add" || x.k === "mul" || x.k === "neg") {
    const a = affineOf(x);
    if (a && a.coef.size === 0) return E.num(a.c);
    if (a && x.k === "add") return affineExpr(a);
  }
  if (x.k === "mul" && x.xs.some((f) => f.k === "num" && f.v === 0)) return E.num(0);
  if (x.k === "sum" && x.x.k === "num" && x.x.v === 0) return E.num(0);
  if ((x.k === "delta" || x.k === "cmp") && x.a.k === "num" && x.b.k === "num") {
    const [a, b] = [x.a.v, x.b.v];
    if (x.k === "delta") return E.num(a === b ? 1 : 0);
    const holds = { gt: a > b, lt: a < b, ge: a >= b, le: a <= b, eq: a === b }[x.op];
    return E.num(holds ? 1 : 0);
  }
  return x;
}
