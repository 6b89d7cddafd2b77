/**
 * renderers/: thin Lumino widgets, one per MIME type, that validate a payload, call the pure
 * draw/ functions and wire events, theme changes and disposal. No drawing logic lives here and
 * nothing is parsed as HTML; lazily imported libraries (elkjs, plotly) are loaded only here.
 */
export { ChainRenderer } from "./ChainRenderer";
export { GraphRenderer } from "./GraphRenderer";
export { HeatmapRenderer } from "./HeatmapRenderer";
export { PlotRenderer } from "./PlotRenderer";
