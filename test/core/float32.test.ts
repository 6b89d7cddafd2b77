// float32 end to end: forward, the backward seed, rule constants, gradients and optimiser state
// all stay float32, and the numbers agree with the float64 computation to float32 precision.
import { describe, expect, it } from "vitest";
import {
  Tensor,
  matmul,
  add,
  relu,
  crossEntropy,
  sum,
  mul,
  tanh,
  sigmoid,
  exp,
  log,
  square,
  optim,
} from "../../kernel/src/index";
import { Rng } from "../../kernel/src/tensor/random";

const rng = new Rng(12);
const data = (n: number, lo = -1, hi = 1) => Float64Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());
const as = (d: Float64Array, shape: number[], f32: boolean, requiresGrad = false) =>
  new Tensor(f32 ? Float32Array.from(d) : Float64Array.from(d), shape, { requiresGrad });

function mlp(f32: boolean, opt: "sgd" | "momentum" | "adam") {
  const X = as(xd, [32, 50], f32),
    y = as(yd, [32], f32);
  const W1 = as(w1, [50, 40], f32, true),
    b1 = as(bb1, [40], f32, true),
    W2 = as(w2, [40, 10], f32, true),
    b2 = as(bb2, [10], f32, true);
  const params = [W1, b1, W2, b2];
  const o =
    opt === "adam"
      ? new optim.Adam(params, { lr: 1e-2 })
      : new optim.SGD(params, { lr: 0.1, momentum: opt === "momentum" ? 0.9 : 0 });
  const losses: Tensor[] = [];
  for (let step = 0; step < 5; step++) {
    o.zeroGrad();
    const L = crossEntropy(add(matmul(relu(add(matmul(X, W1), b1)), W2), b2), y);
    L.backward();
    losses.push(L);
    o.step();
  }
  return { params, losses, grads: params.map((p) => p.grad!) };
}
const xd = data(32 * 50, 0, 1),
  yd = Float64Array.from({ length: 32 }, () => Math.floor(rng.uniform() * 10));
const w1 = data(50 * 40, -0.2, 0.2),
  bb1 = data(40, -0.1, 0.1),
  w2 = data(40 * 10, -0.3, 0.3),
  bb2 = data(10, -0.1, 0.1);

describe("float32 end to end", () => {
  for (const opt of ["sgd", "momentum", "adam"] as const)
    it(`MLP training (5 steps, ${opt}): loss, gradients and parameters stay float32 and follow float64`, () => {
      const a = mlp(true, opt),
        b = mlp(false, opt);
      for (const L of a.losses) expect(L.dtype).toBe("float32");
      for (const g of a.grads) expect(g.dtype).toBe("float32");
      for (const p of a.params) expect(p.dtype).toBe("float32");
      a.losses.forEach((L, i) =>
        expect(Math.abs(L.item() - b.losses[i].item())).toBeLessThan(1e-4 * Math.max(1, Math.abs(b.losses[i].item()))),
      );
      a.params.forEach((p, k) =>
        p.data.forEach((v, i) => expect(Math.abs(v - b.params[k].data[i])).toBeLessThan(1e-4)),
      );
    });
  it("the backward seed of a float32 scalar is float32, and so is every gradient of an elementwise chain", () => {
    const x = as(data(20), [20], true, true);
    const L = sum(mul(log(add(square(sigmoid(tanh(x))), 1)), exp(x)));
    expect(L.dtype).toBe("float32");
    L.backward();
    expect(x.grad!.dtype).toBe("float32");
    const x64 = as(Float64Array.from(x.data), [20], false, true);
    sum(mul(log(add(square(sigmoid(tanh(x64))), 1)), exp(x64))).backward();
    x.grad!.data.forEach((v, i) =>
      expect(Math.abs(v - x64.grad!.data[i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(x64.grad!.data[i]))),
    );
  });
  it("a rank-0 float64 constant does not widen a float32 tensor; float64 with axes does", () => {
    const x = as(data(4), [4], true);
    expect(mul(x, new Tensor(Float64Array.of(2), [])).dtype).toBe("float32");
    expect(mul(x, as(data(4), [4], false)).dtype).toBe("float64");
    expect(mul(x, 3).dtype).toBe("float32");
  });
});

describe("SGD", () => {
  it("without momentum keeps no velocity and steps w -= lr g", () => {
    const w = new Tensor(Float64Array.of(1, 2, 3), [3], { requiresGrad: true });
    const o = new optim.SGD([w], { lr: 0.5 });
    expect((o as unknown as { velocity: unknown }).velocity).toBeNull();
    sum(mul(w, w)).backward();
    o.step();
    expect(Array.from(w.data)).toEqual([1 - 0.5 * 2, 2 - 0.5 * 4, 3 - 0.5 * 6]);
  });
  it("with momentum follows v = mu v + g, w -= lr v over two steps", () => {
    const w = new Tensor(Float64Array.of(1, -2), [2], { requiresGrad: true });
    const o = new optim.SGD([w], { lr: 0.1, momentum: 0.9 });
    let v = [0, 0];
    const ref = [1, -2];
    for (let s = 0; s < 2; s++) {
      o.zeroGrad();
      sum(mul(w, w)).backward();
      const g = ref.map((x) => 2 * x);
      v = v.map((vi, i) => 0.9 * vi + g[i]);
      v.forEach((vi, i) => (ref[i] -= 0.1 * vi));
      o.step();
    }
    expect(Array.from(w.data)).toEqual(ref);
  });
});
