import { PROTOCOL_VERSION } from "./mime";
import { GRAPH_MAX_PAYLOAD_NODES, type GraphPayload } from "./graph";
import type { HeatmapPayload } from "./heatmap";
import type { ChainPayload } from "./chain";
import type { PlotPayload } from "./plot";

/** Result of validating an untrusted payload: the typed payload, or a readable reason. */
export type Checked<T> = { ok: true; payload: T } | { ok: false; error: string };

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
function isShape(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((d) => typeof d === "number" && Number.isInteger(d) && d >= 0);
}
function header(v: unknown, kind: string): string | null {
  if (!isObj(v)) return "payload is not an object";
  if (typeof v.version !== "number") return "payload has no version";
  if (v.version > PROTOCOL_VERSION)
    return `payload version ${v.version} is newer than this extension understands (${PROTOCOL_VERSION}); update chainlab's JupyterLab extension`;
  if (v.kind !== kind) return `expected a ${kind} payload, got kind ${JSON.stringify(v.kind)}`;
  return null;
}

export function checkGraphPayload(v: unknown): Checked<GraphPayload> {
  const h = header(v, "graph");
  if (h) return { ok: false, error: h };
  const p = v as Record<string, unknown>;
  if (!Array.isArray(p.nodes) || !Array.isArray(p.edges)) return { ok: false, error: "graph payload needs nodes and edges arrays" };
  if (p.nodes.length > GRAPH_MAX_PAYLOAD_NODES || p.edges.length > 4 * GRAPH_MAX_PAYLOAD_NODES)
    return { ok: false, error: `graph payload has ${p.nodes.length} nodes and ${p.edges.length} edges; this view draws at most ${GRAPH_MAX_PAYLOAD_NODES} nodes (the kernel summarises bigger graphs)` };
  const ids = new Set<string>();
  for (const n of p.nodes) {
    if (!isObj(n) || typeof n.id !== "string" || typeof n.op !== "string" || !isShape(n.shape))
      return { ok: false, error: "graph node needs id, op and shape" };
    if (ids.has(n.id)) return { ok: false, error: `graph node id ${JSON.stringify(n.id).slice(0, 40)} appears twice` };
    ids.add(n.id);
  }
  for (const e of p.edges) {
    if (!isObj(e) || typeof e.from !== "string" || typeof e.to !== "string" || !ids.has(e.from) || !ids.has(e.to))
      return { ok: false, error: "graph edge refers to an unknown node" };
  }
  if (typeof p.output !== "string" || !ids.has(p.output)) return { ok: false, error: "graph output is not a node" };
  if (hasCycle(p.nodes as { id: string }[], p.edges as { from: string; to: string }[])) return { ok: false, error: "graph edges form a cycle: a computational graph cannot" };
  return { ok: true, payload: v as GraphPayload };
}

/** Kahn's algorithm: true when some nodes can never be reached in topological order. */
function hasCycle(nodes: { id: string }[], edges: { from: string; to: string }[]): boolean {
  const indeg = new Map<string, number>(nodes.map((n) => [n.id, 0]));
  const out = new Map<string, string[]>();
  for (const e of edges) {
    indeg.set(e.to, (indeg.get(e.to) ?? 0) + 1);
    const list = out.get(e.from);
    if (list) list.push(e.to);
    else out.set(e.from, [e.to]);
  }
  const ready = nodes.filter((n) => indeg.get(n.id) === 0).map((n) => n.id);
  let seen = 0;
  while (ready.length) {
    const id = ready.pop()!;
    seen++;
    for (const to of out.get(id) ?? []) {
      const d = indeg.get(to)! - 1;
      indeg.set(to, d);
      if (d === 0) ready.push(to);
    }
  }
  return seen < nodes.length;
}

export function checkHeatmapPayload(v: unknown): Checked<HeatmapPayload> {
  const h = header(v, "heatmap");
  if (h) return { ok: false, error: h };
  const p = v as Record<string, unknown>;
  if (!isShape(p.shape) || !Array.isArray(p.slices)) return { ok: false, error: "heatmap payload needs shape and slices" };
  let cells = 0;
  for (const s of p.slices) {
    if (!isObj(s) || !Array.isArray(s.value) || !s.value.every((r) => Array.isArray(r)))
      return { ok: false, error: "heatmap slice needs a value matrix" };
    for (const r of s.value) cells += (r as unknown[]).length;
    if (cells > HEATMAP_MAX_PAYLOAD_CELLS) return { ok: false, error: `heatmap payload has more than ${HEATMAP_MAX_PAYLOAD_CELLS} cells; the kernel averages bigger tensors in blocks` };
  }
  return { ok: true, payload: v as HeatmapPayload };
}

/** The most cells a heatmap payload may hold (the kernel sends far fewer: see budget.ts). */
const HEATMAP_MAX_PAYLOAD_CELLS = 1_000_000;

export function checkChainPayload(v: unknown): Checked<ChainPayload> {
  const h = header(v, "chain");
  if (h) return { ok: false, error: h };
  const p = v as Record<string, unknown>;
  if (!Array.isArray(p.paths) || !isObj(p.numeric)) return { ok: false, error: "chain payload needs paths and numeric" };
  return { ok: true, payload: v as ChainPayload };
}

export function checkPlotPayload(v: unknown): Checked<PlotPayload> {
  const h = header(v, "plot");
  if (h) return { ok: false, error: h };
  const p = v as Record<string, unknown>;
  if (p.chart !== "bar" && p.chart !== "line") return { ok: false, error: 'plot chart must be "bar" or "line"' };
  if (!Array.isArray(p.x) || !Array.isArray(p.series)) return { ok: false, error: "plot payload needs x and series arrays" };
  const n = p.x.length;
  for (const s of p.series) {
    if (!isObj(s) || typeof s.name !== "string" || !Array.isArray(s.y) || s.y.length !== n || !s.y.every((y) => y === null || typeof y === "number"))
      return { ok: false, error: "plot series needs a name and one number (or null) per x" };
  }
  return { ok: true, payload: v as PlotPayload };
}
