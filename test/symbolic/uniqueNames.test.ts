/**
 * One name, one array, on the whole chain-rule screen (issue 12): every upstream gradient a
 * payload names (a step's G_t := dL/dt, a folded path's, the closed form's definitions) means
 * one thing only, and every number printed for it in any "Numbers for ..." table is an element
 * of that one array. Unprimed names are the whole dL/dt, so their numbers must be reverse
 * mode's gradient of t; primed ones (G_t', the part along one route) must at least agree
 * across every table they appear in. Before names were tied to tensors, one screen said
 * "G := dL/dv3" and tabulated "G_11" from dL/dv1: both checks below fail on that.
 */
import { describe, expect, test } from "vitest";
import * as C from "../../kernel/src/index";
import type { Tensor } from "../../kernel/src/index";
import type { ChainPayload, ChainTerm } from "../../kernel/src/protocol/chain";
import { gradientsById } from "../../kernel/src/autodiff/backward";
import { traceGraph } from "../../kernel/src/symbolic/chain/paths";
import { classicCases, type Case } from "./classicCases";

/** name -> what it is defined as ("dL/dv3", "dL/dxc (along this path only)"), every definition. */
function definitions(p: ChainPayload): Map<string, Set<string>> {
  const defs = new Map<string, Set<string>>();
  const add = (name: string, meaning: string) => {
    if (!defs.has(name)) defs.set(name, new Set());
    defs.get(name)!.add(meaning);
  };
  const DEF = /(\S+) := (d\S+\/d\S+(?: \(along this path only\))?)/g;
  const texts: string[] = [];
  for (const path of p.paths) {
    for (const s of path.steps) if (s.upstream) texts.push(s.upstream.text.split(" = ")[0]);
    if (path.substituted) texts.push(path.substituted.text);
    if (path.substitutedCollapsed) texts.push(path.substitutedCollapsed.text);
  }
  for (const w of p.closed?.where ?? []) texts.push(w.text.split(" = ")[0]);
  for (const t of texts) for (const m of t.matchAll(DEF)) add(m[1], m[2]);
  return defs;
}

/** Every printed element of a named gradient in every numbers table: name -> index -> values. */
function tabulated(p: ChainPayload, names: Set<string>): Map<string, Map<string, number[]>> {
  const out = new Map<string, Map<string, number[]>>();
  const tables: ChainTerm[][] = [p.numeric.terms];
  for (const path of p.paths) for (const s of path.steps) if (s.numeric) tables.push(s.numeric.terms);
  for (const terms of tables)
    for (const term of terms)
      for (const f of term.factors) {
        const m = /^(.+?)(?:\[([\d,]+)\])?$/.exec(f.text);
        if (!m || !names.has(m[1])) continue;
        if (!out.has(m[1])) out.set(m[1], new Map());
        const byIndex = out.get(m[1])!;
        const k = m[2] ?? "";
        if (!byIndex.has(k)) byIndex.set(k, []);
        byIndex.get(k)!.push(f.value);
      }
  return out;
}

function checkPayload(L: Tensor, x: Tensor, p: ChainPayload): number {
  const defs = definitions(p);
  for (const [name, meanings] of defs) expect([...meanings], `${name} is defined twice`).toHaveLength(1);
  // A step's upstream gradient is named after the tensor it is the gradient of.
  for (const path of p.paths)
    for (const s of path.steps)
      if (s.upstream) {
        const name = s.upstream.text.split(" := ")[0];
        expect(name.replace(/'+$/, "")).toBe(`${s.toShape.length >= 2 ? "G" : "g"}_${s.to}`);
      }
  const graph = traceGraph(L, x);
  const byName = new Map(graph.order.map((t) => [graph.nameOf(t), t] as const));
  const seed = new C.Tensor(new Float64Array(L.size), L.shape);
  seed.data[p.outputAt ? p.outputAt.reduce((o, i, a) => o * L.shape[a] + i, 0) : 0] = 1;
  const grads = gradientsById([L], [seed], false);
  let checked = 0;
  for (const [name, byIndex] of tabulated(p, new Set(defs.keys()))) {
    const meaning = [...defs.get(name)!][0];
    for (const [k, values] of byIndex) {
      // The same element printed in two tables is the same number.
      for (const v of values) expect(v, `${name}[${k}]`).toBe(values[0]);
      if (name.endsWith("'")) continue;
      // An unprimed name is the whole gradient dL/dt: reverse mode's value there.
      const t = byName.get(/^d\S+\/d(\S+)$/.exec(meaning)![1])!;
      const g = grads.get(t.id)!;
      const at = k === "" ? [] : k.split(",").map(Number);
      const off = at.reduce((o, i, a) => o * t.shape[a] + i, 0);
      expect(Math.abs(values[0] - g.data[off]), `${name}[${k}] vs reverse mode`).toBeLessThanOrEqual(
        1e-12 * Math.max(1, Math.abs(g.data[off])),
      );
      checked++;
    }
  }
  return checked;
}

describe("one name, one array, across a chain payload", () => {
  const cases: Case[] = classicCases();
  {
    // The lead's screen: L = sum(relu(X W + b)), shown at W[1,1] (the live notebook's chain).
    const X = C.tensor(
      [
        [1, 2, 3],
        [0.5, -1, 2],
      ],
      { name: "X" },
    );
    const W = C.tensor(
      [
        [0.1, -0.2],
        [0.4, 0.3],
        [-0.5, 0.2],
      ],
      { requiresGrad: true, name: "W" },
    );
    const b = C.tensor([0.1, -0.1], { requiresGrad: true, name: "b" });
    cases.push({ name: "sum(relu(X W + b))", L: C.sum(C.relu(C.add(C.matmul(X, W), b))), x: W });
    // A tensor used along two routes (p twice): its path parts get primed names.
    C.manualSeed(5);
    const w = C.randn([3], { requiresGrad: true }).named("w");
    const q = w.tanh().named("q");
    cases.push({ name: "q ⊙ sin(q)", L: q.mul(q.sin()).sum().named("L"), x: w });
  }
  for (const c of cases)
    test(c.name, () => {
      const p = C.expandChain(c.L, c.x) as ChainPayload;
      const checked = checkPayload(c.L, c.x, p);
      // The numbers tables print upstream gradients (not vacuous), except x^T A x's path x -> L.
      if (p.paths.some((pa) => pa.steps.some((s) => s.upstream && s.numeric))) expect(checked).toBeGreaterThan(0);
    });

  test("Jacobian mode: names of dL_K/dt", () => {
    C.manualSeed(13);
    const x = C.randn([3], { requiresGrad: true }).named("x");
    const W = C.randn([2, 3]).named("W");
    const L = W.matmul(x).tanh().named("L");
    const p = C.expandChain(L, x, { outputAt: [1] }) as ChainPayload;
    expect(definitions(p).get("g_L")).toEqual(new Set(["dL_1/dL"]));
  });

  test("the check fails on two arrays under one name", () => {
    const c = cases.find((k) => k.name === "sum(relu(X W + b))")!;
    const p = C.expandChain(c.L, c.x) as ChainPayload;
    // Rename every upstream gradient G, as the view did before: the definitions now clash.
    const clash = JSON.parse(
      JSON.stringify(p).replace(/\b[gG]_(v\d+|[A-Za-z]\w*)('*)(?= :=|\[|")/g, "G"),
    ) as ChainPayload;
    expect(() => checkPayload(c.L, c.x, clash)).toThrow(/G is defined twice/);
  });
});
