/**
 * One node's own step of the chain rule, for the graph view's click panel: its formula over
 * its inputs' names (the op's notation) and, per input that carries a gradient, the local
 * partial d out_J / d in_I from the op's index rule (the same rule expandChain prints).
 */
import type { Tensor } from "../../tensor/Tensor";
import type { NodeRule } from "../../protocol/graph";
import type { Rendered } from "../../protocol/chain";
import { needsGrad } from "../../ops/OpDef";
import { localPartial } from "./steps";
import { isLiteral } from "./paths";
import { fmtNum, nameLatex, partial, printIndex, type Mode } from "../algebra/latex";

const OUT_LETTERS = ["k", "l", "m", "n", "o", "p"];
const IN_LETTERS = ["i", "j", "a", "b", "c", "d"];
function letters(pool: string[], rank: number): string[] {
  return Array.from({ length: rank }, (_, a) => (a < pool.length ? pool[a] : `${pool[0]}${a}`));
}

/** "v3 = X w": what a computed tensor's name stands for, in its op's notation over its inputs' names. */
export function definitionOf(y: Tensor, nameOf: (t: Tensor) => string): Rendered {
  const node = y.node!;
  const op = node.op;
  // A name that carries a superscript (v^{(2)}) is braced, so the op may add its own (^T).
  const latexName = (t: Tensor) => {
    const n = nameLatex(nameOf(t));
    return n.includes("^") ? `{${n}}` : n;
  };
  const show = (t: Tensor, m: Mode) => (isLiteral(t) ? fmtNum(t.data[0]) : m === "latex" ? latexName(t) : nameOf(t));
  return {
    latex: `${nameLatex(nameOf(y))} = ${op.latex(
      node.inputs.map((t) => show(t, "latex")),
      node.attrs,
    )}`,
    text: `${nameOf(y)} = ${op.text(
      node.inputs.map((t) => show(t, "text")),
      node.attrs,
    )}`,
  };
}

export function nodeRule(y: Tensor, nameOf: (t: Tensor) => string): NodeRule | null {
  const node = y.node;
  if (!node) return null;
  const op = node.op;
  const formula = definitionOf(y, nameOf);
  const J = letters(OUT_LETTERS, y.rank);
  const partials: NodeRule["partials"] = [];
  node.inputs.forEach((u, k) => {
    if (!needsGrad(op, u, k)) return;
    const I = letters(IN_LETTERS, u.rank);
    const local = localPartial(op, y, k, J, I, nameOf);
    if (!local) return;
    const render = (m: Mode) => `${partial(nameOf(y), J, nameOf(u), I, m)} = ${printIndex(local, m)}`;
    partials.push({ input: nameOf(u), local: { latex: render("latex"), text: render("text") } });
  });
  return { formula, partials };
}
