// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";

// jsdom has no DragEvent, which @lumino/dragdrop (imported by @lumino/widgets) subclasses.
vi.hoisted(() => {
  const g = globalThis as unknown as { DragEvent?: unknown; MouseEvent: typeof MouseEvent };
  if (!g.DragEvent) g.DragEvent = class DragEvent extends g.MouseEvent {};
});

import { MIME_CHAIN, MIME_GRAPH } from "../../kernel/src/protocol";
import { ChainRenderer } from "../../extension/src/renderers/ChainRenderer";
import { GraphRenderer } from "../../extension/src/renderers/GraphRenderer";
import { fixture } from "./payloadFixtures";
import { model, options } from "./rendermime";

/**
 * Payloads are untrusted: every field of a fixture (top level and one level into its first
 * node/step) replaced by null, a string, a number, an array or removed must end in a drawing
 * or a readable .cl-error, never an exception or injected markup.
 */
const REPLACEMENTS: unknown[] = [undefined, null, "<img src=x onerror=alert(1)>", 42, []];

function variants(base: Record<string, unknown>, nestedPaths: string[][]): { label: string; data: unknown }[] {
  const out: { label: string; data: unknown }[] = [];
  const paths: string[][] = Object.keys(base).map((k) => [k]);
  for (const prefix of nestedPaths) {
    let obj: unknown = base;
    for (const k of prefix) obj = (obj as Record<string, unknown>)[k];
    for (const k of Object.keys(obj as object)) paths.push([...prefix, k]);
  }
  for (const p of paths)
    for (const r of REPLACEMENTS) {
      const data = structuredClone(base);
      let parent = data as Record<string, unknown>;
      for (const k of p.slice(0, -1)) parent = parent[k] as Record<string, unknown>;
      if (r === undefined) delete parent[p[p.length - 1]];
      else parent[p[p.length - 1]] = r;
      out.push({ label: `${p.join(".")}=${JSON.stringify(r) ?? "deleted"}`, data });
    }
  return out;
}

async function check(
  renderer: GraphRenderer | ChainRenderer,
  mime: string,
  label: string,
  data: unknown,
  drawn: string,
) {
  await renderer.renderModel(model(mime, data));
  const ok = renderer.node.querySelector(drawn) !== null || renderer.node.querySelector(".cl-error") !== null;
  expect(ok, label).toBe(true);
  expect(renderer.node.querySelector("img, script, iframe"), label).toBeNull();
}

describe("untrusted payloads", () => {
  it("graph: every corrupted field gives a drawing or a readable error", async () => {
    const base = fixture("handmade-graph-mlp.json");
    const r = new GraphRenderer(options(MIME_GRAPH));
    const cases = variants(base, [
      ["nodes", "0"],
      ["nodes", "5"],
      ["edges", "0"],
    ]);
    expect(cases.length).toBeGreaterThan(100);
    for (const c of cases) await check(r, MIME_GRAPH, c.label, c.data, "svg.cl-graph-svg");
    r.dispose();
  });

  it("chain: every corrupted field gives a drawing or a readable error", async () => {
    const base = fixture("handmade-chain-matmul.json");
    const r = new ChainRenderer(options(MIME_CHAIN));
    const cases = variants(base, [["paths", "0"], ["paths", "0", "steps", "1"], ["numeric"]]);
    for (const c of cases) await check(r, MIME_CHAIN, c.label, c.data, ".cl-chain");
    r.dispose();
  });
});
