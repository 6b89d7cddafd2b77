/**
 * extension/src: the JupyterLab mime extension of chainlab: one IRenderMime extension per
 * chainlab MIME type, registered below rank 50 so the kernel's fallbacks (html 50, markdown 60,
 * latex 70, svg 80) never win in JupyterLab. Only registration here; widgets live in renderers/.
 */
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { MIME_CHAIN, MIME_GRAPH, MIME_HEATMAP, MIME_PLOT } from "../../kernel/src/protocol";
import { ChainRenderer, GraphRenderer, HeatmapRenderer, PlotRenderer } from "./renderers";

/** Below every core renderer (html is 50); json and plotly use 0, so do we. */
export const RENDERER_RANK = 0;

function extension(
  name: string,
  mimeType: string,
  create: (options: IRenderMime.IRendererOptions) => IRenderMime.IRenderer,
): IRenderMime.IExtension {
  return {
    id: `chainlab-jupyterlab:${name}`,
    description: `Renders ${mimeType} outputs of the chainlab kernel.`,
    // safe: the renderers build DOM from validated JSON and never inject markup from it, so they
    // may render untrusted outputs (a notebook reopened from disk).
    rendererFactory: { safe: true, mimeTypes: [mimeType], defaultRank: RENDERER_RANK, createRenderer: create },
    rank: RENDERER_RANK,
    dataType: "json",
  };
}

const extensions: IRenderMime.IExtension[] = [
  extension("graph", MIME_GRAPH, (o) => new GraphRenderer(o)),
  extension("heatmap", MIME_HEATMAP, (o) => new HeatmapRenderer(o)),
  extension("chain", MIME_CHAIN, (o) => new ChainRenderer(o)),
  extension("plot", MIME_PLOT, (o) => new PlotRenderer(o)),
];

export default extensions;
