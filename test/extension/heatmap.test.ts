import { describe, expect, it } from "vitest";
import { checkHeatmapPayload, type HeatmapPayload } from "../../kernel/src/protocol";
import {
  axisIndices,
  clickedIndex,
  colorRange,
  contributionFor,
  heatmapFigure,
  heatmapNotes,
  maxAbs,
  panels,
  DIVERGING_SCALE,
  SEQUENTIAL_SCALE,
} from "../../extension/src/draw/heatmapFigure";
import { fixture, fixtures, validFixture } from "./payloadFixtures";
import { plotFigure } from "../../extension/src/draw/plotFigure";
import type { PlotPayload } from "../../kernel/src/protocol";
import { tensor } from "../../kernel/src/index";
import { buildHeatmapPayload } from "../../kernel/src/display/heatmapPayload";
import { heatmapSvg } from "../../kernel/src/display/heatmapFallback";
import { plotSvg } from "../../kernel/src/display/plotFallback";

const theme = { font: "#000", grid: "#ccc" };

const heatmap = (file: string): HeatmapPayload => validFixture(file, checkHeatmapPayload);

describe("heatmap payload fixtures", () => {
  it("there is at least one heatmap fixture", () => expect(fixtures("heatmap").length).toBeGreaterThan(0));
  for (const f of fixtures("heatmap")) {
    it(`${f.file}: traces are centred on zero with a symmetric range, or run from 0 for non-negative values`, () => {
      const checked = checkHeatmapPayload(f.data);
      expect(checked.ok, checked.ok ? "" : checked.error).toBe(true);
      if (!checked.ok) return;
      checked.payload.slices.forEach((_, i) => {
        const fig = heatmapFigure(checked.payload, i, theme);
        expect(fig.data.length).toBeGreaterThan(0);
        for (const t of fig.data) {
          expect(t.type).toBe("heatmap");
          const z = t.z as (number | null)[][];
          const negative = z.some((row) => row.some((v) => typeof v === "number" && v < 0));
          if (t.name === "value" && !negative) {
            expect(t.zmin).toBe(0);
            expect(t.zmid).toBeUndefined();
          } else {
            expect(t.zmid).toBe(0);
            expect(t.zmin).toBe(-(t.zmax as number));
          }
          expect(t.zmax).toBeCloseTo(maxAbs(z) || 1);
        }
      });
    });
  }
});

describe("colour ranges", () => {
  it("non-negative values use the sequential half; gradients and signed values stay diverging", () => {
    const probs = [
      [0.1, 0.7],
      [0.2, 0],
    ];
    expect(colorRange(probs, "value")).toMatchObject({ zmin: 0, zmax: 0.7, colorscale: SEQUENTIAL_SCALE });
    expect(colorRange(probs, "grad")).toMatchObject({ zmid: 0, zmin: -0.7, zmax: 0.7 });
    expect(colorRange([[-1, 2]], "value")).toMatchObject({ zmid: 0, zmin: -2, zmax: 2 });
    // The sequential half runs from the diverging scale's zero colour to its positive end.
    const mid = DIVERGING_SCALE.find(([t]) => t === 0.5)!;
    expect(SEQUENTIAL_SCALE[0]).toEqual([0, mid[1]]);
    expect(SEQUENTIAL_SCALE[SEQUENTIAL_SCALE.length - 1]).toEqual([1, DIVERGING_SCALE[DIVERGING_SCALE.length - 1][1]]);
    expect(DIVERGING_SCALE[0][1]).not.toBe(mid[1]);
  });
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
    // The value trace carries the gradient as customdata and vice versa.
    expect(fig.data[0].customdata).toEqual(payload.slices[0].grad);
    expect(fig.data[1].customdata).toEqual(payload.slices[0].value);
    expect(fig.data[0].hovertemplate).toBe("W[%{y}, %{x}]<br>value %{z:.4g}<br>dL/dW %{customdata:.4g}<extra></extra>");
    expect(fig.data[1].hovertemplate).toBe("W[%{y}, %{x}]<br>value %{customdata:.4g}<br>dL/dW %{z:.4g}<extra></extra>");
  });
  it("shows only the value when the gradient is missing, with the slice's leading index", () => {
    const r3 = heatmap("handmade-heatmap-rank3.json");
    expect(panels(r3, r3.slices[0])).toEqual(["value"]);
    const fig = heatmapFigure(r3, 1, theme);
    expect(fig.data).toHaveLength(1);
    expect(fig.data[0].hovertemplate).toBe("T[1, %{y}, %{x}]<br>value %{z:.4g}<br>dL/dT not computed<extra></extra>");
  });
  it("labels downsampled cells with the tensor's own indices", () => {
    const big: HeatmapPayload = {
      ...payload,
      shape: [100, 100],
      downsampled: { sliceCount: 1, shownSlices: 1, rowStride: 4, colStride: 5 },
    };
    const fig = heatmapFigure(big, 0, theme);
    expect(fig.data[0].x).toEqual(axisIndices(2, 5));
    expect(fig.data[0].y).toEqual([0, 4, 8]);
    expect(clickedIndex(big, big.slices[0], 15, 8)).toEqual([8, 15]);
    expect((fig.layout.xaxis as { tickvals: number[] }).tickvals).toEqual([0, 5]);
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

describe("one palette for the saved fallbacks and the live views (protocol/palette.ts)", () => {
  it("colours the saved heatmap's -max, 0 and +max cells as the live colorscale's ends and middle", () => {
    const svg = heatmapSvg(buildHeatmapPayload(tensor([[-2, 0, 2]]), { show: "value" }));
    const fillOf = (c: number) => new RegExp(`fill="([^"]+)"><title>\\[0,${c}\\]`).exec(svg)?.[1];
    const mid = DIVERGING_SCALE.find(([t]) => t === 0.5)![1];
    expect([fillOf(0), fillOf(1), fillOf(2)]).toEqual([DIVERGING_SCALE[0][1], mid, DIVERGING_SCALE.at(-1)![1]]);
  });

  it("draws the saved plot's first series in the live plot's first colour", () => {
    const payload = fixture("handmade-plot-gradnorms.json") as PlotPayload;
    const first = (plotFigure(payload, theme).layout.colorway as string[])[0];
    // Bars are filled, lines stroked: either way the series colour.
    expect(plotSvg(payload)).toMatch(new RegExp(`(fill|stroke)="${first}"`));
  });
});
