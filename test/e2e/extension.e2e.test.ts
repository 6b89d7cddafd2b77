import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type Browser } from "./browser";
import { REPO, startLab, type RunningLab } from "./jupyterLab";
import { FALLBACK_MARKER, LIVE_FRAMES, liveNotebook, savedOutputsNotebook } from "./notebooks";

const RESULTS = path.join(REPO, "test-results");

let lab: RunningLab;
let browser: Browser;

beforeAll(async () => {
  fs.mkdirSync(RESULTS, { recursive: true });
  lab = await startLab({ "saved.ipynb": savedOutputsNotebook(), "live.ipynb": liveNotebook() });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  if (lab) {
    fs.writeFileSync(path.join(RESULTS, "jupyterlab.log"), lab.log());
    await lab.stop();
  }
});

async function openNotebook(page: Page, name: string): Promise<void> {
  page.on("pageerror", (err) => console.error(`[page error] ${err.message}`));
  await page.goto(`${lab.url}lab/tree/${name}`);
  await page.waitForSelector(".jp-NotebookPanel .jp-Notebook", { timeout: 90_000 });
  // A missing kernel would ask which kernel to use; the saved outputs do not need one.
  const dialog = page.locator(".jp-Dialog .jp-mod-reject");
  if (await dialog.count()) await dialog.first().click();
}

async function setTheme(page: Page, theme: "JupyterLab Light" | "JupyterLab Dark"): Promise<void> {
  await page.evaluate(async (t) => {
    await (window as any).jupyterapp.commands.execute("apputils:change-theme", { theme: t });
  }, theme);
  const light = theme === "JupyterLab Light" ? "true" : "false";
  await page.waitForSelector(`body[data-jp-theme-light="${light}"]`, { state: "attached", timeout: 30_000 });
  await page.waitForTimeout(800);
}

async function waitForAllCellsRun(page: Page): Promise<void> {
  try {
    await page.waitForFunction(
      () => {
        const prompts = [...document.querySelectorAll(".jp-CodeCell .jp-InputArea-prompt")].map(
          (p) => p.textContent ?? "",
        );
        return prompts.length > 0 && prompts.every((p) => /\[\d+\]/.test(p));
      },
      undefined,
      { timeout: 150_000, polling: 500 },
    );
  } catch (err) {
    await page.screenshot({ path: path.join(RESULTS, "live-timeout.png") });
    const prompts = await page.locator(".jp-CodeCell .jp-InputArea-prompt").allTextContents();
    throw new Error(`not every cell ran: prompts ${JSON.stringify(prompts)}; ${String(err)}`, { cause: err });
  }
}

describe("saved notebook reopened untrusted", () => {
  let page: Page;
  beforeAll(async () => {
    page = await browser.context.newPage();
    await openNotebook(page, "saved.ipynb");
    await page.waitForSelector(".cl-graph svg.cl-graph-svg g.cl-node", { timeout: 60_000 });
  });

  it("is untrusted, yet our safe renderers draw it", async () => {
    const trusted = await page.evaluate(() => {
      const nb = (window as any).jupyterapp.shell.currentWidget.content.model;
      const flags: boolean[] = [];
      for (let i = 0; i < nb.cells.length; i++) flags.push(nb.cells.get(i).trusted);
      return flags;
    });
    expect(trusted.some((t) => t)).toBe(false);
  });

  it("the graph renderer (not a fallback) produced SVG nodes, edges and a legend", async () => {
    const graphs = page.locator(".jp-OutputArea-output.cl-graph");
    await expect.poll(() => graphs.count()).toBeGreaterThanOrEqual(2);
    const first = graphs.first();
    // The MLP fixture folds Linear#1: 6 visible boxes, 5 edges with shape labels.
    expect(await first.locator("g.cl-node").count()).toBe(6);
    expect(await first.locator("g.cl-edge").count()).toBe(5);
    expect(await first.locator(".cl-legend-bar").count()).toBe(1);
    const fill = await first.locator('g.cl-node[data-node-id="n1"] rect').evaluate((r) => getComputedStyle(r).fill);
    expect(fill).toMatch(/^rgb/);
    expect(await page.getByText(FALLBACK_MARKER).count()).toBe(0);
  });

  it("clicking a folded composite expands it; clicking a node opens its details", async () => {
    const graph = page.locator(".jp-OutputArea-output.cl-graph").first();
    await graph.locator('g.cl-node[data-node-id="scope:Linear#1"]').click();
    await expect.poll(() => graph.locator("g.cl-node").count()).toBe(7);
    await graph.locator('g.cl-node[data-node-id="n1"]').click();
    await expect.poll(() => graph.locator(".cl-graph-detail table.cl-matrix").count()).toBe(2);
    // A node whose payload carries its rule shows that chain-rule step, typeset.
    await graph.locator('g.cl-node[data-node-id="n5"]').click();
    await expect
      .poll(() => graph.locator(".cl-graph-detail .cl-node-rule mjx-container").count(), { timeout: 30_000 })
      .toBe(2);
    await graph.locator('g.cl-node[data-node-id="n5"]').hover();
    await expect.poll(() => graph.locator(".cl-hover:not([hidden])").count()).toBe(1);
  });

  it("zooms with the buttons and Ctrl+wheel, pans by dragging", async () => {
    const graph = page.locator(".jp-OutputArea-output.cl-graph").first();
    const viewport = graph.locator("g.cl-graph-viewport");
    const transform = async () => {
      const t = (await viewport.getAttribute("transform")) ?? "";
      const m = /translate\(([-\d.]+),([-\d.]+)\) scale\(([-\d.]+)\)/.exec(t);
      if (!m) throw new Error(`unexpected transform ${t}`);
      return { x: Number(m[1]), y: Number(m[2]), k: Number(m[3]) };
    };
    await graph.locator("button", { hasText: "fit" }).click();
    const fitted = await transform();
    await graph.locator("button", { hasText: "+" }).click();
    // One button step is ZOOM_STEP (1.6, extension/src/renderers/GraphRenderer.ts).
    expect((await transform()).k).toBeCloseTo(Math.min(8, fitted.k * 1.6), 3);
    const box = (await graph.locator("svg.cl-graph-svg").boundingBox())!;
    await page.mouse.move(box.x + 20, box.y + 20);
    await page.keyboard.down("Control");
    await page.mouse.wheel(0, -100);
    await page.keyboard.up("Control");
    await expect.poll(async () => (await transform()).k).toBeGreaterThan(Math.min(8, fitted.k * 1.6));
    const before = await transform();
    await page.mouse.move(box.x + 10, box.y + 10);
    await page.mouse.down();
    await page.mouse.move(box.x + 60, box.y + 40, { steps: 5 });
    await page.mouse.up();
    const after = await transform();
    expect(after.x - before.x).toBeCloseTo(50, 0);
    expect(after.y - before.y).toBeCloseTo(30, 0);
    await graph.locator("button", { hasText: "fit" }).click();
  });

  it("the anomaly origin is highlighted", async () => {
    const graph = page.locator(".jp-OutputArea-output.cl-graph").nth(1);
    expect(await graph.locator("g.cl-node--anomaly").count()).toBe(1);
  });

  it("the heatmap renderer drew a plotly heatmap with value and gradient", async () => {
    const plot = page.locator(".cl-heatmap .cl-heatmap-plot.js-plotly-plot").first();
    await plot.waitFor({ timeout: 60_000 });
    expect(await plot.locator(".heatmaplayer image, g.hm image").count()).toBe(2);
    const titles = await plot.locator(".annotation-text").allTextContents();
    expect(titles).toEqual(["W", "dL/dW"]);
  });

  it("clicking a gradient cell shows that element's contribution map from the payload", async () => {
    const plot = page.locator(".cl-heatmap .cl-heatmap-plot.js-plotly-plot").first();
    await plot.scrollIntoViewIfNeeded();
    // Pixel position of cell W[1, 1] in the gradient panel (x2/y2 axes), from plotly's own axes.
    const at = await plot.evaluate((el: any) => {
      const xa = el._fullLayout.xaxis2;
      const ya = el._fullLayout.yaxis2;
      const box = el.getBoundingClientRect();
      return { x: box.left + xa._offset + xa.l2p(1), y: box.top + ya._offset + ya.l2p(1) };
    });
    await page.mouse.click(at.x, at.y);
    const contribution = page.locator(".cl-heatmap .cl-heatmap-contribution.js-plotly-plot");
    await expect.poll(() => contribution.count(), { timeout: 20_000 }).toBe(1);
    expect(await contribution.locator(".gtitle").textContent()).toContain("W[1, 1]");
  });

  it("a rank-3 heatmap has a slice selector that redraws in place", async () => {
    const heatmap = page.locator(".jp-OutputArea-output.cl-heatmap").nth(1);
    const select = heatmap.locator("select.cl-select");
    expect(await select.locator("option").allTextContents()).toEqual(["T[0, :, :]", "T[1, :, :]"]);
    const first = await heatmap.locator(".cl-heatmap-plot").evaluate((el: any) => el.data[0].z[0][0]);
    await select.selectOption("1");
    await expect
      .poll(() => heatmap.locator(".cl-heatmap-plot").evaluate((el: any) => el.data[0].z[0][0]))
      .toBe(first + 1);
    expect(await heatmap.locator(".js-plotly-plot").count()).toBe(1);
    expect(await heatmap.locator(".cl-heatmap-notes").textContent()).toContain("showing 2 of 3 slices");
  });

  it("the chain renderer typeset its maths with MathJax", async () => {
    const chain = page.locator(".cl-chain-output");
    await expect.poll(() => chain.locator("mjx-container").count(), { timeout: 60_000 }).toBeGreaterThan(5);
    expect(await chain.locator("details.cl-chain-step").count()).toBe(2);
    // Summed indices are coloured through theme variables inside the typeset maths.
    const colours = await chain
      .locator("mjx-container mjx-mstyle")
      .evaluateAll((els) => els.map((e) => e.getAttribute("style")));
    expect(colours).toContain("color: var(--jp-brand-color1);");
    expect(await chain.locator(".cl-pass").count()).toBe(1);
  });

  it("a payload from a newer chainlab shows a readable message", async () => {
    const error = page.locator(".cl-graph .cl-error");
    await expect.poll(() => error.count()).toBe(1);
    expect(await error.textContent()).toContain("newer than this extension");
  });

  it("follows the light and dark themes (screenshots in test-results/)", async () => {
    await setTheme(page, "JupyterLab Light");
    const fontLight = await page
      .locator(".cl-heatmap-plot .annotation-text")
      .first()
      .evaluate((t) => getComputedStyle(t).fill);
    await page.screenshot({ path: path.join(RESULTS, "saved-light.png"), fullPage: true });
    await page.locator(".cl-heatmap").first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(RESULTS, "saved-light-heatmap.png") });
    await setTheme(page, "JupyterLab Dark");
    const fontDark = await page
      .locator(".cl-heatmap-plot .annotation-text")
      .first()
      .evaluate((t) => getComputedStyle(t).fill);
    expect(fontDark).not.toBe(fontLight);
    const nodeFill = await page
      .locator('.cl-graph g.cl-node[data-node-id="n0"] rect')
      .first()
      .evaluate((r) => getComputedStyle(r).fill);
    expect(nodeFill).not.toBe("rgb(255, 255, 255)");
    await page.locator(".cl-graph").first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(RESULTS, "saved-dark.png") });
    await page.locator(".cl-chain-output").scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(RESULTS, "saved-dark-chain.png") });
    await setTheme(page, "JupyterLab Light");
  });
});

describe("live notebook run through the chainlab kernel", () => {
  let page: Page;
  beforeAll(async () => {
    page = await browser.context.newPage();
    await openNotebook(page, "live.ipynb");
    // The kernel must be up before "run all", or the first cells queue behind its start.
    await page.waitForFunction(
      () => (window as any).jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel?.status === "idle",
      undefined,
      { timeout: 90_000, polling: 250 },
    );
    await page.evaluate(() => {
      void (window as any).jupyterapp.commands.execute("notebook:run-all-cells");
    });
    // Every code cell has run once its prompt shows a number; on a timeout keep a screenshot.
    await waitForAllCellsRun(page);
  });

  it("no cell failed", async () => {
    const errors = await page
      .locator(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'], .jp-RenderedText[data-mime-type='application/vnd.jupyter.error']",
      )
      .allTextContents();
    expect(errors.join("\n")).toBe("");
  });

  it("graphs before and after backward() come from our renderer", async () => {
    const graphs = page.locator(".jp-OutputArea-output.cl-graph");
    await expect.poll(() => graphs.count(), { timeout: 30_000 }).toBe(2);
    await expect.poll(() => graphs.nth(1).locator("g.cl-node").count()).toBeGreaterThan(3);
    expect(await graphs.nth(0).locator(".cl-grad--not-computed").count()).toBeGreaterThan(0);
    expect(await graphs.nth(1).locator(".cl-grad--computed").count()).toBeGreaterThan(0);
  });

  it("a live heatmap was updated in place by update_display_data (Plotly.react, one plot)", async () => {
    const heatmaps = page.locator(".jp-OutputArea-output.cl-heatmap");
    await expect.poll(() => heatmaps.count(), { timeout: 30_000 }).toBe(2);
    const live = heatmaps.nth(1);
    await expect
      .poll(() => live.locator(".cl-heatmap-plot").getAttribute("data-frame"), { timeout: 30_000 })
      .toBe(String(LIVE_FRAMES));
    expect(await live.locator(".cl-heatmap-plot").count()).toBe(1);
    expect(await live.locator(".heatmaplayer image, g.hm image").count()).toBeGreaterThan(0);
  });

  it("gradient norms are drawn as a plotly bar chart", async () => {
    const plot = page.locator(".jp-OutputArea-output.cl-plot .js-plotly-plot");
    await expect.poll(() => plot.count(), { timeout: 30_000 }).toBe(1);
    expect(await plot.locator("g.point, .bars path").count()).toBeGreaterThan(0);
  });

  it("the chain rule is typeset by MathJax", async () => {
    const chain = page.locator(".jp-OutputArea-output.cl-chain-output");
    await expect.poll(() => chain.locator("mjx-container").count(), { timeout: 60_000 }).toBeGreaterThan(2);
    expect(await chain.locator(".cl-pass").count()).toBe(1);
  });

  it("screenshots of the live notebook in light and dark", async () => {
    await setTheme(page, "JupyterLab Light");
    await page.locator(".cl-graph").nth(1).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(RESULTS, "live-light-graph.png") });
    await page.locator(".cl-plot").scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(RESULTS, "live-light-plot.png") });
    await setTheme(page, "JupyterLab Dark");
    await page.locator(".cl-heatmap").nth(1).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(RESULTS, "live-dark-heatmap.png") });
    await page.locator(".cl-chain-output").scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(RESULTS, "live-dark-chain.png") });
    await setTheme(page, "JupyterLab Light");
  });
});
