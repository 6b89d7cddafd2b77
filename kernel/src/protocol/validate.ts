import * as z from "zod/mini";
import { PROTOCOL_VERSION } from "./mime";
import { GRAPH_MAX_PAYLOAD_NODES, GraphPayloadSchema, type GraphPayload } from "./graph";
import { HeatmapPayloadSchema, type HeatmapPayload } from "./heatmap";
import { ChainPayloadSchema, type ChainPayload } from "./chain";
import { PlotPayloadSchema, type PlotPayload } from "./plot";

/** Result of validating an untrusted payload: the typed payload, or a readable reason. */
export type Checked<T> = { ok: true; payload: T } | { ok: false; error: string };

/** "slices[0].value[2]: expected array, got string": where the first problem is, and what. */
function describeIssue(kind: string, issue: z.core.$ZodIssue, root: unknown): string {
  let where = "";
  let at: unknown = root;
  for (const key of issue.path) {
    where += typeof key === "number" ? `[${key}]` : `${where ? "." : ""}${String(key)}`;
    at = at !== null && typeof at === "object" ? (at as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined;
  }
  const got = at === null ? "null" : Array.isArray(at) ? "array" : typeof at;
  const what =
    issue.code === "invalid_type"
      ? `expected ${issue.expected}, got ${got}`
      : issue.code === "invalid_value"
        ? `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${JSON.stringify(at)}`
        : issue.code === "too_small" || issue.code === "too_big"
          ? `${JSON.stringify(at)} is out of range`
          : `${issue.code.replace(/_/g, " ")} (${JSON.stringify(at)?.slice(0, 40)})`;
  return `${kind} payload: ${where || "payload"}: ${what}`;
}

/**
 * Validates `v` against one payload schema. The version is checked first so that an old
 * extension facing a newer kernel says "update" rather than listing unknown fields. Fields the
 * schema does not know are allowed (a newer minor producer may add some) and passed through.
 */
function check<T>(
  kind: string,
  schema: z.ZodMiniType<T>,
  v: unknown,
  extra?: (p: T) => string | null,
  tooBig?: (p: Record<string, unknown>) => string | null,
): Checked<T> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return { ok: false, error: "payload is not an object" };
  const head = v as { version?: unknown; kind?: unknown };
  if (typeof head.version !== "number") return { ok: false, error: "payload has no version" };
  if (head.version > PROTOCOL_VERSION)
    return {
      ok: false,
      error: `payload version ${head.version} is newer than this extension understands (${PROTOCOL_VERSION}); update chainlab's JupyterLab extension`,
    };
  if (head.kind !== kind)
    return { ok: false, error: `expected a ${kind} payload, got kind ${JSON.stringify(head.kind)}` };
  // Size limits before the schema walk, so a huge payload is refused without being walked.
  const big = tooBig?.(v as Record<string, unknown>);
  if (big) return { ok: false, error: big };
  const r = schema.safeParse(v);
  if (!r.success) return { ok: false, error: describeIssue(kind, r.error.issues[0], v) };
  // The original object, not zod's stripped copy: renderers see what was sent.
  const p = v as T;
  const problem = extra?.(p);
  return problem ? { ok: false, error: problem } : { ok: true, payload: p };
}

export function checkGraphPayload(v: unknown): Checked<GraphPayload> {
  return check(
    "graph",
    GraphPayloadSchema,
    v,
    (p) => {
      const ids = new Set<string>();
      for (const n of p.nodes) {
        if (ids.has(n.id)) return `graph node id ${JSON.stringify(n.id).slice(0, 40)} appears twice`;
        ids.add(n.id);
      }
      if (!p.edges.every((e) => ids.has(e.from) && ids.has(e.to))) return "graph edge refers to an unknown node";
      if (!ids.has(p.output)) return "graph output is not a node";
      const summaries = new Set(p.nodes.filter((n) => n.op === "summary" && n.within === undefined).map((n) => n.id));
      if (p.nodes.some((n) => n.within !== undefined && !summaries.has(n.within)))
        return "graph node's `within` names no summary node of the first view";
      if (hasCycle(p.nodes, p.edges)) return "graph edges form a cycle: a computational graph cannot";
      return null;
    },
    (p) => {
      const nodes = Array.isArray(p.nodes) ? p.nodes.length : 0;
      const edges = Array.isArray(p.edges) ? p.edges.length : 0;
      if (nodes <= GRAPH_MAX_PAYLOAD_NODES && edges <= 4 * GRAPH_MAX_PAYLOAD_NODES) return null;
      return `graph payload has ${nodes} nodes and ${edges} edges; this view draws at most ${GRAPH_MAX_PAYLOAD_NODES} nodes (the kernel summarises bigger graphs)`;
    },
  );
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

/** The most cells a heatmap payload may hold (the kernel sends far fewer: see budget.ts). */
const HEATMAP_MAX_PAYLOAD_CELLS = 1_000_000;

export function checkHeatmapPayload(v: unknown): Checked<HeatmapPayload> {
  return check("heatmap", HeatmapPayloadSchema, v, undefined, (p) => {
    let cells = 0;
    for (const s of Array.isArray(p.slices) ? p.slices : []) {
      const value = (s as { value?: unknown } | null)?.value;
      if (Array.isArray(value)) for (const r of value) cells += Array.isArray(r) ? r.length : 0;
      if (cells > HEATMAP_MAX_PAYLOAD_CELLS)
        return `heatmap payload has more than ${HEATMAP_MAX_PAYLOAD_CELLS} cells; the kernel averages bigger tensors in blocks`;
    }
    return null;
  });
}

export function checkChainPayload(v: unknown): Checked<ChainPayload> {
  return check("chain", ChainPayloadSchema, v);
}

export function checkPlotPayload(v: unknown): Checked<PlotPayload> {
  return check("plot", PlotPayloadSchema, v, (p) =>
    p.series.every((s) => s.y.length === p.x.length) ? null : "plot series needs one number (or null) per x",
  );
}
