// Hostile payloads (issue 8): names, op labels and LaTeX carrying markup or javascript: links,
// enormous numbers, truncated and deeply nested JSON, a newer protocol version. In an
// untrusted reopened notebook and in a trusted live session, nothing from a payload may run:
// a global flag that every injection attempt would set stays unset, and each output is either
// drawn by our renderer or replaced by its readable error box.
import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type Browser } from "./browser";
import { REPO, startLab, type RunningLab } from "./jupyterLab";
import { MIME_CHAIN, MIME_GRAPH, MIME_HEATMAP } from "../../kernel/src/protocol";

const RESULTS = path.join(REPO, "test-results");
const FIXTURES = path.join(REPO, "test/fixtures/payloads");
const FLAG = "__chainlabPwned";
const IMG = `<img src=x onerror="window.${FLAG}='img'">`;
const SCRIPT = `</script><script>window.${FLAG}='script'</script>`;
const HREF = `\\href{javascript:window.${FLAG}='href'}{click}`;

function fixture(name: string): any {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name), "utf8"));
}
/** Replaces every string in a payload that looks like a label with a hostile one. */
const LABELS = ["name", "op", "from", "to", "text", "title", "intermediate"];
function poison(v: any, key = "", labels = LABELS): any {
  if (typeof v === "string") {
    if (key === "latex") return `${v} ${HREF} ${IMG}`;
    if (labels.includes(key)) return `${v}${IMG}${SCRIPT}`;
    return v;
  }
  // Enormous values, but shapes and indices (integers) stay valid so the payload still draws.
  if (typeof v === "number") return Number.isInteger(v) ? v : v * 1e300;
  if (Array.isArray(v)) return v.map((x) => poison(x, key, labels));
  if (v && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, poison(x, k, labels)]));
  return v;
}
/** Graphs no kernel builds: an edge back to the first node, a repeated id, 6,000 nodes. */
function badGraphs(): [string, string, unknown][] {
  const g = fixture("handmade-graph-mlp.json");
  const first = g.nodes[0];
  const cycle = { ...g, edges: [...g.edges, { from: g.output, to: first.id, argIndex: 0, shape: [] }] };
  const dup = { ...g, nodes: [...g.nodes, { ...first }] };
  const leaf = { ...first, name: undefined, value: { ...first.value, values: undefined } };
  const many = { ...g, nodes: [...g.nodes, ...Array.from({ length: 6_000 }, (_, i) => ({ ...leaf, id: `m${i}` }))] };
  return [
    ["graph edges with a cycle", MIME_GRAPH, cycle],
    ["graph with a duplicate node id", MIME_GRAPH, dup],
    ["graph with 6,000 nodes (over the 5,000 a view draws)", MIME_GRAPH, many],
  ];
}
function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

const outputs: [string, string, unknown][] = [
  // In a graph, "from"/"to" are node ids (kept valid); names, ops and scopes carry the attack.
  ["poisoned graph", MIME_GRAPH, poison(fixture("handmade-graph-mlp.json"), "", ["name", "op", "scope", "attrs"])],
  ["poisoned heatmap", MIME_HEATMAP, poison(fixture("handmade-heatmap-matrix.json"))],
  ["poisoned chain", MIME_CHAIN, poison(fixture("handmade-chain-matmul.json"))],
  ["newer version", MIME_GRAPH, { ...fixture("handmade-graph-mlp.json"), version: 2 }],
  ["truncated JSON", MIME_CHAIN, '{"version":1,"kind":"chain","paths":[{"steps":['],
  ...badGraphs(),
  // 400 levels: deeper JSON cannot even be loaded by the Jupyter server (Python recursion limit).
  [
    "deeply nested",
    MIME_HEATMAP,
    {
      version: 1,
      kind: "heatmap",
      name: "deep",
      shape: [1],
      show: "value",
      gradState: "computed",
      slices: nested(400),
    },
  ],
];

function notebook(): string {
  let id = 0;
  const cells = outputs.map(([label, mime, data]) => ({
    id: `c${++id}`,
    cell_type: "code",
    execution_count: null,
    metadata: {},
    source: [`// ${label}`],
    outputs: [{ output_type: "display_data", metadata: {}, data: { [mime]: data, "text/plain": label } }],
  }));
  cells.push({
    id: `c${++id}`,
    cell_type: "code",
    execution_count: null,
    metadata: {},
    source: [
      'import { tensor, show } from "chainlab";\n',
      `const W = tensor([[1, -2], [3, 4]], { requiresGrad: true, name: ${JSON.stringify(IMG)} });\n`,
      `const x = tensor([0.5, -1], { name: ${JSON.stringify(SCRIPT)} });\n`,
      `const L = W.matmul(x).tanh().sum().named(${JSON.stringify("L" + HREF)});\n`,
      "L.backward();\n",
      "show.graph(L); show.heatmap(W); show.chain(L, W);",
    ],
    outputs: [],
  } as any);
  return JSON.stringify({
    cells,
    metadata: {
      kernelspec: { name: "chainlab", display_name: "TypeScript (chainlab)", language: "typescript" },
      language_info: { name: "typescript" },
    },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

let lab: RunningLab;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  fs.mkdirSync(RESULTS, { recursive: true });
  lab = await startLab({ "hostile.ipynb": notebook() });
  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.on("pageerror", (err) => pageErrors.push(err.message));
  page.on("dialog", (d) => {
    pageErrors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(`${lab.url}lab/tree/hostile.ipynb`);
  await page.waitForSelector(".jp-NotebookPanel .jp-Notebook", { timeout: 90_000 });
});

afterAll(async () => {
  await browser?.close();
  await lab?.stop();
});

async function pwned(): Promise<unknown> {
  return page.evaluate((flag) => (window as any)[flag], FLAG);
}
async function outputOf(cell: number) {
  return page.locator(".jp-Notebook .jp-CodeCell").nth(cell).locator(".jp-OutputArea-output");
}

describe("hostile payloads", () => {
  it("untrusted saved outputs render inert or as a readable error", async () => {
    await page.waitForTimeout(8000); // let lazy ELK/plotly/MathJax finish
    await page.screenshot({ path: path.join(RESULTS, "hostile-untrusted.png"), fullPage: true });
    for (let i = 0; i < outputs.length; i++) {
      const out = await outputOf(i);
      const text = (await out.first().innerText()).trim();
      const error = await out.locator(".cl-error").count();
      if (i < 3) expect(error, `${outputs[i][0]} should still be drawn`).toBe(0);
      else expect(error, `${outputs[i][0]} should show an error box, shows: ${text.slice(0, 200)}`).toBeGreaterThan(0);
    }
    // Hovering and clicking nodes must not run anything either. The first view is zoomed to a
    // legible size around the output, so fit the whole graph first to bring the first node into view.
    await page.locator(".cl-graph").first().locator("button", { hasText: "fit" }).click();
    await page.waitForTimeout(300);
    const node = page.locator(".cl-graph svg g.cl-node").first();
    await node.hover();
    await node.click();
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(RESULTS, "hostile-untrusted.png"), fullPage: true });
    expect(await pwned()).toBeUndefined();
    expect(await page.locator('.jp-OutputArea img[src="x"]').count()).toBe(0);
    expect(await page.locator('.jp-OutputArea a[href^="javascript"]').count()).toBe(0);
  });

  it("a trusted live session with hostile names renders them as text", async () => {
    await page.evaluate(() => (window as any).jupyterapp.commands.execute("notebook:run-all-cells"));
    await page.waitForFunction(
      (n) => {
        const cells = document.querySelectorAll(".jp-Notebook .jp-CodeCell");
        const last = cells[n];
        return (
          !!last && last.querySelectorAll(".cl-graph svg g.cl-node").length > 0 && !!last.querySelector(".cl-chain")
        );
      },
      outputs.length,
      { timeout: 150_000, polling: 500 },
    );
    await page.waitForTimeout(3000);
    await page.screenshot({ path: path.join(RESULTS, "hostile-live.png"), fullPage: true });
    const live = page.locator(".jp-Notebook .jp-CodeCell").nth(outputs.length);
    expect(await live.locator(".cl-error").count()).toBe(0);
    // The hostile name is shown as literal text somewhere in the graph.
    expect(await live.locator(".cl-graph").first().textContent()).toContain("onerror");
    expect(await pwned()).toBeUndefined();
    expect(await page.locator('.jp-OutputArea img[src="x"]').count()).toBe(0);
    expect(await page.locator('.jp-OutputArea a[href^="javascript"]').count()).toBe(0);
    expect(pageErrors.filter((e) => e.startsWith("dialog"))).toEqual([]);
  });
});
