/**
 * test/display/: unit tests of the display layer (payload builders, fallbacks, show.*, live
 * handles, layout) on real library tensors, and the writer of the kernel's contract fixtures
 * in test/fixtures/payloads. Protocol-level behaviour is tested through a real kernel in test/kernel.
 *
 * This file: worked example 2 of chain-rule.md (dL/dW = g x^T) through the real chain-rule engine.
 */
import { expandChain, tensor } from "../../kernel/src/index";
import type { ChainPayload } from "../../kernel/src/protocol/chain";

export function example2() {
  const W = tensor(
    [
      [0.5, -1, 2],
      [1.5, 0.25, -0.5],
    ],
    { requiresGrad: true, name: "W" },
  );
  const x = tensor([1, 2, -1], { name: "x" });
  const t = tensor([0.5, -0.5], { name: "t" });
  const y = W.matmul(x).named("y");
  const L = y.sub(t).square().sum().mul(0.5).named("L");
  L.backward();
  return { W, x, t, y, L };
}

export function chainExample2(): ChainPayload {
  const { W, L } = example2();
  return expandChain(L, W, { at: [1, 2] });
}
