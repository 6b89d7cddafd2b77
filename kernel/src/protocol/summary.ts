import * as z from "zod/mini";

/** A number, or null where the value is NaN or infinite (JSON has neither). */
export const FiniteOrNullSchema = z.nullable(z.number());
/** A shape: non-negative integer axis lengths. */
export const ShapeSchema = z.array(z.int().check(z.nonnegative()));

export type NestedNumbers = number | null | NestedNumbers[];
// A recursive schema needs its type written out once (zod cannot infer through z.lazy).
export const NestedNumbersSchema: z.ZodMiniType<NestedNumbers> = z.union([
  FiniteOrNullSchema,
  z.array(z.lazy(() => NestedNumbersSchema)),
]);

/**
 * Statistics of a tensor, as shown in hover cards and text fallbacks. JSON has no NaN or
 * Infinity, so non-finite entries are counted and `values` holds `null` in their place.
 */
export const TensorSummarySchema = z.object({
  shape: ShapeSchema,
  size: z.int().check(z.nonnegative()),
  min: FiniteOrNullSchema,
  max: FiniteOrNullSchema,
  mean: FiniteOrNullSchema,
  /** Frobenius (L2) norm over all entries. */
  norm: FiniteOrNullSchema,
  nanCount: z.int(),
  infCount: z.int(),
  /** All values, nested as the shape, only for small tensors (at most 64 entries). */
  values: z.optional(NestedNumbersSchema),
});
export type TensorSummary = z.infer<typeof TensorSummarySchema>;
