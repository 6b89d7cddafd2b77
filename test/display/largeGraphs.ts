/**
 * Graphs at real size, built one way for every suite that needs them (graph payloads, budgets,
 * path search, and the browser test that draws them): a long chain that folds, a deep MLP that
 * does not, and an unrolled RNN whose step body folds around shared weights.
 */
import { randn, tensor, type Tensor } from "../../kernel/src/index";

/**
 * `h = h.mul(1.01).add(0.01).tanh()`, `steps` times (3 ops a step, one path from x): the "300-op
 * chain" at 100 steps. x has `size` elements drawn with `seed`.
 */
export function tanhChain(steps: number, { size = 4, seed = 1 } = {}): { x: Tensor; L: Tensor } {
  const x = randn([size], { requiresGrad: true, seed }).named("x");
  let h = x;
  for (let i = 0; i < steps; i++) h = h.mul(1.01).add(0.01).tanh();
  return { x, L: h.sum().named("L") };
}

/**
 * A deep MLP with its own weight per layer, so nothing repeats structurally (~5 ops a layer):
 * h = tanh(h W_l + l / layers) from X [2, 8]. `weightScale` records each W as randn * scale (one
 * more op a layer); without it W is the leaf itself.
 */
export function deepMlp(layers: number, weightScale?: number): { params: Tensor[]; L: Tensor } {
  const params: Tensor[] = [];
  let h: Tensor = randn([2, 8], { seed: 3 }).named("X");
  for (let l = 0; l < layers; l++) {
    const w = randn([8, 8], { requiresGrad: true, seed: 10 + l });
    const W = (weightScale === undefined ? w : w.mul(weightScale)).named(`W${l}`);
    params.push(W);
    h = h
      .matmul(W)
      .add(l / layers)
      .tanh();
  }
  return { params, L: h.square().sum().named("L") };
}

/**
 * An RNN unrolled `steps` steps, h = tanh(W h + U x_t) with L = sum_t sum(h_t^2). W is itself
 * computed (randn * wScale), so it is shared by identity, not by being a parameter.
 */
export function unrolledRnn(steps: number, wScale: number): Tensor {
  const W = randn([8, 8], { requiresGrad: true, seed: 1 }).mul(wScale).named("W");
  const U = randn([8, 3], { requiresGrad: true, seed: 2 }).named("U");
  let h = tensor(new Array(8).fill(0));
  let loss = tensor(0);
  for (let t = 0; t < steps; t++) {
    h = W.matmul(h)
      .add(U.matmul(randn([3], { seed: 10 + t })))
      .tanh();
    loss = loss.add(h.square().sum());
  }
  return loss.named("L");
}
