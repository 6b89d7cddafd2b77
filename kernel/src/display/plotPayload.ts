import type { PlotPayload } from "../protocol/plot";
import { PROTOCOL_VERSION } from "../protocol/mime";
import { ChainlabError } from "../errors";
import { finiteOrNull } from "./markup";

/**
 * Line or bar charts of plain numbers (loss curves, accuracies): one series from an array, or
 * several from a { name: values } record. Long series are thinned to at most `maxPoints`
 * evenly spaced points (the last one always kept), and the payload says so in `notes`.
 */

export interface PlotOptions {
  chart?: "line" | "bar";
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Default "linear"; "log" drops entries <= 0 from the drawing. */
  yScale?: "linear" | "log";
  /** x values or category labels, one per entry (default 0, 1, 2, ...). */
  x?: readonly (number | string)[];
  /** At most this many points per series (default 2000). */
  maxPoints?: number;
}

export type PlotData = readonly number[] | Readonly<Record<string, readonly number[]>>;

export const PLOT_MAX_POINTS = 2000;

export function buildPlotPayload(data: PlotData, opts: PlotOptions = {}, frame?: number): PlotPayload {
  const series: [string, readonly number[]][] = Array.isArray(data)
    ? [["y", data as readonly number[]]]
    : data && typeof data === "object"
      ? Object.entries(data as Record<string, readonly number[]>)
      : [];
  if (!series.length)
    throw new ChainlabError("show.plot", "expected an array of numbers or a { name: numbers[] } record");
  const n = Math.max(...series.map(([, ys]) => ys.length));
  for (const [name, ys] of series) {
    if (!Array.isArray(ys) || ys.some((v) => typeof v !== "number"))
      throw new ChainlabError("show.plot", `series "${name}" must be an array of numbers`);
  }
  if (opts.x && opts.x.length !== n)
    throw new ChainlabError("show.plot", `x has ${opts.x.length} entries but the longest series has ${n}`);
  const maxPoints = Math.max(2, Math.floor(opts.maxPoints ?? PLOT_MAX_POINTS));
  const keep: number[] = [];
  if (n <= maxPoints) for (let i = 0; i < n; i++) keep.push(i);
  else for (let k = 0; k < maxPoints; k++) keep.push(Math.round((k * (n - 1)) / (maxPoints - 1)));
  const payload: PlotPayload = {
    version: PROTOCOL_VERSION,
    kind: "plot",
    chart: opts.chart ?? "line",
    x: keep.map((i) => (opts.x ? opts.x[i] : i)),
    yScale: opts.yScale ?? "linear",
    series: series.map(([name, ys]) => ({ name, y: keep.map((i) => (i < ys.length ? finiteOrNull(ys[i]) : null)) })),
  };
  if (opts.title) payload.title = opts.title;
  if (opts.xLabel) payload.xLabel = opts.xLabel;
  if (opts.yLabel) payload.yLabel = opts.yLabel;
  if (n > maxPoints) payload.notes = [`${n} points thinned to ${maxPoints}`];
  if (frame !== undefined) payload.frame = frame;
  return payload;
}
