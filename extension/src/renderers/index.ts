/**
 * renderers/: Lumino widgets, one per MIME type, that validate a payload, draw it with the pure
 * draw/ functions and own the interaction around the drawing (the graph's toolbar, pan and zoom,
 * hover card and detail panel; theme changes; disposal). Figures themselves (SVG, Plotly specs)
 * are built in draw/; nothing is parsed as HTML; lazy libraries (elkjs, plotly) load only here.
 */
export { ChainRenderer } from "./ChainRenderer";
export { GraphRenderer } from "./GraphRenderer";
export { HeatmapRenderer } from "./HeatmapRenderer";
export { PlotRenderer } from "./PlotRenderer";
