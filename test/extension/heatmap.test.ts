import { describe, expect, it } from "vitest";
import { checkHeatmapPayload, type HeatmapPayload } from "../../kernel/src/protocol";
import { contributionFor, heatmapFigure, heatmapNotes, maxAbs, panels, sourceIndex } from "../../extension/src/draw/heatmapFigure";
import { fixture, fixtures } from "./payloadFixtures";

const theme = { font: "#000", grid: "#ccc" };

function heatmap(file: string): HeatmapPayload {
  const checked = checkHeatmapPayload(fixture(file));
  if (!checked.ok) throw new Error(checked.error);
  return checked.payload;
}

describe("heatmap payload fixtures", () => {
  it("there is at least one heatmap fixture", () => expect(fixtures("heatmap").length).toBeGreaterThan(0));
  for (const f of fixtures("heatmap")) {
    it(`${f.file}: every trace is centred on zero with a symmetric range`, () => {
      const checked = checkHeatmapPayload(f.data);
      expect(checked.ok, checked.ok ? "" : checked.error).toBe(true);
      if (!checked.ok) return;
      checked.payload.slices.forEach((_, i) => {
        const fig = heatmapFigure(checked.payload, i, theme);
        expect(fig.data.length).toBeGreaterThan(0);
        for (const t of fig.data) {
          expect(t.type).toBe("heatmap");
          expect(t.zmid).toBe(0);
          expect(t.zmin).toBe(-(t.zmax as number));
          expect(t.zmax).toBeCloseTo(maxAbs(t.z as (number | null)[][]) || 1);
        }
      });
    });
  }
});

describe("heatmapFigure", () => {
  const payload = heatmap("handmade-heatmap-matrix.json");
  it("puts value and gradient side by side", () => {
    const fig = heatmapFigure(payload, 0, theme);
    expect(fig.data.map((t) => t.name)).toEqual(["value", "grad"]);
    expect(fig.data[1].xaxis).toBe("x2");
    const [a, b] = [fig.layout.xaxis as { domain: number[] }, fig.layout.xaxis2 as { domain: number[] }];
    expect(a.domain[1]).toBeLessThan(b.domain[0]);
    const titles = (fig.layout.annotations as { text: string }[]).map((x) => x.text);
    expect(titles).toEqual(["W", "dL/dW"]);
  });
  it("hover names the element, its value and dL/dW_ij", () => {
    const fig = heatmapFigure(payload, 0, theme);
    const custom = fig.data[0].customdata as string[][][];
    expect(custom[2][1]).toEqual(["W[2, 1]", "0.2", "1.5"]);
    expect(fig.data[0].hovertemplate).toContain("dL/dW");
  });
  it("shows only the value when the gradient is missing", () => {
    const r3 = heatmap("handmade-heatmap-rank3.json");
    expect(panels(r3, r3.slices[0])).toEqual(["value"]);
    const fig = heatmapFigure(r3, 1, theme);
    expect((fig.data[0].customdata as string[][][])[0][0][0]).toBe("T[1, 0, 0]");
    expect((fig.data[0].customdata as string[][][])[0][0][2]).toBe("not computed");
  });
  it("maps downsampled cells back to tensor indices", () => {
    const big: HeatmapPayload = { ...payload, shape: [100, 100], downsampled: { sliceCount: 1, shownSlices: 1, rowStride: 4, colStride: 5 } };
    expect(sourceIndex(big, big.slices[0], 2, 3)).toEqual([8, 15]);
  });
  it("notes say what was omitted and why a gradient is missing", () => {
    const notes = heatmapNotes(heatmap("handmade-heatmap-rank3.json")).join("\n");
    expect(notes).toContain("showing 2 of 3 slices");
    expect(notes).toContain("call backward()");
    expect(notes).toContain("update 3");
  });
  it("finds the contribution map of a clicked element", () => {
    expect(contributionFor(payload, [1, 1])?.intermediate).toBe("Z");
    expect(contributionFor(payload, [0, 0])).toBeUndefined();
  });
});
