import { wasmGemm, type GemmModule } from "./wasmGemm";
import { runPanels, runThreaded, threadsWanted } from "./threads";

type Arr = Float64Array | Float32Array;

/**
 * The module's memory holds packed copies of both operands and the padded result; products
 * needing more are split into row or column blocks, so a notebook's one huge matmul cannot
 * leave hundreds of MB behind in the module (WebAssembly memory never shrinks).
 */
const MAX_WASM_BYTES = 32 * 2 ** 20;

/**
 * C[m,p] = op(A) op(B) for row-major blocks at the given offsets (C is overwritten). op(A) is
 * the stored [m,n] matrix, or with `transA` the transpose of a stored [n,m] one (read in place:
 * backward's A^T dY and dY B^T need no transposed copies); likewise B [n,p] or, transposed, [p,n].
 * A Float32Array C gets a float32 product (inputs are then float32 too).
 *
 * Large products go to the WebAssembly SIMD kernels; small ones (where packing would dominate)
 * and hosts without WebAssembly SIMD use the plain-JS loop. Both sum over k in the same order
 * (k = 0..n-1, c += a*b rounded at each step in C's precision), so on plain SIMD the results do
 * not depend on the path; the relaxed-SIMD kernel may fuse a*b+c (differs in the last bits).
 */
export function gemm(
  a: Arr,
  ao: number,
  b: Arr,
  bo: number,
  c: Arr,
  co: number,
  m: number,
  n: number,
  p: number,
  transA = false,
  transB = false,
): void {
  gemmStrided(a, ao, transA ? 1 : n, transA ? m : 1, b, bo, transB ? 1 : p, transB ? n : 1, c, co, p, m, n, p);
}

/** The plain-JS product (same operand conventions as gemm). */
export function gemmJs(
  a: Arr,
  ao: number,
  b: Arr,
  bo: number,
  c: Arr,
  co: number,
  m: number,
  n: number,
  p: number,
  transA = false,
  transB = false,
): void {
  jsLoop(a, ao, transA ? 1 : n, transA ? m : 1, b, bo, transB ? 1 : p, transB ? n : 1, c, co, p, m, n, p);
}

// Operands by strides: A(i,k) = a[ao + i*sai + k*sak], B(k,j) = b[bo + k*sbk + j*sbj],
// C(i,j) = c[co + i*ldc + j] (a block of a wider C has ldc > p).
function gemmStrided(
  a: Arr,
  ao: number,
  sai: number,
  sak: number,
  b: Arr,
  bo: number,
  sbk: number,
  sbj: number,
  c: Arr,
  co: number,
  ldc: number,
  m: number,
  n: number,
  p: number,
): void {
  // Products of at least THREAD_MIN multiply-adds use the worker threads when setNumThreads
  // asked for them (the shared-memory module); smaller ones are not worth the hand-off.
  const w = m * n * p >= 8192 && m >= 4 && p >= 4 ? wasmGemm(m * n * p >= THREAD_MIN && threadsWanted()) : null;
  if (!w) return jsLoop(a, ao, sai, sak, b, bo, sbk, sbj, c, co, ldc, m, n, p);
  const f32 = c instanceof Float32Array;
  if (wasmBytes(m, n, p, f32) <= MAX_WASM_BYTES)
    return wasmRun(w, f32, a, ao, sai, sak, b, bo, sbk, sbj, c, co, ldc, m, n, p);
  // Too big for one pass: halve p while B dominates, else m (blocks stay multiples of 8).
  const bBytes = ((p + 7) >> 3) * 8 * n * (f32 ? 4 : 8);
  if (p >= 16 && (bBytes > MAX_WASM_BYTES / 2 || m < 8)) {
    const p1 = ((p >> 1) + 7) & ~7;
    gemmStrided(a, ao, sai, sak, b, bo, sbk, sbj, c, co, ldc, m, n, p1);
    gemmStrided(a, ao, sai, sak, b, bo + p1 * sbj, sbk, sbj, c, co + p1, ldc, m, n, p - p1);
  } else if (m >= 8) {
    const m1 = ((m >> 1) + 3) & ~3;
    gemmStrided(a, ao, sai, sak, b, bo, sbk, sbj, c, co, ldc, m1, n, p);
    gemmStrided(a, ao + m1 * sai, sai, sak, b, bo, sbk, sbj, c, co + m1 * ldc, ldc, m - m1, n, p);
  } else jsLoop(a, ao, sai, sak, b, bo, sbk, sbj, c, co, ldc, m, n, p);
}

/** Block sizes: values of k, and row panels (of 4 rows) of A, per kernel call. */
const KC = 256,
  MC = 32;
/** Smallest product (m*n*p) handed to worker threads: 128^3. */
const THREAD_MIN = 128 ** 3;

/** Column-panel width of B: 32 bytes (4 doubles or 8 floats), one pair of SIMD registers. */
const panelWidth = (f32: boolean) => (f32 ? 8 : 4);

function wasmBytes(m: number, n: number, p: number, f32: boolean): number {
  const pw = panelWidth(f32);
  const mw = ((m + 3) >> 2) * 4,
    pwid = Math.ceil(p / pw) * pw;
  return (mw * n + n * pwid + mw * pwid) * (f32 ? 4 : 8);
}

/** i-k-j order, so the inner loop streams rows of B and C when B is not transposed. */
function jsLoop(
  a: Arr,
  ao: number,
  sai: number,
  sak: number,
  b: Arr,
  bo: number,
  sbk: number,
  sbj: number,
  c: Arr,
  co: number,
  ldc: number,
  m: number,
  n: number,
  p: number,
): void {
  if (p === 1) {
    // matrix-vector: one dot product per row (the general loop's inner j-loop has length 1)
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let k = 0, ai = ao + i * sai, bk = bo; k < n; k++, ai += sak, bk += sbk) s += a[ai] * b[bk];
      c[co + i * ldc] = s;
    }
    return;
  }
  const f32 = c instanceof Float32Array;
  for (let i = 0; i < m; i++) {
    const ci = co + i * ldc;
    for (let j = 0; j < p; j++) c[ci + j] = 0;
    for (let k = 0; k < n; k++) {
      const aik = a[ao + i * sai + k * sak];
      const bk = bo + k * sbk;
      // float32: the product rounded to float32 before the (float32) add, as the SIMD kernel
      if (f32) for (let j = 0, bj = bk; j < p; j++, bj += sbj) c[ci + j] += Math.fround(aik * b[bj]);
      else for (let j = 0, bj = bk; j < p; j++, bj += sbj) c[ci + j] += aik * b[bj];
    }
  }
}

const views: { f64: Float64Array | null; f32: Float32Array | null } = { f64: null, f32: null };
function memView(w: GemmModule, f32: boolean): Arr {
  const buf = w.mem.buffer;
  if (f32) return views.f32 !== null && views.f32.buffer === buf ? views.f32 : (views.f32 = new Float32Array(buf));
  return views.f64 !== null && views.f64.buffer === buf ? views.f64 : (views.f64 = new Float64Array(buf));
}

function wasmRun(
  w: GemmModule,
  f32: boolean,
  a: Arr,
  ao: number,
  sai: number,
  sak: number,
  b: Arr,
  bo: number,
  sbk: number,
  sbj: number,
  c: Arr,
  co: number,
  ldc: number,
  m: number,
  n: number,
  p: number,
): void {
  const PW = panelWidth(f32);
  const mP = (m + 3) >> 2;
  const pP = Math.ceil(p / PW);
  const pw = pP * PW;
  const bytes = f32 ? 4 : 8;
  // Packed A, packed B and the padded C, one after the other in the module's memory (elements),
  // then a scratch area. A full panel's entries are either adjacent in memory ("runs": A read
  // transposed, B not) or in adjacent rows ("rows": A not transposed, B transposed); either way
  // the source rows are copied there as they are (one memcpy) and packed by the module's SIMD
  // pack_runs / pack_rows_*, several times faster than packing element by element in JS.
  // Without room for the scratch copy, JS packs them.
  const aAt = 0;
  const bAt = mP * 4 * n;
  const cAt = bAt + pw * n;
  const sAt = cAt + mP * 4 * pw;
  const fullA = m >> 2,
    fullB = Math.floor(p / PW);
  const modeA = fullA === 0 ? NONE : sai === 1 ? RUNS : sak === 1 ? ROWS : NONE;
  const modeB = fullB === 0 ? NONE : sbj === 1 ? RUNS : sbk === 1 ? ROWS : NONE;
  // Elements of each source region the module packs from (from its first element).
  const spanA = modeA === RUNS ? (n - 1) * sak + 4 * fullA : modeA === ROWS ? (4 * fullA - 1) * sai + n : 0;
  const spanB = modeB === RUNS ? (n - 1) * sbk + PW * fullB : modeB === ROWS ? (PW * fullB - 1) * sbj + n : 0;
  const packed = wasmBytes(m, n, p, f32);
  const scratch = packed + Math.max(spanA, spanB) * bytes <= MAX_WASM_BYTES;
  const need = scratch ? sAt * bytes + Math.max(spanA, spanB) * bytes : packed;
  if (w.mem.buffer.byteLength < need) w.mem.grow(Math.ceil((need - w.mem.buffer.byteLength) / 65536));
  const v = memView(w, f32);
  const packRows = f32 ? w.pack_rows_f32 : w.pack_rows_f64;
  // 16-byte groups per panel: A's 4 rows (2 groups of 2 doubles, 1 of 4 floats); B's 32 bytes.
  const groupsA = f32 ? 1 : 2;
  packA(v, aAt, a, ao, sai, sak, m, n, modeA === RUNS || (modeA === ROWS && scratch));
  if (modeA === RUNS && !scratch) packRuns(v, aAt, 4, a, ao, sak, n, fullA);
  else if (modeA !== NONE && scratch) {
    v.set(a.subarray(ao, ao + spanA), sAt);
    if (modeA === RUNS) w.pack_runs(sAt * bytes, sak * bytes, aAt * bytes, n, fullA, 4 * bytes);
    else packRows(sAt * bytes, sai * bytes, aAt * bytes, n, fullA, groupsA);
  }
  packB(v, bAt, PW, b, bo, sbk, sbj, n, p, modeB === RUNS || (modeB === ROWS && scratch));
  if (modeB === RUNS && !scratch) packRuns(v, bAt, PW, b, bo, sbk, n, fullB);
  else if (modeB !== NONE && scratch) {
    v.set(b.subarray(bo, bo + spanB), sAt);
    if (modeB === RUNS) w.pack_runs(sAt * bytes, sbk * bytes, bAt * bytes, n, fullB, PW * bytes);
    else packRows(sAt * bytes, sbj * bytes, bAt * bytes, n, fullB, 2);
  }
  // Cache blocking (as GotoBLAS, see threads.ts runPanels): per block of KC values of k and of
  // MC row panels of A, the kernel sweeps all column panels of B, so that block of A
  // (KC x 4*MC) stays in L2 and each KC x 32-byte panel of B in L1. Blocks after the first add
  // to C (the k order, hence the sums, are those of one pass). Threads split the row panels.
  if (w.shared) runThreaded(w, f32, aAt, bAt, cAt, mP, pP, n, pw, PW, bytes, KC, MC);
  else runPanels(f32 ? w.gemm_f32 : w.gemm_f64, aAt, bAt, cAt, 0, mP, pP, n, pw, PW, bytes, KC, MC);
  if (pw === p && ldc === p) c.set(v.subarray(cAt, cAt + m * p), co);
  else for (let i = 0; i < m; i++) c.set(v.subarray(cAt + i * pw, cAt + i * pw + p), co + i * ldc);
}

/**
 * A in panels of 4 rows, k-major within a panel; rows past m are zero. With `skipFull`, full
 * panels are left to the caller (the module's pack_runs / pack_rows_*).
 */
function packA(
  v: Arr,
  at: number,
  a: Arr,
  ao: number,
  sai: number,
  sak: number,
  m: number,
  n: number,
  skipFull: boolean,
): void {
  const mP = (m + 3) >> 2;
  for (let ip = 0; ip < mP; ip++) {
    const base = at + ip * n * 4;
    const i0 = ip * 4;
    if (skipFull && i0 + 4 <= m) continue;
    for (let r = 0; r < 4; r++) {
      const i = i0 + r;
      if (i < m) for (let k = 0, s = ao + i * sai, d = base + r; k < n; k++, s += sak, d += 4) v[d] = a[s];
      else for (let k = 0, d = base + r; k < n; k++, d += 4) v[d] = 0;
    }
  }
}

/**
 * B in panels of PW columns, k-major within a panel; columns past p are zero. With `skipFull`,
 * full panels are left to the caller (the module's pack_runs / pack_rows_*).
 */
function packB(
  v: Arr,
  at: number,
  PW: number,
  b: Arr,
  bo: number,
  sbk: number,
  sbj: number,
  n: number,
  p: number,
  skipFull: boolean,
): void {
  const pP = Math.ceil(p / PW);
  for (let jp = 0; jp < pP; jp++) {
    const base = at + jp * n * PW;
    const j0 = jp * PW;
    const cols = Math.min(PW, p - j0);
    if (skipFull && cols === PW) continue;
    for (let q = 0; q < PW; q++) {
      if (q < cols) for (let k = 0, s = bo + (j0 + q) * sbj, d = base + q; k < n; k++, s += sbk, d += PW) v[d] = b[s];
      else for (let k = 0, d = base + q; k < n; k++, d += PW) v[d] = 0;
    }
  }
}

/** How full panels of an operand are packed (see wasmRun). */
const NONE = 0,
  RUNS = 1,
  ROWS = 2;

/** Rows of the source read per block by packRuns (their runs stay in L1 across all panels). */
const RUN_ROWS = 8;

/**
 * Packs the first `panels` full panels of W adjacent source values per row k (source row k
 * starts at so + k*sk): panel t gets src[so + k*sk + t*W + q] at at + t*n*W + k*W + q.
 * Why in blocks of RUN_ROWS rows: walking one panel down all n rows reads 32 bytes per row at
 * the row stride, and when that stride is a multiple of 2 KiB (a [784,256] float64 weight) all
 * those lines fall into the same few cache sets and every read misses (X W1 ran at ~4 GFLOP/s).
 * A block of rows is read once, each panel takes its W-wide strip of it.
 */
function packRuns(v: Arr, at: number, W: number, src: Arr, so: number, sk: number, n: number, panels: number): void {
  const panelStride = n * W;
  for (let k0 = 0; k0 < n; k0 += RUN_ROWS) {
    const k1 = Math.min(n, k0 + RUN_ROWS);
    for (let t = 0; t < panels; t++) {
      let d = at + t * panelStride + k0 * W;
      if (W === 4)
        for (let k = k0, s = so + k0 * sk + t * 4; k < k1; k++, s += sk, d += 4) {
          v[d] = src[s];
          v[d + 1] = src[s + 1];
          v[d + 2] = src[s + 2];
          v[d + 3] = src[s + 3];
        }
      else
        for (let k = k0, s = so + k0 * sk + t * W; k < k1; k++, s += sk, d += W)
          for (let q = 0; q < W; q++) v[d + q] = src[s + q];
    }
  }
}
