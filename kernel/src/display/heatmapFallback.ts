import type { HeatmapPayload } from "../protocol/heatmap";
import { cellColor, esc, fmtShape } from "./markup";
import { rgbOf } from "../protocol/palette";
import { formatNumber } from "../protocol/format";
import { base64, encodeIndexedPng } from "./png";

/**
 * The heatmap's fallbacks: an SVG grid per matrix (value and gradient side by side, one row
 * of panels per slice) with a symmetric blue-white-red scale, and the numbers as text.
 */

type Matrix = (number | null)[][];

const PANEL_MAX = 300;
const GAP = 28;
const HEAD = 34;
const FOOT = 18;
/** The SVG draws at most this many cells (a slice is never cut); the payload has the rest. */
const SVG_MAX_CELLS = 4096;
/** Per-cell hover titles only where they do not dominate the size. */
const SVG_MAX_TITLED_CELLS = 1024;
/** Text matrices are abbreviated beyond this many rows/columns, as NumPy prints. */
const TEXT_EDGE = 5;

function absMax(m: Matrix): number {
  let s = 0;
  for (const row of m) for (const v of row) if (v !== null && Math.abs(v) > s) s = Math.abs(v);
  return s;
}

function sliceLabel(index: number[]): string {
  return index.length ? `[${index.join(", ")}, :, :]` : "";
}

function panelTitles(p: HeatmapPayload): { key: "value" | "grad"; title: string }[] {
  const name = p.name;
  const panels: { key: "value" | "grad"; title: string }[] = [];
  if (p.show !== "grad") panels.push({ key: "value", title: name });
  if (p.show !== "value") panels.push({ key: "grad", title: `∂L/∂${name}` });
  return panels;
}

const GRAD_MISSING: Record<HeatmapPayload["gradState"], string> = {
  computed: "",
  "not-computed": "gradient not computed yet: run backward()",
  "not-required": "no gradient: requiresGrad is false",
  "not-retained": "gradient not kept: call retainGrad() before backward()",
};

interface Panel {
  title: string;
  matrix: Matrix | null;
  /** Shown instead of a missing matrix. */
  missing?: string;
  /** What a null cell means: non-finite for values, "killed by a Kronecker delta" for terms. */
  nullText?: string;
}

function cellSize(m: Matrix | null): number {
  const rows = m ? m.length : 1;
  const cols = m && m[0] ? m[0].length : 1;
  return Math.max(3, Math.min(28, Math.floor(PANEL_MAX / Math.max(rows, cols, 1))));
}

function panelSize(p: Panel): { w: number; h: number; cell: number } {
  const cell = cellSize(p.matrix);
  const rows = p.matrix ? p.matrix.length : 2;
  const cols = p.matrix && p.matrix[0] ? p.matrix[0].length : 1;
  return { w: Math.max(cols * cell, 150), h: p.matrix ? rows * cell : 40, cell };
}

function drawPanel(out: string[], p: Panel, x0: number, y0: number): void {
  // Terms a delta kills are exactly zero: white, not the grey of NaN/Inf.
  const color = (v: number | null, scale: number) =>
    v === null && p.nullText ? cellColor(0, scale) : cellColor(v, scale);
  const { h, cell } = panelSize(p);
  out.push(`<text x="${x0}" y="${y0 + 22}" font-weight="bold" fill="#111">${esc(p.title)}</text>`);
  const m = p.matrix;
  if (!m) {
    out.push(`<rect x="${x0}" y="${y0 + HEAD}" width="150" height="${h}" fill="#f5f5f5" stroke="#ccc"/>`);
    out.push(
      `<text x="${x0 + 6}" y="${y0 + HEAD + 24}" font-size="11" fill="#666">${esc(p.missing ?? "no data")}</text>`,
    );
    return;
  }
  const cols = m[0] ? m[0].length : 0;
  const scale = absMax(m);
  const showNumbers = cell >= 24 && cols <= 12;
  const titled = m.length * cols <= SVG_MAX_TITLED_CELLS;
  if (!titled) {
    // Many cells: one raster image, a pixel per cell scaled up unsmoothed (a few KB instead of
    // a rect per cell); colours are quantised to 255 steps of the same scale.
    const href = `data:image/png;base64,${matrixPng(m, scale, p.nullText !== undefined)}`;
    out.push(
      `<image x="${x0}" y="${y0 + HEAD}" width="${cols * cell}" height="${h}" preserveAspectRatio="none" style="image-rendering:pixelated;image-rendering:crisp-edges" href="${href}"/>`,
    );
  }
  if (titled)
    m.forEach((row, r) =>
      row.forEach((v, c) => {
        const x = x0 + c * cell;
        const y = y0 + HEAD + r * cell;
        const shown = v === null && p.nullText ? p.nullText : formatNumber(v);
        const title = titled ? `<title>[${r},${c}] ${esc(shown)}</title>` : "";
        out.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${color(v, scale)}">${title}</rect>`);
        if (showNumbers)
          out.push(
            `<text x="${x + cell / 2}" y="${y + cell / 2 + 3}" text-anchor="middle" font-size="8" fill="#111">${esc(shown)}</text>`,
          );
      }),
    );
  out.push(`<rect x="${x0}" y="${y0 + HEAD}" width="${cols * cell}" height="${h}" fill="none" stroke="#999"/>`);
  out.push(
    `<text x="${x0}" y="${y0 + HEAD + h + 13}" font-size="10" fill="#555">scale ±${esc(formatNumber(scale))} (blue &lt; 0 &lt; red)</text>`,
  );
}

/** Palette index 0 is non-finite grey; 1..255 run from -scale (blue) through 0 to +scale (red). */
const PNG_PALETTE: [number, number, number][] = [
  rgbOf(cellColor(null, 1)),
  ...Array.from({ length: 255 }, (_, i) => rgbOf(cellColor(i / 127 - 1, 1))),
];

/** The matrix as a base64 PNG, one pixel per cell; `nullIsZero` for term maps (a delta's 0). */
function matrixPng(m: Matrix, scale: number, nullIsZero: boolean): string {
  const rows = m.length;
  const cols = m[0]?.length ?? 0;
  const px = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const v = m[r][c] ?? (nullIsZero ? 0 : null);
      px[r * cols + c] =
        v === null ? 0 : 1 + Math.round(((scale > 0 ? Math.max(-1, Math.min(1, v / scale)) : 0) + 1) * 127);
    }
  return base64(encodeIndexedPng(cols, rows, px, PNG_PALETTE));
}

/** Rows of panels: per slice value and/or gradient, then one per chain-rule contribution map. */
function panelRows(p: HeatmapPayload): Panel[][] {
  const first = p.slices[0]?.value;
  const cells = first ? first.length * (first[0]?.length ?? 1) : 1;
  const drawn = p.slices.slice(0, Math.max(1, Math.floor(SVG_MAX_CELLS / Math.max(1, cells))));
  const rows: Panel[][] = drawn.map((s) =>
    panelTitles(p).map((panel) => ({
      title: panel.title + (s.index.length ? " " + sliceLabel(s.index) : ""),
      matrix: panel.key === "value" ? s.value : s.grad,
      missing: GRAD_MISSING[p.gradState] || "no gradient",
    })),
  );
  for (const c of p.contributions ?? []) {
    const mean = c.stride ? ` (means of ${c.stride[0]}x${c.stride[1]} terms)` : "";
    rows.push([
      {
        title: `terms of ∂L/∂${p.name}[${c.at.join(",")}] over ${c.intermediate}${mean}`,
        matrix: c.values,
        missing: "no terms",
        nullText: "0 (δ)",
      },
    ]);
  }
  return rows;
}

export function heatmapSvg(p: HeatmapPayload): string {
  const notes: string[] = [];
  if (p.title) notes.push(p.title);
  notes.push(`${fmtShape(p.shape)}${p.frame !== undefined ? `, frame ${p.frame}` : ""}`);
  if (p.downsampled) {
    const d = p.downsampled;
    const parts = [];
    if (d.shownSlices < d.sliceCount) parts.push(`${d.shownSlices} of ${d.sliceCount} slices`);
    if (d.rowStride > 1 || d.colStride > 1) parts.push(`${d.rowStride}x${d.colStride} block means`);
    notes.push(`downsampled: ${parts.join(", ")}`);
  }
  const rows = panelRows(p);
  const omitted = p.slices.length - (rows.length - (p.contributions?.length ?? 0));
  if (omitted > 0) notes.push(`${omitted} more slices in the interactive view`);
  const top = 18;
  const body: string[] = [];
  let y = top;
  let width = 260;
  for (const row of rows) {
    let x = GAP;
    let rowH = 0;
    for (const panel of row) {
      const size = panelSize(panel);
      drawPanel(body, panel, x, y);
      x += size.w + GAP;
      rowH = Math.max(rowH, size.h);
    }
    width = Math.max(width, x);
    y += HEAD + rowH + FOOT;
  }
  const height = y + 8;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${GAP}" y="13" fill="#444">${esc(notes.join(" · "))}</text>`,
    ...body,
    `</svg>`,
  ].join("");
}

/** Indices to print along an axis of length n: all, or the first and last TEXT_EDGE with a gap (null). */
function edgeIndices(n: number): (number | null)[] {
  if (n <= 2 * TEXT_EDGE + 1) return Array.from({ length: n }, (_, i) => i);
  return [
    ...Array.from({ length: TEXT_EDGE }, (_, i) => i),
    null,
    ...Array.from({ length: TEXT_EDGE }, (_, i) => n - TEXT_EDGE + i),
  ];
}

function matrixText(m: Matrix, nullText?: string): string {
  const cols = edgeIndices(m[0]?.length ?? 0);
  const cell = (v: number | null) => (v === null && nullText ? nullText : formatNumber(v));
  const cells = edgeIndices(m.length).map((r) => cols.map((c) => (r === null || c === null ? "..." : cell(m[r][c]))));
  const w = Math.max(1, ...cells.flat().map((s) => s.length));
  return cells.map((row) => "  " + row.map((s) => s.padStart(w)).join(" ")).join("\n");
}

/** Text fallback: at most 4 slices, each matrix written out (already bounded by the payload). */
export function heatmapText(p: HeatmapPayload): string {
  const lines = [
    `heatmap of ${p.name} ${fmtShape(p.shape)}${p.title ? ` (${p.title})` : ""}${p.frame !== undefined ? `, frame ${p.frame}` : ""}`,
  ];
  if (p.downsampled) {
    const d = p.downsampled;
    lines.push(
      `downsampled: ${d.shownSlices} of ${d.sliceCount} slices, row stride ${d.rowStride}, column stride ${d.colStride}`,
    );
  }
  for (const s of p.slices.slice(0, 4)) {
    const where = s.index.length ? " " + sliceLabel(s.index) : "";
    if (p.show !== "grad") lines.push(`${p.name}${where}:`, matrixText(s.value));
    if (p.show !== "value")
      lines.push(
        `∂L/∂${p.name}${where}:`,
        s.grad ? matrixText(s.grad) : `  ${GRAD_MISSING[p.gradState] || "no gradient"}`,
      );
  }
  if (p.slices.length > 4) lines.push(`… ${p.slices.length - 4} more slices`);
  for (const c of p.contributions ?? [])
    lines.push(
      `terms of ∂L/∂${p.name}[${c.at.join(",")}] over ${c.intermediate}${c.stride ? `, means of ${c.stride[0]}x${c.stride[1]} terms` : ""} (0 (δ): killed by a Kronecker delta):`,
      matrixText(c.values, "0 (δ)"),
    );
  return lines.join("\n");
}
