import type { Tensor } from "../tensor/Tensor";
import type { HeatmapPayload } from "../protocol/heatmap";
import { BUNDLE_BUDGET, jsonBytes } from "../protocol/budget";
import type { MimeBundle } from "./kernelTransport";
import { heatmapBundle } from "./bundles";
import { blockMeans, buildHeatmapPayload, matrixView, type HeatmapOptions } from "./heatmapPayload";

/**
 * The heatmap bundle of a tensor within BUNDLE_BUDGET.heatmap, at any size and rank: when the
 * bundle is over budget the matrices are averaged in bigger blocks (and fewer slices kept), and
 * the payload's `downsampled` says so on screen. Small matrices are sent exactly.
 */
export function boundedHeatmapBundle(
  t: Tensor,
  opts: HeatmapOptions,
  frame?: number,
  budget: number = BUNDLE_BUDGET.heatmap,
): MimeBundle {
  return withinBudget((o) => buildHeatmapPayload(t, o, frame), opts, budget);
}

/** The bundle of `build(options)`, with the options shrunk until the bundle fits `budget`. */
export function withinBudget(
  build: (o: HeatmapOptions) => HeatmapPayload,
  opts: HeatmapOptions,
  budget: number = BUNDLE_BUDGET.heatmap,
): MimeBundle {
  let o: HeatmapOptions = { ...opts };
  let bundle = heatmapBundle(build(o));
  for (let tries = 0; tries < 12; tries++) {
    const size = jsonBytes(bundle);
    if (size <= budget) return bundle;
    o = shrink(bundle, o, budget / size);
    bundle = heatmapBundle(build(o));
  }
  return bundle;
}

/** Options for a payload about `ratio` times the size of the one in `bundle`. */
function shrink(bundle: MimeBundle, o: HeatmapOptions, ratio: number): HeatmapOptions {
  const p = Object.values(bundle).find(
    (v): v is HeatmapPayload => typeof v === "object" && v !== null && (v as HeatmapPayload).kind === "heatmap",
  )!;
  // The biggest matrix sets the pace: a slice or a term map.
  const mats = [p.slices[0]?.value ?? [[]], ...(p.contributions ?? []).map((c) => c.values)];
  const rows = Math.max(...mats.map((m) => m.length));
  const cols = Math.max(...mats.map((m) => m[0]?.length ?? 1));
  const f = Math.min(0.9, ratio * 0.9);
  if (p.slices.length > 1) return { ...o, maxSlices: Math.max(1, Math.floor(p.slices.length * f)) };
  const g = Math.sqrt(f);
  return { ...o, maxRows: Math.max(1, Math.floor(rows * g)), maxCols: Math.max(1, Math.floor(cols * g)) };
}

/**
 * A chain-rule term map (shaped like an intermediate) as a bounded matrix: block means over at
 * most maxRows x maxCols cells; `stride` says how many elements one cell averages.
 */
export function boundedTermMap(
  values: (number | null)[],
  shape: readonly number[],
  maxRows = 64,
  maxCols = 64,
): { values: (number | null)[][]; stride?: [number, number] } {
  const { rows, cols } = matrixView(shape);
  const rs = Math.max(1, Math.ceil(rows / maxRows));
  const cs = Math.max(1, Math.ceil(cols / maxCols));
  // A null term was killed by a delta: exactly 0 in a block mean.
  const data = Float64Array.from({ length: rows * cols }, (_, i) => values[i] ?? 0);
  if (rs === 1 && cs === 1) {
    const m: (number | null)[][] = [];
    for (let r = 0; r < rows; r++) m.push(values.slice(r * cols, (r + 1) * cols));
    return { values: m };
  }
  return { values: blockMeans(data, 0, rows, cols, rs, cs), stride: [rs, cs] };
}
