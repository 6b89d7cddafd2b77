import { Tensor } from "../tensor/Tensor";
import { ChainlabError } from "../errors";
import { inspectValue } from "./platform";
import { ownBundle } from "./displayHook";
import type { ChainPayload } from "../protocol/chain";
import type { HeatmapPayload } from "../protocol/heatmap";
import { DisplayHandle, type LiveOptions } from "./DisplayHandle";
import { kernelTransport, type MimeBundle } from "./kernelTransport";
import { type GraphOptions } from "./graphPayload";
import { boundedGraphBundle, type GraphFit } from "./graphBudget";
import { buildHeatmapPayload, matrixView, type HeatmapOptions } from "./heatmapPayload";
import { boundedHeatmapBundle, boundedTermMap, withinBudget } from "./heatmapBudget";
import { buildGradNormsPayload, type ParamSource } from "./gradNorms";
import { buildPlotPayload, type PlotData, type PlotOptions } from "./plotPayload";
import { gradcheckBundle, type GradcheckReportLike } from "./gradcheckDisplay";
import { chainBundle } from "./bundles";
import { boundedPlotBundle } from "./plotBudget";
import { BUNDLE_BUDGET, LIVE_FRAME_BUDGET } from "../protocol/budget";
import { expandChain, type ExpandOptions } from "../symbolic/chain/expandChain";
import { activationMapsPayload, filterGridPayload, type GridOptions } from "./filterGrid";

/** Options of show.chain: those of the chain-rule engine (`at`, `maxTerms`, `indexNames`, ...). */
export type ChainOptions = ExpandOptions;

/**
 * `show.*` and `display()`: the notebook-facing display API. Each call sends one full MIME
 * bundle (see bundles.ts) and returns a DisplayHandle; with `{ live: true }` the handle's
 * update() redraws the same output. Outside a Jupyter kernel the text form is printed.
 */

function checkTensor(op: string, t: unknown, what = "a Tensor"): asserts t is Tensor {
  if (!(t instanceof Tensor))
    throw new ChainlabError(
      op,
      `expected ${what}, got ${t === null ? "null" : typeof t === "object" ? ((t as object).constructor?.name ?? "object") : typeof t}`,
    );
}

function start<T>(subject: T, render: (s: T, frame: number) => MimeBundle, opts: LiveOptions): DisplayHandle<T> {
  return new DisplayHandle(subject, render, { maxFps: opts.maxFps }).show();
}

/** An AnomalyError (detectAnomaly) carries the tensor where the first NaN/Inf appeared. */
function anomalyTarget(v: unknown): { tensor: Tensor; message: string } | null {
  if (v instanceof Error && (v as { tensor?: unknown }).tensor instanceof Tensor)
    return { tensor: (v as unknown as { tensor: Tensor }).tensor, message: v.message };
  return null;
}

function isChainPayload(v: unknown): v is ChainPayload {
  return (
    typeof v === "object" &&
    v !== null &&
    (v as { kind?: unknown }).kind === "chain" &&
    Array.isArray((v as { paths?: unknown }).paths)
  );
}

/** The chain-rule terms of the chosen element, as maps shaped like each path's intermediate. */
export function contributionsPayload(x: Tensor, chain: ChainPayload, opts: HeatmapOptions): HeatmapPayload {
  const payload = buildHeatmapPayload(x, { show: "value", ...opts });
  const maps: NonNullable<HeatmapPayload["contributions"]> = [];
  for (const path of chain.paths) {
    const c = path.contributions;
    if (!c) continue;
    // Contributions of rank 3+ intermediates are shown for their first 2-D slice; big maps
    // as block means (the view says so).
    const { rows, cols } = matrixView(c.shape);
    const { values, stride } = boundedTermMap(c.values.slice(0, rows * cols), c.shape, opts.maxRows, opts.maxCols);
    maps.push({ at: chain.numeric.at, intermediate: c.intermediate, values, ...(stride ? { stride } : {}) });
  }
  if (!maps.length)
    throw new ChainlabError("show.contributions", "the expansion has no per-term contributions for this parameter");
  payload.contributions = maps;
  payload.title =
    opts.title ??
    `each term's share of ∂${chain.output.name}/∂${chain.param.name}[${chain.numeric.at.join(",")}] = ${chain.numeric.total.toPrecision(4)}`;
  return payload;
}

export const show = {
  /**
   * The computational graph that produced `t`, with values, gradients and their status.
   * Accepts an AnomalyError too: the op that made the first NaN/Inf is marked.
   * @example show.graph(L)
   */
  graph(t: Tensor | Error, opts: GraphOptions & LiveOptions = {}): DisplayHandle<Tensor> {
    const anomaly = anomalyTarget(t);
    const target = anomaly ? anomaly.tensor : t;
    checkTensor("show.graph", target, "a Tensor (or an AnomalyError)");
    const graphOpts: GraphOptions = { maxNodes: opts.maxNodes, anomaly: anomaly ?? opts.anomaly };
    // A live graph keeps every frame, the first too, within the live frame budget: the same
    // nodes are drawn in each frame, so the view recolours in place instead of re-laying out.
    const budget = opts.live ? LIVE_FRAME_BUDGET : BUNDLE_BUDGET.graph;
    const fit: GraphFit = {};
    return start(target, (s) => boundedGraphBundle(s, graphOpts, budget, fit), opts);
  },

  /**
   * A matrix heatmap of a tensor's value and/or gradient (rank 3+: 2-D slices).
   * @example const h = show.heatmap(W, { live: true }); ... h.update();
   */
  heatmap(t: Tensor, opts: HeatmapOptions & LiveOptions = {}): DisplayHandle<Tensor> {
    checkTensor("show.heatmap", t);
    buildHeatmapPayload(t, opts); // validates the options before anything is sent
    return start(t, (s, frame) => boundedHeatmapBundle(s, opts, opts.live ? frame : undefined), opts);
  },

  /**
   * A conv weight [out, in, kh, kw] as a grid of its filters (row = out channel, column = in
   * channel), its gradient's grid beside it once computed; live like show.heatmap.
   * @example const f = show.filters(conv.weight, { live: true }); ... f.update();
   */
  filters(W: Tensor, opts: GridOptions & LiveOptions = {}): DisplayHandle<Tensor> {
    checkTensor("show.filters", W);
    filterGridPayload(W, opts);
    return start(
      W,
      (s, frame) => withinBudget((o) => ({ ...filterGridPayload(s, o), ...(opts.live ? { frame } : {}) }), opts),
      opts,
    );
  },

  /**
   * Activation maps [N, C, H, W] of one sample (default 0): one map per channel, side by side.
   * @example show.activations(conv.call(x), { sample: 3 })
   */
  activations(A: Tensor, opts: GridOptions & LiveOptions = {}): DisplayHandle<Tensor> {
    checkTensor("show.activations", A);
    activationMapsPayload(A, opts);
    return start(
      A,
      (s, frame) => withinBudget((o) => ({ ...activationMapsPayload(s, o), ...(opts.live ? { frame } : {}) }), opts),
      opts,
    );
  },

  /**
   * The multivariate chain rule for dL/dx, step by step, with the numbers for one element.
   * @example show.chain(L, W, { at: [0, 1] })
   */
  chain(L: Tensor | ChainPayload, x?: Tensor, opts: ChainOptions = {}): DisplayHandle<ChainPayload> {
    let payload: ChainPayload;
    if (isChainPayload(L)) payload = L;
    else {
      checkTensor("show.chain", L);
      checkTensor("show.chain", x, "the parameter tensor x as second argument");
      payload = expandChain(L, x, opts);
    }
    return start(payload, (p) => chainBundle(p), {});
  },

  /**
   * How much each element of the intermediate contributes to dL/dx at one element of x.
   * @example show.contributions(L, W, { at: [0, 1] })
   */
  contributions(L: Tensor, x: Tensor, opts: ChainOptions & HeatmapOptions = {}): DisplayHandle<ChainPayload> {
    checkTensor("show.contributions", L);
    checkTensor("show.contributions", x, "the parameter tensor x as second argument");
    const chain = expandChain(L, x, opts);
    contributionsPayload(x, chain, opts); // throws before anything is sent when there are no terms
    return start(chain, (c) => withinBudget((o) => contributionsPayload(x, c, o), opts), {});
  },

  /** A gradcheck report as a table. @example show.gradcheck(gradcheck(f, [x])) */
  gradcheck(report: GradcheckReportLike): DisplayHandle<GradcheckReportLike> {
    if (!report || typeof report !== "object" || !Array.isArray((report as { inputs?: unknown }).inputs))
      throw new ChainlabError("show.gradcheck", "expected the report returned by gradcheck(f, inputs)");
    return start(report, (r) => gradcheckBundle(r), {});
  },

  /**
   * A line (or bar) chart of numbers; live, update() redraws from the same (growing) arrays.
   * @example const h = show.plot({ loss: losses }, { live: true, yScale: "log" }); losses.push(l); h.update();
   */
  plot(data: PlotData, opts: PlotOptions & LiveOptions = {}): DisplayHandle<PlotData> {
    buildPlotPayload(data, opts); // validates before anything is sent
    return start(
      data,
      (d, frame) =>
        boundedPlotBundle((fewer) =>
          buildPlotPayload(
            d,
            { ...opts, maxPoints: fewer === undefined ? opts.maxPoints : Math.min(fewer, opts.maxPoints ?? fewer) },
            opts.live ? frame : undefined,
          ),
        ),
      opts,
    );
  },

  /**
   * Gradient norm per parameter as a bar chart (log axis when they span orders of magnitude).
   * @example show.gradNorms(model.parameters())
   */
  gradNorms(
    params: ParamSource,
    opts: { title?: string; yScale?: "linear" | "log" } & LiveOptions = {},
  ): DisplayHandle<ParamSource> {
    buildGradNormsPayload(params, opts);
    return start(
      params,
      (s, frame) =>
        boundedPlotBundle((maxBars) => buildGradNormsPayload(s, { ...opts, maxBars }, opts.live ? frame : undefined)),
      opts,
    );
  },
};

/** The MIME bundle of any value: its own Jupyter.display bundle (Tensors have one), else text. */
export function bundleOf(value: unknown): MimeBundle | null {
  const own = ownBundle(value);
  if (own !== undefined) return own;
  return { "text/plain": typeof value === "string" ? value : inspectValue(value) };
}

/**
 * Displays a value as rich output: a Tensor as its summary, an object with a
 * [Symbol.for("Jupyter.display")]() method as the bundle it returns, anything else as text.
 * With `{ raw: true }` the value is itself a MIME bundle (Deno's convention).
 * @example display(W); display({ "text/html": "<b>hi</b>" }, { raw: true })
 */
export function display(value: unknown, opts: { raw?: boolean } & LiveOptions = {}): DisplayHandle<unknown> {
  if (opts.raw) {
    if (!value || typeof value !== "object" || Array.isArray(value))
      throw new ChainlabError(
        "display",
        'with { raw: true } the value must be a MIME bundle object like { "text/html": "..." }',
      );
    return start<unknown>(value, (b) => b as MimeBundle, opts);
  }
  return start(value, (v) => bundleOf(v) ?? {}, opts);
}

/**
 * Clears the cell's output (with `wait`, when the next output arrives, which avoids flicker).
 * @example for (...) { clearOutput(true); display(loss) }
 */
export function clearOutput(wait = false): void {
  kernelTransport()?.clearOutput(wait);
}
