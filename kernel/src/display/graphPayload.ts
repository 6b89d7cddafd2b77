import { trace, type TraceEntry } from "../autodiff/trace";
import { displayNames } from "../autodiff/names";
import type { Tensor } from "../tensor/Tensor";
import type { GraphEdge, GraphNode, GraphPayload, NodeKind } from "../protocol/graph";
import { PROTOCOL_VERSION } from "../protocol/mime";
import { summarize } from "./summarize";
import { nodeRule } from "../symbolic/chain/nodeRule";
import { isLiteral } from "../symbolic/chain/paths";
import { finiteOrNull } from "./markup";
import { groupUnits } from "./graphUnits";

/**
 * The computational graph that produced a tensor, as a GraphPayload: one node per traced
 * tensor (value and gradient summaries, gradient state, scope, attributes) and one edge per op
 * input. Scalar constants are shown in their users' labels (`mul 1.01`); a loop body unrolled
 * many times is folded (graphUnits.ts); a graph over budget keeps the output, every parameter
 * and the nodes nearest the output, and each cut part becomes an "n ops" summary node.
 */

export const GRAPH_MAX_NODES = 200;

export interface GraphOptions {
  /**
   * At most this many nodes in the first view (default 200); the rest is summarised. Cut parts
   * bring up to half as many again as their detail, drawn only when the user opens one.
   */
  maxNodes?: number;
  /** Mark this tensor as where a NaN/Inf first appeared (from an AnomalyError). */
  anomaly?: { tensor: Tensor; message: string };
  /** "stats": node summaries without the full values of small tensors (bounded bundles). */
  detail?: "full" | "stats";
}

export function buildGraphPayload(y: Tensor, opts: GraphOptions = {}): GraphPayload {
  const maxNodes = Math.max(1, Math.floor(opts.maxNodes ?? GRAPH_MAX_NODES));
  const entries = trace(y);
  const last = entries.length - 1;
  const attrsOf = entries.map((e) => (e.tensor.node ? shortAttrs(e.tensor.node.attrs) : {}));
  const constant = (e: TraceEntry) => isLiteral(e.tensor);
  const isParam = (e: TraceEntry) => !e.tensor.node && e.tensor.requiresGrad;
  const { units, unitOf, detailOf, loops } = groupUnits(entries, {
    isConstant: constant,
    isParam,
    signature: (e) => {
      const t = e.tensor;
      const consts = e.inputs
        .map((j) => (j !== last && constant(entries[j]) ? String(entries[j].tensor.data[0]) : ""))
        .join(",");
      return `${t.node ? t.node.op.name : t.requiresGrad ? "param" : "leaf"}|${t.shape.join("x")}|${JSON.stringify(attrsOf[e.id])}|${consts}`;
    },
    maxNodes,
  });
  const unitId = (k: number) => {
    const u = units[k];
    return u.kind === "node" ? `n${u.entry}` : `s${k}`;
  };
  // Names on nodes and in the click panel's formulas: the same as the chain-rule view's.
  const names = displayNames(entries.map((e) => e.tensor));
  const nameOf = (t: Tensor) => names.get(t.id) ?? t.name ?? "?";
  const loopScope = loopScopes(loops.map((l) => l.times));
  const nodes: GraphNode[] = [];
  let omitted = 0;
  units.forEach((u, k) => {
    if (u.kind === "node") {
      const node = tensorNode(entries[u.entry], u.entry === last, attrsOf[u.entry], opts, nameOf);
      node.id = unitId(k);
      const consts = entries[u.entry].inputs.flatMap((j, argIndex) =>
        j !== last && constant(entries[j]) ? [{ argIndex, value: finiteOrNull(entries[j].tensor.data[0]) }] : [],
      );
      if (consts.length) node.constants = consts;
      if (u.loop !== undefined) node.scope = [loopScope[u.loop], ...(node.scope ?? [])];
      if (u.within !== undefined) node.within = unitId(u.within);
      nodes.push(node);
      return;
    }
    const members = u.entries;
    const tail = entries[members[members.length - 1]];
    const node = tensorNode(tail, false, {}, opts, nameOf);
    const ops: Record<string, number> = {};
    const shapes = new Set<string>();
    for (const id of members) {
      const t = entries[id].tensor;
      const op = t.node ? t.node.op.name : t.requiresGrad ? "parameter" : "input";
      ops[op] = (ops[op] ?? 0) + 1;
      if (shapes.size < 4) shapes.add(`[${t.shape.join(",")}]`);
    }
    node.id = unitId(k);
    node.op = "summary";
    delete node.name;
    delete node.rule;
    delete node.attrs;
    delete node.anomaly;
    delete node.buffers;
    node.summary = { count: members.length, ops, shapes: [...shapes] };
    const inside = members.filter((id) => isParam(entries[id]));
    if (inside.length)
      node.summary.params = {
        count: inside.length,
        names: inside.slice(0, 12).map((id) => nameOf(entries[id].tensor)),
      };
    if (u.times !== undefined && u.period !== undefined) {
      node.summary.times = u.times;
      node.summary.period = u.period;
    } else if (u.within === undefined) omitted += members.length;
    if (opts.anomaly && members.some((id) => entries[id].tensor === opts.anomaly!.tensor))
      node.anomaly = opts.anomaly.message;
    node.scope = u.loop !== undefined ? [loopScope[u.loop]] : undefined;
    if (!node.scope) delete node.scope;
    if (u.within !== undefined) node.within = unitId(u.within);
    nodes.push(node);
  });
  // Edges of the first view (cut parts as their summaries), then those of the parts' detail.
  const edges: GraphEdge[] = [];
  const seen = new Set<string>();
  const fine = (id: number) => (detailOf[id] >= 0 ? detailOf[id] : unitOf[id]);
  for (const detail of [false, true])
    for (const e of entries) {
      const to = detail ? fine(e.id) : unitOf[e.id];
      if (to < 0) continue;
      e.inputs.forEach((j, argIndex) => {
        const from = detail ? fine(j) : unitOf[j];
        if (from < 0 || from === to || (detail && detailOf[e.id] < 0 && detailOf[j] < 0)) return;
        const arg = units[to].kind === "node" ? argIndex : 0;
        const key = `${from}>${to}>${arg}`;
        if (seen.has(key)) return;
        seen.add(key);
        edges.push({ from: unitId(from), to: unitId(to), argIndex: arg, shape: [...entries[j].tensor.shape] });
      });
    }
  const payload: GraphPayload = {
    version: PROTOCOL_VERSION,
    kind: "graph",
    nodes,
    edges,
    output: unitId(unitOf[last]),
  };
  if (omitted) payload.truncated = { omitted };
  return payload;
}

/** Scope names of folded loops: "loop ×100", numbered when two loops repeat equally often. */
function loopScopes(times: number[]): string[] {
  const seen = new Map<number, number>();
  return times.map((t) => {
    const k = (seen.get(t) ?? 0) + 1;
    seen.set(t, k);
    return `loop ×${t}${k > 1 ? ` (${k})` : ""}`;
  });
}

function tensorNode(
  e: TraceEntry,
  isOutput: boolean,
  attrs: Record<string, string>,
  opts: GraphOptions,
  nameOf: (t: Tensor) => string,
): GraphNode {
  const t = e.tensor;
  const node: GraphNode = {
    id: `n${e.id}`,
    op: t.node ? t.node.op.name : "leaf",
    kind: nodeKind(t, isOutput),
    shape: [...t.shape],
    dtype: t.dtype,
    value: summarize(t.data, t.shape),
    grad: null,
    gradState: t.gradState,
  };
  const stats = opts.detail === "stats";
  if (stats) delete node.value.values;
  if (t.name) node.name = t.name;
  else if (t.node) node.label = nameOf(t);
  if (t.node && t.node.scope.length) node.scope = [...t.node.scope];
  if (Object.keys(attrs).length) node.attrs = attrs;
  // Read .grad only when it exists: reading an unretained intermediate's grad warns the user.
  if (node.gradState === "computed" && t.grad) node.grad = summarize(t.grad.data, t.grad.shape);
  if (stats && node.grad) delete node.grad.values;
  if (opts.anomaly && opts.anomaly.tensor === t) node.anomaly = opts.anomaly.message;
  const rule = t.node ? safeRule(t, nameOf) : null;
  if (rule) node.rule = rule;
  if (t.node?.buffers) {
    node.buffers = Object.entries(t.node.buffers).map(([name, b]) => ({ name, value: summarize(b.data, b.shape) }));
    if (stats) for (const b of node.buffers) delete b.value.values;
  }
  return node;
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

/** Attributes as short strings for node labels; functions and huge values are left out. */
function shortAttrs(attrs: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) {
    let s: string | undefined;
    if (v === undefined || typeof v === "function") continue;
    if (typeof v === "number" || typeof v === "boolean" || typeof v === "string") s = String(v);
    else if (v && typeof v === "object" && "shape" in v && "data" in v)
      s = `tensor [${(v as { shape: number[] }).shape.join(",")}]`;
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
 * The graph as first drawn: without the detail of cut parts (nodes `within` a summary), which
 * the extension shows only when that summary is opened. Static views draw this.
 */
export function firstView(p: GraphPayload): GraphPayload {
  if (!p.nodes.some((n) => n.within !== undefined)) return p;
  const nodes = p.nodes.filter((n) => n.within === undefined);
  const ids = new Set(nodes.map((n) => n.id));
  return { ...p, nodes, edges: p.edges.filter((e) => ids.has(e.from) && ids.has(e.to)) };
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
