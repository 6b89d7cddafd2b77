import type { GraphNode, GraphPayload } from "../protocol/graph";
import { ChainlabError } from "../errors";
import { elkLayoutOptions, graphNodeHeight, graphNodeLabel, graphNodeWidth } from "../protocol/graphLayout";

/**
 * Layered (Sugiyama) layout of a GraphPayload with ELK, the engine the JupyterLab extension
 * uses, with the same options, so the kernel-side SVG fallback looks like the live view.
 * A kernel display must be complete before its cell's reply, so ELK runs synchronously here:
 * elkjs' own API is promise-based and defers the work to a timer, but its worker module
 * exposes a synchronous dispatcher (elkjs is pinned exactly for that reason).
 */

export interface Point {
  x: number;
  y: number;
}
export interface PlacedNode {
  id: string;
  /** Top-left corner. */
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface PlacedEdge {
  from: string;
  to: string;
  argIndex: number;
  /** Start, bend points, end. */
  points: Point[];
}
export interface GraphLayout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

/** Title, op and shape, and the gradient line (see graphNodeHeight). */
export const NODE_HEIGHT = graphNodeHeight(3);

/** The two text lines of a node: what it is (name or op) and its op and shape. */
export function nodeLabel(node: GraphNode): { title: string; subtitle: string } {
  return graphNodeLabel(node);
}

export function nodeWidth(node: GraphNode): number {
  const { title, subtitle } = nodeLabel(node);
  return graphNodeWidth(Math.max(title.length, subtitle.length, 12));
}

/** The extension's interactive view lays graphs out with the same options. */
export const elkOptions = elkLayoutOptions;

interface ElkOut {
  width?: number;
  height?: number;
  children?: { id: string; x?: number; y?: number; width: number; height: number }[];
  edges?: { id: string; sections?: { startPoint: Point; endPoint: Point; bendPoints?: Point[] }[] }[];
}

type Dispatch = (graph: object) => ElkOut;
let dispatch: Dispatch | null = null;

/** Loads ELK on first use (~0.1 s): kernels that never draw a graph do not pay for it. */
function elk(): Dispatch {
  if (dispatch) return dispatch;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Worker } = require("elkjs/lib/elk-worker.min.js") as {
    Worker: new () => {
      onmessage: (e: { data: { data?: ElkOut; error?: unknown } }) => void;
      dispatcher: { saveDispatch(m: { data: object }): void };
    };
  };
  const worker = new Worker();
  let reply: { data?: ElkOut; error?: unknown } = {};
  worker.onmessage = (e) => {
    reply = e.data;
  };
  worker.dispatcher.saveDispatch({ data: { cmd: "register", algorithms: ["layered"], id: 0 } });
  dispatch = (graph) => {
    reply = {};
    worker.dispatcher.saveDispatch({ data: { cmd: "layout", graph, layoutOptions: {}, options: {}, id: 1 } });
    if (!reply.data) {
      const e = reply.error as { message?: string } | undefined;
      throw new ChainlabError("layout", `ELK could not lay out the graph: ${e?.message ?? String(e)}`);
    }
    return reply.data;
  };
  return dispatch;
}

/** Positions for every node and a polyline for every edge; pure and deterministic. */
export function layoutGraph(graph: Pick<GraphPayload, "nodes" | "edges">): GraphLayout {
  if (graph.nodes.length === 0) return { width: 0, height: 0, nodes: [], edges: [] };
  const out = elk()({
    id: "root",
    layoutOptions: elkOptions(graph.nodes.length),
    children: graph.nodes.map((n) => ({ id: n.id, width: nodeWidth(n), height: NODE_HEIGHT })),
    edges: graph.edges.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
  });
  const nodes: PlacedNode[] = (out.children ?? []).map((c) => ({
    id: c.id,
    x: c.x ?? 0,
    y: c.y ?? 0,
    width: c.width,
    height: c.height,
  }));
  const edges: PlacedEdge[] = [];
  (out.edges ?? []).forEach((e) => {
    const source = graph.edges[Number(e.id.slice(1))];
    const section = e.sections?.[0];
    if (!source || !section) return;
    edges.push({
      from: source.from,
      to: source.to,
      argIndex: source.argIndex,
      points: [section.startPoint, ...(section.bendPoints ?? []), section.endPoint],
    });
  });
  return { width: out.width ?? 0, height: out.height ?? 0, nodes, edges };
}
