// Fused numeric backward kernels (OpDef.vjpKernel) against the op's own rule run with the
// numeric algebra (the plain path): every op that has one, on every sample of its test domain,
// in float64 and float32, plus large matmuls that reach the WebAssembly kernels. The rule
// itself is checked against finite differences in registry.test.ts.
import { describe, expect, it } from "vitest";
import { registry, Tensor, noGrad, matmul, tanh, sum, mul, relu, add } from "../../kernel/src/index";
import type { OpDef, RuleContext } from "../../kernel/src/ops/OpDef";
import { apply } from "../../kernel/src/ops/apply";
import { numericAlgebra } from "../../kernel/src/ops/numericAlgebra";
import { sumTo } from "../../kernel/src/ops/functions";
import { Rng } from "../../kernel/src/tensor/random";

function cast(t: Tensor, f32: boolean, requiresGrad: boolean): Tensor {
  return new Tensor(f32 ? Float32Array.from(t.data) : Float64Array.from(t.data), t.shape, { requiresGrad });
}

/** Both paths for one op application; the plain one summed back to each input's shape. */
function bothPaths(op: OpDef, inputs: Tensor[], attrs: object, rng: Rng) {
  const out = apply(op, inputs, attrs);
  const g = new Tensor(
    out.data instanceof Float32Array
      ? Float32Array.from(out.data, () => rng.normal())
      : Float64Array.from(out.data, () => rng.normal()),
    out.shape,
  );
  const ctx: RuleContext<Tensor> = {
    inputs,
    out,
    attrs,
    shapes: inputs.map((x) => x.shape),
    outShape: out.shape,
    needs: inputs.map(() => true),
  };
  return noGrad(() => {
    const fast = op.vjpKernel!(g, ctx);
    const plain = op.vjp(g, ctx, numericAlgebra).map((p, i) => (p ? sumTo(p, inputs[i].shape.slice()) : null));
    return { fast, plain };
  });
}

function expectClose(fast: Tensor, plain: Tensor, tol: number, exact: boolean) {
  expect(fast.shape).toEqual(plain.shape);
  expect(fast.dtype).toBe(plain.dtype);
  if (exact) return expect(Array.from(fast.data)).toEqual(Array.from(plain.data));
  const scale = Math.max(1, ...Array.from(plain.data, Math.abs));
  fast.data.forEach((v, i) => expect(Math.abs(v - plain.data[i])).toBeLessThanOrEqual(tol * scale));
}

const withKernels = registry.filter((op) => op.vjpKernel);

describe("fused backward kernels equal the plain rule", () => {
  it("exist for the elementwise ops of training loops and for matmul", () => {
    for (const name of ["matmul", "mul", "tanh", "sigmoid", "relu", "exp", "log"])
      expect(withKernels.map((o) => o.name)).toContain(name);
  });
  for (const op of withKernels)
    for (const f32 of [false, true])
      it(`${op.name} (${f32 ? "float32" : "float64"}) on every sample`, () => {
        const rng = new Rng(3);
        let covered = 0;
        for (const s of op.samples(11)) {
          const inputs = s.inputs.map((t) => cast(t, f32, t.requiresGrad));
          const { fast, plain } = bothPaths(op, inputs, s.attrs ?? {}, rng);
          if (!fast) continue; // a case the kernel leaves to the rule
          covered++;
          fast.forEach((t, i) => {
            if (!t || !plain[i]) return;
            // float64 elementwise: the same arithmetic in the same order, so bit for bit;
            // float32 rounds once per kernel instead of once per op; batched matmul sums the
            // batches inside the product.
            const exact = !f32 && op.name !== "matmul";
            expectClose(t, plain[i]!, f32 ? 2e-6 : 1e-13, exact);
          });
        }
        expect(covered).toBeGreaterThan(0);
      });
  it.each([
    [
      [64, 96],
      [96, 80],
    ],
    [
      [3, 40, 70],
      [70, 50],
    ],
    [
      [130, 257],
      [257, 33],
    ],
  ])("matmul %j @ %j: transposed-operand kernels vs transposed copies", (sa, sb) => {
    const rng = new Rng(5);
    const mk = (shape: number[]) =>
      new Tensor(
        Float64Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.normal()),
        shape,
        { requiresGrad: true },
      );
    const op = registry.find((o) => o.name === "matmul")!;
    const { fast, plain } = bothPaths(op, [mk(sa), mk(sb)], {}, rng);
    expectClose(fast![0]!, plain[0]!, 0, true);
    expectClose(fast![1]!, plain[1]!, 1e-12, sa.length === 2);
  });
});

describe("a kernel skips gradients nobody wants", () => {
  it.each([
    [[true, false], "mul"],
    [[false, true], "mul"],
  ] as const)("needs %j: %s returns null there and the plain value elsewhere", (needs, name) => {
    const op = registry.find((o) => o.name === name)!;
    const rng = new Rng(8);
    const mk = () =>
      new Tensor(
        Float64Array.from({ length: 6 }, () => rng.normal()),
        [2, 3],
        { requiresGrad: true },
      );
    const inputs = [mk(), mk()];
    const out = apply(op, inputs, {});
    const g = mk();
    const ctx: RuleContext<Tensor> = {
      inputs,
      out,
      attrs: {},
      shapes: [
        [2, 3],
        [2, 3],
      ],
      outShape: [2, 3],
      needs,
    };
    const fast = noGrad(() => op.vjpKernel!(g, ctx))!;
    const plain = noGrad(() => op.vjp(g, { ...ctx, needs: undefined }, numericAlgebra));
    needs.forEach((want, i) => {
      if (want) expect(Array.from(fast[i]!.data)).toEqual(Array.from(plain[i]!.data));
      else expect(fast[i]).toBeNull();
    });
  });
});

describe("binary rules skip gradients nobody wants", () => {
  // The rules are one function per input, so y - c (or x^c) works out no gradient for the
  // constant; wanted gradients are the same values as with every input wanted.
  for (const op of registry.filter((o) => o.family === "binary"))
    it(`${op.name}: needs false gives null, the rest bit for bit the full rule`, () => {
      const rng = new Rng(12);
      let checked = 0;
      for (const s of op.samples(5)) {
        const inputs = s.inputs;
        const out = apply(op, inputs, s.attrs ?? {});
        const g = new Tensor(
          Float64Array.from(out.data, () => rng.normal()),
          out.shape,
        );
        const ctx: RuleContext<Tensor> = {
          inputs,
          out,
          attrs: s.attrs ?? {},
          shapes: inputs.map((x) => x.shape),
          outShape: out.shape,
        };
        const full = noGrad(() => op.vjp(g, ctx, numericAlgebra));
        for (let k = 0; k < inputs.length; k++) {
          const needs = inputs.map((_, i) => i === k);
          const one = noGrad(() => op.vjp(g, { ...ctx, needs }, numericAlgebra));
          one.forEach((gi, i) => {
            if (i !== k) return expect(gi).toBeNull();
            if (full[i] === null) return expect(gi).toBeNull();
            checked++;
            expect(Array.from(gi!.data)).toEqual(Array.from(full[i]!.data));
          });
        }
      }
      if (!op.nondiff || op.nondiff.length < 2) expect(checked).toBeGreaterThan(0);
    });
});

describe("backward with kernels equals backward through recorded rules", () => {
  // createGraph records the gradients, so it runs every rule through the numeric algebra; the
  // plain backward takes the kernels. Same gradients (float64: the same arithmetic).
  it("MLP-like graph: matmul, add, relu, tanh, sum", () => {
    const rng = new Rng(9);
    const mk = (shape: number[], g = true) =>
      new Tensor(
        Float64Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.normal()),
        shape,
        { requiresGrad: g },
      );
    const X = mk([16, 30], false),
      W1 = mk([30, 20]),
      b1 = mk([20]),
      W2 = mk([20, 5]);
    const loss = () => sum(tanh(matmul(relu(add(matmul(X, W1), b1)), W2)));
    const grads = (createGraph: boolean) => {
      for (const p of [W1, b1, W2]) p.zeroGrad();
      loss().backward(undefined, { createGraph });
      return [W1, b1, W2].map((p) => Array.from(p.grad!.data));
    };
    expect(grads(false)).toEqual(grads(true));
  });
  it("tanh(x*y).sum() in float32 stays float32 and matches float64 to float32 precision", () => {
    const rng = new Rng(4);
    const xs = Float64Array.from({ length: 1000 }, () => rng.normal());
    const ys = Float64Array.from({ length: 1000 }, () => rng.normal());
    const run = (f32: boolean) => {
      const x = new Tensor(f32 ? Float32Array.from(xs) : Float64Array.from(xs), [1000], { requiresGrad: true });
      const y = new Tensor(f32 ? Float32Array.from(ys) : Float64Array.from(ys), [1000], { requiresGrad: true });
      sum(tanh(mul(x, y))).backward();
      return x.grad!;
    };
    const g32 = run(true),
      g64 = run(false);
    expect(g32.dtype).toBe("float32");
    g32.data.forEach((v, i) =>
      expect(Math.abs(v - g64.data[i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(g64.data[i]))),
    );
  });
});
