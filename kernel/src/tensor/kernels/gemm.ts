import { wasmGemm, type GemmModule } from "./wasmGemm";

type Out = Float64Array | Float32Array;

/**
 * The module's memory holds packed copies of both operands and the padded result; products
 * needing more are split into row or column blocks, so a notebook's one huge matmul cannot
 * leave hundreds of MB behind in the module (WebAssembly memory never shrinks).
 */
const MAX_WASM_BYTES = 32 * 2 ** 20;

/**
 * C[m,p] = A[m,n] B[n,p] for contiguous row-major blocks at the given offsets (C is
 * overwritten). Large products go to the WebAssembly SIMD kernel; small ones (where packing
 * would dominate) and hosts without WebAssembly SIMD use the plain-JS loop. Both sum over k in
 * the same order (k = 0..n-1, one multiply and one add at a time), so results do not depend on
 * the path taken.
 */
export function gemm(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, c: Out, co: number, m: number, n: number, p: number): void {
  gemmStrided(a, ao, n, b, bo, p, c, co, p, m, n, p);
}

/** The plain-JS product (contiguous operands). */
export function gemmJs(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, c: Out, co: number, m: number, n: number, p: number): void {
  jsLoop(a, ao, n, b, bo, p, c, co, p, m, n, p);
}

// lda, ldb, ldc: row strides of A, B and C (a block of a wider matrix has stride > width).
function gemmStrided(a: ArrayLike<number>, ao: number, lda: number, b: ArrayLike<number>, bo: number, ldb: number, c: Out, co: number, ldc: number, m: number, n: number, p: number): void {
  const w = m * n * p >= 8192 && m >= 4 && p >= 4 ? wasmGemm() : null;
  if (!w) return jsLoop(a, ao, lda, b, bo, ldb, c, co, ldc, m, n, p);
  const bBytes = ((p + 3) >> 2) * 4 * n * 8;
  if (wasmBytes(m, n, p) <= MAX_WASM_BYTES) return wasmRun(w, a, ao, lda, b, bo, ldb, c, co, ldc, m, n, p);
  // Too big for one pass: halve p while B dominates, else m (blocks stay multiples of 4).
  if (p >= 8 && (bBytes > MAX_WASM_BYTES / 2 || m < 8)) {
    const p1 = ((p >> 1) + 3) & ~3;
    gemmStrided(a, ao, lda, b, bo, ldb, c, co, ldc, m, n, p1);
    gemmStrided(a, ao, lda, b, bo + p1, ldb, c, co + p1, ldc, m, n, p - p1);
  } else if (m >= 8) {
    const m1 = ((m >> 1) + 3) & ~3;
    gemmStrided(a, ao, lda, b, bo, ldb, c, co, ldc, m1, n, p);
    gemmStrided(a, ao + m1 * lda, lda, b, bo, ldb, c, co + m1 * ldc, ldc, m - m1, n, p);
  } else jsLoop(a, ao, lda, b, bo, ldb, c, co, ldc, m, n, p);
}

function wasmBytes(m: number, n: number, p: number): number {
  const mw = ((m + 3) >> 2) * 4, pw = ((p + 3) >> 2) * 4;
  return (mw * n + n * pw + mw * pw) * 8;
}

/** i-k-j order, so the inner loop streams rows of B and C. */
function jsLoop(a: ArrayLike<number>, ao: number, lda: number, b: ArrayLike<number>, bo: number, ldb: number, c: Out, co: number, ldc: number, m: number, n: number, p: number): void {
  if (p === 1) {
    // matrix-vector: one dot product per row (the general loop's inner j-loop has length 1)
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let k = 0, ai = ao + i * lda, bk = bo; k < n; k++, bk += ldb) s += a[ai + k] * b[bk];
      c[co + i * ldc] = s;
    }
    return;
  }
  for (let i = 0; i < m; i++) {
    const ci = co + i * ldc;
    for (let j = 0; j < p; j++) c[ci + j] = 0;
    for (let k = 0; k < n; k++) {
      const aik = a[ao + i * lda + k];
      const bk = bo + k * ldb;
      for (let j = 0; j < p; j++) c[ci + j] += aik * b[bk + j];
    }
  }
}

let view: Float64Array | null = null;

function wasmRun(w: GemmModule, a: ArrayLike<number>, ao: number, lda: number, b: ArrayLike<number>, bo: number, ldb: number, c: Out, co: number, ldc: number, m: number, n: number, p: number): void {
  const mP = (m + 3) >> 2;
  const pP = (p + 3) >> 2;
  const pw = pP * 4;
  // Packed A, packed B and the padded C, one after the other in the module's memory (in doubles).
  const aAt = 0;
  const bAt = mP * 4 * n;
  const cAt = bAt + pP * 4 * n;
  const need = wasmBytes(m, n, p);
  if (w.mem.buffer.byteLength < need) w.mem.grow(Math.ceil((need - w.mem.buffer.byteLength) / 65536));
  if (view === null || view.buffer !== w.mem.buffer) view = new Float64Array(w.mem.buffer);
  const v = view;
  // A: panels of 4 rows, k-major within a panel; rows past m are zero.
  for (let ip = 0; ip < mP; ip++) {
    const base = aAt + ip * n * 4;
    for (let r = 0; r < 4; r++) {
      const i = ip * 4 + r;
      if (i < m) {
        const src = ao + i * lda;
        for (let k = 0, d = base + r; k < n; k++, d += 4) v[d] = a[src + k];
      } else for (let k = 0, d = base + r; k < n; k++, d += 4) v[d] = 0;
    }
  }
  // B: panels of 4 columns, k-major within a panel; columns past p are zero. Written panel by
  // panel so the stores are sequential (row by row they would jump 32n bytes per value).
  const full = p >> 2;
  for (let jp = 0; jp < full; jp++) {
    let d = bAt + jp * n * 4;
    for (let k = 0, s = bo + jp * 4; k < n; k++, s += ldb, d += 4) {
      v[d] = b[s];
      v[d + 1] = b[s + 1];
      v[d + 2] = b[s + 2];
      v[d + 3] = b[s + 3];
    }
  }
  if (full < pP) {
    let d = bAt + full * n * 4;
    for (let k = 0; k < n; k++, d += 4) for (let c4 = 0, j = full * 4; c4 < 4; c4++, j++) v[d + c4] = j < p ? b[bo + k * ldb + j] : 0;
  }
  w.gemm(aAt * 8, bAt * 8, cAt * 8, mP, pP, n);
  if (pw === p && ldc === p) c.set(v.subarray(cAt, cAt + m * p), co);
  else for (let i = 0; i < m; i++) c.set(v.subarray(cAt + i * pw, cAt + i * pw + p), co + i * ldc);
}
