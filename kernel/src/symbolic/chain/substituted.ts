/**
 * The "all at once" form of a path: every step's local partial substituted into one nested
 * sum (what deriving as you go spares us). It starts at the head: the tensor nearest x whose
 * gradient is still elementwise (dL/dc_k = c_k), written out by element, as chain-rule.md does.
 */
import type { Tensor } from "../../tensor/Tensor";
import { E, type IndexExpr } from "../../ops/IndexExpr";
import type { SymExpr } from "../algebra/SymExpr";

/** A gradient in matrix notation written at element J of a tensor of shape `shape`, if it is elementwise. */
export function elementwiseAt(e: SymExpr, shape: readonly number[], J: string[]): IndexExpr | null {
  const at = (s: readonly number[]): IndexExpr[] | null => {
    const lead = shape.length - s.length;
    if (lead < 0) return null;
    const out: IndexExpr[] = [];
    for (let a = 0; a < s.length; a++) {
      if (s[a] === shape[a + lead]) out.push(E.idx(J[a + lead]));
      else if (s[a] === 1) out.push(E.num(0));
      else return null;
    }
    return out;
  };
  const r = (x: SymExpr) => elementwiseAt(x, shape, J);
  if (e.k === "num") return E.num(e.v);
  if (e.k === "sym") {
    const idx = at(e.shape);
    return idx ? E.sym(e.name, idx) : null;
  }
  const args = e.args.map(r);
  if (args.some((a) => a === null)) return null;
  const [a, b] = args as IndexExpr[];
  // Keyed by the symbolic Algebra's methods (what a SymExpr node is), not OpDef.printsAsAlgebra:
  // this is each elementwise method's value at one element (matmul, outer, transpose have none).
  switch (e.op) {
    case "add":
      return E.add(a, b);
    case "sub":
      return E.sub(a, b);
    case "mul":
      return E.mul(a, b);
    case "div":
      return E.div(a, b);
    case "neg":
      return E.neg(a);
    case "square":
      return E.pow(a, E.num(2));
    case "pow":
      return E.pow(a, b);
    case "exp":
    case "log":
    case "sin":
    case "cos":
    case "sqrt":
    case "sign":
      return E.fn(e.op, a);
    case "greater":
      return E.cmp("gt", a, b);
    case "equal":
      return E.cmp("eq", a, b);
    // The argument was already indexed against the head's shape (size-1 axes read 0).
    case "broadcastTo":
      return a;
    default:
      return null;
  }
}

/** The head of a path: the tensor nearest x (not x) whose composed gradient is elementwise. */
export function findHead(
  tensors: Tensor[],
  composed: Map<number, SymExpr | null>,
  names: Map<number, string[]>,
): { index: number; expr: IndexExpr } | null {
  for (let k = 1; k < tensors.length; k++) {
    const t = tensors[k];
    const c = composed.get(t.id);
    if (!c) continue;
    const ew = elementwiseAt(c, t.shape, names.get(t.id)!);
    if (ew) return { index: k, expr: ew };
  }
  return null;
}
