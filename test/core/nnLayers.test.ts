// Normalization, dropout, embedding and attention (functions and nn layers): gradients against
// finite differences, running statistics against their definition, PyTorch-style parameter
// names, train()/eval(), and bad input.
import { describe, expect, it } from "vitest";
import {
  Tensor,
  tensor,
  randn,
  zeros,
  sum,
  mul,
  gradcheck,
  nn,
  ChainlabError,
  layerNorm,
  batchNorm,
  dropout,
  embedding,
  scaledDotProductAttention,
  attentionWeights,
} from "../../kernel/src/index";

const weighted = (seed: number) => (y: Tensor) => sum(mul(y, randn(y.shape.slice(), { seed })));

describe("gradients of the composites match central differences", () => {
  it("layerNorm (input, weight, bias)", () => {
    const x = randn([2, 3, 4], { seed: 1, requiresGrad: true });
    const w = randn([4], { seed: 2, requiresGrad: true }),
      b = randn([4], { seed: 3, requiresGrad: true });
    expect(
      gradcheck(
        (a: Tensor, ww: Tensor, bb: Tensor) => weighted(4)(layerNorm(a, 4, { weight: ww, bias: bb })),
        [x, w, b],
      ).pass,
    ).toBe(true);
  });
  it("batchNorm in training (input, weight, bias)", () => {
    const x = randn([4, 2, 3], { seed: 5, requiresGrad: true });
    const w = randn([2], { seed: 6, requiresGrad: true }),
      b = randn([2], { seed: 7, requiresGrad: true });
    expect(
      gradcheck(
        (a: Tensor, ww: Tensor, bb: Tensor) => weighted(8)(batchNorm(a, { weight: ww, bias: bb, training: true })),
        [x, w, b],
      ).pass,
    ).toBe(true);
  });
  it("scaledDotProductAttention with a causal mask (q, k, v)", () => {
    const q = randn([2, 3, 4], { seed: 9, requiresGrad: true }),
      k = randn([2, 5, 4], { seed: 10, requiresGrad: true });
    const v = randn([2, 5, 3], { seed: 11, requiresGrad: true });
    const f = (a: Tensor, bb: Tensor, c: Tensor) => weighted(12)(scaledDotProductAttention(a, bb, c, { causal: true }));
    expect(gradcheck(f, [q, k, v]).pass).toBe(true);
  });
  it("embedding with repeated indices adds into the picked rows", () => {
    const w = randn([5, 3], { seed: 13, requiresGrad: true });
    const idx = new Int32Array([1, 4, 1, 0]);
    expect(
      gradcheck(
        (ww: Tensor) =>
          weighted(14)(
            embedding(
              tensor([
                [1, 4],
                [1, 0],
              ]),
              ww,
            ),
          ),
        [w],
      ).pass,
    ).toBe(true);
    sum(embedding(idx, w)).backward();
    expect(Array.from(w.grad!.data)).toEqual([3, 3, 3, 6, 6, 6, 0, 0, 0, 0, 0, 0, 3, 3, 3].map((v) => v / 3));
  });
  it("dropout with a seed is one fixed mask, so its gradient is that mask", () => {
    const x = randn([6, 5], { seed: 15, requiresGrad: true });
    expect(gradcheck((a: Tensor) => weighted(16)(dropout(a, 0.3, { seed: 4 })), [x]).pass).toBe(true);
  });
  it("a small CNN end to end (conv, batch norm, relu, max pool, flatten, linear): input gradient, every parameter reached", () => {
    const net = new nn.Sequential(
      new nn.Conv2d(1, 2, 3, { padding: 1, seed: 1 }),
      new nn.BatchNorm2d(2),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Flatten(),
      new nn.Linear(8, 3, { seed: 2 }),
    );
    const x = randn([2, 1, 4, 4], { seed: 17, requiresGrad: true });
    expect(gradcheck((a: Tensor) => weighted(18)(net.call(a)), [x]).pass).toBe(true);
    net.zeroGrad();
    weighted(18)(net.call(x)).backward();
    for (const [name, p] of net.namedParameters()) expect(p.grad, name).not.toBeNull();
    expect(net.namedParameters().map(([n]) => n)).toEqual(["0.weight", "0.bias", "1.weight", "1.bias", "5.W", "5.b"]);
  });
});

describe("batch norm running statistics", () => {
  it("move by momentum towards the batch mean and unbiased variance; eval uses them", () => {
    const bn = new nn.BatchNorm1d(2, { momentum: 0.25 });
    const x = tensor([
      [1, 10],
      [2, 20],
      [6, 30],
    ]);
    bn.call(x);
    // channel 0: mean 3, unbiased var ((4 + 1 + 9) / 2) = 7; channel 1: mean 20, var 100.
    expect(Array.from(bn.runningMean.data)).toEqual([0.75, 5]);
    expect(Array.from(bn.runningVar.data)).toEqual([0.75 + 0.25 * 7, 0.75 + 0.25 * 100]);
    bn.eval();
    const y = bn.call(tensor([[0.75, 5]]));
    expect(Math.abs(y.data[0])).toBeLessThan(1e-12);
    expect(bn.training).toBe(false);
  });
});

describe("dropout", () => {
  it("zeroes about p of the entries and scales the rest by 1/(1-p); eval is the identity", () => {
    const x = tensor(Array.from({ length: 10000 }, () => 1));
    const y = dropout(x, 0.2, { seed: 1 });
    const zeros = Array.from(y.data).filter((v) => v === 0).length;
    expect(zeros / 10000).toBeGreaterThan(0.18);
    expect(zeros / 10000).toBeLessThan(0.22);
    expect(Array.from(y.data).every((v) => v === 0 || Math.abs(v - 1.25) < 1e-15)).toBe(true);
    expect(dropout(x, 0.2, { training: false })).toBe(x);
    const layer = new nn.Dropout(0.5, { seed: 3 });
    layer.eval();
    expect(layer.call(x)).toBe(x);
  });
});

describe("attention", () => {
  it("causal: the first query sees only the first key, so its output is v[0]", () => {
    const q = randn([3, 2], { seed: 20 }),
      k = randn([3, 2], { seed: 21 }),
      v = randn([3, 2], { seed: 22 });
    const y = scaledDotProductAttention(q, k, v, { causal: true });
    expect(Array.from(y.data.slice(0, 2))).toEqual(Array.from(v.data.slice(0, 2)));
    const A = attentionWeights(q, k, { causal: true });
    for (let i = 0; i < 3; i++)
      expect(Math.abs(A.data[i * 3] + A.data[i * 3 + 1] + A.data[i * 3 + 2] - 1)).toBeLessThan(1e-15);
    expect(A.data[1]).toBe(0);
  });
  it("MultiheadAttention: heads by reshape, gradient checked, PyTorch-style names", () => {
    const mha = new nn.MultiheadAttention(4, 2, { seed: 1 });
    expect(mha.namedParameters().map(([n]) => n)).toEqual(["inProjW", "inProjB", "outProj.W", "outProj.b"]);
    const x = randn([2, 3, 4], { seed: 23, requiresGrad: true });
    expect(gradcheck((a: Tensor) => weighted(24)(mha.call(a)), [x]).pass).toBe(true);
    expect(mha.lastWeights!.shape).toEqual([2, 2, 3, 3]);
  });
});

describe("module names and modes", () => {
  it("Sequential names parameters by position, as named_parameters", () => {
    const net = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.ReLU(), new nn.LayerNorm(4), new nn.Embedding(3, 2));
    expect(net.namedParameters().map(([n, t]) => [n, t.shape])).toEqual([
      ["0.weight", [2, 1, 3, 3]],
      ["0.bias", [2]],
      ["2.weight", [4]],
      ["2.bias", [4]],
      ["3.weight", [3, 2]],
    ]);
  });
  it("train()/eval() reach nested modules", () => {
    const inner = new nn.Sequential(new nn.Dropout(0.1), new nn.BatchNorm2d(3));
    const net = new nn.Sequential(inner);
    net.eval();
    expect(inner.layers.every((l) => !l.training)).toBe(true);
    net.train();
    expect(inner.layers.every((l) => l.training)).toBe(true);
  });
});

describe("bad input", () => {
  it.each([
    ["dropout p = 1", () => dropout(zeros([2]), 1), /dropout.*p must be in \[0, 1\)/],
    [
      "embedding index out of range",
      () => embedding([0, 5], randn([5, 2])),
      /embedding.*index 5 .*out of range \[0, 5\)/,
    ],
    ["layerNorm shape mismatch", () => layerNorm(randn([2, 3]), [4]), /layerNorm.*normalizedShape \[4\].*\[2,3\]/],
    ["batchNorm eval without running stats", () => batchNorm(randn([2, 3])), /batchNorm.*runningMean and runningVar/],
    [
      "attention d mismatch",
      () => scaledDotProductAttention(randn([2, 3]), randn([2, 4]), randn([2, 4])),
      /attention.*share d/,
    ],
    ["heads not dividing", () => new nn.MultiheadAttention(5, 2), /MultiheadAttention.*5 must divide into 2 heads/],
  ])("%s", (_n, f, re) => {
    expect(f).toThrow(ChainlabError);
    expect(f).toThrow(re as RegExp);
  });
});
