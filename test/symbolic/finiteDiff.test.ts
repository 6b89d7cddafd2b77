import { describe, expect, it } from "vitest";
import { binaryCrossEntropy, log, relu, sum, tensor } from "../../kernel/src";
import { expandChain } from "../../kernel/src/symbolic/chain/expandChain";
import { fdVerdict, finiteDiff } from "../../kernel/src/symbolic/verify/numeric";

/**
 * Finite differences that never lie: near a singularity the scaled, extrapolated difference
 * confirms a correct total (a fixed step 1e-5 with tolerance 1e-6 marked it failed), a kink
 * inside the step is "inconclusive", and a wrong total is still a fail.
 */
describe("finite differences near the edge of the domain", () => {
  it("sum(log x) at x = 0.001: the check passes (it used to fail)", () => {
    const x = tensor([0.001, 0.5, 2], { requiresGrad: true }).named("x");
    const L = sum(log(x)).named("L");
    const p = expandChain(L, x, { at: [0] });
    // The exact derivative is 1/x = 1000.
    expect(Math.abs(p.numeric.total - 1000)).toBeLessThan(1e-9);
    expect(Math.abs(p.numeric.finiteDiff - 1000) / 1000).toBeLessThan(1e-6);
    expect(p.numeric.finiteDiffVerdict).toBe("pass");
    expect(p.numeric.pass).toBe(true);
  });

  it("binary cross-entropy at p = 0.999 passes", () => {
    const pr = tensor([0.999, 0.3], { requiresGrad: true }).named("p");
    const y = tensor([0, 1]).named("y");
    const L = binaryCrossEntropy(pr, y).named("L");
    const c = expandChain(L, pr, { at: [0] });
    // d/dp of -(log(1 - p))/2 = 1 / (2 (1 - p)) = 500.
    expect(Math.abs(c.numeric.autodiff - 500) / 500).toBeLessThan(1e-9);
    expect(c.numeric.finiteDiffVerdict).toBe("pass");
    expect(c.numeric.pass).toBe(true);
  });

  it("log right next to 0: the step shrinks to stay in the domain", () => {
    const x = tensor([1e-7]);
    const fd = finiteDiff(x, 0, (x2) => Math.log(x2.data[0]));
    expect(fd.step).toBeLessThan(1e-7);
    expect(Number.isFinite(fd.value)).toBe(true);
  });

  it("a kink inside the step: inconclusive, never a red fail, never a green pass", () => {
    const x = tensor([1e-7], { requiresGrad: true }).named("x");
    const L = sum(relu(x)).named("L");
    const p = expandChain(L, x);
    expect(p.numeric.total).toBe(1);
    expect(p.numeric.finiteDiffVerdict).toBe("inconclusive");
    expect(p.numeric.pass).toBe(false);
    expect(p.numeric.note).toMatch(/inconclusive/);
  });

  it("a wrong total is still a fail where differences are reliable", () => {
    const x = tensor([0.7]);
    const fd = finiteDiff(x, 0, (x2) => Math.sin(x2.data[0]));
    expect(Math.abs(fd.value - Math.cos(0.7))).toBeLessThan(1e-10);
    expect(fdVerdict(Math.cos(0.7), fd, 1, 1e-6)).toBe("pass");
    expect(fdVerdict(Math.cos(0.7) * (1 + 1e-4), fd, 1, 1e-6)).toBe("fail");
  });
});
