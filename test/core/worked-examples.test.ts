// The four worked examples of shared/docs/chain-rule.md: autodiff against the hand-derived
// closed forms, to 1e-12.
import { describe, expect, it } from "vitest";
import { randn, tensor, sub, Tensor } from "../../kernel/src/index";

function expectClose(a: Tensor, b: ArrayLike<number>, tol = 1e-12) {
  expect(a.size).toBe(b.length);
  for (let i = 0; i < a.size; i++)
    expect(Math.abs(a.data[i] - b[i]), `entry ${i}: ${a.data[i]} vs ${b[i]}`).toBeLessThanOrEqual(
      tol * Math.max(1, Math.abs(b[i])),
    );
}

describe("chain-rule.md worked examples", () => {
  it("1. y = tanh(x), L = sum y^2: dL/dx = 2 y (1 - y^2)", () => {
    const x = randn([5], { requiresGrad: true, seed: 1 });
    const y = x.tanh();
    const L = y.square().sum();
    L.backward();
    expectClose(
      x.grad!,
      Array.from(y.data, (v) => 2 * v * (1 - v * v)),
    );
  });

  it("2. y = W x, L = 1/2 ||y - t||^2: dL/dW = g x^T with g = y - t", () => {
    const W = randn([3, 4], { requiresGrad: true, seed: 2 });
    const x = randn([4], { seed: 3 });
    const t = randn([3], { seed: 4 });
    const y = W.matmul(x);
    const L = sub(y, t).square().sum().mul(0.5);
    L.backward();
    const g = Array.from(y.data, (v, k) => v - t.data[k]);
    const expected: number[] = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) expected.push(g[i] * x.data[j]);
    expectClose(W.grad!, expected);
    expect(W.grad!.shape).toEqual(W.shape);
  });

  it("3. Y = X W, any scalar L = f(Y): dL/dW = X^T G and dL/dX = G W^T", () => {
    const X = randn([4, 3], { requiresGrad: true, seed: 5 });
    const W = randn([3, 2], { requiresGrad: true, seed: 6 });
    const Y = X.matmul(W).retainGrad();
    const L = Y.sin().sum();
    L.backward();
    const G = Y.grad!;
    expectClose(G, Array.from(Y.data, Math.cos));
    const XtG: number[] = [];
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 2; j++) {
        let s = 0;
        for (let k = 0; k < 4; k++) s += X.data[k * 3 + i] * G.data[k * 2 + j];
        XtG.push(s);
      }
    expectClose(W.grad!, XtG);
    const GWt: number[] = [];
    for (let k = 0; k < 4; k++)
      for (let i = 0; i < 3; i++) {
        let s = 0;
        for (let j = 0; j < 2; j++) s += G.data[k * 2 + j] * W.data[i * 2 + j];
        GWt.push(s);
      }
    expectClose(X.grad!, GWt);
  });

  it("4. a = W x, b = tanh a, c = U b, L = 1/2 ||c||^2: dL/dx = W^T ((U^T c) ⊙ (1 - b^2))", () => {
    const x = randn([3], { requiresGrad: true, seed: 7 });
    const W = randn([4, 3], { seed: 8 });
    const U = randn([2, 4], { seed: 9 });
    const a = W.matmul(x);
    const b = a.tanh();
    const c = U.matmul(b);
    c.square().sum().mul(0.5).backward();
    const Utc = [0, 1, 2, 3].map((j) => c.data[0] * U.data[j] + c.data[1] * U.data[4 + j]);
    const dLda = Utc.map((v, i) => v * (1 - b.data[i] ** 2));
    const dLdx = [0, 1, 2].map((p) => dLda.reduce((s, v, i) => s + v * W.data[i * 3 + p], 0));
    expectClose(x.grad!, dLdx);
    // substituted all at once: sum_i sum_j sum_k c_k U_kj delta_ji (1 - b_j^2) W_ip
    for (let p = 0; p < 3; p++) {
      let s = 0;
      for (let i = 0; i < 4; i++)
        for (let j = 0; j < 4; j++)
          for (let k = 0; k < 2; k++)
            s += c.data[k] * U.data[k * 4 + j] * (i === j ? 1 : 0) * (1 - b.data[j] ** 2) * W.data[i * 3 + p];
      expect(Math.abs(s - x.grad!.data[p])).toBeLessThan(1e-12);
    }
  });
});

describe("kinks and ties: subgradient conventions pinned", () => {
  it("relu'(0) = 0", () => {
    const x = tensor([-1, 0, 2], { requiresGrad: true });
    x.relu().sum().backward();
    expect(x.grad!.toArray()).toEqual([0, 0, 1]);
  });
  it("abs'(0) = 0", () => {
    const x = tensor([-3, 0, 3], { requiresGrad: true });
    x.abs().sum().backward();
    expect(x.grad!.toArray()).toEqual([-1, 0, 1]);
  });
  it("max with ties shares the gradient evenly", () => {
    const x = tensor(
      [
        [1, 3, 3],
        [2, 0, 1],
      ],
      { requiresGrad: true },
    );
    x.max(1).sum().backward();
    expect(x.grad!.toArray()).toEqual([
      [0, 0.5, 0.5],
      [1, 0, 0],
    ]);
  });
  it("min over all axes with a three-way tie", () => {
    const x = tensor([0, 0, 0, 1], { requiresGrad: true });
    x.min().backward();
    expect(x.grad!.toArray()).toEqual([1 / 3, 1 / 3, 1 / 3, 0]);
  });
  it("maximum(a, b) at a tie gives half to each", () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([1, 3], { requiresGrad: true });
    a.maximum(b).sum().backward();
    expect(a.grad!.toArray()).toEqual([0.5, 0]);
    expect(b.grad!.toArray()).toEqual([0.5, 1]);
  });
});
