/**
 * Small helpers shared by the fallback renderers: escaping for SVG/HTML text, compact numbers
 * and a cell's colour on the shared diverging palette. Fallbacks are built as strings, so every
 * piece of user text (tensor names, op names) must pass through `esc`.
 */
import { NON_FINITE_COLOR, divergingColor } from "../protocol/palette";

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
 * A cell's colour on the shared diverging palette (protocol/palette.ts, as in the live view),
 * symmetric around zero so the sign of a gradient is read at a glance; `scale` is the largest
 * |value|. Non-finite cells (null) are drawn grey.
 */
export function cellColor(v: number | null, scale: number): string {
  if (v === null) return NON_FINITE_COLOR;
  return divergingColor(scale > 0 ? v / scale : 0);
}
