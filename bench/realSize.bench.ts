/**
 * Real-size benchmarks (npm run bench:render; measured, never asserted as timings): bundle
 * bytes per view, expandChain on 10,000- and 100,000-op chains, and the first readable render
 * of kernel-built 2,000- and 20,000-op graphs in Chromium. Results go to .bench/real-size.json.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { expandChain, type Tensor } from "../kernel/src/index";
import { boundedGraphBundle } from "../kernel/src/display/graphBudget";
import { chainBundle } from "../kernel/src/display/bundles";
import { BUNDLE_BUDGET, MIME_GRAPH } from "../kernel/src/protocol";
import { launchBrowser } from "../test/e2e/browser";
import { REPO, startLab } from "../test/e2e/jupyterLab";
import { bigParamChainBytes, bytes, graphBytes, mlpHeatmapBytes } from "./payloadSizes";
import { deepMlp, tanhChain } from "../test/display/largeGraphs";

const OUT = path.join(REPO, ".bench/real-size.json");

function save(key: string, value: unknown): void {
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  const all = fs.existsSync(OUT) ? JSON.parse(fs.readFileSync(OUT, "utf8")) : {};
  all[key] = value;
  fs.writeFileSync(OUT, JSON.stringify(all, null, 2));
  console.log(key, JSON.stringify(value, null, 2));
}

/** ~5 ops a layer, each layer its own weight (test/display/largeGraphs.ts): nothing folds, the graph is cut to budget. */
function trainedMlp(layers: number): Tensor {
  const { L } = deepMlp(layers);
  L.backward();
  return L;
}

it("bundle sizes per view and expandChain on long chains", () => {
  const sizes = {
    mlpHeatmapBundle: mlpHeatmapBytes(),
    chain300GraphBundle: graphBytes(100),
    chain500GraphBundle: graphBytes(167),
    graph2000Bundle: bytes(boundedGraphBundle(trainedMlp(400))),
    graph20000Bundle: bytes(boundedGraphBundle(trainedMlp(4000))),
    bigParamChainBundle: bigParamChainBytes(1000),
  };
  const chains: Record<string, { ms: number; bundleBytes: number }> = {};
  for (const steps of [167, 3334, 33334]) {
    const { x, L } = tanhChain(steps, { size: 2 });
    const t0 = performance.now();
    const p = expandChain(L, x);
    const ms = Math.round(performance.now() - t0);
    chains[`${steps * 3 + 2} nodes`] = { ms, bundleBytes: bytes(chainBundle(p)) };
  }
  save("sizes", sizes);
  save("expandChain", chains);
  for (const c of Object.values(chains)) expect(c.bundleBytes).toBeLessThanOrEqual(BUNDLE_BUDGET.chain);
}, 600_000);

it("first readable render of 2,000- and 20,000-op graphs in Chromium", async () => {
  const nb = (L: Tensor) =>
    JSON.stringify({
      cells: [
        {
          cell_type: "code",
          execution_count: null,
          metadata: {},
          source: [],
          outputs: [{ output_type: "display_data", metadata: {}, data: boundedGraphBundle(L) }],
        },
      ],
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5,
    });
  const lab = await startLab({
    "warm.ipynb": nb(trainedMlp(4)),
    "g2000.ipynb": nb(trainedMlp(400)),
    "g20000.ipynb": nb(trainedMlp(4000)),
  });
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    await page.goto(`${lab.url}lab/tree/warm.ipynb`);
    await page.waitForSelector(".cl-graph g.cl-node", { timeout: 120_000 });
    const result: Record<string, unknown> = {};
    for (const file of ["g2000.ipynb", "g20000.ipynb"]) {
      await page.evaluate(() => performance.clearMeasures());
      await page.evaluate(
        async (p) => (window as any).jupyterapp.commands.execute("docmanager:open", { path: p }),
        file,
      );
      await page.waitForFunction(
        `document.querySelectorAll(".jp-NotebookPanel:not(.lm-mod-hidden) .cl-graph g.cl-node").length > 20`,
        undefined,
        { timeout: 120_000 },
      );
      await page
        .locator(".jp-Dialog .jp-mod-reject")
        .first()
        .click({ timeout: 5_000 })
        .catch(() => undefined);
      await page.waitForTimeout(300);
      const m = await page.evaluate(() =>
        performance
          .getEntriesByType("measure")
          .filter((x) => x.name.startsWith("chainlab:"))
          .map((x) => ({ name: x.name, ms: Math.round(x.duration) })),
      );
      const zoom = await page.evaluate(() =>
        Number(document.querySelector<HTMLElement>(".jp-NotebookPanel:not(.lm-mod-hidden) .cl-graph")?.dataset.zoom),
      );
      const nodes = await page.evaluate(
        () => document.querySelectorAll(".jp-NotebookPanel:not(.lm-mod-hidden) .cl-graph g.cl-node").length,
      );
      const firstView = {
        renderMs: Math.max(...m.filter((x) => x.name === `chainlab:render:${MIME_GRAPH}`).map((x) => x.ms)),
        layoutMs: Math.max(...m.filter((x) => x.name === "chainlab:layout:graph").map((x) => x.ms)),
        zoom,
        nodes,
        loadavg: os.loadavg().map((l) => Number(l.toFixed(2))),
      };
      await page.screenshot({ path: path.join(REPO, `.bench/real-size-${file.replace(".ipynb", "")}.png`) });
      // One expand: the cut part opens from the payload (layout of the bigger drawing + draw).
      await page.evaluate(() => performance.clearMeasures());
      const t0 = Date.now();
      await page.evaluate(() =>
        document
          .querySelector(".jp-NotebookPanel:not(.lm-mod-hidden) .cl-graph g.cl-node--summary.cl-node--folded")
          ?.dispatchEvent(new MouseEvent("click", { bubbles: true })),
      );
      await page.waitForSelector(".jp-NotebookPanel:not(.lm-mod-hidden) .cl-graph g.cl-node--detail", {
        timeout: 120_000,
      });
      const wallMs = Date.now() - t0;
      const opened = await page.evaluate(() =>
        performance
          .getEntriesByType("measure")
          .filter((x) => x.name.startsWith("chainlab:"))
          .map((x) => ({ name: x.name, ms: Math.round(x.duration) })),
      );
      const after = {
        wallMs,
        layoutMs: Math.max(0, ...opened.filter((x) => x.name === "chainlab:layout:graph").map((x) => x.ms)),
        drawMs: Math.max(0, ...opened.filter((x) => x.name === "chainlab:draw:graph").map((x) => x.ms)),
        nodes: await page.evaluate(
          () => document.querySelectorAll(".jp-NotebookPanel:not(.lm-mod-hidden) .cl-graph g.cl-node").length,
        ),
        loadavg: os.loadavg().map((l) => Number(l.toFixed(2))),
      };
      await page.screenshot({ path: path.join(REPO, `.bench/real-size-${file.replace(".ipynb", "")}-opened.png`) });
      result[file] = { firstView, afterOneExpand: after };
    }
    result.chromium = browser.context.browser()?.version();
    save("render", result);
  } finally {
    await browser.close();
    await lab.stop();
  }
}, 600_000);
