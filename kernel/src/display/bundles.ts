import { MIME_CHAIN, MIME_GRAPH, MIME_HEATMAP, MIME_PLOT } from "../protocol/mime";
import type { GraphPayload } from "../protocol/graph";
import type { HeatmapPayload } from "../protocol/heatmap";
import type { ChainPayload } from "../protocol/chain";
import type { PlotPayload } from "../protocol/plot";
import type { MimeBundle } from "./kernelTransport";
import { graphSvg, graphText } from "./graphFallback";
import { heatmapSvg, heatmapText } from "./heatmapFallback";
import { chainLatex, chainMarkdown, chainText } from "./chainFallback";
import { plotSvg, plotText } from "./plotFallback";
import { boundChain } from "./chainBudget";
import { jsonBytes } from "../protocol/budget";

/**
 * Full MIME bundles: each chainlab payload under its own type (rendered by the JupyterLab
 * extension) plus the static fallbacks every other viewer picks from.
 */

export function graphBundle(p: GraphPayload): MimeBundle {
  return { [MIME_GRAPH]: p, "image/svg+xml": graphSvg(p), "text/plain": graphText(p) };
}

export function heatmapBundle(p: HeatmapPayload): MimeBundle {
  return { [MIME_HEATMAP]: p, "image/svg+xml": heatmapSvg(p), "text/plain": heatmapText(p) };
}

function chainBundleOf(p: ChainPayload): MimeBundle {
  return {
    [MIME_CHAIN]: p,
    "text/markdown": chainMarkdown(p),
    "text/latex": chainLatex(p),
    "text/plain": chainText(p),
  };
}

/** The chain bundle within BUNDLE_BUDGET.chain: what is cut is listed in the payload's `trimmed`. */
export function chainBundle(p: ChainPayload): MimeBundle {
  return chainBundleOf(boundChain(p, (q) => jsonBytes(chainBundleOf(q))));
}

export function plotBundle(p: PlotPayload): MimeBundle {
  return { [MIME_PLOT]: p, "image/svg+xml": plotSvg(p), "text/plain": plotText(p) };
}
