import { wasmGemm } from "./wasmGemm";

type Out = Float64Array | Float32Array;

/**
 * C[m,p] = A[m,n] B[n,p] for row-major blocks at the given offsets (C is overwritten). Large
 * products go to the WebAssembly SIMD kernel; small ones (where packing would dominate) and
 * hosts without WebAssembly SIMD use the plain-JS loop. Both sum over k in the same order
 * (k = 0..n-1, one multiply-add at a time), so results do not depend on the path taken.
 */
export function gemm(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, c: Out, co: number, m: number, n: number, p: number): void {
  if (m * n * p >= 8192 && m >= 4 && p >= 4) {
    const w = wasmGemm();
    if (w) return gemmWasm(w, a, ao, b, bo, c, co, m, n, p);
  }
  gemmJs(a, ao, b, bo, c, co, m, n, p);
}

/** The plain-JS product: i-k-j order, so the inner loop streams rows of B and C. */
export function gemmJs(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, c: Out, co: number, m: number, n: number, p: number): void {
  if (p === 1) {
    // matrix-vector: one dot product per row (the general loop's inner j-loop has length 1)
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let k = 0, ai = ao + i * n; k < n; k++) s += a[ai + k] * b[bo + k];
      c[co + i] = s;
    }
    return;
  }
  for (let i = 0; i < m; i++) {
    const ci = co + i * p;
    for (let j = 0; j < p; j++) c[ci + j] = 0;
    for (let k = 0; k < n; k++) {
      const aik = a[ao + i * n + k];
      const bk = bo + k * p;
      for (let j = 0; j < p; j++) c[ci + j] += aik * b[bk + j];
    }
  }
}

let view: Float64Array | null = null;

function gemmWasm(w: NonNullable<ReturnType<typeof wasmGemm>>, a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, c: Out, co: number, m: number, n: number, p: number): void {
  const mP = (m + 3) >> 2;
  const pP = (p + 3) >> 2;
  const pw = pP * 4;
  // Packed A, packed B and the padded C, one after the other in the module's memory (in doubles).
  const aAt = 0;
  const bAt = mP * 4 * n;
  const cAt = bAt + pP * 4 * n;
  const need = (cAt + mP * 4 * pw) * 8;
  if (w.mem.buffer.byteLength < need) w.mem.grow(Math.ceil((need - w.mem.buffer.byteLength) / 65536));
  if (view === null || view.buffer !== w.mem.buffer) view = new Float64Array(w.mem.buffer);
  const v = view;
  // A: panels of 4 rows, k-major within a panel; rows past m are zero.
  for (let ip = 0; ip < mP; ip++) {
    const base = aAt + ip * n * 4;
    for (let r = 0; r < 4; r++) {
      const i = ip * 4 + r;
      if (i < m) {
        const src = ao + i * n;
        for (let k = 0, d = base + r; k < n; k++, d += 4) v[d] = a[src + k];
      } else for (let k = 0, d = base + r; k < n; k++, d += 4) v[d] = 0;
    }
  }
  // B: panels of 4 columns, k-major within a panel; columns past p are zero. Written panel by
  // panel so the stores are sequential (row by row they would jump 32n bytes per value).
  const full = p >> 2;
  for (let jp = 0; jp < full; jp++) {
    let d = bAt + jp * n * 4;
    for (let k = 0, s = bo + jp * 4; k < n; k++, s += p, d += 4) {
      v[d] = b[s];
      v[d + 1] = b[s + 1];
      v[d + 2] = b[s + 2];
      v[d + 3] = b[s + 3];
    }
  }
  if (full < pP) {
    let d = bAt + full * n * 4;
    for (let k = 0; k < n; k++, d += 4) for (let c4 = 0, j = full * 4; c4 < 4; c4++, j++) v[d + c4] = j < p ? b[bo + k * p + j] : 0;
  }
  w.gemm(aAt * 8, bAt * 8, cAt * 8, mP, pP, n);
  if (pw === p) c.set(v.subarray(cAt, cAt + m * p), co);
  else for (let i = 0; i < m; i++) c.set(v.subarray(cAt + i * pw, cAt + i * pw + p), co + i * p);
}
