// Registry-wide gradient checks: every op, every sample of its test domain (ranks 0-4,
// broadcasting pairs, matmul's 1-D and batched cases). Nothing here is op-specific: a new op
// in the registry is checked without writing a test.
import { describe, expect, it } from "vitest";
import { registry, gradcheck, grad, Tensor, sum, mul } from "../../kernel/src/index";
import { apply } from "../../kernel/src/ops/apply";
import { Rng } from "../../kernel/src/tensor/random";

const SMALL = 64; // full Jacobians for inputs up to this many elements (PyTorch-style slow mode)
let checked = 0;

function randomLike(t: Tensor, rng: Rng): Tensor {
  return new Tensor(
    Float64Array.from(t.data, () => rng.normal()),
    t.shape.slice(),
  );
}

for (const op of registry) {
  describe(`op ${op.name}`, () => {
    const samples = op.samples(7);
    it("has a test domain", () => expect(samples.length).toBeGreaterThan(0));
    samples.forEach((s, n) => {
      const label = s.label ?? s.inputs.map((t) => JSON.stringify(t.shape)).join(", ");
      const diff = s.inputs.flatMap((t, i) => (t.requiresGrad && !(op.nondiff ?? []).includes(i) ? [i] : []));
      const f = (...xs: Tensor[]) => apply(op, xs, s.attrs ?? {});

      if (diff.length === 0) {
        it(`#${n} ${label}: records no gradient`, () => expect(f(...s.inputs).requiresGrad).toBe(false));
        return;
      }
      it(`#${n} ${label}: Jacobian vs central differences + adjoint test`, () => {
        const small = s.inputs.every((t) => t.size <= SMALL);
        const r = gradcheck(f, s.inputs, { wrt: diff, adjointOnly: !small, seed: n });
        checked++;
        for (const inp of r.inputs)
          expect(
            inp.pass,
            `input shape ${JSON.stringify(inp.shape)} maxAbs ${inp.maxAbsErr} worst ${JSON.stringify(inp.worst)}`,
          ).toBe(true);
        expect(r.adjoint.pass, `adjoint lhs ${r.adjoint.lhs} rhs ${r.adjoint.rhs}`).toBe(true);
        expect(r.pass).toBe(true);
      });
      if (op.smooth) {
        it(`#${n} ${label}: grad of grad vs central differences`, () => {
          // h(x) = <w, d<v, f(x)>/dx>: its gradient is a Hessian-vector product of f.
          const rng = new Rng(100 + n);
          const y0 = f(...s.inputs);
          const v = randomLike(y0, rng);
          const ws = s.inputs.map((t) => randomLike(t, rng));
          const h = (...xs: Tensor[]) => {
            const gs = grad((...ys: Tensor[]) => sum(mul(f(...ys), v)), diff)(...xs) as Tensor[];
            return gs.map((g, k) => sum(mul(g, ws[diff[k]]))).reduce((a, b) => a.add(b));
          };
          const r = gradcheck(h, s.inputs, { wrt: diff, adjointOnly: true, seed: n });
          expect(r.adjoint.pass, `lhs ${r.adjoint.lhs} rhs ${r.adjoint.rhs}`).toBe(true);
        });
      }
    });
  });
}

describe("registry coverage", () => {
  it("lists every op once, each with an index rule and notation", () => {
    const names = registry.map((o) => o.name);
    expect(new Set(names).size).toBe(names.length);
    for (const op of registry) {
      expect(typeof op.index, `${op.name} has no index rule`).toBe("function");
      const attrs = op.samples(0)[0].attrs ?? {};
      expect(op.latex(["A", "B", "C"], attrs).length).toBeGreaterThan(0);
      expect(op.text(["A", "B", "C"], attrs).length).toBeGreaterThan(0);
    }
  });
  it("checked every differentiable sample", () => {
    // Runs last in this file (vitest runs tests in order): the count is printed for the notes.
    console.log(`registry: ${registry.length} ops, ${checked} differentiable samples gradient-checked`);
    expect(checked).toBeGreaterThan(100);
  });
});
