/**
 * einsum, where rank 3 and up leaves no matrix notation (chain-rule.md, "Simplifying", move 4):
 * a closed formula's batched products, rank-3 transposes and the sums over their batch axes
 * become one einsum("pqi,pqj->ij", X, G) node instead of transpose_(perm)/sum_{axes} of X^T G,
 * where ^T of a rank-3 tensor means nothing to a reader. The node is evaluated by its own
 * lowering (permute, broadcast, multiply, sum), never by the tree it replaced, so evaluating a
 * closed form against autodiff checks the spec itself.
 */
import { EINSUM, type SymExpr } from "./SymExpr";

type OpNode = Extract<SymExpr, { k: "op" }>;

/** A contraction being flattened: operands with one index class per axis, and the result's. */
interface Contraction {
  operands: { e: SymExpr; idx: number[] }[];
  out: number[];
  /**
   * Matrix notation does not fit: a rank >= 3 tensor is transposed (X^T of a batch means
   * nothing) or a batched product is summed over its batch axes. A plain batched product
   * (Z := X V) reads fine as it is.
   */
  needsEinsum: boolean;
}

// Output letters as chain-rule.md indexes a gradient (i, j, ...), summed ones after them.
const OUT_LETTERS = "ijklmno";
const SUM_LETTERS = "pqrstuvwxyzabcdefgh";

/**
 * The closed formula with every maximal contraction (matmul, transpose, sum, sumTo over leading
 * axes) that transposes a rank >= 3 tensor or sums a batched product written as one einsum node.
 */
export function einsumForms(root: SymExpr): SymExpr {
  const rewrite = (e: SymExpr): SymExpr => {
    if (e.k !== "op") return e;
    if (isContractionOp(e)) {
      const c = flatten(e, rewrite);
      const node = c && c.needsEinsum ? toNode(c, e.shape) : null;
      if (node) return node;
    }
    const args = e.args.map(rewrite);
    // Unchanged subtrees stay the same objects, so a caller can tell whether anything changed.
    return args.every((a, i) => a === e.args[i]) ? e : { ...e, args };
  };
  return rewrite(root);
}

function isContractionOp(e: OpNode): boolean {
  return e.op === "matmul" || e.op === "transpose" || e.op === "sum" || e.op === "sumTo";
}

/** Union-find over index classes. */
class Classes {
  private parent: number[] = [];
  fresh(): number {
    this.parent.push(this.parent.length);
    return this.parent.length - 1;
  }
  find(a: number): number {
    while (this.parent[a] !== a) a = this.parent[a] = this.parent[this.parent[a]];
    return a;
  }
  union(a: number, b: number): void {
    this.parent[this.find(a)] = this.find(b);
  }
}

function flatten(root: OpNode, rewrite: (e: SymExpr) => SymExpr): Contraction | null {
  const cls = new Classes();
  const operands: { e: SymExpr; idx: number[] }[] = [];
  let needsEinsum = false;
  const walk = (e: SymExpr): number[] | null => {
    if (e.k !== "op" || !isContractionOp(e)) {
      const idx = e.shape.map(() => cls.fresh());
      operands.push({ e: rewrite(e), idx });
      return idx;
    }
    const a = e.args[0];
    if (e.op === "transpose") {
      const p = walk(a);
      if (!p) return null;
      const perm = (e.attrs.perm ?? p.map((_, i) => p.length - 1 - i)).map((i) => (i + p.length) % p.length);
      if (a.shape.length >= 3) needsEinsum = true;
      return perm.map((i) => p[i]);
    }
    const summedProduct = () => {
      if (a.shape.length >= 3 && a.k === "op" && (a.op === "matmul" || a.op === "transpose")) needsEinsum = true;
    };
    if (e.op === "sum") {
      if (e.attrs.keepDims) return null;
      summedProduct();
      const p = walk(a);
      if (!p) return null;
      const axes = (e.attrs.axes ?? p.map((_, i) => i)).map((i) => (i + p.length) % p.length);
      return p.filter((_, i) => !axes.includes(i));
    }
    if (e.op === "sumTo") {
      // Only the sum over leading (batch) axes that a broadcast added.
      const to = e.shape;
      const drop = a.shape.length - to.length;
      if (drop < 0 || !to.every((n, i) => a.shape[drop + i] === n)) return null;
      summedProduct();
      const p = walk(a);
      return p ? p.slice(drop) : null;
    }
    // matmul of two operands of rank >= 2, batch axes equal where both have them.
    const b = e.args[1];
    const ra = a.shape.length;
    const rb = b.shape.length;
    if (ra < 2 || rb < 2) return null;
    const nb = Math.max(ra, rb) - 2;
    for (let i = 1; i <= Math.min(ra, rb) - 2; i++) if (a.shape[ra - 2 - i] !== b.shape[rb - 2 - i]) return null;
    const p = walk(a);
    const q = p && walk(b);
    if (!p || !q) return null;
    cls.union(p[ra - 1], q[rb - 2]);
    const batch: number[] = [];
    for (let i = nb; i >= 1; i--) {
      const ia = ra - 2 - i;
      const ib = rb - 2 - i;
      if (ia >= 0 && ib >= 0) cls.union(p[ia], q[ib]);
      batch.push(ia >= 0 ? p[ia] : q[ib]);
    }
    return [...batch, p[ra - 2], q[rb - 1]];
  };
  const out = walk(root);
  if (!out) return null;
  const find = (i: number) => cls.find(i);
  return {
    operands: operands.map((o) => ({ e: o.e, idx: o.idx.map(find) })),
    out: out.map(find),
    needsEinsum,
  };
}

/** The einsum node, or null when the letters run out (the tree then stays as it is). */
function toNode(c: Contraction, shape: number[]): SymExpr | null {
  if (c.out.length > OUT_LETTERS.length) return null;
  const letter = new Map<number, string>();
  c.out.forEach((k, i) => letter.set(k, OUT_LETTERS[i]));
  let s = 0;
  for (const o of c.operands)
    for (const k of o.idx)
      if (!letter.has(k)) {
        if (s >= SUM_LETTERS.length) return null;
        letter.set(k, SUM_LETTERS[s++]);
      }
  const spec = `${c.operands.map((o) => o.idx.map((k) => letter.get(k)).join("")).join(",")}->${c.out.map((k) => letter.get(k)).join("")}`;
  return {
    k: "op",
    op: "call",
    args: c.operands.map((o) => o.e),
    attrs: { name: EINSUM, opAttrs: { spec } },
    shape: shape.slice(),
  };
}
