/**
 * A small chart: bars over categories (per-layer gradient norms) or lines over steps (loss
 * curves). Entries are numbers, or null where the value is missing (gradient not computed)
 * or not finite.
 */
export interface PlotSeries {
  name: string;
  y: (number | null)[];
}

export interface PlotPayload {
  version: number;
  kind: "plot";
  chart: "bar" | "line";
  title?: string;
  /** Category labels (bar) or x values (line), one per entry of every series. */
  x: (string | number)[];
  xLabel?: string;
  yLabel?: string;
  yScale: "linear" | "log";
  series: PlotSeries[];
  /** Why some entries are null, e.g. "gradient not computed yet". */
  notes?: string[];
  /** Live displays count their updates so a renderer can tell a new frame. */
  frame?: number;
}
