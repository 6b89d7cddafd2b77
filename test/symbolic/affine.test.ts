import { describe, expect, it } from "vitest";
import { E, evalIndexExpr, type IndexExpr } from "../../kernel/src/ops/IndexExpr";
import { collapseDeltas, type SumIndex } from "../../kernel/src/symbolic/algebra/simplify";
import { affineOf, solveDelta } from "../../kernel/src/symbolic/algebra/affine";
import { printIndex } from "../../kernel/src/symbolic/algebra/latex";

/**
 * The affine solver is checked by brute force: the collapsed expression must equal the
 * original sum for every value of the free indices (a wrong collapse cannot pass).
 */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

function check(sums: SumIndex[], factors: IndexExpr[], free: SumIndex[], G: { shape: number[] }) {
  const r = rng(7);
  const data = Float64Array.from({ length: G.shape.reduce((p, d) => p * d, 1) }, () => r());
  const ranges = new Map<string, number>([...sums, ...free].map((s) => [s.name, s.n]));
  const col = collapseDeltas(sums, factors, ranges);
  const wrap = (ss: SumIndex[], fs: IndexExpr[]) =>
    ss.reduceRight<IndexExpr>((x, s) => E.sum(s.name, s.n, x), E.mul(...fs));
  const before = wrap(sums, factors);
  const after = col.zero ? E.num(0) : wrap(col.sums, col.factors);
  const env = {
    inputs: [],
    out: { data: [], shape: [] },
    idx: new Map<string, number>(),
    syms: new Map([["G", { data, shape: G.shape }]]),
  };
  let count = 0;
  const loop = (k: number) => {
    if (k === free.length) {
      expect(evalIndexExpr(after, env)).toBeCloseTo(evalIndexExpr(before, env), 14);
      count++;
      return;
    }
    for (let v = 0; v < free[k].n; v++) {
      env.idx.set(free[k].name, v);
      loop(k + 1);
    }
  };
  loop(0);
  expect(count).toBeGreaterThan(0);
  return { col, text: printIndex(after, "text") };
}

const i = E.idx("i"),
  j = E.idx("j"),
  k = E.idx("k"),
  l = E.idx("l"),
  p = E.idx("p"),
  q = E.idx("q");

describe("affine delta solver", () => {
  it("reads affine forms (2k + l - 1) and rejects tensor-valued indices", () => {
    const a = affineOf(E.add(E.mul(E.num(2), k), l, E.num(-1)))!;
    expect([...a.coef]).toEqual([
      ["k", 2],
      ["l", 1],
    ]);
    expect(a.c).toBe(-1);
    expect(affineOf(E.sym("y", [i]))).toBeNull();
    expect(solveDelta(E.sym("y", [i]), k, new Map([["k", 3]]), new Map())).toBeNull();
  });

  it("slice: sum_j G_j delta(j + 2, i) = G_{i-2} [i >= 2] [i <= 4]", () => {
    const { col, text } = check(
      [{ name: "j", n: 3 }],
      [E.sym("G", [j]), E.delta(E.add(j, E.num(2)), i)],
      [{ name: "i", n: 6 }],
      { shape: [3] },
    );
    expect(col.sums).toEqual([]);
    expect(text).toContain("G_");
    expect(col.factors.filter((f) => f.k === "cmp").length).toBe(2);
  });

  it("reshape [2,3] <- [3,2]: mixed radix, no sums left", () => {
    const { col } = check(
      [
        { name: "k", n: 2 },
        { name: "l", n: 3 },
      ],
      [E.sym("G", [k, l]), E.delta(E.add(E.mul(E.num(3), k), l), E.add(E.mul(E.num(2), i), j))],
      [
        { name: "i", n: 3 },
        { name: "j", n: 2 },
      ],
      { shape: [2, 3] },
    );
    expect(col.sums).toEqual([]);
    // 3k + l = 2i + j always lies in [0, 5]: no guard needed.
    expect(col.factors.some((f) => f.k === "cmp")).toBe(false);
  });

  it("strided index delta(2k + l, 3i + j) collapses with range guards", () => {
    const { col } = check(
      [
        { name: "k", n: 4 },
        { name: "l", n: 2 },
      ],
      [E.sym("G", [k, l]), E.delta(E.add(E.mul(E.num(2), k), l), E.add(E.mul(E.num(3), i), j))],
      [
        { name: "i", n: 3 },
        { name: "j", n: 3 },
      ],
      { shape: [4, 2] },
    );
    expect(col.sums).toEqual([]);
  });

  it("a single strided index: sum_k G_k delta(2k, i) keeps only even i", () => {
    const { col } = check(
      [{ name: "k", n: 3 }],
      [E.sym("G", [k]), E.delta(E.mul(E.num(2), k), i)],
      [{ name: "i", n: 7 }],
      { shape: [3] },
    );
    expect(col.sums).toEqual([]);
  });

  it("a strided index on the other side of the delta prints as a textbook does: a positive divisor, l - 2q", () => {
    // delta(i, 2k + 1) and delta(l - 2q, 2k) put -2 on the summed index (dilated conv's dX did this):
    // the solution must read (i - 1)/2, not (-i + 1)/(-2), and l - 2q, not l + -2 q.
    const a = check(
      [{ name: "k", n: 4 }],
      [E.sym("G", [k]), E.delta(i, E.add(E.mul(E.num(2), k), E.num(1)))],
      [{ name: "i", n: 9 }],
      { shape: [4] },
    );
    const b = check(
      [{ name: "k", n: 4 }],
      [E.sym("G", [k]), E.delta(E.sub(l, E.mul(E.num(2), q)), E.mul(E.num(2), k))],
      [
        { name: "l", n: 9 },
        { name: "q", n: 2 },
      ],
      { shape: [4] },
    );
    for (const { col, text } of [a, b]) {
      expect(col.sums).toEqual([]);
      expect(text).not.toMatch(/\/\s*\(?\s*[-−]/);
      expect(text).not.toMatch(/\+\s*[-−]/);
    }
    expect(b.text).toMatch(/l\s*[-−]\s*2\s*q/);
  });

  it("negative coefficient (flip): sum_k G_k delta(4 - k, i)", () => {
    const { col } = check(
      [{ name: "k", n: 5 }],
      [E.sym("G", [k]), E.delta(E.sub(E.num(4), k), i)],
      [{ name: "i", n: 5 }],
      { shape: [5] },
    );
    expect(col.sums).toEqual([]);
    expect(col.factors.some((f) => f.k === "cmp")).toBe(false);
  });

  it("pooling window: the inner sum over the window position collapses to a bracket", () => {
    // dY_ij/dX_h (stride 2, window 3, padding 1) = sum_p delta(h, 2 i + p - 1) / 3
    const window = E.sum("p", 3, E.delta(E.idx("h"), E.add(E.mul(E.num(2), i), p, E.num(-1))));
    const { col } = check([{ name: "i", n: 3 }], [E.sym("G", [i]), E.num(1 / 3), window], [{ name: "h", n: 6 }], {
      shape: [3],
    });
    expect(JSON.stringify(col.factors)).not.toContain('"k":"sum"');
  });

  it("transpose and a 2-D convolution window (sum over kernel offsets) stay exact", () => {
    check(
      [
        { name: "k", n: 3 },
        { name: "l", n: 2 },
      ],
      [E.sym("G", [k, l]), E.delta(k, j), E.delta(l, i)],
      [
        { name: "i", n: 2 },
        { name: "j", n: 3 },
      ],
      { shape: [3, 2] },
    );
    const win = E.sum("p", 2, E.sum("q", 2, E.mul(E.delta(E.idx("h"), E.add(k, p)), E.delta(E.idx("w"), E.add(l, q)))));
    check(
      [
        { name: "k", n: 3 },
        { name: "l", n: 3 },
      ],
      [E.sym("G", [k, l]), win],
      [
        { name: "h", n: 4 },
        { name: "w", n: 4 },
      ],
      { shape: [3, 3] },
    );
  });
});
