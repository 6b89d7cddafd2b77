/**
 * How graph diagrams are laid out (ELK, layered, top-down), shared by the kernel's SVG fallback
 * and the extension's interactive view so that both draw the same picture of one graph.
 */
import type { GraphNode } from "./graph";
import { shapeText } from "./format";

export const GRAPH_CHAR_WIDTH = 7.2;
const NODE_PADDING = 22;
const NODE_MIN_WIDTH = 64;
/** Above this many nodes the layout trades crossing minimisation effort for speed. */
const LARGE_GRAPH = 150;

/**
 * Height of a node box with `lines` lines of text. The live view draws two (label, op and
 * shape; the gradient shows as colour and in the hover card); the saved SVG, which has no hover,
 * adds a third with the gradient's norm or why it is missing.
 */
export function graphNodeHeight(lines: 2 | 3): number {
  return 18 + 12 * lines;
}

/** Width of a node box whose longest label line has `chars` characters. */
export function graphNodeWidth(chars: number): number {
  return Math.max(NODE_MIN_WIDTH, Math.ceil(chars * GRAPH_CHAR_WIDTH + NODE_PADDING));
}

/** ELK layout options for a graph of `nodeCount` nodes. */
export function elkLayoutOptions(nodeCount: number): Record<string, string> {
  const options: Record<string, string> = {
    "elk.algorithm": "layered",
    "elk.direction": "DOWN",
    "elk.edgeRouting": "POLYLINE",
    "elk.spacing.nodeNode": "24",
    "elk.layered.spacing.nodeNodeBetweenLayers": "36",
    "elk.padding": "[top=12,left=12,bottom=12,right=12]",
  };
  if (nodeCount > LARGE_GRAPH) {
    // Measured on a 500-node residual MLP (bench/): 690 ms -> 250 ms cold, 190 -> 150 ms warm.
    options["elk.layered.thoroughness"] = "1";
    options["elk.layered.nodePlacement.strategy"] = "BRANDES_KOEPF";
    options["elk.layered.layering.strategy"] = "LONGEST_PATH";
    options["elk.layered.crossingMinimization.greedySwitch.type"] = "OFF";
  }
  return options;
}

/** A constant as a label shows it: 4 significant digits, no trailing zeros. */
export function constantText(v: number | null): string {
  return v === null ? "nan" : String(Number(v.toPrecision(4)));
}

/**
 * The two text lines of a graph node, the same in the kernel's SVG and the extension: what it
 * is (name, or op with its scalar constants: `mul 1.01`) and its op and shape. Summary nodes
 * say what they hold: `99 earlier copies` (of a loop body, before the copy drawn next to them) or
 * `297 ops (cut)`, and their commonest ops.
 */
export function graphNodeLabel(node: GraphNode): { title: string; subtitle: string } {
  const s = node.summary;
  if (node.op === "summary" && s && typeof s === "object") {
    const top = Object.entries(s.ops ?? {})
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([op, n]) => `${n} ${op}`)
      .join(" · ");
    const title =
      typeof s.times === "number"
        ? `${s.times} earlier cop${s.times === 1 ? "y" : "ies"}`
        : `${s.count} op${s.count === 1 ? "" : "s"} (cut)`;
    return { title, subtitle: top.length > 34 ? top.slice(0, 33) + "…" : top };
  }
  const consts = Array.isArray(node.constants) ? node.constants.map((c) => constantText(c.value)).join(" ") : "";
  const opText = `${node.op}${consts ? " " + consts : ""}`;
  const title = node.name ?? (node.op === "leaf" ? node.kind : opText);
  const what = node.op === "leaf" ? (node.name ? node.kind : "") : node.name ? opText : (node.label ?? "");
  return { title, subtitle: `${what ? what + " " : ""}${shapeText(node.shape)}` };
}
