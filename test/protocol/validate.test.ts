/**
 * The payload validators come from one schema per MIME type (kernel/src/protocol, zod/mini).
 * Every committed fixture passes; a payload broken deep inside is refused with a message that
 * says where and what, so renderers can trust what they draw.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  PROTOCOL_VERSION,
  checkChainPayload,
  checkGraphPayload,
  checkHeatmapPayload,
  checkPlotPayload,
  type Checked,
} from "../../kernel/src/protocol";

const DIR = path.resolve(__dirname, "../fixtures/payloads");
const fixture = (name: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(DIR, name), "utf8"));
const checkers: Record<string, (v: unknown) => Checked<unknown>> = {
  graph: checkGraphPayload,
  heatmap: checkHeatmapPayload,
  chain: checkChainPayload,
  plot: checkPlotPayload,
};
const checkAny = (p: Record<string, unknown>) => checkers[p.kind as string](p);
const errorOf = (r: Checked<unknown>) => (r.ok ? "accepted" : r.error);

describe("payload validators", () => {
  const names = fs.readdirSync(DIR).filter((f) => f.endsWith(".json"));
  it.each(names)("%s is valid and comes back as the same object", (name) => {
    const p = fixture(name);
    expect(checkAny(p)).toEqual({ ok: true, payload: p });
  });

  it("refuses a wrong type deep inside and names the place", () => {
    const g = fixture("kernel-graph-mlp.json");
    (g.nodes as { value: { min: unknown } }[])[2].value.min = "0.5";
    expect(errorOf(checkGraphPayload(g))).toBe("graph payload: nodes[2].value.min: expected number, got string");
    const h = fixture("kernel-heatmap-weight.json");
    (h.slices as { value: unknown[][] }[])[0].value[1][3] = "<img src=x onerror=alert(1)>";
    expect(errorOf(checkHeatmapPayload(h))).toMatch(
      /^heatmap payload: slices\[0\]\.value\[1\]\[3\]: expected number, got string/,
    );
    const c = fixture("kernel-chain-example2.json");
    (c.paths as { steps: { general: unknown }[] }[])[0].steps[0].general = { latex: 1, text: "x" };
    expect(errorOf(checkChainPayload(c))).toBe(
      "chain payload: paths[0].steps[0].general.latex: expected string, got number",
    );
  });

  it("refuses unknown enum values, non-integer shapes and missing fields", () => {
    const p = fixture("kernel-plot-gradnorms.json");
    expect(errorOf(checkPlotPayload({ ...p, chart: "pie" }))).toBe(
      'plot payload: chart: expected one of "bar", "line", got "pie"',
    );
    const h = fixture("kernel-heatmap-rank3.json");
    expect(errorOf(checkHeatmapPayload({ ...h, shape: [3, 4.5, 5] }))).toMatch(/^heatmap payload: shape\[1\]: /);
    const { numeric: _dropped, ...noNumeric } = fixture("kernel-chain-example2.json");
    expect(errorOf(checkChainPayload(noNumeric))).toBe("chain payload: numeric: expected object, got undefined");
  });

  it("checks what a schema cannot: edges name known nodes, series match x", () => {
    const g = fixture("kernel-graph-mlp.json");
    (g.edges as { from: string }[])[0].from = "n999";
    expect(errorOf(checkGraphPayload(g))).toBe("graph edge refers to an unknown node");
    const p = fixture("kernel-plot-gradnorms.json");
    (p.series as { y: unknown[] }[])[0].y.push(1);
    expect(errorOf(checkPlotPayload(p))).toBe("plot series needs one number (or null) per x");
  });

  it("asks for an update on a newer version, and passes unknown fields of this version through", () => {
    const g = fixture("kernel-graph-mlp.json");
    expect(errorOf(checkGraphPayload({ ...g, version: PROTOCOL_VERSION + 1 }))).toMatch(
      /newer than this extension understands/,
    );
    expect(errorOf(checkGraphPayload({ ...g, kind: "heatmap" }))).toBe('expected a graph payload, got kind "heatmap"');
    const extended = { ...g, futureField: { a: 1 } };
    expect(checkGraphPayload(extended)).toEqual({ ok: true, payload: extended });
  });
});
