import * as z from "zod/mini";
import { FiniteOrNullSchema, ShapeSchema } from "./summary";
import { GradStateSchema } from "./graph";

/** rows x cols of numbers, null where not finite. */
const MatrixSchema = z.array(z.array(FiniteOrNullSchema));

/**
 * A matrix view of a tensor's values and gradient. Rank 0/1 tensors are shown as one row;
 * rank 3+ tensors as 2-D slices over the last two axes, one per leading index.
 * Entries are numbers, or null where the value is NaN or infinite.
 */
export const HeatmapSliceSchema = z.object({
  /** Leading indices of this slice (empty for rank <= 2). */
  index: z.array(z.int()),
  /** rows x cols, possibly downsampled. */
  value: MatrixSchema,
  grad: z.nullable(MatrixSchema),
});
export type HeatmapSlice = z.infer<typeof HeatmapSliceSchema>;

export const HeatmapPayloadSchema = z.object({
  version: z.number(),
  kind: z.literal("heatmap"),
  name: z.string(),
  shape: ShapeSchema,
  /** Which matrices the view shows. */
  show: z.enum(["value", "grad", "both"]),
  gradState: GradStateSchema,
  slices: z.array(HeatmapSliceSchema),
  /** Present when slices were omitted (too many) or cells averaged (too large). */
  downsampled: z.optional(
    z.object({ sliceCount: z.int(), shownSlices: z.int(), rowStride: z.int(), colStride: z.int() }),
  ),
  /**
   * Optional per-element chain-rule contributions: for element `at` of the parameter, the
   * term of each element of an intermediate, shaped like that intermediate (2-D view).
   */
  contributions: z.optional(
    z.array(
      z.object({
        at: z.array(z.int()),
        intermediate: z.string(),
        values: MatrixSchema,
        /** Present when a cell is the mean of stride[0] x stride[1] terms (big intermediates). */
        stride: z.optional(z.tuple([z.int(), z.int()])),
      }),
    ),
  ),
  /** Live displays count their updates so a renderer can tell a new frame. */
  frame: z.optional(z.int()),
  title: z.optional(z.string()),
});
export type HeatmapPayload = z.infer<typeof HeatmapPayloadSchema>;
