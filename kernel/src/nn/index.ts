/**
 * nn/: small building blocks for notebooks (Linear, MLP). Layers run their ops inside a scope
 * ("Linear#2") so graph views can fold a layer into one box. Weights are [in, out] and a layer
 * computes x W + b, so the chain-rule display reads dL/dW = X^T G.
 */
import { fail } from "../errors";
import { Tensor } from "../tensor/Tensor";
import { randn, zeros } from "../tensor/creation";
import { describe } from "../tensor/shape";
import { withScope } from "../ops/mode";
import * as F from "../ops/functions";

export abstract class Module {
  abstract forward(x: Tensor): Tensor;
  abstract parameters(): Tensor[];
  /** Applies the module: `layer.call(x)`. */
  call(x: Tensor): Tensor {
    return this.forward(x);
  }
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }
}

export interface LinearOptions {
  bias?: boolean;
  seed?: number;
  /** Name prefix for W and b (default "L"): weights are named `${name}.W`, `${name}.b`. */
  name?: string;
  /** Initial weight scale: "he" (sqrt(2/in), for ReLU), "xavier" (sqrt(1/in)) or a number. */
  init?: "he" | "xavier" | number;
}

export class Linear extends Module {
  readonly W: Tensor;
  readonly b: Tensor | null;
  readonly name: string;
  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions = {}) {
    super();
    for (const [k, v] of [["inFeatures", inFeatures], ["outFeatures", outFeatures]] as const)
      if (!Number.isInteger(v) || (v as number) < 1) fail("Linear", `${k} must be a positive integer, got ${describe(v)}`);
    this.name = opts.name ?? "L";
    const scale = typeof opts.init === "number" ? opts.init : opts.init === "xavier" ? Math.sqrt(1 / inFeatures) : Math.sqrt(2 / inFeatures);
    const W = randn([inFeatures, outFeatures], { seed: opts.seed });
    for (let i = 0; i < W.data.length; i++) W.data[i] *= scale;
    W.requiresGrad = true;
    this.W = W.named(`${this.name}.W`);
    this.b = opts.bias === false ? null : zeros([outFeatures], { requiresGrad: true, name: `${this.name}.b` });
  }
  forward(x: Tensor): Tensor {
    return withScope(`Linear ${this.name}`, () => {
      const y = F.matmul(x, this.W);
      return this.b ? F.add(y, this.b) : y;
    });
  }
  parameters(): Tensor[] {
    return this.b ? [this.W, this.b] : [this.W];
  }
}

export type Activation = "relu" | "tanh" | "sigmoid";

/** Linear layers with an activation between them (none after the last). */
export class MLP extends Module {
  readonly layers: Linear[];
  readonly activation: Activation;
  constructor(sizes: number[], opts: { activation?: Activation; seed?: number; init?: LinearOptions["init"] } = {}) {
    super();
    if (!Array.isArray(sizes) || sizes.length < 2) fail("MLP", `sizes must list at least input and output widths, got ${describe(sizes)}`);
    this.activation = opts.activation ?? "relu";
    const init = opts.init ?? (this.activation === "relu" ? "he" : "xavier");
    this.layers = sizes.slice(1).map((n, i) => new Linear(sizes[i], n, { seed: opts.seed === undefined ? undefined : opts.seed + i, name: `L${i + 1}`, init }));
  }
  forward(x: Tensor): Tensor {
    let h = x;
    this.layers.forEach((layer, i) => {
      h = layer.call(h);
      if (i < this.layers.length - 1) h = F[this.activation](h);
    });
    return h;
  }
  parameters(): Tensor[] {
    return this.layers.flatMap((l) => l.parameters());
  }
}
