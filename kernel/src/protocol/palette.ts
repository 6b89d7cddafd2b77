/**
 * The colour palettes every view uses, from d3-scale-chromatic (ColorBrewer's RdBu, viridis,
 * D3's category10), so the kernel's saved fallbacks and the live JupyterLab views colour the
 * same number the same way. Positions are plain numbers; each view maps its data onto them.
 */
import { interpolateRdBu, interpolateViridis, schemeCategory10 } from "d3-scale-chromatic";

/** Non-finite cells (NaN, Inf) in every view. */
export const NON_FINITE_COLOR = "#9e9e9e";

/**
 * Diverging scale at t in [-1, 1]: blue for negative, near-white at zero, red for positive
 * (RdBu reversed, as in most ML texts), so the sign of a value or gradient reads at a glance.
 */
export function divergingColor(t: number): string {
  return interpolateRdBu((1 - Math.max(-1, Math.min(1, t))) / 2);
}

/** Sequential scale at t in [0, 1] (viridis): magnitudes, the same in light and dark themes. */
export function sequentialColor(t: number): string {
  // As "rgb(r, g, b)" like the diverging scale (d3 gives viridis in hex).
  const [r, g, b] = rgbOf(interpolateViridis(Math.max(0, Math.min(1, t))));
  return `rgb(${r}, ${g}, ${b})`;
}

/** Line and bar colours of plots, in series order (Plotly's default colorway). */
export const SERIES_COLORS: readonly string[] = schemeCategory10;

/** `n` evenly spaced stops of a palette over [0, 1], for Plotly colorscales and SVG gradients. */
export function paletteStops(color: (t: number) => string, n: number): [number, string][] {
  return Array.from({ length: n }, (_, i) => [i / (n - 1), color(i / (n - 1))]);
}

/** [r, g, b] of a colour given as "#rrggbb" or "rgb(r, g, b)". */
export function rgbOf(css: string): [number, number, number] {
  if (css.startsWith("#")) return [1, 3, 5].map((i) => parseInt(css.slice(i, i + 2), 16)) as [number, number, number];
  return css
    .replace(/[^\d,]/g, "")
    .split(",")
    .map(Number) as [number, number, number];
}
