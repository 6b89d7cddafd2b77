import type { GraphNode, GraphPayload, NodeKind } from "../protocol/graph";
import type { GradState } from "../protocol/graph";
import { layoutGraph, nodeLabel } from "./layout";
import { firstView, nearestPart } from "./graphPayload";
import { esc, fmtShape } from "./markup";
import { formatNumber } from "../protocol/format";
import { constantText } from "../protocol/graphLayout";

/**
 * The graph's fallbacks for viewers without the extension: an SVG laid out kernel-side
 * (GitHub, VS Code, nbconvert show it) and a plain-text listing in topological order.
 */

const KIND_COLORS: Record<NodeKind, { fill: string; stroke: string }> = {
  param: { fill: "#fde2c4", stroke: "#d97706" },
  input: { fill: "#eeeeee", stroke: "#9e9e9e" },
  intermediate: { fill: "#dbeafe", stroke: "#3b82f6" },
  output: { fill: "#dcfce7", stroke: "#16a34a" },
};

const GRAD_STATE_TEXT: Record<GradState, string> = {
  computed: "computed",
  "not-computed": "not computed yet (run backward())",
  "not-required": "not required",
  "not-retained": "not retained (call retainGrad() before backward())",
};

function gradLine(n: GraphNode): string {
  if (n.gradState === "computed" && n.grad) return `‖grad‖ ${formatNumber(n.grad.norm)}`;
  if (n.gradState === "not-computed") return "grad: not yet";
  if (n.gradState === "not-retained") return "grad: not kept";
  return "no grad";
}

/**
 * The static drawing shows at most this many nodes: ELK takes seconds on a few hundred nodes
 * with long edges (a weight shared by every layer), and a drawing that tall is unreadable
 * anyway; the payload keeps up to 200 for the interactive view.
 */
export const SVG_MAX_NODES = 60;

/**
 * A leaf used by several ops (a weight shared by every layer) is drawn once per use, next to
 * its user: one node with edges into every layer forces ELK to route long edges through all
 * layers, which costs seconds and draws a tangle.
 */
function splitSharedLeaves(p: GraphPayload): GraphPayload {
  const uses = new Map<string, number>();
  for (const e of p.edges) uses.set(e.from, (uses.get(e.from) ?? 0) + 1);
  const shared = new Set(p.nodes.filter((n) => n.op === "leaf" && (uses.get(n.id) ?? 0) > 1).map((n) => n.id));
  if (!shared.size) return p;
  const nodes = p.nodes.filter((n) => !shared.has(n.id));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const count = new Map<string, number>();
  const edges = p.edges.map((e) => {
    if (!shared.has(e.from)) return e;
    const k = (count.get(e.from) ?? 0) + 1;
    count.set(e.from, k);
    const copy = `${e.from}~${k}`;
    nodes.push({ ...byId.get(e.from)!, id: copy });
    return { ...e, from: copy };
  });
  return { ...p, nodes, edges };
}

export function graphSvg(sent: GraphPayload): string {
  const full = firstView(sent);
  const payload = splitSharedLeaves(nearestPart(full, SVG_MAX_NODES));
  const layout = layoutGraph(payload);
  const byId = new Map(payload.nodes.map((n) => [n.id, n]));
  const top = payload.truncated ? 22 : 0;
  const width = Math.ceil(Math.max(layout.width, 200));
  const height = Math.ceil(layout.height + top);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<defs><marker id="cl-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#777"/></marker></defs>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
  );
  if (payload.truncated) {
    parts.push(
      `<text x="8" y="15" fill="#a15c00">${payload.truncated.omitted} nodes further from the output are not drawn here${payload.nodes.length < full.nodes.length ? " (the JupyterLab view has more)" : ""}</text>`,
    );
  }
  parts.push(`<g transform="translate(0,${top})">`);
  for (const e of layout.edges) {
    const pts = e.points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ");
    parts.push(`<polyline points="${pts}" fill="none" stroke="#777" stroke-width="1.2" marker-end="url(#cl-arrow)"/>`);
  }
  for (const p of layout.nodes) {
    const n = byId.get(p.id);
    if (!n) continue;
    const c = KIND_COLORS[n.kind];
    const { title, subtitle } = nodeLabel(n);
    const cx = p.x + p.width / 2;
    const stroke = n.anomaly ? "#dc2626" : c.stroke;
    parts.push(
      `<g><title>${esc(nodeTooltip(n))}</title>`,
      `<rect x="${p.x.toFixed(1)}" y="${p.y.toFixed(1)}" width="${p.width}" height="${p.height}" rx="6" fill="${c.fill}" stroke="${stroke}" stroke-width="${n.anomaly ? 3 : 1.2}"/>`,
      `<text x="${cx.toFixed(1)}" y="${(p.y + 16).toFixed(1)}" text-anchor="middle" font-weight="bold" fill="#111">${esc(title)}</text>`,
      `<text x="${cx.toFixed(1)}" y="${(p.y + 31).toFixed(1)}" text-anchor="middle" fill="#333">${esc(subtitle)}</text>`,
      `<text x="${cx.toFixed(1)}" y="${(p.y + 46).toFixed(1)}" text-anchor="middle" font-size="10" fill="${n.gradState === "computed" ? "#7c2d12" : "#666"}">${esc(gradLine(n))}</text>`,
      `</g>`,
    );
  }
  parts.push(`</g></svg>`);
  return parts.join("");
}

function nodeTooltip(n: GraphNode): string {
  const lines = [`${n.name ? n.name + " = " : ""}${n.op} ${fmtShape(n.shape)} ${n.dtype} (${n.kind})`];
  lines.push(
    `value: min ${formatNumber(n.value.min)}, max ${formatNumber(n.value.max)}, mean ${formatNumber(n.value.mean)}`,
  );
  if (n.grad)
    lines.push(
      `grad: min ${formatNumber(n.grad.min)}, max ${formatNumber(n.grad.max)}, norm ${formatNumber(n.grad.norm)}`,
    );
  else lines.push(`grad: ${GRAD_STATE_TEXT[n.gradState]}`);
  if (n.scope?.length) lines.push(`scope: ${n.scope.join(" / ")}`);
  if (n.anomaly) lines.push(`first NaN/Inf: ${n.anomaly}`);
  return lines.join("\n");
}

/** One line per node in topological order: `n3 = matmul(n0, n2)  [3,1]  "h"  grad …`. */
export function graphText(sent: GraphPayload): string {
  const payload = firstView(sent);
  const inputs = new Map<string, string[]>();
  for (const e of payload.edges) {
    const list = inputs.get(e.to) ?? [];
    list[e.argIndex] = e.from;
    inputs.set(e.to, list);
  }
  const params = payload.nodes.filter((n) => n.kind === "param").length;
  const out = payload.nodes.find((n) => n.id === payload.output);
  const lines = [
    `computational graph of ${out?.name ?? payload.output}: ${payload.nodes.length} nodes, ${params} parameter${params === 1 ? "" : "s"}`,
  ];
  if (payload.truncated) lines.push(`(${payload.truncated.omitted} nodes further from the output are not shown)`);
  for (const n of payload.nodes) {
    const ins = inputs.get(n.id) ?? [];
    for (const c of n.constants ?? []) ins[c.argIndex] = constantText(c.value);
    const s = n.summary;
    const args =
      n.op === "leaf"
        ? n.kind
        : s
          ? `${s.times !== undefined ? `${s.times} earlier copies of a ${s.period}-op loop body` : `${s.count} ops cut to keep the view small`} (${Object.entries(
              s.ops,
            )
              .map(([op, k]) => `${k} ${op}`)
              .join(", ")}) <- ${ins.filter(Boolean).join(", ")}`
          : `${n.op}(${Array.from(ins, (a) => a ?? "…").join(", ")})`;
    const attrs = n.attrs
      ? ` {${Object.entries(n.attrs)
          .map(([k, v]) => `${k}: ${v}`)
          .join(", ")}}`
      : "";
    const name = n.name ? ` "${n.name}"` : "";
    const grad = n.grad ? `grad norm ${formatNumber(n.grad.norm)}` : `grad ${GRAD_STATE_TEXT[n.gradState]}`;
    const mark = n.id === payload.output ? " <- output" : "";
    lines.push(
      `${n.id} = ${args}${attrs}  ${fmtShape(n.shape)}${name}  ${grad}${n.anomaly ? `  !! ${n.anomaly}` : ""}${mark}`,
    );
  }
  return lines.join("\n");
}
