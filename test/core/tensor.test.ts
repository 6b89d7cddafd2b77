import { describe, expect, it, vi } from "vitest";
import {
  tensor,
  zeros,
  ones,
  full,
  eye,
  arange,
  linspace,
  rand,
  randn,
  Tensor,
  ChainlabError,
  noGrad,
  detectAnomaly,
  AnomalyError,
  add,
  matmul,
  crossEntropy,
  mse,
  binaryCrossEntropy,
  softmax,
  stack,
  concat,
  nn,
  optim,
  setMaxElements,
  getMaxElements,
  where,
} from "../../kernel/src/index";

describe("creation", () => {
  it("tensor from nested arrays, shape, rank, item, toArray", () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.rank).toBe(2);
    expect(t.size).toBe(6);
    expect(t.dtype).toBe("float64");
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(tensor(5).item()).toBe(5);
    expect(tensor([1], { dtype: "float32" }).dtype).toBe("float32");
  });
  it("zeros, ones, full, eye, arange, linspace", () => {
    expect(zeros([2]).toArray()).toEqual([0, 0]);
    expect(ones([1, 2]).toArray()).toEqual([[1, 1]]);
    expect(full([2], 7).toArray()).toEqual([7, 7]);
    expect(eye(2).toArray()).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(arange(0, 5, 2).toArray()).toEqual([0, 2, 4]);
    expect(linspace(0, 1, 3).toArray()).toEqual([0, 0.5, 1]);
  });
  it("seeded random tensors are reproducible", () => {
    expect(randn([4], { seed: 3 }).toArray()).toEqual(randn([4], { seed: 3 }).toArray());
    expect(rand([4], { seed: 3 }).toArray()).not.toEqual(rand([4], { seed: 4 }).toArray());
    const u = rand([1000], { seed: 1 });
    expect(Math.min(...u.data)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u.data)).toBeLessThan(1);
  });
});

describe("broadcasting and matmul semantics", () => {
  it("adds a row vector to each row", () => {
    expect(
      add(
        tensor([
          [1, 2],
          [3, 4],
        ]),
        tensor([10, 20]),
      ).toArray(),
    ).toEqual([
      [11, 22],
      [13, 24],
    ]);
  });
  it("matmul follows numpy.matmul for 1-D and batched cases", () => {
    const A = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(matmul(A, tensor([1, 1])).toArray()).toEqual([3, 7]);
    expect(matmul(tensor([1, 1]), A).toArray()).toEqual([4, 6]);
    expect(matmul(tensor([1, 2]), tensor([3, 4])).toArray()).toEqual(11);
    const batch = stack([A, A.mul(2)]);
    expect(matmul(batch, tensor([1, 0])).toArray()).toEqual([
      [1, 3],
      [2, 6],
    ]);
    expect(matmul(batch, A).shape).toEqual([2, 2, 2]);
  });
  it("concat, softmax rows sum to 1", () => {
    expect(concat([tensor([1]), tensor([2, 3])]).toArray()).toEqual([1, 2, 3]);
    const s = softmax(randn([3, 5], { seed: 1 }));
    for (let r = 0; r < 3; r++) expect(s.data.slice(r * 5, r * 5 + 5).reduce((a, b) => a + b)).toBeCloseTo(1, 14);
  });
});

describe("autodiff semantics", () => {
  it("grad accumulates across backward calls, zeroGrad resets", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    x.square().sum().backward();
    x.square().sum().backward();
    expect(x.grad!.toArray()).toEqual([4, 8]);
    x.zeroGrad();
    expect(x.grad).toBeNull();
  });
  it("a tensor used twice gets the sum over both paths", () => {
    const x = tensor(3, { requiresGrad: true });
    x.mul(x).add(x).backward();
    expect(x.grad!.item()).toBe(7);
  });
  it("the same graph can run backward twice; retainGraph (PyTorch's) is refused with the reason", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.square().sum();
    y.backward();
    y.backward();
    expect(x.grad!.toArray()).toEqual([4, 8]);
    expect(() => y.backward(undefined, { retainGraph: true } as object)).toThrow(/backward: retainGraph is not needed/);
    expect(() => y.backward(undefined, { creatGraph: true } as object)).toThrow(/unknown option "creatGraph"/);
  });
  it("createGraph records the gradient, so it can be differentiated again", () => {
    const x = tensor([0.5, -1.5], { requiresGrad: true });
    x.pow(3).sum().backward(undefined, { createGraph: true });
    const g = x.grad!; // 3 x^2, itself recorded
    expect(g.requiresGrad).toBe(true);
    const h = 1e-6;
    const xs = [0.5, -1.5];
    const dgdx = xs.map((v) => (3 * (v + h) ** 2 - 3 * (v - h) ** 2) / (2 * h)); // finite difference of 3x^2
    x.zeroGrad();
    g.sum().backward();
    x.grad!.toArray().forEach((v, i) => expect(v).toBeCloseTo(dgdx[i] as number, 5));
  });
  it("intermediates: retainGrad keeps the gradient; otherwise a clear warning", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(3);
    const z = x.mul(2).retainGrad();
    y.add(z).sum().backward();
    expect(z.grad!.toArray()).toEqual([1, 1]);
    expect(z.gradState).toBe("computed");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    expect(y.grad).toBeNull();
    expect(y.gradState).toBe("not-retained");
    expect(warn.mock.calls[0][0]).toMatch(/retainGrad/);
    warn.mockRestore();
  });
  it("gradState before backward is not-computed; constants are not-required", () => {
    const w = tensor([1], { requiresGrad: true });
    expect(w.gradState).toBe("not-computed");
    expect(tensor([1]).gradState).toBe("not-required");
  });
  it("noGrad and detach stop recording", () => {
    const x = tensor([1], { requiresGrad: true });
    expect(noGrad(() => x.mul(2)).requiresGrad).toBe(false);
    expect(x.mul(2).detach().requiresGrad).toBe(false);
  });
  it("ops never mutate their inputs", () => {
    const a = randn([2, 3], { seed: 1, requiresGrad: true });
    const before = Array.from(a.data);
    a.exp().sum(0).softmax().max().backward();
    expect(Array.from(a.data)).toEqual(before);
  });
  it("backward of a non-scalar needs a seed gradient", () => {
    const y = tensor([1, 2], { requiresGrad: true }).mul(2);
    expect(() => y.backward()).toThrow(/backward: output has shape \[2\].*scalar/);
    y.backward(tensor([1, 1]));
  });
  it("detectAnomaly names the op that first produced a NaN", () => {
    const x = tensor([0, 1], { requiresGrad: true });
    try {
      detectAnomaly(() => x.log().mul(0).sum().backward());
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AnomalyError);
      expect((e as AnomalyError).op).toBe("log");
      expect((e as Error).message).toMatch(/-Infinity.*\[2\]/);
    }
    try {
      detectAnomaly(() => x.sqrt().sum().backward());
      expect.unreachable();
    } catch (e) {
      expect((e as AnomalyError).phase).toBe("backward");
      expect((e as AnomalyError).op).toBe("sqrt");
    }
  });
});

describe("losses, nn and optim", () => {
  it("crossEntropy matches -mean log softmax at the labels", () => {
    const z = tensor([
      [1, 2, 3],
      [1, 1, 1],
    ]);
    const ce = crossEntropy(z, tensor([2, 0])).item();
    const l0 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3;
    const l1 = Math.log(3);
    expect(ce).toBeCloseTo((l0 + l1) / 2, 14);
  });
  it("mse and binaryCrossEntropy (probabilities and logits agree)", () => {
    expect(mse(tensor([1, 2]), tensor([0, 0])).item()).toBe(2.5);
    const z = tensor([0.3, -2, 5]);
    const t = tensor([1, 0, 1]);
    expect(binaryCrossEntropy(z.sigmoid(), t).item()).toBeCloseTo(
      binaryCrossEntropy(z, t, { fromLogits: true }).item(),
      12,
    );
  });
  it("an MLP trained with Adam reduces its loss", () => {
    const X = randn([32, 2], { seed: 1 });
    const y = tensor(Array.from({ length: 32 }, (_, i) => (X.data[2 * i] * X.data[2 * i + 1] > 0 ? 1 : 0)));
    const net = new nn.MLP([2, 16, 2], { seed: 2 });
    const opt = new optim.Adam(net.parameters(), { lr: 0.05 });
    const losses: number[] = [];
    for (let step = 0; step < 60; step++) {
      opt.zeroGrad();
      const L = crossEntropy(net.call(X), y);
      L.backward();
      opt.step();
      losses.push(L.item());
    }
    expect(losses[59]).toBeLessThan(losses[0] * 0.6);
  });
  it("SGD moves against the gradient", () => {
    const w = tensor([1, -1], { requiresGrad: true });
    const opt = new optim.SGD([w], { lr: 0.1 });
    w.square().sum().backward();
    opt.step();
    expect(w.toArray()).toEqual([0.8, -0.8]);
  });
});

describe("bad input gives a ChainlabError naming op, shapes and rule", () => {
  const cases: [string, () => unknown, RegExp][] = [
    ["matmul inner", () => matmul(zeros([3, 4]), zeros([5, 2])), /^matmul: inner dimensions differ: \[3,4\] @ \[5,2\]/],
    ["broadcast", () => add(zeros([2, 3]), zeros([4])), /^add: shapes \[2,3\] and \[4\] cannot be broadcast/],
    ["ragged", () => tensor([[1, 2], [3]]), /^tensor: ragged nested array/],
    ["non-number", () => tensor([1, "a"]), /^tensor: expected a number at \[1\], got "a"/],
    ["axis range", () => zeros([2, 3]).sum(2), /^sum: axis 2 is out of range for rank 2/],
    ["non-integer axis", () => zeros([2, 3]).sum(0.5), /^sum: axis must be an integer/],
    ["item", () => zeros([2]).item(), /^item: only a tensor with exactly one element/],
    ["reshape", () => zeros([2, 3]).reshape([4]), /^reshape: cannot reshape \[2,3\] \(6 elements\) to \[4\]/],
    ["undefined arg", () => add(zeros([2]), undefined as never), /^add: second argument must be a Tensor/],
    ["negative shape", () => zeros([-1]), /^full: shape must contain non-negative integers/],
    ["labels", () => crossEntropy(zeros([2, 3]), tensor([0, 3])), /^crossEntropy: label 3 at position 1/],
    ["where", () => where(zeros([2]), zeros([3]), 0), /^where: shapes \[2\] and \[3\]/],
  ];
  for (const [label, f, re] of cases) {
    it(label, () => {
      expect(f).toThrow(ChainlabError);
      expect(f).toThrow(re);
    });
  }
  it("allocation limit fails fast before allocating", () => {
    const prev = getMaxElements();
    setMaxElements(1000);
    try {
      expect(() => zeros([100, 100])).toThrow(/\[100,100\] has 10000 elements, above the limit of 1000/);
    } finally {
      setMaxElements(prev);
    }
    expect(() => zeros([1e6, 1e6])).toThrow(ChainlabError);
  });
  it("an error leaves existing tensors intact", () => {
    const a = tensor([1, 2], { requiresGrad: true });
    expect(() => matmul(a, zeros([3]))).toThrow();
    expect(a.toArray()).toEqual([1, 2]);
    a.square().sum().backward();
    expect(a.grad!.toArray()).toEqual([2, 4]);
  });
  it("Tensor type is exported", () => expect(tensor(1)).toBeInstanceOf(Tensor));
});
