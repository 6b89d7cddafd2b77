/**
 * Payload budgets: how many bytes one display of each view may send (the whole MIME bundle,
 * payload and fallbacks, as JSON), and one live frame. The kernel's bundle builders enforce
 * them (averaging, cutting, folding, and saying so on screen); tests check every view.
 */
export const BUNDLE_BUDGET = {
  heatmap: 100_000,
  graph: 300_000,
  chain: 300_000,
  plot: 100_000,
} as const;

/**
 * The most bytes of any frame of a live display (show.*(…, { live: true }), up to 10 a second).
 * Each frame is a whole bundle, not a difference from the last: update_display_data replaces the
 * output, and a saved notebook keeps only the last frame, which must stand alone. Views whose
 * bundle budget is larger (the graph) draw a live display within this one from its first frame,
 * so every frame shows the same nodes and the view recolours in place.
 */
export const LIVE_FRAME_BUDGET = 100_000;

/** Bytes of a value as UTF-8 JSON, as it travels to the frontend (no Node built-ins). */
export function jsonBytes(value: unknown): number {
  const s = JSON.stringify(value) ?? "";
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) n += c >= 0x800 && (c < 0xd800 || c > 0xdfff) ? 2 : 1;
  }
  return n;
}
