import { KERNEL_TRANSPORT_KEY } from "../display/kernelTransport";
import { CellRunner } from "./CellRunner";
import { ChainlabServer } from "./ChainlabServer";
import { tslabConverter, tslabExecutor, tslabJupyter, type Converter, type ConverterSet } from "./tslabInternals";

/**
 * Starts the chainlab kernel: tslab's startKernel (dist/main.js) without its search for a
 * local tslab, with chainlab's CellRunner as the executor's console and the display transport
 * on globalThis. `connectionFile` is the JSON file Jupyter passes as {connection_file}.
 */
export function startKernel(connectionFile: string): void {
  // First, before seconds of loading TypeScript: the parent may die during start-up too.
  exitWithParent();
  const { createConverter } = tslabConverter();
  // Converters are created on first use, as in tslab; the Node one is warmed below.
  let node: Converter | undefined;
  let browser: Converter | undefined;
  const convs: ConverterSet = {
    get node() {
      return (node ??= createConverter({ isJS: false, isBrowser: false }));
    },
    get browser() {
      return (browser ??= createConverter({ isJS: false, isBrowser: true }));
    },
    close() {
      node?.close();
      browser?.close();
    },
  };
  void convs.node;

  const cells = new CellRunner();
  const executor = tslabExecutor().createExecutor(process.cwd(), convs, cells.executorConsole);
  cells.executor = executor;

  (globalThis as Record<symbol, unknown>)[KERNEL_TRANSPORT_KEY] = cells.transport;
  // tslab's own `display` API (import * as tslab from "tslab") reads this module variable.
  tslabJupyter().lastWriteDisplayData = cells.writeDisplayData;

  const handler = new (tslabJupyter().JupyterHandlerImpl)(executor, false);
  const server = new ChainlabServer(handler, connectionFile, cells, () => executor.interrupt());

  // Sync code is stopped by vm's breakOnSigint; this handler rejects the await of async cells.
  process.on("SIGINT", () => executor.interrupt());
  process.on("uncaughtException", (err) => console.error("Uncaught exception:", err));
  process.on("unhandledRejection", (reason) => console.error("Unhandled promise rejection:", reason));

  server.init().catch((e: unknown) => {
    console.error("chainlab kernel: cannot bind the sockets of", connectionFile, e);
    process.exit(1);
  });
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
