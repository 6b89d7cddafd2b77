import type { Tensor } from "../tensor/Tensor";

/** The base of every layer: forward, parameters with PyTorch-style dotted names, train/eval. */
export abstract class Module {
  /** Training mode (batch statistics, dropout on); eval() turns it off, as in PyTorch. */
  training = true;
  abstract forward(x: Tensor): Tensor;
  /** This module's own parameters by attribute name (children's are added by namedParameters). */
  ownParameters(): [string, Tensor][] {
    return [];
  }
  /** Sub-modules by name, in order. */
  children(): [string, Module][] {
    return [];
  }
  /** Every parameter with its dotted path ("0.weight", "attn.outProj.W"), as PyTorch's named_parameters. */
  namedParameters(prefix = ""): [string, Tensor][] {
    const own = this.ownParameters().map(([n, t]): [string, Tensor] => [prefix + n, t]);
    return [...own, ...this.children().flatMap(([n, m]) => m.namedParameters(`${prefix}${n}.`))];
  }
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }
  /** Sets training mode here and in every sub-module; returns this. */
  train(mode = true): this {
    this.training = mode;
    for (const [, m] of this.children()) m.train(mode);
    return this;
  }
  /** Eval mode: running statistics in batch norm, no dropout. */
  eval(): this {
    return this.train(false);
  }
  /** Applies the module: `layer.call(x)`. */
  call(x: Tensor): Tensor {
    return this.forward(x);
  }
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }
}
