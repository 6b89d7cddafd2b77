// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { checkChainPayload, type ChainPayload } from "../../kernel/src/protocol";
import { drawChain, sortedTerms } from "../../extension/src/draw/drawChain";
import { fixtures, validFixture } from "./payloadFixtures";

const chain = (file: string): ChainPayload => validFixture(file, checkChainPayload);

describe("chain payload fixtures", () => {
  it("there is at least one chain fixture", () => expect(fixtures("chain").length).toBeGreaterThan(0));
  for (const f of fixtures("chain")) {
    it(`${f.file}: one collapsible block per step, TeX as text, a numeric check`, () => {
      const checked = checkChainPayload(f.data);
      expect(checked.ok, checked.ok ? "" : checked.error).toBe(true);
      if (!checked.ok) return;
      const root = drawChain(document, checked.payload);
      const steps = checked.payload.paths.reduce((n, p) => n + p.steps.length, 0);
      expect(root.querySelectorAll("details.cl-chain-step")).toHaveLength(steps);
      for (const m of root.querySelectorAll(".cl-math")) {
        expect(m.textContent).toMatch(/^\\\[[\s\S]*\\\]$/);
        expect(m.children).toHaveLength(0);
      }
      expect(root.querySelector(".cl-pass, .cl-fail")).not.toBeNull();
    });
  }
});

describe("drawChain", () => {
  const payload = chain("handmade-chain-matmul.json");
  const root = drawChain(document, payload);
  it("walks index form, delta collapse and compact form for each step", () => {
    const step = root.querySelectorAll("details.cl-chain-step")[1];
    const labels = [...step.querySelectorAll(".cl-chain-label")].map((l) => l.textContent);
    expect(labels).toEqual(expect.arrayContaining(["index form", "deltas collapsed", "compact form"]));
    expect(step.textContent).toContain("renamed: l := j");
    expect(step.textContent).toContain("einsum: ki,kj->ij");
    expect(step.querySelector(".cl-chain-broadcast")!.textContent).toContain("sum over axes [0]");
  });
  it("sorts terms by magnitude, greys zero terms and colours summed indices", () => {
    expect(sortedTerms(payload.numeric).map((t) => t.value)).toEqual([2, -1, 0]);
    const rows = root.querySelectorAll(".cl-chain-numeric tr.cl-term");
    expect(rows).toHaveLength(3);
    expect(rows[2].className).toContain("cl-term--zero");
    const heads = [...root.querySelectorAll(".cl-chain-numeric th.cl-idx")].map((h) => [h.textContent, h.className]);
    expect(heads).toEqual([
      ["k", "cl-idx cl-idx-0"],
      ["l", "cl-idx cl-idx-1"],
    ]);
  });
  it("shows the sum, autodiff, finite difference and the pass mark", () => {
    const check = root.querySelector(".cl-check")!.textContent!;
    expect(check).toContain("autodiff");
    expect(check).toContain("finite difference");
    expect(root.querySelector(".cl-pass")!.textContent).toContain("agree");
  });
  it("marks contributions removed by a delta as no term, not as NaN", () => {
    const table = root.querySelector(".cl-chain-path table.cl-matrix")!;
    expect(table.textContent).not.toContain("NaN");
    const killed = structuredClone(payload);
    killed.paths[0].contributions!.values = [null, 2, null, -1];
    const t = drawChain(document, killed).querySelector(".cl-chain-path table.cl-matrix")!;
    expect(t.querySelectorAll("td.cl-matrix-noterm")).toHaveLength(2);
    expect(t.textContent).not.toContain("NaN");
  });
  it("keeps LaTeX from the payload as text for the typesetter", () => {
    const evil = structuredClone(payload);
    evil.paths[0].steps[0].local.latex = "</div><script>alert(1)</script>";
    const r = drawChain(document, evil);
    expect(r.querySelector("script")).toBeNull();
    expect(r.textContent).toContain("<script>");
  });
});

describe("long and trimmed expansions", () => {
  it("shows where steps were left out and what the kernel trimmed", async () => {
    const { expandChain, randn } = await import("../../kernel/src/index");
    const { chainBundle } = await import("../../kernel/src/display/bundles");
    const { MIME_CHAIN } = await import("../../kernel/src/protocol");
    const x = randn([2], { requiresGrad: true, seed: 2 }).named("x");
    let h = x;
    for (let i = 0; i < 20; i++) h = h.mul(1.01).add(0.01).tanh();
    const p = chainBundle(expandChain(h.sum().named("L"), x))[MIME_CHAIN] as ChainPayload;
    const gap = p.paths[0].stepsOmitted!;
    expect(gap.count + p.paths[0].steps.length).toBe(61);
    const root = drawChain(document, { ...p, trimmed: ["something was left out"] });
    const notes = [...root.querySelectorAll(".cl-chain-note")].map((n) => n.textContent);
    expect(notes).toContain(`… ${gap.count} steps not written out (the numbers include them) …`);
    expect(notes).toContain("something was left out");
    // The gap sits between the steps it separates.
    const path = root.querySelector(".cl-chain-path")!;
    const kids = [...path.children];
    const at = kids.findIndex((k) => k.textContent?.includes("steps not written out"));
    expect(kids.slice(0, at).filter((k) => k.matches("details.cl-chain-step"))).toHaveLength(gap.after);
  });
});
