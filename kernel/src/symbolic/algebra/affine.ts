/**
 * The one affine-index solver behind delta collapse. Ops only declare their index maps as
 * Kronecker deltas between index expressions (reshape: delta(3 j0 + j1, 2 i0 + i1); slice:
 * delta(j + 2, i); a convolution window: delta(h, s i + p - pad)); this module does the algebra.
 *
 * A delta whose two sides are affine in the indices (sums of integer multiples of index names
 * plus a constant) is the equation  sum_k c_k s_k = F  for the summed indices s_k, F affine in
 * the free ones. Three shapes of solution are exact:
 *  - one summed index, coefficient ±1:      s := ±(F), guarded by [0 <= s <= n-1] when the
 *    range of F is not provably inside s's range (slice, concat, padding, windows);
 *  - one summed index, coefficient c:       s := F / c, guarded by [F mod c = 0] (strides);
 *  - several summed indices forming a mixed radix (coefficients 1, n_0, n_0 n_1, ... with
 *    n_k the range of the previous index): s_k := floor(F / c_k) mod n_k (reshape, flatten).
 * Guards are Iverson brackets ([a <= b]): a guarded collapse is a smaller, still exact
 * expression. Anything else (a tensor used as an index, non-integer coefficients) is left
 * alone: the caller keeps the sum.
 *
 * API for op authors: nothing to call. Write the partial with E.delta(outIndexExpr, inIndexExpr)
 * using E.idx, E.num, E.add, E.mul(E.num(c), ...) and E.neg; collapseDeltas finds it.
 */
import { E, type IndexExpr } from "../../ops/IndexExpr";

/** sum_k coef[k] * index_k + c, integer coefficients. */
export interface Affine {
  coef: Map<string, number>;
  c: number;
}

/** The affine form of an index expression, or null when it is not one. */
export function affineOf(e: IndexExpr): Affine | null {
  switch (e.k) {
    case "num":
      return Number.isInteger(e.v) ? { coef: new Map(), c: e.v } : null;
    case "idx":
      return { coef: new Map([[e.name, 1]]), c: 0 };
    case "neg": {
      const a = affineOf(e.x);
      return a && scale(a, -1);
    }
    case "add": {
      let acc: Affine = { coef: new Map(), c: 0 };
      for (const x of e.xs) {
        const a = affineOf(x);
        if (!a) return null;
        acc = plus(acc, a);
      }
      return acc;
    }
    case "mul": {
      // At most one non-constant factor.
      let k = 1;
      let rest: Affine | null = null;
      for (const x of e.xs) {
        if (x.k === "num") {
          if (!Number.isInteger(x.v)) return null;
          k *= x.v;
          continue;
        }
        if (rest) return null;
        rest = affineOf(x);
        if (!rest) return null;
      }
      return scale(rest ?? { coef: new Map(), c: 1 }, k);
    }
    default:
      return null;
  }
}

export function plus(a: Affine, b: Affine): Affine {
  const coef = new Map(a.coef);
  for (const [n, v] of b.coef) {
    const s = (coef.get(n) ?? 0) + v;
    if (s === 0) coef.delete(n);
    else coef.set(n, s);
  }
  return { coef, c: a.c + b.c };
}

export function scale(a: Affine, k: number): Affine {
  if (k === 0) return { coef: new Map(), c: 0 };
  return { coef: new Map([...a.coef].map(([n, v]) => [n, v * k])), c: a.c * k };
}

/** Back to an index expression: 2 i + j - 1. */
export function affineExpr(a: Affine): IndexExpr {
  const terms: IndexExpr[] = [];
  // A negative coefficient is a negated term (l - 2q), never a negative factor (l + -2 q).
  for (const [n, v] of a.coef) {
    const term = Math.abs(v) === 1 ? E.idx(n) : E.mul(E.num(Math.abs(v)), E.idx(n));
    terms.push(v < 0 ? E.neg(term) : term);
  }
  if (a.c !== 0 || terms.length === 0) terms.push(E.num(a.c));
  return E.add(...terms);
}

/** [lo, hi] of an affine form over the index ranges, null when an index has no known range. */
export function affineRange(a: Affine, ranges: Map<string, number>): [number, number] | null {
  let lo = a.c;
  let hi = a.c;
  for (const [n, v] of a.coef) {
    const r = ranges.get(n);
    if (r === undefined) return null;
    lo += Math.min(0, v * (r - 1));
    hi += Math.max(0, v * (r - 1));
  }
  return [lo, hi];
}

export interface DeltaSolution {
  /** Summed index name -> the expression it equals. */
  by: Map<string, IndexExpr>;
  /** Iverson brackets that must multiply the result (empty when provably always true). */
  guards: IndexExpr[];
}

/** [lo <= e <= hi] as guards, leaving out the sides the ranges already prove. */
function rangeGuards(f: Affine, lo: number, hi: number, ranges: Map<string, number>): IndexExpr[] {
  const r = affineRange(f, ranges);
  const g: IndexExpr[] = [];
  if (!r || r[0] < lo) g.push(E.cmp("ge", affineExpr(f), E.num(lo)));
  if (!r || r[1] > hi) g.push(E.cmp("le", affineExpr(f), E.num(hi)));
  return g;
}

/** floor(e / d) as an index expression (e when d is 1). */
function floorDiv(e: IndexExpr, d: number): IndexExpr {
  return d === 1 ? e : E.fn("floor", E.div(e, E.num(d)));
}

/** e mod d, written e - d floor(e / d) (the index language has no mod of its own). */
function modOf(e: IndexExpr, d: number): IndexExpr {
  return E.sub(e, E.mul(E.num(d), floorDiv(e, d)));
}

/**
 * Solves delta(a, b) for the summed indices in `summed` (name -> range). Returns null when the
 * delta is not affine, mentions no summed index, or has no exact solution of the shapes above.
 */
export function solveDelta(
  a: IndexExpr,
  b: IndexExpr,
  summed: Map<string, number>,
  ranges: Map<string, number>,
): DeltaSolution | null {
  const fa = affineOf(a);
  const fb = affineOf(b);
  if (!fa || !fb) return null;
  // a - b = 0  <=>  sum_k c_k s_k = F.
  const diff = plus(fa, scale(fb, -1));
  const mine = [...diff.coef].filter(([n]) => summed.has(n));
  if (mine.length === 0) return null;
  const F = scale({ coef: new Map([...diff.coef].filter(([n]) => !summed.has(n))), c: diff.c }, -1);
  if (mine.length === 1) {
    const [s, c] = mine[0];
    const n = summed.get(s)!;
    if (Math.abs(c) === 1) {
      const val = scale(F, c);
      return { by: new Map([[s, affineExpr(val)]]), guards: rangeGuards(val, 0, n - 1, ranges) };
    }
    // c s = F  <=>  |c| s = sign(c) F: F' := sign(c) F must be a multiple of |c| and F' / |c| in
    // s's range. Dividing by |c| prints as a textbook does ((k - 2p + 1)/2, not (-k + 2p - 1)/(-2)).
    const m = Math.abs(c);
    const Fp = scale(F, Math.sign(c));
    const Fe = affineExpr(Fp);
    const guards: IndexExpr[] = [];
    const multiple = Fp.c % m === 0 && [...Fp.coef.values()].every((v) => v % m === 0);
    if (!multiple) guards.push(E.cmp("eq", modOf(Fe, m), E.num(0)));
    const r = affineRange(Fp, ranges);
    if (!r || r[0] < 0) guards.push(E.cmp("ge", Fe, E.num(0)));
    if (!r || r[1] > m * (n - 1)) guards.push(E.cmp("le", Fe, E.num(m * (n - 1))));
    return { by: new Map([[s, E.div(Fe, E.num(m))]]), guards };
  }
  // Mixed radix: all coefficients one sign, sorted |c| = 1, n_0, n_0 n_1, ...
  const sign = Math.sign(mine[0][1]);
  if (!mine.every(([, c]) => Math.sign(c) === sign)) return null;
  const sorted = mine.map(([s, c]) => ({ s, c: Math.abs(c), n: summed.get(s)! })).sort((p, q) => p.c - q.c);
  let expect = 1;
  for (const t of sorted) {
    if (t.c !== expect) return null;
    expect *= t.n;
  }
  const val = scale(F, sign);
  const Fe = affineExpr(val);
  const by = new Map<string, IndexExpr>();
  sorted.forEach((t, k) => {
    const q = floorDiv(Fe, t.c);
    by.set(t.s, k === sorted.length - 1 ? q : modOf(q, t.n));
  });
  return { by, guards: rangeGuards(val, 0, expect - 1, ranges) };
}
