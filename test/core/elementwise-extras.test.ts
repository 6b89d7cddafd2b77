// The elementwise ops added for the deep-learning curriculum, where the registry-wide suites
// cannot reach: prod and pow at exact zeros (values PyTorch and TF.js give), erf against
// Python's math.erf, remainder's sign convention, multi-axis logSumExp, .mT, typed-array labels,
// and bad input.
import { describe, expect, it } from "vitest";
import {
  tensor,
  grad,
  gradcheck,
  prod,
  pow,
  erf,
  gelu,
  remainder,
  atan2,
  clamp,
  logSumExp,
  crossEntropy,
  leakyRelu,
  softplus,
  ChainlabError,
  randn,
  sum,
  mul,
  Tensor,
} from "../../kernel/src/index";

const close = (a: ArrayLike<number>, b: number[], tol = 1e-12) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++)
    expect(Math.abs(a[i] - b[i]), `entry ${i}: ${a[i]} vs ${b[i]}`).toBeLessThanOrEqual(
      tol * Math.max(1, Math.abs(b[i])),
    );
};

describe("prod at exact zeros: the product of the other entries", () => {
  it("one zero: the zero's gradient is the product of the others, the rest get 0", () => {
    const x = tensor([2, 0, 3], { requiresGrad: true });
    prod(x).backward();
    close(x.grad!.data, [0, 6, 0]);
  });
  it("two zeros: every gradient is 0", () => {
    const x = tensor([0, 5, 0], { requiresGrad: true });
    prod(x).backward();
    close(x.grad!.data, [0, 0, 0]);
  });
  it("per reduced group, against central differences (prod is a polynomial)", () => {
    const x = tensor(
      [
        [1.5, 0, -2],
        [0.5, 0.25, 3],
        [0, 0, 1],
      ],
      { requiresGrad: true },
    );
    const r = gradcheck((t: Tensor) => sum(mul(prod(t, 1), tensor([1, -2, 3]))), [x]);
    expect(r.pass).toBe(true);
    const g = grad((t: Tensor) => sum(prod(t, 1)))(x) as Tensor;
    close(g.data, [0, -3, 0, 0.75, 1.5, 0.125, 0, 0, 0]);
  });
  it("second derivative at a single zero: d/dx_k of the zero's gradient is the product of the rest", () => {
    // f = prod([a, 0, c]) ; df/dx1 = a c ; d/da (df/dx1) = c
    const x = tensor([2, 0, 3], { requiresGrad: true });
    const h = (t: Tensor) => (grad((u: Tensor) => prod(u))(t) as Tensor).index(1);
    const g2 = grad(h)(x) as Tensor;
    close(g2.data, [3, 0, 2]);
  });
});

describe("pow: d/db at a = 0 is 0 (the limit for b > 0)", () => {
  it("gives 0, not NaN, and the usual values elsewhere", () => {
    const a = tensor([0, 2, 0], { requiresGrad: true });
    const b = tensor([2, 3, 0.5], { requiresGrad: true });
    sum(pow(a, b)).backward();
    close(b.grad!.data, [0, 8 * Math.log(2), 0]);
    close(a.grad!.data.slice(0, 2), [0, 12]);
  });
  it("a learnable exponent on a ReLU output trains without NaN", () => {
    const h = tensor([-1, 0.5, 2]).relu();
    const p = tensor(1.5, { requiresGrad: true });
    sum(pow(h, p)).backward();
    expect(Number.isFinite(p.grad!.data[0])).toBe(true);
    close(p.grad!.data, [Math.pow(0.5, 1.5) * Math.log(0.5) + Math.pow(2, 1.5) * Math.log(2)]);
  });
});

describe("erf and gelu", () => {
  it("erf matches Python's math.erf", () => {
    const xs = [0.5, 1, 2, -3, 0.1, 4.5];
    const want = [
      0.5204998778130465, 0.8427007929497149, 0.9953222650189527, -0.9999779095030014, 0.1124629160182849,
      0.9999999998033839,
    ];
    close(erf(tensor(xs)).data, want, 2e-15);
  });
  it("gelu is x Phi(x): gelu(1) = 0.8413447460685429 (Phi(1) from the normal table)", () => {
    close(gelu(tensor([1, 0, -1])).data, [0.8413447460685429, 0, -0.15865525393145707], 1e-14);
  });
  it("softplus does not overflow", () => {
    close(softplus(tensor([800, -800, 0])).data, [800, 0, Math.LN2]);
  });
});

describe("remainder, atan2, clamp, leakyRelu", () => {
  it("remainder has the sign of the divisor (Python's %)", () => {
    close(remainder(tensor([5, -5, 5, -5]), tensor([3, 3, -3, -3])).data, [2, 1, -1, -2]);
  });
  it("atan2 quadrants", () => {
    close(atan2(tensor([1, 1, -1, -1]), tensor([1, -1, -1, 1])).data, [
      Math.PI / 4,
      (3 * Math.PI) / 4,
      (-3 * Math.PI) / 4,
      -Math.PI / 4,
    ]);
  });
  it("clamp's gradient passes at the bounds (inclusive) and stops outside", () => {
    const x = tensor([-2, -1, 0, 1, 2], { requiresGrad: true });
    sum(clamp(x, { min: -1, max: 1 })).backward();
    close(x.grad!.data, [0, 1, 1, 1, 0]);
  });
  it("leakyRelu uses its slope", () => {
    close(leakyRelu(tensor([-2, 3]), 0.1).data, [-0.2, 3]);
  });
});

describe("logSumExp over several axes", () => {
  it("equals the brute-force log of the sum of exponentials, gradient checked", () => {
    const x = randn([2, 3, 4], { seed: 3, requiresGrad: true });
    const y = logSumExp(x, [0, 2]);
    expect(y.shape).toEqual([3]);
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let i = 0; i < 2; i++) for (let k = 0; k < 4; k++) s += Math.exp(x.data[i * 12 + j * 4 + k]);
      expect(Math.abs(y.data[j] - Math.log(s))).toBeLessThan(1e-13);
    }
    expect(logSumExp(x, [0, 2], true).shape).toEqual([1, 3, 1]);
    expect(gradcheck((t: Tensor) => sum(mul(logSumExp(t, [2, 0]), tensor([1, 2, -1]))), [x]).pass).toBe(true);
  });
});

describe(".mT and integer label arrays", () => {
  it(".mT swaps the last two axes of a batch", () => {
    const x = tensor([
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    ]);
    expect(x.mT.shape).toEqual([1, 3, 2]);
    close(x.mT.data, [1, 4, 2, 5, 3, 6]);
    expect(() => tensor([1, 2]).mT).toThrow(ChainlabError);
  });
  it("crossEntropy takes Int32Array labels", () => {
    const z = tensor([
      [2, 0, -1],
      [0.5, 1, 0],
    ]);
    const a = crossEntropy(z, new Int32Array([0, 2]));
    const b = crossEntropy(z, [0, 2]);
    expect(a.item()).toBe(b.item());
  });
});

describe("bad input", () => {
  it("clamp with min > max names both", () => {
    expect(() => clamp(tensor([1]), { min: 2, max: 1 })).toThrow(/clamp.*min 2.*max 1/);
  });
  it("leakyRelu with a non-number slope", () => {
    expect(() => leakyRelu(tensor([1]), "x" as unknown as number)).toThrow(/leakyRelu.*negativeSlope/);
  });
});
