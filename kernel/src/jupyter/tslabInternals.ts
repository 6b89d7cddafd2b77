/**
 * The parts of tslab 1.0.22's internals (dist/executor, dist/jupyter, dist/converter,
 * dist/util) the launcher uses, typed here by hand. They are not tslab's public API, which is
 * why kernel/package.json pins tslab exactly; typing them locally also keeps tslab's bundled
 * TypeScript 5.0 declarations out of this package's build.
 */

/** What tslab's executor calls for the cell's last value (`log`) and for errors (`error`). */
export interface ExecutorConsole {
  log(message?: unknown, ...rest: unknown[]): void;
  error(message?: unknown, ...rest: unknown[]): void;
}

export interface Executor {
  /** Compiles and runs one cell; false when it failed (diagnostics or a thrown error). */
  execute(src: string): Promise<boolean>;
  inspect(src: string, position: number): unknown;
  complete(src: string, position: number): { start: number; end: number; candidates: string[] };
  reset(): void;
  /** The names the cells declared or imported, with their current values. */
  locals: Record<string, unknown>;
  /** Rejects the pending await of an async cell (sync code is stopped by breakOnSigint). */
  interrupt(): void;
  close(): void;
}

export interface Converter {
  close(): void;
}

export interface ConverterSet {
  readonly node: Converter;
  readonly browser: Converter;
  close(): void;
}

/** A parsed wire message; createReply() copies identities and sets the parent header. */
export interface ZmqMessage {
  header: { msg_type: string; msg_id: string; session: string; username: string; version: string; date: string };
  parent: object;
  metadata: object;
  // tslab's own (untyped) message content.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  content: any;
  createReply(): ZmqMessage;
  signAndSend(key: string, sock: unknown): void;
}

export interface ZmqServerInstance {
  handler: JupyterHandler;
  connInfo: { key: string };
  iopub: unknown;
  handleShellMessage(sock: unknown, ...args: Buffer[]): Promise<void>;
  handleExecute(sock: unknown, msg: ZmqMessage): Promise<void>;
  handleShutdown(sock: unknown, msg: ZmqMessage): void;
  init(): Promise<void>;
  close(): void;
}

export interface JupyterHandler {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tslab's untyped kernel_info reply
  handleKernel(): any;
  handleIsComplete(req: unknown): unknown;
  handleInspect(req: { code: string; cursor_pos: number }): {
    status: string;
    found: boolean;
    data: Record<string, string>;
  };
  handleComplete(req: unknown): unknown;
  handleShutdown(req: unknown): unknown;
  close(): void;
}

export interface TaskQueue {
  add<T>(fn: () => Promise<T>): Promise<T>;
  reset(delay?: number): void;
}

interface TslabExecutorModule {
  createExecutor(rootDir: string, convs: ConverterSet, console: ExecutorConsole): Executor;
}
interface TslabConverterModule {
  createConverter(options: { isJS: boolean; isBrowser: boolean }): Converter;
}
interface TslabJupyterModule {
  lastWriteDisplayData: ((data: object, update: boolean) => void) | null;
  JupyterHandlerImpl: new (executor: Executor, isJs: boolean) => JupyterHandler;
  ZmqServer: new (handler: JupyterHandler, configPath: string) => ZmqServerInstance;
}
interface TslabUtilModule {
  TaskQueue: new () => TaskQueue;
  TaskCanceledError: new (reason: unknown) => Error;
}

/* eslint-disable @typescript-eslint/no-require-imports -- tslab/dist/* are deep CommonJS paths with no typings: loaded lazily, typed by the interfaces above */
export const tslabExecutor = (): TslabExecutorModule => require("tslab/dist/executor");
export const tslabConverter = (): TslabConverterModule => require("tslab/dist/converter");
export const tslabJupyter = (): TslabJupyterModule => require("tslab/dist/jupyter");
export const tslabUtil = (): TslabUtilModule => require("tslab/dist/util");
