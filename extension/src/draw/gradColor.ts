import { type GraphNode, paletteStops as stopsOf, rgbOf, sequentialColor } from "../../../kernel/src/protocol";

/**
 * Gradient magnitude -> colour on a log scale. The palette is the shared sequential one
 * (viridis, protocol/palette.ts) because a magnitude scale must mean the same in light and dark
 * themes; node text picks black or white by the fill's luminance so it stays readable on every stop.
 */

export interface GradScale {
  /** log10 of the smallest and largest positive finite gradient norm among the nodes. */
  minLog: number;
  maxLog: number;
}

/** Norm of a node's gradient if it is a usable magnitude (computed, finite, > 0). */
export function gradMagnitude(node: GraphNode): number | null {
  if (node.gradState !== "computed" || !node.grad) return null;
  const n = node.grad.norm;
  return typeof n === "number" && Number.isFinite(n) ? n : null;
}

/** The log range over all nodes with a positive gradient norm, or null when there is none. */
export function gradScale(nodes: readonly GraphNode[]): GradScale | null {
  let minLog = Infinity;
  let maxLog = -Infinity;
  for (const node of nodes) {
    const m = gradMagnitude(node);
    if (m === null || m <= 0) continue;
    const l = Math.log10(m);
    minLog = Math.min(minLog, l);
    maxLog = Math.max(maxLog, l);
  }
  if (!Number.isFinite(minLog)) return null;
  // A single magnitude still needs a range to draw a legend.
  if (maxLog - minLog < 1e-9) {
    minLog -= 0.5;
    maxLog += 0.5;
  }
  return { minLog, maxLog };
}

/** Position of a magnitude on the scale in [0, 1]; zero gradients sit at the bottom. */
export function scalePosition(scale: GradScale, magnitude: number): number {
  if (magnitude <= 0) return 0;
  const t = (Math.log10(magnitude) - scale.minLog) / (scale.maxLog - scale.minLog);
  return Math.min(1, Math.max(0, t));
}

export function paletteColor(t: number): string {
  return sequentialColor(t);
}

/** Black or white, whichever contrasts more with a palette fill. */
export function textColorOn(fill: string): string {
  const [r, g, b] = rgbOf(fill).map((v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
  });
  const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return lum > 0.2 ? "black" : "white";
}

/** Stops for an SVG linearGradient legend, bottom (small) to top (large). */
export function paletteStops(): { offset: number; color: string }[] {
  return stopsOf(sequentialColor, 10).map(([offset, color]) => ({ offset, color }));
}
