// tanhScalar (the tanh op's kernel) against the plain path, V8's Math.tanh (fdlibm): within
// 2 units in the last place on a dense sweep of both of its branches and their boundaries, and
// the same special values. The tanh op's gradient is checked against finite differences in
// registry.test.ts like every op's.
import { describe, expect, it } from "vitest";
import v8 from "node:v8";
import { afterEach } from "vitest";
import { tanhArray, tanhScalar } from "../../kernel/src/tensor/kernels/special";
import { useWasmKind, wasmGemm } from "../../kernel/src/tensor/kernels/wasmGemm";
import { Tensor, tanh } from "../../kernel/src";

const f = new Float64Array(1);
const bits = new BigInt64Array(f.buffer);
/** Distance in units in the last place between two finite doubles of one sign. */
function ulps(a: number, b: number): number {
  f[0] = a;
  const x = bits[0];
  f[0] = b;
  const d = x - bits[0];
  return Number(d < 0n ? -d : d);
}

/** Points on a grid of `n` steps over [lo, hi] and their negatives. */
function sweep(lo: number, hi: number, n: number): number[] {
  const xs: number[] = [];
  for (let i = 0; i <= n; i++) {
    const x = lo + ((hi - lo) * i) / n;
    xs.push(x, -x);
  }
  return xs;
}

describe("tanhScalar against Math.tanh", () => {
  it.each([
    ["tiny |x| (rational branch)", 1e-12, 1e-3, 20000],
    ["rational branch", 0, 0.625, 200000],
    ["around the branch boundary 0.625", 0.62, 0.63, 20000],
    ["exp branch", 0.625, 22, 200000],
    ["around 22, where tanh rounds to 1", 18, 23, 20000],
  ] as const)("%s: within 2 ulp", (_label, lo, hi, n) => {
    let worst = 0;
    let at = 0;
    for (const x of sweep(lo, hi, n)) {
      const u = ulps(tanhScalar(x), Math.tanh(x));
      if (u > worst) [worst, at] = [u, x];
    }
    expect(worst, `worst at x = ${at}`).toBeLessThanOrEqual(2);
  });

  it("keeps the sign of zero, NaN, the infinities and subnormals as Math.tanh does", () => {
    for (const x of [0, -0, NaN, Infinity, -Infinity, 5e-324, -5e-324, 1e-300, 1e308, -1e308])
      expect(Object.is(tanhScalar(x), Math.tanh(x)), `x = ${x}`).toBe(true);
  });

  it("is odd (tanh(-x) = -tanh(x)) exactly", () => {
    const xs = sweep(0, 25, 5000);
    expect(xs.map((x) => tanhScalar(-x))).toEqual(xs.map((x) => -tanhScalar(x)));
  });
});

describe("the tanh op uses it in float64 and float32", () => {
  const xs = sweep(0, 8, 999);
  it("float64: tanh(x) is tanhScalar elementwise", () => {
    const y = tanh(new Tensor(Float64Array.from(xs), [xs.length]));
    expect(Array.from(y.data)).toEqual(xs.map(tanhScalar));
  });
  it("float32: the float64 value rounded once, within float32 rounding of Math.tanh", () => {
    const x32 = Float32Array.from(xs);
    const y = tanh(new Tensor(x32, [xs.length]));
    expect(y.dtype).toBe("float32");
    y.data.forEach((v, i) => {
      expect(v).toBe(Math.fround(tanhScalar(x32[i])));
      expect(Math.abs(v - Math.tanh(x32[i]))).toBeLessThanOrEqual(2 ** -24 * Math.abs(Math.tanh(x32[i])) + 1e-45);
    });
  });
});

describe("tanhArray: the WebAssembly SIMD tanh equals tanhScalar bit for bit", () => {
  // Both branches' sweeps and the special values, interleaved with a stride so that the two
  // lanes of a SIMD pair mix branches (the module computes the exp branch only for such pairs).
  const specials = [0, -0, NaN, Infinity, -Infinity, 5e-324, -5e-324, 1e-300, 0.625, -0.625, 22, -22, 21.999, 1e308];
  const pool = [
    ...specials,
    ...sweep(0, 0.625, 40000),
    ...sweep(0.62, 0.63, 4000),
    ...sweep(0.625, 22, 40000),
    ...sweep(18, 23, 4000),
  ];
  const xs = pool.map((_, i) => pool[(i * 7919) % pool.length]);
  v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
  afterEach(() => useWasmKind(null));
  it.each(["simd", "relaxed"] as const)("%s module: float64 and float32, every length class", (kind) => {
    useWasmKind(kind);
    expect(typeof wasmGemm()?.tanh_f64).toBe("function");
    expect(wasmGemm()?.kind).toBe(kind);
    // below the module's minimum (JS), odd, exactly one chunk, across chunks with an odd tail
    for (const n of [1023, 1025, 32768, 32768 * 2 + 3, xs.length]) {
      const x64 = Float64Array.from(xs.slice(0, n));
      const y64 = new Float64Array(n);
      tanhArray(x64, y64);
      expect(
        y64.every((v, i) => Object.is(v, tanhScalar(x64[i]))),
        `float64, n = ${n}`,
      ).toBe(true);
      const x32 = Float32Array.from(xs.slice(0, n));
      const y32 = new Float32Array(n);
      tanhArray(x32, y32);
      expect(
        y32.every((v, i) => Object.is(v, Math.fround(tanhScalar(x32[i])))),
        `float32, n = ${n}`,
      ).toBe(true);
    }
  });
});
