/**
 * Worker threads for big matrix products (as torch.set_num_threads): `setNumThreads(n)` starts
 * n - 1 workers, each running the same WebAssembly kernel module on one shared memory. The
 * caller packs both operands into that memory once; each thread computes a contiguous range
 * of row panels of C with the same kernel calls as one thread would, so results are identical.
 *
 * Platform seam: worker_threads is reached through `process.getBuiltinModule` (Node 20.16+), not
 * imported, so the browser bundle has no Node built-in; where it or SharedArrayBuffer is missing
 * (a browser page, older Node) products stay on one thread.
 */
import type { GemmKernel, GemmModule } from "./wasmGemm";
import { fail } from "../../errors";

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  on(ev: "error" | "exit", f: () => void): void;
}
interface WorkerThreads {
  Worker: new (src: string, opts: { eval: true; workerData: unknown }) => NodeWorker;
}

function workerThreads(): WorkerThreads | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== "function" || typeof SharedArrayBuffer === "undefined") return null;
  const wt = proc.getBuiltinModule("worker_threads") as WorkerThreads | undefined;
  return wt && typeof wt.Worker === "function" ? wt : null;
}

/**
 * Runs the kernel over row panels [ip0, ip1) of C with cache blocking (KC values of k, MC row
 * panels per call). Self-contained (no imports, no outer names): workers get its source text.
 */
export function runPanels(
  kernel: GemmKernel,
  aAt: number,
  bAt: number,
  cAt: number,
  ip0: number,
  ip1: number,
  pP: number,
  n: number,
  pw: number,
  PW: number,
  bytes: number,
  KC: number,
  MC: number,
): void {
  for (let k0 = 0; k0 < n; k0 += KC) {
    const kc = Math.min(KC, n - k0);
    for (let i = ip0; i < ip1; i += MC) {
      kernel(
        (aAt + i * 4 * n + k0 * 4) * bytes,
        (bAt + k0 * PW) * bytes,
        (cAt + i * 4 * pw) * bytes,
        Math.min(MC, ip1 - i),
        pP,
        n,
        kc,
        k0 > 0 ? 1 : 0,
      );
    }
  }
}

// Control words of one worker (an Int32Array on a SharedArrayBuffer).
const SEQ = 0,
  DONE = 1,
  READY = 2,
  F32 = 3,
  ARGS = 4; // ARGS..: the 12 numbers runPanels takes
const CTL_WORDS = ARGS + 12;

const WORKER_SOURCE = `
const { workerData } = process.getBuiltinModule("worker_threads");
const runPanels = ${runPanels.toString()};
const inst = new WebAssembly.Instance(new WebAssembly.Module(workerData.bytes), { env: { mem: workerData.mem } });
const c = new Int32Array(workerData.ctl);
Atomics.store(c, ${READY}, 1);
let seq = 0;
for (;;) {
  Atomics.wait(c, ${SEQ}, seq);
  seq = Atomics.load(c, ${SEQ});
  if (seq < 0) break;
  const a = [];
  for (let i = 0; i < 12; i++) a.push(c[${ARGS} + i]);
  runPanels(c[${F32}] ? inst.exports.gemm_f32 : inst.exports.gemm_f64, ...a);
  Atomics.store(c, ${DONE}, seq);
  Atomics.notify(c, ${DONE});
}
`;

interface Slot {
  worker: NodeWorker;
  ctl: Int32Array;
  seq: number;
  dead: boolean;
}

let numThreads = 1;
/** Row ranges finished by workers (for tests: proves the workers, not only the caller, ran). */
export const threadCounters = { workerRanges: 0 };
let pool: Slot[] = [];
let poolModule: GemmModule | null = null;

/** Sets how many threads big matrix products use (1: the calling thread only, the default). */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 64)
    fail("setNumThreads", `expected an integer from 1 to 64, got ${String(n)}`);
  // Workers beyond the count are kept, idle (blocked in Atomics.wait), for a later increase.
  numThreads = n;
}

/** The thread count set by setNumThreads (what products may use; fewer where workers are unavailable). */
export function getNumThreads(): number {
  return numThreads;
}

/** Whether products should use the shared-memory module (threads requested and possible). */
export function threadsWanted(): boolean {
  return numThreads > 1 && workerThreads() !== null;
}

function stopPool(): void {
  for (const s of pool) {
    Atomics.store(s.ctl, SEQ, -1);
    Atomics.notify(s.ctl, SEQ);
    void s.worker.terminate();
  }
  pool = [];
  poolModule = null;
}

/** Workers for module `w` (started on first use; they do not keep the process alive). */
function workersFor(w: GemmModule): Slot[] {
  const wt = workerThreads();
  if (!wt || !w.shared) return [];
  if (poolModule !== w) stopPool();
  poolModule = w;
  while (pool.length < numThreads - 1) {
    const ctl = new Int32Array(new SharedArrayBuffer(CTL_WORDS * 4));
    const worker = new wt.Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { bytes: w.bytes, mem: w.mem, ctl: ctl.buffer },
    });
    worker.unref();
    const slot: Slot = { worker, ctl, seq: 0, dead: false };
    worker.on("error", () => (slot.dead = true));
    worker.on("exit", () => (slot.dead = true));
    pool.push(slot);
  }
  return pool.slice(0, numThreads - 1);
}

/**
 * Computes row panels [0, mP) of a packed product, split over the calling thread and the
 * ready workers. A worker that has not started yet, or stops answering, leaves its range to
 * the calling thread (same kernel calls, so the same result).
 */
export function runThreaded(
  w: GemmModule,
  f32: boolean,
  aAt: number,
  bAt: number,
  cAt: number,
  mP: number,
  pP: number,
  n: number,
  pw: number,
  PW: number,
  bytes: number,
  KC: number,
  MC: number,
): void {
  const kernel = f32 ? w.gemm_f32 : w.gemm_f64;
  const ready = workersFor(w).filter((s) => !s.dead && Atomics.load(s.ctl, READY) === 1);
  const parts = ready.length + 1;
  if (parts === 1 || mP < 2) return runPanels(kernel, aAt, bAt, cAt, 0, mP, pP, n, pw, PW, bytes, KC, MC);
  const share = Math.ceil(mP / parts);
  const given: { slot: Slot; ip0: number; ip1: number }[] = [];
  for (let t = 0; t < ready.length; t++) {
    const ip0 = t * share,
      ip1 = Math.min(mP, ip0 + share);
    if (ip0 >= ip1) break;
    const s = ready[t];
    const args = [aAt, bAt, cAt, ip0, ip1, pP, n, pw, PW, bytes, KC, MC];
    for (let i = 0; i < args.length; i++) s.ctl[ARGS + i] = args[i];
    s.ctl[F32] = f32 ? 1 : 0;
    s.seq++;
    Atomics.store(s.ctl, SEQ, s.seq);
    Atomics.notify(s.ctl, SEQ);
    given.push({ slot: s, ip0, ip1 });
  }
  const mine0 = given.length * share;
  if (mine0 < mP) runPanels(kernel, aAt, bAt, cAt, mine0, mP, pP, n, pw, PW, bytes, KC, MC);
  for (const { slot, ip0, ip1 } of given) {
    // Wait for the worker; if it does not finish within a minute it is given up on and its
    // rows are computed here (a dead worker must not hang the kernel).
    let waited = 0;
    while (Atomics.load(slot.ctl, DONE) !== slot.seq && waited < 60_000) {
      Atomics.wait(slot.ctl, DONE, Atomics.load(slot.ctl, DONE), 100);
      waited += 100;
    }
    if (Atomics.load(slot.ctl, DONE) !== slot.seq) {
      slot.dead = true;
      void slot.worker.terminate();
      runPanels(kernel, aAt, bAt, cAt, ip0, ip1, pP, n, pw, PW, bytes, KC, MC);
    } else threadCounters.workerRanges++;
  }
}
