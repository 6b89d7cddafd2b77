import type { Tensor } from "../tensor/Tensor";
import { BUNDLE_BUDGET, jsonBytes } from "../protocol/budget";
import type { MimeBundle } from "./kernelTransport";
import { graphBundle } from "./bundles";
import { buildGraphPayload, GRAPH_MAX_NODES, type GraphOptions } from "./graphPayload";

/** Where a live graph's last frame settled, so the next frame starts there and draws the same nodes. */
export interface GraphFit {
  maxNodes?: number;
  detail?: "full" | "stats";
}

/**
 * The graph bundle of a tensor within BUNDLE_BUDGET.graph for any graph: when it is over, fewer
 * nodes are drawn individually (the rest joins "n ops" summary nodes) until it fits. With `fit`
 * (a live display), the search starts where the last frame settled and records where this one
 * did: frames whose values differ slightly keep the same nodes instead of jumping between cuts.
 */
export function boundedGraphBundle(
  y: Tensor,
  opts: GraphOptions = {},
  budget: number = BUNDLE_BUDGET.graph,
  fit: GraphFit = {},
): MimeBundle {
  let maxNodes = Math.max(1, Math.floor(fit.maxNodes ?? opts.maxNodes ?? GRAPH_MAX_NODES));
  let detail = fit.detail ?? opts.detail ?? "full";
  const build = () => graphBundle(buildGraphPayload(y, { ...opts, maxNodes, detail }));
  let bundle = build();
  // First the full values of small tensors go (statistics stay), then nodes.
  if (detail === "full" && jsonBytes(bundle) > budget) {
    detail = "stats";
    bundle = build();
  }
  for (let tries = 0; tries < 8; tries++) {
    const size = jsonBytes(bundle);
    if (size <= budget || maxNodes <= 8) break;
    maxNodes = Math.max(8, Math.floor(maxNodes * Math.min(0.8, (budget / size) * 0.9)));
    bundle = build();
  }
  fit.maxNodes = maxNodes;
  fit.detail = detail;
  return bundle;
}
