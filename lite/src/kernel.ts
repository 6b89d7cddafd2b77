/**
 * The page side of the browser kernel: a JupyterLite BaseKernel that forwards each cell to its
 * Web Worker and turns the worker's messages into Jupyter iopub messages. Interrupt and crashes
 * end the worker and start a new one (JavaScript cannot stop a running loop any other way
 * without cross-origin isolation), and the cell's output says so.
 *
 * Type checking: after the first cell has run, a second worker loads the TypeScript compiler
 * (checkerWorker.ts); from then on each cell is checked first, and a cell with type errors is
 * reported (cell line and column) and not run, as in the tslab kernel. Cells that ran before the
 * checker arrived are handed to it unchecked, so later cells see their declarations. The same
 * worker answers Tab completion and Shift+Tab inspection (Tab before any cell has run loads it).
 */
import type { KernelMessage } from "@jupyterlab/services";
import { BaseKernel, type IKernel } from "@jupyterlite/services";
import type { CellDiagnostic, FromChecker, FromWorker, ToChecker, ToWorker } from "./messages";

type ExecuteReply = KernelMessage.IExecuteReplyMsg["content"];
type Header = KernelMessage.IHeader<KernelMessage.MessageType> | undefined;

const LANGUAGE_INFO = {
  name: "typescript",
  version: "5",
  mimetype: "text/typescript",
  file_extension: ".ts",
  codemirror_mode: { name: "javascript", typescript: true },
  pygments_lexer: "typescript",
  nbconvert_exporter: "script",
};

export const RESTART_NOTE =
  "the worker was restarted: variables and imports from earlier cells are gone; re-run the cells you need.";

/** The type checker's worker, as the kernel sees it. */
interface Checker {
  worker: Worker;
  ready: boolean;
  nextId: number;
  /** Settles when the compiler has loaded (or failed to). */
  loaded: Promise<void>;
  waiting: Map<number, (reply: FromChecker | null) => void>;
}

/** How long Tab or Shift+Tab waits for the checker to load before answering with nothing. */
const CHECKER_WAIT_MS = 20_000;

export class ChainlabLiteKernel extends BaseKernel implements IKernel {
  private worker: Worker | null = null;
  /** null until the first cell has run; then loading, ready, or off (failed to load, said so). */
  private checker: Checker | "off" | null = null;
  /** Cells run before the checker worker existed, handed to it when it starts. */
  private uncheckedCells: string[] = [];
  private workerReady: Promise<void>;
  private nextId = 0;
  private pending: { id: number; header: Header; resolve: (r: ExecuteReply) => void } | null = null;
  /** Header of the latest cell: late outputs (timers, live handles) go there, as in tslab. */
  private cellHeader: Header;

  constructor(
    options: IKernel.IOptions,
    private readonly workerUrl: string,
    private readonly checkerUrl: string,
  ) {
    super(options);
    this.workerReady = this.startWorker();
  }

  get ready(): Promise<void> {
    return this.workerReady;
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.worker?.terminate();
    this.worker = null;
    if (this.checker && this.checker !== "off") this.checker.worker.terminate();
    super.dispose();
  }

  private startWorker(): Promise<void> {
    this.worker?.terminate();
    const worker = new Worker(this.workerUrl);
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      worker.addEventListener("message", (e: MessageEvent<FromWorker>) => {
        if (e.data.type === "ready") resolve();
        else this.onWorkerMessage(e.data);
      });
      worker.addEventListener("error", (e: ErrorEvent) => {
        e.preventDefault();
        const what = e.message || "the worker script failed";
        reject(new Error(what));
        this.restartAfter(`the kernel's worker crashed (${what})`);
      });
    });
  }

  /** Ends the running cell (if any) with an error saying what happened, and starts a new worker. */
  private restartAfter(reason: string): void {
    if (this.worker === null) return;
    this.worker.terminate();
    this.worker = null;
    const p = this.pending;
    this.pending = null;
    const text = `${reason}; ${RESTART_NOTE}`;
    if (p)
      this.finish(p, { ok: false, ename: "KernelRestarted", evalue: text, traceback: [`KernelRestarted: ${text}`] });
    else this.stream({ name: "stderr", text: `${text}\n` }, this.cellHeader);
    this.uncheckedCells = [];
    this.toChecker({ type: "reset" });
    this.workerReady = this.startWorker();
  }

  /** Called for the Interrupt button (see plugin.ts): stops the running cell by replacing the worker. */
  interrupt(): void {
    if (this.pending) this.restartAfter("Interrupted");
  }

  private onWorkerMessage(m: FromWorker): void {
    const header = this.pending?.header ?? this.cellHeader;
    switch (m.type) {
      case "stream":
        this.stream({ name: m.name, text: m.text }, header);
        break;
      case "display": {
        const base = { data: m.data as never, metadata: m.metadata as never };
        if (m.update && m.displayId)
          this.updateDisplayData({ ...base, transient: { display_id: m.displayId } }, header);
        else this.displayData(m.displayId ? { ...base, transient: { display_id: m.displayId } } : base, header);
        break;
      }
      case "clear":
        this.clearOutput({ wait: m.wait }, header);
        break;
      case "result":
        this.publishExecuteResult(
          { execution_count: this.executionCount, data: m.data as never, metadata: {} },
          header,
        );
        break;
      case "crash":
        this.restartAfter(`the kernel's worker stopped: ${m.reason}`);
        break;
      case "done":
        if (this.pending && this.pending.id === m.id) {
          const p = this.pending;
          this.pending = null;
          this.finish(p, m);
        }
        break;
    }
  }

  private finish(
    p: { header: Header; resolve: (r: ExecuteReply) => void },
    m: { ok: true } | { ok: false; ename: string; evalue: string; traceback: string[] },
  ): void {
    if (m.ok) {
      p.resolve({
        status: "ok",
        execution_count: this.executionCount,
        user_expressions: {},
        payload: [],
      } as ExecuteReply);
      return;
    }
    const error = { ename: m.ename, evalue: m.evalue, traceback: m.traceback };
    this.publishExecuteError(error, p.header);
    p.resolve({ status: "error", execution_count: this.executionCount, ...error } as ExecuteReply);
  }

  async kernelInfoRequest(): Promise<KernelMessage.IInfoReplyMsg["content"]> {
    return {
      status: "ok",
      protocol_version: "5.3",
      implementation: "chainlab-lite",
      implementation_version: "0.1.0",
      language_info: LANGUAGE_INFO,
      banner: "TypeScript with chainlab, running in this browser tab (Web Worker); no server.",
      help_links: [],
    } as KernelMessage.IInfoReplyMsg["content"];
  }

  async executeRequest(content: KernelMessage.IExecuteRequestMsg["content"]): Promise<ExecuteReply> {
    try {
      await this.workerReady;
    } catch {
      await this.workerReady; // the first worker failed and a new one was started
    }
    const header = this.parentHeader;
    this.cellHeader = header;
    const code = content.code;
    const diagnostics = await this.typeCheck(code);
    if (diagnostics && diagnostics.length > 0) return this.reportTypeErrors(diagnostics, code, header);
    const id = ++this.nextId;
    const reply = await new Promise<ExecuteReply>((resolve) => {
      this.pending = { id, header, resolve };
      const msg: ToWorker = { type: "execute", id, code };
      this.worker!.postMessage(msg);
    });
    if (this.checker === null) this.startChecker();
    return reply;
  }

  /** Diagnostics for the cell when the checker is ready; null (cell kept for later) until then. */
  private typeCheck(code: string): Promise<CellDiagnostic[] | null> {
    const c = this.checker;
    if (c === "off") return Promise.resolve(null);
    if (c === null || !c.ready) {
      if (c === null) this.uncheckedCells.push(code);
      else this.toChecker({ type: "add", code });
      return Promise.resolve(null);
    }
    const id = ++c.nextId;
    return new Promise((resolve) => {
      c.waiting.set(id, (r) => resolve(r?.type === "checked" ? r.diagnostics : null));
      this.toChecker({ type: "check", id, code });
    });
  }

  /**
   * A complete or inspect request answered by the checker's language service: loads the checker if
   * no cell has run yet (the user is typing), waits for it a while, and gives null when it is off.
   */
  private async askChecker(m: {
    type: "complete" | "inspect";
    code: string;
    pos: number;
  }): Promise<Record<string, unknown> | null> {
    if (this.checker === null) this.startChecker();
    const c = this.checker;
    if (c === null || c === "off") return null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, CHECKER_WAIT_MS)));
    await Promise.race([c.loaded, late]);
    clearTimeout(timer);
    if (!c.ready || this.checker !== c) return null;
    const id = ++c.nextId;
    return new Promise((resolve) => {
      c.waiting.set(id, (r) => resolve(r?.type === "replied" ? r.content : null));
      this.toChecker({ ...m, id });
    });
  }

  private toChecker(m: ToChecker): void {
    if (this.checker && this.checker !== "off") this.checker.worker.postMessage(m);
  }

  /** Loads the type checker (after the first cell, so that cell does not wait for the compiler). */
  private startChecker(): void {
    const worker = new Worker(this.checkerUrl);
    let loaded = () => {};
    const c: Checker = {
      worker,
      ready: false,
      nextId: 0,
      loaded: new Promise<void>((resolve) => (loaded = resolve)),
      waiting: new Map(),
    };
    this.checker = c;
    for (const code of this.uncheckedCells) this.toChecker({ type: "add", code });
    this.uncheckedCells = [];
    worker.addEventListener("message", (e: MessageEvent<FromChecker>) => {
      if (e.data.type === "ready") {
        c.ready = true;
        loaded();
      } else {
        c.waiting.get(e.data.id)?.(e.data);
        c.waiting.delete(e.data.id);
      }
    });
    worker.addEventListener("error", (e: ErrorEvent) => {
      e.preventDefault();
      worker.terminate();
      this.checker = "off";
      loaded();
      for (const resolve of c.waiting.values()) resolve(null);
      const why = e.message || "its script failed to load";
      this.stream(
        { name: "stderr", text: `Type checking is off for this session: the checker stopped (${why}).\n` },
        this.cellHeader,
      );
    });
  }

  /** A cell with type errors: an error reply listing each at its cell line and column; the cell did not run. */
  private reportTypeErrors(diagnostics: CellDiagnostic[], code: string, header: Header): ExecuteReply {
    const lines = code.split("\n");
    const evalue = `${diagnostics.length} type error${diagnostics.length > 1 ? "s" : ""}; the cell did not run`;
    const traceback = [`TypeScriptError: ${evalue}`];
    for (const d of diagnostics) {
      traceback.push(`at cell line ${d.line}, column ${d.column}: ${d.message} (TS${d.code})`);
      const text = lines[d.line - 1];
      if (text !== undefined) traceback.push(`    ${text}`, `    ${" ".repeat(d.column - 1)}^`);
    }
    const error = { ename: "TypeScriptError", evalue, traceback };
    this.publishExecuteError(error, header);
    return { status: "error", execution_count: this.executionCount, ...error } as ExecuteReply;
  }

  /** Tab: TypeScript's completions from the checker worker (nothing while it cannot answer). */
  async completeRequest(
    content: KernelMessage.ICompleteRequestMsg["content"],
  ): Promise<KernelMessage.ICompleteReplyMsg["content"]> {
    const { code, cursor_pos } = content;
    const reply = await this.askChecker({ type: "complete", code, pos: utf16Offset(code, cursor_pos) });
    if (!reply) return { status: "ok", matches: [], cursor_start: cursor_pos, cursor_end: cursor_pos, metadata: {} };
    const ok = reply as { cursor_start: number; cursor_end: number; matches: string[] };
    const [start, end] = [codePoints(code, ok.cursor_start), codePoints(code, ok.cursor_end)];
    return { status: "ok", matches: ok.matches, cursor_start: start, cursor_end: end, metadata: {} };
  }

  /** Shift+Tab: the type, signature and documentation at the cursor, from the checker worker. */
  async inspectRequest(
    content: KernelMessage.IInspectRequestMsg["content"],
  ): Promise<KernelMessage.IInspectReplyMsg["content"]> {
    const { code, cursor_pos } = content;
    const reply = await this.askChecker({ type: "inspect", code, pos: utf16Offset(code, cursor_pos) });
    if (!reply) return { status: "ok", found: false, data: {}, metadata: {} };
    return reply as unknown as KernelMessage.IInspectReplyMsg["content"];
  }

  async isCompleteRequest(): Promise<KernelMessage.IIsCompleteReplyMsg["content"]> {
    return { status: "unknown" };
  }

  async commInfoRequest(): Promise<KernelMessage.ICommInfoReplyMsg["content"]> {
    return { status: "ok", comms: {} };
  }

  inputReply(): void {}
  async commOpen(): Promise<void> {}
  async commMsg(): Promise<void> {}
  async commClose(): Promise<void> {}
}

// Jupyter counts cursor positions in Unicode code points; JavaScript strings index UTF-16 units.
function utf16Offset(code: string, points: number): number {
  return Array.from(code).slice(0, points).join("").length;
}
function codePoints(code: string, offset: number): number {
  return Array.from(code.slice(0, offset)).length;
}
