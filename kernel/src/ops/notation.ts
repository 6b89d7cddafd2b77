/**
 * The vocabulary an op's notation is written in: precedence levels, parenthesising, and how a
 * constant coefficient reads. It lives in ops/ because every OpDef states its own notation
 * (`latex`, `text`, and where its form depends on the operands, `compact`); symbolic/algebra/latex.ts
 * only walks expression trees and hands each node's printed operands to its op.
 */
import { formatConstant } from "../protocol/format";
import type { Attrs } from "../tensor/Tensor";

export type Mode = "latex" | "text";

/** Binding strength of a printed form, loosest first: a + b, -a, a b, a^2 / e^{x}, atoms. */
export const ADD = 1;
export const NEG = 2;
export const MUL = 3;
export const POST = 4;
export const ATOM = 5;

export interface Printed {
  s: string;
  prec: number;
  /** For parenthesising products of different kinds, e.g. (U^T c) ⊙ (1 - b ⊙ b). */
  kind?: "matmul" | "odot" | "scale";
}

/** An operand as an op's `compact` notation sees it: printed, with its shape and, for a constant, its value. */
export interface Operand extends Printed {
  shape: readonly number[];
  value?: number;
}

/** p as it stands when it binds at least `min`, else in parentheses. */
export function paren(p: Printed, min: number, mode: Mode): string {
  return p.prec >= min ? p.s : mode === "latex" ? `\\left(${p.s}\\right)` : `(${p.s})`;
}

/** A base that already carries a superscript (W^{(1)}) is braced before another one. */
export function sup(s: string, mode: Mode): string {
  return mode === "latex" && s.includes("^") ? `{${s}}` : s;
}

/** A constant factor: unit fractions read 1/8, other numbers as formula constants. */
export function coeff(v: number, mode: Mode): Printed {
  if (!Number.isInteger(v) && Number.isInteger(1 / v) && Math.abs(1 / v) >= 2) {
    const d = Math.abs(1 / v);
    const s = mode === "latex" ? `\\frac{1}{${d}}` : `(1/${d})`;
    return v < 0 ? { s: `-${s}`, prec: NEG } : { s, prec: ATOM };
  }
  return { s: formatConstant(v), prec: v < 0 ? NEG : ATOM };
}

export function isScalar(p: Operand): boolean {
  return p.shape.length === 0;
}

/** The transpose mark: ^{\top} or ^T. */
export function top(mode: Mode): string {
  return mode === "latex" ? "^{\\top}" : "^T";
}

/** What has a plain notation (an OpDef's `latex` and `text`). */
interface Notated {
  latex(args: string[], attrs: Attrs): string;
  text(args: string[], attrs: Attrs): string;
}

/** op(args) in its plain notation, in `mode`. */
export function plain(op: Notated, args: string[], attrs: Attrs, mode: Mode): string {
  return mode === "latex" ? op.latex(args, attrs) : op.text(args, attrs);
}
