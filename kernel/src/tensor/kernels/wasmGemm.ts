/**
 * tensor/kernels/: compute kernels on plain typed arrays (matrix product, ...), used by op
 * forwards. They know nothing of tensors, graphs or gradients, and never allocate per element.
 * A kernel that needs WebAssembly also has a plain-JS path, so the library runs without it.
 *
 * This file: instantiates the matrix-product micro-kernels (source: kernel/wasm/*.wat, bytes
 * assembled at build time into wasmModules.ts). Two modules with the same exports: one using
 * relaxed-SIMD fused multiply-add (Chromium; Node 20 with --experimental-wasm-relaxed-simd,
 * which the kernel's launcher and the bench pass), and a plain-SIMD one used where relaxed SIMD
 * does not validate. Without WebAssembly SIMD at all, callers use the plain-JS loop.
 */
import { gemmRelaxed, gemmSimd } from "./wasmModules";

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
    }
  | undefined;
declare function atob(s: string): string;

/** See kernel/wasm/gemm.simd.wat: C (+)= A B over kc values of k, on packed operands. */
export type GemmKernel = (a: number, b: number, c: number, mPanels: number, pPanels: number, n: number, kc: number, acc: number) => void;
export interface GemmModule {
  /** float64: panels of 4 rows of A, 4 columns of B. */
  gemm_f64: GemmKernel;
  /** float32: panels of 4 rows of A, 8 columns of B. */
  gemm_f32: GemmKernel;
  mem: WasmMemory;
  /** Which module this is: "relaxed" (fused multiply-add) or "simd". */
  kind: WasmKind;
}
export type WasmKind = "relaxed" | "simd";

const cache: { [K in WasmKind]?: GemmModule | null } = {};

function decode(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** One module instance (each has its own memory), or null where it does not validate. */
export function loadWasmGemm(kind: WasmKind): GemmModule | null {
  const had = cache[kind];
  if (had !== undefined) return had;
  let mod: GemmModule | null = null;
  try {
    const bytes = decode(kind === "relaxed" ? gemmRelaxed : gemmSimd);
    if (typeof WebAssembly !== "undefined" && WebAssembly.validate(bytes)) {
      const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as Omit<GemmModule, "kind">;
      mod = { gemm_f64: exports.gemm_f64, gemm_f32: exports.gemm_f32, mem: exports.mem, kind };
    }
  } catch {
    mod = null;
  }
  return (cache[kind] = mod);
}

let preferred: WasmKind | null = null;

/**
 * The module matrix products use: relaxed SIMD where the host validates it, else plain SIMD,
 * else null (callers fall back to JS). `useWasmKind` pins one (tests compare the paths).
 */
export function wasmGemm(): GemmModule | null {
  if (preferred) return loadWasmGemm(preferred);
  return loadWasmGemm("relaxed") ?? loadWasmGemm("simd");
}

/** Pins the module used by matrix products ("relaxed" or "simd"), or null for automatic. */
export function useWasmKind(kind: WasmKind | null): void {
  preferred = kind;
}
