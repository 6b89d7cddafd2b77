/** Special functions on numbers (no tensors): tanh for tanh, the error function for erf and gelu. */
import { wasmGemm } from "./wasmGemm";

/**
 * The error function, to about 1e-15 relative (checked against Python's math.erf in tests): erf(x) = 2/sqrt(pi) e^{-x^2} sum_n 2^n x^{2n+1} / (2n+1)!!,
 * a series of positive terms (no cancellation); |x| >= 6 gives +-1 (erfc(6) < 3e-17).
 */
export function erfScalar(x: number): number {
  const ax = Math.abs(x);
  if (!(ax < 6)) return x !== x ? x : Math.sign(x);
  const x2 = ax * ax;
  let term = ax,
    sum = ax;
  for (let n = 1; n < 400 && term > 1e-17 * sum; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
  }
  const r = (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
  return x < 0 ? -r : r;
}

// ln 2 split so k * LN2_HI is exact for |k| < 2^20 (k <= 64 here), as in the usual exp argument reduction.
const LN2_HI = 6.9314718036912381649e-1;
const LN2_LO = 1.90821492927058770002e-10;
/** 2^k for the k of tanhScalar's exp(2|x|), |x| < 22 (k <= 64). */
const POW2 = new Float64Array(66).map((_, k) => 2 ** k);

/**
 * tanh, within 2 ulp of V8's Math.tanh (tested on 2e6 points) and 2-3x faster in a loop: Math.tanh
 * is a call into C (fdlibm via expm1) per element, this is inlined arithmetic.
 * - |x| < 0.625: Lambert's continued fraction tanh x = x / (1 + x^2/(3 + x^2/(5 + ...))) cut
 *   after 2*7+1, as one rational in z = x^2: x - x z M(z) / D(z) (truncation error < 4e-17
 *   relative; positive coefficients, no cancellation; the correction is < z/3 of x).
 * - 0.625 <= |x| < 22: 1 - 2 / (e^{2|x|} + 1) (e^{2|x|} >= 3.4, so no cancellation either), with
 *   e^t = 2^k e^s, k = round(t / ln 2), |s| <= ln(2)/2, e^s by its Taylor series to s^13
 *   (truncation < 5e-18 relative).
 * - |x| >= 22: +-1 (1 - tanh(22) < 1e-19); NaN stays NaN; the sign of 0 is kept.
 */
export function tanhScalar(x: number): number {
  const a = Math.abs(x);
  if (a < 0.625) {
    const z = x * x;
    const t = (a * z * (675675 + z * (45045 + z * (594 + z)))) / (2027025 + z * (945945 + z * (51975 + z * (630 + z))));
    return x < 0 ? x + t : x - t;
  }
  let r: number;
  if (a < 22) {
    const t = 2 * a;
    const k = (t * Math.LOG2E + 0.5) | 0;
    const s = t - k * LN2_HI - k * LN2_LO;
    let p = 1 / 6227020800;
    p = p * s + 1 / 479001600;
    p = p * s + 1 / 39916800;
    p = p * s + 1 / 3628800;
    p = p * s + 1 / 362880;
    p = p * s + 1 / 40320;
    p = p * s + 1 / 5040;
    p = p * s + 1 / 720;
    p = p * s + 1 / 120;
    p = p * s + 1 / 24;
    p = p * s + 1 / 6;
    p = p * s + 0.5;
    p = p * s + 1;
    p = p * s + 1;
    r = 1 - 2 / (p * POW2[k] + 1);
  } else r = a >= 22 ? 1 : x;
  return x < 0 ? -r : r;
}

/** Values per call of the module's tanh: input and output chunks (512 KB in float64) stay in L2. */
const TANH_CHUNK = 32768;
/** Shorter arrays stay in JS (the copies in and out of the module's memory are not worth it). */
const TANH_WASM_MIN = 1024;

/**
 * out[i] = tanhScalar(x[i]) (rounded once to float32 for a Float32Array), bit for bit: on long
 * typed arrays of one dtype, by the WebAssembly SIMD module (two lanes of the same arithmetic,
 * see tanh_f64 in kernel/wasm/gemm.simd.wat), chunk by chunk through its memory; else in JS.
 */
export function tanhArray(x: ArrayLike<number>, out: Float64Array | Float32Array): void {
  const n = out.length;
  const f32 = out instanceof Float32Array;
  const w = n >= TANH_WASM_MIN && (f32 ? x instanceof Float32Array : x instanceof Float64Array) ? wasmGemm() : null;
  if (w === null) {
    for (let i = 0; i < n; i++) out[i] = tanhScalar(x[i]);
    return;
  }
  const bytes = f32 ? 4 : 8;
  const need = 2 * (TANH_CHUNK + 2) * bytes;
  if (w.mem.buffer.byteLength < need) w.mem.grow(Math.ceil((need - w.mem.buffer.byteLength) / 65536));
  const src = x as Float64Array | Float32Array;
  const v = f32
    ? new Float32Array(w.mem.buffer, 0, 2 * (TANH_CHUNK + 2))
    : new Float64Array(w.mem.buffer, 0, 2 * (TANH_CHUNK + 2));
  const outAt = TANH_CHUNK + 2;
  const run = f32 ? w.tanh_f32 : w.tanh_f64;
  for (let i0 = 0; i0 < n; i0 += TANH_CHUNK) {
    const len = Math.min(TANH_CHUNK, n - i0);
    v.set(src.subarray(i0, i0 + len), 0);
    // pairs: an odd length's last lane reads one stale value and its result is not copied out
    run(0, outAt * bytes, (len + 1) >> 1);
    out.set(v.subarray(outAt, outAt + len), i0);
  }
}
