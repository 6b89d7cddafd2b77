/**
 * expandChain on whole graphs: every registry op inside a graph, several paths, broadcasting,
 * Jacobian mode, long paths, long sums, options and errors. Numbers are checked against reverse
 * mode and finite differences computed here, not against the engine's own report.
 */
import { describe, expect, test } from "vitest";
import { registry } from "../../kernel/src/ops/registry";
import { apply } from "../../kernel/src/ops/apply";
import { Tensor } from "../../kernel/src/tensor/Tensor";
import { Rng } from "../../kernel/src/tensor/random";
import {
  expandChain,
  randn,
  manualSeed,
  tensor,
  ChainlabError,
  crossEntropy,
  scatterAdd,
} from "../../kernel/src/index";
import type { ChainPayload } from "../../kernel/src/protocol/chain";
import { checkChainPayload } from "../../kernel/src/protocol/validate";
import { defineOp } from "../../kernel/src/ops/custom";
import { compactForms } from "../../kernel/src/symbolic/chain/expandChain";
import { evalSymTensor } from "../../kernel/src/symbolic/algebra/SymExpr";
import { numericAlgebra } from "../../kernel/src/ops/numericAlgebra";
import { noGrad } from "../../kernel/src/ops/mode";
import { gradientsById } from "../../kernel/src/autodiff/backward";

function weights(shape: readonly number[], seed: number): Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((p, d) => p * d, 1);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = rng.uniform() * 2 - 1;
  return new Tensor(d, shape);
}

/** dL/dx[at] by central differences, recomputing L from scratch with `f`. */
function fd(f: (x: Tensor) => Tensor, x: Tensor, off: number): number {
  const h = 1e-6;
  const a = x.data.slice() as Float64Array;
  const b = x.data.slice() as Float64Array;
  a[off] += h;
  b[off] -= h;
  return (f(new Tensor(a, x.shape)).item() - f(new Tensor(b, x.shape)).item()) / (2 * h);
}

function strings(p: ChainPayload): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === "string") out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(p);
  return out;
}

/** Every LaTeX string: balanced braces and \\left/\\right pairs, no doubled superscripts. */
function latexStrings(p: ChainPayload): string[] {
  const out: string[] = [];
  const walk = (v: unknown, key: string) => {
    if (typeof v === "string" && key === "latex") out.push(v);
    else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v && typeof v === "object") Object.entries(v).forEach(([k, x]) => walk(x, k));
  };
  walk(p, "");
  return out;
}

function expectLatexBalanced(s: string): void {
  let depth = 0;
  for (const ch of s.replace(/\\[{}]/g, "")) {
    if (ch === "{") depth++;
    if (ch === "}") depth--;
    expect(depth, s).toBeGreaterThanOrEqual(0);
  }
  expect(depth, s).toBe(0);
  expect((s.match(/\\left/g) ?? []).length, s).toBe((s.match(/\\right/g) ?? []).length);
  expect(s, "double superscript").not.toMatch(/\^\{[^{}]*\}\^/);
}

function expectWellFormed(p: ChainPayload): void {
  expect(checkChainPayload(p).ok).toBe(true);
  for (const s of latexStrings(p)) expectLatexBalanced(s);
  expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  for (const s of strings(p)) expect(s).not.toMatch(/undefined|NaN|\[object/);
  expect(p.numeric.pass, `numeric check failed: ${JSON.stringify({ ...p.numeric, terms: undefined })}`).toBe(true);
  for (const path of p.paths) {
    expect(path.numeric!.pass).toBe(true);
    for (const s of path.steps) if (s.numeric) expect(s.numeric.pass, `${s.op} step ${s.to} -> ${s.from}`).toBe(true);
  }
}

describe("every registry op inside a graph", () => {
  const cases: [string, () => void][] = [];
  for (const op of registry) {
    op.samples(3).forEach((sample, s) => {
      sample.inputs.forEach((x, argnum) => {
        if (op.nondiff?.includes(argnum) || !x.requiresGrad) return;
        cases.push([
          `${op.name} #${s} ${sample.label ?? ""} d/d(input ${argnum})`,
          () => {
            const build = (xv: Tensor) => {
              const ins = sample.inputs.map((t, k) => (k === argnum ? xv : t));
              const y = apply(op, ins, sample.attrs ?? {});
              return apply(
                registry.find((o) => o.name === "sum")!,
                [
                  apply(
                    registry.find((o) => o.name === "mul")!,
                    [y, weights(y.shape, 5)],
                  ),
                ],
                { axes: y.shape.map((_, a) => a), keepDims: false },
              );
            };
            const L = build(x);
            const p = expandChain(L, x);
            expectWellFormed(p);
            const off = p.numeric.at.reduce((o, v, a) => o * x.shape[a] + v, 0);
            if (op.smooth)
              expect(Math.abs(p.numeric.total - fd(build, x, off))).toBeLessThanOrEqual(
                1e-6 * Math.max(1, Math.abs(p.numeric.total)),
              );
            // The printed compact dL/dx (composed rules, unnamed tensors inlined) is the gradient.
            const { forms, tensors } = compactForms(L, x);
            const g = noGrad(() => evalSymTensor(forms[0]!, tensors, numericAlgebra));
            const want = gradientsById([L], [tensor(1)], false).get(x.id)!;
            for (let i = 0; i < x.size; i++)
              expect(Math.abs(g.data[i] - want.data[i])).toBeLessThanOrEqual(
                1e-12 * Math.max(1, Math.abs(want.data[i])),
              );
            // The steps cover the edges L -> sum -> mul -> op -> x.
            expect(p.paths[0].steps.map((st) => st.op)).toEqual(["sum", "mul", op.name]);
          },
        ]);
      });
    });
  }
  test.each(cases)("%s", (_name, run) => run());
});

describe("paths", () => {
  test("a tensor used twice gives one sum per path, and the paths add", () => {
    manualSeed(1);
    const x = randn([3], { requiresGrad: true }).named("x");
    const L = x.mul(x).sum().named("L");
    const p = expandChain(L, x);
    expectWellFormed(p);
    expect(p.paths).toHaveLength(2);
    const sum = p.paths[0].numeric!.total + p.paths[1].numeric!.total;
    expect(Math.abs(sum - p.numeric.total)).toBeLessThan(1e-14);
    const k = p.numeric.at[0];
    expect(Math.abs(p.numeric.total - 2 * x.data[k])).toBeLessThan(1e-14);
    for (const path of p.paths) expect(path.compact!.text).toBe("dL/dx = x");
    expect(p.compact!.text).toBe("dL/dx = x + x");
  });

  test("shared intermediate: paths through both uses, path-only finite differences", () => {
    manualSeed(2);
    const x = randn([2, 2], { requiresGrad: true }).named("x");
    const h = x.tanh().named("h");
    const L = h.matmul(h).sum().add(h.sum()).named("L");
    const p = expandChain(L, x);
    expectWellFormed(p);
    expect(p.paths.length).toBe(3);
    const total = p.paths.reduce((s, q) => s + q.numeric!.total, 0);
    expect(Math.abs(total - p.numeric.autodiff)).toBeLessThan(1e-12);
  });

  test("more paths than maxPaths: omitted count reported, numbers still complete", () => {
    manualSeed(3);
    const x = randn([2], { requiresGrad: true }).named("x");
    let t = x;
    for (let k = 0; k < 4; k++) t = t.mul(t); // 2^4 paths
    const L = t.sum().named("L");
    const p = expandChain(L, x, { maxPaths: 3 });
    expect(p.paths).toHaveLength(3);
    expect(p.pathsOmitted).toBe(13);
    expect(p.numeric.pass).toBe(true);
  });
});

describe("broadcasting and reductions", () => {
  test("a bias broadcast over rows: explicit sum over axis 0, and why", () => {
    manualSeed(4);
    const X = randn([4, 3]).named("X");
    const b = randn([3], { requiresGrad: true }).named("b");
    const Y = X.add(b).named("Y");
    const L = Y.tanh().sum().named("L");
    const p = expandChain(L, b);
    expectWellFormed(p);
    const step = p.paths[0].steps.find((s) => s.op === "add")!;
    expect(step.broadcast).toBeDefined();
    expect(step.broadcast!.axes).toEqual([0]);
    expect(step.broadcast!.why).toMatch(/broadcast to \[4,3\]/);
    expect(step.collapsed.text).toBe("dL/db_i = sum_j G_Y[j,i]");
    expect(step.compact.text).toBe("dL/db = sum_{axis 0}(G_Y)");
  });
});

describe("rank 3 and up", () => {
  test("batched matmul: einsum form, and the sum over the broadcast batch axis", () => {
    manualSeed(10);
    const X = randn([2, 3, 4]).named("X");
    const W = randn([4, 5], { requiresGrad: true }).named("W");
    const L = X.matmul(W).named("Y").sin().sum().named("L");
    const p = expandChain(L, W);
    expectWellFormed(p);
    const s = p.paths[0].steps.find((q) => q.op === "matmul")!;
    expect(s.indexForm.text).toBe("dL/dW_ij = sum_k sum_l sum_m G_Y[k,l,m] X_kli δ_mj");
    expect(s.collapsed.text).toBe("dL/dW_ij = sum_k sum_l X_kli G_Y[k,l,j]");
    expect(s.einsum).toBe('einsum("kli,klj->ij", X, G_Y)');
    expect(s.compact.latex).toBe(
      '\\frac{\\partial L}{\\partial W} = \\operatorname{einsum}(\\texttt{"kli,klj->ij"}, X, G_{Y})',
    );
    expect(s.broadcast!.axes).toEqual([0]);
    expect(s.broadcast!.text).toBe("dL/dW = sum_{axis 0}(X^T G_Y)");
  });
});

describe("deltas against index tensors", () => {
  test("scatterAdd: the sum over l collapses onto the indices (l := b_ij), which is gather", () => {
    const g = randn([3, 1], { requiresGrad: true }).named("v");
    const b = tensor([[2], [0], [3]]).named("b");
    const L = scatterAdd(g, b, 1, [3, 4]).named("S").sin().sum().named("L");
    const p = expandChain(L, g);
    expectWellFormed(p);
    const s = p.paths[0].steps.find((q) => q.op === "scatterAdd")!;
    expect(s.renamed).toEqual(["k := i", "l := b_ij"]);
    expect(s.collapsed.text).toBe("dL/dv_ij = G_S[i,b_ij]");
    expect(s.compact.text).toBe("dL/dv = gather(G_S, b, axis=1)");
  });
});

describe("user ops (defineOp)", () => {
  test("without an index rule: a step that says so, numbers from reverse mode checked by finite differences", () => {
    manualSeed(11);
    const cube = defineOp({ name: "cube", forward: (x) => x.pow(3), backward: (g, [x]) => [g.mul(x.square()).mul(3)] });
    const x = randn([3], { requiresGrad: true }).named("x");
    const L = cube(x).named("c").sin().sum().named("L");
    const p = expandChain(L, x);
    expect(p.numeric.pass).toBe(true);
    expect(p.numeric.note).toMatch(/cube has no index rule/);
    const steps = p.paths[0].steps;
    expect(steps.map((s) => s.op)).toEqual(["sum", "sin", "cube"]);
    expect(steps[2].local.text).toBe("dc_j/dx_i: cube has no index rule");
    expect(steps[2].numeric).toBeUndefined();
    expect(steps[1].numeric!.pass).toBe(true);
    const k = p.numeric.at[0];
    expect(Math.abs(p.numeric.total - Math.cos(x.data[k] ** 3) * 3 * x.data[k] ** 2)).toBeLessThan(1e-12);
  });
});

describe("numbers", () => {
  test("long sums list the k largest terms and sum up the rest; contributions add to the total", () => {
    manualSeed(5);
    const x = randn([20], { requiresGrad: true }).named("x");
    const A = randn([30, 20]).named("A");
    const y = A.matmul(x).named("y");
    const L = y.sin().sum().named("L");
    const p = expandChain(L, x, { maxTerms: 5 });
    expectWellFormed(p);
    const n = p.numeric;
    expect(n.terms).toHaveLength(5);
    expect(n.more!.count).toBe(25);
    const listed = n.terms.reduce((s, t) => s + t.value, 0);
    expect(Math.abs(listed + n.more!.sum - n.total)).toBeLessThan(1e-12);
    const mags = n.terms.map((t) => Math.abs(t.value));
    expect(mags).toEqual(mags.slice().sort((a, b) => b - a));
    const c = p.paths[0].contributions!;
    expect(c.shape).toEqual([30]);
    expect(Math.abs(c.values.reduce<number>((s, v) => s + (v ?? 0), 0) - n.total)).toBeLessThan(1e-12);
  });

  test("terms killed by a delta are marked zero", () => {
    manualSeed(6);
    const x = randn([4], { requiresGrad: true }).named("x");
    const L = x.exp().sum().named("L");
    const p = expandChain(L, x, { at: [2] });
    expectWellFormed(p);
    expect(p.numeric.at).toEqual([2]);
    expect(p.numeric.killed).toBe(3);
    const zeros = p.numeric.terms.filter((t) => t.zero);
    expect(zeros).toHaveLength(3);
    for (const z of zeros) expect(z.value).toBe(0);
    expect(Math.abs(p.numeric.total - Math.exp(x.data[2]))).toBeLessThan(1e-14);
  });

  test("default element: largest |gradient|", () => {
    const x = tensor([0.1, -3, 0.5], { requiresGrad: true }).named("x");
    const L = x.square().sum().named("L");
    expect(expandChain(L, x).numeric.at).toEqual([1]);
  });
});

describe("Jacobian mode", () => {
  test("non-scalar L: blocks of dL_K/dx_I, 2-D slices for a rank-3 x", () => {
    manualSeed(7);
    const x = randn([2, 2, 3], { requiresGrad: true }).named("x");
    const W = randn([3, 2]).named("W");
    const L = x.matmul(W).tanh().named("L"); // [2,2,2]
    const p = expandChain(L, x, { outputAt: [1, 0, 1] });
    expectWellFormed(p);
    expect(p.outputAt).toEqual([1, 0, 1]);
    expect(p.jacobian!.shape).toEqual([2, 2, 2, 2, 2, 3]);
    const blocks = p.jacobian!.blocks;
    expect(blocks).toHaveLength(8 * 2);
    for (const b of blocks) {
      expect(b.values).toHaveLength(2);
      expect(b.values[0]).toHaveLength(3);
      // Check the block against finite differences of L_K.
      const K = b.index.slice(0, 3);
      const lead = b.index[3];
      const kOff = (K[0] * 2 + K[1]) * 2 + K[2];
      for (let r = 0; r < 2; r++)
        for (let q = 0; q < 3; q++) {
          const off = (lead * 2 + r) * 3 + q;
          const f = (xv: Tensor) => tensor(xv.matmul(W).tanh().data[kOff]);
          expect(Math.abs(b.values[r][q]! - fd(f, x, off))).toBeLessThan(1e-8);
        }
    }
    expect(p.paths[0].steps[0].general.latex).toContain("L_{101}");
  });
});

describe("Jacobian mode, index forms", () => {
  test("the one-hot seed e_K becomes deltas, which collapse onto K", () => {
    manualSeed(13);
    const x = randn([3], { requiresGrad: true }).named("x");
    const W = randn([2, 3]).named("W");
    const L = W.matmul(x).tanh().named("L");
    const p = expandChain(L, x, { outputAt: [1] });
    expectWellFormed(p);
    expect(p.paths[0].steps[0].upstream!.text).toBe("g_L := dL_1/dL = e_1");
    expect(p.paths[0].substituted!.text).toBe("dL_1/dx_i = sum_j δ_j1 (1 - L_j^2) W_ji");
    expect(p.paths[0].substitutedCollapsed!.text).toBe("dL_1/dx_i = (1 - L_1^2) W_1i");
    const k = p.numeric.at[0];
    const pre = W.data[3] * x.data[0] + W.data[4] * x.data[1] + W.data[5] * x.data[2];
    expect(Math.abs(p.numeric.total - (1 - Math.tanh(pre) ** 2) * W.data[3 + k])).toBeLessThan(1e-14);
  });
});

describe("long paths, options, errors", () => {
  test("more than 6 steps: folded summary instead of the substituted form", () => {
    manualSeed(8);
    const x = randn([3], { requiresGrad: true }).named("x");
    const W = randn([3, 3]).named("W");
    let h = x;
    for (let k = 0; k < 4; k++) h = W.matmul(h).tanh();
    const L = h.sum().named("L");
    const p = expandChain(L, x);
    expectWellFormed(p);
    // 9 steps; the substituted form keeps the 6 nearest x, the 3 above fold into g_v6 := dL/dv6,
    // the name the step out of v6 gives its upstream gradient.
    expect(p.paths[0].folded).toBe(3);
    const head = p.paths[0].steps.find((s) => s.to === "v6")!;
    expect(head.upstream!.text).toMatch(/^g_v6 := dL\/dv6 = /);
    expect(p.paths[0].substituted!.text).toMatch(/^dL\/dx_i = sum_j sum_k sum_l sum_m sum_n sum_p g_v6\[p\] /);
    expect(p.paths[0].substituted!.text).toMatch(
      /, where g_v6 := dL\/dv6 \(the 3 steps from L down to v6 folded into g_v6\)$/,
    );
  });

  test("errors name the problem", () => {
    const x = randn([3], { requiresGrad: true }).named("x");
    const z = randn([3], { requiresGrad: true }).named("z");
    const L = x.sum();
    expect(() => expandChain(L, z)).toThrow(ChainlabError);
    expect(() => expandChain(L, z)).toThrow(/does not depend on z/);
    expect(() => expandChain(L, x, { at: [3] })).toThrow(/at must be an index into shape \[3\]/);
    const y = x.tanh().named("y");
    const M = y.sum().named("M");
    expect(() => expandChain(M, x, { indexNames: { x: "ij" } })).toThrow(/has 1 axis, so it needs 1 index letter,/);
    expect(() => expandChain(M, x, { indexNames: { x: "p", y: "p" } })).toThrow(/letter p is given twice/);
    expect(expandChain(M, x, { indexNames: { x: "p", y: "q" } }).paths[0].substituted!.text).toBe(
      "dM/dx_p = sum_q δ_qp (1 - y_q^2)",
    );
  });

  test("3-layer MLP with cross-entropy: every step checks out", () => {
    manualSeed(9);
    const X = randn([8, 5]).named("X");
    const labels = tensor([0, 1, 2, 1, 0, 2, 1, 0]);
    const W1 = randn([5, 6], { requiresGrad: true }).named("W1");
    const b1 = randn([6], { requiresGrad: true }).named("b1");
    const W2 = randn([6, 6], { requiresGrad: true }).named("W2");
    const W3 = randn([6, 3], { requiresGrad: true }).named("W3");
    const h1 = X.matmul(W1).add(b1).relu().named("h1");
    const h2 = h1.matmul(W2).tanh().named("h2");
    const L = crossEntropy(h2.matmul(W3), labels).named("L");
    for (const w of [W1, b1, W2, W3]) {
      const p = expandChain(L, w);
      expectWellFormed(p);
    }
  });
});

describe("parameters that are data", () => {
  test("dL/dX for an X that does not require grad (saliency): reverse mode's value from the uses of X", () => {
    manualSeed(12);
    const X = randn([3, 4]).named("X");
    const W = randn([4, 2], { requiresGrad: true }).named("W");
    const build = (Xv: Tensor) => Xv.matmul(W).tanh().sum();
    const L = build(X).named("L");
    const p = expandChain(L, X);
    expectWellFormed(p);
    const off = p.numeric.at[0] * 4 + p.numeric.at[1];
    expect(Math.abs(p.numeric.autodiff - fd(build, X, off))).toBeLessThan(1e-8);
  });

  test("x must not be L itself", () => {
    const x = randn([2], { requiresGrad: true });
    const L = x.sum();
    expect(() => expandChain(L, L)).toThrow(/x is L itself/);
  });
});

describe("float32 graphs", () => {
  test("checked to float32's precision, and say so", () => {
    manualSeed(14);
    const x = randn([5], { requiresGrad: true, dtype: "float32" }).named("x");
    const W = randn([4, 5], { dtype: "float32" }).named("W");
    const L = W.matmul(x).tanh().sum().named("L");
    const p = expandChain(L, x);
    expect(p.numeric.pass).toBe(true);
    expect(p.numeric.note).toMatch(/float32 graph/);
    expect(p.numeric.relErrFiniteDiff).toBeLessThan(1e-2);
  });
});
