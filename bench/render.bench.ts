/**
 * bench/: render benchmarks in Chromium, not part of `npm test` (run `npm run bench:render`).
 * Opens a notebook whose saved outputs hold a 500-node graph and a 256x256 heatmap in a real
 * JupyterLab with the built extension, and reads the renderers' own performance measures.
 */
import fs from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import {
  MIME_GRAPH,
  MIME_HEATMAP,
  type GraphNode,
  type GraphPayload,
  type HeatmapPayload,
} from "../kernel/src/protocol";
import { launchBrowser } from "../test/e2e/browser";
import { REPO, startLab } from "../test/e2e/jupyterLab";

const BUDGET_GRAPH_MS = 1000;
const BUDGET_HEATMAP_MS = 300;

/** Deterministic pseudo-random numbers so every run draws the same payloads. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

function summary(shape: number[], norm: number) {
  return {
    shape,
    size: shape.reduce((a, b) => a * b, 1),
    min: -norm,
    max: norm,
    mean: 0,
    norm,
    nanCount: 0,
    infCount: 0,
  };
}

/** A deep residual MLP: per layer W, b, matmul, add, tanh (5 nodes), a skip add every 4 layers. */
export function bigGraph(targetNodes: number): GraphPayload {
  const rand = rng(1);
  const nodes: GraphNode[] = [];
  const edges: GraphPayload["edges"] = [];
  const add = (op: string, kind: GraphNode["kind"], inputs: string[], name?: string): string => {
    const id = `n${nodes.length}`;
    const norm = Math.pow(10, -4 + 5 * rand());
    nodes.push({
      id,
      op,
      kind,
      name,
      shape: [16, 16],
      dtype: "float64",
      value: summary([16, 16], 1),
      grad: summary([16, 16], norm),
      gradState: "computed",
    });
    inputs.forEach((from, argIndex) => edges.push({ from, to: id, argIndex, shape: [16, 16] }));
    return id;
  };
  let x = add("leaf", "input", [], "x");
  let skip = x;
  for (let layer = 0; nodes.length + 6 < targetNodes; layer++) {
    const W = add("leaf", "param", [], `W${layer}`);
    const b = add("leaf", "param", [], `b${layer}`);
    x = add("tanh", "intermediate", [add("add", "intermediate", [add("matmul", "intermediate", [x, W]), b])]);
    if (layer % 4 === 3) {
      x = add("add", "intermediate", [x, skip], `res${layer}`);
      skip = x;
    }
  }
  while (nodes.length < targetNodes - 1) x = add("mul", "intermediate", [x, x]);
  const out = add("sum", "output", [x], "L");
  return { version: 1, kind: "graph", nodes, edges, output: out };
}

export function bigHeatmap(n: number): HeatmapPayload {
  const rand = rng(2);
  const m = () => Array.from({ length: n }, () => Array.from({ length: n }, () => rand() * 2 - 1));
  return {
    version: 1,
    kind: "heatmap",
    name: "W",
    shape: [n, n],
    show: "both",
    gradState: "computed",
    slices: [{ index: [], value: m(), grad: m() }],
  };
}

function cell(mime: string, data: unknown) {
  return {
    cell_type: "code",
    execution_count: null,
    metadata: {},
    source: [],
    outputs: [{ output_type: "display_data", metadata: {}, data: { [mime]: data, "text/plain": "" } }],
  };
}

function notebook(cells: unknown[]): string {
  return JSON.stringify({ cells, metadata: {}, nbformat: 4, nbformat_minor: 5 });
}

interface Measure {
  name: string;
  ms: number;
}

it("renders a 500-node graph < 1 s and a 256x256 heatmap < 300 ms in Chromium", async () => {
  const graph = bigGraph(500);
  expect(graph.nodes).toHaveLength(500);
  const lab = await startLab({
    // Small outputs first, so the lazy chunks (elkjs, plotly) are loaded once before timing.
    "warm.ipynb": notebook([cell(MIME_GRAPH, bigGraph(20)), cell(MIME_HEATMAP, bigHeatmap(8))]),
    // One big output per notebook, so renders do not interleave and inflate each other's time.
    "graph-cold.ipynb": notebook([cell(MIME_GRAPH, graph)]),
    "graph-warm.ipynb": notebook([cell(MIME_GRAPH, bigGraph(499))]),
    "heatmap.ipynb": notebook([cell(MIME_HEATMAP, bigHeatmap(256))]),
  });
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    await page.goto(`${lab.url}lab/tree/warm.ipynb`);
    await page.waitForSelector(".cl-heatmap .js-plotly-plot .heatmaplayer image", {
      timeout: 120_000,
      state: "attached",
    });
    const measure = async (file: string, done: string): Promise<Measure[]> => {
      await page.evaluate(() => performance.clearMeasures());
      await page.evaluate(async (path) => {
        await (window as any).jupyterapp.commands.execute("docmanager:open", { path });
      }, file);
      await page.waitForFunction(done, undefined, { timeout: 120_000 });
      // These notebooks need no kernel: answer "Select Kernel" (it may come late) with "No Kernel".
      await page
        .locator(".jp-Dialog .jp-mod-reject")
        .first()
        .click({ timeout: 5_000 })
        .catch(() => undefined);
      await page.waitForTimeout(200);
      return page.evaluate(() =>
        performance
          .getEntriesByType("measure")
          .filter((m) => m.name.startsWith("chainlab:"))
          .map((m) => ({ name: m.name, ms: Math.round(m.duration) })),
      );
    };
    const bigGraphDrawn = `document.querySelectorAll(".jp-NotebookPanel:not(.lm-mod-hidden) .cl-graph g.cl-node").length >= 499`;
    const cold = await measure("graph-cold.ipynb", bigGraphDrawn);
    const warm = await measure("graph-warm.ipynb", bigGraphDrawn);
    await page.screenshot({ path: path.join(REPO, ".bench/render-graph-500.png") });
    const heat = await measure(
      "heatmap.ipynb",
      `document.querySelectorAll(".jp-NotebookPanel:not(.lm-mod-hidden) .cl-heatmap .heatmaplayer image").length >= 2`,
    );
    await page.screenshot({ path: path.join(REPO, ".bench/render-heatmap-256.png") });
    const pick = (ms: Measure[], name: string) => Math.max(...ms.filter((m) => m.name === name).map((m) => m.ms));
    const result = {
      graph500ColdMs: pick(cold, `chainlab:render:${MIME_GRAPH}`),
      graph500ColdLayoutMs: pick(cold, "chainlab:layout:graph"),
      graph500WarmMs: pick(warm, `chainlab:render:${MIME_GRAPH}`),
      graph500WarmLayoutMs: pick(warm, "chainlab:layout:graph"),
      heatmap256Ms: pick(heat, `chainlab:render:${MIME_HEATMAP}`),
      chromium: browser.context.browser()?.version(),
    };
    console.log(JSON.stringify(result, null, 2));
    fs.mkdirSync(path.join(REPO, ".bench"), { recursive: true });
    fs.writeFileSync(
      path.join(REPO, ".bench/render.json"),
      JSON.stringify({ ...result, measures: { cold, warm, heat } }, null, 2),
    );
    // No measure at all means the renderers did not run (or an old bundle): fail, not pass.
    for (const v of Object.values(result))
      if (typeof v === "number") expect(Number.isFinite(v), JSON.stringify(result)).toBe(true);
    expect(result.graph500ColdMs).toBeLessThan(BUDGET_GRAPH_MS);
    expect(result.graph500WarmMs).toBeLessThan(BUDGET_GRAPH_MS);
    expect(result.heatmap256Ms).toBeLessThan(BUDGET_HEATMAP_MS);
  } finally {
    await browser.close();
    await lab.stop();
  }
}, 300_000);
