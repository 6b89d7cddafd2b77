// W4: the chain-rule expansion engine (symbolic/chain/expandChain) for dL/dW1 of a 3-layer MLP
// (batch 32, widths 64, ReLU, 10 classes, cross-entropy), with its numeric instantiation
// (each term evaluated, reverse mode and a finite difference). The graph is built once; the
// timed call is expandChain alone. Returns null while the engine is absent from the build.
import { createRequire } from "node:module";
import { uniformArray, labels } from "./data.mjs";
const require = createRequire(import.meta.url);

export function w4(cl) {
  let mod;
  for (const p of ["../kernel/lib/symbolic/chain/expandChain.js", "../kernel/lib/symbolic/index.js"]) {
    try {
      mod = require(p);
      if (typeof mod.expandChain === "function") break;
    } catch {
      mod = undefined;
    }
  }
  if (!mod || typeof mod.expandChain !== "function") return null;
  const mlp = new cl.nn.MLP([64, 64, 64, 10], { seed: 3 });
  const X = new cl.Tensor(uniformArray(32 * 64, 21), [32, 64]).named("X");
  const y = new cl.Tensor(labels(32, 10, 22), [32]).named("y");
  const L = cl.crossEntropy(mlp.call(X), y).named("L");
  const W1 = mlp.layers[0].W;
  return () => mod.expandChain(L, W1);
}
