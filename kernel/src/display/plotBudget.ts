import type { PlotPayload } from "../protocol/plot";
import { BUNDLE_BUDGET, jsonBytes } from "../protocol/budget";
import type { MimeBundle } from "./kernelTransport";
import { plotBundle } from "./bundles";

/**
 * A plot bundle within `budget` (BUNDLE_BUDGET.plot, or the live frame budget): while it is over,
 * `build` is asked for fewer points per series (or bars), and the payload's notes say so.
 */
export function boundedPlotBundle(
  build: (maxPoints?: number) => PlotPayload,
  budget: number = BUNDLE_BUDGET.plot,
): MimeBundle {
  let bundle = plotBundle(build());
  let points = bundle ? pointsOf(bundle) : 0;
  for (let tries = 0; tries < 12; tries++) {
    const size = jsonBytes(bundle);
    if (size <= budget || points <= 2) return bundle;
    points = Math.max(2, Math.floor(points * Math.min(0.8, (budget / size) * 0.9)));
    bundle = plotBundle(build(points));
  }
  return bundle;
}

function pointsOf(bundle: MimeBundle): number {
  const p = Object.values(bundle).find(
    (v): v is PlotPayload => typeof v === "object" && v !== null && (v as PlotPayload).kind === "plot",
  );
  return p ? p.x.length : 0;
}
