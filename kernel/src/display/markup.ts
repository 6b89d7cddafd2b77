/**
 * Small helpers shared by the fallback renderers: escaping for SVG/HTML text, compact numbers
 * and a diverging colour scale. Fallbacks are built as strings, so every piece of user text
 * (tensor names, op names) must pass through `esc`.
 */
export function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );
}

/** JSON has no NaN or Infinity: non-finite numbers travel as null. */
export function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}

/**
 * Blue (negative) - white (0) - red (positive), symmetric around zero so the sign of a gradient
 * is read at a glance; `scale` is the largest |value|. Non-finite cells are drawn grey.
 */
export function divergingColor(v: number | null, scale: number): string {
  if (v === null) return "#9e9e9e";
  const t = scale > 0 ? Math.max(-1, Math.min(1, v / scale)) : 0;
  const mix = (from: number, to: number, k: number) => Math.round(from + (to - from) * k);
  if (t >= 0) return `rgb(${mix(255, 178, t)},${mix(255, 24, t)},${mix(255, 43, t)})`;
  return `rgb(${mix(255, 33, -t)},${mix(255, 102, -t)},${mix(255, 172, -t)})`;
}
