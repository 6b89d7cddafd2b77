/**
 * Checks of a closed formula shared by the closed-form tests and the classic goldens: the formula
 * of dL/dx as a data structure, printed as text, and proved equal to reverse mode's gradient.
 */
import { expect } from "vitest";
import * as C from "../../kernel/src/index";
import type { Tensor } from "../../kernel/src/index";
import { closedForm, evalClosedForm, type ClosedForm } from "../../kernel/src/symbolic/chain/closedForm";
import { traceGraph } from "../../kernel/src/symbolic/chain/paths";
import { printClosedForm } from "../../kernel/src/symbolic/algebra/latex";
import { numericAlgebra } from "../../kernel/src/ops/numericAlgebra";
import { noGrad } from "../../kernel/src/ops/mode";
import { gradientsById } from "../../kernel/src/autodiff/backward";

/** Reverse mode's dL/dx (x must require grad: backward keeps no gradient for a constant leaf). */
export function autodiff(L: Tensor, x: Tensor): Tensor {
  return gradientsById([L], [C.tensor(1)], false).get(x.id)!;
}

/** The closed formula of dL/dx; a graph that does not close fails the test with the reason. */
export function closed(L: Tensor, x: Tensor): ClosedForm {
  const r = closedForm(L, x, traceGraph(L, x));
  if (!r.closed) throw new Error(`not closed: ${r.reason}`);
  return r.form;
}

/** The closed form's value equals reverse mode's gradient to 1e-12 (relative to the largest entry). */
export function expectIsGradient(f: ClosedForm, L: Tensor, x: Tensor): void {
  const got = noGrad(() => evalClosedForm(f, numericAlgebra, (t) => t));
  const want = autodiff(L, x);
  expect(got.shape).toEqual(x.shape);
  let scale = 1;
  for (let i = 0; i < want.size; i++) scale = Math.max(scale, Math.abs(want.data[i]));
  for (let i = 0; i < want.size; i++)
    expect(Math.abs(got.data[i] - want.data[i]), `element ${i}`).toBeLessThanOrEqual(1e-12 * scale);
}

/** The formula and its definitions as text lines ("dL/dW = X^T cos(Y)", "Y := X W"). */
export function lines(f: ClosedForm, x: string): string[] {
  const p = printClosedForm(f, "L", x, "text");
  return [p.formula, ...p.where];
}
