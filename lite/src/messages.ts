/**
 * The messages between the page-side kernel (kernel.ts) and its Web Worker (worker.ts). Plain
 * data only (structured clone); one execute at a time, so replies carry the request's id.
 */

export type MimeBundle = Record<string, unknown>;

export type ToWorker = { type: "execute"; id: number; code: string };

export type FromWorker =
  | { type: "ready"; chainlabVersion: string }
  | { type: "stream"; id: number; name: "stdout" | "stderr"; text: string }
  | {
      type: "display";
      id: number;
      data: MimeBundle;
      metadata: Record<string, unknown>;
      displayId?: string;
      update: boolean;
    }
  | { type: "clear"; id: number; wait: boolean }
  | { type: "crash"; reason: string }
  | { type: "result"; id: number; data: MimeBundle }
  | { type: "done"; id: number; ok: true }
  | { type: "done"; id: number; ok: false; ename: string; evalue: string; traceback: string[] };

/** The page-side kernel and the type checker's worker (checkerWorker.ts). */
export type ToChecker =
  | { type: "check"; id: number; code: string }
  | { type: "complete"; id: number; code: string; pos: number }
  | { type: "inspect"; id: number; code: string; pos: number }
  | { type: "add"; code: string }
  | { type: "reset" };

/** A type error; line and column are 1-based, in the cell; code is TypeScript's number (TS2322). */
export interface CellDiagnostic {
  line: number;
  column: number;
  code: number;
  message: string;
}

/** Replies to complete and inspect requests: a complete_reply's or inspect_reply's content. */
export type FromChecker =
  | { type: "ready" }
  | { type: "checked"; id: number; diagnostics: CellDiagnostic[] }
  | { type: "replied"; id: number; content: Record<string, unknown> };
