import type { KernelTransport, MimeBundle, DisplayOptions } from "../display/kernelTransport";
import { ownBundle } from "../display/displayHook";
import { cellFileName, cellTraceback, type CellCode } from "./cellStack";
import type { DeclarationKeeper } from "./declarationKeeper";
import {
  errorFromDiagnostics,
  errorFromThrown,
  interruptError,
  isAsyncInterrupt,
  isInterrupt,
  type CellDiagnostic,
  type ErrorContent,
} from "./errorReport";
import type { Executor, ExecutorConsole } from "./tslabInternals";
import { expandShorthands, originalColumn } from "./expandShorthands";

/**
 * Runs cells one at a time through tslab's executor and turns what happens into Jupyter
 * messages: execute_input, streams, display data (full MIME bundles), execute_result for rich
 * last values, error, and the execute_reply content. It owns the execution count and history.
 */

/** Publishes one iopub message whose parent is the execute_request being served. */
export type Publish = (msgType: string, content: object) => void;

export interface ExecuteRequest {
  code: string;
  silent?: boolean;
  store_history?: boolean;
  stop_on_error?: boolean;
}

export type ExecuteReplyContent =
  | { status: "ok"; execution_count: number; payload: []; user_expressions: Record<string, never> }
  | ({ status: "error"; execution_count: number } & ErrorContent)
  /** As ipykernel: no execution_count, so frontends show [ ] for cells that never ran. */
  | { status: "aborted" };

export interface HistoryEntry {
  line: number;
  code: string;
  /** text/plain of the execute_result, if the cell had one. */
  output: string | null;
}

/** What the executor reported while one cell ran. */
interface CellReport {
  diagnostics: CellDiagnostic[];
  thrown: { error: unknown } | null;
  lastValue: { value: unknown } | null;
}

/** tslab's executor prints each diagnostic with exactly this format string. */
const DIAGNOSTIC_FORMAT = "%s%d:%d - %s";

/** Stream text is batched (as ipykernel does) so a loop printing every step does not send a message per line. */
const STREAM_FLUSH_BYTES = 16 * 1024;
const STREAM_FLUSH_MS = 100;
/** How long an error waits for already-sent requests to arrive before aborting them. */
const ABORT_WINDOW_MS = 5;
/** Cells whose compiled code is kept for tracebacks (functions defined there may throw later). */
const CELLS_KEPT = 200;

export class CellRunner {
  executionCount = 0;
  readonly history: HistoryEntry[] = [];
  /** Set once by the launcher: the executor needs this runner's console, so it comes second. */
  executor: Executor | null = null;
  /** Keeps a failed cell's declarations (set by the launcher with the converters). */
  declarations: DeclarationKeeper | null = null;
  /** Whether a stack frame's file is the user's own (not a library, Node or the kernel). */
  keepFrameFile: (file: string) => boolean = () => false;
  /** Compiled code of recent cells by sequence number, for tracebacks. */
  private readonly cellCode = new Map<number, CellCode>();
  private cellSeq = 0;
  private running: { label: string; source: string } | null = null;

  private tail: Promise<unknown> = Promise.resolve();
  private nextTicket = 0;
  /** Requests that arrived before a failed cell finished are aborted (stop_on_error). */
  private abortBelow = 0;
  private report: CellReport | null = null;
  /** Outputs go to the latest cell, also when they come later (timers), as in ipykernel and tslab. */
  private publishOutput: Publish = () => undefined;
  private pendingStream: { name: string; text: string; since: number } | null = null;
  private flushScheduled = false;
  private lastStreamFlush = 0;

  /** Given to tslab's createExecutor: receives the cell's last value and its errors. */
  readonly executorConsole: ExecutorConsole = {
    log: (value?: unknown, ...rest: unknown[]) => {
      if (this.report && rest.length === 0) this.report.lastValue = { value };
      else console.log(value, ...rest);
    },
    error: (first?: unknown, ...rest: unknown[]) => {
      const report = this.report;
      if (report && first === DIAGNOSTIC_FORMAT && rest.length === 4) {
        const [fileName, line, column, message] = rest as [string, number, number, string];
        report.diagnostics.push({ fileName: fileName.trim(), line, column, message });
      } else if (report && rest.length === 0 && report.thrown === null) {
        report.thrown = { error: first };
      } else {
        console.error(first, ...rest);
      }
    },
  };

  /** Installed on globalThis for the library's show.* and display(). */
  readonly transport: KernelTransport = {
    display: (bundle: MimeBundle, opts: DisplayOptions = {}) => {
      const transient = opts.displayId ? { display_id: opts.displayId } : {};
      const msgType = opts.update && opts.displayId ? "update_display_data" : "display_data";
      this.publishFlushed(msgType, { data: bundle, metadata: opts.metadata ?? {}, transient });
    },
    clearOutput: (wait = false) => this.publishFlushed("clear_output", { wait }),
    atCellEnd: (fn: () => void) => {
      this.cellEndHooks.push(fn);
    },
  };
  private cellEndHooks: (() => void)[] = [];

  /** For tslab's own `display` API (single-MIME messages), routed to the same cell. */
  readonly writeDisplayData = (data: object, update: boolean): void => {
    this.publishFlushed(update ? "update_display_data" : "display_data", data);
  };

  execute(req: ExecuteRequest, publish: Publish): Promise<ExecuteReplyContent> {
    const ticket = this.nextTicket++;
    const run = () => this.run(req, publish, ticket);
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async run(req: ExecuteRequest, publish: Publish, ticket: number): Promise<ExecuteReplyContent> {
    if (ticket < this.abortBelow) return { status: "aborted" };
    const executor = this.executor;
    if (!executor) throw new Error("CellRunner: executor not set");
    const silent = req.silent === true;
    if (!silent && req.store_history !== false) this.executionCount++;
    const count = this.executionCount;

    this.flushStream();
    this.publishOutput = silent ? () => undefined : publish;
    process.stdout.write = this.streamWriter("stdout");
    process.stderr.write = this.streamWriter("stderr");
    this.publishFlushed("execute_input", { code: req.code, execution_count: count });

    const report: CellReport = { diagnostics: [], thrown: null, lastValue: null };
    this.report = report;
    let ok: boolean;
    const rewritten = expandShorthands(req.code);
    this.declarations?.cellStarted();
    this.running = { label: silent ? "(silent)" : `In[${count}]`, source: req.code };
    try {
      ok = await executor.execute(rewritten.code);
    } catch (e) {
      // The executor itself failed (a compiler crash): report it as the cell's error.
      report.thrown ??= { error: e };
      ok = false;
    } finally {
      this.report = null;
      this.running = null;
    }
    const declarationsKept = this.declarations?.cellFinished(ok) ?? false;
    this.runCellEndHooks();

    if (rewritten.insertions.length) {
      for (const d of report.diagnostics)
        if (!d.fileName) d.column = originalColumn(req.code, rewritten.insertions, d.line, d.column);
    }
    let error: ErrorContent | null = null;
    if (!ok) {
      error = report.diagnostics.length
        ? errorFromDiagnostics(report.diagnostics, req.code)
        : this.errorFromThrown(report.thrown ? report.thrown.error : new Error("the cell failed"), declarationsKept);
    } else if (report.diagnostics.length) {
      // A `//%module` cell registers even with diagnostics (tslab's rule): show them as warnings.
      for (const d of report.diagnostics) process.stderr.write(`${d.line}:${d.column} - ${d.message}\n`);
    }

    let output: string | null = null;
    if (ok && report.lastValue) {
      const shown = this.showLastValue(report.lastValue.value, count);
      output = shown;
    }
    if (req.store_history !== false && !silent) this.history.push({ line: count, code: req.code, output });

    if (error) {
      this.publishFlushed("error", error);
      if (req.stop_on_error !== false) {
        // Requests sent before this error may still sit in the socket (a sync cell blocked the
        // loop): let the socket loop take them in, then abort them all. The reply goes out only
        // after this, so a request that reacts to the error is never aborted.
        await new Promise((resolve) => setTimeout(resolve, ABORT_WINDOW_MS));
        this.abortBelow = this.nextTicket;
      }
      this.flushStream();
      return { status: "error", execution_count: count, ...error };
    }
    this.flushStream();
    return { status: "ok", execution_count: count, payload: [], user_expressions: {} };
  }

  /** Called (through the vm hook) when a cell's compiled code starts: the file name to run it under. */
  cellCodeStarted(generated: string): string | null {
    if (!this.running) return null;
    const seq = ++this.cellSeq;
    this.cellCode.set(seq, { ...this.running, generated });
    this.cellCode.delete(seq - CELLS_KEPT);
    return cellFileName(seq);
  }

  private errorFromThrown(e: unknown, declarationsKept: boolean): ErrorContent {
    if (isInterrupt(e)) return interruptError(declarationsKept, isAsyncInterrupt(e));
    const error = errorFromThrown(e);
    if (e instanceof Error && typeof e.stack === "string") {
      const frames = cellTraceback(e.stack, (seq) => this.cellCode.get(seq), this.keepFrameFile);
      error.traceback = [error.traceback[0], ...frames];
    }
    return error;
  }

  /**
   * A value with a Jupyter.display method (Tensors get one from chainlab's display layer; the
   * hook is display/displayHook.ts, shared with display()) becomes an execute_result; anything
   * else is printed as tslab prints it. Returns the text/plain shown, for history.
   */
  private showLastValue(value: unknown, count: number): string | null {
    try {
      const data = ownBundle(value);
      // null: the value has nothing (more) to show, e.g. a display handle already displayed.
      if (data === null) return null;
      if (data !== undefined) {
        this.publishFlushed("execute_result", { execution_count: count, data, metadata: {}, transient: {} });
        return data["text/plain"] as string;
      }
    } catch (e) {
      process.stderr.write(
        `chainlab: the value's [Symbol.for("Jupyter.display")]() failed: ${e instanceof Error ? e.message : String(e)}\n`,
      );
    }
    console.log(value);
    return null;
  }

  private runCellEndHooks(): void {
    const hooks = this.cellEndHooks;
    this.cellEndHooks = [];
    for (const fn of hooks) {
      try {
        fn();
      } catch (e) {
        process.stderr.write(
          `chainlab: a display failed at the end of the cell: ${e instanceof Error ? e.message : String(e)}\n`,
        );
      }
    }
  }

  private streamWriter(name: "stdout" | "stderr") {
    const decoder = new TextDecoder();
    return (chunk: string | Uint8Array, encodingOrCb?: unknown, cb?: unknown): boolean => {
      const text = typeof chunk === "string" ? chunk : decoder.decode(chunk);
      this.appendStream(name, text);
      const done = typeof encodingOrCb === "function" ? encodingOrCb : cb;
      if (typeof done === "function") (done as () => void)();
      return true;
    };
  }

  private appendStream(name: string, text: string): void {
    const now = Date.now();
    if (this.pendingStream && this.pendingStream.name !== name) this.flushStream();
    if (!this.pendingStream) this.pendingStream = { name, text: "", since: now };
    this.pendingStream.text += text;
    // Only bursts are batched: text after a quiet spell goes out at once (a print before a long
    // synchronous computation must show now). A synchronous loop never yields to a timer, so a
    // burst is flushed by size and age as well.
    const quiet = now - this.lastStreamFlush > STREAM_FLUSH_MS;
    if (
      quiet ||
      this.pendingStream.text.length > STREAM_FLUSH_BYTES ||
      now - this.pendingStream.since > STREAM_FLUSH_MS
    ) {
      this.flushStream();
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flushStream();
      });
    }
  }

  private flushStream(): void {
    const p = this.pendingStream;
    this.pendingStream = null;
    if (p && p.text) {
      this.publishOutput("stream", { name: p.name, text: p.text });
      this.lastStreamFlush = Date.now();
    }
  }

  /** Any non-stream message first flushes pending stream text, so outputs keep their order. */
  private publishFlushed(msgType: string, content: object): void {
    this.flushStream();
    this.publishOutput(msgType, content);
  }
}
