/**
 * tensor/kernels/: compute kernels on plain typed arrays (matrix product, ...), used by op
 * forwards. They know nothing of tensors, graphs or gradients, and never allocate per element.
 * A kernel that needs WebAssembly also has a plain-JS path, so the library runs without it.
 *
 * This file: instantiates the matrix-product micro-kernels (source: kernel/wasm/*.wat, bytes
 * assembled at build time into wasmModules.ts). Two modules with the same exports: one using
 * relaxed-SIMD fused multiply-add (Chromium; Node 20 with --experimental-wasm-relaxed-simd,
 * which the kernel's launcher and the bench pass), and a plain-SIMD one used where relaxed SIMD
 * does not validate. Without WebAssembly SIMD at all, callers use the plain-JS loop. Each also
 * comes in a variant importing its memory as shared, for worker threads (./threads.ts).
 */
import { gemmRelaxed, gemmRelaxedShared, gemmSimd, gemmSimdShared } from "./wasmModules";

// The few WebAssembly types used here (the library compiles without DOM or wasm typings).
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly:
  | {
      validate(bytes: Uint8Array): boolean;
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object, imports: object) => { exports: unknown };
      Memory: new (desc: { initial: number; maximum: number; shared?: boolean }) => WasmMemory;
    }
  | undefined;
declare function atob(s: string): string;

/** See kernel/wasm/gemm.simd.wat: C (+)= A B over kc values of k, on packed operands. */
export type GemmKernel = (
  a: number,
  b: number,
  c: number,
  mPanels: number,
  pPanels: number,
  n: number,
  kc: number,
  acc: number,
) => void;
export interface GemmModule {
  /** float64: panels of 4 rows of A, 4 columns of B. */
  gemm_f64: GemmKernel;
  /** float32: panels of 4 rows of A, 8 columns of B. */
  gemm_f32: GemmKernel;
  /** Packs panels whose entries are adjacent in the source (see gemm.simd.wat); byte offsets. */
  pack_runs: (src: number, sk: number, dst: number, n: number, panels: number, w: number) => void;
  /** Packs panels whose entries lie in adjacent rows of the source (see gemm.simd.wat); byte offsets. */
  pack_rows_f64: (src: number, ld: number, dst: number, n: number, panels: number, groups: number) => void;
  pack_rows_f32: (src: number, ld: number, dst: number, n: number, panels: number, groups: number) => void;
  /** tanh of 2*pairs float64 / float32 values (see gemm.simd.wat); byte offsets. */
  tanh_f64: (src: number, dst: number, pairs: number) => void;
  tanh_f32: (src: number, dst: number, pairs: number) => void;
  mem: WasmMemory;
  /** Which module this is: "relaxed" (fused multiply-add) or "simd". */
  kind: WasmKind;
  /** Whether `mem` is shared (a SharedArrayBuffer that worker threads can run the kernels on). */
  shared: boolean;
  /** The module's bytes (workers instantiate the same module on the same shared memory). */
  bytes: Uint8Array;
}
export type WasmKind = "relaxed" | "simd";

/** Memory pages (64 KiB): the packed operands of one pass fit in 32 MiB (gemm.ts). */
const MAX_PAGES = 1024;
const cache = new Map<string, GemmModule | null>();

function decode(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** One module instance with its own memory, or null where it does not validate or load. */
export function loadWasmGemm(kind: WasmKind, shared = false): GemmModule | null {
  const key = `${kind}/${shared}`;
  const had = cache.get(key);
  if (had !== undefined) return had;
  let mod: GemmModule | null = null;
  try {
    const b64 = kind === "relaxed" ? (shared ? gemmRelaxedShared : gemmRelaxed) : shared ? gemmSimdShared : gemmSimd;
    const bytes = decode(b64);
    if (typeof WebAssembly !== "undefined" && WebAssembly.validate(bytes)) {
      const mem = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared });
      const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem } }).exports as Pick<
        GemmModule,
        "gemm_f32" | "gemm_f64" | "pack_runs" | "pack_rows_f64" | "pack_rows_f32" | "tanh_f64" | "tanh_f32"
      >;
      const { gemm_f64, gemm_f32, pack_runs, pack_rows_f64, pack_rows_f32, tanh_f64, tanh_f32 } = exports;
      mod = {
        gemm_f64,
        gemm_f32,
        pack_runs,
        pack_rows_f64,
        pack_rows_f32,
        tanh_f64,
        tanh_f32,
        mem,
        kind,
        shared,
        bytes,
      };
    }
  } catch {
    mod = null; // e.g. shared memory where SharedArrayBuffer is unavailable
  }
  cache.set(key, mod);
  return mod;
}

let preferred: WasmKind | null = null;

/**
 * The module matrix products use: relaxed SIMD where the host validates it, else plain SIMD,
 * else null (callers fall back to JS). `shared`: the variant on shared memory (threads).
 * `useWasmKind` pins one (tests compare the paths).
 */
export function wasmGemm(shared = false): GemmModule | null {
  if (preferred) return loadWasmGemm(preferred, shared);
  return loadWasmGemm("relaxed", shared) ?? loadWasmGemm("simd", shared);
}

/** Pins the module used by matrix products ("relaxed" or "simd"), or null for automatic. */
export function useWasmKind(kind: WasmKind | null): void {
  preferred = kind;
}
