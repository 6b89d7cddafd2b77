/**
 * Golden tests: the four worked examples of docs/chain-rule.md, built as a student would build
 * them, must produce the forms written there (index form, collapse, compact form, the 3-step
 * chain and its substituted form) and pass their numeric checks. The printed compact gradient
 * is also evaluated numerically and compared with finite differences of L at every element.
 *
 * Notation note: the engine prints each Kronecker delta as the op's rule states it,
 * intermediate index first (delta_ji where chain-rule.md's example 1 writes delta_ij; the
 * symbol is symmetric and its other examples use this order).
 */
import { describe, expect, test } from "vitest";
import { expandChain, manualSeed, randn, Tensor } from "../../kernel/src/index";
import { compactForms } from "../../kernel/src/symbolic/chain/expandChain";
import { evalSymTensor } from "../../kernel/src/symbolic/algebra/SymExpr";
import { numericAlgebra } from "../../kernel/src/ops/numericAlgebra";
import { noGrad } from "../../kernel/src/ops/mode";
import type { ChainPayload, ChainStep } from "../../kernel/src/protocol/chain";

/** The printed compact dL/dx of the (single) path, evaluated, vs central differences of L. */
function expectCompactIsGradient(L: Tensor, x: Tensor, rebuild: (x: Tensor) => Tensor): void {
  const { forms, tensors } = compactForms(L, x);
  expect(forms).toHaveLength(1);
  const g = noGrad(() => evalSymTensor(forms[0]!, tensors, numericAlgebra));
  expect(g.shape).toEqual(x.shape);
  for (let i = 0; i < x.size; i++) {
    const h = 1e-6;
    const a = x.data.slice() as Float64Array;
    const b = x.data.slice() as Float64Array;
    a[i] += h;
    b[i] -= h;
    const fd = (rebuild(new Tensor(a, x.shape)).item() - rebuild(new Tensor(b, x.shape)).item()) / (2 * h);
    expect(Math.abs(g.data[i] - fd), `element ${i}`).toBeLessThan(1e-7 * Math.max(1, Math.abs(fd)));
  }
}

function expectNumbersPass(p: ChainPayload): void {
  expect(p.numeric.pass).toBe(true);
  expect(p.numeric.relErrAutodiff).toBeLessThanOrEqual(1e-12);
  expect(p.numeric.relErrFiniteDiff).toBeLessThanOrEqual(1e-6);
  for (const path of p.paths) for (const s of path.steps) expect(s.numeric?.pass, `${s.op}`).toBe(true);
}

/** The step that goes from dL/d(to) to dL/d(from). */
function step(p: ChainPayload, from: string, to: string): ChainStep {
  const s = p.paths[0].steps.find((q) => q.from === from && q.to === to);
  if (!s) throw new Error(`no step ${to} -> ${from}`);
  return s;
}

describe("chain-rule.md example 1: x in R^n, y = tanh(x), L = sum_j y_j^2", () => {
  manualSeed(101);
  const build = (x: Tensor) => {
    const y = x.tanh().named("y");
    return { y, L: y.square().sum().named("L") };
  };
  const x = randn([4], { requiresGrad: true }).named("x");
  const { L } = build(x);
  const p = expandChain(L, x);

  test("local derivatives, index form, collapse, vector form", () => {
    const s = step(p, "x", "y");
    expect(s.local.latex).toBe("\\frac{\\partial y_{j}}{\\partial x_{i}} = \\delta_{ji} \\left(1 - y_{j}^{2}\\right)");
    expect(step(p, "y", "v1").composed!.text).toBe("dL/dy = 2 y");
    const path = p.paths[0];
    expect(path.head).toBe("y");
    expect(path.substituted!.latex).toBe(
      "\\frac{\\partial L}{\\partial x_{i}} = \\sum_{j} 2 y_{j} \\delta_{ji} \\left(1 - y_{j}^{2}\\right)",
    );
    expect(path.substituted!.text).toBe("dL/dx_i = sum_j 2 y_j δ_ji (1 - y_j^2)");
    expect(path.substitutedCollapsed!.renamed).toEqual(["j := i"]);
    expect(path.substitutedCollapsed!.latex).toBe(
      "\\frac{\\partial L}{\\partial x_{i}} = 2 y_{i} \\left(1 - y_{i}^{2}\\right)",
    );
    expect(path.compact!.latex).toBe("\\frac{\\partial L}{\\partial x} = 2 y \\odot \\left(1 - y \\odot y\\right)");
    expect(path.compact!.text).toBe("dL/dx = 2 y ⊙ (1 - y ⊙ y)");
    // As expandChain's JSDoc example says.
    expect(path.steps[2].collapsed.text).toBe("dL/dx_i = g_y[i] (1 - y_i^2)");
  });

  test("numbers", () => {
    expectNumbersPass(p);
    const k = p.numeric.at[0];
    const yk = Math.tanh(x.data[k]);
    expect(Math.abs(p.numeric.total - 2 * yk * (1 - yk * yk))).toBeLessThan(1e-15);
    expect(p.numeric.killed).toBe(3);
    expectCompactIsGradient(L, x, (xv) => build(xv).L);
  });
});

describe("chain-rule.md example 2: W in R^{m x n}, y = W x, L = 1/2 ||y - t||^2", () => {
  manualSeed(102);
  const x = randn([3]).named("x");
  const t = randn([2]).named("t");
  const build = (W: Tensor) => W.matmul(x).named("y").sub(t).square().sum().mul(0.5).named("L");
  const W = randn([2, 3], { requiresGrad: true }).named("W");
  const L = build(W);
  const p = expandChain(L, W);
  const s = step(p, "W", "y");

  test("g_k := dL/dy_k = y_k - t_k, named after y: g_y", () => {
    expect(s.upstream!.latex).toBe("g_{y} := \\frac{\\partial L}{\\partial y} = y - t");
  });
  test("dy_k/dW_ij = delta_ki x_j; index form; collapse k := i; g x^T", () => {
    expect(s.general.latex).toBe(
      "\\frac{\\partial L}{\\partial W_{ij}} = \\sum_{k} \\frac{\\partial L}{\\partial y_{k}} \\frac{\\partial y_{k}}{\\partial W_{ij}}",
    );
    expect(s.local.latex).toBe("\\frac{\\partial y_{k}}{\\partial W_{ij}} = \\delta_{ki} x_{j}");
    expect(s.indexForm.latex).toBe(
      "\\frac{\\partial L}{\\partial W_{ij}} = \\sum_{k} \\left(g_{y}\\right)_{k} \\delta_{ki} x_{j}",
    );
    expect(s.renamed).toEqual(["k := i"]);
    expect(s.collapsed.latex).toBe("\\frac{\\partial L}{\\partial W_{ij}} = \\left(g_{y}\\right)_{i} x_{j}");
    expect(s.compact.latex).toBe("\\frac{\\partial L}{\\partial W} = g_{y} x^{\\top}");
    expect(s.compact.text).toBe("dL/dW = g_y x^T");
    expect(p.paths[0].compact!.text).toBe("dL/dW = (y - t) x^T");
  });
  test("numbers", () => {
    expectNumbersPass(p);
    expectCompactIsGradient(L, W, build);
  });
});

describe("chain-rule.md example 3: Y = X W, any scalar L = f(Y)", () => {
  manualSeed(103);
  const X = randn([2, 3], { requiresGrad: true }).named("X");
  const W = randn([3, 4], { requiresGrad: true }).named("W");
  const f = (Y: Tensor) => Y.sin().sum().named("L");
  const L = f(X.matmul(W).named("Y"));
  const pW = expandChain(L, W);
  const pX = expandChain(L, X);

  test("dL/dW: the sum runs over both axes of Y; collapse l := j; X^T G", () => {
    const s = step(pW, "W", "Y");
    expect(s.upstream!.latex.startsWith("G_{Y} := \\frac{\\partial L}{\\partial Y}")).toBe(true);
    expect(s.general.latex).toBe(
      "\\frac{\\partial L}{\\partial W_{ij}} = \\sum_{k} \\sum_{l} \\frac{\\partial L}{\\partial Y_{kl}} \\frac{\\partial Y_{kl}}{\\partial W_{ij}}",
    );
    expect(s.local.latex).toBe("\\frac{\\partial Y_{kl}}{\\partial W_{ij}} = X_{ki} \\delta_{lj}");
    expect(s.indexForm.latex).toBe(
      "\\frac{\\partial L}{\\partial W_{ij}} = \\sum_{k} \\sum_{l} \\left(G_{Y}\\right)_{kl} X_{ki} \\delta_{lj}",
    );
    expect(s.renamed).toEqual(["l := j"]);
    expect(s.collapsed.latex).toBe(
      "\\frac{\\partial L}{\\partial W_{ij}} = \\sum_{k} X_{ki} \\left(G_{Y}\\right)_{kj}",
    );
    expect(s.compact.latex).toBe("\\frac{\\partial L}{\\partial W} = X^{\\top} G_{Y}");
    expect(s.compact.text).toBe("dL/dW = X^T G_Y");
  });
  test("dL/dX = G W^T", () => {
    const s = step(pX, "X", "Y");
    expect(s.local.text).toBe("dY_kl/dX_ij = δ_ki W_jl");
    expect(s.collapsed.text).toBe("dL/dX_ij = sum_l G_Y[i,l] W_jl");
    expect(s.compact.latex).toBe("\\frac{\\partial L}{\\partial X} = G_{Y} W^{\\top}");
    expect(s.compact.text).toBe("dL/dX = G_Y W^T");
  });
  test("numbers", () => {
    expectNumbersPass(pW);
    expectNumbersPass(pX);
    expectCompactIsGradient(L, W, (Wv) => f(X.matmul(Wv)));
    expectCompactIsGradient(L, X, (Xv) => f(Xv.matmul(W)));
  });
});

describe("chain-rule.md example 4: a = W x, b = tanh(a), c = U b, L = 1/2 ||c||^2", () => {
  manualSeed(104);
  const W = randn([4, 3]).named("W");
  const U = randn([2, 4]).named("U");
  const build = (x: Tensor) => {
    const a = W.matmul(x).named("a");
    const b = a.tanh().named("b");
    const c = U.matmul(b).named("c");
    return c.square().sum().mul(0.5).named("L");
  };
  const x = randn([3], { requiresGrad: true }).named("x");
  const L = build(x);
  // The letters of chain-rule.md: x_p, a_i, b_j, c_k.
  const p = expandChain(L, x, { indexNames: { x: "p", a: "i", b: "j", c: "k" } });

  test("step 1, from L to c: dL/dc_k = c_k", () => {
    expect(step(p, "c", "v1").composed!.latex).toBe("\\frac{\\partial L}{\\partial c} = c");
  });
  test("step 2, from c to b: sum_k dL/dc_k dc_k/db_j = sum_k c_k U_kj = (U^T c)_j", () => {
    const s = step(p, "b", "c");
    expect(s.general.latex).toBe(
      "\\frac{\\partial L}{\\partial b_{j}} = \\sum_{k} \\frac{\\partial L}{\\partial c_{k}} \\frac{\\partial c_{k}}{\\partial b_{j}}",
    );
    expect(s.local.text).toBe("dc_k/db_j = U_kj");
    expect(s.upstream!.text).toBe("g_c := dL/dc = c");
    expect(s.indexForm.text).toBe("dL/db_j = sum_k g_c[k] U_kj");
    expect(s.compact.text).toBe("dL/db = U^T g_c");
    expect(s.composed!.latex).toBe("\\frac{\\partial L}{\\partial b} = U^{\\top} c");
  });
  test("step 3, from b to a: sum_j dL/db_j delta_ji (1 - b_j^2) = (U^T c)_i (1 - b_i^2)", () => {
    const s = step(p, "a", "b");
    expect(s.indexForm.latex).toBe(
      "\\frac{\\partial L}{\\partial a_{i}} = \\sum_{j} \\left(g_{b}\\right)_{j} \\delta_{ji} \\left(1 - b_{j}^{2}\\right)",
    );
    expect(s.renamed).toEqual(["j := i"]);
    expect(s.collapsed.text).toBe("dL/da_i = g_b[i] (1 - b_i^2)");
    expect(s.upstream!.text).toBe("g_b := dL/db = U^T c");
    expect(s.composed!.latex).toBe(
      "\\frac{\\partial L}{\\partial a} = \\left(U^{\\top} c\\right) \\odot \\left(1 - b \\odot b\\right)",
    );
  });
  test("step 4, from a to x: sum_i dL/da_i W_ip = (W^T dL/da)_p", () => {
    const s = step(p, "x", "a");
    expect(s.indexForm.text).toBe("dL/dx_p = sum_i g_a[i] W_ip");
    expect(s.compact.latex).toBe("\\frac{\\partial L}{\\partial x} = W^{\\top} g_{a}");
    expect(s.composed!.text).toBe("dL/dx = W^T ((U^T c) ⊙ (1 - b ⊙ b))");
  });
  test("substituted all at once", () => {
    const path = p.paths[0];
    expect(path.head).toBe("c");
    expect(path.substituted!.latex).toBe(
      "\\frac{\\partial L}{\\partial x_{p}} = \\sum_{i} \\sum_{j} \\sum_{k} c_{k} U_{kj} \\delta_{ji} \\left(1 - b_{j}^{2}\\right) W_{ip}",
    );
    expect(path.substituted!.text).toBe("dL/dx_p = sum_i sum_j sum_k c_k U_kj δ_ji (1 - b_j^2) W_ip");
  });
  test("numbers: every step, the total, autodiff, finite differences", () => {
    expectNumbersPass(p);
    expectCompactIsGradient(L, x, build);
  });
  test("default index letters: x gets i, then outward", () => {
    const q = expandChain(L, x);
    expect(q.paths[0].substituted!.text).toBe("dL/dx_i = sum_j sum_k sum_l c_l U_lk δ_kj (1 - b_k^2) W_ji");
  });
});
