/**
 * Hash-consing of SymExpr trees: structurally equal subtrees become one object, so a closed
 * form can see which subexpressions occur more than once (and name them once) and compare
 * subtrees in O(1). Linear in the number of distinct nodes: keys are built from child ids,
 * never from whole printed subtrees.
 */
import type { SymExpr } from "./SymExpr";

export class Consed {
  private byKey = new Map<string, SymExpr>();
  private ids = new Map<SymExpr, number>();
  private memo = new Map<SymExpr, SymExpr>();

  /** Distinct subexpressions interned so far. */
  get size(): number {
    return this.byKey.size;
  }

  /** The canonical object for `e` (interned with all its subtrees). */
  intern(e: SymExpr): SymExpr {
    const m = this.memo.get(e);
    if (m) return m;
    let key: string;
    let canon: SymExpr;
    if (e.k === "sym") {
      key = `s|${e.name}|${e.shape.join(",")}`;
      canon = e;
    } else if (e.k === "num") {
      key = `n|${e.v}|${e.shape.join(",")}`;
      canon = e;
    } else {
      const args = e.args.map((a) => this.intern(a));
      key = `o|${e.op}|${JSON.stringify(e.attrs)}|${e.shape.join(",")}|${args.map((a) => this.ids.get(a)).join(",")}`;
      canon = { ...e, args };
    }
    const hit = this.byKey.get(key);
    const out = hit ?? canon;
    if (!hit) {
      this.byKey.set(key, out);
      this.ids.set(out, this.ids.size);
    }
    this.memo.set(e, out);
    return out;
  }

  /** A number naming e's structure (equal trees, equal ids). */
  id(e: SymExpr): number {
    return this.ids.get(this.intern(e))!;
  }

  /** Same as intern: the canonical object of a tree that may share subtrees with earlier ones. */
  find(e: SymExpr): SymExpr {
    return this.intern(e);
  }

  /** How many times each canonical node is used as an argument, in the DAG below `root`. */
  refCounts(root: SymExpr): Map<SymExpr, number> {
    const refs = new Map<SymExpr, number>();
    for (const n of this.postOrder(root)) if (n.k === "op") for (const a of n.args) refs.set(a, (refs.get(a) ?? 0) + 1);
    return refs;
  }

  /** The distinct nodes below `root`, children before parents (an explicit stack: no recursion limit). */
  postOrder(root: SymExpr): SymExpr[] {
    const out: SymExpr[] = [];
    const seen = new Set<SymExpr>();
    const stack: [SymExpr, number][] = [[root, 0]];
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [n, i] = top;
      if (i === 0 && seen.has(n)) {
        stack.pop();
        continue;
      }
      seen.add(n);
      const args = n.k === "op" ? n.args : [];
      if (i < args.length) {
        top[1] = i + 1;
        if (!seen.has(args[i])) stack.push([args[i], 0]);
      } else {
        stack.pop();
        out.push(n);
      }
    }
    return out;
  }

  /** Structural equality of two trees (after interning both). */
  same(a: SymExpr, b: SymExpr): boolean {
    return this.intern(a) === this.intern(b);
  }
}
