import type { GraphNode, TensorSummary } from "../../../kernel/src/protocol";
import type { VisibleNode } from "./foldGraph";
import { formatNumber, shapeText } from "./format";
import { mathBlock } from "./drawChain";
import { drawMatrixTable } from "./matrixTable";
import { htmlEl } from "./svg";

/**
 * What a graph node's hover card and click panel say: kind, op, shape, value and gradient
 * statistics, small tensors in full, and why a gradient is missing in words a learner can act on.
 */
export const GRAD_STATE_TEXT: Record<GraphNode["gradState"], string> = {
  computed: "computed",
  "not-computed": "grad not computed yet: call backward() on the output",
  "not-required": "no gradient: no path from a parameter (requiresGrad) to this tensor",
  "not-retained": "grad not retained for intermediates: call retainGrad() before backward()",
};

const STATS: [keyof TensorSummary, string][] = [
  ["min", "min"],
  ["max", "max"],
  ["mean", "mean"],
  ["norm", "norm"],
];

function statCell(doc: Document, s: TensorSummary | null, key: keyof TensorSummary): HTMLTableCellElement {
  if (s === null) return htmlEl(doc, "td", "cl-muted", "–");
  return htmlEl(doc, "td", undefined, formatNumber(s[key] as number | null));
}

export function drawSummaryCard(doc: Document, vnode: VisibleNode, full: boolean): HTMLDivElement {
  const node = vnode.node;
  const card = htmlEl(doc, "div", "cl-card");
  const head = htmlEl(doc, "div", "cl-card-title");
  head.appendChild(htmlEl(doc, "strong", undefined, vnode.folded ? vnode.title : (node.name ?? node.op)));
  head.appendChild(doc.createTextNode(` ${node.kind} · ${node.op} · ${shapeText(node.shape)} · ${node.dtype}`));
  card.appendChild(head);
  const sum = node.op === "summary" && node.summary && typeof node.summary === "object" ? node.summary : null;
  const opens = vnode.folded?.opens;
  if (opens) {
    const rest = opens.summaries
      ? `, the rest as ${opens.summaries} smaller summar${opens.summaries === 1 ? "y" : "ies"}`
      : "";
    card.appendChild(htmlEl(doc, "div", "cl-muted", `click to open: its ${opens.ops} ops nearest the drawing${rest}`));
  } else if (vnode.folded) {
    card.appendChild(htmlEl(doc, "div", "cl-muted", `composite of ${vnode.folded.hidden} ops; click to expand`));
  }
  if (sum) card.appendChild(htmlEl(doc, "div", "cl-card-summary", summaryText(sum)));
  // A cut summary without detail cannot open here: the saved output has no more of it.
  if (sum && typeof sum.times !== "number" && !opens) card.appendChild(htmlEl(doc, "div", "cl-muted", NOT_SENT_TEXT));
  if (node.attrs && typeof node.attrs === "object") {
    const attrs = Object.entries(node.attrs)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(", ");
    if (attrs) card.appendChild(htmlEl(doc, "div", "cl-muted", attrs));
  }
  if (vnode.anomaly) card.appendChild(htmlEl(doc, "div", "cl-card-anomaly", `⚠ first NaN/Inf: ${vnode.anomaly}`));

  const table = htmlEl(doc, "table", "cl-stats");
  const headRow = htmlEl(doc, "tr");
  for (const h of ["", "value", "grad"]) headRow.appendChild(htmlEl(doc, "th", undefined, h));
  table.appendChild(headRow);
  for (const [key, label] of STATS) {
    const tr = htmlEl(doc, "tr");
    tr.appendChild(htmlEl(doc, "th", undefined, label));
    tr.appendChild(statCell(doc, node.value, key));
    tr.appendChild(statCell(doc, node.grad, key));
    table.appendChild(tr);
  }
  const nonFinite = (s: TensorSummary | null) => (s ? s.nanCount + s.infCount : 0);
  if (nonFinite(node.value) + nonFinite(node.grad) > 0) {
    const tr = htmlEl(doc, "tr", "cl-stats-nonfinite");
    tr.appendChild(htmlEl(doc, "th", undefined, "NaN/Inf"));
    tr.appendChild(htmlEl(doc, "td", undefined, String(nonFinite(node.value))));
    tr.appendChild(htmlEl(doc, "td", undefined, String(nonFinite(node.grad))));
    table.appendChild(tr);
  }
  card.appendChild(table);
  if (node.gradState !== "computed")
    card.appendChild(htmlEl(doc, "div", "cl-card-gradstate", GRAD_STATE_TEXT[node.gradState] ?? node.gradState));

  const values = node.value.values;
  const grads = node.grad?.values;
  if (values !== undefined || grads !== undefined) {
    const mats = htmlEl(doc, "div", "cl-card-matrices");
    const label = node.name ?? node.op;
    if (values !== undefined) mats.appendChild(drawMatrixTable(doc, values, label));
    if (grads !== undefined) mats.appendChild(drawMatrixTable(doc, grads, `dL/d${label}`));
    card.appendChild(mats);
  } else if (full) {
    card.appendChild(htmlEl(doc, "div", "cl-muted", "Too large to list here: show.heatmap(tensor) draws it in full."));
  }
  const buffers = drawBuffers(doc, node.buffers);
  if (buffers) card.appendChild(buffers);
  return card;
}

/**
 * State the op keeps beside the graph (batch norm's running mean and variance as this call left
 * them): one row each, its values in full when small, else its statistics.
 */
function drawBuffers(doc: Document, buffers: GraphNode["buffers"]): HTMLDivElement | null {
  if (!Array.isArray(buffers) || buffers.length === 0) return null;
  const box = htmlEl(doc, "div", "cl-card-buffers");
  box.appendChild(
    htmlEl(doc, "div", "cl-muted", "running statistics after this call (buffers: not parameters, no gradient)"),
  );
  for (const b of buffers) {
    const row = htmlEl(doc, "div", "cl-card-buffer");
    if (b.value.values !== undefined) row.appendChild(drawMatrixTable(doc, b.value.values, b.name));
    else
      row.appendChild(
        htmlEl(
          doc,
          "div",
          undefined,
          `${b.name} ${shapeText(b.value.shape)}: min ${formatNumber(b.value.min)}, mean ${formatNumber(b.value.mean)}, max ${formatNumber(b.value.max)}`,
        ),
      );
    box.appendChild(row);
  }
  return box;
}

/**
 * A node's own step of the chain rule (when the kernel sent `rule`): its formula and the local
 * partial for each input, as TeX text for the latexTypesetter, like the chain view's steps.
 */
export function drawNodeRule(doc: Document, node: GraphNode): HTMLDivElement | null {
  const rule = node.rule;
  if (!rule) return null;
  const box = htmlEl(doc, "div", "cl-node-rule");
  const label = node.name ?? node.op;
  // The formula already reads "c = U b": its label only says what it is.
  const rows = [mathBlock(doc, rule.formula, "definition")];
  for (const p of rule.partials) rows.push(mathBlock(doc, p.local, `local partial ∂${label}/∂${p.input}`));
  for (const r of rows) if (r) box.appendChild(r);
  return box.childElementCount ? box : null;
}

/** What a cut summary without detail says: its ops are not in the output, and how to see them. */
export const NOT_SENT_TEXT =
  "Its ops are not in this output (a graph output stays under 300 KB), so it cannot open here: in the kernel, show.graph on a tensor computed earlier draws them.";

/** What a summary node holds, in one sentence (the values shown are those of its last op). */
export function summaryText(s: NonNullable<GraphNode["summary"]>): string {
  const ops = Object.entries(s.ops ?? {})
    .sort((a, b) => b[1] - a[1])
    .map(([op, n]) => `${n} ${op}`)
    .join(", ");
  const shapes = Array.isArray(s.shapes) && s.shapes.length ? `; shapes ${s.shapes.join(" ")}` : "";
  const params =
    s.params && Array.isArray(s.params.names)
      ? `; parameters ${s.params.names.join(", ")}${s.params.count > s.params.names.length ? ` and ${s.params.count - s.params.names.length} more` : ""}`
      : "";
  const what =
    typeof s.times === "number"
      ? `${s.times} earlier cop${s.times === 1 ? "y" : "ies"} of a loop body (${s.period} ops each, the same structure as the copy drawn after ${s.times === 1 ? "it" : "them"})`
      : `${s.count} ops left out to keep the drawing readable`;
  return `${what}: ${ops}${shapes}${params}. Value and gradient shown: its last op's.`;
}
