// The static JupyterLite site (`npm run build:lite`) served from 127.0.0.1 as a static host
// would serve it, opened in Chromium: notebooks run through the browser kernel with every cell
// succeeding and every chainlab output drawn by chainlab's renderers; then the kernel's own
// behaviour through the page's real Jupyter client (services' KernelConnection): state across
// cells, rich values, errors, missing modules, interrupt and a crashed worker.
// Screenshots: test-results/lite-*.png (look at them).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type Browser } from "./browser";
import { REPO } from "./jupyterLab";
import { serveStatic, type StaticServer } from "./staticServer";
import { BROWSER_NOTEBOOKS } from "../lite/notebooks";

const SITE = path.join(REPO, "lite", "_output");
const RESULTS = path.join(REPO, "test-results");
const CHAINLAB_MIME = /^application\/vnd\.chainlab\./;
const DISPLAY_NAME = "TypeScript (chainlab, in the browser)";

let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  fs.mkdirSync(RESULTS, { recursive: true });
  execFileSync("bash", [path.join(REPO, "lite", "build-site.sh")], { cwd: REPO, stdio: "inherit" });
  // The built site, plus one page-config flag for the test only: window.jupyterapp, so the test
  // can read cell models and use the page's own kernel client.
  const config = JSON.parse(fs.readFileSync(path.join(SITE, "jupyter-lite.json"), "utf8"));
  config["jupyter-config-data"].exposeAppInBrowser = "true";
  const configFile = path.join(RESULTS, "lite-jupyter-lite.json");
  fs.writeFileSync(configFile, JSON.stringify(config));
  server = await serveStatic(SITE, { "/jupyter-lite.json": configFile });
  browser = await launchBrowser();
}, 900_000); // the site build: ~30 s, minutes on a loaded machine when the extension is rebuilt

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface CellReport {
  index: number;
  executionCount: number | null;
  errors: string[];
  /** Per output: its MIME types and how the page drew it. */
  outputs: { mimes: string[]; classes: string; drawn: boolean; rendererError: boolean }[];
}

async function openNotebook(page: Page, notebook: string): Promise<void> {
  await page.goto(`${server.url}lab/index.html?path=${encodeURIComponent(notebook)}`);
  await page.waitForFunction(
    (nb) => {
      const w = (window as any).jupyterapp?.shell?.currentWidget;
      return (
        w?.context?.path === nb &&
        w.content?.widgets?.length > 0 &&
        w.sessionContext?.session?.kernel?.status === "idle"
      );
    },
    notebook,
    { timeout: 120_000 },
  );
}

async function runAll(page: Page): Promise<{ ms: number; kernel: string }> {
  return page.evaluate(async () => {
    const app = (window as any).jupyterapp;
    const panel = app.shell.currentWidget;
    const t0 = performance.now();
    await app.commands.execute("notebook:run-all-cells");
    // run-all resolves when the cells are queued or done depending on the version: wait for both.
    const done = () =>
      panel.content.widgets.every(
        (c: any) =>
          c.model.type !== "code" ||
          (c.model.executionCount !== null &&
            !c.node.querySelector(".jp-InputArea-prompt")?.textContent?.includes("*")),
      );
    while (!done() || panel.sessionContext.session.kernel.status !== "idle")
      await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1500)); // renderers draw lazily (plotly, MathJax)
    return { ms: performance.now() - t0, kernel: panel.sessionContext.kernelDisplayName };
  });
}

async function reportCells(page: Page): Promise<CellReport[]> {
  return page.evaluate(async () => {
    const panel = (window as any).jupyterapp.shell.currentWidget;
    const reports = [];
    for (const [index, cell] of (panel.content.widgets as any[]).entries()) {
      if (cell.model.type !== "code") continue;
      // The notebook renders only cells near the viewport: bring each into view before reading.
      await panel.content.scrollToItem(index, "start");
      await new Promise((r) => setTimeout(r, 400));
      const json = cell.model.outputs.toJSON() as any[];
      const nodes = [...cell.node.querySelectorAll(".jp-OutputArea-child > .jp-OutputArea-output")] as HTMLElement[];
      reports.push({
        index,
        executionCount: cell.model.executionCount,
        errors: json.filter((o) => o.output_type === "error").map((o) => `${o.ename}: ${o.evalue}`),
        outputs: json.map((o, i) => {
          const node = nodes[i];
          return {
            mimes: Object.keys(o.data ?? {}),
            classes: node?.className ?? "(no node)",
            drawn:
              !!node &&
              (node.querySelector("svg, canvas, .js-plotly-plot, mjx-container, table, .MathJax") !== null ||
                (node.textContent ?? "").trim().length > 0),
            rendererError: !!node?.querySelector(".cl-error"),
          };
        }),
      });
    }
    return reports;
  });
}

describe("the static site runs the notebooks in the browser", () => {
  it.each(BROWSER_NOTEBOOKS)(
    "%s: every cell succeeds, every chainlab output drawn by chainlab's renderers",
    async (notebook) => {
      // A fresh profile per notebook: JupyterLite keeps its workspace (open tabs, kernels) in IndexedDB.
      const own = await launchBrowser();
      const page = await own.context.newPage();
      const pageErrors: string[] = [];
      page.on("pageerror", (e) => pageErrors.push(`${e.message}\n${e.stack ?? ""}`));
      try {
        await openNotebook(page, notebook);
        const run = await runAll(page);
        const cells = await reportCells(page);
        await page.screenshot({
          path: path.join(RESULTS, `lite-${notebook.replace(/\W+/g, "_")}.png`),
          fullPage: false,
        });
        console.log(`${notebook}: ${cells.length} code cells in ${Math.round(run.ms)} ms (${run.kernel})`);
        expect(run.kernel).toBe(DISPLAY_NAME);
        expect(cells.length).toBeGreaterThan(0);
        for (const c of cells) {
          expect({ cell: c.index, errors: c.errors }).toEqual({ cell: c.index, errors: [] });
          expect(typeof c.executionCount, `cell ${c.index} ran`).toBe("number");
          for (const o of c.outputs.filter((x) => x.mimes.some((m) => CHAINLAB_MIME.test(m)))) {
            expect(o.classes, `cell ${c.index}: chainlab output drawn by chainlab's renderer`).toContain("cl-output");
            expect(o.rendererError, `cell ${c.index}: renderer reported a bad payload`).toBe(false);
            expect(o.drawn, `cell ${c.index}: renderer drew something`).toBe(true);
          }
        }
        const chainlabOutputs = cells
          .flatMap((c) => c.outputs)
          .filter((o) => o.mimes.some((m) => CHAINLAB_MIME.test(m)));
        if (!notebook.startsWith("assignments/")) expect(chainlabOutputs.length).toBeGreaterThan(0);
        expect(pageErrors).toEqual([]);
      } finally {
        await own.close();
      }
    },
  );
});

/** Runs cells through the page's own Jupyter client on one browser kernel and collects iopub. */
interface Reply {
  status: string;
  ename?: string;
  evalue?: string;
  traceback?: string[];
  msgs: { type: string; content: any }[];
}

describe("the browser kernel through the page's Jupyter client", () => {
  let page: Page;

  beforeAll(async () => {
    page = await browser.context.newPage();
    await page.goto(`${server.url}lab/index.html`);
    await page.waitForFunction(() => (window as any).jupyterapp?.serviceManager?.isReady, null, { timeout: 120_000 });
    await page.evaluate(async () => {
      const app = (window as any).jupyterapp;
      await app.serviceManager.ready;
      const kernel = await app.serviceManager.kernels.startNew({ name: "chainlab" });
      (window as any).testKernel = kernel;
      (window as any).runCell = async (code: string) => {
        const msgs: { type: string; content: any }[] = [];
        const future = kernel.requestExecute({ code, stop_on_error: false });
        future.onIOPub = (m: any) => {
          if (m.header.msg_type !== "status" && m.header.msg_type !== "execute_input")
            msgs.push({ type: m.header.msg_type, content: m.content });
        };
        const reply = await future.done;
        return { ...reply.content, msgs };
      };
    });
  });

  afterAll(async () => {
    await page?.evaluate(() => (window as any).testKernel?.shutdown()).catch(() => undefined);
    await page?.close();
  });

  const run = (code: string): Promise<Reply> => page.evaluate((c) => (window as any).runCell(c), code);

  it("keeps declarations and imports across cells and re-runs a redeclaring cell", async () => {
    expect(
      (await run('import { tensor, show, display } from "chainlab";\nconst W = tensor([[1, 2], [3, 4]]);')).status,
    ).toBe("ok");
    expect((await run('const W = tensor([[5, 6], [7, 8]], { requiresGrad: true }).named("W");')).status).toBe("ok");
    const r = await run("W.sum().item()");
    expect(r.status).toBe("ok");
    const result = r.msgs.find((m) => m.type === "execute_result");
    expect(result?.content.data["text/plain"]).toBe("26");
  });

  it("sends the same MIME bundles as the tslab kernel: show.graph, a rich Tensor value, a live handle", async () => {
    const g = await run('const L = W.tanh().sum().named("L");\nshow.graph(L);');
    const shown = g.msgs.filter((m) => m.type === "display_data").map((m) => Object.keys(m.content.data));
    expect(shown[0]).toEqual(
      expect.arrayContaining(["application/vnd.chainlab.graph.v1+json", "image/svg+xml", "text/plain"]),
    );
    const t = await run("W");
    const value = t.msgs.find((m) => m.type === "execute_result")!.content.data;
    expect(Object.keys(value)).toEqual(expect.arrayContaining(["text/html", "text/plain"]));
    expect(value["text/plain"]).toMatch(/^tensor "W" shape \[2, ?2\] float64/);
    const live = await run(
      "const losses: number[] = [3, 2];\nconst h = show.plot({ loss: losses }, { live: true });\nlosses.push(1); h.update();",
    );
    const first = live.msgs.find((m) => m.type === "display_data")!;
    const update = live.msgs.find((m) => m.type === "update_display_data")!;
    expect(first.content.transient.display_id).toMatch(/^[0-9a-f]{16}$/);
    expect(update.content.transient.display_id).toBe(first.content.transient.display_id);
    expect(Object.keys(update.content.data)).toContain("application/vnd.chainlab.plot.v1+json");
    const custom = await run('({ [Symbol.for("Jupyter.display")]() { return { "text/markdown": "**hi**" }; } })');
    expect(custom.msgs.find((m) => m.type === "execute_result")!.content.data["text/markdown"]).toBe("**hi**");
  });

  it("streams stdout and stderr", async () => {
    const r = await run('console.log("out", 1, [2]);\nconsole.error("err");');
    const streams = r.msgs.filter((m) => m.type === "stream").map((m) => [m.content.name, m.content.text]);
    expect(streams).toEqual([
      ["stdout", "out 1 [ 2 ]\n"],
      ["stderr", "err\n"],
    ]);
  });

  it("reports a runtime error with the cell's line and column, and a ChainlabError's message", async () => {
    const r = await run("const ok = 1;\nconst bad = (undefined as any).x;");
    expect(r.status).toBe("error");
    expect(r.ename).toBe("TypeError");
    expect(r.traceback!.join("\n")).toContain("at cell line 2, column");
    const shapes = await run("tensor([1, 2, 3]).matmul(tensor([1, 2]))");
    expect(shapes.status).toBe("error");
    expect(shapes.ename).toBe("ChainlabError");
    expect(shapes.evalue).toMatch(/matmul/);
    const syntax = await run("const x = ;");
    expect(syntax.ename).toBe("SyntaxError");
    expect(syntax.traceback!.join("\n")).toContain("at cell line 1");
  });

  it("names a module the browser cannot provide, Node built-ins included", async () => {
    const fsr = await run('import fs from "fs";');
    expect(fsr.status).toBe("error");
    expect(fsr.evalue).toContain('"fs" is a Node.js built-in module');
    const other = await run('import * as _ from "lodash";');
    expect(other.evalue).toContain('Cannot find module "lodash"');
    expect((await run("W.sum().item()")).status).toBe("ok"); // the kernel is still usable
  });

  it("once the TypeScript checker has loaded, reports type errors at the cell's line and column and does not run the cell", async () => {
    // The checker loads in its own worker after the first cell; until then cells run unchecked
    // (and are handed to the checker, so later cells see their declarations).
    let r: Reply;
    const until = Date.now() + 180_000;
    do {
      r = await run('let typed = 0;\ntyped = "two";');
      if (r.status === "ok") await page.waitForTimeout(500);
    } while (r.status === "ok" && Date.now() < until);
    expect(r.status).toBe("error");
    expect(r.ename).toBe("TypeScriptError");
    expect(r.traceback!.join("\n")).toContain(
      "at cell line 2, column 1: Type 'string' is not assignable to type 'number'. (TS2322)",
    );
    const notRun = await run("const marker = 1;\nconst oops: string = marker;");
    expect(notRun.ename).toBe("TypeScriptError");
    const markerResult = await run("(globalThis as any).marker === undefined");
    expect(markerResult.msgs.find((m) => m.type === "execute_result")!.content.data["text/plain"]).toBe("true");
    // Earlier cells' declarations carry their types; a redeclaring cell replaces them.
    const method = await run("const s = W.sum();\nW.noSuchMethod();");
    expect(method.ename).toBe("TypeScriptError");
    expect(method.traceback!.join("\n")).toMatch(
      /at cell line 2, column 3: Property 'noSuchMethod' does not exist on type 'Tensor.*(TS2339)/,
    );
    expect((await run('const W = "now text";')).status).toBe("ok");
    const upper = await run("W.toUpperCase()");
    expect(upper.msgs.find((m) => m.type === "execute_result")!.content.data["text/plain"]).toContain("NOW TEXT");
  });

  it("Tab completes and Shift+Tab inspects from the checker, with cursor positions in code points", async () => {
    const ask = (kind: "complete" | "inspect", code: string) =>
      page.evaluate(
        async ([k, c]) => {
          const kernel = (window as any).testKernel;
          // Jupyter counts the cursor in code points: the emoji before it is one, not two UTF-16 units.
          const pos = Array.from(c).length;
          const reply =
            k === "complete"
              ? await kernel.requestComplete({ code: c, cursor_pos: pos })
              : await kernel.requestInspect({ code: c, cursor_pos: pos, detail_level: 0 });
          return reply.content;
        },
        [kind, code] as const,
      );
    await run('import { randn } from "chainlab";\nconst probe = randn([2, 2], { requiresGrad: true });');
    const code = 'const face = "😀"; probe.ba';
    const c = await ask("complete", code);
    expect(c.status).toBe("ok");
    expect(c.matches).toContain("backward");
    expect(c.matches.every((m: string) => m.toLowerCase().startsWith("ba"))).toBe(true);
    expect(c.cursor_start).toBe(Array.from(code).length - 2);
    expect(c.cursor_end).toBe(Array.from(code).length);
    const hidden = await ask("complete", "probe.");
    expect(hidden.matches).toEqual(expect.arrayContaining(["matmul", "sum"]));
    expect(hidden.matches.filter((m: string) => m.startsWith("_"))).toEqual([]);
    const info = await ask("inspect", "randn([2, 3], ");
    expect(info.found).toBe(true);
    expect(info.data["text/plain"]).toMatch(/randn\(shape: /);
  });

  it("interrupts an infinite loop by restarting the worker and says so; the kernel then works", async () => {
    const pending = run("let spins = 0;\nwhile (true) { spins++; }");
    await page.waitForTimeout(1500);
    await page.evaluate(() => (window as any).testKernel.interrupt());
    const r = await pending;
    expect(r.status).toBe("error");
    expect(r.evalue).toMatch(/Interrupted.*worker was restarted.*variables/);
    const after = await run('(globalThis as any).W === undefined ? "fresh" : "stale"');
    expect(after.msgs.find((m) => m.type === "execute_result")!.content.data["text/plain"]).toBe("fresh");
  });

  it("restarts a worker that stopped itself with a clear message", async () => {
    const r = await run("close();\nawait new Promise(() => {});");
    expect(r.status).toBe("error");
    expect(r.evalue).toMatch(/worker stopped.*close\(\).*restarted/);
    const after = await run("1 + 1");
    expect(after.msgs.find((m) => m.type === "execute_result")!.content.data["text/plain"]).toBe("2");
  });
});
