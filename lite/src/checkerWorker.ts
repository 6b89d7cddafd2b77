/**
 * The type checker's Web Worker: the full TypeScript compiler (bundled, ~4 MB minified) with the
 * lib and chainlab declarations, checking each cell before it runs (typeCheck.ts). The kernel
 * starts it after the first cell has run, so the first cell does not wait for it; the browser
 * caches the script like any other file of the site.
 */
import * as ts from "typescript";
import files from "chainlab-lite:checker-files";
import type { FromChecker, ToChecker } from "./messages";
import { CellTypeChecker } from "./typeCheck";

declare const self: {
  postMessage(m: FromChecker): void;
  addEventListener(type: string, fn: (e: { data: ToChecker }) => void): void;
};

const checker = new CellTypeChecker(ts, files);
self.addEventListener("message", (e) => {
  const m = e.data;
  if (m.type === "check") self.postMessage({ type: "checked", id: m.id, diagnostics: checker.check(m.code) });
  else if (m.type === "add") checker.add(m.code);
  else checker.reset();
});
self.postMessage({ type: "ready" });
