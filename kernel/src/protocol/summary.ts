/**
 * Statistics of a tensor, as shown in hover cards and text fallbacks. JSON has no NaN or
 * Infinity, so non-finite entries are counted and `values` holds `null` in their place.
 */
export interface TensorSummary {
  shape: number[];
  size: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  /** Frobenius (L2) norm over all entries. */
  norm: number | null;
  nanCount: number;
  infCount: number;
  /** All values, nested as the shape, only for small tensors (at most 64 entries). */
  values?: NestedNumbers;
}

export type NestedNumbers = number | null | NestedNumbers[];
