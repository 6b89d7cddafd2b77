// @vitest-environment jsdom
import ELK from "elkjs/lib/elk.bundled.js";
import { describe, expect, it } from "vitest";
import { checkGraphPayload, type GraphPayload } from "../../kernel/src/protocol";
import {
  drawGraphLegend,
  drawGraphSvg,
  drawMinimap,
  noScaleText,
  polylineMidpoint,
} from "../../extension/src/draw/drawGraph";
import { allScopePaths, foldGraph, partKey } from "../../extension/src/draw/foldGraph";
import { gradScale, paletteColor, scalePosition, textColorOn } from "../../extension/src/draw/gradColor";
import { layoutGraph, type ElkLike } from "../../extension/src/draw/graphLayout";
import { drawNodeRule, drawSummaryCard, NOT_SENT_TEXT } from "../../extension/src/draw/summaryCard";
import { fixtures, validFixture } from "./payloadFixtures";

const elk = new ELK() as unknown as ElkLike;

const graph = (file: string): GraphPayload => validFixture(file, checkGraphPayload);

describe("graph payload fixtures", () => {
  it("there is at least one graph fixture", () => expect(fixtures("graph").length).toBeGreaterThan(0));
  for (const f of fixtures("graph")) {
    it(`${f.file} validates, lays out and draws one box per visible node`, async () => {
      const checked = checkGraphPayload(f.data);
      expect(checked.ok, checked.ok ? "" : checked.error).toBe(true);
      if (!checked.ok) return;
      const payload = checked.payload;
      // Every scope expanded; cut parts stay closed (their detail opens on click, see below).
      const visible = foldGraph(payload, new Set(allScopePaths(payload)));
      const firstView = payload.nodes.filter((n) => n.within === undefined).length;
      expect(visible.nodes).toHaveLength(firstView);
      const layout = await layoutGraph(elk, visible);
      const { svg } = drawGraphSvg(document, visible, layout, gradScale(payload.nodes), "t");
      expect(svg.querySelectorAll("g.cl-node")).toHaveLength(firstView);
      expect(svg.querySelectorAll("g.cl-edge")).toHaveLength(visible.edges.length);
      // The output node is drawn as such.
      expect(svg.querySelector(`g.cl-node--output[data-node-id="${payload.output}"]`)).not.toBeNull();
    });
  }
});

describe("foldGraph", () => {
  const payload = graph("handmade-graph-mlp.json");
  it("folds a composite scope into one box standing for its result", () => {
    const v = foldGraph(payload, new Set());
    expect(v.nodes.map((n) => n.id)).toEqual(["n0", "n1", "n2", "scope:Linear#1", "n5", "n6"]);
    const box = v.nodes.find((n) => n.id === "scope:Linear#1")!;
    expect(box.folded).toEqual({ scopePath: "Linear#1", hidden: 2 });
    expect(box.node.id).toBe("n4");
    expect(v.edges.map((e) => `${e.from}->${e.to}`).sort()).toEqual(
      ["n0->scope:Linear#1", "n1->scope:Linear#1", "n2->scope:Linear#1", "scope:Linear#1->n5", "n5->n6"].sort(),
    );
  });
  it("expanding the scope shows its ops and their internal edge", () => {
    const v = foldGraph(payload, new Set(["Linear#1"]));
    expect(v.nodes).toHaveLength(7);
    expect(v.edges.some((e) => e.from === "n3" && e.to === "n4")).toBe(true);
    expect(v.nodes.find((n) => n.id === "n4")!.scopePath).toBe("Linear#1");
  });
});

describe("layoutGraph (real elkjs)", () => {
  it("places every node without overlaps, inputs above their consumers", async () => {
    const payload = graph("handmade-graph-mlp.json");
    const v = foldGraph(payload, new Set(["Linear#1"]));
    const layout = await layoutGraph(elk, v);
    const boxes = [...layout.nodes.values()];
    expect(boxes).toHaveLength(7);
    for (const a of boxes)
      for (const b of boxes) {
        if (a === b) continue;
        const overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
        expect(overlap, `${a.id} overlaps ${b.id}`).toBe(false);
      }
    for (const e of v.edges) expect(layout.nodes.get(e.from)!.y).toBeLessThan(layout.nodes.get(e.to)!.y);
    expect(layout.edges).toHaveLength(v.edges.length);
    expect(layout.width).toBeGreaterThan(0);
  });
});

describe("drawGraphSvg", () => {
  it("colours nodes by gradient magnitude and marks kinds, folding and missing grads", async () => {
    const payload = graph("handmade-graph-mlp.json");
    const v = foldGraph(payload, new Set());
    const scale = gradScale(payload.nodes)!;
    const { svg } = drawGraphSvg(document, v, await layoutGraph(elk, v), scale, "t");
    const w = svg.querySelector('[data-node-id="n1"]')!;
    expect(w.getAttribute("class")).toContain("cl-node--param");
    expect((w.querySelector("rect") as SVGRectElement).style.fill).toMatch(/^rgb/);
    expect(w.textContent).toContain("W");
    expect(w.textContent).toContain("[3, 2]");
    expect(svg.querySelector('[data-node-id="n0"]')!.getAttribute("class")).toContain("cl-grad--not-required");
    expect(svg.querySelector('[data-node-id="scope:Linear#1"]')!.getAttribute("class")).toContain("cl-node--folded");
    const labels = [...svg.querySelectorAll(".cl-edge-label")].map((t) => t.textContent);
    expect(labels).toContain("[2, 3]");
  });

  it("before backward() no node is coloured and the legend says why", async () => {
    const payload = graph("handmade-graph-nograd.json");
    const v = foldGraph(payload, new Set());
    const scale = gradScale(payload.nodes);
    expect(scale).toBeNull();
    const { svg } = drawGraphSvg(document, v, await layoutGraph(elk, v), scale, "t");
    expect(svg.querySelectorAll(".cl-grad--not-computed").length).toBeGreaterThan(0);
    for (const r of svg.querySelectorAll("rect")) expect((r as SVGRectElement).style.fill).toBe("");
    expect(drawGraphLegend(document, payload, scale, "t").textContent).toContain("call backward()");
  });

  it("highlights the anomaly origin", async () => {
    const payload = graph("handmade-graph-anomaly.json");
    const v = foldGraph(payload, new Set());
    const { svg } = drawGraphSvg(document, v, await layoutGraph(elk, v), gradScale(payload.nodes), "t");
    const bad = svg.querySelectorAll(".cl-node--anomaly");
    expect(bad).toHaveLength(1);
    expect(bad[0].getAttribute("data-node-id")).toBe("n2");
    expect(drawGraphLegend(document, payload, null, "t").textContent).toContain("first NaN/Inf");
  });

  it("treats names as text, never as markup", async () => {
    const payload = graph("handmade-graph-mlp.json");
    payload.nodes[1].name = '<img src=x onerror="alert(1)">';
    const v = foldGraph(payload, new Set());
    const { svg } = drawGraphSvg(document, v, await layoutGraph(elk, v), null, "t");
    const card = drawSummaryCard(document, v.nodes[1], true);
    expect(svg.querySelector("img")).toBeNull();
    expect(card.querySelector("img")).toBeNull();
    expect(svg.textContent).toContain("<img");
  });
});

describe("summary card", () => {
  it("lists value and grad statistics and small matrices in full", () => {
    const payload = graph("handmade-graph-mlp.json");
    const v = foldGraph(payload, new Set(["Linear#1"]));
    const card = drawSummaryCard(
      document,
      v.nodes.find((n) => n.id === "n1")!,
      true,
    );
    expect(card.querySelector(".cl-stats")!.textContent).toContain("norm");
    const mats = card.querySelectorAll("table.cl-matrix");
    expect(mats).toHaveLength(2);
    expect(mats[0].querySelectorAll("tr")).toHaveLength(3);
    expect(mats[1].textContent).toContain("1.5");
  });
  it("shows a node's own chain-rule step when the payload carries it", () => {
    const payload = graph("handmade-graph-mlp.json");
    const relu = payload.nodes.find((n) => n.id === "n5")!;
    const rule = drawNodeRule(document, relu)!;
    const maths = [...rule.querySelectorAll(".cl-math")].map((m) => m.textContent);
    expect(maths).toHaveLength(2);
    expect(maths[1]).toContain("\\delta_{ik}");
    expect(drawNodeRule(document, payload.nodes[0])).toBeNull();
  });
  it("explains a missing gradient", () => {
    const payload = graph("handmade-graph-nograd.json");
    const card = drawSummaryCard(document, foldGraph(payload, new Set()).nodes[1], false);
    expect(card.textContent).toContain("call backward()");
  });
});

describe("gradient colour scale", () => {
  it("is logarithmic and monotonic", () => {
    const scale = { minLog: -3, maxLog: 1 };
    expect(scalePosition(scale, 1e-3)).toBe(0);
    expect(scalePosition(scale, 10)).toBe(1);
    expect(scalePosition(scale, 0.1)).toBeCloseTo(0.5);
    expect(paletteColor(0)).not.toBe(paletteColor(1));
  });
  it("picks readable text on dark and light fills", () => {
    expect(textColorOn(paletteColor(0))).toBe("white");
    expect(textColorOn(paletteColor(1))).toBe("black");
  });
  it("edge labels sit halfway along the polyline", () => {
    expect(
      polylineMidpoint([
        { x: 0, y: 0 },
        { x: 0, y: 10 },
        { x: 10, y: 10 },
      ]),
    ).toEqual({ x: 0, y: 10 });
  });
});

describe("large graphs", () => {
  it("the folded loop of the 300-op chain is one box by default, and opens to one iteration", () => {
    const p = graph("kernel-graph-loop.json");
    const folded = foldGraph(p, new Set());
    expect(folded.nodes.map((n) => n.title)).toEqual(["x", "loop ×100 ▸", "L"]);
    // The box counts every op it stands for, not the 4 payload nodes.
    expect(folded.nodes[1].subtitle).toBe("300 ops [4]");
    const open = foldGraph(p, new Set(["loop ×100"]));
    expect(open.nodes.map((n) => n.title)).toEqual(["x", "99 earlier copies", "mul 1.01", "add 0.01", "tanh", "L"]);
    expect(open.edges.map((e) => `${e.from}>${e.to}`)).toHaveLength(5);
    const card = drawSummaryCard(document, open.nodes[1], true);
    expect(card.textContent).toContain("99 earlier copies of a loop body (3 ops each");
    expect(card.textContent).toContain("99 mul, 99 add, 99 tanh");
  });

  it("a cut part is one box that says it opens; opened, its detail replaces it, the rest stays summarised", async () => {
    const p = graph("kernel-graph-cut.json");
    const folded = foldGraph(p, new Set());
    const detailIds = new Set(p.nodes.filter((n) => n.within !== undefined).map((n) => n.id));
    expect(detailIds.size).toBeGreaterThan(2);
    expect(folded.nodes.some((n) => detailIds.has(n.id))).toBe(false);
    const part = folded.nodes.find((n) => n.folded?.opens)!;
    expect(part.title).toMatch(/^\d+ ops \(cut\) ▸$/);
    const opens = part.folded!.opens!;
    expect(opens.ops + opens.summaries).toBe(detailIds.size);
    expect(drawSummaryCard(document, part, false).textContent).toContain(
      `click to open: its ${opens.ops} ops nearest the drawing`,
    );

    const open = foldGraph(p, new Set([part.folded!.scopePath]));
    expect(part.folded!.scopePath).toBe(partKey(part.id));
    expect(open.nodes.some((n) => n.id === part.id)).toBe(false);
    expect(open.nodes.filter((n) => detailIds.has(n.id))).toHaveLength(detailIds.size);
    const ids = new Set(open.nodes.map((n) => n.id));
    for (const e of open.edges) expect(ids.has(e.from) && ids.has(e.to)).toBe(true);
    // The detail feeds what the part fed.
    const fed = folded.edges.filter((e) => e.from === part.id).map((e) => e.to);
    for (const to of fed) expect(open.edges.some((e) => detailIds.has(e.from) && e.to === to)).toBe(true);
    // Every detail node can be closed again; a summary left in the detail says it cannot open here.
    expect(open.nodes.filter((n) => detailIds.has(n.id)).every((n) => n.part === partKey(part.id))).toBe(true);
    const rest = open.nodes.find((n) => detailIds.has(n.id) && n.node.op === "summary");
    if (opens.summaries) expect(drawSummaryCard(document, rest!, true).textContent).toContain(NOT_SENT_TEXT);
    const layout = await layoutGraph(elk, open);
    expect(layout.nodes.size).toBe(open.nodes.length);
  });

  it("the legend says 'no gradients yet' only when no node has a gradient", () => {
    const p = graph("kernel-graph-loop.json");
    expect(p.nodes.find((n) => n.kind === "param")!.gradState).toBe("computed");
    const legend = drawGraphLegend(document, p, gradScale(p.nodes), "t");
    expect(legend.textContent).not.toContain("No gradients yet");
    const before = graph("kernel-graph-mlp-before-backward.json");
    expect(noScaleText(before)).toContain("No gradients yet");
    const unretained: GraphPayload = {
      ...p,
      nodes: p.nodes
        .filter((n) => n.kind !== "param")
        .map((n) => ({ ...n, gradState: "not-retained" as const, grad: null })),
    };
    expect(noScaleText(unretained)).toContain("retainGrad()");
    expect(noScaleText(unretained)).not.toContain("No gradients yet");
  });

  it("the overview draws a box per node and marks the visible region", async () => {
    const p = graph("kernel-graph-loop.json");
    const visible = foldGraph(p, new Set(["loop ×100"]));
    const layout = await layoutGraph(elk, visible);
    const map = drawMinimap(document, layout, visible, () => undefined);
    expect(map.root.querySelectorAll(".cl-minimap-node")).toHaveLength(visible.nodes.length);
    map.show(0, 0, 100, 50);
    expect(Number(map.root.querySelector(".cl-minimap-view")!.getAttribute("width"))).toBeGreaterThan(0);
  });
});
