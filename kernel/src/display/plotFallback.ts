import type { PlotPayload } from "../protocol/plot";
import { esc } from "./markup";
import { formatNumber } from "../protocol/format";
import { SERIES_COLORS } from "../protocol/palette";

/**
 * The plot's fallbacks: an SVG bar or line chart (log or linear y axis) and a text table.
 */

const W = 560;
const H = 300;
const M = { left: 64, right: 16, top: 30, bottom: 70 };

export function plotSvg(p: PlotPayload): string {
  const values = p.series
    .flatMap((s) => s.y)
    .filter((v): v is number => v !== null && (p.yScale === "linear" || v > 0));
  const log = p.yScale === "log" && values.length > 0;
  const tf = (v: number) => (log ? Math.log10(v) : v);
  let lo = values.length ? Math.min(...values.map(tf)) : 0;
  let hi = values.length ? Math.max(...values.map(tf)) : 1;
  if (!log) lo = Math.min(0, lo);
  if (log) {
    lo = Math.floor(lo);
    hi = Math.ceil(hi);
  }
  if (hi === lo) hi = lo + 1;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const yPix = (v: number) => M.top + ph - ((tf(v) - lo) / (hi - lo)) * ph;
  const n = Math.max(1, p.x.length);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
  ];
  if (p.title)
    out.push(`<text x="${M.left}" y="18" font-size="13" font-weight="bold" fill="#111">${esc(p.title)}</text>`);
  // y axis with ticks: powers of ten on a log axis, 5 even steps otherwise.
  const ticks: number[] = [];
  if (log) for (let e = lo; e <= hi; e++) ticks.push(10 ** e);
  else for (let k = 0; k <= 4; k++) ticks.push(lo + ((hi - lo) * k) / 4);
  for (const t of ticks) {
    const y = yPix(t).toFixed(1);
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    const label = log && Math.abs(Math.log10(t)) >= 4 ? `1e${Math.round(Math.log10(t))}` : formatNumber(t);
    out.push(`<text x="${M.left - 6}" y="${y}" dy="3" text-anchor="end" fill="#444">${esc(label)}</text>`);
  }
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}" stroke="#444"/>`);
  out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#444"/>`);
  if (p.yLabel)
    out.push(
      `<text transform="translate(14,${M.top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#444">${esc(p.yLabel + (log ? " (log)" : ""))}</text>`,
    );
  const slot = pw / n;
  const base = log ? M.top + ph : yPix(0);
  p.series.forEach((s, si) => {
    const color = SERIES_COLORS[si % SERIES_COLORS.length];
    if (p.chart === "bar") {
      const bw = Math.max(2, (slot * 0.8) / p.series.length);
      s.y.forEach((v, i) => {
        const x = M.left + i * slot + slot * 0.1 + si * bw;
        if (v === null || (log && v <= 0)) {
          out.push(
            `<text x="${(x + bw / 2).toFixed(1)}" y="${M.top + ph - 4}" text-anchor="middle" fill="#999">–</text>`,
          );
          return;
        }
        const y = yPix(v);
        out.push(
          `<rect x="${x.toFixed(1)}" y="${Math.min(y, base).toFixed(1)}" width="${bw.toFixed(1)}" height="${Math.abs(base - y).toFixed(1)}" fill="${color}"><title>${esc(`${p.x[i]}: ${formatNumber(v)}`)}</title></rect>`,
        );
      });
    } else {
      const pts = s.y
        .map((v, i) =>
          v === null || (log && v <= 0) ? null : `${(M.left + (i + 0.5) * slot).toFixed(1)},${yPix(v).toFixed(1)}`,
        )
        .filter((q): q is string => q !== null);
      out.push(`<polyline points="${pts.join(" ")}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    }
  });
  // x labels: every label for bars (rotated), about 10 for lines.
  const every = p.chart === "bar" ? 1 : Math.max(1, Math.ceil(n / 10));
  p.x.forEach((label, i) => {
    if (i % every) return;
    const x = (M.left + (i + 0.5) * slot).toFixed(1);
    out.push(
      `<text transform="translate(${x},${M.top + ph + 12}) rotate(${p.chart === "bar" ? 30 : 0})" text-anchor="${p.chart === "bar" ? "start" : "middle"}" fill="#444">${esc(String(label).slice(0, 24))}</text>`,
    );
  });
  if (p.series.length > 1)
    p.series.forEach((s, si) =>
      out.push(
        `<text x="${W - M.right - 150}" y="${M.top + 12 * si + 4}" fill="${SERIES_COLORS[si % SERIES_COLORS.length]}">■ ${esc(s.name)}</text>`,
      ),
    );
  if (p.notes?.length) out.push(`<text x="${M.left}" y="${H - 6}" fill="#a15c00">${esc(p.notes.join("; "))}</text>`);
  out.push(`</svg>`);
  return out.join("");
}

export function plotText(p: PlotPayload): string {
  const lines = [p.title ?? "plot"];
  const w = Math.max(...p.x.map((x) => String(x).length), 4);
  lines.push(`${"".padEnd(w)}  ${p.series.map((s) => s.name.padStart(12)).join(" ")}`);
  p.x.forEach((x, i) =>
    lines.push(`${String(x).padEnd(w)}  ${p.series.map((s) => formatNumber(s.y[i]).padStart(12)).join(" ")}`),
  );
  if (p.notes?.length) lines.push(...p.notes);
  return lines.join("\n");
}
