import { trace } from "../autodiff/trace";
import type { Tensor } from "../tensor/Tensor";
import type { GraphEdge, GraphNode, GraphPayload, NodeKind } from "../protocol/graph";
import { PROTOCOL_VERSION } from "../protocol/mime";
import { summarize } from "./summarize";
import { nodeRule } from "../symbolic/nodeRule";

/**
 * The computational graph that produced a tensor, as a GraphPayload: one node per traced
 * tensor (value and gradient summaries, gradient state, scope, attributes) and one edge per op
 * input. Big graphs are cut to the nodes nearest the output, and the payload says how many
 * were left out.
 */

export const GRAPH_MAX_NODES = 200;

export interface GraphOptions {
  /** Keep at most this many nodes, nearest to the output first (default 200). */
  maxNodes?: number;
  /** Mark this tensor as where a NaN/Inf first appeared (from an AnomalyError). */
  anomaly?: { tensor: Tensor; message: string };
}

export function buildGraphPayload(y: Tensor, opts: GraphOptions = {}): GraphPayload {
  const maxNodes = Math.max(1, Math.floor(opts.maxNodes ?? GRAPH_MAX_NODES));
  const entries = trace(y);
  const keep = nearestToOutput(entries, maxNodes);
  const idOf = (k: number) => `n${k}`;
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const last = entries.length - 1;
  // Names in the click panel's formulas: the user's, else v<k> by position in the trace.
  const position = new Map(entries.map((e) => [e.tensor.id, e.id]));
  const nameOf = (t: Tensor) => t.name ?? `v${position.get(t.id) ?? "?"}`;
  for (const e of entries) {
    if (!keep.has(e.id)) continue;
    const t = e.tensor;
    const node: GraphNode = {
      id: idOf(e.id),
      op: t.node ? t.node.op.name : "leaf",
      kind: nodeKind(t, e.id === last),
      shape: [...t.shape],
      dtype: t.dtype,
      value: summarize(t.data, t.shape),
      grad: null,
      gradState: t.gradState,
    };
    if (t.name) node.name = t.name;
    if (t.node && t.node.scope.length) node.scope = [...t.node.scope];
    const attrs = t.node ? shortAttrs(t.node.attrs) : {};
    if (Object.keys(attrs).length) node.attrs = attrs;
    // Read .grad only when it exists: reading an unretained intermediate's grad warns the user.
    if (node.gradState === "computed" && t.grad) node.grad = summarize(t.grad.data, t.grad.shape);
    if (opts.anomaly && opts.anomaly.tensor === t) node.anomaly = opts.anomaly.message;
    const rule = t.node ? safeRule(t, nameOf) : null;
    if (rule) node.rule = rule;
    nodes.push(node);
    e.inputs.forEach((from, argIndex) => {
      if (keep.has(from)) edges.push({ from: idOf(from), to: idOf(e.id), argIndex, shape: [...entries[from].tensor.shape] });
    });
  }
  const payload: GraphPayload = { version: PROTOCOL_VERSION, kind: "graph", nodes, edges, output: idOf(last) };
  if (keep.size < entries.length) payload.truncated = { omitted: entries.length - keep.size };
  return payload;
}

/** A node's rule for the click panel; a rule that cannot be printed never costs the graph. */
function safeRule(t: Tensor, nameOf: (t: Tensor) => string) {
  try {
    return nodeRule(t, nameOf);
  } catch {
    return null;
  }
}

function nodeKind(t: Tensor, isOutput: boolean): NodeKind {
  if (isOutput) return "output";
  if (t.node) return "intermediate";
  return t.requiresGrad ? "param" : "input";
}

/** Breadth-first from the output backwards, so a cut graph still shows where the result came from. */
function nearestToOutput(entries: { id: number; inputs: number[] }[], max: number): Set<number> {
  const keep = new Set<number>();
  if (entries.length <= max) {
    for (const e of entries) keep.add(e.id);
    return keep;
  }
  const queue = [entries.length - 1];
  keep.add(entries.length - 1);
  for (let q = 0; q < queue.length && keep.size < max; q++) {
    for (const i of entries[queue[q]].inputs) {
      if (keep.size >= max) break;
      if (!keep.has(i)) {
        keep.add(i);
        queue.push(i);
      }
    }
  }
  return keep;
}

/** Attributes as short strings for node labels; functions and huge values are left out. */
function shortAttrs(attrs: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) {
    let s: string | undefined;
    if (v === undefined || typeof v === "function") continue;
    if (typeof v === "number" || typeof v === "boolean" || typeof v === "string") s = String(v);
    else if (v && typeof v === "object" && "shape" in v && "data" in v) s = `tensor [${(v as { shape: number[] }).shape.join(",")}]`;
    else {
      try {
        s = JSON.stringify(v);
      } catch {
        s = undefined;
      }
    }
    if (s !== undefined) out[k] = s.length > 40 ? s.slice(0, 39) + "…" : s;
  }
  return out;
}

/**
 * The part of a payload within `max` nodes of the output (breadth-first backwards), for views
 * that must stay small, such as the static SVG; `truncated` counts every node left out.
 */
export function nearestPart(p: GraphPayload, max: number): GraphPayload {
  if (p.nodes.length <= max) return p;
  const inputs = new Map<string, string[]>();
  for (const e of p.edges) inputs.set(e.to, [...(inputs.get(e.to) ?? []), e.from]);
  const keep = new Set<string>([p.output]);
  const queue = [p.output];
  for (let q = 0; q < queue.length && keep.size < max; q++) {
    for (const from of inputs.get(queue[q]) ?? []) {
      if (keep.size >= max) break;
      if (!keep.has(from)) {
        keep.add(from);
        queue.push(from);
      }
    }
  }
  const omitted = (p.truncated?.omitted ?? 0) + p.nodes.length - keep.size;
  return {
    ...p,
    nodes: p.nodes.filter((n) => keep.has(n.id)),
    edges: p.edges.filter((e) => keep.has(e.from) && keep.has(e.to)),
    truncated: { omitted },
  };
}
