/**
 * display/: everything a notebook sees: payload builders for the protocol types, the static
 * fallbacks (SVG, Markdown/LaTeX, text), `show.*`, `display()`, rich Tensor values, live handles.
 * Not here: kernel plumbing (jupyter/) or protocol types (protocol/, which imports nothing).
 */
import { installTensorDisplay } from "./tensorDisplay";

// Tensors become rich values as soon as chainlab is loaded (see tensorDisplay.ts for why).
installTensorDisplay();

export { show, display, bundleOf, clearOutput } from "./show";
export { DisplayHandle, type LiveOptions } from "./DisplayHandle";
export type { MimeBundle } from "./kernelTransport";
export { buildGraphPayload, type GraphOptions } from "./graphPayload";
export { buildHeatmapPayload, type HeatmapOptions } from "./heatmapPayload";
export { buildGradNormsPayload, type ParamSource } from "./gradNorms";
export { buildPlotPayload, type PlotData, type PlotOptions } from "./plotPayload";
export { graphBundle, heatmapBundle, chainBundle, plotBundle } from "./bundles";
export { tensorBundle } from "./tensorDisplay";
export { gradcheckBundle, type GradcheckReportLike } from "./gradcheckDisplay";
export { layoutGraph, type GraphLayout } from "./layout";
export type { ChainOptions } from "./show";
