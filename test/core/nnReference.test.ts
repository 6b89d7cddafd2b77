// Cross-check of convolution, pooling and normalization against an independent float64
// reference (test/core/reference/nn_reference.py: plain loops from the definitions, numpy only,
// run by the project's .venv Python). Forward values and gradients for a random upstream G,
// over strides, padding, dilation and groups; agreement to 1e-12.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Tensor, randn, sum, mul, conv2d, maxPool2d, avgPool2d } from "../../kernel/src/index";
import * as extra from "../../kernel/src/index";

const root = join(__dirname, "..", "..");
const python = [join(root, ".venv", "bin", "python"), "python3"].find((p) => p === "python3" || existsSync(p))!;

interface RefResult {
  y: number[];
  shape: number[];
  dx: number[];
  dw?: number[];
  db?: number[];
  rm?: number[];
  rv?: number[];
}

function reference(cases: object[]): RefResult[] {
  const r = spawnSync(python, [join(__dirname, "reference", "nn_reference.py")], {
    input: JSON.stringify(cases),
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`reference failed (${python}): ${r.stderr}`);
  return JSON.parse(r.stdout) as RefResult[];
}

const nested = (t: Tensor) => t.toArray();
function expectClose(got: ArrayLike<number>, want: number[], what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++)
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  expect(worst, `${what}: worst relative difference`).toBeLessThanOrEqual(1e-12);
}

/** Runs f, then backward with upstream g; returns the output and the inputs' gradients. */
function withGrads(
  f: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  seed: number,
): { y: Tensor; g: Tensor; grads: Tensor[] } {
  const y = f(...inputs);
  const g = randn(y.shape.slice(), { seed });
  sum(mul(y, g)).backward();
  return { y, g, grads: inputs.map((t) => t.grad!) };
}

const convCases = [
  { x: [2, 3, 7, 6], w: [4, 3, 3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 },
  { x: [2, 4, 9, 8], w: [6, 2, 3, 2], stride: [2, 3], padding: [2, 1], dilation: [1, 2], groups: 2 },
  { x: [1, 6, 8, 8], w: [6, 1, 3, 3], stride: [2, 2], padding: [0, 3], dilation: [2, 1], groups: 6 },
  { x: [3, 2, 5, 5], w: [2, 2, 5, 5], stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 },
];

describe("conv2d against the float64 loop reference", () => {
  it.each(convCases.map((c, k) => [k, c] as const))("case %i: forward, dX and dW", (k, c) => {
    const x = randn(c.x, { seed: 10 + k, requiresGrad: true });
    const w = randn(c.w, { seed: 20 + k, requiresGrad: true });
    const opts = {
      stride: c.stride as [number, number],
      padding: c.padding as [number, number],
      dilation: c.dilation as [number, number],
      groups: c.groups,
    };
    const { y, g, grads } = withGrads((a, b) => conv2d(a, b, null, opts), [x, w], 30 + k);
    const [ref] = reference([{ ...c, kind: "conv2d", x: nested(x), w: nested(w), g: nested(g) }]);
    expect(y.shape).toEqual(ref.shape);
    expectClose(y.data, ref.y, "y");
    expectClose(grads[0].data, ref.dx, "dX");
    expectClose(grads[1].data, ref.dw!, "dW");
  });
});

const poolCases = [
  { kind: "max", x: [2, 3, 6, 6], kernel: [2, 2], stride: [2, 2], padding: [0, 0] },
  { kind: "max", x: [1, 2, 7, 5], kernel: [3, 2], stride: [2, 1], padding: [1, 1] },
  { kind: "avg", x: [2, 3, 6, 6], kernel: [2, 2], stride: [2, 2], padding: [0, 0] },
  { kind: "avg", x: [1, 2, 7, 5], kernel: [3, 3], stride: [2, 1], padding: [1, 1] },
];

describe("pooling against the float64 loop reference", () => {
  it.each(poolCases.map((c, k) => [k, c] as const))("case %i: forward and dX", (k, c) => {
    const x = randn(c.x, { seed: 40 + k, requiresGrad: true });
    const opts = {
      kernelSize: c.kernel as [number, number],
      stride: c.stride as [number, number],
      padding: c.padding as [number, number],
    };
    const f = c.kind === "max" ? (a: Tensor) => maxPool2d(a, opts) : (a: Tensor) => avgPool2d(a, opts);
    const { y, g, grads } = withGrads(f, [x], 50 + k);
    const [ref] = reference([{ ...c, x: nested(x), g: nested(g) }]);
    expect(y.shape).toEqual(ref.shape);
    expectClose(y.data, ref.y, "y");
    expectClose(grads[0].data, ref.dx, "dX");
  });
});

describe("conv and pool: bad input is a ChainlabError naming op, shapes and rule", () => {
  const x = randn([1, 4, 5, 5]);
  it.each([
    [
      "kernel larger than padded input",
      () => conv2d(x, randn([2, 4, 7, 7])),
      /conv2d.*kernel 7x7.*larger than the padded input 5x5.*\[1,4,5,5\]/,
    ],
    [
      "channels not divisible by groups",
      () => conv2d(x, randn([3, 2, 3, 3]), null, { groups: 2 }),
      /conv2d.*divide into 2 groups/,
    ],
    [
      "weight channels mismatch",
      () => conv2d(x, randn([2, 3, 3, 3])),
      /conv2d.*weight \[2,3,3,3\] expects 3 input channels.*\[1,4,5,5\] has 4/,
    ],
    ["stride 0", () => conv2d(x, randn([2, 4, 3, 3]), null, { stride: 0 }), /conv2d.*stride must be an integer >= 1/],
    [
      "negative padding",
      () => conv2d(x, randn([2, 4, 3, 3]), null, { padding: -1 }),
      /conv2d.*padding must be an integer >= 0/,
    ],
    ["bias of the wrong length", () => conv2d(x, randn([2, 4, 3, 3]), randn([3])), /conv2d.*bias must be \[2\]/],
    ["pool kernel larger than input", () => maxPool2d(x, { kernelSize: 6 }), /maxPool2d.*kernel 6x6 is larger/],
    [
      "pool padding over half the kernel",
      () => avgPool2d(x, { kernelSize: 2, padding: 2 }),
      /avgPool2d.*padding \[2,2\] must be at most half/,
    ],
    ["pool on rank 3", () => maxPool2d(randn([4, 5, 5]), { kernelSize: 2 }), /maxPool2d.*\[N, C, H, W\].*\[4,5,5\]/],
  ])("%s", (_name, f, re) => {
    expect(f).toThrow(extra.ChainlabError);
    expect(f).toThrow(re as RegExp);
  });
});

describe("layerNorm and batchNorm against the float64 reference", () => {
  it("layerNorm over the last two axes, with weight and bias", () => {
    const x = randn([3, 4, 5], { seed: 60, requiresGrad: true });
    const w = randn([4, 5], { seed: 61, requiresGrad: true });
    const b = randn([4, 5], { seed: 62, requiresGrad: true });
    const { y, g, grads } = withGrads(
      (a, ww, bb) => extra.layerNorm(a, [4, 5], { weight: ww, bias: bb, eps: 1e-5 }),
      [x, w, b],
      63,
    );
    const [ref] = reference([
      { kind: "norm", x: nested(x), g: nested(g), axes: [1, 2], eps: 1e-5, weight: [nested(w)], bias: [nested(b)] },
    ]);
    expectClose(y.data, ref.y, "y");
    expectClose(grads[0].data, ref.dx, "dX");
    expectClose(grads[1].data, ref.dw!, "dweight");
    expectClose(grads[2].data, ref.db!, "dbias");
  });
  it("batchNorm in training over N, H, W per channel", () => {
    const x = randn([4, 3, 2, 3], { seed: 70, requiresGrad: true });
    const w = randn([3], { seed: 71, requiresGrad: true });
    const b = randn([3], { seed: 72, requiresGrad: true });
    const { y, g, grads } = withGrads(
      (a, ww, bb) => extra.batchNorm(a, { weight: ww, bias: bb, training: true, eps: 1e-3 }),
      [x, w, b],
      73,
    );
    const full = (t: Tensor) => [t.toArray().map((v) => [[v]])];
    const [ref] = reference([
      { kind: "norm", x: nested(x), g: nested(g), axes: [0, 2, 3], eps: 1e-3, weight: full(w), bias: full(b) },
    ]);
    expectClose(y.data, ref.y, "y");
    expectClose(grads[0].data, ref.dx, "dX");
    expectClose(grads[1].data, ref.dw!, "dweight");
    expectClose(grads[2].data, ref.db!, "dbias");
  });
  it("batchNorm running statistics (momentum 0.3, unbiased variance) and eval mode with them", () => {
    const x = randn([5, 3, 2, 2], { seed: 80 });
    const x2 = randn([2, 3, 2, 2], { seed: 81 });
    const rm = randn([3], { seed: 82 });
    const rv = extra.add(extra.square(randn([3], { seed: 83 })), 0.5);
    const start = { runningMean: nested(rm), runningVar: nested(rv) };
    extra.batchNorm(x, { runningMean: rm, runningVar: rv, training: true, momentum: 0.3, eps: 1e-4 });
    const y = extra.batchNorm(x2, { runningMean: rm, runningVar: rv, training: false, eps: 1e-4 });
    const [ref] = reference([{ kind: "bn_running", x: nested(x), x2: nested(x2), momentum: 0.3, eps: 1e-4, ...start }]);
    expectClose(rm.data, ref.rm!, "running mean");
    expectClose(rv.data, ref.rv!, "running variance");
    expectClose(y.data, ref.y, "eval output");
  });
});
