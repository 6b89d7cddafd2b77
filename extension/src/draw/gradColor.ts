import type { GraphNode } from "../../../kernel/src/protocol";

/**
 * Gradient magnitude -> colour on a log scale. The palette is fixed (viridis stops) because a
 * magnitude scale must mean the same in light and dark themes; node text picks black or white
 * by the fill's luminance so it stays readable on every stop.
 */
const VIRIDIS: readonly [number, number, number][] = [
  [68, 1, 84],
  [72, 40, 120],
  [62, 74, 137],
  [49, 104, 142],
  [38, 130, 142],
  [31, 158, 137],
  [53, 183, 121],
  [109, 205, 89],
  [180, 222, 44],
  [253, 231, 37],
];

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
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [VIRIDIS[i], VIRIDIS[i + 1]];
  const c = a.map((v, k) => Math.round(v + (b[k] - v) * f));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

/** Black or white, whichever contrasts more with an `rgb(r, g, b)` fill. */
export function textColorOn(fill: string): string {
  const m = /rgb\((\d+), (\d+), (\d+)\)/.exec(fill);
  if (!m) return "black";
  const [r, g, b] = [m[1], m[2], m[3]].map((v) => {
    const s = Number(v) / 255;
    return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
  });
  const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return lum > 0.2 ? "black" : "white";
}

/** Stops for an SVG linearGradient legend, bottom (small) to top (large). */
export function paletteStops(): { offset: number; color: string }[] {
  return VIRIDIS.map((_, i) => ({ offset: i / (VIRIDIS.length - 1), color: paletteColor(i / (VIRIDIS.length - 1)) }));
}
