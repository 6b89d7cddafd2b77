/**
 * The Web Worker that runs notebook cells for the browser kernel: a long training loop runs here
 * and the page stays responsive. chainlab is bundled in (the same kernel/src as the tslab kernel);
 * show.*, display() and live handles reach the page through the same KernelTransport the tslab
 * kernel installs, so both kernels send the same MIME bundles.
 */
import * as chainlab from "chainlab";
import { bundleOf } from "../../kernel/src/display/show";
import { KERNEL_TRANSPORT_KEY, type KernelTransport } from "../../kernel/src/display/kernelTransport";
import { inspectValue } from "../../kernel/src/display/platform";
import { CellSyntaxError, transformCell } from "./cellTransform";
import type { FromWorker, ToWorker } from "./messages";

declare const self: {
  postMessage(m: FromWorker): void;
  addEventListener(type: string, fn: (e: never) => void): void;
  close(): void;
};

const post = (m: FromWorker) => self.postMessage(m);

// ELK's worker script, loaded on the first graph layout, claims `self.onmessage` when it sees a
// worker scope; this worker listens with addEventListener, so such an assignment is ignored.
Object.defineProperty(self, "onmessage", { get: () => null, set: () => undefined, configurable: false });

/** Outputs go to the latest cell, also when they come later (timers), as in tslab. */
let currentId = 0;
let cellEndHooks: (() => void)[] = [];

const transport: KernelTransport = {
  display(bundle, opts = {}) {
    post({
      type: "display",
      id: currentId,
      data: bundle,
      metadata: opts.metadata ?? {},
      displayId: opts.displayId,
      update: !!(opts.update && opts.displayId),
    });
  },
  clearOutput(wait = false) {
    post({ type: "clear", id: currentId, wait });
  },
  atCellEnd(fn) {
    cellEndHooks.push(fn);
  },
};
(globalThis as Record<symbol, unknown>)[KERNEL_TRANSPORT_KEY] = transport;

function formatArgs(args: unknown[]): string {
  return args.map((a) => (typeof a === "string" ? a : inspectValue(a))).join(" ") + "\n";
}
const stream =
  (name: "stdout" | "stderr") =>
  (...args: unknown[]) =>
    post({ type: "stream", id: currentId, name, text: formatArgs(args) });
Object.assign(console, {
  log: stream("stdout"),
  info: stream("stdout"),
  debug: stream("stdout"),
  warn: stream("stderr"),
  error: stream("stderr"),
});

// A worker that closes itself (a cell calling close()) would leave the kernel without a runtime
// and the cell without a reply: the page is told first and starts a new worker.
const closeWorker = self.close.bind(self);
self.close = () => {
  post({ type: "crash", reason: "the cell called close(), which stopped the worker" });
  closeWorker();
};

const NODE_BUILTINS = new Set(
  (
    "assert buffer child_process cluster console crypto dgram dns events fs http http2 https inspector module net os path " +
    "perf_hooks process querystring readline repl stream string_decoder timers tls tty url util v8 vm worker_threads zlib"
  ).split(" "),
);
const MODULES: Record<string, unknown> = { chainlab };

function moduleError(spec: string): Error {
  const bare = spec.replace(/^node:/, "").split("/")[0]!;
  const why =
    spec.startsWith("node:") || NODE_BUILTINS.has(bare)
      ? `"${spec}" is a Node.js built-in module; the browser kernel has no Node.js. Run this notebook with the "chainlab" (tslab) kernel.`
      : `Cannot find module "${spec}": the browser kernel provides only ${Object.keys(MODULES)
          .map((m) => `"${m}"`)
          .join(", ")}.`;
  const e = new Error(why);
  e.name = "ModuleNotFoundError";
  return e;
}

/** What rewritten cells call for their imports (see cellTransform.ts). */
const runtime = {
  require(spec: string): unknown {
    if (spec in MODULES) return MODULES[spec];
    throw moduleError(spec);
  },
  defaultOf(mod: unknown): unknown {
    const d = (mod as { default?: unknown }).default;
    return d === undefined ? mod : d;
  },
  /**
   * A missing export binds undefined rather than failing: with imports kept for later cells,
   * a name imported only as a type (`import { OpDef } from "chainlab"`) has no runtime value.
   */
  member(mod: unknown, key: string, _spec: string): unknown {
    return (mod as Record<string, unknown>)[key];
  },
};

const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (
  ...args: string[]
) => (rt: typeof runtime) => Promise<unknown>;
/** Lines the Function constructor puts before the body ("async function anonymous(__cl\n) {\n"). */
const BODY_LINE_OFFSET = 2;

/** Traceback lines for an error thrown by cell code: message, then the cell lines it passed through. */
function traceback(e: unknown, cellLines: string[]): { ename: string; evalue: string; traceback: string[] } {
  if (e instanceof CellSyntaxError) {
    return {
      ename: "SyntaxError",
      evalue: e.message,
      traceback: [`SyntaxError: ${e.message}`, ...pointAt(cellLines, e.line, e.column)],
    };
  }
  const err = e instanceof Error ? e : null;
  const ename = err?.name ?? "Error";
  const evalue = err ? err.message : inspectValue(e);
  const out = [`${ename}: ${evalue}`];
  const frames = (err?.stack ?? "")
    .split("\n")
    .map((l) => /<anonymous>:(\d+):(\d+)\)?\s*$/.exec(l))
    .filter((m) => m !== null);
  const first = frames[0];
  if (first) out.push(...pointAt(cellLines, Number(first[1]) - BODY_LINE_OFFSET, Number(first[2])));
  return { ename, evalue, traceback: out };
}

function pointAt(lines: string[], line: number, column: number): string[] {
  const text = lines[line - 1];
  if (text === undefined) return [];
  return [`at cell line ${line}, column ${column}:`, `    ${text}`, `    ${" ".repeat(Math.max(0, column - 1))}^`];
}

async function execute(id: number, code: string): Promise<void> {
  currentId = id;
  cellEndHooks = [];
  const cellLines = code.split("\n");
  try {
    const cell = transformCell(code);
    const g = globalThis as Record<string, unknown>;
    for (const n of cell.names) if (!(n in g)) g[n] = undefined;
    const fn = new AsyncFunction("__cl", cell.body);
    const value = await fn(runtime);
    runCellEndHooks();
    if (cell.returnsValue && value !== undefined) {
      const bundle = bundleOf(value);
      if (bundle) post({ type: "result", id, data: bundle });
    }
    post({ type: "done", id, ok: true });
  } catch (e) {
    runCellEndHooks();
    post({ type: "done", id, ok: false, ...traceback(e, cellLines) });
  }
}

function runCellEndHooks(): void {
  const hooks = cellEndHooks;
  cellEndHooks = [];
  for (const h of hooks) {
    try {
      h();
    } catch (e) {
      post({ type: "stream", id: currentId, name: "stderr", text: `display flush failed: ${String(e)}\n` });
    }
  }
}

self.addEventListener("message", (e: { data: ToWorker }) => {
  if (e.data.type === "execute") void execute(e.data.id, e.data.code);
});
// Errors from timers and unawaited promises are reported on the latest cell; the worker goes on.
self.addEventListener("error", (e: { error?: unknown; message?: string; preventDefault(): void }) => {
  e.preventDefault();
  post({
    type: "stream",
    id: currentId,
    name: "stderr",
    text: `Uncaught ${e.error instanceof Error ? `${e.error.name}: ${e.error.message}` : e.message}\n`,
  });
});
self.addEventListener("unhandledrejection", (e: { reason?: unknown; preventDefault(): void }) => {
  e.preventDefault();
  const r = e.reason;
  post({
    type: "stream",
    id: currentId,
    name: "stderr",
    text: `Unhandled promise rejection: ${r instanceof Error ? `${r.name}: ${r.message}` : inspectValue(r)}\n`,
  });
});

post({ type: "ready", chainlabVersion: "0.1.0" });
