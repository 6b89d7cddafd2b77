// The library's browser bundle (kernel/dist/chainlab.browser.mjs, `npm run build:browser`) loaded
// as an ES module by Chromium from a static 127.0.0.1 server: a gradient checked against finite
// differences computed in plain JavaScript, an expandChain expansion, and a graph bundle (ELK) drawn.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type Browser } from "./browser";
import { REPO } from "./jupyterLab";
import { serveStatic, type StaticServer } from "./staticServer";

const BUNDLE = path.join(REPO, "kernel", "dist", "chainlab.browser.mjs");
// A static page that loads the bundle as an ES module, as a course page would.
const PAGE = `<!doctype html><meta charset="utf-8"><title>chainlab in the browser</title>
<script type="module">import * as cl from "/chainlab.browser.mjs"; window.cl = cl;</script><body></body>`;

let server: StaticServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  // Always rebuilt: a stale bundle would test old code.
  execFileSync("node", [path.join(REPO, "kernel", "scripts", "build-browser.mjs"), "--minify"], {
    cwd: REPO,
    stdio: "inherit",
  });
  const dir = fs.mkdtempSync(path.join(REPO, "test-results", "bundle-"));
  fs.writeFileSync(path.join(dir, "index.html"), PAGE);
  server = await serveStatic(dir, { "/chainlab.browser.mjs": BUNDLE });
  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await page.goto(server.url);
  await page.waitForFunction(() => (window as any).cl !== undefined, null, { timeout: 30_000 });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("chainlab.browser.mjs in Chromium", () => {
  it("has no Node globals to lean on: the page has no process, Buffer or require", async () => {
    const globals = await page.evaluate(() => [
      typeof (globalThis as any).process,
      typeof (globalThis as any).Buffer,
      typeof (globalThis as any).require,
    ]);
    expect(globals).toEqual(["undefined", "undefined", "undefined"]);
  });

  it("computes a gradient that matches central finite differences of a plain-JS forward pass", async () => {
    const r = await page.evaluate(async () => {
      const cl: any = (window as any).cl;
      const Wv = [
        [0.5, -1.2, 0.3, 0.8],
        [1.1, 0.4, -0.7, 0.2],
        [-0.3, 0.9, 0.6, -1.4],
      ];
      const xv = [0.3, -1.2, 0.7, 2.0];
      // L = sum(tanh(W x)^2) + sum(sin(x) * x)
      const f = (x: number[]): number => {
        let s = 0;
        for (const row of Wv) s += Math.tanh(row.reduce((a, w, j) => a + w * x[j]!, 0)) ** 2;
        return s + x.reduce((a, v) => a + Math.sin(v) * v, 0);
      };
      const x = cl.tensor(xv, { requiresGrad: true });
      const W = cl.tensor(Wv);
      const L = cl.add(cl.sum(cl.square(cl.tanh(cl.matmul(W, x)))), cl.sum(cl.mul(cl.sin(x), x)));
      L.backward();
      const h = 1e-6;
      const fd = xv.map((_, i) => {
        const p = xv.slice(),
          m = xv.slice();
        p[i]! += h;
        m[i]! -= h;
        return (f(p) - f(m)) / (2 * h);
      });
      return { value: L.item(), expected: f(xv), grad: Array.from(x.grad.data as Float64Array), fd };
    });
    expect(Math.abs(r.value - r.expected)).toBeLessThan(1e-12);
    r.grad.forEach((g, i) => expect(Math.abs(g - r.fd[i]!)).toBeLessThan(1e-7 * Math.max(1, Math.abs(r.fd[i]!))));
  });

  it("expands the chain rule: two paths through x*x that add up to 2x, matching finite differences", async () => {
    const r = await page.evaluate(async () => {
      const cl: any = (window as any).cl;
      const xv = [0.5, -2.5, 1.5];
      const x = cl.tensor(xv, { requiresGrad: true }).named("x");
      const L = x.mul(x).sum().named("L");
      const p = cl.expandChain(L, x);
      const k = p.numeric.at[0];
      const h = 1e-6;
      const sq = (v: number[]) => v.reduce((a, b) => a + b * b, 0);
      const plus = xv.slice(),
        minus = xv.slice();
      plus[k] += h;
      minus[k] -= h;
      return {
        paths: p.paths.length,
        pathTotals: p.paths.map((q: any) => q.numeric.total),
        total: p.numeric.total,
        fd: (sq(plus) - sq(minus)) / (2 * h),
        compact: p.compact?.text,
        latex: p.paths[0].steps.length,
      };
    });
    expect(r.paths).toBe(2);
    expect(Math.abs(r.pathTotals[0] + r.pathTotals[1] - r.total)).toBeLessThan(1e-14);
    expect(Math.abs(r.total - r.fd)).toBeLessThan(1e-7);
    expect(r.compact).toBe("dL/dx = x + x");
    expect(r.latex).toBeGreaterThan(0);
  });

  it("builds full display bundles (graph laid out by ELK, with its SVG fallback) through a kernel transport", async () => {
    const r = await page.evaluate(async () => {
      const cl: any = (window as any).cl;
      const sent: Record<string, unknown>[] = [];
      (globalThis as any)[Symbol.for("chainlab.kernel")] = {
        display: (bundle: Record<string, unknown>) => sent.push(bundle),
        clearOutput: () => {},
        atCellEnd: (fn: () => void) => setTimeout(fn, 0),
      };
      const a = cl
        .tensor(
          [
            [1, 2],
            [3, 4],
          ],
          { requiresGrad: true },
        )
        .named("a");
      const L = a.tanh().sum().named("L");
      cl.show.graph(L);
      cl.display(a);
      const h = cl.display({ plain: 1 });
      return {
        bundles: sent.map((b) => Object.keys(b)),
        svg: String(sent[0]?.["image/svg+xml"] ?? ""),
        id: h.displayId,
        text: sent[2]?.["text/plain"],
        tensorText: sent[1]?.["text/plain"],
      };
    });
    expect(r.bundles[0]).toEqual(
      expect.arrayContaining(["application/vnd.chainlab.graph.v1+json", "image/svg+xml", "text/plain"]),
    );
    expect(r.svg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect(r.bundles[1]).toEqual(expect.arrayContaining(["text/html", "text/plain"]));
    expect(r.tensorText).toMatch(/^tensor "a" shape \[2, ?2\] float64/);
    expect(r.id).toMatch(/^[0-9a-f]{16}$/);
    expect(r.text).toBe("{ plain: 1 }");
    expect(pageErrors).toEqual([]);
  });
});
