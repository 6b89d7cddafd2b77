/**
 * show.* and display() against the transport contract the kernel installs on globalThis
 * (a recording transport here; the real kernel is exercised in test/kernel), and outside a
 * kernel, where every display prints its text/plain form.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { display, randn, show, tensor, ChainlabError, nn } from "../../kernel/src/index";
import {
  KERNEL_TRANSPORT_KEY,
  type DisplayOptions,
  type KernelTransport,
  type MimeBundle,
} from "../../kernel/src/display/kernelTransport";
import { MIME_CHAIN, MIME_GRAPH, MIME_HEATMAP, MIME_PLOT } from "../../kernel/src/protocol/mime";
import { chainExample2, example2 } from "./chainFixture";

interface Sent {
  bundle: MimeBundle;
  opts: DisplayOptions;
}

function installRecorder() {
  const sent: Sent[] = [];
  const cellEnd: (() => void)[] = [];
  const transport: KernelTransport = {
    display: (bundle, opts = {}) => sent.push({ bundle, opts }),
    clearOutput: () => undefined,
    atCellEnd: (fn) => cellEnd.push(fn),
  };
  (globalThis as Record<symbol, unknown>)[KERNEL_TRANSPORT_KEY] = transport;
  const endCell = () => cellEnd.splice(0).forEach((fn) => fn());
  return { sent, endCell };
}

afterEach(() => {
  delete (globalThis as Record<symbol, unknown>)[KERNEL_TRANSPORT_KEY];
  vi.restoreAllMocks();
});

describe("inside a kernel", () => {
  it("sends one full bundle per show call, each with its own display id", () => {
    const { sent } = installRecorder();
    const W = randn([2, 3], { seed: 1, requiresGrad: true, name: "W" });
    W.tanh().sum().backward();
    show.graph(W.tanh().sum());
    show.heatmap(W);
    show.gradNorms([W]);
    show.chain(chainExample2());
    expect(sent.map((s) => Object.keys(s.bundle).sort())).toEqual([
      ["image/svg+xml", MIME_GRAPH, "text/plain"].sort(),
      ["image/svg+xml", MIME_HEATMAP, "text/plain"].sort(),
      ["image/svg+xml", MIME_PLOT, "text/plain"].sort(),
      [MIME_CHAIN, "text/latex", "text/markdown", "text/plain"].sort(),
    ]);
    expect(sent.every((s) => !s.opts.update && /^[0-9a-f]{16}$/.test(s.opts.displayId!))).toBe(true);
    expect(new Set(sent.map((s) => s.opts.displayId)).size).toBe(4);
  });

  it("live updates reuse the display id, re-read the tensor and count frames", () => {
    const { sent } = installRecorder();
    const W = tensor([[1, 2]], { name: "W" });
    const h = show.heatmap(W, { live: true, maxFps: 0 });
    W.data[0] = 10;
    h.update();
    h.update(tensor([[7, 7]], { name: "W" }));
    expect(sent).toHaveLength(3);
    expect(sent.map((s) => s.opts.update ?? false)).toEqual([false, true, true]);
    expect(new Set(sent.map((s) => s.opts.displayId)).size).toBe(1);
    const payloads = sent.map((s) => s.bundle[MIME_HEATMAP] as { frame: number; slices: { value: number[][] }[] });
    expect(payloads.map((p) => p.frame)).toEqual([0, 1, 2]);
    expect(payloads.map((p) => p.slices[0].value[0][0])).toEqual([1, 10, 7]);
  });

  it("throttles live updates and delivers the last frame when the cell ends", () => {
    const { sent, endCell } = installRecorder();
    const W = tensor([1, 2, 3]);
    const h = show.heatmap(W, { live: true, maxFps: 2 });
    for (let i = 0; i < 100; i++) h.update();
    expect(sent.length).toBeLessThan(5);
    endCell();
    const last = sent[sent.length - 1];
    expect((last.bundle[MIME_HEATMAP] as { frame: number }).frame).toBe(100);
    endCell();
    expect(sent[sent.length - 1]).toBe(last);
  });

  it("gives handles a null Jupyter.display so a show call ending a cell prints nothing more", () => {
    installRecorder();
    const h = show.heatmap(tensor([1]));
    const method = (h as unknown as Record<symbol, () => unknown>)[Symbol.for("Jupyter.display")];
    expect(method.call(h)).toBeNull();
  });

  it("displays any value: tensors rich, custom bundles, raw bundles, other values as text", () => {
    const { sent } = installRecorder();
    display(tensor([1, 2]));
    display({ [Symbol.for("Jupyter.display")]: () => ({ "text/html": "<b>x</b>" }) });
    display({ "text/markdown": "# hi" }, { raw: true });
    display({ a: 1 });
    expect(Object.keys(sent[0].bundle).sort()).toEqual(["text/html", "text/plain"]);
    expect(sent[1].bundle["text/html"]).toBe("<b>x</b>");
    expect(typeof sent[1].bundle["text/plain"]).toBe("string");
    expect(sent[2].bundle).toEqual({ "text/markdown": "# hi" });
    expect(sent[3].bundle).toEqual({ "text/plain": "{ a: 1 }" });
    expect(() => display("x", { raw: true })).toThrow(ChainlabError);
  });

  it("rejects bad arguments with ChainlabError before sending anything", () => {
    const { sent } = installRecorder();
    expect(() => show.graph(42 as never)).toThrow(ChainlabError);
    expect(() => show.heatmap([[1, 2]] as never)).toThrow(/show.heatmap: expected a Tensor/);
    expect(() => show.heatmap(tensor([1]), { show: "nope" as never })).toThrow(ChainlabError);
    expect(() => show.gradcheck({} as never)).toThrow(/gradcheck/);
    expect(() => show.gradNorms(5 as never)).toThrow(ChainlabError);
    expect(() => show.chain(tensor(1), "W" as never)).toThrow(ChainlabError);
    expect(sent).toHaveLength(0);
  });
});

describe("outside a kernel", () => {
  it("prints the text form of every display", () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((s: unknown) => void lines.push(String(s)));
    const model = new nn.Linear(2, 1, { seed: 1 });
    model
      .forward(tensor([[1, 2]]))
      .sum()
      .backward();
    show.gradNorms(model);
    show.graph(model.forward(tensor([[1, 2]])).sum());
    display(tensor([1, 2], { name: "v" }));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^gradient norm per parameter/);
    expect(lines[1]).toMatch(/^computational graph of/);
    expect(lines[2]).toMatch(/^tensor "v" shape \[2\]/);
  });
});

describe("chain rule displays", () => {
  it("show.chain expands through the chain-rule engine and sends its bundle", () => {
    const { sent } = installRecorder();
    const { W, L } = example2();
    show.chain(L, W, { at: [1, 2] });
    const p = sent[0].bundle[MIME_CHAIN] as { numeric: { at: number[]; autodiff: number; pass: boolean } };
    expect(p.numeric.at).toEqual([1, 2]);
    expect(p.numeric.pass).toBe(true);
    expect(p.numeric.autodiff).toBeCloseTo((W.grad!.toArray() as number[][])[1][2], 12);
    expect(sent[0].bundle["text/markdown"]).toContain("g_{y} x^{\\top}");
  });

  it("show.contributions maps each term of dL/dW[at] over the intermediate", () => {
    const { sent } = installRecorder();
    const { W, L, y, t, x } = example2();
    show.contributions(L, W, { at: [1, 2] });
    const p = sent[0].bundle[MIME_HEATMAP] as {
      name: string;
      contributions: { at: number[]; intermediate: string; values: (number | null)[][] }[];
    };
    expect(p.name).toBe("W");
    expect(p.contributions.length).toBeGreaterThan(0);
    const c = p.contributions[0];
    expect(c.at).toEqual([1, 2]);
    // Term k of dL/dW_12 = sum_k g_y[k] delta_k1 x_2: only k = 1 survives, g_y[1] x_2.
    const g1 = (y.data[1] - t.data[1]) * x.data[2];
    const flat = c.values.flat();
    expect(flat.filter((v) => v !== null && v !== 0)).toHaveLength(1); // null: killed by a delta
    expect(flat.reduce((s: number, v) => s + (v ?? 0), 0)).toBeCloseTo(g1, 12);
    expect(sent[0].bundle["text/plain"]).toContain("terms of ∂L/∂W[1,2]");
  });
});

describe("show.plot", () => {
  it("draws arrays as line charts and redraws a growing array live", () => {
    const { sent } = installRecorder();
    const losses = [1, 0.5];
    const h = show.plot({ loss: losses }, { live: true, maxFps: 0, yScale: "log", title: "loss" });
    losses.push(0.25);
    h.update();
    const payloads = sent.map(
      (s) =>
        s.bundle[MIME_PLOT] as { chart: string; x: number[]; series: { name: string; y: number[] }[]; frame: number },
    );
    expect(payloads[0]).toMatchObject({ chart: "line", x: [0, 1], series: [{ name: "loss", y: [1, 0.5] }], frame: 0 });
    expect(payloads[1]).toMatchObject({ x: [0, 1, 2], series: [{ name: "loss", y: [1, 0.5, 0.25] }], frame: 1 });
    expect(sent[1].opts.displayId).toBe(sent[0].opts.displayId);
  });

  it("thins long series, keeping the last point, and rejects non-numbers", () => {
    const { sent } = installRecorder();
    show.plot(
      Array.from({ length: 10_001 }, (_, i) => i),
      { maxPoints: 101 },
    );
    const p = sent[0].bundle[MIME_PLOT] as { x: number[]; notes: string[] };
    expect(p.x).toHaveLength(101);
    expect(p.x[100]).toBe(10_000);
    expect(p.notes[0]).toMatch(/thinned/);
    expect(() => show.plot(["a"] as never)).toThrow(ChainlabError);
    expect(() => show.plot([1, 2], { x: [1] })).toThrow(/x has 1 entries/);
  });
});
