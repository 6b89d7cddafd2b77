// Property tests: random compositions of registry ops on random broadcast-compatible shapes;
// gradients must match central differences, and no op may mutate its inputs.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  expandChain,
  gradcheck,
  Tensor,
  add,
  mul,
  sub,
  tanh,
  sin,
  exp,
  sigmoid,
  square,
  sum,
  mean,
  softmax,
  logSumExp,
  matmul,
  transpose,
  reshape,
  maximum,
} from "../../kernel/src/index";

type Step = (t: Tensor, other: Tensor) => Tensor;
const steps: Record<string, Step> = {
  tanh: (t) => tanh(t),
  sin: (t) => sin(t),
  expScaled: (t) => exp(mul(t, 0.3)),
  sigmoid: (t) => sigmoid(t),
  square: (t) => square(t),
  addOther: (t, o) => add(t, o),
  mulOther: (t, o) => mul(t, o),
  subOther: (t, o) => sub(o, t),
  softmaxLast: (t) => (t.rank > 0 ? softmax(t, -1) : t),
  lseKeep: (t) => (t.rank > 0 ? logSumExp(t, -1, true) : t),
  sumFirstKeep: (t) => (t.rank > 0 ? sum(t, 0, true) : t),
  transpose: (t) => transpose(t),
  selfMatmul: (t) => (t.rank === 2 ? matmul(t, transpose(t)) : t),
  maxZeroish: (t) => maximum(t, 0.123456),
};
const stepNames = Object.keys(steps);

const shapeArb = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 3 });
// A second operand broadcastable against the first: drop leading axes and set some to 1.
const caseArb = shapeArb.chain((shape) =>
  fc.record({
    shape: fc.constant(shape),
    otherShape: fc
      .tuple(
        fc.integer({ min: 0, max: shape.length }),
        fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
      )
      .map(([drop, ones]) => shape.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d))),
    ops: fc.array(fc.constantFrom(...stepNames), { minLength: 1, maxLength: 5 }),
    seed: fc.integer({ min: 0, max: 1_000_000 }),
  }),
);

function rnd(shape: number[], seed: number, grad: boolean): Tensor {
  let s = seed;
  const n = shape.reduce((a, b) => a * b, 1);
  const d = Float64Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 3 - 1.5;
  });
  return new Tensor(d, shape, { requiresGrad: grad });
}

describe("random compositions of ops", () => {
  it("gradients match central differences; inputs are never mutated", () => {
    let runs = 0;
    fc.assert(
      fc.property(caseArb, ({ shape, otherShape, ops, seed }) => {
        const x = rnd(shape, seed, true);
        const o = rnd(otherShape, seed + 1, true);
        const before = [Array.from(x.data), Array.from(o.data)];
        const f = (x: Tensor, o: Tensor) => {
          let t = x;
          for (const name of ops) t = steps[name](t, o);
          return mean(t);
        };
        const r = gradcheck(f, [x, o]);
        runs++;
        expect(Array.from(x.data)).toEqual(before[0]);
        expect(Array.from(o.data)).toEqual(before[1]);
        return r.pass;
      }),
      { numRuns: 150, seed: 42 },
    );
    expect(runs).toBeGreaterThanOrEqual(150);
  });
  it("reshape round trips keep values and route gradients", () => {
    fc.assert(
      fc.property(shapeArb, fc.integer({ min: 0, max: 1000 }), (shape, seed) => {
        const x = rnd(shape, seed, true);
        const y = reshape(reshape(x, [-1]), shape);
        expect(Array.from(y.data)).toEqual(Array.from(x.data));
        return gradcheck((x: Tensor) => sum(mul(reshape(x, [-1]), reshape(x, [-1]))), [x]).pass;
      }),
      { numRuns: 50, seed: 7 },
    );
  });
});

describe("size-0 axes", () => {
  it("compositions on empty tensors give empty gradients of the right shape (or a ChainlabError)", () => {
    const emptyShape = fc
      .array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 3 })
      .filter((s) => s.includes(0));
    fc.assert(
      fc.property(emptyShape, fc.array(fc.constantFrom(...stepNames), { minLength: 1, maxLength: 4 }), (shape, ops) => {
        const x = rnd(shape, 1, true);
        const o = rnd(
          shape.map((d) => (d === 0 ? 1 : d)),
          2,
          true,
        );
        let t = x;
        try {
          for (const name of ops) t = steps[name](t, o);
        } catch (e) {
          expect((e as Error).name).toBe("ChainlabError");
          return;
        }
        const L = sum(t);
        if (L.requiresGrad) L.backward();
        expect(x.grad === null || x.grad.shape.join() === shape.join()).toBe(true);
      }),
      { numRuns: 100, seed: 3 },
    );
  });
});

describe("the chain-rule expansion on random graphs", () => {
  it("its numeric total equals reverse mode's gradient and finite differences, at a random element", () => {
    let runs = 0;
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 0, max: 1_000_000 }), ({ shape, otherShape, ops, seed }, pick) => {
        const x = rnd(shape, seed, true).named("x");
        const o = rnd(otherShape, seed + 1, true).named("o");
        let t = x;
        for (const name of ops) t = steps[name](t, o);
        const L = mean(t).named("L");
        L.backward();
        const at = shape.map((d, a) => Math.floor(pick / (a + 1)) % d);
        const flat = at.reduce((acc, v, a) => acc * shape[a] + v, 0);
        const p = expandChain(L, x, { at });
        runs++;
        expect(p.numeric.at).toEqual(at);
        expect(p.numeric.autodiff === x.grad!.data[flat], "autodiff value is x.grad at the element").toBe(true); // -0 and 0 alike
        // Relative to the largest term: a gradient that cancels to ~0 is judged by its terms' size.
        const scale = Math.max(
          1e-300,
          Math.abs(p.numeric.autodiff),
          ...p.numeric.terms.map((term) => Math.abs(term.value)),
        );
        expect(Math.abs(p.numeric.total - p.numeric.autodiff) / scale).toBeLessThan(1e-12);
        return p.numeric.pass;
      }),
      { numRuns: 80, seed: 5 },
    );
    expect(runs).toBe(80);
  });
});
