import { describe, expect, it } from "vitest";
import { checkPlotPayload } from "../../kernel/src/protocol";
import { plotFigure } from "../../extension/src/draw/plotFigure";
import { fixtures } from "./payloadFixtures";

const theme = { font: "#111", grid: "#ddd" };

describe("plot payload fixtures", () => {
  it("there is at least one plot fixture", () => expect(fixtures("plot").length).toBeGreaterThan(0));
  for (const f of fixtures("plot")) {
    it(`${f.file}: one trace per series, gaps kept, axis type as asked`, () => {
      const checked = checkPlotPayload(f.data);
      expect(checked.ok, checked.ok ? "" : checked.error).toBe(true);
      if (!checked.ok) return;
      const p = checked.payload;
      const fig = plotFigure(p, theme);
      expect(fig.data).toHaveLength(p.series.length);
      fig.data.forEach((t, i) => {
        expect(t.type).toBe(p.chart === "bar" ? "bar" : "scatter");
        expect(t.y).toEqual(p.series[i].y);
        expect(t.connectgaps).toBe(false);
      });
      expect((fig.layout.yaxis as { type: string }).type).toBe(p.yScale === "log" ? "log" : "linear");
    });
  }
});
