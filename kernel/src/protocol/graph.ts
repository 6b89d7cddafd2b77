import type { Rendered } from "./chain";
import type { TensorSummary } from "./summary";

/**
 * What a node is to the user: a trainable parameter (requiresGrad leaf), an input or constant
 * leaf, an intermediate result, or the output the graph was traced from.
 */
export type NodeKind = "param" | "input" | "intermediate" | "output";

/**
 * Gradient status, made explicit because "all grads are 0 before backward()" confuses learners:
 * computed; not computed yet (backward not run); not required (no path from a parameter);
 * not retained (an intermediate whose grad backward() did not keep: call retainGrad()).
 */
export type GradState = "computed" | "not-computed" | "not-required" | "not-retained";

export interface GraphNode {
  /** Stable within one payload: "n0", "n1", ... in topological order. */
  id: string;
  /**
   * Registry op name ("matmul"), "leaf" for tensors created directly, or "summary" for a node
   * that stands for several ops (see `summary`); its value and gradient are its last op's.
   */
  op: string;
  /** User-given name (`{ name: "W" }`), if any. */
  name?: string;
  kind: NodeKind;
  shape: number[];
  dtype: "float64" | "float32";
  /** Composite-op scopes, outermost first (e.g. ["Linear#1", "crossEntropy"]), for folding. */
  scope?: string[];
  /** Op attributes worth showing (axis, perm, ...), as short strings. */
  attrs?: Record<string, string>;
  value: TensorSummary;
  grad: TensorSummary | null;
  gradState: GradState;
  /** Set when anomaly mode found this op produced the first NaN/Inf. */
  anomaly?: string;
  /**
   * Optional, for the extension's click panel: this node's step of the chain rule, i.e. its
   * formula over the input names (the op's `latex`/`text`) and, per differentiable input, the
   * local partial d(out)/d(input) in index notation (the op's `index` rule). Absent for leaves.
   */
  rule?: NodeRule;
  /** Scalar constant inputs, shown in the op's label (`mul 1.01`) instead of as nodes. */
  constants?: { argIndex: number; value: number | null }[];
  /** For op "summary": what the node holds. */
  summary?: GraphSummary;
}

/**
 * Ops drawn as one node: `times` copies of a loop body of `period` ops (found from the graph's
 * structure), or a part cut to keep the drawing within budget. Either way it says what it holds.
 */
export interface GraphSummary {
  /** Number of ops (traced tensors) it stands for. */
  count: number;
  /** How many of each op, e.g. { mul: 99, add: 99, tanh: 99 }. */
  ops: Record<string, number>;
  /** Up to four distinct output shapes inside, as "[3,4]". */
  shapes: string[];
  /** Parameters inside (only when a graph has more parameters than half its node budget). */
  params?: { count: number; names: string[] };
  /** For folded loops: copies of the body (not counting the one drawn next to it) and its length. */
  times?: number;
  period?: number;
}

/** The most nodes a graph payload may hold: larger ones are refused by the validator. */
export const GRAPH_MAX_PAYLOAD_NODES = 5000;

export interface NodeRule {
  formula: Rendered;
  partials: { input: string; local: Rendered }[];
}

export interface GraphEdge {
  from: string;
  to: string;
  /** Which input of `to` this is (0-based). */
  argIndex: number;
  shape: number[];
}

export interface GraphPayload {
  version: number;
  kind: "graph";
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Id of the node the graph was traced from. */
  output: string;
  /** True when the graph was cut to a maximum node count; `omitted` nodes are not shown. */
  truncated?: { omitted: number };
}
