/**
 * nn/: building blocks for notebooks (Linear, MLP here; conv, pooling, norms, dropout, embedding,
 * attention in layers.ts). Layers run their ops inside a scope ("Linear#2") so graph views can
 * fold a layer into one box. Weights are [in, out] and a layer
 * computes x W + b, so the chain-rule display reads dL/dW = X^T G.
 */
import { fail } from "../errors";
import type { Tensor } from "../tensor/Tensor";
import { describe } from "../tensor/shape";
import * as F from "../ops/functions";

import { Module } from "./Module";
import { Linear, type LinearOptions } from "./Linear";

export { Module, Linear };
export type { LinearOptions };

export type Activation = "relu" | "tanh" | "sigmoid";

/** Linear layers with an activation between them (none after the last). */
export class MLP extends Module {
  readonly layers: Linear[];
  readonly activation: Activation;
  constructor(sizes: number[], opts: { activation?: Activation; seed?: number; init?: LinearOptions["init"] } = {}) {
    super();
    if (!Array.isArray(sizes) || sizes.length < 2)
      fail("MLP", `sizes must list at least input and output widths, got ${describe(sizes)}`);
    this.activation = opts.activation ?? "relu";
    const init = opts.init ?? (this.activation === "relu" ? "he" : "xavier");
    this.layers = sizes.slice(1).map(
      (n, i) =>
        new Linear(sizes[i], n, {
          seed: opts.seed === undefined ? undefined : opts.seed + i,
          name: `L${i + 1}`,
          init,
        }),
    );
  }
  forward(x: Tensor): Tensor {
    let h = x;
    this.layers.forEach((layer, i) => {
      h = layer.call(h);
      if (i < this.layers.length - 1) h = F[this.activation](h);
    });
    return h;
  }
  override children(): [string, Module][] {
    return this.layers.map((l, i) => [String(i), l]);
  }
}

export {
  Conv2d,
  MaxPool2d,
  AvgPool2d,
  LayerNorm,
  BatchNorm1d,
  BatchNorm2d,
  Dropout,
  Embedding,
  Sequential,
  Flatten,
  MultiheadAttention,
  ReLU,
} from "./layers";
export type { Conv2dLayerOptions } from "./layers";
