import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type Browser } from "./browser";
import { REPO, startLab, type RunningLab } from "./jupyterLab";
import { FALLBACK_MARKER, savedOutputsNotebook } from "./notebooks";

const RESULTS = path.join(REPO, "test-results");

let lab: RunningLab;
let browser: Browser;

beforeAll(async () => {
  fs.mkdirSync(RESULTS, { recursive: true });
  lab = await startLab({ "saved.ipynb": savedOutputsNotebook() });
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
  await page.evaluate((t) => (window as any).jupyterapp.commands.execute("apputils:change-theme", { theme: t }), theme);
  const light = theme === "JupyterLab Light" ? "true" : "false";
  await page.waitForSelector(`body[data-jp-theme-light="${light}"]`, { state: "attached", timeout: 30_000 });
  await page.waitForTimeout(800);
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
    await graph.locator('g.cl-node[data-node-id="n5"]').hover();
    await expect.poll(() => graph.locator(".cl-hover:not([hidden])").count()).toBe(1);
  });

  it("the anomaly origin is highlighted", async () => {
    const graph = page.locator(".jp-OutputArea-output.cl-graph").nth(1);
    expect(await graph.locator("g.cl-node--anomaly").count()).toBe(1);
  });

  it("the heatmap renderer drew a plotly heatmap with value and gradient", async () => {
    const plot = page.locator(".cl-heatmap .cl-heatmap-plot.js-plotly-plot");
    await plot.waitFor({ timeout: 60_000 });
    expect(await plot.locator(".heatmaplayer image, g.hm image").count()).toBe(2);
    const titles = await plot.locator(".annotation-text").allTextContents();
    expect(titles).toEqual(["W", "dL/dW"]);
  });

  it("the chain renderer typeset its maths with MathJax", async () => {
    const chain = page.locator(".cl-chain-output");
    await expect.poll(() => chain.locator("mjx-container").count(), { timeout: 60_000 }).toBeGreaterThan(5);
    expect(await chain.locator("details.cl-chain-step").count()).toBe(2);
    expect(await chain.locator(".cl-pass").count()).toBe(1);
  });

  it("a payload from a newer chainlab shows a readable message", async () => {
    const error = page.locator(".cl-graph .cl-error");
    await expect.poll(() => error.count()).toBe(1);
    expect(await error.textContent()).toContain("newer than this extension");
  });

  it("follows the light and dark themes (screenshots in test-results/)", async () => {
    await setTheme(page, "JupyterLab Light");
    const fontLight = await page.locator(".cl-heatmap-plot .annotation-text").first().evaluate((t) => getComputedStyle(t).fill);
    await page.screenshot({ path: path.join(RESULTS, "saved-light.png"), fullPage: true });
    await page.locator(".cl-heatmap").scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(RESULTS, "saved-light-heatmap.png") });
    await setTheme(page, "JupyterLab Dark");
    const fontDark = await page.locator(".cl-heatmap-plot .annotation-text").first().evaluate((t) => getComputedStyle(t).fill);
    expect(fontDark).not.toBe(fontLight);
    const nodeFill = await page.locator('.cl-graph g.cl-node[data-node-id="n0"] rect').first().evaluate((r) => getComputedStyle(r).fill);
    expect(nodeFill).not.toBe("rgb(255, 255, 255)");
    await page.locator(".cl-graph").first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(RESULTS, "saved-dark.png") });
    await page.locator(".cl-chain-output").scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(RESULTS, "saved-dark-chain.png") });
    await setTheme(page, "JupyterLab Light");
  });
});
