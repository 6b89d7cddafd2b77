// Matrix products on worker threads (setNumThreads): the same numbers as on one thread, for
// both dtypes, transposed operands (backward) and sizes that split unevenly; and the workers
// really take part. No timing here (speed-up is measured by npm run bench).
import { afterAll, describe, expect, it } from "vitest";
import { Tensor, matmul, sum, setNumThreads, getNumThreads } from "../../kernel/src/index";
import { threadCounters } from "../../kernel/src/tensor/kernels/threads";
import { gemm } from "../../kernel/src/tensor/kernels/gemm";
import { Rng } from "../../kernel/src/tensor/random";

const rng = new Rng(2);
const rand = (n: number, f32: boolean) => (f32 ? Float32Array : Float64Array).from({ length: n }, () => rng.normal());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("setNumThreads", () => {
  afterAll(() => setNumThreads(1));
  it("validates its argument and reports it", () => {
    expect(() => setNumThreads(0)).toThrow(/setNumThreads.*integer from 1 to 64/);
    expect(() => setNumThreads(1.5)).toThrow(/setNumThreads/);
    setNumThreads(2);
    expect(getNumThreads()).toBe(2);
  });
  it("workers start and compute part of a big product", async () => {
    setNumThreads(2);
    const n = 200,
      a = rand(n * n, false),
      b = rand(n * n, false),
      c = new Float64Array(n * n);
    const before = threadCounters.workerRanges;
    for (let i = 0; i < 100 && threadCounters.workerRanges === before; i++) {
      gemm(a, 0, b, 0, c, 0, n, n, n);
      await sleep(50); // workers boot in the background; products meanwhile run on this thread
    }
    expect(threadCounters.workerRanges).toBeGreaterThan(before);
  });
  const cases: [number, number, number, boolean, boolean][] = [
    [200, 150, 170, false, false],
    [131, 257, 129, true, false],
    [260, 140, 200, false, true],
    [300, 128, 300, true, true],
  ];
  for (const f32 of [false, true])
    it.each(cases)(
      `${f32 ? "float32" : "float64"} %i x %i x %i (transA %s, transB %s): identical on 1 and 3 threads`,
      async (m, n, p, tA, tB) => {
        const a = rand(m * n, f32),
          b = rand(n * p, f32);
        const out = () => (f32 ? new Float32Array(m * p) : new Float64Array(m * p));
        setNumThreads(1);
        const one = out();
        gemm(a, 0, b, 0, one, 0, m, n, p, tA, tB);
        setNumThreads(3);
        const before = threadCounters.workerRanges;
        let many = out();
        for (let i = 0; i < 100 && threadCounters.workerRanges === before; i++) {
          many = out();
          gemm(a, 0, b, 0, many, 0, m, n, p, tA, tB);
          if (threadCounters.workerRanges === before) await sleep(50);
        }
        expect(threadCounters.workerRanges).toBeGreaterThan(before);
        expect(Array.from(many)).toEqual(Array.from(one));
        setNumThreads(1);
      },
    );
  it("gradients of a matmul are the same with threads", async () => {
    const A = new Tensor(rand(256 * 200, false), [256, 200], { requiresGrad: true });
    const B = new Tensor(rand(200 * 180, false), [200, 180], { requiresGrad: true });
    const grads = () => {
      A.zeroGrad();
      B.zeroGrad();
      sum(matmul(A, B)).backward();
      return [Array.from(A.grad!.data), Array.from(B.grad!.data)];
    };
    setNumThreads(1);
    const one = grads();
    setNumThreads(2);
    await sleep(200);
    expect(grads()).toEqual(one);
  });
});
