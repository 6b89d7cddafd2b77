// backward()'s engine (kept walk arrays, one reused rule context, gradients written in place
// into backward's own arrays at every size, sums of paths added in place) against a reference
// written the simplest way: a recursive Set-based topological sort, a Map of gradients, every
// rule through the numeric algebra, a fresh array for every sum. On random graphs with fan-out,
// constants, broadcasting, scalars, retained intermediates and float32, the gradients must be
// the same bit for bit in float64 (kernels do their rule's arithmetic in the same order, and the
// walk visits nodes in the same order, so even sums over three or more paths round alike).
// Gradients of the ops themselves are checked against finite differences in registry.test.ts.
import { describe, expect, it } from "vitest";
import {
  Tensor,
  add,
  sub,
  mul,
  div,
  tanh,
  sin,
  sigmoid,
  neg,
  square,
  exp,
  sum,
  noGrad,
  defineOp,
  grad,
  vjp,
} from "../../kernel/src/index";
import { gradientsById } from "../../kernel/src/autodiff/backward";
import { numericAlgebra } from "../../kernel/src/ops/numericAlgebra";
import { differentiates, type RuleContext } from "../../kernel/src/ops/OpDef";
import * as F from "../../kernel/src/ops/functions";
import { Rng } from "../../kernel/src/tensor/random";

/** The reference: what backward computes, written without any of the engine's shortcuts. */
function referenceGradients(root: Tensor, seed: Tensor): Map<Tensor, Tensor> {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const visit = (t: Tensor) => {
    seen.add(t);
    for (const c of t.node?.inputs ?? []) if (c.requiresGrad && !seen.has(c)) visit(c);
    order.push(t);
  };
  visit(root);
  const grads = new Map<Tensor, Tensor>([[root, seed]]);
  noGrad(() => {
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const g = grads.get(t);
      if (!t.node || !g) continue;
      const { op, inputs, attrs } = t.node;
      const needs = inputs.map((x, i) => x.requiresGrad && differentiates(op, i));
      const ctx: RuleContext<Tensor> = {
        inputs,
        out: t,
        attrs,
        shapes: inputs.map((x) => x.shape),
        outShape: t.shape,
        needs,
      };
      op.vjp(g, ctx, numericAlgebra).forEach((gx, i) => {
        if (!gx || !needs[i]) return;
        const x = inputs[i];
        const summed = F.sumTo(gx, x.shape.slice());
        const prev = grads.get(x);
        grads.set(x, prev ? F.add(prev, summed) : summed);
      });
    }
  });
  return grads;
}

interface RandomGraph {
  leaves: Tensor[];
  all: Tensor[];
  retained: Tensor[];
  root: Tensor;
}

/**
 * A random graph over small tensors: leaves [n] and [] that require grad, constants, and 12-40
 * ops whose operands are picked among everything made so far (so tensors fan out to several
 * users, up to many paths), some retained. `f32` makes float32 leaves and constants.
 */
function randomGraph(rng: Rng, f32: boolean): RandomGraph {
  const n = 1 + Math.floor(rng.uniform() * 4);
  const arr = (len: number, lo: number, hi: number) => {
    const d = Float64Array.from({ length: len }, () => lo + (hi - lo) * rng.uniform());
    return f32 ? Float32Array.from(d) : d;
  };
  const leaf = (shape: number[]) => new Tensor(arr(shape[0] ?? 1, -1, 1), shape, { requiresGrad: true });
  const leaves = [leaf([n]), leaf([n]), leaf([])];
  const consts = [new Tensor(arr(n, 0.5, 1.5), [n]), new Tensor(arr(1, 0.5, 1.5), []), new Tensor(arr(n, -1, 1), [n])];
  const all: Tensor[] = [...leaves];
  const retained: Tensor[] = [];
  const pick = () => all[Math.floor(rng.uniform() * all.length)];
  const operand = () => (rng.uniform() < 0.25 ? consts[Math.floor(rng.uniform() * consts.length)] : pick());
  const binaries = [add, sub, mul, (a: Tensor, b: Tensor) => div(a, consts[0].shape.length ? add(square(b), 1) : b)];
  const unaries = [tanh, sin, sigmoid, neg, (x: Tensor) => mul(square(x), 0.5), (x: Tensor) => exp(mul(tanh(x), 0.5))];
  const ops = 12 + Math.floor(rng.uniform() * 29);
  for (let k = 0; k < ops; k++) {
    const t =
      rng.uniform() < 0.55
        ? binaries[Math.floor(rng.uniform() * binaries.length)](pick(), operand())
        : unaries[Math.floor(rng.uniform() * unaries.length)](pick());
    if (!t.requiresGrad) continue;
    if (rng.uniform() < 0.15) retained.push(t.retainGrad());
    all.push(t);
  }
  // The root reads several late tensors, so many paths meet in it.
  let root = sum(all[all.length - 1]);
  for (let k = 2; k <= 4 && k <= all.length; k++) root = add(root, sum(all[all.length - k]));
  return { leaves, all, retained, root };
}

const bits = (t: Tensor | null | undefined) => (t ? { dtype: t.dtype, data: Array.from(t.data) } : null);

describe("backward's walk equals the reference walk", () => {
  it("on 60 random float64 graphs: leaves and retained intermediates bit for bit, forward values untouched", () => {
    const rng = new Rng(21);
    for (let trial = 0; trial < 60; trial++) {
      const G = randomGraph(rng, false);
      const values = G.all.map((t) => Array.from(t.data));
      const ref = referenceGradients(G.root, new Tensor(new Float64Array([1]), []));
      G.root.backward();
      for (const t of [...G.leaves, ...G.retained]) expect(bits(t.grad), `trial ${trial}`).toEqual(bits(ref.get(t)));
      G.all.forEach((t, i) => expect(Array.from(t.data)).toEqual(values[i]));
      // gradientsById (no reuse) has every intermediate's gradient too
      const byId = noGrad(() => gradientsById([G.root], [new Tensor(new Float64Array([1]), [])], false));
      for (const t of G.all) expect(bits(byId.get(t.id)), `trial ${trial}`).toEqual(bits(ref.get(t)));
    }
  });

  it("on 40 random float32 graphs: the same as the walk without reuse, float32, close to the rules", () => {
    const rng = new Rng(22);
    for (let trial = 0; trial < 40; trial++) {
      const G = randomGraph(rng, true);
      const seed = () => new Tensor(new Float32Array([1]), []);
      const ref = referenceGradients(G.root, seed());
      G.root.backward();
      const byId = noGrad(() => gradientsById([G.root], [seed()], false));
      for (const t of [...G.leaves, ...G.retained]) {
        expect(bits(t.grad), `trial ${trial}`).toEqual(bits(byId.get(t.id)));
        if (!ref.get(t)) continue; // a leaf the root does not reach
        expect(t.grad!.dtype).toBe("float32");
        const r = ref.get(t)!;
        t.grad!.data.forEach((v, i) =>
          expect(Math.abs(v - r.data[i])).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(r.data[i]))),
        );
      }
    }
  });

  it("a tensor used by five ops: its gradient is the sum over the five paths, in the reference's order", () => {
    const x = new Tensor(Float64Array.from([0.3, -0.7, 1.1]), [3], { requiresGrad: true });
    const h = tanh(x);
    const L = sum(add(add(add(add(mul(h, 3), sin(h)), square(h)), exp(h)), sigmoid(h)));
    const ref = referenceGradients(L, new Tensor(new Float64Array([1]), []));
    L.backward();
    expect(bits(x.grad)).toEqual(bits(ref.get(x)));
  });
});

describe("backward's own arrays stay its own", () => {
  const chain = (x: Tensor, c: Tensor) => {
    let y = x;
    for (let i = 0; i < 40; i++)
      y = i % 4 === 0 ? mul(y, c) : i % 4 === 1 ? add(y, c) : i % 4 === 2 ? tanh(y) : sub(y, c);
    return y;
  };
  const x0 = () => new Tensor(Float64Array.from([0.1, -0.2, 0.3, 0.4]), [4], { requiresGrad: true });
  const c = new Tensor(Float64Array.from([0.9, 1.1, 0.95, 1.05]), [4]);

  it("backward twice accumulates twice the gradient; the first .grad and the seed are not written into", () => {
    const x = x0();
    const y = chain(x, c);
    const seed = new Tensor(Float64Array.from([1, 2, 3, 4]), [4]);
    y.backward(seed);
    const first = x.grad!;
    const firstValues = Array.from(first.data);
    y.backward(seed);
    expect(Array.from(first.data)).toEqual(firstValues);
    expect(Array.from(seed.data)).toEqual([1, 2, 3, 4]);
    expect(Array.from(x.grad!.data)).toEqual(firstValues.map((v) => v + v));
    x.zeroGrad();
    y.backward(seed);
    expect(Array.from(x.grad!.data)).toEqual(firstValues);
  });

  it("a retained intermediate keeps its gradient while the chain below it reuses arrays", () => {
    const x = x0();
    const mid = tanh(mul(x, c)).retainGrad();
    const y = chain(mid, c);
    const ref = referenceGradients(y, new Tensor(new Float64Array(4).fill(1), [4]));
    y.backward(new Tensor(new Float64Array(4).fill(1), [4]));
    expect(bits(mid.grad)).toEqual(bits(ref.get(mid)));
    expect(bits(x.grad)).toEqual(bits(ref.get(x)));
  });

  it("createGraph, grad and vjp take the recorded path and agree with backward()", () => {
    const x = x0();
    const y = sum(chain(x, c));
    y.backward();
    const plain = Array.from(x.grad!.data);
    x.zeroGrad();
    y.backward(undefined, { createGraph: true });
    expect(Array.from(x.grad!.data)).toEqual(plain);
    expect(x.grad!.requiresGrad).toBe(true);
    const g = grad((z: Tensor) => sum(chain(z, c)))(x0()) as Tensor;
    expect(Array.from(g.data)).toEqual(plain);
    const [, back] = vjp((z: Tensor) => chain(z, c), x0());
    expect(Array.from((back(new Tensor(new Float64Array(4).fill(1), [4])) as Tensor[])[0].data)).toEqual(plain);
  });

  it("a user-defined op whose backward runs its own backward (a walk inside a walk)", () => {
    // softsquare(x) = x^2 / 2 with a backward that differentiates x -> sum(x^2 / 2 * g) by
    // calling grad: a second walk over tensors of the first one, while the first is running.
    const softsquare = defineOp({
      name: "softsquare",
      forward: (x) => mul(square(x), 0.5),
      backward: (g, [x]) => [grad((z: Tensor) => sum(mul(mul(square(z), 0.5), g)))(x) as Tensor],
    });
    const run = (custom: boolean) => {
      const x = x0();
      const h = tanh(mul(x, c));
      const s = custom ? softsquare(h) : mul(square(h), 0.5);
      // g reaches the custom op from add's rule, which also hands it to the other branch
      sum(tanh(add(s, sin(h)))).backward();
      return Array.from(x.grad!.data);
    };
    const expected = run(false);
    const got = run(true);
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 14));
  });

  it("what a user-defined op's backward is given or returns is never written into afterwards", () => {
    // User code may keep both: here it stashes them with their values at the time.
    const kept: { t: Tensor; values: number[] }[] = [];
    const stash = (t: Tensor) => (kept.push({ t, values: Array.from(t.data) }), t);
    const twice = defineOp({
      name: "twice",
      forward: (x) => mul(x, 2),
      backward: (g) => [stash(mul(stash(g), 2))],
    });
    const x = x0();
    const h = tanh(x);
    // add hands g to both branches; the tanh branch runs after the user op's backward, and
    // below the user op tanh and mul kernels meet its result
    const y = tanh(mul(tanh(add(tanh(h), twice(h))), c));
    sum(y).backward();
    expect(kept).toHaveLength(2);
    for (const k of kept) expect(Array.from(k.t.data)).toEqual(k.values);
  });

  it("a user-defined op that returns g itself to one input while add hands g to another branch", () => {
    const ident = defineOp({ name: "ident", forward: (x) => mul(x, 1), backward: (g) => [g] });
    const run = (custom: boolean) => {
      const x = x0();
      const a = tanh(x);
      const b = custom ? ident(a) : mul(a, 1);
      sum(exp(tanh(add(b, sin(a))))).backward();
      return Array.from(x.grad!.data);
    };
    expect(run(true)).toEqual(run(false));
  });
});
