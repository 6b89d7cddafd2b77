// @vitest-environment jsdom
/**
 * The view of the closed formula: on top of the chain view (before the steps), every named
 * subexpression defined under it, a copy-LaTeX button per formula, and, where no closed form
 * exists, the reason instead of a formula. Payloads come from the real kernel (expandChain).
 */
import { describe, expect, it } from "vitest";
import * as C from "../../kernel/src/index";
import { checkChainPayload } from "../../kernel/src/protocol";
import { drawChain } from "../../extension/src/draw/drawChain";
import { chainMarkdown } from "../../kernel/src/display/chainFallback";

function draw(p: C.protocol.ChainPayload) {
  const checked = checkChainPayload(JSON.parse(JSON.stringify(p)));
  if (!checked.ok) throw new Error(checked.error);
  return drawChain(document, checked.payload);
}

describe("closed formula in the chain view", () => {
  C.manualSeed(3);
  const X = C.randn([4, 3]).named("X");
  const W = C.randn([3, 5], { requiresGrad: true }).named("W");
  const b = C.randn([5], { requiresGrad: true }).named("b");
  const labels = C.tensor([0, 2, 4, 1]).named("labels");
  const L = C.crossEntropy(X.matmul(W).add(b), labels).named("L");
  const p = C.expandChain(L, W);
  const root = draw(p);

  it("comes first, with its definitions and the identities used", () => {
    const closed = root.querySelector(".cl-chain-closed")!;
    const firstStep = root.querySelector("details.cl-chain-step")!;
    // Document order: the closed formula precedes every step.
    expect(closed.compareDocumentPosition(firstStep) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    const maths = [...closed.querySelectorAll<HTMLElement>(".cl-math")].map((m) => m.dataset.text);
    expect(maths).toEqual([p.closed!.formula.text, ...p.closed!.where.map((w) => w.text)]);
    expect(maths[0]).toBe("dL/dW = (1/4) X^T (softmax_1(X W + b) - Y)");
    expect(maths[1]).toBe("Y := onehot_1(labels)");
    expect(closed.querySelector(".cl-closed-rules")!.textContent).toContain("exp(logSoftmax(z)) = softmax(z)");
  });

  it("has a copy-LaTeX button for every formula, holding that formula's TeX", () => {
    const rows = [...root.querySelectorAll(".cl-chain-row")].filter((r) => r.querySelector(".cl-math"));
    expect(rows.length).toBeGreaterThan(5);
    for (const r of rows) {
      const btn = r.querySelector<HTMLButtonElement>("button.cl-copy-latex");
      expect(btn, r.textContent ?? "").not.toBeNull();
      expect(r.querySelector(".cl-math")!.textContent).toContain(btn!.dataset.latex!.slice(0, 20));
    }
  });

  it("opens the step that teaches (not the trivial step out of L)", () => {
    const steps = [...root.querySelectorAll<HTMLDetailsElement>("details.cl-chain-step")];
    const open = steps.filter((s) => s.open);
    expect(open).toHaveLength(1);
    expect(steps.indexOf(open[0])).toBeGreaterThan(0);
  });

  it("the Markdown fallback shows the same closed formula", () => {
    const md = chainMarkdown(p);
    expect(md).toContain("**Closed formula:**");
    expect(md).toContain(p.closed!.formula.latex);
    expect(md.indexOf("**Closed formula:**")).toBeLessThan(md.indexOf("Step 1"));
  });
});

describe("no closed formula", () => {
  it("says why and prints no formula (defineOp)", () => {
    const cube = C.defineOp({
      name: "cube",
      forward: (x) => x.pow(3),
      backward: (g, [x]) => [g.mul(x.square()).mul(3)],
    });
    const x = C.randn([3], { requiresGrad: true }).named("x");
    const root = draw(C.expandChain(cube(x).sum().named("L"), x));
    const closed = root.querySelector(".cl-chain-closed")!;
    expect(closed.querySelector(".cl-math")).toBeNull();
    expect(closed.querySelector(".cl-cannot-close")!.textContent).toMatch(/^No closed formula: .*defineOp/);
  });
});
