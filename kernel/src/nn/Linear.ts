import { fail } from "../errors";
import type { Tensor } from "../tensor/Tensor";
import { randn, zeros } from "../tensor/creation";
import { describe } from "../tensor/shape";
import { withScope } from "../ops/mode";
import * as F from "../ops/functions";
import { Module } from "./Module";

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
    for (const [k, v] of [
      ["inFeatures", inFeatures],
      ["outFeatures", outFeatures],
    ] as const)
      if (!Number.isInteger(v) || (v as number) < 1)
        fail("Linear", `${k} must be a positive integer, got ${describe(v)}`);
    this.name = opts.name ?? "L";
    const scale =
      typeof opts.init === "number"
        ? opts.init
        : opts.init === "xavier"
          ? Math.sqrt(1 / inFeatures)
          : Math.sqrt(2 / inFeatures);
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
  override ownParameters(): [string, Tensor][] {
    return this.b
      ? [
          ["W", this.W],
          ["b", this.b],
        ]
      : [["W", this.W]];
  }
}
