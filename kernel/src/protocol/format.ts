/**
 * Number, shape and index wording shared by the kernel's fallbacks (SVG, Markdown, text) and the
 * extension's live views, so a notebook saved with outputs reads like the live one. Error
 * messages keep their own JSON-like shape wording (errors.ts: "[3,4]", as users type shapes).
 */

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

/** A constant inside a formula: integers exactly, others to 6 significant digits. */
export function formatConstant(v: number): string {
  if (Number.isInteger(v) || !Number.isFinite(v)) return String(v);
  const s = v.toPrecision(6);
  return s.includes("e") ? s : String(Number(s));
}

/** An entry of a printed tensor, as NumPy prints arrays (4 decimals, nan and inf). */
export function formatArrayEntry(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-4) return v.toExponential(3);
  return String(Number(v.toFixed(4)));
}

/** "[2, 3]" for a matrix, "scalar" for rank 0, so shapes read the same everywhere. */
export function shapeText(shape: readonly number[]): string {
  return shape.length === 0 ? "scalar" : `[${shape.join(", ")}]`;
}

/** Index of a matrix element as written in maths: W[1, 2]. */
export function indexText(name: string, index: readonly number[]): string {
  return index.length === 0 ? name : `${name}[${index.join(", ")}]`;
}
