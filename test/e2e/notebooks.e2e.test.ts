import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHAINLAB_MIME_TYPES } from "../../kernel/src/protocol";
import { launchBrowser, type Browser } from "./browser";
import { REPO, startLab, type RunningLab } from "./jupyterLab";
import { readmeNotebook } from "./notebooks";

/**
 * The project's worked examples (notebooks/*.ipynb), run in JupyterLab through the chainlab
 * kernel: no cell fails, and every output carrying a chainlab MIME type was drawn by our
 * renderer (its element has class cl-output), never by a fallback. One screenshot each.
 */
const RESULTS = path.join(REPO, "test-results");
const NOTEBOOKS = fs
  .readdirSync(path.join(REPO, "notebooks"))
  .filter((f) => f.endsWith(".ipynb"))
  .sort();

let lab: RunningLab;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  fs.mkdirSync(RESULTS, { recursive: true });
  lab = await startLab({ [README_NB]: readmeNotebook(fs.readFileSync(path.join(REPO, "README.md"), "utf8")) }, [
    path.join(REPO, "notebooks"),
  ]);
  browser = await launchBrowser();
  page = await browser.context.newPage();
  await page.goto(`${lab.url}lab`);
  await page.waitForFunction(() => (window as any).jupyterapp?.commands?.hasCommand("docmanager:open"), undefined, {
    timeout: 90_000,
  });
  await page.evaluate(() => (window as any).jupyterapp.restored);
});

afterAll(async () => {
  await browser?.close();
  if (lab) {
    fs.writeFileSync(path.join(RESULTS, "jupyterlab-notebooks.log"), lab.log());
    await lab.stop();
  }
});

/** The README's example sits next to the copied notebooks/ folder. */
const README_NB = "readme-example.ipynb";
const nbPath = (name: string) => (name === README_NB ? name : `notebooks/${name}`);

interface RunReport {
  codeCells: number;
  unrun: number;
  errors: string[];
  chainlabOutputs: number;
  drawnByUs: number;
}

describe("worked-example notebooks", () => {
  it("there are notebooks to run", () => expect(NOTEBOOKS.length).toBeGreaterThan(0));

  for (const name of [...NOTEBOOKS, README_NB]) {
    it(`${name}: runs without errors and every chainlab output is drawn by our renderers`, async () => {
      await page.evaluate(async (p) => {
        await (window as any).jupyterapp.commands.execute("docmanager:open", { path: p });
      }, nbPath(name));
      await page.waitForFunction(
        (p) => {
          const w = (window as any).jupyterapp.shell.currentWidget;
          return w?.context?.path === p && w.sessionContext?.session?.kernel?.status === "idle";
        },
        nbPath(name),
        { timeout: 90_000, polling: 250 },
      );
      await page.evaluate(() => {
        void (window as any).jupyterapp.commands.execute("notebook:run-all-cells");
      });
      const report = async (): Promise<RunReport> =>
        page.evaluate(
          (mimes) => {
            const panel = (window as any).jupyterapp.shell.currentWidget;
            const model = panel.content.model;
            const r = { codeCells: 0, unrun: 0, errors: [] as string[], chainlabOutputs: 0, drawnByUs: 0 };
            for (let i = 0; i < model.cells.length; i++) {
              const cell = model.cells.get(i);
              if (cell.type !== "code") continue;
              r.codeCells++;
              if (cell.executionCount === null) r.unrun++;
              for (let j = 0; j < cell.outputs.length; j++) {
                const out = cell.outputs.get(j).toJSON();
                if (out.output_type === "error") r.errors.push(`${out.ename}: ${out.evalue}`);
                if (out.data && mimes.some((m: string) => m in out.data)) r.chainlabOutputs++;
              }
            }
            r.drawnByUs = panel.node.querySelectorAll(".jp-OutputArea-output.cl-output").length;
            return r;
          },
          [...CHAINLAB_MIME_TYPES],
        );
      const deadline = Date.now() + 150_000;
      let r = await report();
      while (
        (r.unrun > 0 ||
          (await page.evaluate(
            () => (window as any).jupyterapp.shell.currentWidget.sessionContext.session?.kernel?.status,
          )) !== "idle") &&
        Date.now() < deadline
      ) {
        await page.waitForTimeout(500);
        r = await report();
      }
      // Renderers draw asynchronously (lazy elkjs/plotly); give them a moment to attach.
      await expect.poll(async () => (await report()).drawnByUs, { timeout: 30_000 }).toBe(r.chainlabOutputs);
      r = await report();
      const stem = name.replace(/\.ipynb$/, "");
      await page.screenshot({ path: path.join(RESULTS, `notebook-${stem}.png`) });
      const graph = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .cl-graph").first();
      if (await graph.count()) await graph.screenshot({ path: path.join(RESULTS, `notebook-${stem}-graph.png`) });
      // The chain-rule view on its own: the closed formula on top, the teaching step open.
      const chainView = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .cl-chain-output").first();
      if (await chainView.count()) {
        await chainView.scrollIntoViewIfNeeded();
        await expect.poll(() => chainView.locator("mjx-container").count(), { timeout: 60_000 }).toBeGreaterThan(2);
        expect(await chainView.locator(".cl-chain-closed .cl-math").count()).toBeGreaterThan(0);
        // Each path opens on its own teaching step (08 and 10 show several paths): one at most per
        // path, and at least one on the view.
        const openPerPath = await chainView
          .locator(".cl-chain-path")
          .evaluateAll((paths) => paths.map((p) => p.querySelectorAll("details.cl-chain-step[open]").length));
        expect(openPerPath.length).toBeGreaterThan(0);
        expect(openPerPath.every((n) => n <= 1)).toBe(true);
        expect(openPerPath.some((n) => n === 1)).toBe(true);
        // A formula wider than the output scrolls inside its row; nothing is cut off at the edge
        // (08's collapsed convolution sum once ran past it, its copy button squeezed).
        const sticksOut = await chainView.evaluate((root) => {
          // The cell's output area is the edge the reader sees (the view itself may be wider).
          const frame = root.closest(".jp-OutputArea") ?? root;
          const edge = frame.getBoundingClientRect().right + 1;
          return [...root.querySelectorAll<HTMLElement>(".cl-chain-row")]
            .filter((row) => row.offsetParent !== null)
            .flatMap((row) => [...row.children] as HTMLElement[])
            .filter((el) => el.getBoundingClientRect().right > edge)
            .map((el) => `${el.className}: ${(el.dataset.text ?? el.textContent ?? "").slice(0, 60)}`);
        });
        expect(sticksOut).toEqual([]);
        // ...and its "copy LaTeX" button keeps its one line (it was squeezed to two beside a wide formula).
        const buttonHeights = await chainView
          .locator(".cl-chain-row > .cl-copy-latex")
          .evaluateAll((bs) => bs.filter((b) => (b as HTMLElement).offsetParent !== null).map((b) => b.clientHeight));
        expect(buttonHeights.length).toBeGreaterThan(0);
        expect(Math.max(...buttonHeights) - Math.min(...buttonHeights)).toBeLessThanOrEqual(1);
        await chainView.screenshot({ path: path.join(RESULTS, `notebook-${stem}-chain.png`) });
      }
      // The conv filter grid (08) and the attention map (09), each on its own, to look at.
      for (const [needle, file] of [
        ["row = out channel", "filters"],
        ["row = query position", "attention"],
      ]) {
        const view = page
          .locator(".jp-NotebookPanel:not(.lm-mod-hidden) .cl-output")
          .filter({ hasText: needle })
          .last();
        if (!(await view.count())) continue;
        await view.scrollIntoViewIfNeeded();
        await expect.poll(() => view.locator(".main-svg").count(), { timeout: 30_000 }).toBeGreaterThan(0);
        await view.screenshot({ path: path.join(RESULTS, `notebook-${stem}-${file}.png`) });
      }
      // 08's batch-norm box: hovering it shows the running statistics on its card.
      const bnBox = page
        .locator(".jp-NotebookPanel:not(.lm-mod-hidden) .cl-graph g.cl-node")
        .filter({ hasText: "batchNorm" })
        .first();
      if (stem === "08-convolution") {
        // The first view is zoomed legibly around the output: fit the whole graph first.
        await graph.scrollIntoViewIfNeeded();
        await graph.locator("button[title^='fit the whole graph']").click();
        await page.waitForTimeout(300);
        await bnBox.hover();
        const card = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .cl-graph .cl-hover:not([hidden])").first();
        await expect.poll(() => card.locator(".cl-card-buffers").count(), { timeout: 10_000 }).toBe(1);
        expect(await card.locator(".cl-card-buffers caption").allTextContents()).toEqual([
          "bn.runningMean",
          "bn.runningVar",
        ]);
        await card.screenshot({ path: path.join(RESULTS, `notebook-${stem}-batchnorm-card.png`) });
      }
      expect(r.unrun, JSON.stringify(r)).toBe(0);
      expect(r.errors).toEqual([]);
      expect(r.chainlabOutputs).toBeGreaterThan(0);
      expect(r.drawnByUs).toBe(r.chainlabOutputs);
      // show.contributions draws its chosen element's map at once (no click needed).
      const panel = ".jp-NotebookPanel:not(.lm-mod-hidden)";
      const sources = await page.locator(`${panel} .jp-CodeCell .jp-InputArea`).allTextContents();
      if (sources.some((src) => src.includes("show.contributions("))) {
        await expect
          .poll(() => page.locator(`${panel} .cl-heatmap-contribution .main-svg`).count(), { timeout: 30_000 })
          .toBeGreaterThan(0);
      }
      // Free the kernel (2 cores are shared) and close without a save prompt.
      await page.evaluate(async () => {
        const panel = (window as any).jupyterapp.shell.currentWidget;
        await panel.sessionContext.shutdown();
        panel.context.model.dirty = false;
        panel.close();
      });
    });
  }
});
