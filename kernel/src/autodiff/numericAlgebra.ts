import type { Algebra } from "../ops/OpDef";
import type { Tensor } from "../tensor/Tensor";
import * as F from "../ops/functions";
import { scalar } from "../tensor/creation";

/**
 * The numeric interpreter of derivative rules: differentiable tensor functions. Each entry
 * calls through the module at call time (ops and autodiff import each other).
 */
export const numericAlgebra: Algebra<Tensor> = {
  scalar: (v) => scalar(v),
  add: (...a: Parameters<typeof F.add>) => F.add(...a),
  sub: (...a: Parameters<typeof F.sub>) => F.sub(...a),
  mul: (...a: Parameters<typeof F.mul>) => F.mul(...a),
  div: (...a: Parameters<typeof F.div>) => F.div(...a),
  neg: (...a: Parameters<typeof F.neg>) => F.neg(...a),
  square: (...a: Parameters<typeof F.square>) => F.square(...a),
  sqrt: (...a: Parameters<typeof F.sqrt>) => F.sqrt(...a),
  exp: (...a: Parameters<typeof F.exp>) => F.exp(...a),
  log: (...a: Parameters<typeof F.log>) => F.log(...a),
  sin: (...a: Parameters<typeof F.sin>) => F.sin(...a),
  cos: (...a: Parameters<typeof F.cos>) => F.cos(...a),
  pow: (...a: Parameters<typeof F.pow>) => F.pow(...a),
  sign: (...a: Parameters<typeof F.sign>) => F.sign(...a),
  greater: (...a: Parameters<typeof F.greater>) => F.greater(...a),
  equal: (...a: Parameters<typeof F.equal>) => F.equal(...a),
  where: (...a: Parameters<typeof F.where>) => F.where(...a),
  matmul: (...a: Parameters<typeof F.matmul>) => F.matmul(...a),
  outer: (...a: Parameters<typeof F.outer>) => F.outer(...a),
  transpose: (...a: Parameters<typeof F.transpose>) => F.transpose(...a),
  reshape: (...a: Parameters<typeof F.reshape>) => F.reshape(...a),
  broadcastTo: (...a: Parameters<typeof F.broadcastTo>) => F.broadcastTo(...a),
  sumTo: (...a: Parameters<typeof F.sumTo>) => F.sumTo(...a),
  sum: (a, axes, keepDims) => F.sum(a, axes, keepDims),
  pad: (...a: Parameters<typeof F.pad>) => F.pad(...a),
  slice: (...a: Parameters<typeof F.slice>) => F.slice(...a),
  scatterAdd: (...a: Parameters<typeof F.scatterAdd>) => F.scatterAdd(...a),
  gather: (...a: Parameters<typeof F.gather>) => F.gather(...a),
};
