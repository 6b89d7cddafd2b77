import { describe, expect, it } from "vitest";
import { randn, tensor, trace } from "../../kernel/src/index";
import { buildGraphPayload } from "../../kernel/src/display/graphPayload";

describe("graph nodes carry their own chain-rule step (click panel)", () => {
  it("matmul: formula over input names and the local partials of both parameters", () => {
    const X = randn([4, 3], { requiresGrad: true, name: "X" });
    const W = randn([3, 2], { requiresGrad: true, name: "W" });
    const Y = X.matmul(W).named("Y");
    const L = Y.tanh().sum().named("L");
    const p = buildGraphPayload(L);
    const y = p.nodes.find((n) => n.name === "Y")!;
    expect(y.rule!.formula.latex).toBe("Y = X W");
    expect(y.rule!.partials.map((q) => q.input)).toEqual(["X", "W"]);
    expect(y.rule!.partials[1].local.latex).toBe("\\frac{\\partial Y_{kl}}{\\partial W_{ij}} = X_{ki} \\delta_{lj}");
    expect(p.nodes.filter((n) => n.op === "leaf").every((n) => n.rule === undefined)).toBe(true);
  });
  it("unnamed intermediates get v<k> names and constants print as numbers", () => {
    const x = tensor([1, 2], { requiresGrad: true, name: "x" });
    const L = x.mul(3).sum();
    const p = buildGraphPayload(L);
    const mul = p.nodes.find((n) => n.op === "mul")!;
    expect(mul.rule!.formula.text).toMatch(/^v\d+ = x ⊙ 3$/);
    expect(mul.rule!.partials).toHaveLength(1);
    // The constant 3 is shown in mul's label, not as a node.
    expect(p.nodes.length).toBe(trace(L).length - 1);
    expect(mul.constants).toEqual([{ argIndex: 1, value: 3 }]);
  });
});
