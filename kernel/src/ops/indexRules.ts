/**
 * Building blocks for index rules: the Kronecker deltas that tie an input's axes to the
 * output's axes (none on a broadcast axis: that is where the extra sum comes from), and
 * references to tensors at the output index.
 */
import { E, type IndexExpr } from "./IndexExpr";
import type { IndexContext } from "./OpDef";

/**
 * prod_a delta(J_a, I_a) over the input's axes aligned (from the right) with the output's. A
 * broadcast axis (input size 1) gets no delta: its only index is 0, and the sum over the
 * output's axis is what undoes broadcasting.
 */
export function alignedDeltas(c: IndexContext): IndexExpr {
  const inShape = c.shapes[c.argnum];
  const lead = c.outShape.length - inShape.length;
  const ds: IndexExpr[] = [];
  for (let b = 0; b < inShape.length; b++) {
    if (inShape[b] === c.outShape[b + lead]) ds.push(E.delta(E.idx(c.J[b + lead]), E.idx(c.I[b])));
  }
  return E.mul(...ds);
}

/** Input `k` at the output index J, broadcast-aware (size-1 axes read index 0). */
export function inAtOut(c: IndexContext, k: number): IndexExpr {
  const s = c.shapes[k];
  const lead = c.outShape.length - s.length;
  return E.inp(
    k,
    s.map((d, b) => (d === 1 && c.outShape[b + lead] !== 1 ? E.num(0) : E.idx(c.J[b + lead]))),
  );
}

/** The output at index J. */
export function outAtOut(c: IndexContext): IndexExpr {
  return E.out(c.J.map((j) => E.idx(j)));
}
