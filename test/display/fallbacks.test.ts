/**
 * Fallback renderings (what GitHub, VS Code, nbconvert and plain Node show): well-formed SVG
 * with escaped user text, chain-rule Markdown/LaTeX/text, abbreviated text matrices, the
 * gradcheck table, rich Tensor values, and the ELK layout the graph SVG is drawn from.
 */
import { JSDOM } from "jsdom";
import { describe, expect, it } from "vitest";
import { gradcheck, randn, tensor, Tensor } from "../../kernel/src/index";
import { buildGraphPayload, firstView } from "../../kernel/src/display/graphPayload";
import { buildHeatmapPayload } from "../../kernel/src/display/heatmapPayload";
import { buildGradNormsPayload } from "../../kernel/src/display/gradNorms";
import { chainBundle, graphBundle, heatmapBundle, plotBundle } from "../../kernel/src/display/bundles";
import { gradcheckBundle } from "../../kernel/src/display/gradcheckDisplay";
import { tensorBundle } from "../../kernel/src/display/tensorDisplay";
import { layoutGraph } from "../../kernel/src/display/layout";
import { MIME_CHAIN, MIME_GRAPH, MIME_HEATMAP, MIME_PLOT } from "../../kernel/src/protocol/mime";
import { chainExample2 } from "./chainFixture";

const { DOMParser } = new JSDOM("").window;

function parseSvg(text: unknown): Document {
  expect(typeof text).toBe("string");
  const doc = new DOMParser().parseFromString(text as string, "image/svg+xml");
  expect(doc.getElementsByTagName("parsererror")).toHaveLength(0);
  expect(doc.documentElement.tagName).toBe("svg");
  return doc;
}

const EVIL = `<script>alert("x")</script>&`;

describe("graph fallback", () => {
  it("is a well-formed SVG with one box per node and one line per edge, user text escaped", () => {
    const W = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true, name: EVIL },
    );
    const L = W.matmul(tensor([1, 1]))
      .tanh()
      .sum();
    L.backward();
    const bundle = graphBundle(buildGraphPayload(L));
    expect(Object.keys(bundle).sort()).toEqual(["image/svg+xml", MIME_GRAPH, "text/plain"].sort());
    const doc = parseSvg(bundle["image/svg+xml"]);
    expect(doc.getElementsByTagName("script")).toHaveLength(0);
    expect(doc.querySelectorAll("g > rect")).toHaveLength(5);
    expect(doc.getElementsByTagName("polyline")).toHaveLength(4);
    expect(doc.documentElement.textContent).toContain(EVIL);
    const text = bundle["text/plain"] as string;
    expect(text.split("\n")).toHaveLength(6);
    expect(text).toContain("n2 = matmul(n0, n1)");
  });

  it("draws at most 60 nodes and a shared weight once per use (its speed is measured in bench/, not here)", () => {
    let y: Tensor = randn([4, 4], { seed: 1, requiresGrad: true, name: "h0" });
    const w = randn([4, 4], { seed: 2, requiresGrad: true, name: "w" });
    // A constant that changes every step: no repeated loop body to fold, so the graph is cut.
    for (let i = 0; i < 120; i++)
      y = y
        .matmul(w)
        .mul(1 + i / 1000)
        .tanh()
        .add(y);
    const p = buildGraphPayload(y.sum());
    const first = firstView(p);
    expect(first.nodes.length).toBeLessThanOrEqual(200);
    expect(first.nodes.length).toBeGreaterThan(150);
    const doc = parseSvg(graphBundle(p)["image/svg+xml"]);
    const boxes = doc.querySelectorAll("g > rect");
    const wCopies = Array.from(doc.querySelectorAll("g > text[font-weight='bold']")).filter(
      (el) => el.textContent === "w",
    );
    expect(boxes.length).toBeLessThanOrEqual(60 + wCopies.length);
    expect(wCopies.length).toBeGreaterThan(1);
    expect(doc.documentElement.textContent).toContain("not drawn here");
  });

  it("lays out nodes without overlap, edges running from source to target", () => {
    let y: Tensor = randn([2], { seed: 1, requiresGrad: true, name: "x" });
    const w = randn([2], { seed: 2, requiresGrad: true, name: "w" });
    for (let i = 0; i < 6; i++) y = y.mul(w).tanh().add(y);
    const p = buildGraphPayload(y.sum());
    const layout = layoutGraph(p);
    expect(layout.nodes).toHaveLength(p.nodes.length);
    expect(layout.edges).toHaveLength(p.edges.length);
    const boxes = layout.nodes;
    for (let a = 0; a < boxes.length; a++)
      for (let b = a + 1; b < boxes.length; b++) {
        const A = boxes[a];
        const B = boxes[b];
        const apart = A.x + A.width <= B.x || B.x + B.width <= A.x || A.y + A.height <= B.y || B.y + B.height <= A.y;
        expect(apart, `${A.id} overlaps ${B.id}`).toBe(true);
      }
    const byId = new Map(boxes.map((n) => [n.id, n]));
    for (const e of layout.edges) {
      const from = byId.get(e.from)!;
      const to = byId.get(e.to)!;
      expect(from.y).toBeLessThan(to.y); // inputs above their users (direction DOWN)
      expect(e.points[0].y).toBeCloseTo(from.y + from.height, 0);
      expect(e.points[e.points.length - 1].y).toBeCloseTo(to.y, 0);
    }
    expect(layoutGraph(p)).toEqual(layout);
  });
});

describe("heatmap fallback", () => {
  it("draws value and gradient panels with a cell per entry", () => {
    const W = tensor(
      [
        [1, -2, 3],
        [0, 5, -6],
      ],
      { requiresGrad: true, name: "W" },
    );
    W.square().sum().backward();
    const bundle = heatmapBundle(buildHeatmapPayload(W));
    expect(Object.keys(bundle).sort()).toEqual(["image/svg+xml", MIME_HEATMAP, "text/plain"].sort());
    const doc = parseSvg(bundle["image/svg+xml"]);
    expect(doc.querySelectorAll("rect > title")).toHaveLength(12);
    expect(bundle["text/plain"]).toContain("∂L/∂W:");
  });

  it("says why the gradient is missing and abbreviates big matrices in text", () => {
    const big = randn([40, 40], { seed: 3, requiresGrad: true, name: "big" });
    const bundle = heatmapBundle(buildHeatmapPayload(big, { show: "both" }));
    parseSvg(bundle["image/svg+xml"]);
    const text = bundle["text/plain"] as string;
    expect(text).toContain("not computed yet");
    expect(text).toContain("...");
    expect(text.split("\n").length).toBeLessThan(20);
  });
});

describe("chain fallback", () => {
  it("writes each step as Markdown with $$ math, one LaTeX block and plain text", () => {
    const payload = chainExample2();
    expect(payload.numeric.pass).toBe(true);
    const bundle = chainBundle(payload);
    expect(Object.keys(bundle).sort()).toEqual([MIME_CHAIN, "text/latex", "text/markdown", "text/plain"].sort());
    const md = bundle["text/markdown"] as string;
    expect(md).toContain("$$\\frac{\\partial L}{\\partial W} = g_{y} x^{\\top}$$");
    expect(md).toContain("k := i");
    expect(md).toMatch(/autodiff = .*finite difference = .*agree/);
    expect(bundle["text/latex"]).toMatch(/^\$\$\\begin\{aligned\}.*\\end\{aligned\}\$\$$/);
    expect(bundle["text/plain"]).toContain("compact:   dL/dW = g_y x^T");
  });
});

describe("plot, gradcheck and tensor values", () => {
  it("plots gradient norms as SVG bars", () => {
    const a = tensor([3, 4], { requiresGrad: true, name: "a" });
    const b = tensor([1e-4], { requiresGrad: true, name: "b" });
    a.square().sum().add(b.sum().mul(1e-4)).backward(); // norms 10 and 1e-4: a log axis
    const p = buildGradNormsPayload([a, b]);
    expect(p.yScale).toBe("log");
    const bundle = plotBundle(p);
    expect(Object.keys(bundle).sort()).toEqual(["image/svg+xml", MIME_PLOT, "text/plain"].sort());
    const doc = parseSvg(bundle["image/svg+xml"]);
    expect(doc.querySelectorAll("rect > title")).toHaveLength(2);
  });

  it("tabulates a real gradcheck report", () => {
    const report = gradcheck((x: Tensor) => x.tanh().sum(), [randn([3], { seed: 1 })]);
    const bundle = gradcheckBundle(report);
    expect(bundle["text/plain"]).toMatch(/^gradcheck ✅ pass/);
    expect(bundle["text/html"]).toContain("<table>");
    expect(bundle["text/plain"]).toContain("adjoint test");
  });

  it("summarises a Tensor as HTML and text, numbers abbreviated as NumPy prints", () => {
    const t = randn([100, 100], { seed: 2, name: EVIL });
    const bundle = tensorBundle(t);
    expect(bundle["text/html"]).not.toContain("<script>");
    expect(bundle["text/plain"]).toContain("...");
    expect((bundle["text/plain"] as string).split("\n").length).toBeLessThan(15);
    const display = (t as unknown as Record<symbol, () => unknown>)[Symbol.for("Jupyter.display")];
    expect(display.call(t)).toEqual(bundle);
  });
});
