/**
 * `npm run bench` (part "lite"): the static JupyterLite site (lite/_output, `npm run build:lite`)
 * in Chromium against the chainlab tslab kernel on the same machine.
 * - site size: bytes the server sent on a first visit (empty cache) and on a second visit (same
 *   profile; the server answers If-None-Match with 304 as static hosts do), raw and gzip-estimated;
 * - time from navigation to the first executed cell (kernel start + worker + chainlab load), and
 *   to the type checker being ready (the kernel loads it after the first cell);
 * - per-cell round trip of a trivial cell (`1 + 1`, type-checked as on tslab), median of ROUNDS;
 * - notebook 06: each code cell's time, the training cell's time per step (STEPS from the cell).
 * Writes .bench/lite.json. Not a test: nothing here passes or fails on a number.
 */
// `window` is the page's (code passed to page.evaluate runs in Chromium); URL is Node's global.
/* global window, URL */
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SITE = path.join(ROOT, "lite", "_output");
const NOTEBOOK = "06-train-an-mlp.ipynb";
const ROUNDS = Number(process.env.CHAINLAB_BENCH_LITE_ROUNDS ?? 20);
const TYPES = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".ipynb": "application/json",
  ".svg": "image/svg+xml",
  ".wasm": "application/wasm",
  ".woff2": "font/woff2",
  ".png": "image/png",
};

if (!fs.existsSync(path.join(SITE, "index.html"))) {
  console.log("lite: building the site (npm run build:lite)");
  execFileSync("bash", [path.join(ROOT, "lite", "build-site.sh")], { stdio: "inherit" });
}

const configFile = path.join(os.tmpdir(), `chainlab-lite-bench-${process.pid}.json`);
const config = JSON.parse(fs.readFileSync(path.join(SITE, "jupyter-lite.json"), "utf8"));
config["jupyter-config-data"].exposeAppInBrowser = "true"; // for the bench's own page scripts
fs.writeFileSync(configFile, JSON.stringify(config));

/** A static host: GET, ETag + 304, no-cache (revalidate each time, as GitHub Pages after max-age). */
let traffic = { requests: 0, notModified: 0, bytes: 0, gzipBytes: 0 };
const gzipSize = new Map();
const server = http.createServer((req, res) => {
  const url = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
  let file = url === "/jupyter-lite.json" ? configFile : path.join(SITE, path.normalize(url));
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
  if (!fs.existsSync(file)) return res.writeHead(404).end();
  const body = fs.readFileSync(file);
  const etag = `"${crypto.createHash("sha1").update(body).digest("hex")}"`;
  traffic.requests++;
  if (req.headers["if-none-match"] === etag) {
    traffic.notModified++;
    return res.writeHead(304, { etag, "cache-control": "no-cache" }).end();
  }
  if (!gzipSize.has(file)) gzipSize.set(file, zlib.gzipSync(body).length);
  traffic.bytes += body.length;
  traffic.gzipBytes += gzipSize.get(file);
  res
    .writeHead(200, {
      "content-type": TYPES[path.extname(file)] ?? "application/octet-stream",
      etag,
      "cache-control": "no-cache",
    })
    .end(body);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}/`;

const profile = fs.mkdtempSync(path.join(os.tmpdir(), "chainlab-lite-bench-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHAINLAB_CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
  headless: true,
});

/** Runs `code` on the notebook's kernel; the reply's content. */
const execute = (page, code) =>
  page.evaluate(async (c) => {
    const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    return (await kernel.requestExecute({ code: c }).done).content;
  }, code);

/**
 * Opens the notebook, waits for its kernel, runs its first code cell (ms since navigation); then
 * waits for the type checker, which the kernel loads after the first cell: a cell with a type
 * error runs unchecked until the checker is there, and is rejected (TypeScriptError) after.
 */
async function visit(page) {
  traffic = { requests: 0, notModified: 0, bytes: 0, gzipBytes: 0 };
  const t0 = Date.now();
  await page.goto(`${base}lab/index.html?path=${NOTEBOOK}`);
  await page.waitForFunction(
    () => window.jupyterapp?.shell?.currentWidget?.sessionContext?.session?.kernel?.status === "idle",
    null,
    { timeout: 300_000 },
  );
  const firstSource = await page.evaluate(() =>
    window.jupyterapp.shell.currentWidget.content.widgets
      .find((c) => c.model.type === "code")
      .model.sharedModel.getSource(),
  );
  const reply = await execute(page, firstSource);
  if (reply.status !== "ok") throw new Error(`first cell failed: ${reply.evalue}`);
  const firstCellMs = Date.now() - t0;
  const toFirstCell = { ...traffic };
  for (;;) {
    const r = await execute(page, 'let checkerProbe = 0;\ncheckerProbe = "not a number";');
    if (r.ename === "TypeScriptError") break;
    if (r.status !== "ok") throw new Error(`checker probe failed: ${r.ename}: ${r.evalue}`);
    if (Date.now() - t0 > 600_000) throw new Error("the type checker did not load in 10 minutes");
    await page.waitForTimeout(100);
  }
  const checkerMs = Date.now() - t0;
  await page.waitForTimeout(2000); // lazy chunks requested after the first cell count to the visit
  return { firstCellMs, checkerMs, toFirstCell, ...traffic };
}

const page = await context.newPage();
const first = await visit(page);
const cells = await page.evaluate(async (rounds) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const panel = window.jupyterapp.shell.currentWidget;
  const run = async (code) => {
    const t0 = performance.now();
    const reply = await kernel.requestExecute({ code }).done;
    if (reply.content.status !== "ok") throw new Error(`cell failed: ${reply.content.evalue}`);
    return performance.now() - t0;
  };
  const sources = panel.content.widgets
    .filter((c) => c.model.type === "code")
    .map((c) => c.model.sharedModel.getSource());
  // The first cell ran in visit(); a re-run of an import cell is cheap and keeps indices aligned.
  const cellsMs = [];
  for (const s of sources) cellsMs.push(await run(s));
  const trivial = [];
  for (let i = 0; i < rounds; i++) trivial.push(await run("1 + 1"));
  return { cellsMs, trivial, sources };
}, ROUNDS);
await page.close();
const cachedPage = await context.newPage();
const cached = await visit(cachedPage);
await cachedPage.close();
await context.close();
server.close();
fs.rmSync(profile, { recursive: true, force: true });
fs.rmSync(configFile, { force: true });

console.log("lite: the same notebook on the tslab kernel (.venv)");
const tslab = JSON.parse(
  execFileSync(
    path.join(ROOT, ".venv", "bin", "python"),
    [path.join(ROOT, "bench", "lite-tslab.py"), path.join(ROOT, "notebooks", NOTEBOOK), String(ROUNDS)],
    { encoding: "utf8", maxBuffer: 1 << 24 },
  ),
);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (b) => `${(b / 1e6).toFixed(2)} MB`;
const trainIndex = cells.sources.findIndex((s) => /const STEPS = \d+/.test(s));
const steps = Number(/const STEPS = (\d+)/.exec(cells.sources[trainIndex] ?? "")?.[1] ?? NaN);
const browserStep = cells.cellsMs[trainIndex] / steps;
const tslabStep = tslab.cells_ms[trainIndex] / steps;

const rows = [
  ["first visit: bytes sent (raw / gzip)", `${mb(first.bytes)} / ${mb(first.gzipBytes)}`, `${first.requests} requests`],
  [
    "cached visit: bytes sent (raw / gzip)",
    `${mb(cached.bytes)} / ${mb(cached.gzipBytes)}`,
    `${cached.requests} requests, ${cached.notModified} x 304`,
  ],
  [
    "  of which before the first executed cell (raw)",
    `${mb(first.toFirstCell.bytes)}`,
    `${first.toFirstCell.requests} requests`,
  ],
  [
    "navigation -> first executed cell, first visit",
    `${first.firstCellMs} ms`,
    `tslab kernel start alone: ${Math.round(tslab.start_ms)} ms`,
  ],
  ["navigation -> first executed cell, cached visit", `${cached.firstCellMs} ms`, ""],
  [
    "navigation -> type checker ready, first / cached",
    `${first.checkerMs} / ${cached.checkerMs} ms`,
    "(loaded after the first cell)",
  ],
  [
    `trivial cell round trip, median of ${ROUNDS}`,
    `browser ${median(cells.trivial).toFixed(1)} ms`,
    `tslab ${median(tslab.trivial_ms).toFixed(1)} ms`,
  ],
  [
    `${NOTEBOOK} training step (${steps} steps)`,
    `browser ${browserStep.toFixed(2)} ms`,
    `tslab ${tslabStep.toFixed(2)} ms (browser/tslab ${(browserStep / tslabStep).toFixed(2)}x)`,
  ],
  [
    `${NOTEBOOK} all code cells`,
    `browser ${Math.round(cells.cellsMs.reduce((a, b) => a + b, 0))} ms`,
    `tslab ${Math.round(tslab.cells_ms.reduce((a, b) => a + b, 0))} ms`,
  ],
];
console.log("\nlite: JupyterLite site + browser kernel vs the tslab kernel (same machine, same notebook)");
for (const [what, a, b] of rows) console.log(`  ${what.padEnd(52)} ${a.padEnd(26)} ${b}`);
fs.mkdirSync(path.join(ROOT, ".bench"), { recursive: true });
fs.writeFileSync(
  path.join(ROOT, ".bench", "lite.json"),
  JSON.stringify(
    { first, cached, browser: { cellsMs: cells.cellsMs, trivial: cells.trivial }, tslab, steps, trainIndex },
    null,
    1,
  ),
);
