import * as z from "zod/mini";
import { FiniteOrNullSchema, ShapeSchema } from "./summary";

/**
 * The chain-rule expansion of dL/dx (kernel/src/symbolic builds it). Each mathematical form is
 * given twice: LaTeX (typeset by the renderer through JupyterLab's typesetter) and plain text.
 */
export const RenderedSchema = z.object({ latex: z.string(), text: z.string() });
export type Rendered = z.infer<typeof RenderedSchema>;

/** An index into a tensor: one non-negative integer per axis. */
const IndexSchema = z.array(z.int());

export const ChainTermSchema = z.object({
  /** Values of the summed indices for this term, e.g. { k: 2, l: 1 }. */
  indices: z.record(z.string(), z.number()),
  /** Symbolic factors with their values, e.g. [{ text: "G_21", value: 0.3 }, ...]. */
  factors: z.array(z.object({ text: z.string(), latex: z.string(), value: z.number() })),
  value: z.number(),
  /** True when a Kronecker delta kills the term. */
  zero: z.boolean(),
  /** Which use of the parameter the term belongs to, when it is used more than once. */
  via: z.optional(z.string()),
});
export type ChainTerm = z.infer<typeof ChainTermSchema>;

/** Terms not listed and their sum. */
const MoreSchema = z.object({ count: z.int(), sum: z.number() });

/** The numbers of one step, at one element of the step's input (derive as you go). */
export const ChainStepNumericSchema = z.object({
  /** The element of the step's input (`from`). */
  at: IndexSchema,
  terms: z.array(ChainTermSchema),
  more: z.optional(MoreSchema),
  /** How many terms a Kronecker delta kills. */
  killed: z.int(),
  total: z.number(),
  /** The gradient reverse mode computed for this element (along this path). */
  autodiff: z.number(),
  relErrAutodiff: z.number(),
  pass: z.boolean(),
});
export type ChainStepNumeric = z.infer<typeof ChainStepNumericSchema>;

export const ChainStepSchema = z.object({
  /** The op of the edge this step walks back through. */
  op: z.string(),
  /** Names of the tensors: the step goes from dL/d(to) to dL/d(from). */
  from: z.string(),
  to: z.string(),
  fromShape: ShapeSchema,
  toShape: ShapeSchema,
  /** The general rule with the sum over all indices of the intermediate. */
  general: RenderedSchema,
  /** The op's local partial in index form with Kronecker deltas. */
  local: RenderedSchema,
  /** The index form after substituting the local partial. */
  indexForm: RenderedSchema,
  /** After collapsing the deltas; `renamed` lists the collapsed indices ("l := j"). */
  collapsed: RenderedSchema,
  renamed: z.array(z.string()),
  /** Vector/matrix notation where it exists, else einsum. */
  compact: RenderedSchema,
  einsum: z.optional(z.string()),
  /** Present when the input was broadcast: the extra sum over expanded axes and why. */
  broadcast: z.optional(z.extend(RenderedSchema, { axes: z.array(z.int()), why: z.string() })),
  /** What the upstream symbol stands for: "G := dL/dY = ...". */
  upstream: z.optional(RenderedSchema),
  /** Derive as you go: the compact form with the previous step's result substituted. */
  composed: z.optional(RenderedSchema),
  numeric: z.optional(ChainStepNumericSchema),
});
export type ChainStep = z.infer<typeof ChainStepSchema>;

export const ChainNumericSchema = z.object({
  /** The element of x that was instantiated. */
  at: IndexSchema,
  /** Largest terms (by |value|) of the fully substituted sum, or of the last step. */
  terms: z.array(ChainTermSchema),
  /** Terms not listed and their sum. */
  more: z.optional(MoreSchema),
  /** How many terms a Kronecker delta kills. */
  killed: z.optional(z.int()),
  total: z.number(),
  autodiff: z.number(),
  finiteDiff: z.number(),
  relErrAutodiff: z.number(),
  relErrFiniteDiff: z.number(),
  /** Estimated error bound of the finite difference (truncation + rounding); absent when none could be formed. */
  finiteDiffError: z.optional(z.number()),
  /** "inconclusive": the finite difference's own error is too large to confirm or refute the total. */
  finiteDiffVerdict: z.optional(z.enum(["pass", "fail", "inconclusive"])),
  /** True only when the sum, reverse mode and the finite difference are confirmed to agree. */
  pass: z.boolean(),
  /** Why some numbers could not be written out as terms (e.g. a user op without index rule). */
  note: z.optional(z.string()),
});
export type ChainNumeric = z.infer<typeof ChainNumericSchema>;

export const ChainPathSchema = z.object({
  /** Tensor names from x to L along this path. */
  nodes: z.array(z.string()),
  steps: z.array(ChainStepSchema),
  /** All steps composed into one nested sum, for paths of up to about 6 steps. */
  substituted: z.optional(RenderedSchema),
  /** The substituted form after collapsing its deltas, and which indices were renamed. */
  substitutedCollapsed: z.optional(z.extend(RenderedSchema, { renamed: z.array(z.string()) })),
  /** The tensor the substituted form starts from (its gradient is written out elementwise). */
  head: z.optional(z.string()),
  /** The whole path in compact (matrix) notation: dL/dx = ... */
  compact: z.optional(RenderedSchema),
  /** For longer paths: how many steps were folded into the summary. */
  folded: z.optional(z.int()),
  /**
   * Long paths list only the steps nearest L and nearest x: `count` steps between them are not
   * written out; they come after the first `after` entries of `steps` (which run from L to x).
   */
  stepsOmitted: z.optional(z.object({ after: z.int(), count: z.int() })),
  numeric: z.optional(ChainNumericSchema),
  /** Per-term contributions for the chosen element, shaped like the intermediate next to x. */
  contributions: z.optional(
    z.object({ intermediate: z.string(), shape: ShapeSchema, values: z.array(FiniteOrNullSchema) }),
  ),
});
export type ChainPath = z.infer<typeof ChainPathSchema>;

const NamedShapeSchema = z.object({ name: z.string(), shape: ShapeSchema });

export const ChainPayloadSchema = z.object({
  version: z.number(),
  kind: z.literal("chain"),
  output: NamedShapeSchema,
  param: NamedShapeSchema,
  /** One entry per path; when more than one, the display says the paths add. */
  paths: z.array(ChainPathSchema),
  /** dL/dx in compact notation, the paths' gradients added (when every path has one). */
  compact: z.optional(RenderedSchema),
  /**
   * The whole gradient as one closed formula (all paths, identities applied), with its named
   * subexpressions (`where`, in dependency order) and the identities used; or, when none
   * exists in this notation, `cannotClose` says why (the steps keep the index form).
   */
  closed: z.optional(z.object({ formula: RenderedSchema, where: z.array(RenderedSchema), rules: z.array(z.string()) })),
  cannotClose: z.optional(z.string()),
  /** What every tensor name on the view stands for ("v3 = X w"), inputs before their users. */
  names: z.optional(z.array(RenderedSchema)),
  /** Paths beyond the limit that were not expanded (the numbers still include them). */
  pathsOmitted: z.optional(z.int()),
  /** Jacobian mode: the output element L_K that the steps and numbers are for. */
  outputAt: z.optional(IndexSchema),
  /** The result for the chosen element over all paths. */
  numeric: ChainNumericSchema,
  /** Jacobian mode (non-scalar L): blocks of dL_K/dx_I, 2-D slices for rank 3+. */
  jacobian: z.optional(
    z.object({
      shape: ShapeSchema,
      blocks: z.array(z.object({ index: IndexSchema, values: z.array(z.array(FiniteOrNullSchema)) })),
    }),
  ),
  /** What the kernel left out to keep the payload within its byte budget, as sentences to show. */
  trimmed: z.optional(z.array(z.string())),
});
export type ChainPayload = z.infer<typeof ChainPayloadSchema>;
