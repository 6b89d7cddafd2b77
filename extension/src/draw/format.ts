/** Number, shape and index formatting shared by every view. */
/** A number as learners read it: 4 significant digits, exponent form only when needed. */
export function formatNumber(x: number | null | undefined): string {
  if (x === null || x === undefined) return "NaN/Inf";
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e5) {
    const s = x.toPrecision(4);
    // Drop trailing zeros of the fraction ("1.500" -> "1.5") without touching integers.
    return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
  }
  return x.toExponential(2).replace(/\.?0+e/, "e");
}

/** "[2, 3]" for a matrix, "scalar" for rank 0, so shapes read the same everywhere. */
export function shapeText(shape: readonly number[]): string {
  return shape.length === 0 ? "scalar" : `[${shape.join(", ")}]`;
}

/** Index of a matrix element as written in maths: W[1, 2]. */
export function indexText(name: string, index: readonly number[]): string {
  return index.length === 0 ? name : `${name}[${index.join(", ")}]`;
}
