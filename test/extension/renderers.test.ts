// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";

// jsdom has no DragEvent, which @lumino/dragdrop (imported by @lumino/widgets) subclasses.
vi.hoisted(() => {
  const g = globalThis as unknown as { DragEvent?: unknown; MouseEvent: typeof MouseEvent };
  if (!g.DragEvent) g.DragEvent = class DragEvent extends g.MouseEvent {};
});
import { Widget } from "@lumino/widgets";
import extensions, { RENDERER_RANK } from "../../extension/src/index";
import { CHAINLAB_MIME_TYPES, MIME_CHAIN, MIME_GRAPH, type GraphPayload } from "../../kernel/src/protocol";
import { GraphRenderer } from "../../extension/src/renderers/GraphRenderer";
import { ChainRenderer } from "../../extension/src/renderers/ChainRenderer";
import { isLightTheme, watchTheme } from "../../extension/src/renderers/theme";
import { fixture } from "./payloadFixtures";
import { model, options } from "./rendermime";

describe("extension registration", () => {
  it("registers safe renderers below the html fallback's rank (50) for graph, heatmap, chain and plot", () => {
    const mimes = extensions.flatMap((e) => e.rendererFactory.mimeTypes);
    expect(mimes.sort()).toEqual([...CHAINLAB_MIME_TYPES].sort());
    for (const e of extensions) {
      expect(e.rank).toBeLessThan(50);
      expect(e.rendererFactory.safe).toBe(true);
      expect(e.rendererFactory.defaultRank).toBe(RENDERER_RANK);
    }
  });
});

describe("GraphRenderer", () => {
  it("re-renders in place for update_display_data and shows a readable error for bad payloads", async () => {
    const r = new GraphRenderer(options(MIME_GRAPH));
    Widget.attach(r, document.body);
    await r.renderModel(model(MIME_GRAPH, fixture("handmade-graph-nograd.json")));
    expect(r.node.querySelectorAll("svg.cl-graph-svg")).toHaveLength(1);
    expect(r.node.querySelectorAll(".cl-grad--not-computed").length).toBeGreaterThan(0);
    await r.renderModel(model(MIME_GRAPH, fixture("handmade-graph-mlp.json")));
    expect(r.node.querySelectorAll("svg.cl-graph-svg")).toHaveLength(1);
    expect(r.node.querySelectorAll(".cl-grad--not-computed")).toHaveLength(0);
    const newer = { ...fixture("handmade-graph-mlp.json"), version: 99 };
    await r.renderModel(model(MIME_GRAPH, newer));
    expect(r.node.querySelector(".cl-error")!.textContent).toContain("newer than this extension");
    expect(r.node.querySelector("svg")).toBeNull();
    r.dispose();
    expect(r.isDisposed).toBe(true);
  });

  it("a graph with a cycle, a duplicate id or a million nodes ends in an error box, not a layout", async () => {
    const g = fixture("handmade-graph-mlp.json") as GraphPayload;
    const first = g.nodes[0];
    const bad: [unknown, string][] = [
      [{ ...g, edges: [...g.edges, { from: g.output, to: first.id, argIndex: 0, shape: [] }] }, "cycle"],
      [{ ...g, nodes: [...g.nodes, first] }, "appears twice"],
      [{ ...g, nodes: Array.from({ length: 1_000_000 }, (_, i) => ({ ...first, id: `m${i}` })) }, "at most 5000 nodes"],
      [{ ...g, nodes: g.nodes.map((n, i) => (i ? n : { ...n, within: "nowhere" })) }, "`within`"],
    ];
    for (const [payload, error] of bad) {
      const r = new GraphRenderer(options(MIME_GRAPH));
      Widget.attach(r, document.body);
      await r.renderModel(model(MIME_GRAPH, payload));
      expect(r.node.querySelector(".cl-error")?.textContent).toContain(error);
      expect(r.node.querySelector("svg.cl-graph-svg")).toBeNull();
      r.dispose();
    }
  });

  it("expands a folded composite on click and shows a node's details", async () => {
    const r = new GraphRenderer(options(MIME_GRAPH));
    Widget.attach(r, document.body);
    await r.renderModel(model(MIME_GRAPH, fixture("handmade-graph-mlp.json")));
    const folded = r.node.querySelector('[data-node-id="scope:Linear#1"]')!;
    folded.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    // The expanded graph is laid out again (ELK, asynchronous): wait for it, on a loaded machine too.
    for (let waited = 0; !r.node.querySelector('[data-node-id="n3"]') && waited < 15_000; waited += 100)
      await new Promise((ok) => setTimeout(ok, 100));
    expect(r.node.querySelector('[data-node-id="n3"]')).not.toBeNull();
    r.node.querySelector('[data-node-id="n1"]')!.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    expect(r.node.querySelector(".cl-graph-detail .cl-card")!.textContent).toContain("W");
    r.dispose();
  });
});

describe("ChainRenderer", () => {
  it("falls back to plain text without a typesetter and rejects a payload of the wrong kind", async () => {
    const r = new ChainRenderer(options(MIME_CHAIN));
    await r.renderModel(model(MIME_CHAIN, fixture("handmade-chain-matmul.json")));
    const math = r.node.querySelector(".cl-math--plain")!;
    expect(math.textContent).not.toContain("\\[");
    await r.renderModel(model(MIME_CHAIN, fixture("handmade-graph-mlp.json")));
    expect(r.node.querySelector(".cl-error")!.textContent).toContain("expected a chain payload");
    r.dispose();
  });
});

describe("ChainRenderer updates", () => {
  it("keeps the steps the user opened or closed when the same output is updated", async () => {
    const r = new ChainRenderer(options(MIME_CHAIN));
    await r.renderModel(model(MIME_CHAIN, fixture("handmade-chain-matmul.json")));
    const steps = () => [...r.node.querySelectorAll<HTMLDetailsElement>("details.cl-chain-step")];
    // Only the step that teaches opens at first; whatever the user then toggles survives an update.
    const first = steps().map((d) => d.open);
    expect(first.filter(Boolean)).toHaveLength(1);
    steps().forEach((d) => (d.open = !d.open));
    await r.renderModel(model(MIME_CHAIN, fixture("handmade-chain-matmul.json")));
    expect(steps().map((d) => d.open)).toEqual(first.map((o) => !o));
    expect(r.node.querySelectorAll(".cl-chain")).toHaveLength(1);
    r.dispose();
  });
});

describe("theme watching", () => {
  it("reports JupyterLab theme switches until it is stopped", async () => {
    document.body.dataset.jpThemeLight = "true";
    let calls = 0;
    const stop = watchTheme(() => calls++);
    document.body.dataset.jpThemeLight = "false";
    await new Promise((ok) => setTimeout(ok, 0));
    expect(calls).toBe(1);
    expect(isLightTheme()).toBe(false);
    stop();
    document.body.dataset.jpThemeLight = "true";
    await new Promise((ok) => setTimeout(ok, 0));
    expect(calls).toBe(1);
  });
});
