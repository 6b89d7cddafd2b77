/**
 * optim/: optimisers that update parameters in place from their `.grad` (PyTorch style):
 * `opt.zeroGrad(); loss.backward(); opt.step();`.
 */
import { fail } from "../errors";
import type { Storage, Tensor } from "../tensor/Tensor";
import { alloc } from "../tensor/storage";
import { describe } from "../tensor/shape";

abstract class Optimizer {
  readonly params: Tensor[];
  constructor(op: string, params: Tensor[]) {
    if (!Array.isArray(params) || params.length === 0)
      fail(op, `expected a non-empty list of parameters, got ${describe(params)}`);
    for (const p of params)
      if (!p || !p.requiresGrad || p.node !== null)
        fail(op, "every parameter must be a leaf tensor with requiresGrad: true");
    this.params = params;
  }
  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }
  abstract step(): void;
}

export class SGD extends Optimizer {
  readonly lr: number;
  readonly momentum: number;
  /** Momentum buffers (each in its parameter's dtype); none when momentum is 0. */
  private velocity: Storage[] | null;
  constructor(params: Tensor[], opts: { lr: number; momentum?: number }) {
    super("SGD", params);
    if (!opts || typeof opts.lr !== "number" || !(opts.lr > 0))
      fail("SGD", `lr must be a positive number, got ${describe(opts?.lr)}`);
    this.lr = opts.lr;
    this.momentum = opts.momentum ?? 0;
    if (typeof this.momentum !== "number" || !(this.momentum >= 0))
      fail("SGD", `momentum must be a number >= 0, got ${describe(opts.momentum)}`);
    this.velocity = this.momentum === 0 ? null : params.map((p) => alloc(p.size, p.dtype));
  }
  step(): void {
    const lr = this.lr,
      mu = this.momentum;
    for (let k = 0; k < this.params.length; k++) {
      const p = this.params[k];
      const g = p.grad;
      if (!g) continue;
      const w = p.data,
        gd = g.data,
        n = w.length;
      if (this.velocity === null) {
        for (let i = 0; i < n; i++) w[i] -= lr * gd[i];
        continue;
      }
      const v = this.velocity[k];
      // w -= lr v with v as stored (in the parameter's dtype), as PyTorch's buffer
      for (let i = 0; i < n; i++) {
        v[i] = mu * v[i] + gd[i];
        w[i] -= lr * v[i];
      }
    }
  }
}

export class Adam extends Optimizer {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  private t = 0;
  /** First and second moment estimates, each in its parameter's dtype. */
  private m: Storage[];
  private v: Storage[];
  constructor(params: Tensor[], opts: { lr?: number; betas?: [number, number]; eps?: number } = {}) {
    super("Adam", params);
    this.lr = opts.lr ?? 1e-3;
    if (!(this.lr > 0)) fail("Adam", `lr must be a positive number, got ${describe(opts.lr)}`);
    [this.beta1, this.beta2] = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.m = params.map((p) => alloc(p.size, p.dtype));
    this.v = params.map((p) => alloc(p.size, p.dtype));
  }
  step(): void {
    this.t++;
    const c1 = 1 - Math.pow(this.beta1, this.t);
    const c2 = 1 - Math.pow(this.beta2, this.t);
    const b1 = this.beta1,
      b2 = this.beta2,
      lr = this.lr,
      eps = this.eps;
    for (let k = 0; k < this.params.length; k++) {
      const p = this.params[k];
      const g = p.grad;
      if (!g) continue;
      const m = this.m[k],
        v = this.v[k],
        w = p.data,
        gd = g.data,
        n = w.length;
      for (let i = 0; i < n; i++) {
        const gi = gd[i];
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        w[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
      }
    }
  }
}
