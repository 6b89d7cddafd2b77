/**
 * Printing, in LaTeX and in plain text, of both notations of the chain-rule display: index
 * expressions (sum_k G_kl X_ki delta_lj) and matrix-notation trees (X^T G). Parentheses follow
 * precedence, so a printed form reads back as the tree it came from.
 */
import type { IndexExpr } from "../ops/IndexExpr";
import { type SymExpr, sizeOfShape, sumToAxes } from "./SymExpr";
import { getOp } from "../ops/registry";
import type { Attrs } from "../ops/OpDef";
import { formatConstant as fmtNum } from "../protocol/format";

export type Mode = "latex" | "text";

const ADD = 1;
const NEG = 2;
const MUL = 3;
const POST = 4;
const ATOM = 5;

interface Printed {
  s: string;
  prec: number;
  /** For parenthesising products of different kinds, e.g. (U^T c) ⊙ (1 - b ⊙ b). */
  kind?: "matmul" | "odot" | "scale";
}

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

/** A base that already carries a superscript (W^{(1)}) is braced before another one. */
function sup(s: string, mode: Mode): string {
  return mode === "latex" && s.includes("^") ? `{${s}}` : s;
}

function paren(p: Printed, min: number, mode: Mode): string {
  return p.prec >= min ? p.s : mode === "latex" ? `\\left(${p.s}\\right)` : `(${p.s})`;
}

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
      const x = pIdx(e.x, mode).s;
      if (L) {
        if (e.f === "sqrt") return { s: `\\sqrt{${x}}`, prec: ATOM };
        if (e.f === "abs") return { s: `\\left|${x}\\right|`, prec: ATOM };
        if (e.f === "exp") return { s: `e^{${x}}`, prec: POST };
        if (e.f === "floor") return { s: `\\left\\lfloor ${x} \\right\\rfloor`, prec: ATOM };
        const cmd =
          e.f === "sigmoid" ? "\\sigma" : e.f === "sign" || e.f === "erf" ? `\\operatorname{${e.f}}` : `\\${e.f}`;
        return { s: `${cmd}\\left(${x}\\right)`, prec: ATOM };
      }
      return { s: e.f === "abs" ? `|${x}|` : `${e.f}(${x})`, prec: ATOM };
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

export function printSym(e: SymExpr, mode: Mode): string {
  return pSym(e, mode).s;
}

function isScalarShape(e: SymExpr): boolean {
  return e.shape.length === 0;
}

function coeff(v: number, mode: Mode): Printed {
  if (!Number.isInteger(v) && Number.isInteger(1 / v) && Math.abs(1 / v) >= 2) {
    const d = Math.abs(1 / v);
    const s = mode === "latex" ? `\\frac{1}{${d}}` : `(1/${d})`;
    return v < 0 ? { s: `-${s}`, prec: NEG } : { s, prec: ATOM };
  }
  return { s: fmtNum(v), prec: v < 0 ? NEG : ATOM };
}

function axesLabel(axes: number[], mode: Mode): string {
  const w = axes.length === 1 ? "axis" : "axes";
  return mode === "latex" ? `\\text{${w} ${axes.join(",")}}` : `${w} ${axes.join(",")}`;
}

function reduction(axes: number[], operand: Printed, mode: Mode): Printed {
  if (mode === "latex") return { s: `\\sum_{${axesLabel(axes, mode)}} ${paren(operand, ATOM, mode)}`, prec: MUL };
  return { s: `sum_{${axesLabel(axes, mode)}}(${operand.s})`, prec: ATOM };
}

function pSym(e: SymExpr, mode: Mode): Printed {
  const L = mode === "latex";
  if (e.k === "sym") return { s: L ? nameLatex(e.name) : e.name, prec: ATOM };
  if (e.k === "num") return coeff(e.v, mode);
  const [a, b] = e.args;
  switch (e.op) {
    case "add":
    case "sub": {
      const pa = pSym(a, mode);
      const pb = pSym(b, mode);
      const op = e.op === "add" ? "+" : "-";
      return { s: `${paren(pa, ADD, mode)} ${op} ${paren(pb, e.op === "add" ? ADD : MUL, mode)}`, prec: ADD };
    }
    case "neg":
      return { s: `-${paren(pSym(a, mode), MUL, mode)}`, prec: NEG };
    case "mul": {
      const pa = pSym(a, mode);
      const pb = pSym(b, mode);
      if (a.k === "num" && isScalarShape(a)) {
        const c = coeff(a.v, mode);
        if (a.v === -1) return { s: `-${paren(pb, MUL, mode)}`, prec: NEG };
        const lead = c.prec === NEG ? c.s : c.s;
        return { s: `${lead} ${paren(pb, MUL, mode)}`, prec: c.prec === NEG ? NEG : MUL, kind: "scale" };
      }
      if (isScalarShape(a) || isScalarShape(b)) {
        return { s: `${paren(pa, POST, mode)} ${paren(pb, MUL, mode)}`, prec: MUL, kind: "scale" };
      }
      const operand = (p: Printed) =>
        p.kind === "matmul" ? paren({ ...p, prec: MUL }, ATOM, mode) : paren(p, MUL, mode);
      return { s: `${operand(pa)} ${L ? "\\odot" : "⊙"} ${operand(pb)}`, prec: MUL, kind: "odot" };
    }
    case "div": {
      const pa = pSym(a, mode);
      const pb = pSym(b, mode);
      if (isScalarShape(b)) {
        return L
          ? { s: `\\frac{${pa.s}}{${pb.s}}`, prec: ATOM }
          : { s: `${paren(pa, MUL, mode)} / ${paren(pb, ATOM, mode)}`, prec: MUL };
      }
      return { s: `${paren(pa, MUL, mode)} ${L ? "\\oslash" : "⊘"} ${paren(pb, POST, mode)}`, prec: MUL, kind: "odot" };
    }
    case "square": {
      const pa = pSym(a, mode);
      if (isScalarShape(a))
        return { s: L ? `${sup(paren(pa, ATOM, mode), mode)}^{2}` : `${paren(pa, ATOM, mode)}^2`, prec: POST };
      if (pa.prec === ATOM) return { s: `${pa.s} ${L ? "\\odot" : "⊙"} ${pa.s}`, prec: MUL, kind: "odot" };
      return { s: L ? `${sup(paren(pa, ATOM, mode), mode)}^{\\odot 2}` : `${paren(pa, ATOM, mode)}^⊙2`, prec: POST };
    }
    case "pow": {
      const base = sup(paren(pSym(a, mode), ATOM, mode), mode);
      const ex = pSym(b, mode);
      return { s: L ? `${base}^{${ex.s}}` : `${base}^${paren(ex, ATOM, mode)}`, prec: POST };
    }
    case "matmul": {
      const pa = pSym(a, mode);
      const pb = pSym(b, mode);
      const left =
        pa.kind === "odot" || pa.kind === "scale" ? paren({ ...pa, prec: MUL }, ATOM, mode) : paren(pa, MUL, mode);
      const right = paren(pb, POST, mode);
      const tr = L ? "^{\\top}" : "^T";
      // A vector on the left is a row vector: x^T B (and x^T y for two vectors).
      const lhs = a.shape.length === 1 ? `${sup(paren(pa, ATOM, mode), mode)}${tr}` : left;
      return { s: `${lhs} ${right}`, prec: MUL, kind: "matmul" };
    }
    case "outer": {
      const pa = pSym(a, mode);
      const pb = pSym(b, mode);
      return {
        s: `${paren(pa, POST, mode)} ${sup(paren(pb, ATOM, mode), mode)}${L ? "^{\\top}" : "^T"}`,
        prec: MUL,
        kind: "matmul",
      };
    }
    case "transpose": {
      const perm = e.attrs.perm!;
      const r = perm.length;
      const swapsLast2 =
        r >= 2 && perm[r - 2] === r - 1 && perm[r - 1] === r - 2 && perm.slice(0, -2).every((p, i) => p === i);
      const pa = pSym(a, mode);
      if (swapsLast2) return { s: `${sup(paren(pa, ATOM, mode), mode)}${L ? "^{\\top}" : "^T"}`, prec: POST };
      return {
        s: L
          ? `\\operatorname{transpose}_{(${perm.join(",")})}\\left(${pa.s}\\right)`
          : `transpose(${pa.s}, [${perm.join(",")}])`,
        prec: ATOM,
      };
    }
    case "reshape": {
      const pa = pSym(a, mode);
      if (sizeOfShape(a.shape) === 1) return pa;
      const s = e.attrs.shape!.join(",");
      return {
        s: L ? `\\operatorname{reshape}_{[${s}]}\\left(${pa.s}\\right)` : `reshape(${pa.s}, [${s}])`,
        prec: ATOM,
      };
    }
    case "broadcastTo": {
      const pa = pSym(a, mode);
      // One value used everywhere: notation leaves that implicit (g/n, 2 y).
      if (sizeOfShape(a.shape) === 1) return pa;
      const s = e.attrs.shape!.join(",");
      return {
        s: L ? `\\operatorname{broadcast}_{[${s}]}\\left(${pa.s}\\right)` : `broadcast(${pa.s}, [${s}])`,
        prec: ATOM,
      };
    }
    case "sumTo":
      return reduction(sumToAxes(a.shape, e.attrs.shape!), pSym(a, mode), mode);
    case "sum":
      return reduction(e.attrs.axes!, pSym(a, mode), mode);
    case "scatterAdd": {
      // The registry's notation leaves out the indices; here they matter (G_{i,b_ij} collapses to it).
      const [g, idx] = e.args.map((x) => pSym(x, mode).s);
      return {
        s: L
          ? `\\operatorname{scatterAdd}_{${e.attrs.axis}}(${g}, ${idx})`
          : `scatterAdd(${g}, ${idx}, axis=${e.attrs.axis})`,
        prec: ATOM,
      };
    }
    case "call": {
      const op = getOp(e.attrs.name!);
      const strs = e.args.map((x) => pSym(x, mode).s);
      const attrs = e.attrs.opAttrs ?? {};
      return { s: L ? op.latex(strs, attrs) : op.text(strs, attrs), prec: ATOM };
    }
    default: {
      // Function-like ops print through the registry's own notation for them.
      const args = e.args.map((x) => pSym(x, mode));
      const attrs = e.attrs as Attrs;
      const op = getOp(e.op);
      const strs = e.op === "slice" ? args.map((p) => paren(p, ATOM, mode)) : args.map((p) => p.s);
      return { s: L ? op.latex(strs, attrs) : op.text(strs, attrs), prec: e.op === "exp" ? POST : ATOM };
    }
  }
}
