/**
 * Graphs at real size in JupyterLab + Chromium: the 300-op chain, a 2,000-op graph without
 * repeats and a folded RNN loop, drawn from bundles the kernel library builds, at first view and
 * after one expand. Checks what a reader needs (legible zoom, output in view, overview, hover
 * card inside the frame, honest legend) and saves screenshots to test-results/ to look at.
 */
import fs from "node:fs";
import path from "node:path";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Tensor } from "../../kernel/src/index";
import { deepMlp, tanhChain, unrolledRnn } from "../display/largeGraphs";
import { boundedGraphBundle } from "../../kernel/src/display/graphBudget";
import { launchBrowser, type Browser } from "./browser";
import { REPO, startLab, type RunningLab } from "./jupyterLab";

const RESULTS = path.join(REPO, "test-results");
const SHOWN = ".jp-NotebookPanel:not(.lm-mod-hidden)";

/** A graph built by the shared builders, differentiated as a notebook would before drawing it. */
function backwardDone(L: Tensor): Tensor {
  L.backward();
  return L;
}

function notebook(graphs: [string, Tensor][]): string {
  const cells = graphs.map(([source, L], i) => ({
    id: `g${i}`,
    cell_type: "code",
    execution_count: null,
    metadata: {},
    source: [source],
    outputs: [{ output_type: "display_data", metadata: {}, data: boundedGraphBundle(L) }],
  }));
  return JSON.stringify({ cells, metadata: {}, nbformat: 4, nbformat_minor: 5 });
}

let lab: RunningLab;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  fs.mkdirSync(RESULTS, { recursive: true });
  lab = await startLab({
    "chain.ipynb": notebook([
      ["show.graph(L)  // h = h.mul(1.01).add(0.01).tanh() x100", backwardDone(tanhChain(100).L)],
    ]),
    "big.ipynb": notebook([["show.graph(L)  // 400 layers, ~2,000 ops", backwardDone(deepMlp(400).L)]]),
    "rnn.ipynb": notebook([["show.graph(L)  // RNN unrolled 60 steps", backwardDone(unrolledRnn(60, 0.3))]]),
  });
  browser = await launchBrowser();
  page = await browser.context.newPage();
  await page.setViewportSize({ width: 1200, height: 900 });
  page.on("pageerror", (err) => console.error(`[page error] ${err.message}`));
  // "Select Kernel" may pop up late over a notebook that needs no kernel: answer "No Kernel"
  // whenever it is in the way of an action.
  await page.addLocatorHandler(page.locator(".jp-Dialog"), async () => {
    await page.locator(".jp-Dialog .jp-mod-reject").first().click();
  });
});

afterAll(async () => {
  await browser?.close();
  if (lab) await lab.stop();
});

async function open(name: string): Promise<Locator> {
  // ?reset: no tabs restored from the previous notebook (each would ask for a kernel).
  await page.goto(`${lab.url}lab/tree/${name}?reset`);
  // JupyterLab reopens earlier notebooks in hidden tabs: only the visible one counts.
  await page.waitForSelector(`${SHOWN} .cl-graph svg.cl-graph-svg g.cl-node`, { timeout: 90_000 });
  // These notebooks need no kernel: answer "Select Kernel" (it may come late) with "No Kernel".
  await page
    .locator(".jp-Dialog .jp-mod-reject")
    .first()
    .click({ timeout: 8_000 })
    .catch(() => undefined);
  await page.waitForTimeout(500);
  return page.locator(`${SHOWN} .cl-graph`).first();
}

/** What a reader sees: zoom, how many boxes are inside the frame, whether the output is. */
async function view(graph: Locator) {
  return graph.evaluate((root: HTMLElement) => {
    const frame = root.querySelector(".cl-graph-frame")!.getBoundingClientRect();
    const inside = (r: DOMRect) =>
      r.right > frame.left && r.left < frame.right && r.bottom > frame.top && r.top < frame.bottom;
    const nodes = [...root.querySelectorAll<SVGGElement>("g.cl-node")];
    const out = nodes.find((n) => n.classList.contains("cl-node--output"));
    const boxes = nodes.map((n) => n.getBoundingClientRect());
    // Frame height left empty below the lowest node and above the highest one that reach into the frame.
    const seen = boxes.filter(inside);
    const emptyBelow = seen.length ? frame.bottom - Math.max(...seen.map((r) => r.bottom)) : frame.height;
    const emptyAbove = seen.length ? Math.min(...seen.map((r) => r.top)) - frame.top : frame.height;
    const minimap = root.querySelector<HTMLElement>(".cl-minimap");
    return {
      zoom: Number(root.dataset.zoom),
      nodes: nodes.length,
      inView: seen.length,
      emptyBelow: Math.max(0, emptyBelow) / frame.height,
      emptyAbove: Math.max(0, emptyAbove) / frame.height,
      frameHeight: frame.height,
      outputInView: !!out && inside(out.getBoundingClientRect()),
      minimap: !!minimap && !minimap.hidden,
      legend: root.querySelector(".cl-graph-legend")?.textContent ?? "",
      titles: nodes.map((n) => n.querySelector(".cl-node-title")?.textContent ?? ""),
    };
  });
}

async function shot(graph: Locator, name: string): Promise<void> {
  await graph.scrollIntoViewIfNeeded();
  await graph.screenshot({ path: path.join(RESULTS, name) });
}

describe("large graphs in JupyterLab", () => {
  it("the 300-op chain: the loop is one box at first view, its parameter and output in view; one click opens an iteration", async () => {
    const graph = await open("chain.ipynb");
    const first = await view(graph);
    await shot(graph, "large-chain300-first.png");
    expect(first.titles).toEqual(["x", "loop ×100 ▸", "L"]);
    expect(first.zoom).toBeGreaterThanOrEqual(0.75);
    expect(first.outputInView).toBe(true);
    expect(first.inView).toBe(first.nodes);
    expect(first.legend).toContain("‖grad‖");
    expect(first.legend).not.toContain("No gradients yet");
    await graph.locator("g.cl-node--folded").first().click();
    await page.waitForFunction((sel) => document.querySelectorAll(`${sel} .cl-graph g.cl-node`).length === 6, SHOWN, {
      timeout: 30_000,
    });
    const opened = await view(graph);
    await shot(graph, "large-chain300-expanded.png");
    expect(opened.titles).toEqual(["x", "99 earlier copies", "mul 1.01", "add 0.01", "tanh", "L"]);
    expect(opened.zoom).toBeGreaterThanOrEqual(0.75);
    expect(opened.outputInView).toBe(true);
  });

  it("a 2,000-op graph: legible first view with the output and an overview; the cut part opens on click", async () => {
    const graph = await open("big.ipynb");
    const first = await view(graph);
    await shot(graph, "large-graph2000-first.png");
    expect(first.zoom).toBeGreaterThanOrEqual(0.75);
    expect(first.outputInView).toBe(true);
    expect(first.minimap).toBe(true);
    expect(first.legend).not.toContain("No gradients yet");
    // Zoom steps: from the whole-graph overview, a few clicks on + reach legible size again.
    await graph.locator("button[title^='fit the whole graph']").click();
    const overview = Number(await graph.getAttribute("data-zoom"));
    let clicks = 0;
    while (Number(await graph.getAttribute("data-zoom")) < 0.75 && clicks < 20) {
      await graph.locator("button[title='zoom in']").click();
      clicks++;
    }
    expect(overview).toBeLessThan(0.75);
    expect(clicks).toBeLessThanOrEqual(8);
    await graph.locator("button[title^='legible size']").click();
    // Hover a node near the frame's bottom-right: the card stays inside the frame.
    const box = (await graph.locator(".cl-graph-frame").boundingBox())!;
    const target = graph.locator("g.cl-node--output");
    await target.hover();
    await page.mouse.move(box.x + box.width - 20, box.y + box.height - 10);
    await target.hover();
    const card = graph.locator(".cl-hover");
    await card.waitFor({ state: "visible", timeout: 10_000 });
    const c = (await card.boundingBox())!;
    expect(c.x).toBeGreaterThanOrEqual(box.x - 1);
    expect(c.y).toBeGreaterThanOrEqual(box.y - 1);
    expect(c.x + c.width).toBeLessThanOrEqual(box.x + box.width + 1);
    expect(c.y + c.height).toBeLessThanOrEqual(box.y + box.height + 1);
    await shot(graph, "large-graph2000-hover.png");
    // The cut part: its card says what it holds and that it opens; one click opens it from the
    // payload itself (no kernel here), centred on the ops that replace it.
    const part = graph.locator("g.cl-node--summary.cl-node--folded").first();
    // The part is far above the output, outside the frame at first view: hover it by event.
    await graph.evaluate((root: HTMLElement) => {
      const s = root.querySelector("g.cl-node--summary.cl-node--folded")!;
      const f = root.querySelector(".cl-graph-frame")!.getBoundingClientRect();
      s.dispatchEvent(new PointerEvent("pointermove", { bubbles: true, clientX: f.left + 40, clientY: f.top + 40 }));
    });
    await page.waitForSelector(`${SHOWN} .cl-hover .cl-card-summary`, { timeout: 10_000 });
    const partCard = await graph.locator(".cl-hover").textContent();
    expect(partCard).toMatch(/\d+ ops left out to keep the drawing readable: \d+ matmul/);
    expect(partCard).toMatch(/click to open: its \d+ ops nearest the drawing/);
    const partTitle = await part.locator(".cl-node-title").textContent();
    expect(partTitle).toMatch(/^\d+ ops \(cut\) ▸$/);
    await graph.evaluate((root: HTMLElement) => {
      const s = root.querySelector("g.cl-node--summary.cl-node--folded");
      s?.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    });
    await page.waitForSelector(`${SHOWN} .cl-graph g.cl-node--detail`, { timeout: 30_000 });
    await page.waitForTimeout(300);
    const opened = await graph.evaluate((root: HTMLElement) => {
      const frame = root.querySelector(".cl-graph-frame")!.getBoundingClientRect();
      const inside = (r: DOMRect) =>
        r.right > frame.left && r.left < frame.right && r.bottom > frame.top && r.top < frame.bottom;
      const detail = [...root.querySelectorAll<SVGGElement>("g.cl-node--detail")];
      return {
        zoom: Number(root.dataset.zoom),
        detail: detail.length,
        detailInView: detail.filter((n) => inside(n.getBoundingClientRect())).length,
        titles: [...root.querySelectorAll("g.cl-node .cl-node-title")].map((t) => t.textContent ?? ""),
      };
    });
    await shot(graph, "large-graph2000-expanded.png");
    expect(opened.titles).not.toContain(partTitle);
    expect(opened.detail).toBeGreaterThan(10);
    expect(opened.detailInView).toBeGreaterThan(3);
    expect(opened.zoom).toBeGreaterThanOrEqual(0.75);
    expect(opened.titles).toEqual(expect.arrayContaining(["matmul", "tanh"]));
  });

  it("the RNN loop: folded at first view, one expand shows the step with W and U", async () => {
    const graph = await open("rnn.ipynb");
    const first = await view(graph);
    await shot(graph, "large-rnn-first.png");
    expect(first.titles.some((t) => /^loop ×\d+ ▸$/.test(t))).toBe(true);
    expect(first.titles).toEqual(expect.arrayContaining(["W", "U"]));
    expect(first.outputInView).toBe(true);
    await graph.locator("g.cl-node--folded").first().click();
    await page.waitForFunction(
      ([sel, n]) => document.querySelectorAll(`${sel} .cl-graph g.cl-node`).length > Number(n),
      [SHOWN, first.nodes] as const,
      { timeout: 30_000 },
    );
    const opened = await view(graph);
    await shot(graph, "large-rnn-expanded.png");
    expect(opened.titles.some((t) => /^\d+ earlier copies$/.test(t))).toBe(true);
    expect(opened.zoom).toBeGreaterThanOrEqual(0.75);
    // The opened loop is taller than the frame: the drawing fills the frame (it used to centre on the
    // loop's last node and leave the lower half empty) and the output stays in view.
    expect(opened.nodes).toBeGreaterThan(opened.inView);
    expect(opened.emptyBelow).toBeLessThan(0.2);
    expect(opened.emptyAbove).toBeLessThan(0.2);
    expect(opened.outputInView).toBe(true);
  });
});
