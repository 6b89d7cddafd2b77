import { ChainlabServer, type KernelRuntime } from "./ChainlabServer";
import { bindKernelSockets } from "./kernelSockets";

/**
 * Starts the chainlab kernel. Order matters for a classroom of kernels starting at once:
 * 1. bind the five sockets on the connection file's ports (nothing slow before: no EADDRINUSE
 *    race with other kernels), 2. serve kernel_info and heartbeats, 3. load TypeScript and tslab
 * only when a cell (or completion) needs them, so an idle kernel stays small.
 * CHAINLAB_PRELOAD=1 in the kernelspec's env loads them right after binding instead (a faster
 * first cell for a single user, ~110 MB more per idle kernel).
 */
export function startKernel(connectionFile: string): void {
  // First, before anything else: the parent may die during start-up too.
  exitWithParent();
  let runtime: KernelRuntime | undefined;
  let interruptRuntime: (() => void) | undefined;
  const load = (): KernelRuntime => {
    if (!runtime) {
      // Loaded here, not at the top: requiring these loads TypeScript (seconds).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { createRuntime } = require("./kernelRuntime") as typeof import("./kernelRuntime");
      const made = createRuntime();
      runtime = made.runtime;
      interruptRuntime = made.interrupt;
    }
    return runtime;
  };
  const interrupt = () => interruptRuntime?.();

  // Installed at once: without a handler, SIGINT (Jupyter's interrupt) would kill the process.
  // Sync code is stopped by vm's breakOnSigint; this handler rejects the await of async cells.
  process.on("SIGINT", interrupt);
  process.on("uncaughtException", (err) => console.error("Uncaught exception:", err));
  process.on("unhandledRejection", (reason) => console.error("Unhandled promise rejection:", reason));

  bindKernelSockets(connectionFile).then(
    (sockets) => {
      new ChainlabServer(sockets, load, () => runtime, interrupt).start();
      if (process.env.CHAINLAB_PRELOAD === "1") setImmediate(() => load().warm());
    },
    (e: unknown) => {
      console.error("chainlab kernel: cannot bind the sockets of", connectionFile, e);
      process.exit(1);
    },
  );
}

/**
 * If the Jupyter server dies without shutting the kernel down, the kernel would live on as an
 * orphan (re-parented); ipykernel polls its parent for the same reason.
 */
function exitWithParent(): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, 2000);
  timer.unref();
}
