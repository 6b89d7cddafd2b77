/**
 * Payload budgets (protocol/budget.ts) on real-size models: every view's full MIME bundle stays
 * within its byte budget whatever the model size, and says on screen what it left out.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { expandChain, randn, show, tensor, Tensor } from "../../kernel/src/index";
import {
  KERNEL_TRANSPORT_KEY,
  type DisplayOptions,
  type KernelTransport,
  type MimeBundle,
} from "../../kernel/src/display/kernelTransport";
import { MIME_GRAPH, MIME_PLOT, type GraphPayload, type PlotPayload } from "../../kernel/src/protocol";
import { chainBundle } from "../../kernel/src/display/bundles";
import { boundChain } from "../../kernel/src/display/chainBudget";
import { BUNDLE_BUDGET, LIVE_FRAME_BUDGET, jsonBytes, MIME_CHAIN, type ChainPayload } from "../../kernel/src/protocol";
import { checkChainPayload, checkHeatmapPayload, checkPlotPayload } from "../../kernel/src/protocol/validate";
import { boundedHeatmapBundle, withinBudget } from "../../kernel/src/display/heatmapBudget";
import { MIME_HEATMAP, type HeatmapPayload } from "../../kernel/src/protocol";
import { nn } from "../../kernel/src/index";
import { contributionsPayload as contributionsFor } from "../../kernel/src/display/show";
import { tanhChain } from "./largeGraphs";

describe("budget bookkeeping", () => {
  it("jsonBytes counts UTF-8 bytes of the JSON text", () => {
    expect(jsonBytes("a")).toBe(3);
    expect(jsonBytes("∂")).toBe(5); // 3 bytes + 2 quotes
    expect(jsonBytes("😀")).toBe(6); // 4 bytes + 2 quotes
    expect(jsonBytes({ k: [1, 2] })).toBe(Buffer.byteLength(JSON.stringify({ k: [1, 2] })));
  });
});

describe("chain bundle budget", () => {
  it("a 10,000-op chain: a few steps written out, the gap counted, numbers still exact", () => {
    const { x, L } = tanhChain(3334, { size: 3, seed: 7 });
    const p = expandChain(L, x);
    const bundle = chainBundle(p);
    expect(jsonBytes(bundle)).toBeLessThanOrEqual(BUNDLE_BUDGET.chain);
    const sent = bundle[MIME_CHAIN] as ChainPayload;
    expect(checkChainPayload(sent).ok).toBe(true);
    const path = sent.paths[0];
    const total = 3334 * 3 + 1;
    expect(path.steps.length + path.stepsOmitted!.count).toBe(total);
    expect(path.steps.length).toBeLessThanOrEqual(16);
    // The step next to x is written out (the one that teaches) and so is the step from L.
    expect(path.steps[path.steps.length - 1].from).toBe("x");
    expect(path.steps[0].to).toBe("L");
    expect(String(bundle["text/markdown"])).toContain(`${path.stepsOmitted!.count} steps not written out`);
    // The numbers cover every step: reverse mode agrees.
    L.backward();
    const at = sent.numeric.at[0];
    expect(sent.numeric.total).toBeCloseTo(x.grad!.data[at], 10);
    expect(sent.numeric.pass).toBe(true);
  });

  it("a 1e6-element parameter: the term table is left out of the chain view and that is said", () => {
    const x = randn([1000, 1000], { requiresGrad: true, seed: 3 }).named("x");
    const L = x.mul(tensor(2)).sum().named("L");
    const p = expandChain(L, x);
    expect(p.paths[0].contributions!.values.length).toBe(1e6);
    const bundle = chainBundle(p);
    expect(jsonBytes(bundle)).toBeLessThanOrEqual(BUNDLE_BUDGET.chain);
    const sent = bundle[MIME_CHAIN] as ChainPayload;
    expect(sent.paths[0].contributions).toBeUndefined();
    expect(sent.trimmed?.join(" ")).toContain("1,000,000 per-element terms");
    expect(sent.numeric.total).toBeCloseTo(2, 12);
  });

  it("many expanded paths over budget: paths are dropped, never the numbers", () => {
    const x = tensor([0.3, -0.2], { requiresGrad: true, name: "x" });
    let h = x;
    for (let i = 0; i < 10; i++) h = h.tanh().add(h.sin());
    const L = h.sum().named("L");
    const p = expandChain(L, x, { maxPaths: 8 });
    const small = 8_000;
    const q = boundChain(p, jsonBytes, small);
    expect(jsonBytes(q)).toBeLessThanOrEqual(small);
    expect(q.paths.length).toBeLessThan(p.paths.length);
    expect(q.paths.length + q.pathsOmitted!).toBe(1024);
    expect(q.numeric).toEqual(p.numeric);
    expect(q.trimmed!.length).toBeGreaterThan(0);
  });
});

describe("heatmap bundle budget", () => {
  const payloadOf = (b: Record<string, unknown>) => b[MIME_HEATMAP] as HeatmapPayload;

  it("small matrices stay exact: every value, no averaging, cells drawn as SVG rects", () => {
    const W = tensor(
      [
        [1.5, -2.25, 3],
        [0.125, 4, -5],
      ],
      { requiresGrad: true, name: "W" },
    );
    W.mul(W).sum().backward();
    const b = boundedHeatmapBundle(W, {});
    const p = payloadOf(b);
    expect(p.downsampled).toBeUndefined();
    expect(p.slices[0].value).toEqual([
      [1.5, -2.25, 3],
      [0.125, 4, -5],
    ]);
    expect(p.slices[0].grad).toEqual([
      [3, -4.5, 6],
      [0.25, 8, -10],
    ]);
    expect(String(b["image/svg+xml"])).not.toContain("data:image/png");
  });

  const sizes: [string, number[]][] = [
    ["an MLP weight 256x128", [256, 128]],
    ["a 2000x3000 matrix", [2000, 3000]],
    ["a vector of 1e6", [1_000_000]],
    ["conv filters 16x8x32x32 (rank 4)", [16, 8, 32, 32]],
  ];
  for (const [what, shape] of sizes) {
    it(`${what}: the bundle with gradient stays <= 100 KB and says it is averaged`, () => {
      const x = randn(shape, { requiresGrad: true, seed: 5 }).named("W");
      x.square().sum().backward();
      const b = boundedHeatmapBundle(x, {});
      expect(jsonBytes(b)).toBeLessThanOrEqual(BUNDLE_BUDGET.heatmap);
      const p = payloadOf(b);
      expect(checkHeatmapPayload(p).ok).toBe(true);
      expect(p.downsampled).toBeDefined();
      expect(p.slices[0].grad).not.toBeNull();
      expect(String(b["image/svg+xml"])).toMatch(/downsampled/);
      // A block mean is a mean: cell [0][0] of the value is the mean of its block.
      const { rowStride, colStride } = p.downsampled!;
      const cols = shape[shape.length - 1];
      const rows = shape.length >= 2 ? shape[shape.length - 2] : 1;
      let sum = 0;
      let n = 0;
      for (let r = 0; r < Math.min(rowStride, rows); r++)
        for (let c = 0; c < Math.min(colStride, cols); c++) {
          sum += x.data[r * cols + c];
          n++;
        }
      expect(p.slices[0].value[0][0]).toBeCloseTo(sum / n, 4);
    });
  }

  it("a big matrix's static picture is an embedded PNG, not thousands of rects", () => {
    const x = randn([256, 128], { requiresGrad: true, seed: 5 }).named("W");
    x.square().sum().backward();
    const svg = String(boundedHeatmapBundle(x, {})["image/svg+xml"]);
    expect(svg).toContain("data:image/png;base64,");
    expect((svg.match(/<rect/g) ?? []).length).toBeLessThan(50);
  });

  it("a 3-layer MLP's weight, live: every frame stays within the live frame budget", () => {
    const model = new nn.MLP([256, 128, 64, 10], { seed: 1 });
    const X = randn([32, 256], { seed: 2 });
    const L = model.forward(X).square().mean();
    L.backward();
    const W = model.parameters()[0];
    for (const frame of [0, 1, 499])
      expect(jsonBytes(boundedHeatmapBundle(W, {}, frame))).toBeLessThanOrEqual(LIVE_FRAME_BUDGET);
  });

  it("show.contributions of a 1e6-element parameter: term maps as block means, said on the view", () => {
    const x = randn([1000, 1000], { requiresGrad: true, seed: 3 }).named("x");
    const L = x.mul(tensor(2)).sum().named("L");
    const chain = expandChain(L, x);
    const b = withinBudget((o) => contributionsFor(x, chain, o), {});
    expect(jsonBytes(b)).toBeLessThanOrEqual(BUNDLE_BUDGET.heatmap);
    const p = payloadOf(b);
    const c = p.contributions![0];
    expect(c.stride).toBeDefined();
    // The terms of d sum(2x)/dx[at] over the intermediate 2x are 2 at `at` and 0 elsewhere
    // (killed by a delta): the block holding `at` averages to 2 / (its size), the others to 0.
    const [rs, cs] = c.stride!;
    const [i, j] = chain.numeric.at;
    c.values.forEach((row, r) =>
      row.forEach((v, k) =>
        expect(v).toBeCloseTo(r === Math.floor(i / rs) && k === Math.floor(j / cs) ? 2 / (rs * cs) : 0, 12),
      ),
    );
    expect(String(b["text/plain"])).toContain(`means of ${c.stride![0]}x${c.stride![1]} terms`);
  });
});

describe("live frames: every frame, the first too, within LIVE_FRAME_BUDGET", () => {
  const sent: { bundle: MimeBundle; opts: DisplayOptions }[] = [];
  beforeEach(() => {
    sent.length = 0;
    const transport: KernelTransport = {
      display: (bundle, opts = {}) => sent.push({ bundle, opts }),
      clearOutput: () => undefined,
      atCellEnd: () => undefined,
    };
    (globalThis as Record<symbol, unknown>)[KERNEL_TRANSPORT_KEY] = transport;
  });
  afterEach(() => {
    delete (globalThis as Record<symbol, unknown>)[KERNEL_TRANSPORT_KEY];
  });
  const sizes = () => sent.map((s) => jsonBytes(s.bundle));

  it("show.graph of a 2,000-op model, live: each frame within budget, the same nodes in each", () => {
    // A model made once, a new graph each training step (the same structure every time).
    const params = Array.from({ length: 400 }, (_, l) =>
      randn([8, 8], { requiresGrad: true, seed: 10 + l }).named(`W${l}`),
    );
    const step = () => {
      let h: Tensor = randn([2, 8], { seed: 3 }).named("X");
      for (let l = 0; l < 400; l++)
        h = h
          .matmul(params[l])
          .add(l / 400)
          .tanh();
      const L = h.square().sum().named("L");
      L.backward();
      return L;
    };
    const h = show.graph(step(), { live: true, maxFps: 0 });
    h.update(step());
    h.update(step());
    expect(sent.map((s) => s.opts.update)).toEqual([false, true, true]);
    for (const size of sizes()) expect(size).toBeLessThanOrEqual(LIVE_FRAME_BUDGET);
    const ids = sent.map((s) => (s.bundle[MIME_GRAPH] as GraphPayload).nodes.map((n) => n.id).join());
    expect(new Set(ids).size).toBe(1);
    // Not live, the same graph may use the larger graph budget (and does: it has more to show).
    show.graph(step());
    expect(sizes()[3]).toBeGreaterThan(LIVE_FRAME_BUDGET);
    expect(sizes()[3]).toBeLessThanOrEqual(BUNDLE_BUDGET.graph);
  }, 120_000);

  it("show.plot of 40 series x 5,000 points, live: thinned until each frame fits, and said", () => {
    const data: Record<string, number[]> = {};
    for (let k = 0; k < 40; k++)
      data[`run ${k}`] = Array.from({ length: 5000 }, (_, i) => Math.exp(-i / (100 + k)) + k * 1e-7 * i);
    const h = show.plot(data, { live: true, maxFps: 0 });
    for (const ys of Object.values(data)) ys.push(0.5);
    h.update();
    expect(sent).toHaveLength(2);
    for (const size of sizes()) expect(size).toBeLessThanOrEqual(LIVE_FRAME_BUDGET);
    const p = sent[1].bundle[MIME_PLOT] as PlotPayload;
    expect(checkPlotPayload(p).ok).toBe(true);
    expect(p.notes?.join(" ")).toMatch(/^5001 points thinned to \d+$/);
    expect(p.x[p.x.length - 1]).toBe(5000); // the newest point is always kept
  });

  it("show.gradNorms of 3,000 parameters, live: the largest norms, said", () => {
    const ps = Array.from({ length: 3000 }, (_, i) =>
      randn([2], { requiresGrad: true, seed: i }).named(`layer${i}.weight`),
    );
    ps.reduce((acc, p, i) => acc.add(p.mul(i + 1).sum()), tensor(0)).backward();
    const h = show.gradNorms(ps, { live: true, maxFps: 0 });
    h.update();
    for (const size of sizes()) expect(size).toBeLessThanOrEqual(LIVE_FRAME_BUDGET);
    const p = sent[1].bundle[MIME_PLOT] as PlotPayload;
    expect(p.notes?.[0]).toMatch(new RegExp(`^the ${p.x.length} largest of 3000 gradient norms$`));
    // Gradient of p_i is (i+1) * ones(2): the largest norms are the last parameters.
    expect(p.x[p.x.length - 1]).toBe("layer2999.weight");
    expect(p.x).not.toContain("layer0.weight");
  });
});
