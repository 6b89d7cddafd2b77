import type { Tensor } from "../tensor/Tensor";
import { BUNDLE_BUDGET, jsonBytes } from "../protocol/budget";
import type { MimeBundle } from "./kernelTransport";
import { graphBundle } from "./bundles";
import { buildGraphPayload, GRAPH_MAX_NODES, type GraphOptions } from "./graphPayload";

/**
 * The graph bundle of a tensor within BUNDLE_BUDGET.graph for any graph: when it is over, fewer
 * nodes are drawn individually (the rest joins "n ops" summary nodes) until it fits.
 */
export function boundedGraphBundle(
  y: Tensor,
  opts: GraphOptions = {},
  budget: number = BUNDLE_BUDGET.graph,
): MimeBundle {
  let maxNodes = Math.max(1, Math.floor(opts.maxNodes ?? GRAPH_MAX_NODES));
  let bundle = graphBundle(buildGraphPayload(y, { ...opts, maxNodes }));
  if (jsonBytes(bundle) <= budget) return bundle;
  // First the full values of small tensors go (statistics stay), then nodes.
  bundle = graphBundle(buildGraphPayload(y, { ...opts, maxNodes, detail: "stats" }));
  for (let tries = 0; tries < 8; tries++) {
    const size = jsonBytes(bundle);
    if (size <= budget || maxNodes <= 8) return bundle;
    maxNodes = Math.max(8, Math.floor(maxNodes * Math.min(0.8, (budget / size) * 0.9)));
    bundle = graphBundle(buildGraphPayload(y, { ...opts, maxNodes, detail: "stats" }));
  }
  return bundle;
}
