import { type PlotPayload, SERIES_COLORS } from "../../../kernel/src/protocol";
import type { PlotFigure, ThemeColors } from "./heatmapFigure";

/**
 * Plotly figure for a plot payload: bars over categories (gradient norm per parameter) or
 * lines over steps (loss curves), on a log axis when asked. Missing entries (null) stay gaps
 * rather than zeros, since "no gradient yet" is not "zero gradient".
 */
export function plotFigure(payload: PlotPayload, theme: ThemeColors): PlotFigure {
  const data = payload.series.map((s) => ({
    type: payload.chart === "bar" ? "bar" : "scatter",
    mode: payload.chart === "line" ? "lines+markers" : undefined,
    name: s.name,
    x: payload.x,
    y: s.y,
    connectgaps: false,
    hovertemplate: `${s.name}<br>%{x}: %{y:.4g}<extra></extra>`,
  }));
  const axis = (title: string | undefined) => ({
    title: { text: title ?? "", font: { color: theme.font } },
    gridcolor: theme.grid,
    zeroline: false,
  });
  return {
    data,
    layout: {
      title: payload.title ? { text: payload.title, font: { size: 13, color: theme.font } } : undefined,
      margin: { l: 56, r: 10, t: payload.title ? 36 : 12, b: 40 },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      // The kernel's saved SVG plot colours its series in the same order.
      colorway: SERIES_COLORS,
      font: { color: theme.font, size: 12 },
      xaxis: { ...axis(payload.xLabel), type: payload.chart === "bar" ? "category" : "linear" },
      yaxis: { ...axis(payload.yLabel), type: payload.yScale === "log" ? "log" : "linear" },
      showlegend: payload.series.length > 1,
      legend: { font: { color: theme.font } },
      uirevision: payload.title ?? "plot",
      height: 300,
    },
    config: { displaylogo: false, responsive: true },
  };
}
