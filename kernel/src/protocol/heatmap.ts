/**
 * A matrix view of a tensor's values and gradient. Rank 0/1 tensors are shown as one row;
 * rank 3+ tensors as 2-D slices over the last two axes, one per leading index.
 * Entries are numbers, or null where the value is NaN or infinite.
 */
export interface HeatmapSlice {
  /** Leading indices of this slice (empty for rank <= 2). */
  index: number[];
  /** rows x cols, possibly downsampled. */
  value: (number | null)[][];
  grad: (number | null)[][] | null;
}

export interface HeatmapPayload {
  version: number;
  kind: "heatmap";
  name: string;
  shape: number[];
  /** Which matrices the view shows. */
  show: "value" | "grad" | "both";
  gradState: "computed" | "not-computed" | "not-required" | "not-retained";
  slices: HeatmapSlice[];
  /** Present when slices were omitted (too many) or cells averaged (too large). */
  downsampled?: { sliceCount: number; shownSlices: number; rowStride: number; colStride: number };
  /**
   * Optional per-element chain-rule contributions: for element `at` of the parameter, the
   * term of each element of an intermediate, shaped like that intermediate (2-D view).
   */
  contributions?: {
    at: number[];
    intermediate: string;
    values: (number | null)[][];
    /** Present when a cell is the mean of stride[0] x stride[1] terms (big intermediates). */
    stride?: [number, number];
  }[];
  /** Live displays count their updates so a renderer can tell a new frame. */
  frame?: number;
  title?: string;
}
