import * as z from "zod/mini";
import { RenderedSchema } from "./chain";
import { ShapeSchema, TensorSummarySchema } from "./summary";

/**
 * What a node is to the user: a trainable parameter (requiresGrad leaf), an input or constant
 * leaf, an intermediate result, or the output the graph was traced from.
 */
export const NodeKindSchema = z.enum(["param", "input", "intermediate", "output"]);
export type NodeKind = z.infer<typeof NodeKindSchema>;

/**
 * Gradient status, made explicit because "all grads are 0 before backward()" confuses learners:
 * computed; not computed yet (backward not run); not required (no path from a parameter);
 * not retained (an intermediate whose grad backward() did not keep: call retainGrad()).
 */
export const GradStateSchema = z.enum(["computed", "not-computed", "not-required", "not-retained"]);
export type GradState = z.infer<typeof GradStateSchema>;

export const NodeRuleSchema = z.object({
  formula: RenderedSchema,
  partials: z.array(z.object({ input: z.string(), local: RenderedSchema })),
});
export type NodeRule = z.infer<typeof NodeRuleSchema>;

/**
 * Ops drawn as one node: `times` copies of a loop body of `period` ops (found from the graph's
 * structure), or a part cut to keep the drawing within budget. Either way it says what it holds.
 */
export const GraphSummarySchema = z.object({
  /** Number of ops (traced tensors) it stands for. */
  count: z.int(),
  /** How many of each op, e.g. { mul: 99, add: 99, tanh: 99 }. */
  ops: z.record(z.string(), z.int()),
  /** Up to four distinct output shapes inside, as "[3,4]". */
  shapes: z.array(z.string()),
  /** Parameters inside (only when a graph has more parameters than half its node budget). */
  params: z.optional(z.object({ count: z.int(), names: z.array(z.string()) })),
  /** For folded loops: copies of the body (not counting the one drawn next to it) and its length. */
  times: z.optional(z.int()),
  period: z.optional(z.int()),
});
export type GraphSummary = z.infer<typeof GraphSummarySchema>;

/** The most nodes a graph payload may hold: larger ones are refused by the validator. */
export const GRAPH_MAX_PAYLOAD_NODES = 5000;

export const GraphNodeSchema = z.object({
  /** Stable within one payload: "n0", "n1", ... in topological order. */
  id: z.string(),
  /**
   * Registry op name ("matmul"), "leaf" for tensors created directly, or "summary" for a node
   * that stands for several ops (see `summary`); its value and gradient are its last op's.
   */
  op: z.string(),
  /** User-given name (`{ name: "W" }`), if any. */
  name: z.optional(z.string()),
  /** For an unnamed op node: the name the chain-rule view uses for it (v3), shown under the op. */
  label: z.optional(z.string()),
  kind: NodeKindSchema,
  shape: ShapeSchema,
  dtype: z.enum(["float64", "float32"]),
  /** Composite-op scopes, outermost first (e.g. ["Linear#1", "crossEntropy"]), for folding. */
  scope: z.optional(z.array(z.string())),
  /** Op attributes worth showing (axis, perm, ...), as short strings. */
  attrs: z.optional(z.record(z.string(), z.string())),
  value: TensorSummarySchema,
  grad: z.nullable(TensorSummarySchema),
  gradState: GradStateSchema,
  /** Set when anomaly mode found this op produced the first NaN/Inf. */
  anomaly: z.optional(z.string()),
  /**
   * Optional, for the extension's click panel: this node's step of the chain rule, i.e. its
   * formula over the input names (the op's `latex`/`text`) and, per differentiable input, the
   * local partial d(out)/d(input) in index notation (the op's `index` rule). Absent for leaves.
   */
  rule: z.optional(NodeRuleSchema),
  /** Scalar constant inputs, shown in the op's label (`mul 1.01`) instead of as nodes. */
  constants: z.optional(z.array(z.object({ argIndex: z.int(), value: z.nullable(z.number()) }))),
  /** For op "summary": what the node holds. */
  summary: z.optional(GraphSummarySchema),
  /**
   * State kept beside the graph by the composite that made this node (batch norm's running
   * mean and variance after this call), for the card: not inputs, no gradient.
   */
  buffers: z.optional(z.array(z.object({ name: z.string(), value: TensorSummarySchema }))),
  /**
   * Set on the nodes that detail a cut part: the id of the summary node they replace when the
   * user opens it (one level: the ops nearest the drawing as they are, the rest summarised).
   * The first view, and the static fallbacks, leave them out.
   */
  within: z.optional(z.string()),
});
export type GraphNode = z.infer<typeof GraphNodeSchema>;

export const GraphEdgeSchema = z.object({
  from: z.string(),
  to: z.string(),
  /** Which input of `to` this is (0-based). */
  argIndex: z.int().check(z.nonnegative()),
  shape: ShapeSchema,
});
export type GraphEdge = z.infer<typeof GraphEdgeSchema>;

export const GraphPayloadSchema = z.object({
  version: z.number(),
  kind: z.literal("graph"),
  nodes: z.array(GraphNodeSchema),
  edges: z.array(GraphEdgeSchema),
  /** Id of the node the graph was traced from. */
  output: z.string(),
  /** True when the graph was cut to a maximum node count; `omitted` nodes are not shown. */
  truncated: z.optional(z.object({ omitted: z.int() })),
});
export type GraphPayload = z.infer<typeof GraphPayloadSchema>;
