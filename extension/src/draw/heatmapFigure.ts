import type { HeatmapPayload, HeatmapSlice } from "../../../kernel/src/protocol";
import { indexText, shapeText } from "./format";
import { divergingColor, paletteStops } from "../../../kernel/src/protocol";

/**
 * Plotly figure specs for a heatmap payload: value and gradient side by side, each on a
 * diverging scale centred on zero with a symmetric range, hover giving the index, the value and
 * dL/dW_ij. Pure data in, plain objects out, so the renderer only calls Plotly.react with them.
 */
export interface ThemeColors {
  /** Text colour of the current JupyterLab theme (read from --jp-ui-font-color1). */
  font: string;
  /** Grid/axis line colour (--jp-border-color2). */
  grid: string;
}

export interface PlotFigure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
  config: Record<string, unknown>;
}

/** The shared diverging palette (the kernel's saved heatmaps use it too) as a Plotly colorscale. */
export const DIVERGING_SCALE: [number, string][] = paletteStops((p) => divergingColor(2 * p - 1), 21);

/** The positive half of the diverging scale, for values that are never negative. */
export const SEQUENTIAL_SCALE: [number, string][] = paletteStops(divergingColor, 11);

/**
 * Colour range of one matrix: symmetric around zero (diverging) so the sign reads at a glance;
 * a value matrix with no negative entry (probabilities, ReLU outputs) uses the whole colour
 * range from 0 to its maximum instead of wasting the blue half. Gradients keep the sign view.
 */
export function colorRange(
  z: readonly (readonly (number | null)[])[],
  kind: "value" | "grad",
): Record<string, unknown> {
  const m = maxAbs(z) || 1;
  let negative = false;
  for (const row of z) for (const v of row) if (typeof v === "number" && v < 0) negative = true;
  if (kind === "value" && !negative) return { zmin: 0, zmax: m, colorscale: SEQUENTIAL_SCALE };
  return { zmid: 0, zmin: -m, zmax: m, colorscale: DIVERGING_SCALE };
}

export function maxAbs(m: readonly (readonly (number | null)[])[]): number {
  let a = 0;
  for (const row of m)
    for (const v of row) if (typeof v === "number" && Number.isFinite(v)) a = Math.max(a, Math.abs(v));
  return a;
}

/** Which matrices to draw: the payload's wish, minus a gradient that is not there. */
export function panels(payload: HeatmapPayload, slice: HeatmapSlice): ("value" | "grad")[] {
  const hasGrad = slice.grad !== null;
  if (payload.show === "grad") return hasGrad ? ["grad"] : ["value"];
  if (payload.show === "both" && hasGrad) return ["value", "grad"];
  return ["value"];
}

/** The tensor index of a clicked cell: plot axes already carry tensor indices (see axisIndices). */
export function clickedIndex(payload: HeatmapPayload, slice: HeatmapSlice, x: number, y: number): number[] {
  const rank = payload.shape.length;
  if (rank === 0) return [];
  if (rank === 1) return [x];
  return [...slice.index, y, x];
}

/**
 * Tick positions carrying the tensor's own indices, so hover shows W[i, j] of the original
 * tensor even when the payload was downsampled (cell k of a row stands for index k * stride).
 */
export function axisIndices(count: number, stride: number): number[] {
  return Array.from({ length: count }, (_, k) => k * stride);
}

/** Ticks only at whole indices: every index for small matrices, integer labels otherwise. */
export function indexTicks(indices: number[]): Record<string, unknown> {
  return indices.length <= 16 ? { tickmode: "array", tickvals: indices } : { tickformat: "d" };
}

/** "W[3, " for the leading indices of a slice, so the template only appends %{y}, %{x}. */
function indexPrefix(payload: HeatmapPayload, slice: HeatmapSlice): string {
  return `${payload.name}[${slice.index.map((i) => `${i}, `).join("")}`;
}

export function heatmapFigure(payload: HeatmapPayload, sliceIndex: number, theme: ThemeColors): PlotFigure {
  const slice = payload.slices[Math.min(Math.max(0, sliceIndex), payload.slices.length - 1)];
  const which = panels(payload, slice);
  const rows = slice.value.length;
  const cols = slice.value[0]?.length ?? 0;
  const rank = payload.shape.length;
  const x = axisIndices(cols, payload.downsampled?.colStride ?? 1);
  const y = axisIndices(rows, payload.downsampled?.rowStride ?? 1);
  // Hover: the element's index, its value and dL/dW_ij. The other matrix rides along as
  // numeric customdata (no per-cell strings: a 256x256 payload would build 130k of them).
  const index =
    rank === 0 ? payload.name : rank === 1 ? `${payload.name}[%{x}]` : `${indexPrefix(payload, slice)}%{y}, %{x}]`;
  const gradLabel = `dL/d${payload.name}`;
  const gap = which.length === 2 ? 0.12 : 0;
  const width = (1 - gap) / which.length;
  const data: Record<string, unknown>[] = [];
  const layout: Record<string, unknown> = {
    margin: { l: 40, r: 10, t: 36, b: 30 },
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    font: { color: theme.font, size: 12 },
    annotations: [] as Record<string, unknown>[],
    uirevision: payload.name,
    height: Math.min(520, Math.max(200, 60 + 22 * rows)),
  };
  // show.heatmap(x, { title }): the title heads the figure (the panel labels stay below it).
  if (typeof payload.title === "string" && payload.title) {
    layout.title = { text: payload.title, font: { size: 14, color: theme.font }, y: 0.98 };
    layout.margin = { l: 40, r: 10, t: 60, b: 30 };
    layout.height = (layout.height as number) + 24;
  }
  which.forEach((kind, i) => {
    const z = kind === "value" ? slice.value : (slice.grad as (number | null)[][]);
    const other = kind === "value" ? slice.grad : slice.value;
    const suffix = i === 0 ? "" : String(i + 1);
    const x0 = i * (width + gap);
    layout[`xaxis${suffix}`] = {
      domain: [x0, x0 + width],
      side: "bottom",
      gridcolor: theme.grid,
      zeroline: false,
      constrain: "domain",
      ...indexTicks(x),
    };
    layout[`yaxis${suffix}`] = {
      autorange: "reversed",
      gridcolor: theme.grid,
      zeroline: false,
      anchor: `x${suffix}`,
      ...indexTicks(y),
    };
    (layout.annotations as Record<string, unknown>[]).push({
      text: kind === "value" ? payload.name : gradLabel,
      xref: "paper",
      yref: "paper",
      x: x0 + width / 2,
      y: 1.02,
      xanchor: "center",
      yanchor: "bottom",
      showarrow: false,
      font: { color: theme.font, size: 13 },
    });
    const valueText = kind === "value" ? "%{z:.4g}" : "%{customdata:.4g}";
    const gradText = other === null ? "not computed" : kind === "grad" ? "%{z:.4g}" : "%{customdata:.4g}";
    data.push({
      type: "heatmap",
      name: kind,
      x,
      y,
      z,
      ...colorRange(z, kind),
      customdata: other ?? undefined,
      hovertemplate: `${index}<br>value ${valueText}<br>${gradLabel} ${gradText}<extra></extra>`,
      xaxis: `x${suffix}`,
      yaxis: `y${suffix}`,
      hoverongaps: false,
      colorbar: {
        x: x0 + width + (which.length === 2 && i === 0 ? 0.005 : 0.01),
        thickness: 10,
        len: 0.9,
        tickfont: { color: theme.font },
      },
    });
  });
  return {
    data,
    layout,
    config: { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d"] },
  };
}

/** Lines under the plot: shape, gradient state, downsampling, frame of a live display. */
export function heatmapNotes(payload: HeatmapPayload): string[] {
  const notes = [`${payload.name}: ${shapeText(payload.shape)}`];
  if (payload.gradState !== "computed") {
    const why: Record<string, string> = {
      "not-computed": "gradient not computed yet: call backward()",
      "not-required": "no gradient: this tensor does not depend on a parameter",
      "not-retained": "gradient not retained: call retainGrad() before backward()",
    };
    notes.push(why[payload.gradState] ?? payload.gradState);
  }
  const d = payload.downsampled;
  if (d) {
    if (d.shownSlices < d.sliceCount) notes.push(`showing ${d.shownSlices} of ${d.sliceCount} slices`);
    if (d.rowStride > 1 || d.colStride > 1)
      notes.push(`downsampled: each cell averages a ${d.rowStride}×${d.colStride} block`);
  }
  if (typeof payload.frame === "number") notes.push(`update ${payload.frame}`);
  return notes;
}

/** The contribution map for an element, when the payload carries it. */
export function contributionFor(payload: HeatmapPayload, at: readonly number[]) {
  return payload.contributions?.find((c) => c.at.length === at.length && c.at.every((v, i) => v === at[i]));
}

export function contributionFigure(
  payload: HeatmapPayload,
  contribution: NonNullable<HeatmapPayload["contributions"]>[number],
  theme: ThemeColors,
): PlotFigure {
  const m = maxAbs(contribution.values) || 1;
  const st = contribution.stride ?? null;
  // Block means: axis labels are element indices (cell k stands for k * stride), and the title says so.
  const axis = (n: number, s: number) => Array.from({ length: n }, (_, k) => k * s);
  const mean = st ? ` (each cell the mean of ${st[0]}×${st[1]} terms)` : "";
  return {
    data: [
      {
        type: "heatmap",
        z: contribution.values,
        ...(st
          ? { x: axis(contribution.values[0]?.length ?? 0, st[1]), y: axis(contribution.values.length, st[0]) }
          : {}),
        zmid: 0,
        zmin: -m,
        zmax: m,
        colorscale: DIVERGING_SCALE,
        hovertemplate: `${contribution.intermediate}[%{y}, %{x}] ${st ? "mean " : ""}term %{z:.4g}<extra></extra>`,
        colorbar: { thickness: 10, tickfont: { color: theme.font } },
      },
    ],
    layout: {
      title: {
        text: `terms of dL/d${indexText(payload.name, contribution.at)} per element of ${contribution.intermediate}${mean}`,
        font: { size: 13, color: theme.font },
      },
      margin: { l: 40, r: 10, t: 36, b: 30 },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      font: { color: theme.font },
      yaxis: { autorange: "reversed", gridcolor: theme.grid },
      xaxis: { gridcolor: theme.grid },
      height: 260,
    },
    config: { displaylogo: false, responsive: true },
  };
}
