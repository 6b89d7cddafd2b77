/**
 * Derive as you go, in matrix notation: dL/dt for every tensor t on a path, each step's vjp
 * rule (run symbolically) applied to the previous step's result. Intermediates the user did
 * not name are written out as what they are (y - t rather than v1) where the op has an algebra
 * form, so the printed gradient reads like the textbook's and still evaluates to the same numbers.
 */
import type { Tensor } from "../../tensor/Tensor";
import { type SymExpr, type SymOp, applyOp, num, sym } from "../algebra/SymExpr";
import { symbolicAlgebra as S } from "../algebra/symbolicAlgebra";
import { symbolicVjp } from "./steps";
import { isLiteral, type Path } from "./paths";

/** Composed forms larger than this are dropped (softmax chains double in size per step). */
const MAX_NODES = 160;

export function nodeCount(e: SymExpr): number {
  return e.k === "op" ? 1 + e.args.reduce((s, a) => s + nodeCount(a), 0) : 1;
}

/** dL/dt (path-only) for every tensor of the path, null where too large or not symbolic. */
export function composePath(
  path: Path,
  L: Tensor,
  seed: SymExpr,
  nameOf: (t: Tensor) => string,
): Map<number, SymExpr | null> {
  const composed = new Map<number, SymExpr | null>();
  composed.set(L.id, seed);
  for (let k = path.length - 1; k >= 0; k--) {
    const e = path[k];
    const g = composed.get(e.out.id) ?? null;
    const r = g ? symbolicVjp(e.out, e.argnum, g, nameOf) : null;
    composed.set(e.input.id, r && nodeCount(r.summed) <= MAX_NODES ? r.summed : null);
  }
  return composed;
}

/** op(args) as a SymExpr, for an op that prints as algebra (OpDef.printsAsAlgebra); else null. */
function definition(t: Tensor, arg: (u: Tensor) => SymExpr): SymExpr | null {
  const node = t.node!;
  if (!node.op.printsAsAlgebra) return null;
  const perm = node.attrs.perm as number[] | undefined;
  return applyOp(node.op.name as SymOp, node.inputs.map(arg), { perm: perm?.slice() }, S);
}

/**
 * Replaces symbols of unnamed intermediates (`isAuto`) by their definitions, `depth` levels
 * deep, when the result stays small.
 */
export function inlineAuto(
  e: SymExpr,
  byName: Map<string, Tensor>,
  isAuto: (name: string) => boolean,
  nameOf: (t: Tensor) => string,
  depth = 2,
): SymExpr {
  const arg = (u: Tensor, d: number): SymExpr => {
    if (isLiteral(u)) return num(u.data[0], u.shape);
    const s = sym(nameOf(u), u.shape);
    return d > 0 ? expand(s, d - 1) : s;
  };
  const expand = (x: SymExpr, d: number): SymExpr => {
    if (x.k === "sym") {
      const t = byName.get(x.name);
      if (!t || !t.node || !isAuto(x.name)) return x;
      const def = definition(t, (u) => arg(u, d));
      return def && nodeCount(def) <= 12 ? def : x;
    }
    if (x.k === "num") return x;
    return { ...x, args: x.args.map((a) => expand(a, d)) };
  };
  return expand(e, depth);
}
