// Convolution and pooling in the chain view: each op states its partial as Kronecker deltas over
// shifted, strided, dilated windows (ops/conv.ts, ops/pool.ts); the shared affine solver
// (symbolic/algebra/affine.ts, through collapseDeltas) must collapse them to the textbook sums, and the
// collapsed expression, evaluated element by element, must equal reverse mode's gradient.
import { describe, expect, it } from "vitest";
import { Tensor, randn, sum, mul, conv2d, maxPool2d, avgPool2d } from "../../kernel/src/index";
import { E, evalIndexExpr, type IndexExpr } from "../../kernel/src/ops/IndexExpr";
import { boundFactor, collapseDeltas, factorsOf } from "../../kernel/src/symbolic/algebra/simplify";
import { expandChain } from "../../kernel/src/symbolic/chain/expandChain";
import { printIndex } from "../../kernel/src/symbolic/algebra/latex";

/** Every node kind `k` anywhere in e. */
function kinds(e: IndexExpr, out = new Set<string>()): Set<string> {
  out.add(e.k);
  const kids: IndexExpr[] =
    e.k === "mul" || e.k === "add"
      ? e.xs
      : e.k === "ref" || e.k === "sym"
        ? e.idx
        : e.k === "delta" || e.k === "div" || e.k === "pow" || e.k === "cmp"
          ? [e.a, e.b]
          : e.k === "neg" || e.k === "fn" || e.k === "sum"
            ? [e.x]
            : [];
  kids.forEach((x) => kinds(x, out));
  return out;
}

function offsets(shape: readonly number[]): number[][] {
  const all: number[][] = [[]];
  for (const n of shape) {
    const next: number[][] = [];
    for (const p of all) for (let v = 0; v < n; v++) next.push([...p, v]);
    all.splice(0, all.length, ...next);
  }
  return all;
}

/**
 * dL/d(input argnum) of y = f(inputs) for L = sum(G * y), written as the chain view writes it:
 * sum over y's indices J of G[J] times the op's partial, collapsed. Returns the collapsed form and
 * its value at every element of the input, next to reverse mode's gradient there.
 */
function collapsedGradient(y: Tensor, argnum: number, seed: number) {
  const node = y.node!;
  const u = node.inputs[argnum];
  const G = randn(y.shape, { seed });
  const J = y.shape.map((_, a) => `j${a}`);
  const I = u.shape.map((_, a) => `u${a}`);
  const local = node.op.index!({
    argnum,
    J,
    I,
    shapes: node.inputs.map((t) => t.shape),
    outShape: y.shape,
    attrs: node.attrs,
  });
  const ranges = new Map<string, number>();
  J.forEach((j, a) => ranges.set(j, y.shape[a]));
  I.forEach((i, a) => ranges.set(i, u.shape[a]));
  const factors = [E.sym("G", J.map(E.idx)), ...factorsOf(local)];
  const c = collapseDeltas(
    J.map((j, a) => ({ name: j, n: y.shape[a] })),
    factors,
    ranges,
  );
  const body = E.mul(...c.factors);
  const expr = c.sums.reduceRight<IndexExpr>((x, s) => E.sum(s.name, s.n, x), body);
  sum(mul(y, G)).backward();
  const env = {
    inputs: node.inputs.map((t) => ({ data: t.data, shape: t.shape })),
    out: { data: y.data, shape: y.shape },
    idx: new Map<string, number>(),
    syms: new Map([["G", { data: G.data, shape: G.shape }]]),
  };
  const got: number[] = [];
  for (const at of offsets(u.shape)) {
    I.forEach((i, a) => env.idx.set(i, at[a]));
    got.push(c.zero ? 0 : evalIndexExpr(expr, env));
  }
  return { c, body, expr, got, want: Array.from(u.grad!.data), J, I };
}

function expectSame(got: number[], want: number[]): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let k = 0; k < want.length; k++)
    worst = Math.max(worst, Math.abs(got[k] - want[k]) / Math.max(1, Math.abs(want[k])));
  expect(worst).toBeLessThanOrEqual(1e-12);
}

const convCases = [
  { x: [2, 2, 6, 5], w: [3, 2, 3, 2], opts: { stride: 1, padding: 1 } },
  {
    x: [1, 2, 7, 6],
    w: [2, 2, 2, 3],
    opts: { stride: [2, 3] as [number, number], padding: [1, 2] as [number, number] },
  },
  { x: [1, 2, 7, 7], w: [2, 2, 2, 2], opts: { stride: 2, padding: 1, dilation: [2, 1] as [number, number] } },
  { x: [2, 4, 5, 5], w: [6, 2, 2, 2], opts: { padding: 1, groups: 2 } },
  { x: [1, 3, 5, 6], w: [3, 1, 3, 3], opts: { stride: 2, padding: [0, 1] as [number, number], groups: 3 } },
];

describe("conv2d weight: the window deltas collapse to the textbook sum", () => {
  it.each(convCases)("x $x, w $w, $opts", ({ x, w, opts }) => {
    const X = randn(x, { seed: 1, requiresGrad: true });
    const W = randn(w, { seed: 2, requiresGrad: true });
    const { c, body, got, want, J } = collapsedGradient(conv2d(X, W, null, opts), 1, 3);
    // sum_{n,i,j} G[n,o,i,j] X[n, c, s i + d p - pad, s j + d q - pad] [in range]: the out
    // channel and both window sums are gone, no delta is left, only range guards.
    expect(c.sums.map((s) => s.name)).toEqual([J[0], J[2], J[3]]);
    const left = kinds(body);
    expect(left.has("delta")).toBe(false);
    expect(left.has("sum")).toBe(false);
    expect(c.renamed.length).toBe(3);
    expectSame(got, want);
  });
});

describe("conv2d input and pooling: collapsed forms equal reverse mode", () => {
  it.each(convCases)("conv2d dX: x $x, w $w, $opts", ({ x, w, opts }) => {
    const X = randn(x, { seed: 4, requiresGrad: true });
    const W = randn(w, { seed: 5, requiresGrad: true });
    const { c, got, want } = collapsedGradient(conv2d(X, W, null, opts), 0, 6);
    expect(c.renamed.length).toBeGreaterThan(0);
    expectSame(got, want);
  });
  it.each([
    { x: [2, 2, 6, 5], opts: { kernelSize: 2 } },
    {
      x: [1, 2, 7, 6],
      opts: { kernelSize: [3, 2] as [number, number], stride: [2, 1] as [number, number], padding: 1 },
    },
    { x: [1, 1, 5, 5], opts: { kernelSize: 3, stride: 2, padding: 1 } },
  ])("max and average pooling: x $x, $opts", ({ x, opts }) => {
    for (const pool of [maxPool2d, avgPool2d]) {
      const X = randn(x, { seed: 7, requiresGrad: true });
      const { c, body, got, want } = collapsedGradient(pool(X, opts), 0, 8);
      // The window sums collapse: no delta is left (only the max's comparison sums remain).
      expect(kinds(body).has("delta")).toBe(false);
      expect(c.renamed.length).toBe(4);
      expectSame(got, want);
    }
  });
});

describe("the chain view of a conv weight (notebook 08's example)", () => {
  it("shows the deltas, collapses them, and its numbers match autodiff and finite differences", () => {
    const X = randn([1, 1, 5, 5], { seed: 1, name: "X" });
    const W = randn([2, 1, 2, 2], { seed: 2, requiresGrad: true, name: "W" });
    const Y = conv2d(X, W, null, { stride: 2, padding: 1 }).named("Y");
    const L = sum(mul(Y, Y)).named("L");
    L.backward();
    const p = expandChain(L, W, { at: [1, 0, 1, 0] });
    const step = p.paths[0].steps.find((s) => s.op === "conv2d")!;
    expect(step.local.text).toContain("δ");
    expect(step.collapsed.text).not.toContain("δ");
    expect(step.collapsed.text).not.toMatch(/sum_[hw]\b/);
    // The three renamings: the out channel and the two window rows/columns.
    expect(step.renamed).toHaveLength(3);
    // The renamed window positions are where X is read in the collapsed form.
    const windows = step.renamed.slice(1).map((r) => r.split(" := ")[1]);
    for (const w of windows) expect(step.collapsed.text).toContain(w);
    // Y * Y reaches W along two paths; each one's numbers, and their total, match.
    for (const path of p.paths) {
      expect(path.steps.find((s) => s.op === "conv2d")!.numeric!.pass).toBe(true);
      expect(path.numeric!.pass).toBe(true);
    }
    expect(p.numeric.total).toBeCloseTo(W.grad!.data[((1 * 1 + 0) * 2 + 1) * 2 + 0], 12);
    expect(p.numeric.pass).toBe(true);
    expect(p.numeric.finiteDiffVerdict).toBe("pass");
  });
  it("prints the group of an out channel as floor(o / Og) (no sum over groups)", () => {
    const X = randn([1, 4, 4, 4], { seed: 9, name: "X" });
    const W = randn([6, 2, 2, 2], { seed: 10, requiresGrad: true, name: "W" });
    const Y = conv2d(X, W, null, { groups: 2 });
    const { body } = collapsedGradient(Y, 1, 11);
    expect(printIndex(body, "text")).toContain("floor");
  });
});

describe("the numbers table writes each factor as a reader would: inner window sums collapsed, index arithmetic done", () => {
  it("boundFactor keeps the value of a bound window factor and leaves no delta or sum when the window is fixed", () => {
    const X = randn([1, 1, 5, 5], { seed: 11 });
    const env = {
      inputs: [],
      out: { data: [], shape: [] },
      idx: new Map<string, number>(),
      syms: new Map([["X", X]]),
    };
    const h = E.idx("h"),
      w = E.idx("w");
    let checked = 0;
    for (const [s, pad, d] of [
      [2, 1, 1],
      [1, 0, 2],
      [2, 2, 1],
    ])
      for (let p = 0; p < 3; p++)
        for (let k = 0; k < 3; k++) {
          // sum_h sum_w delta(h, s p + d k - pad) delta(w, s q + d l - pad) X_00hw with q = 1, l = 2.
          const at = (o: number, t: number) => E.add(E.mul(E.num(s), E.num(o)), E.mul(E.num(d), E.num(t)), E.num(-pad));
          const e = E.sum(
            "h",
            5,
            E.sum("w", 5, E.mul(E.delta(h, at(p, k)), E.delta(w, at(1, 2)), E.sym("X", [E.num(0), E.num(0), h, w]))),
          );
          const b = boundFactor(e);
          expect(evalIndexExpr(b, env)).toBe(evalIndexExpr(e, env));
          expect(kinds(b).has("delta")).toBe(false);
          expect(kinds(b).has("sum")).toBe(false);
          expect(printIndex(b, "text")).not.toMatch(/[+-] ?\d+ ?[+-] ?\d/);
          checked++;
        }
    expect(checked).toBe(27);
  });

  it("notebook 08's case: the per-term table of conv2d's step shows X's element or 0, no sum over the window", () => {
    const X = randn([1, 1, 5, 5], { seed: 3, requiresGrad: true }).named("X");
    const W = randn([2, 1, 2, 2], { seed: 4, requiresGrad: true }).named("W");
    const Y = conv2d(X, W, null, { stride: 2, padding: 1 }).named("Y");
    const L = sum(mul(Y, Y)).named("L");
    L.backward();
    const p = expandChain(L, W, { at: [1, 0, 1, 0] });
    const terms = p.paths.flatMap((path) => path.steps.flatMap((s) => s.numeric?.terms ?? []));
    expect(terms.length).toBeGreaterThan(0);
    for (const t of terms)
      for (const f of t.factors) {
        // A delta of two numbers stays as its own factor (δ_01 = 0 teaches); none inside a sum.
        expect(f.text).not.toMatch(/sum_/);
        if (f.text.includes("δ")) expect(f.text).toMatch(/^δ_(\d\d|\{-?\d+,-?\d+\})$/);
      }
    expect(p.numeric.pass).toBe(true);
  });
});
