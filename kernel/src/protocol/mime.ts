/** Payload format version; a renderer refuses payloads with a newer major version. */
export const PROTOCOL_VERSION = 1;

export const MIME_GRAPH = "application/vnd.chainlab.graph.v1+json";
export const MIME_HEATMAP = "application/vnd.chainlab.heatmap.v1+json";
export const MIME_CHAIN = "application/vnd.chainlab.chain.v1+json";
/** Line plots: gradient norms per layer, loss curves. */
export const MIME_PLOT = "application/vnd.chainlab.plot.v1+json";

export const CHAINLAB_MIME_TYPES = [MIME_GRAPH, MIME_HEATMAP, MIME_CHAIN, MIME_PLOT] as const;
export type ChainlabMimeType = (typeof CHAINLAB_MIME_TYPES)[number];
