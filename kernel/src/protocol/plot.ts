import * as z from "zod/mini";
import { FiniteOrNullSchema } from "./summary";

/**
 * A small chart: bars over categories (per-layer gradient norms) or lines over steps (loss
 * curves). Entries are numbers, or null where the value is missing (gradient not computed)
 * or not finite.
 */
export const PlotSeriesSchema = z.object({
  name: z.string(),
  y: z.array(FiniteOrNullSchema),
});
export type PlotSeries = z.infer<typeof PlotSeriesSchema>;

export const PlotPayloadSchema = z.object({
  version: z.number(),
  kind: z.literal("plot"),
  chart: z.enum(["bar", "line"]),
  title: z.optional(z.string()),
  /** Category labels (bar) or x values (line), one per entry of every series. */
  x: z.array(z.union([z.string(), z.number()])),
  xLabel: z.optional(z.string()),
  yLabel: z.optional(z.string()),
  yScale: z.enum(["linear", "log"]),
  series: z.array(PlotSeriesSchema),
  /** Why some entries are null, e.g. "gradient not computed yet". */
  notes: z.optional(z.array(z.string())),
  /** Live displays count their updates so a renderer can tell a new frame. */
  frame: z.optional(z.int()),
});
export type PlotPayload = z.infer<typeof PlotPayloadSchema>;
