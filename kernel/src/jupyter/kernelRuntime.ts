import * as path from "path";
import * as v8 from "v8";
import type * as VmModule from "vm";
import { KERNEL_TRANSPORT_KEY } from "../display/kernelTransport";
import { CellRunner } from "./CellRunner";
import type { KernelRuntime } from "./ChainlabServer";
import { completionReply, type CompletionInfo } from "./completion";
import { DeclarationKeeper, type CellConverter } from "./declarationKeeper";
import { inspectReply } from "./inspection";
import { tslabConverter, tslabExecutor, tslabJupyter, type Converter, type ConverterSet } from "./tslabInternals";

/**
 * What the kernel loads when TypeScript is first needed: tslab's converters and executor, the
 * CellRunner as the executor's console, the display transport on globalThis, and the memory
 * housekeeping of a long session. Required lazily by startKernel (requiring it loads TypeScript).
 */

/** The package folder of this chainlab: frames inside it are the library's, not the user's. */
const CHAINLAB_DIR = path.resolve(__dirname, "..", "..");

export function createRuntime(): { runtime: KernelRuntime & { warm(): void }; interrupt(): void } {
  const { createConverter } = tslabConverter();
  const keeper = new DeclarationKeeper();
  // Converters are created on first use, as in tslab (the Node one holds the TypeScript program).
  let node: Converter | undefined;
  let browser: Converter | undefined;
  const make = (isBrowser: boolean) =>
    keeper.wrap(createConverter({ isJS: false, isBrowser }) as unknown as Converter & CellConverter);
  const convs: ConverterSet = {
    get node() {
      return (node ??= make(false));
    },
    get browser() {
      return (browser ??= make(true));
    },
    close() {
      node?.close();
      browser?.close();
    },
  };

  const cells = new CellRunner();
  const executor = tslabExecutor().createExecutor(process.cwd(), convs, cells.executorConsole);
  cells.executor = executor;
  cells.declarations = keeper;
  cells.keepFrameFile = (file) =>
    !file.startsWith("node:") && !/[\\/]node_modules[\\/]/.test(file) && !file.startsWith(CHAINLAB_DIR);
  nameCellFiles(cells);

  (globalThis as Record<symbol, unknown>)[KERNEL_TRANSPORT_KEY] = cells.transport;
  // tslab's own `display` API (import * as tslab from "tslab") reads this module variable.
  tslabJupyter().lastWriteDisplayData = cells.writeDisplayData;
  const handler = new (tslabJupyter().JupyterHandlerImpl)(executor, false);
  const collector = idleCollector();

  return {
    runtime: {
      cells,
      handler,
      afterCell: collector,
      complete: (req) =>
        completionReply(req, executor.complete(req.code, req.cursor_pos) as CompletionInfo, {
          isUserName: (name) => Object.prototype.hasOwnProperty.call(executor.locals, name),
          isDefinedGlobal: (name) => name in globalThis,
        }),
      inspect: (req) => inspectReply(req, (code, pos) => handler.handleInspect({ code, cursor_pos: pos })),
      warm: () => void convs.node,
      close: () => handler.close(),
    },
    interrupt: () => executor.interrupt(),
  };
}

/**
 * tslab runs each cell's code through vm.runInThisContext without a file name; giving each its
 * own (cellStack.ts) lets tracebacks find the cell's frames. The code tslab passes starts with
 * its wrapper `(function(exports, require) { ` or the async one, on the same line as the output.
 */
function nameCellFiles(cells: CellRunner): void {
  // The module object itself (tslab calls vm.runInThisContext on it), not an import copy.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const vm = require("vm") as typeof VmModule;
  const original = vm.runInThisContext;
  const patched = function (code: string, options?: VmModule.RunningScriptOptions | string) {
    if (typeof code === "string" && /^\((async )?function\(exports, require\) \{ /.test(code)) {
      const file = cells.cellCodeStarted(code.slice(code.indexOf("{ ") + 2));
      if (file) options = { ...(typeof options === "object" ? options : {}), filename: file };
    }
    return original.call(vm, code, options as VmModule.RunningScriptOptions);
  };
  vm.runInThisContext = patched as typeof vm.runInThisContext;
}

/** Idle time after the last cell before a full GC, and the least time between two. */
const IDLE_MS = 2000;
const MIN_GAP_MS = 20000;

/**
 * A full garbage collection when the kernel has been idle for a moment after cells ran. V8
 * alone lets a kernel's heap drift to several hundred MB of garbage over hundreds of cells
 * (its next-GC limit grows with the heap); collecting while the student reads keeps resident
 * memory near the live data, at ~50-150 ms of otherwise idle time. CHAINLAB_IDLE_GC=0 turns it off.
 */
function idleCollector(): () => void {
  v8.setFlagsFromString("--expose_gc");
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the same vm module object as nameCellFiles (vm is imported for types only)
  const gc = (require("vm") as typeof VmModule).runInNewContext("gc") as (() => void) | undefined;
  let timer: NodeJS.Timeout | null = null;
  let last = 0;
  const disabled = process.env.CHAINLAB_IDLE_GC === "0";
  return () => {
    if (disabled || typeof gc !== "function") return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      if (Date.now() - last < MIN_GAP_MS) return;
      last = Date.now();
      gc();
    }, IDLE_MS);
    timer.unref();
  };
}
