/**
 * Test-domain helpers: each op's `samples` draws inputs of rank 0 to 4, including
 * broadcasting pairs (size-1 axes, rank promotion), from a seeded generator.
 */
import { Tensor } from "../tensor/Tensor";
import { Rng } from "../tensor/random";
import { sizeOf } from "../tensor/shape";

export const UNARY_SHAPES: number[][] = [[], [4], [2, 3], [2, 1, 3], [2, 2, 1, 2]];
export const BINARY_SHAPES: [number[], number[]][] = [
  [[], []],
  [[3], [3]],
  [
    [2, 3],
    [2, 3],
  ],
  [[2, 3], [3]],
  [
    [2, 1],
    [1, 3],
  ],
  [[], [2, 2]],
  [[2, 3, 1], [4]],
  [
    [2, 1, 2, 2],
    [3, 1, 2],
  ],
];

/** A leaf requiring grad with values uniform in [lo, hi), optionally kept |x| >= gap from 0. */
export function uniform(shape: number[], rng: Rng, lo = -2, hi = 2, gap = 0): Tensor {
  const n = sizeOf(shape);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v = lo + (hi - lo) * rng.uniform();
    if (gap > 0 && Math.abs(v) < gap) v = v < 0 ? -gap - Math.abs(v) : gap + v;
    d[i] = v;
  }
  return new Tensor(d, shape, { requiresGrad: true });
}

/** A constant (no grad) leaf of integers in [0, n). */
export function integers(shape: number[], rng: Rng, n: number): Tensor {
  const size = sizeOf(shape);
  const d = new Float64Array(size);
  for (let i = 0; i < size; i++) d[i] = Math.floor(rng.uniform() * n);
  return new Tensor(d, shape);
}

export function rngOf(seed: number): Rng {
  return new Rng(seed);
}
