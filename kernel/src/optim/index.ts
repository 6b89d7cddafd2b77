/**
 * optim/: optimisers that update parameters in place from their `.grad` (PyTorch style):
 * `opt.zeroGrad(); loss.backward(); opt.step();`.
 */
import { fail } from "../errors";
import type { Tensor } from "../tensor/Tensor";
import { describe } from "../tensor/shape";

abstract class Optimizer {
  readonly params: Tensor[];
  constructor(op: string, params: Tensor[]) {
    if (!Array.isArray(params) || params.length === 0) fail(op, `expected a non-empty list of parameters, got ${describe(params)}`);
    for (const p of params) if (!p || !p.requiresGrad || p.node !== null) fail(op, "every parameter must be a leaf tensor with requiresGrad: true");
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
  private velocity: Float64Array[];
  constructor(params: Tensor[], opts: { lr: number; momentum?: number }) {
    super("SGD", params);
    if (!opts || typeof opts.lr !== "number" || !(opts.lr > 0)) fail("SGD", `lr must be a positive number, got ${describe(opts?.lr)}`);
    this.lr = opts.lr;
    this.momentum = opts.momentum ?? 0;
    this.velocity = params.map((p) => new Float64Array(p.size));
  }
  step(): void {
    this.params.forEach((p, k) => {
      const g = p.grad;
      if (!g) return;
      const v = this.velocity[k];
      for (let i = 0; i < p.size; i++) {
        v[i] = this.momentum * v[i] + g.data[i];
        p.data[i] -= this.lr * v[i];
      }
    });
  }
}

export class Adam extends Optimizer {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  private t = 0;
  private m: Float64Array[];
  private v: Float64Array[];
  constructor(params: Tensor[], opts: { lr?: number; betas?: [number, number]; eps?: number } = {}) {
    super("Adam", params);
    this.lr = opts.lr ?? 1e-3;
    if (!(this.lr > 0)) fail("Adam", `lr must be a positive number, got ${describe(opts.lr)}`);
    [this.beta1, this.beta2] = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.m = params.map((p) => new Float64Array(p.size));
    this.v = params.map((p) => new Float64Array(p.size));
  }
  step(): void {
    this.t++;
    const c1 = 1 - Math.pow(this.beta1, this.t);
    const c2 = 1 - Math.pow(this.beta2, this.t);
    this.params.forEach((p, k) => {
      const g = p.grad;
      if (!g) return;
      const m = this.m[k];
      const v = this.v[k];
      for (let i = 0; i < p.size; i++) {
        m[i] = this.beta1 * m[i] + (1 - this.beta1) * g.data[i];
        v[i] = this.beta2 * v[i] + (1 - this.beta2) * g.data[i] * g.data[i];
        p.data[i] -= (this.lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + this.eps);
      }
    });
  }
}
