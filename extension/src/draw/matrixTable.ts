import type { NestedNumbers } from "../../../kernel/src/protocol";
import { formatNumber } from "./format";
import { htmlEl } from "./svg";

/**
 * A small tensor in full as an HTML table whose cells are tinted on a diverging scale centred
 * on zero (blue negative, red positive, alpha by |x| / max|x|): the inline heatmap a click on a
 * graph node opens. Rank 0/1 become one row; rank 3+ are flattened to rows of the last axis.
 */
export function toRows(values: NestedNumbers): (number | null)[][] {
  if (!Array.isArray(values)) return [[values]];
  if (values.every((v) => !Array.isArray(v))) return [values as (number | null)[]];
  const rows: (number | null)[][] = [];
  for (const v of values) rows.push(...toRows(v));
  return rows;
}

export function divergingTint(x: number, maxAbs: number): string {
  const t = maxAbs > 0 ? Math.min(1, Math.abs(x) / maxAbs) : 0;
  const rgb = x < 0 ? "33, 102, 172" : "178, 24, 43";
  return `rgba(${rgb}, ${(0.15 + 0.7 * t).toFixed(3)})`;
}

/**
 * `nullMeans` says what a null entry is: in tensor summaries a NaN/Inf value, in chain-rule
 * contributions a term a Kronecker delta removed.
 */
export function drawMatrixTable(
  doc: Document,
  values: NestedNumbers,
  caption: string,
  nullMeans: "nonfinite" | "no-term" = "nonfinite",
): HTMLTableElement {
  const rows = toRows(values);
  let maxAbs = 0;
  for (const r of rows) for (const v of r) if (typeof v === "number") maxAbs = Math.max(maxAbs, Math.abs(v));
  const table = htmlEl(doc, "table", "cl-matrix");
  table.appendChild(htmlEl(doc, "caption", undefined, caption));
  const body = htmlEl(doc, "tbody");
  for (const r of rows) {
    const tr = htmlEl(doc, "tr");
    for (const v of r) {
      const td =
        v === null
          ? nullMeans === "nonfinite"
            ? htmlEl(doc, "td", "cl-matrix-nonfinite", formatNumber(v))
            : htmlEl(doc, "td", "cl-matrix-noterm", "—")
          : htmlEl(doc, "td", undefined, formatNumber(v));
      if (typeof v === "number" && v !== 0) td.style.backgroundColor = divergingTint(v, maxAbs);
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
  table.appendChild(body);
  return table;
}
