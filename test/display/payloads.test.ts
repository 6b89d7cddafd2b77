/**
 * Payload builders on real library tensors: graph (kinds, edges, gradient states, truncation,
 * anomaly marks), heatmap (matrix views per rank, downsampling, non-finite cells, bounds),
 * summaries and gradient norms. Every payload must pass the protocol's validators.
 */
import { describe, expect, it } from "vitest";
import { AnomalyError, detectAnomaly, nn, randn, tensor, Tensor } from "../../kernel/src/index";
import { buildGraphPayload, firstView } from "../../kernel/src/display/graphPayload";
import { buildHeatmapPayload, HEATMAP_MAX_CELLS } from "../../kernel/src/display/heatmapPayload";
import { buildGradNormsPayload } from "../../kernel/src/display/gradNorms";
import { summarize } from "../../kernel/src/display/summarize";
import { checkGraphPayload, checkHeatmapPayload, checkPlotPayload } from "../../kernel/src/protocol/validate";

function smallNet() {
  const W = tensor(
    [
      [1, -2],
      [0.5, 3],
    ],
    { requiresGrad: true, name: "W" },
  );
  const x = tensor([1, 2], { name: "x" });
  const h = W.matmul(x).tanh().named("h");
  const L = h.sum().named("L");
  return { W, x, h, L };
}

describe("graph payload", () => {
  it("lists every traced tensor in topological order with kinds, ops and argument edges", () => {
    const { L } = smallNet();
    const p = buildGraphPayload(L);
    expect(checkGraphPayload(p).ok).toBe(true);
    expect(p.nodes.map((n) => [n.op, n.kind, n.name ?? null])).toEqual([
      ["leaf", "param", "W"],
      ["leaf", "input", "x"],
      ["matmul", "intermediate", null],
      ["tanh", "intermediate", "h"],
      ["sum", "output", "L"],
    ]);
    expect(p.edges).toEqual([
      { from: "n0", to: "n2", argIndex: 0, shape: [2, 2] },
      { from: "n1", to: "n2", argIndex: 1, shape: [2] },
      { from: "n2", to: "n3", argIndex: 0, shape: [2] },
      { from: "n3", to: "n4", argIndex: 0, shape: [2] },
    ]);
    expect(p.output).toBe("n4");
    expect(p.truncated).toBeUndefined();
  });

  it("tells gradient states apart before and after backward", () => {
    const { W, h, L } = smallNet();
    h.retainGrad();
    const before = buildGraphPayload(L);
    expect(before.nodes.map((n) => n.gradState)).toEqual([
      "not-computed",
      "not-required",
      "not-computed",
      "not-computed",
      "not-computed",
    ]);
    L.backward();
    const after = buildGraphPayload(L);
    expect(after.nodes.map((n) => n.gradState)).toEqual([
      "computed",
      "not-required",
      "not-retained",
      "computed",
      "not-retained",
    ]);
    const w = after.nodes[0];
    const g = W.grad!.data;
    expect(w.grad!.norm).toBeCloseTo(Math.hypot(...g), 12);
    expect(after.nodes[2].grad).toBeNull();
  });

  it("cuts big graphs: output and parameter kept, the cut part one summary node that says what it holds", () => {
    // Distinct ops (the constant changes every step), so nothing folds as a loop.
    const x = randn([3], { seed: 1, requiresGrad: true, name: "x" });
    let y: Tensor = x;
    for (let i = 0; i < 300; i++) y = i % 2 ? y.mul(0.99 - i / 1000) : y.add(0.01 + i / 1000).sin();
    const L = y.sum().named("L");
    const sent = buildGraphPayload(L, { maxNodes: 50 });
    expect(checkGraphPayload(sent).ok).toBe(true);
    // The first view (the cut part's detail, sent along to open on click, is tested in graphLarge).
    const p = firstView(sent);
    expect(p.nodes.length).toBeLessThanOrEqual(50);
    expect(p.nodes.find((n) => n.id === p.output)!.name).toBe("L");
    expect(p.nodes.some((n) => n.name === "x" && n.kind === "param")).toBe(true);
    const summaries = p.nodes.filter((n) => n.op === "summary");
    expect(summaries).toHaveLength(1);
    const full = buildGraphPayload(L, { maxNodes: 10_000 });
    // Every traced op is either drawn or counted in a summary.
    expect(p.nodes.length - summaries.length + summaries[0].summary!.count).toBe(full.nodes.length);
    expect(p.truncated!.omitted).toBe(summaries[0].summary!.count);
    const ops = summaries[0].summary!.ops;
    expect(Object.values(ops).reduce((a, b) => a + b, 0)).toBe(summaries[0].summary!.count);
    // x still reaches L: x -> summary -> ... -> L.
    expect(p.edges.some((e) => e.from === p.nodes.find((n) => n.name === "x")!.id && e.to === summaries[0].id)).toBe(
      true,
    );
    expect(p.edges.every((e) => p.nodes.some((n) => n.id === e.from) && p.nodes.some((n) => n.id === e.to))).toBe(true);
  });

  it("records scopes of nn modules and short attributes", () => {
    const model = new nn.MLP([2, 3, 1], { seed: 2 });
    const p = buildGraphPayload(model.forward(randn([4, 2], { seed: 3 })).sum());
    expect(p.nodes.some((n) => (n.scope ?? []).length > 0)).toBe(true);
    const sum = p.nodes[p.nodes.length - 1];
    expect(sum.attrs).toBeDefined();
    expect(Object.values(sum.attrs!).every((v) => typeof v === "string" && v.length <= 40)).toBe(true);
  });

  it("marks the op an AnomalyError blames", () => {
    const x = tensor([1, 0], { requiresGrad: true, name: "x" });
    let err: unknown;
    try {
      detectAnomaly(() => x.log().sum());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AnomalyError);
    const bad = (err as AnomalyError).tensor!;
    const p = buildGraphPayload(bad, { anomaly: { tensor: bad, message: (err as Error).message } });
    expect(p.nodes.filter((n) => n.anomaly)).toHaveLength(1);
    expect(p.nodes[p.nodes.length - 1].anomaly).toContain("log");
  });
});

describe("heatmap payload", () => {
  it("shows a matrix's value, and its gradient once computed", () => {
    const { W, L } = smallNet();
    const before = buildHeatmapPayload(W);
    expect(before.show).toBe("value");
    expect(before.slices).toEqual([
      {
        index: [],
        value: [
          [1, -2],
          [0.5, 3],
        ],
        grad: null,
      },
    ]);
    L.backward();
    const after = buildHeatmapPayload(W);
    expect(checkHeatmapPayload(after).ok).toBe(true);
    expect(after.show).toBe("both");
    expect(after.slices[0].grad!.flat()).toEqual(Array.from(W.grad!.data, (v) => Number(v.toPrecision(6))));
    expect(buildHeatmapPayload(W, { show: "grad" }).show).toBe("grad");
  });

  it("views rank 0 and 1 as one row and rank 3+ as slices over the last two axes", () => {
    expect(buildHeatmapPayload(tensor(5)).slices[0].value).toEqual([[5]]);
    expect(buildHeatmapPayload(tensor([1, 2, 3])).slices[0].value).toEqual([[1, 2, 3]]);
    const t = buildHeatmapPayload(randn([2, 3, 4, 5], { seed: 4 }));
    expect(t.slices.map((s) => s.index)).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
    expect(t.slices[0].value).toHaveLength(4);
    expect(t.downsampled).toBeUndefined();
  });

  it("averages blocks of big matrices and keeps NaN/Inf visible as null", () => {
    const data = Array.from({ length: 100 }, (_, i) => Array.from({ length: 100 }, (_, j) => i * 100 + j));
    data[0][0] = NaN;
    const p = buildHeatmapPayload(tensor(data), { maxRows: 10, maxCols: 25 });
    expect(p.downsampled).toEqual({ sliceCount: 1, shownSlices: 1, rowStride: 10, colStride: 4 });
    expect(p.slices[0].value).toHaveLength(10);
    expect(p.slices[0].value[0]).toHaveLength(25);
    expect(p.slices[0].value[0][0]).toBeNull();
    // Block [rows 0-9, cols 4-7]: mean of i*100+j.
    expect(p.slices[0].value[0][1]).toBeCloseTo(450 + 5.5, 9);
  });

  it("keeps every payload within the cell budget", () => {
    const p = buildHeatmapPayload(randn([100, 64, 64], { seed: 5 }));
    const cells = p.slices.reduce((n, s) => n + s.value.length * s.value[0].length, 0);
    expect(cells).toBeLessThanOrEqual(HEATMAP_MAX_CELLS);
    expect(p.downsampled!.shownSlices).toBe(p.slices.length);
  });

  it("rejects an unknown view", () => {
    expect(() => buildHeatmapPayload(tensor([1]), { show: "values" as never })).toThrow(/show must be/);
  });
});

describe("summaries and gradient norms", () => {
  it("summarises values, counting non-finite entries and listing small tensors", () => {
    const s = summarize(new Float64Array([1, NaN, -3, Infinity]), [2, 2]);
    expect(s).toMatchObject({
      min: -3,
      max: 1,
      mean: -1,
      nanCount: 1,
      infCount: 1,
      values: [
        [1, null],
        [-3, null],
      ],
    });
    expect(s.norm).toBeCloseTo(Math.sqrt(10), 12);
    expect(summarize(new Float64Array(65), [65]).values).toBeUndefined();
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it("plots per-parameter gradient norms, null where there is no gradient", () => {
    const model = new nn.MLP([3, 4, 2], { seed: 6 });
    const before = buildGradNormsPayload(model);
    expect(before.series[0].y.every((v) => v === null)).toBe(true);
    expect(before.notes![0]).toMatch(/no gradient/);
    model
      .forward(randn([5, 3], { seed: 7 }))
      .square()
      .sum()
      .backward();
    const after = buildGradNormsPayload(model);
    expect(checkPlotPayload(after).ok).toBe(true);
    expect(after.x).toHaveLength(model.parameters().length);
    const p0 = model.parameters()[0].grad!.data;
    expect(after.series[0].y[0]).toBeCloseTo(Math.hypot(...p0), 12);
    expect(buildGradNormsPayload({ a: model.parameters()[0] }).x).toEqual(["a"]);
    expect(() => buildGradNormsPayload([1 as never])).toThrow(/not a Tensor/);
  });
});
