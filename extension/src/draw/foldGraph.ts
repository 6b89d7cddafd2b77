import type { GraphEdge, GraphNode, GraphPayload } from "../../../kernel/src/protocol";
import { graphNodeLabel } from "../../../kernel/src/protocol/graphLayout";

/**
 * Composite ops (softmax, Linear, ...) arrive as ordinary nodes tagged with `scope`. Folding
 * replaces every node of a collapsed scope by one box; the box stands for the scope's last node
 * (its result), so its shape, value and gradient are that node's.
 */
export interface VisibleNode {
  /** A payload node id, or "scope:<path>" for a folded composite. */
  id: string;
  title: string;
  subtitle: string;
  kind: GraphNode["kind"];
  /** The payload node whose value/grad this box shows. */
  node: GraphNode;
  /**
   * Set for what opens on click: a folded composite (the scope path it stands for and how many
   * nodes it hides), or a cut part's summary sent with its detail (key partKey(id); `opens`
   * says what its detail holds).
   */
  folded?: { scopePath: string; hidden: number; opens?: { ops: number; summaries: number } };
  /** Set for an expanded composite's member: the scope path it belongs to (to fold it back). */
  scopePath?: string;
  /** Set for the detail of an opened cut part: that part's key in `expanded` (to close it). */
  part?: string;
  anomaly?: string;
}

export interface VisibleEdge {
  id: string;
  from: string;
  to: string;
  shape: number[];
}

export interface VisibleGraph {
  nodes: VisibleNode[];
  edges: VisibleEdge[];
}

const SCOPE_SEP = "/";

function shapeLabel(shape: readonly number[]): string {
  return shape.length === 0 ? "scalar" : `[${shape.join(", ")}]`;
}

/**
 * The two text lines of a node, worded as the kernel's SVG fallback words them
 * (kernel/src/display/layout.ts nodeLabel): a leaf shows its kind, an op its name.
 */
export function nodeLabel(node: GraphNode): { title: string; subtitle: string } {
  return graphNodeLabel(node);
}

/** How many traced ops a payload node stands for (a summary node, several). */
function opCount(node: GraphNode): number {
  const c = node.op === "summary" && node.summary ? node.summary.count : 1;
  return typeof c === "number" && Number.isFinite(c) && c > 0 ? c : 1;
}

/** Outermost scope prefix of a node that is still folded, or null when the node is shown. */
function foldedScope(node: GraphNode, expanded: ReadonlySet<string>): string | null {
  const scope = node.scope ?? [];
  for (let depth = 1; depth <= scope.length; depth++) {
    const path = scope.slice(0, depth).join(SCOPE_SEP);
    if (!expanded.has(path)) return path;
  }
  return null;
}

function scopeName(path: string): string {
  const parts = path.split(SCOPE_SEP);
  return parts[parts.length - 1];
}

function anomalyOf(node: GraphNode): string | undefined {
  return typeof node.anomaly === "string" && node.anomaly.length > 0 ? node.anomaly : undefined;
}

/** The key in `expanded` of an opened cut part (its summary node's id). */
export function partKey(summaryId: string): string {
  return `part:${summaryId}`;
}

/**
 * The nodes and edges to draw, given which scope paths (and cut parts, partKey) the user has
 * opened. An opened cut part's summary gives way to its detail, the nodes `within` it.
 */
export function foldGraph(payload: GraphPayload, expanded: ReadonlySet<string>): VisibleGraph {
  const detail = new Map<string, { ops: number; summaries: number }>();
  for (const n of payload.nodes) {
    if (typeof n.within !== "string") continue;
    const d = detail.get(n.within) ?? { ops: 0, summaries: 0 };
    if (n.op === "summary") d.summaries++;
    else d.ops++;
    detail.set(n.within, d);
  }
  const shown = (n: GraphNode) =>
    typeof n.within === "string" ? expanded.has(partKey(n.within)) : !(detail.has(n.id) && expanded.has(partKey(n.id)));
  const visibleOf = new Map<string, string>();
  const groups = new Map<string, GraphNode[]>();
  const nodes: VisibleNode[] = [];
  const order: string[] = [];
  for (const node of payload.nodes) {
    if (!shown(node)) continue;
    const path = foldedScope(node, expanded);
    if (path === null) {
      visibleOf.set(node.id, node.id);
      order.push(node.id);
      const scope = node.scope ?? [];
      const label = nodeLabel(node);
      const opens = detail.get(node.id);
      nodes.push({
        id: node.id,
        title: opens ? `${label.title} ▸` : label.title,
        subtitle: label.subtitle,
        kind: node.kind,
        node,
        scopePath: scope.length ? scope.join(SCOPE_SEP) : undefined,
        ...(opens ? { folded: { scopePath: partKey(node.id), hidden: opens.ops + opens.summaries, opens } } : {}),
        ...(typeof node.within === "string" ? { part: partKey(node.within) } : {}),
        anomaly: anomalyOf(node),
      });
    } else {
      const id = `scope:${path}`;
      visibleOf.set(node.id, id);
      if (!groups.has(id)) {
        groups.set(id, []);
        order.push(id);
      }
      groups.get(id)!.push(node);
    }
  }
  for (const [id, members] of groups) {
    const path = id.slice("scope:".length);
    // Payload nodes are topologically ordered, so the last member is the composite's result.
    const result = members[members.length - 1];
    const anomaly = members.map(anomalyOf).find((a) => a !== undefined);
    nodes.push({
      id,
      title: `${scopeName(path)} ▸`,
      subtitle: `${members.reduce((n, m) => n + opCount(m), 0)} ops ${shapeLabel(result.shape)}`,
      kind: members.some((m) => m.kind === "output") ? "output" : result.kind,
      node: result,
      folded: { scopePath: path, hidden: members.length },
      anomaly,
    });
  }
  const rank = new Map(order.map((id, i) => [id, i]));
  nodes.sort((a, b) => rank.get(a.id)! - rank.get(b.id)!);

  const edges: VisibleEdge[] = [];
  const seen = new Set<string>();
  payload.edges.forEach((e: GraphEdge, i) => {
    const from = visibleOf.get(e.from);
    const to = visibleOf.get(e.to);
    if (!from || !to || from === to) return;
    const key = `${from}->${to}`;
    if (seen.has(key)) return;
    seen.add(key);
    edges.push({ id: `e${i}`, from, to, shape: e.shape });
  });
  return { nodes, edges };
}

/** All scope paths present in a payload (each prefix), for "expand all". */
export function allScopePaths(payload: GraphPayload): string[] {
  const paths = new Set<string>();
  for (const node of payload.nodes) {
    const scope = node.scope ?? [];
    for (let depth = 1; depth <= scope.length; depth++) paths.add(scope.slice(0, depth).join(SCOPE_SEP));
  }
  return [...paths];
}
