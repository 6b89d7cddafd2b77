// backward() lets fused kernels write a result into a gradient array that only backward holds
// (RuleContext.gWritable), at every size: big arrays (no fresh 8 MB array, no page faults and
// GC) and small ones (no allocation per node in long chains of small ops). Against the plain
// path (createGraph: every rule through the numeric algebra, fresh arrays, no reuse) on
// graphs made to catch a wrong reuse: a g handed to two inputs (add), retained intermediates,
// an operand used twice, float32 and mixed dtypes, and forward values that must stay
// untouched. Gradients of these ops are checked against finite differences in registry.test.ts.
import { describe, expect, it } from "vitest";
import { Tensor, add, exp, mul, sin, sum, tanh, neg, square, sigmoid, noGrad } from "../../kernel/src/index";
import { gradientsById } from "../../kernel/src/autodiff/backward";
import { Rng } from "../../kernel/src/tensor/random";

function leafOf(n: number, rng: Rng, f32 = false): Tensor {
  const d = Float64Array.from({ length: n }, () => rng.normal());
  return new Tensor(f32 ? Float32Array.from(d) : d, [n], { requiresGrad: true });
}

/**
 * Runs `build` three times on the same leaves and returns the gradients of the leaves and of
 * `watch` (retained intermediates): `fast` from backward() (kernels, reuse), `kernels` from the
 * same walk without reuse (gradientsById: kernels, fresh arrays), `plain` with createGraph
 * (every rule through the numeric algebra). fast must equal kernels bit for bit in every
 * dtype; in float64 all three are equal (kernels do the rules' arithmetic in the same order).
 */
function paths(leaves: Tensor[], build: () => { L: Tensor; watch: Tensor[] }) {
  const grads = (ts: Tensor[]) => ts.map((t) => ({ dtype: t.grad!.dtype, data: Array.from(t.grad!.data) }));
  const backwardRun = (createGraph: boolean) => {
    for (const x of leaves) x.zeroGrad();
    const { L, watch } = build();
    const before = watch.map((t) => Array.from(t.data));
    L.backward(undefined, { createGraph });
    // forward values are never written into
    watch.forEach((t, i) => expect(Array.from(t.data)).toEqual(before[i]));
    return grads([...leaves, ...watch]);
  };
  const fast = backwardRun(false);
  const plain = backwardRun(true);
  const { L, watch } = build();
  const seed = new Tensor(L.dtype === "float32" ? new Float32Array([1]) : new Float64Array([1]), []);
  const byId = noGrad(() => gradientsById([L], [seed], false));
  const kernels = [...leaves, ...watch].map((t) => ({
    dtype: byId.get(t.id)!.dtype,
    data: Array.from(byId.get(t.id)!.data),
  }));
  return { fast, kernels, plain };
}
function expectSame(r: ReturnType<typeof paths>, float64 = true) {
  expect(r.fast).toEqual(r.kernels);
  if (float64) expect(r.fast).toEqual(r.plain);
}

// A big size (one array per gradient is 40 KB) and a small one.
for (const N of [5000, 3])
  describe(`backward reusing gradient arrays equals the plain backward (${N} elements)`, () => {
    const leaf = (rng: Rng, f32 = false) => leafOf(N, rng, f32);
    it("tanh(x*y).sum(): g written into by tanh's and mul's kernels", () => {
      const rng = new Rng(1);
      const x = leaf(rng),
        y = leaf(rng);
      expectSame(paths([x, y], () => ({ L: sum(tanh(mul(x, y))), watch: [] })));
    });

    it("add hands one g to both inputs: neither branch may write into it", () => {
      const rng = new Rng(2);
      const x = leaf(rng);
      // d/dx [tanh(e^x + sin x)]: add passes g to the exp and the sin branch; backward runs
      // the later-recorded branch first, so both orders are tried
      expectSame(paths([x], () => ({ L: sum(tanh(add(exp(x), sin(x)))), watch: [] })));
      expectSame(paths([x], () => ({ L: sum(tanh(add(sin(x), exp(x)))), watch: [] })));
    });

    it("retained intermediates keep their own gradient", () => {
      const rng = new Rng(3);
      const x = leaf(rng),
        y = leaf(rng);
      expectSame(
        paths([x, y], () => {
          const m = mul(x, y).retainGrad();
          const t = tanh(m).retainGrad();
          const e = exp(neg(t));
          return { L: sum(sigmoid(e)), watch: [m, t] };
        }),
      );
    });

    it("an operand used twice (x*x) and a chain of unary kernels", () => {
      const rng = new Rng(4);
      const x = leaf(rng);
      expectSame(
        paths([x], () => {
          const t = tanh(x);
          return { L: sum(square(sigmoid(mul(t, t)))), watch: [] };
        }),
      );
    });

    // float32: kernels round once where the rules round per op, so only fast == kernels here.
    it("float32 stays float32; mixed float32/float64 operands", () => {
      const rng = new Rng(5);
      const x32 = leaf(rng, true),
        y32 = leaf(rng, true),
        z64 = leaf(rng);
      const r32 = paths([x32, y32], () => ({ L: sum(tanh(mul(x32, y32))), watch: [] }));
      expect(r32.fast.map((g) => g.dtype)).toEqual(["float32", "float32"]);
      expectSame(r32, false);
      expectSame(
        paths([x32, z64], () => ({ L: sum(exp(tanh(mul(x32, z64)))), watch: [] })),
        false,
      );
    });

    it("backward twice over one graph gives the same gradients", () => {
      const rng = new Rng(6);
      const x = leaf(rng),
        y = leaf(rng);
      const L = sum(tanh(mul(exp(x), y)));
      L.backward();
      const first = Array.from(x.grad!.data);
      x.zeroGrad();
      y.zeroGrad();
      L.backward();
      expect(Array.from(x.grad!.data)).toEqual(first);
    });
  });
