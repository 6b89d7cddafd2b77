/**
 * Printing, in LaTeX and in plain text, of both notations of the chain-rule display: index
 * expressions (sum_k G_kl X_ki delta_lj) and matrix-notation trees (X^T G). Parentheses follow
 * precedence, so a printed form reads back as the tree it came from. Every op prints in its
 * OpDef's own notation (`compact`, else `latex`/`text`); this file only walks the trees.
 */
import type { IndexExpr } from "../../ops/IndexExpr";
import type { SymExpr } from "./SymExpr";
import { getOp } from "../../ops/registry";
import { einsumSpec, isEinsum } from "./SymExpr";
import type { Attrs, OpDef } from "../../ops/OpDef";
import { formatConstant as fmtNum } from "../../protocol/format";
import {
  ADD,
  ATOM,
  MUL,
  NEG,
  POST,
  type Mode,
  type Operand,
  type Printed,
  coeff,
  paren,
  plain,
  sup,
} from "../../ops/notation";

export type { Mode };

const GREEK = new Set([
  "alpha",
  "beta",
  "gamma",
  "delta",
  "epsilon",
  "eta",
  "theta",
  "lambda",
  "mu",
  "nu",
  "xi",
  "pi",
  "rho",
  "sigma",
  "tau",
  "phi",
  "chi",
  "psi",
  "omega",
]);

/**
 * How a tensor's name is typeset: W1 is layer 1's W, W^{(1)} (so its elements read W^{(1)}_{ij});
 * W_1 stays W_{1}; long names are upright.
 */
export function nameLatex(name: string): string {
  if (/^[A-Za-z]$/.test(name)) return name;
  let m = /^([A-Za-z])(\d+)$/.exec(name);
  if (m) return `${m[1]}^{(${m[2]})}`;
  // An upstream gradient G_t := dL/dt (see steps.ts gradientName): the subscript is typeset as
  // the tensor t is (G_{v^{(3)}}, G_{W^{(1)}}); primes (G_v3', the part along one route) follow.
  m = /^([gG])_(.*[A-Za-z].*?)('*)$/.exec(name);
  if (m) return `${m[1]}_{${nameLatex(m[2])}}${m[3]}`;
  m = /^([A-Za-z])_([A-Za-z0-9]+)$/.exec(name);
  if (m) return `${m[1]}_{${m[2]}}`;
  if (GREEK.has(name) || GREEK.has(name.toLowerCase())) return `\\${name}`;
  return `\\mathrm{${name.replace(/([_#$%&{}])/g, "\\$1")}}`;
}

function hasSubscript(latexName: string): boolean {
  return latexName.includes("_");
}

/** A tensor element: name with its index subscript (X_{ki}, (W_{1})_{ij}, x_{3}). */
export function elementOf(name: string, idx: string[], mode: Mode): string {
  if (idx.length === 0) return mode === "latex" ? nameLatex(name) : name;
  const joined = idx.every((s) => s.length === 1) ? idx.join("") : idx.join(",");
  if (mode === "text")
    return name.includes("_")
      ? `${name}[${idx.join(",")}]`
      : `${name}_${joined.length > 1 && joined.includes(",") ? `{${joined}}` : joined}`;
  const n = nameLatex(name);
  return hasSubscript(n) ? `\\left(${n}\\right)_{${joined}}` : `${n}_{${joined}}`;
}

export { fmtNum };

// ---------------------------------------------------------------- index expressions

/** Prints an index expression; "ref" nodes must have been relabelled to "sym" first. */
export function printIndex(e: IndexExpr, mode: Mode): string {
  return pIdx(e, mode).s;
}

function pIdx(e: IndexExpr, mode: Mode): Printed {
  const L = mode === "latex";
  switch (e.k) {
    case "num":
      return { s: fmtNum(e.v), prec: e.v < 0 ? NEG : ATOM };
    case "idx":
      return { s: e.name, prec: ATOM };
    case "sym":
      return {
        s: elementOf(
          e.name,
          e.idx.map((x) => pIdx(x, mode).s),
          mode,
        ),
        prec: ATOM,
      };
    case "ref":
      return {
        s: elementOf(
          e.t === "out" ? "out" : `in${e.arg}`,
          e.idx.map((x) => pIdx(x, mode).s),
          mode,
        ),
        prec: ATOM,
      };
    case "delta": {
      const a = pIdx(e.a, mode).s;
      const b = pIdx(e.b, mode).s;
      const sub = a.length === 1 && b.length === 1 ? `${a}${b}` : `${a},${b}`;
      return { s: L ? `\\delta_{${sub}}` : `δ_${sub.length > 2 ? `{${sub}}` : sub}`, prec: ATOM };
    }
    case "mul": {
      // Constant factors and signs lead the product: -2 g_i x_i, not g_i (-1) 2 x_i.
      let coef = 1;
      const rest: IndexExpr[] = [];
      for (const x of e.xs) {
        if (x.k === "num") coef *= x.v;
        else if (x.k === "neg") {
          coef = -coef;
          rest.push(x.x);
        } else rest.push(x);
      }
      if (coef !== 1 || rest.length !== e.xs.length) {
        if (coef === 0) return { s: "0", prec: ATOM };
        const body = rest.length === 0 ? null : rest.length === 1 ? rest[0] : ({ k: "mul", xs: rest } as IndexExpr);
        if (!body) return { s: fmtNum(coef), prec: coef < 0 ? NEG : ATOM };
        const pb = pIdx(body, mode);
        if (coef === 1) return pb;
        if (coef === -1) return { s: `-${paren(pb, MUL, mode)}`, prec: NEG };
        return { s: `${coeff(coef, mode).s} ${paren(pb, MUL, mode)}`, prec: coef < 0 ? NEG : MUL };
      }
      const parts = e.xs.map((x) => pIdx(x, mode));
      let s = "";
      parts.forEach((p, i) => {
        // In text a quotient inside a product is bracketed: g (1 / 8), not g 1 / 8.
        const str = !L && e.xs[i].k === "div" ? `(${p.s})` : paren(p, MUL, mode);
        if (i === 0) s = str;
        else {
          const prevNum = e.xs[i - 1].k === "num";
          const thisNum = e.xs[i].k === "num";
          s += prevNum && thisNum ? (L ? " \\cdot " : " · ") : " ";
          s += str;
        }
      });
      return { s, prec: MUL };
    }
    case "add": {
      let s = "";
      e.xs.forEach((x, i) => {
        if (i > 0 && x.k === "neg") s += ` - ${paren(pIdx(x.x, mode), MUL, mode)}`;
        else if (i > 0 && x.k === "num" && x.v < 0) s += ` - ${fmtNum(-x.v)}`;
        else s += (i > 0 ? " + " : "") + paren(pIdx(x, mode), ADD, mode);
      });
      return { s, prec: ADD };
    }
    case "neg":
      return { s: `-${paren(pIdx(e.x, mode), MUL, mode)}`, prec: NEG };
    case "div": {
      const a = pIdx(e.a, mode);
      const b = pIdx(e.b, mode);
      return L
        ? { s: `\\frac{${a.s}}{${b.s}}`, prec: ATOM }
        : { s: `${paren(a, MUL, mode)} / ${paren(b, POST, mode)}`, prec: MUL };
    }
    case "pow": {
      const a = sup(paren(pIdx(e.a, mode), ATOM, mode), mode);
      const b = pIdx(e.b, mode);
      return { s: L ? `${a}^{${b.s}}` : `${a}^${paren(b, ATOM, mode)}`, prec: POST };
    }
    case "fn": {
      // An elementwise function prints as its op does (e^{x} binds as a superscript).
      const x = pIdx(e.x, mode);
      return compactForm(getOp(e.f), [{ ...x, shape: [] }], {}, mode);
    }
    case "cmp": {
      const sym = { gt: ">", lt: "<", ge: L ? "\\geq" : ">=", le: L ? "\\leq" : "<=", eq: "=" }[e.op];
      return { s: `[${pIdx(e.a, mode).s} ${sym} ${pIdx(e.b, mode).s}]`, prec: ATOM };
    }
    case "sum": {
      const body = paren(pIdx(e.x, mode), MUL, mode);
      return { s: L ? `\\sum_{${e.i}} ${body}` : `sum_${e.i} ${body}`, prec: MUL };
    }
  }
}

/** sum_{names} e, with a leading minus sign pulled in front of the sums. */
export function printSum(names: string[], e: IndexExpr, mode: Mode): string {
  const p = pIdx(e, mode);
  if (names.length > 0 && p.prec === NEG && p.s.startsWith("-")) return `-${sumsPrefix(names, mode)}${p.s.slice(1)}`;
  return `${sumsPrefix(names, mode)}${names.length > 0 ? paren(p, MUL, mode) : p.s}`;
}

/** "\sum_{k}\sum_{l} " (or "sum_k sum_l ") for a list of summed index names. */
export function sumsPrefix(names: string[], mode: Mode): string {
  if (names.length === 0) return "";
  return mode === "latex"
    ? names.map((n) => `\\sum_{${n}}`).join(" ") + " "
    : names.map((n) => `sum_${n}`).join(" ") + " ";
}

/** ∂L/∂x_{ij} (or dL/dx_ij); `idx` empty for the whole tensor. */
export function partial(top: string, topIdx: string[], bottom: string, bottomIdx: string[], mode: Mode): string {
  const t = elementOf(top, topIdx, mode);
  const b = elementOf(bottom, bottomIdx, mode);
  return mode === "latex" ? `\\frac{\\partial ${t}}{\\partial ${b}}` : `d${t}/d${b}`;
}

// ---------------------------------------------------------------- matrix notation

/** op(args) in its plain notation, an atom. */
function plainForm(op: OpDef, args: readonly Printed[], attrs: Attrs, mode: Mode): Printed {
  return {
    s: plain(
      op,
      args.map((p) => p.s),
      attrs,
      mode,
    ),
    prec: ATOM,
  };
}

/** op(args) in the compact form: the op's `compact` notation where it has one, else its plain one. */
function compactForm(op: OpDef, args: readonly Operand[], attrs: Attrs, mode: Mode): Printed {
  return op.compact ? op.compact(args, attrs, mode) : plainForm(op, args, attrs, mode);
}

export function printSym(e: SymExpr, mode: Mode): string {
  return pSym(e, mode).s;
}

function pSym(e: SymExpr, mode: Mode): Printed {
  if (e.k === "sym") return { s: mode === "latex" ? nameLatex(e.name) : e.name, prec: ATOM };
  if (e.k === "num") return coeff(e.v, mode);
  const args = e.args.map((x): Operand => ({
    ...pSym(x, mode),
    shape: x.shape,
    value: x.k === "num" ? x.v : undefined,
  }));
  // einsum (rank >= 3 contractions of a closed formula), written as steps.ts writes a step's.
  if (isEinsum(e)) {
    const spec = einsumSpec(e);
    const ops = args.map((a) => a.s).join(", ");
    return {
      s: mode === "latex" ? `\\operatorname{einsum}(\\texttt{"${spec}"}, ${ops})` : `einsum("${spec}", ${ops})`,
      prec: ATOM,
    };
  }
  // A rule's call of a registry op prints in that op's plain notation.
  if (e.op === "call") return plainForm(getOp(e.attrs.name!), args, e.attrs.opAttrs ?? {}, mode);
  return compactForm(getOp(e.op), args, e.attrs as Attrs, mode);
}

// ---------------------------------------------------------------- closed forms

/**
 * A closed form as lines: `dL/dx = formula`, then one `name := definition` per named
 * subexpression (with what a gradient name stands for: `G_h := dL/dh = ...`).
 */
export function printClosedForm(
  f: { defs: readonly { name: string; expr: SymExpr; gradientOf?: string }[]; gradient: SymExpr },
  top: string,
  x: string,
  mode: Mode,
): { formula: string; where: string[] } {
  const L = mode === "latex";
  const nm = (n: string) => (L ? nameLatex(n) : n);
  const frac = (a: string, b: string) => (L ? `\\frac{\\partial ${a}}{\\partial ${b}}` : `d${a}/d${b}`);
  const where = f.defs.map(
    (d) => `${nm(d.name)} := ${d.gradientOf ? `${frac(top, nm(d.gradientOf))} = ` : ""}${printSym(d.expr, mode)}`,
  );
  return { formula: `${frac(top, nm(x))} = ${printSym(f.gradient, mode)}`, where };
}
