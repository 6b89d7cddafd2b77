/**
 * test/display/: unit tests of the display layer (payload builders, fallbacks, show.*, live
 * handles, layout) on real library tensors, and the writer of the kernel's contract fixtures
 * in test/fixtures/payloads. Protocol-level behaviour is tested through a real kernel in test/kernel.
 *
 * This file: the ChainPayload of worked example 2 (dL/dW = g x^T) assembled from real tensors,
 * standing in for the symbolic engine's expandChain output until that engine exists.
 */
import { tensor } from "../../kernel/src/index";
import type { ChainPayload } from "../../kernel/src/protocol/chain";

export function chainExample2(): ChainPayload {
  const W = tensor([[0.5, -1, 2], [1.5, 0.25, -0.5]], { requiresGrad: true, name: "W" });
  const x = tensor([1, 2, -1], { name: "x" });
  const t = tensor([0.5, -0.5], { name: "t" });
  const y = W.matmul(x).named("y");
  y.retainGrad();
  const L = y.sub(t).square().sum().mul(0.5).named("L");
  L.backward();
  const g = y.grad!.toArray() as number[];
  const xs = x.toArray() as number[];
  const at = [1, 2];
  const [i, j] = at;
  const terms = g.map((gk, k) => ({
    indices: { k },
    factors: [
      { text: `g_${k}`, latex: `g_{${k}}`, value: gk },
      { text: `δ_${k}${i}`, latex: `\\delta_{${k}${i}}`, value: k === i ? 1 : 0 },
      { text: `x_${j}`, latex: `x_{${j}}`, value: xs[j] },
    ],
    value: k === i ? gk * xs[j] : 0,
    zero: k !== i,
  }));
  const autodiff = (W.grad!.toArray() as number[][])[i][j];
  const lossAt = (delta: number) => {
    const w = W.toArray() as number[][];
    w[i][j] += delta;
    return tensor(w).matmul(x).sub(t).square().sum().mul(0.5).item();
  };
  const eps = 1e-6;
  const finiteDiff = (lossAt(eps) - lossAt(-eps)) / (2 * eps);
  const total = terms.reduce((s, term) => s + term.value, 0);
  return {
    version: 1,
    kind: "chain",
    output: { name: "L", shape: [] },
    param: { name: "W", shape: [2, 3] },
    paths: [
      {
        nodes: ["W", "y", "L"],
        steps: [
          {
            op: "matmul",
            from: "W",
            to: "y",
            fromShape: [2, 3],
            toShape: [2],
            general: { latex: "\\frac{\\partial L}{\\partial W_{ij}} = \\sum_{k} \\frac{\\partial L}{\\partial y_{k}} \\frac{\\partial y_{k}}{\\partial W_{ij}}", text: "dL/dW_ij = sum_k dL/dy_k dy_k/dW_ij" },
            local: { latex: "\\frac{\\partial y_{k}}{\\partial W_{ij}} = \\delta_{ki} x_{j}", text: "dy_k/dW_ij = delta_ki x_j" },
            indexForm: { latex: "\\frac{\\partial L}{\\partial W_{ij}} = \\sum_{k} g_{k} \\delta_{ki} x_{j}", text: "dL/dW_ij = sum_k g_k delta_ki x_j" },
            collapsed: { latex: "\\frac{\\partial L}{\\partial W_{ij}} = g_{i} x_{j}", text: "dL/dW_ij = g_i x_j" },
            renamed: ["k := i"],
            compact: { latex: "\\frac{\\partial L}{\\partial W} = g x^{\\top}", text: "dL/dW = g x^T" },
          },
        ],
        contributions: { intermediate: "y", shape: [2], values: terms.map((term) => term.value) },
      },
    ],
    numeric: {
      at,
      terms,
      total,
      autodiff,
      finiteDiff,
      relErrAutodiff: Math.abs(total - autodiff) / Math.max(1e-300, Math.abs(autodiff)),
      relErrFiniteDiff: Math.abs(total - finiteDiff) / Math.max(1e-300, Math.abs(finiteDiff)),
      pass: Math.abs(total - autodiff) < 1e-12 && Math.abs(total - finiteDiff) < 1e-6,
    },
  };
}
