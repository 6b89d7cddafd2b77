/**
 * The globals a cell can use in the browser kernel's worker, as declarations for the type checker
 * (typeCheck.ts). tslab gets these from @types/node; the browser has no Node, and the DOM lib would
 * clash with cell names such as `name` or `close`, so the checker gets this short list instead.
 */
export const WORKER_GLOBALS_DTS = `
interface Console {
  log(...data: any[]): void;
  info(...data: any[]): void;
  debug(...data: any[]): void;
  warn(...data: any[]): void;
  error(...data: any[]): void;
  table(data: any, columns?: string[]): void;
  time(label?: string): void;
  timeEnd(label?: string): void;
}
declare var console: Console;
declare function setTimeout(handler: (...args: any[]) => void, timeout?: number, ...args: any[]): number;
declare function clearTimeout(id: number | undefined): void;
declare function setInterval(handler: (...args: any[]) => void, timeout?: number, ...args: any[]): number;
declare function clearInterval(id: number | undefined): void;
declare function queueMicrotask(callback: () => void): void;
declare function structuredClone<T>(value: T): T;
declare var performance: { now(): number; timeOrigin: number };
declare function close(): void;
declare var self: typeof globalThis;
`;
