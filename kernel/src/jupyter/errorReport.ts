/**
 * Turns what went wrong in a cell (TypeScript diagnostics, a thrown value, an interrupt) into
 * the `error` content Jupyter expects: ename, evalue and a traceback of lines (ANSI colours
 * allowed; every frontend renders them).
 */

import { installCommand } from "./installHint";

export interface ErrorContent {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** One TypeScript diagnostic as tslab's executor prints it: 1-based line and column. */
export interface CellDiagnostic {
  fileName: string;
  line: number;
  column: number;
  message: string;
}

const RED = "\u001b[0;31m";
const BOLD_RED = "\u001b[1;31m";
const RESET = "\u001b[0m";

/**
 * Node's vm throws "Script execution was interrupted by `SIGINT`" (older: "Script execution
 * interrupted.") for sync code; tslab rejects async cells with "Interrupted asynchronously".
 */
const INTERRUPT_MESSAGE = /^(Script execution (was )?interrupted|Interrupted asynchronously)/;

export function isInterrupt(e: unknown): boolean {
  return e instanceof Error && INTERRUPT_MESSAGE.test(e.message);
}

export function isAsyncInterrupt(e: unknown): boolean {
  return e instanceof Error && /^Interrupted asynchronously/.test(e.message);
}

/**
 * What an interrupt keeps, said exactly: earlier cells' variables keep their values; the
 * interrupted cell's own top-level declarations stay declared with what was assigned before
 * the interrupt (the kernel keeps their types, see declarationKeeper.ts) or, if the cell never
 * compiled, do not exist. An async cell's pending work is not cancelled by JavaScript.
 */
export function interruptError(declarationsKept: boolean, async: boolean): ErrorContent {
  const kept = declarationsKept
    ? "this cell's own top-level variables stay declared with the values assigned before the interrupt (undefined if not reached)"
    : "this cell's own declarations are lost (it had not compiled)";
  const pending = async
    ? "; promises the cell started may still settle in the background (JavaScript cannot cancel them)"
    : "";
  return {
    ename: "Interrupted",
    evalue: "execution was interrupted",
    traceback: [`${BOLD_RED}Interrupted${RESET}: earlier cells' variables keep their values; ${kept}${pending}`],
  };
}

/** The error line of a thrown value; the cell's frames are added by the CellRunner (cellStack.ts). */
export function errorFromThrown(e: unknown): ErrorContent {
  if (e instanceof Error) {
    const ename = e.name || "Error";
    const evalue = e.message;
    return { ename, evalue, traceback: [`${BOLD_RED}${ename}${RESET}: ${evalue}`] };
  }
  // A thrown non-Error (throw "x", throw 42): there is no stack, only the value.
  let shown: string;
  try {
    shown = typeof e === "string" ? e : (JSON.stringify(e) ?? String(e));
  } catch {
    shown = String(e);
  }
  return { ename: "Uncaught", evalue: shown, traceback: [`${BOLD_RED}Uncaught${RESET} ${shown}`] };
}

/**
 * Diagnostics name the cell's line and column and show the line with a caret under the
 * column, so a student sees where the type error is without counting lines.
 */
export function errorFromDiagnostics(diags: readonly CellDiagnostic[], source: string): ErrorContent {
  const lines = source.split("\n");
  const traceback: string[] = [];
  for (const d of diags) {
    const where = `${d.fileName ? d.fileName + " " : ""}line ${d.line}, column ${d.column}`;
    traceback.push(`${BOLD_RED}TypeScriptError${RESET} ${RED}${where}${RESET}: ${d.message}`);
    const code = d.fileName ? undefined : lines[d.line - 1];
    if (code !== undefined) {
      traceback.push(`  ${code}`);
      traceback.push(`  ${" ".repeat(Math.max(0, d.column - 1))}^`);
    }
  }
  const missing = diags
    .map((d) => /Cannot find module '([^']+)'/.exec(d.message)?.[1])
    .find((m) => m && !m.startsWith("."));
  if (missing) {
    // tslab (like Node) resolves packages from the notebook's folder upwards (tslab #21, #40).
    traceback.push(
      `${RED}hint${RESET}: '${missing}' is looked up in node_modules folders from this notebook's folder upwards; ` +
        `install it in this folder or an ancestor (e.g. in your course folder: ${installCommand(missing)}), ` +
        "then restart the kernel (its type checker keeps the failed lookup) and run the cell again; " +
        "`npx chainlab doctor` there checks the set-up",
    );
  }
  const first = diags[0];
  const evalue = first
    ? `line ${first.line}, column ${first.column}: ${first.message}${diags.length > 1 ? ` (and ${diags.length - 1} more)` : ""}`
    : "the cell did not compile";
  // Each diagnostic once (frontends show the traceback, not evalue): no summary line repeating it.
  if (!traceback.length) traceback.push(`${BOLD_RED}TypeScriptError${RESET}: ${evalue}`);
  return { ename: "TypeScriptError", evalue, traceback };
}
