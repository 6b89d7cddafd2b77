/**
 * symbolic/verify/: the numbers that prove an expansion (it builds no expression, so chain/
 * imports it and not the other way). The numbers behind each sum: the upstream gradient along a path (each op's vjp, as reverse
 * mode runs it), the terms of an index-form sum evaluated by brute force over every index of
 * the intermediate, and central finite differences from replaying the recorded graph.
 */
import { Tensor } from "../../tensor/Tensor";
import type { RuleContext } from "../../ops/OpDef";
import { numericAlgebra } from "../../ops/numericAlgebra";
import { noGrad } from "../../ops/mode";
import { evalIndexExpr, type IndexExpr, type IndexEnv } from "../../ops/IndexExpr";
import type { Path } from "../../autodiff/trace";

// Offset <-> index live with the other shape helpers; re-exported for this folder's callers.
export { indexOf, offsetOf } from "../../tensor/shape";

/** The rule's result for one input, summed back to the input's shape (as backward does). */
export function vjpOne(out: Tensor, argnum: number, g: Tensor): Tensor {
  const node = out.node!;
  const ctx: RuleContext<Tensor> = {
    inputs: node.inputs,
    out,
    attrs: node.attrs,
    shapes: node.inputs.map((t) => t.shape),
    outShape: out.shape,
  };
  return noGrad(() => {
    const gi = node.op.vjp(g, ctx, numericAlgebra)[argnum];
    if (!gi) throw new Error(`${node.op.name} gives no gradient for input ${argnum}`);
    return numericAlgebra.sumTo(gi, node.inputs[argnum].shape.slice());
  });
}

/**
 * Gradients along one path only (the other uses of shared tensors left out): the part of
 * dL/dt that flows through this path, for every tensor t on it, keyed by tensor id.
 */
export function pathGradients(path: Path, seed: Tensor): Map<number, Tensor> {
  const res = new Map<number, Tensor>();
  let g = seed;
  res.set(path[path.length - 1].out.id, g);
  for (let e = path.length - 1; e >= 0; e--) {
    g = vjpOne(path[e].out, path[e].argnum, g);
    res.set(path[e].input.id, g);
  }
  return res;
}

function perturbed(x: Tensor, off: number, h: number): Tensor {
  const d = x.data.slice();
  d[off] += h;
  return new Tensor(d as Float64Array, x.shape);
}

/** L (element `outOff`) recomputed with x replaced everywhere by `x2`; `order` is L's traced graph. */
export function replay(order: readonly Tensor[], L: Tensor, x: Tensor, x2: Tensor, outOff: number): number {
  const vals = new Map<number, Tensor>();
  vals.set(x.id, x2);
  noGrad(() => {
    for (const t of order) {
      if (!t.node || t === x) continue;
      const ins = t.node.inputs.map((u) => vals.get(u.id) ?? u);
      if (!ins.some((u, i) => u !== t.node!.inputs[i])) continue;
      const r = t.node.op.forward(ins, t.node.attrs);
      vals.set(t.id, new Tensor(r.data, r.shape));
    }
  });
  return (vals.get(L.id) ?? L).data[outOff];
}

/** L recomputed along one path only: each op sees the perturbed value at its on-path input. */
export function replayPath(path: Path, x2: Tensor, outOff: number): number {
  let v = x2;
  noGrad(() => {
    for (const e of path) {
      const node = e.out.node!;
      const ins = node.inputs.map((u, i) => (i === e.argnum ? v : u));
      const r = node.op.forward(ins, node.attrs);
      v = new Tensor(r.data, r.shape);
    }
  });
  return v.data[outOff];
}

/** Central difference of f at x[off] with a step scaled to the value. */
export function centralDifference(x: Tensor, off: number, f: (x2: Tensor) => number, step = 1e-5): number {
  const h = step * Math.max(1, Math.abs(x.data[off]));
  return (f(perturbed(x, off, h)) - f(perturbed(x, off, -h))) / (2 * h);
}

/** A finite-difference estimate and how far it may be from the true derivative. */
export interface FiniteDiff {
  value: number;
  /** Estimated error bound: truncation (from two step sizes) plus rounding. */
  error: number;
  /** The step finally used (smaller than asked for near a domain boundary). */
  step: number;
}

/**
 * dL/dx[off] by central differences, honest about its own error. The step is scaled to the
 * input (step * max(1, |x|)) and shrinks while a side leaves f's domain (log at x - h <= 0,
 * BCE at p + h >= 1 give NaN or Infinity). Two steps h and h/2 give D1, D2; Richardson's
 * (4 D2 - D1) / 3 cancels the h^2 term, and |D2 - D1| bounds the truncation error left. The
 * rounding error of each difference is about eps |f| / h. Near a singularity (log x at
 * x = 1e-3) the fixed-step difference is off by (h/x)^2/3 ~ 3e-5 relative; this one is not.
 */
export function finiteDiff(
  x: Tensor,
  off: number,
  f: (x2: Tensor) => number,
  step = 1e-5,
  eps = Number.EPSILON,
): FiniteDiff {
  let h = step * Math.max(1, Math.abs(x.data[off]));
  let fp = f(perturbed(x, off, h));
  let fm = f(perturbed(x, off, -h));
  for (let t = 0; t < 40 && !(Number.isFinite(fp) && Number.isFinite(fm)); t++) {
    h /= 4;
    fp = f(perturbed(x, off, h));
    fm = f(perturbed(x, off, -h));
  }
  if (!(Number.isFinite(fp) && Number.isFinite(fm))) return { value: NaN, error: Infinity, step: h };
  const fp2 = f(perturbed(x, off, h / 2));
  const fm2 = f(perturbed(x, off, -h / 2));
  const d1 = (fp - fm) / (2 * h);
  const d2 = (fp2 - fm2) / h;
  const value = (4 * d2 - d1) / 3;
  const rounding = (4 * eps * Math.max(Math.abs(fp), Math.abs(fm), Math.abs(fp2), Math.abs(fm2))) / h;
  const e1 = Math.abs(d2 - d1);
  if (e1 > 10 * rounding) {
    // Truncation is visible: is it the h^2 law (D(2h) - D(h) ~ 4 (D(h) - D(h/2)))? A kink or
    // jump inside the step breaks it, and then no step size makes the difference trustworthy.
    const f2p = f(perturbed(x, off, 2 * h));
    const f2m = f(perturbed(x, off, -2 * h));
    if (Number.isFinite(f2p) && Number.isFinite(f2m)) {
      const e2 = Math.abs((f2p - f2m) / (4 * h) - d1);
      if (e2 < 2 * e1 || e2 > 8 * e1) return { value, error: Infinity, step: h };
    }
  }
  return { value, error: e1 / 3 + rounding, step: h };
}

export type FdVerdict = "pass" | "fail" | "inconclusive";

/**
 * Does `total` agree with a finite difference? Pass: within `tol` relative to `scale`, or
 * within twice the difference's own error bound while that bound is small (below 1e-3 of the
 * scale). When the bound is larger and covers the disagreement, differences cannot decide:
 * inconclusive (never a red mark for a result they cannot judge). Otherwise fail.
 */
export function fdVerdict(total: number, fd: FiniteDiff, scale: number, tol: number): FdVerdict {
  const s = Math.max(scale, Math.abs(total), Math.abs(fd.value), Number.MIN_VALUE);
  if (!Number.isFinite(fd.value)) return "inconclusive";
  const diff = Math.abs(total - fd.value);
  const meaningful = fd.error <= 1e-3 * s;
  if (diff <= tol * s || (meaningful && diff <= 2 * fd.error)) return "pass";
  return !meaningful && diff <= 2 * fd.error ? "inconclusive" : "fail";
}

/**
 * The scale a finite difference is judged against. A central difference of L carries rounding
 * error of about eps |L| / step (~1e-10 |L| for step 1e-6), so a gradient that cancels to ~0
 * must be compared on the scale of L itself, not its own (vanishing) size.
 */
export function finiteDiffScale(termScale: number, outValue: number): number {
  return Math.max(termScale, 1e-3 * Math.max(1, Math.abs(outValue)));
}

/** |a - b| relative to the larger of |a|, |b| and `scale` (the size of the summed terms). */
export function relErr(a: number, b: number, scale = 0): number {
  const d = Math.abs(a - b);
  if (d === 0) return 0;
  return d / Math.max(Math.abs(a), Math.abs(b), scale, Number.MIN_VALUE);
}

export interface TermValues {
  /** Value of G_J * local(J, I) for every J (row-major over the intermediate). */
  values: Float64Array;
  /** Killed by a delta (structurally zero). */
  killed: Uint8Array;
  total: number;
  sumAbs: number;
}

/**
 * Brute force over every index J of the intermediate: the value of each term of
 * sum_J factors(J, I), with I already bound in env.idx. Delta factors are checked first, so a
 * killed term never reads out of range.
 */
export function termValues(
  factors: IndexExpr[],
  Jnames: string[],
  Jshape: readonly number[],
  env: IndexEnv,
): TermValues {
  const n = Jshape.reduce((p, d) => p * d, 1);
  const values = new Float64Array(n);
  const killed = new Uint8Array(n);
  const deltas = factors.filter((f) => f.k === "delta");
  const others = factors.filter((f) => f.k !== "delta");
  const ctr = new Array<number>(Jshape.length).fill(0);
  Jnames.forEach((j) => env.idx.set(j, 0));
  let total = 0;
  let sumAbs = 0;
  for (let o = 0; o < n; o++) {
    let dead = false;
    for (const d of deltas) {
      if (evalIndexExpr(d, env) === 0) {
        dead = true;
        break;
      }
    }
    if (dead) killed[o] = 1;
    else {
      let v = 1;
      for (const f of others) v *= evalIndexExpr(f, env);
      // -0 would not survive JSON (the payload must round-trip exactly).
      v += 0;
      values[o] = v;
      total += v;
      sumAbs += Math.abs(v);
    }
    for (let a = Jshape.length - 1; a >= 0; a--) {
      if (++ctr[a] < Jshape[a]) {
        env.idx.set(Jnames[a], ctr[a]);
        break;
      }
      ctr[a] = 0;
      env.idx.set(Jnames[a], 0);
    }
  }
  return { values, killed, total, sumAbs };
}
