import type { Algebra, OpDef } from "./OpDef";
import type { Tensor } from "../tensor/Tensor";
import { scalar } from "../tensor/creation";
import { apply } from "./apply";
import * as F from "./functions";
import * as B from "./binary";
import * as U from "./unary";

// Elementwise ops straight to `apply`: inside a rule the operands are tensors whose shapes
// broadcast by construction, so the public functions' argument checks (lifting, broadcastShapes
// twice, the size limit) would only repeat work on every backward step. A rule bug still fails
// loudly: the forward kernels broadcast with broadcastShapes, which throws on a mismatch.
const direct1 = (op: OpDef) => (a: Tensor) => apply(op, [a]);
const direct2 = (op: OpDef) => (a: Tensor, b: Tensor) => apply(op, [a, b]);

/**
 * The numeric interpreter of derivative rules: the differentiable tensor functions themselves,
 * so a rule run with it is the backward pass (and, being recorded, differentiable again).
 */
export const numericAlgebra: Algebra<Tensor> = {
  ...F,
  scalar,
  add: direct2(B.add),
  sub: direct2(B.sub),
  mul: direct2(B.mul),
  div: direct2(B.div),
  greater: direct2(B.greater),
  equal: direct2(B.equal),
  neg: direct1(U.neg),
  square: direct1(U.square),
  sqrt: direct1(U.sqrt),
  exp: direct1(U.exp),
  log: direct1(U.log),
  sin: direct1(U.sin),
  cos: direct1(U.cos),
};
