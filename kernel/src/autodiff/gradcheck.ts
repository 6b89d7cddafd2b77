/**
 * gradcheck as PyTorch does it (float64 central differences, eps 1e-6, atol 1e-5, rtol 1e-3,
 * full Jacobians) plus JAX's adjoint test <u, VJP(v)> = <JVP_fd(u), v>, returning a report a
 * notebook can display instead of a bare boolean.
 */
import { fail } from "../errors";
import { Tensor, type TensorLike } from "../tensor/Tensor";
import { describe, indexOf } from "../tensor/shape";
import { Rng } from "../tensor/random";
import { noGrad } from "../ops/mode";
import { jacobian, vjp } from "./functional";
import * as F from "../ops/functions";

export interface GradcheckInputReport {
  name?: string;
  shape: number[];
  /** Jacobians d out / d input, shape out.shape ++ input.shape. */
  analytical: Tensor;
  numerical: Tensor;
  maxAbsErr: number;
  maxRelErr: number;
  /** Multi-index into the Jacobian of the worst entry, or null. */
  worst: number[] | null;
  pass: boolean;
}
export interface GradcheckReport {
  pass: boolean;
  maxAbsErr: number;
  maxRelErr: number;
  inputs: GradcheckInputReport[];
  adjoint: { lhs: number; rhs: number; relErr: number; pass: boolean };
  eps: number;
  atol: number;
  rtol: number;
}
export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Which inputs to check (default: those that require grad, or all if none does). */
  wrt?: number[];
  /** Skip full Jacobians (only the adjoint test), for large inputs. */
  adjointOnly?: boolean;
  seed?: number;
}

function toF64(t: Tensor): Tensor {
  return new Tensor(Float64Array.from(t.data), t.shape, { name: t.name });
}

export function gradcheck(
  f: (...xs: Tensor[]) => Tensor,
  inputs: TensorLike[],
  opts: GradcheckOptions = {},
): GradcheckReport {
  if (typeof f !== "function") fail("gradcheck", `expected a function, got ${describe(f)}`);
  if (!Array.isArray(inputs)) fail("gradcheck", `inputs must be an array, got ${describe(inputs)}`);
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  const xs = inputs.map((x, i) => toF64(F.asTensor("gradcheck", x, `input ${i}`)));
  const orig = inputs.map((x) => (x instanceof Tensor ? x : null));
  const wrt =
    opts.wrt ??
    (orig.some((x) => x?.requiresGrad) ? orig.flatMap((x, i) => (x?.requiresGrad ? [i] : [])) : xs.map((_, i) => i));
  const evalAt = (vals: Tensor[]) => noGrad(() => f(...vals));
  const y0 = evalAt(xs);
  if (!(y0 instanceof Tensor)) fail("gradcheck", `the function must return a Tensor, got ${describe(y0)}`);

  const reports: GradcheckInputReport[] = [];
  if (!opts.adjointOnly) {
    for (const i of wrt) {
      const x = xs[i];
      const analytical = jacobian((...vals: Tensor[]) => f(...vals), i)(...xs);
      const num = new Float64Array(y0.size * x.size);
      for (let j = 0; j < x.size; j++) {
        const plus = Float64Array.from(x.data);
        const minus = Float64Array.from(x.data);
        plus[j] += eps;
        minus[j] -= eps;
        const at = (d: Float64Array) => evalAt(xs.map((v, k) => (k === i ? new Tensor(d, x.shape) : v)));
        const yp = at(plus).data;
        const ym = at(minus).data;
        for (let o = 0; o < y0.size; o++) num[o * x.size + j] = (yp[o] - ym[o]) / (2 * eps);
      }
      const numerical = new Tensor(num, analytical.shape);
      let maxAbs = 0;
      let maxRel = 0;
      let worst: number[] | null = null;
      let pass = true;
      let worstExcess = -Infinity;
      for (let k = 0; k < num.length; k++) {
        const a = analytical.data[k];
        const n = num[k];
        const err = Math.abs(a - n);
        const rel = err / Math.max(Math.abs(n), 1e-300);
        if (!(err <= atol + rtol * Math.abs(n))) pass = false;
        if (err > maxAbs || Number.isNaN(err)) maxAbs = Number.isNaN(err) ? NaN : err;
        if (Math.abs(n) > atol && rel > maxRel) maxRel = rel;
        const excess = Number.isNaN(err) ? Infinity : err - (atol + rtol * Math.abs(n));
        if (excess > worstExcess) {
          worstExcess = excess;
          worst = indexOf(k, analytical.shape);
        }
      }
      reports.push({
        name: xs[i].name,
        shape: x.shape.slice(),
        analytical,
        numerical,
        maxAbsErr: maxAbs,
        maxRelErr: maxRel,
        worst,
        pass,
      });
    }
  }

  // Adjoint test along random directions u (inputs) and v (output).
  const rng = new Rng(opts.seed ?? 0);
  const us = xs.map((x, i) =>
    wrt.includes(i) ? Float64Array.from({ length: x.size }, () => rng.normal()) : new Float64Array(x.size),
  );
  const v = Float64Array.from({ length: y0.size }, () => rng.normal());
  const shifted = (s: number) =>
    evalAt(
      xs.map(
        (x, i) =>
          new Tensor(
            Float64Array.from(x.data, (d, k) => d + s * us[i][k]),
            x.shape,
          ),
      ),
    ).data;
  const yp = shifted(eps);
  const ym = shifted(-eps);
  let lhs = 0;
  for (let o = 0; o < y0.size; o++) lhs += v[o] * ((yp[o] - ym[o]) / (2 * eps));
  const [, back] = vjp((...vals: Tensor[]) => f(...vals), ...xs);
  const gs = back(new Tensor(v, y0.shape));
  let rhs = 0;
  gs.forEach((g, i) => {
    for (let k = 0; k < g.size; k++) rhs += g.data[k] * us[i][k];
  });
  const adjErr = Math.abs(lhs - rhs);
  const adjoint = {
    lhs,
    rhs,
    relErr: adjErr / Math.max(Math.abs(lhs), Math.abs(rhs), 1e-300),
    pass: adjErr <= atol + rtol * Math.abs(lhs),
  };

  const maxAbsErr = reports.reduce((m, r) => (Number.isNaN(r.maxAbsErr) ? NaN : Math.max(m, r.maxAbsErr)), 0);
  const maxRelErr = reports.reduce((m, r) => Math.max(m, r.maxRelErr), 0);
  return {
    pass: reports.every((r) => r.pass) && adjoint.pass,
    maxAbsErr,
    maxRelErr,
    inputs: reports,
    adjoint,
    eps,
    atol,
    rtol,
  };
}
