import { describe, expect, it } from "vitest";
import { afterEach } from "vitest";
import v8 from "node:v8";
import { gemm, gemmJs } from "../../kernel/src/tensor/kernels/gemm";
import { loadWasmGemm, useWasmKind, wasmGemm } from "../../kernel/src/tensor/kernels/wasmGemm";
import { Tensor, broadcastTo, matmul, sub, sum, tensor } from "../../kernel/src";

/**
 * Values in [-1, 1) with all 53 bits of the mantissa random (two LCG steps per value): a
 * packing bug that moved only the low bytes of a value would pass with 32-bit values.
 */
function rnd(n: number, seed: number): Float64Array {
  const a = new Float64Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const hi = s;
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (hi * 2 ** 21 + (s >>> 11)) / 2 ** 52 - 1;
  }
  return a;
}

describe("gemm kernels", () => {
  // The plain-SIMD module sums as the JS loop does; the relaxed one (fused multiply-add) is
  // compared with tolerance below. Pin the plain one for the bit-for-bit comparisons.
  useWasmKind("simd");
  afterEach(() => useWasmKind("simd"));
  it("the WebAssembly SIMD module assembles and validates on Node", () => {
    expect(loadWasmGemm("simd")).not.toBeNull();
    expect(wasmGemm()?.kind).toBe("simd");
  });
  // Same summation order on both paths, so the results must be bit-identical.
  it.each([
    [4, 4, 4],
    [5, 7, 9],
    [17, 33, 6],
    [64, 100, 23],
    [3, 1000, 5],
    [40, 0, 8],
    [8, 3, 130],
  ])("wasm and JS paths agree exactly for %i x %i x %i, at offsets", (m, n, p) => {
    const a = rnd(m * n + 3, 1),
      b = rnd(n * p + 5, 2);
    const c1 = new Float64Array(m * p + 2).fill(7),
      c2 = new Float64Array(m * p + 2).fill(7);
    gemm(a, 3, b, 5, c1, 2, m, n, p);
    gemmJs(a, 3, b, 5, c2, 2, m, n, p);
    expect(Array.from(c1)).toEqual(Array.from(c2));
    expect(c1[0]).toBe(7);
  });
  it("propagates NaN and Infinity as IEEE arithmetic does (no skipping of zeros)", () => {
    const a = tensor([
      [0, 1, 0, 0],
      [1, 0, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ]);
    const b = tensor([
      [Infinity, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, NaN, 1],
      [2, 3, 4, 5],
    ]);
    const c = matmul(a, b).toArray() as number[][];
    expect(c[0][0]).toBeNaN(); // 0 * Infinity
    expect(c[1][0]).toBe(Infinity);
    for (const row of c) expect(row[2]).toBeNaN();
    // the same on the WebAssembly path
    const m = 32,
      a2 = new Float64Array(m * m),
      b2 = rnd(m * m, 3);
    b2[0] = Infinity;
    const c1 = new Float64Array(m * m),
      c2 = new Float64Array(m * m);
    gemm(a2, 0, b2, 0, c1, 0, m, m, m);
    gemmJs(a2, 0, b2, 0, c2, 0, m, m, m);
    expect(Number.isNaN(c1[0]) && Number.isNaN(c2[0])).toBe(true);
    expect(Array.from(c1)).toEqual(Array.from(c2));
  });
});

/** |a||b| summed per output element: the scale that rounding differences are judged on. */
function absProduct(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  n: number,
  p: number,
  tA: boolean,
  tB: boolean,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < m; i++)
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += Math.abs(a[tA ? k * m + i : i * n + k] * b[tB ? j * n + k : k * p + j]);
      out.push(s);
    }
  return out;
}
const f32 = (x: Float64Array) => Float32Array.from(x);

describe("gemm kernels: transposed operands, float32, relaxed SIMD", () => {
  afterEach(() => useWasmKind("simd"));
  const shapes: [number, number, number][] = [
    [4, 4, 4],
    [5, 7, 9],
    [17, 33, 6],
    [64, 100, 23],
    [8, 3, 130],
    [37, 41, 43],
  ];
  const flags: [boolean, boolean][] = [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ];
  // Reading A or B transposed in the kernel must equal transposing them first (bit for bit,
  // plain SIMD and JS): backward's dY B^T and A^T dY use it instead of transposed copies.
  for (const [tA, tB] of flags)
    it.each(shapes)(`transA=${tA} transB=${tB}: %i x %i x %i equals the product of explicit transposes`, (m, n, p) => {
      useWasmKind("simd");
      const a = rnd(m * n, 21),
        b = rnd(n * p, 22);
      const aRow = tA ? transposed(a, n, m) : a,
        bRow = tB ? transposed(b, p, n) : b;
      const want = new Float64Array(m * p),
        got = new Float64Array(m * p),
        js = new Float64Array(m * p);
      gemmJs(aRow, 0, bRow, 0, want, 0, m, n, p);
      gemm(a, 0, b, 0, got, 0, m, n, p, tA, tB);
      gemmJs(a, 0, b, 0, js, 0, m, n, p, tA, tB);
      expect(Array.from(got)).toEqual(Array.from(want));
      expect(Array.from(js)).toEqual(Array.from(want));
    });
  it.each(shapes)("float32 SIMD kernel equals the float32 JS loop bit for bit: %i x %i x %i", (m, n, p) => {
    useWasmKind("simd");
    const a = f32(rnd(m * n, 31)),
      b = f32(rnd(n * p, 32));
    const got = new Float32Array(m * p),
      js = new Float32Array(m * p);
    gemm(a, 0, b, 0, got, 0, m, n, p);
    gemmJs(a, 0, b, 0, js, 0, m, n, p);
    expect(Array.from(got)).toEqual(Array.from(js));
    // and it is a float32 product of the float64 one (rounding of n float32 steps)
    const ref = new Float64Array(m * p);
    gemmJs(Float64Array.from(a), 0, Float64Array.from(b), 0, ref, 0, m, n, p);
    const scale = absProduct(a, b, m, n, p, false, false);
    got.forEach((v, i) => expect(Math.abs(v - ref[i])).toBeLessThanOrEqual(2 * n * 2 ** -24 * scale[i] + 1e-30));
  });
  // float32 packs A read transposed in 16-byte runs and B in 32-byte runs (the module's
  // pack_runs): every transpose combination, bit for bit against the float32 JS loop.
  for (const [tA, tB] of flags)
    it.each(shapes)(`float32 transA=${tA} transB=${tB}: %i x %i x %i equals the JS loop`, (m, n, p) => {
      useWasmKind("simd");
      const a = f32(rnd(m * n + 3, 33)),
        b = f32(rnd(n * p + 5, 34));
      const got = new Float32Array(m * p + 1).fill(7),
        js = new Float32Array(m * p + 1).fill(7);
      gemm(a, 3, b, 5, got, 1, m, n, p, tA, tB);
      gemmJs(a, 3, b, 5, js, 1, m, n, p, tA, tB);
      expect(Array.from(got)).toEqual(Array.from(js));
    });
  describe("relaxed SIMD (fused multiply-add)", () => {
    // Node 20 has relaxed SIMD behind a V8 flag (the kernel's launcher passes it); set it here.
    v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
    it("validates once the flag is set, and is then the module products use", () => {
      expect(loadWasmGemm("relaxed")).not.toBeNull();
      useWasmKind(null);
      expect(wasmGemm()?.kind).toBe("relaxed");
    });
    for (const [tA, tB] of flags)
      it.each(shapes)(
        `float64 and float32, transA=${tA} transB=${tB}: %i x %i x %i within rounding of the plain path`,
        (m, n, p) => {
          useWasmKind("relaxed");
          for (const single of [false, true]) {
            const a = single ? f32(rnd(m * n, 41)) : rnd(m * n, 41),
              b = single ? f32(rnd(n * p, 42)) : rnd(n * p, 42);
            const got = single ? new Float32Array(m * p) : new Float64Array(m * p);
            const ref = single ? new Float32Array(m * p) : new Float64Array(m * p);
            gemm(a, 0, b, 0, got, 0, m, n, p, tA, tB);
            gemmJs(a, 0, b, 0, ref, 0, m, n, p, tA, tB);
            const eps = single ? 2 ** -24 : 2 ** -53;
            const scale = absProduct(a, b, m, n, p, tA, tB);
            got.forEach((v, i) => expect(Math.abs(v - ref[i])).toBeLessThanOrEqual(2 * n * eps * scale[i] + 1e-300));
          }
        },
      );
  });
});

function transposed(x: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = x[i * cols + j];
  return out;
}

describe("reduction and elementwise fast paths", () => {
  const shape = [2, 3, 4];
  const x = new Tensor(rnd(24, 9), shape);
  const at = (i: number, j: number, k: number) => x.data[i * 12 + j * 4 + k];
  const subsets = [[], [0], [1], [2], [0, 1], [1, 2], [0, 2], [0, 1, 2]];
  it.each(subsets)("sum over axes %j equals the naive sum (bit for bit)", (...axes: number[]) => {
    const got = sum(x, axes, true);
    const kept = shape.map((d, a) => (axes.includes(a) ? 1 : d));
    const want = new Float64Array(kept[0] * kept[1] * kept[2]);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++)
        for (let k = 0; k < 4; k++) {
          const o =
            (axes.includes(0) ? 0 : i) * kept[1] * kept[2] +
            (axes.includes(1) ? 0 : j) * kept[2] +
            (axes.includes(2) ? 0 : k);
          want[o] += at(i, j, k);
        }
    expect(Array.from(got.data)).toEqual(Array.from(want));
    expect(got.shape).toEqual(kept);
  });
  // float32: each step of the sum rounded to float32, as a Float32Array accumulator does.
  const x32 = new Tensor(Float32Array.from(rnd(24, 9)), shape);
  it.each(subsets)("float32 sum over axes %j equals the naive float32 sum (bit for bit)", (...axes: number[]) => {
    const got = sum(x32, axes, true);
    const kept = shape.map((d, a) => (axes.includes(a) ? 1 : d));
    const want = new Float32Array(kept[0] * kept[1] * kept[2]);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++)
        for (let k = 0; k < 4; k++)
          want[
            (axes.includes(0) ? 0 : i) * kept[1] * kept[2] +
              (axes.includes(1) ? 0 : j) * kept[2] +
              (axes.includes(2) ? 0 : k)
          ] += x32.data[i * 12 + j * 4 + k];
    expect(got.dtype).toBe("float32");
    expect(Array.from(got.data)).toEqual(Array.from(want));
  });
  const pairs: [number[], number[]][] = [
    [[2, 3, 4], [4]],
    [
      [2, 3, 4],
      [3, 1],
    ],
    [
      [2, 3, 4],
      [1, 3, 4],
    ],
    [[2, 3, 4], []],
    [[], [2, 3, 4]],
    [[4], [2, 3, 4]],
    [
      [3, 1],
      [1, 4],
    ],
    [[1, 1], [4]],
    [
      [2, 1, 4],
      [3, 1],
    ],
  ];
  it.each(pairs)("broadcast %j with %j matches the expanded computation", (sa, sb) => {
    const a = new Tensor(
      rnd(
        sa.reduce((p, d) => p * d, 1),
        4,
      ),
      sa,
    );
    const b = new Tensor(
      rnd(
        sb.reduce((p, d) => p * d, 1),
        5,
      ),
      sb,
    );
    const y = sub(a, b);
    const s = y.shape;
    const ae = broadcastTo(a, s),
      be = broadcastTo(b, s);
    const want = Array.from(ae.data, (v, i) => v - be.data[i]);
    expect(Array.from(y.data)).toEqual(want);
  });
});

describe("gemm split into blocks", () => {
  // Products needing more module memory than one pass may use are split into row blocks
  // (the first) or column blocks (the others); they must give exactly the JS result.
  it.each([
    [400, 20_000, 4],
    [12, 200_000, 10],
    [9, 40_000, 130],
  ])("%i x %i x %i", (m, n, p) => {
    const a = rnd(m * n, 7),
      b = rnd(n * p, 8);
    const c1 = new Float64Array(m * p),
      c2 = new Float64Array(m * p);
    gemm(a, 0, b, 0, c1, 0, m, n, p);
    gemmJs(a, 0, b, 0, c2, 0, m, n, p);
    expect(Array.from(c1)).toEqual(Array.from(c2));
  });
});

describe("gemm packing without room for the scratch copy", () => {
  // Packed operands that fit in one pass (<= 32 MiB) but not together with the scratch copy
  // the module packs from: 8 x 220,000 (A read transposed) x 4 needs 21.1 MB packed + 14.1 MB
  // scratch, 4 x 220,000 x 8 the same for B, 8 x 220,000 x 4 with B transposed the same for A
  // stored row-major. These pack in JS and must still give exactly the JS product.
  it.each([
    [8, 220_000, 4, true, false],
    [4, 220_000, 8, false, false],
    [8, 220_000, 8, true, false],
    [8, 220_000, 4, false, true],
  ])("%i x %i x %i (transA %s, transB %s)", (m, n, p, tA, tB) => {
    useWasmKind("simd");
    const a = rnd(m * n, 9),
      b = rnd(n * p, 10);
    const c1 = new Float64Array(m * p),
      c2 = new Float64Array(m * p);
    gemm(a, 0, b, 0, c1, 0, m, n, p, tA, tB);
    gemmJs(a, 0, b, 0, c2, 0, m, n, p, tA, tB);
    expect(Array.from(c1)).toEqual(Array.from(c2));
  });
});

describe("batched matmul without expanded operands", () => {
  // Reference: both operands expanded to the full batch, one naive product per batch.
  function reference(a: Tensor, b: Tensor): number[] {
    const [m, n] = a.shape.slice(-2),
      p = b.shape[b.rank - 1];
    const batch = a.shape.length - 2 >= b.shape.length - 2 ? a.shape.slice(0, -2) : b.shape.slice(0, -2);
    const full = batch.map((_, i) => {
      const da = a.shape[i - (batch.length - (a.rank - 2))] ?? 1,
        db = b.shape[i - (batch.length - (b.rank - 2))] ?? 1;
      return Math.max(da, db);
    });
    const ae = broadcastTo(a, [...full, m, n]).data,
      be = broadcastTo(b, [...full, n, p]).data;
    const nb = full.reduce((x, d) => x * d, 1);
    const out: number[] = [];
    for (let t = 0; t < nb; t++)
      for (let i = 0; i < m; i++)
        for (let j = 0; j < p; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += ae[t * m * n + i * n + k] * be[t * n * p + k * p + j];
          out.push(s);
        }
    return out;
  }
  const cases: [number[], number[]][] = [
    [
      [2, 3, 16, 32],
      [32, 16],
    ],
    [
      [2, 1, 16, 32],
      [3, 32, 16],
    ],
    [
      [1, 16, 32],
      [2, 3, 32, 16],
    ],
    [
      [3, 16, 32],
      [1, 32, 16],
    ],
    [
      [2, 3, 5, 7],
      [3, 7, 2],
    ],
  ];
  it.each(cases)("%j @ %j", (sa, sb) => {
    const a = new Tensor(
      rnd(
        sa.reduce((x, d) => x * d, 1),
        11,
      ),
      sa,
    );
    const b = new Tensor(
      rnd(
        sb.reduce((x, d) => x * d, 1),
        12,
      ),
      sb,
    );
    expect(Array.from(matmul(a, b).data)).toEqual(reference(a, b));
  });
});
