/**
 * The type checker's Web Worker: the full TypeScript compiler (bundled, ~4 MB minified) with the
 * lib and chainlab declarations, checking each cell before it runs (typeCheck.ts). The kernel
 * starts it after the first cell has run, so the first cell does not wait for it; the browser
 * caches the script like any other file of the site. It also answers Tab completion and Shift+Tab
 * inspection, from the same language service, with the tslab kernel's ranking.
 */
import * as ts from "typescript";
import files from "chainlab-lite:checker-files";
import { completionReply } from "../../kernel/src/jupyter/completion";
import { inspectReply } from "../../kernel/src/jupyter/inspection";
import type { FromChecker, ToChecker } from "./messages";
import { CellTypeChecker } from "./typeCheck";

declare const self: {
  postMessage(m: FromChecker): void;
  addEventListener(type: string, fn: (e: { data: ToChecker }) => void): void;
};

const checker = new CellTypeChecker(ts, files);
// Completion and inspection reuse the tslab kernel's ranking and call-signature fallback.
const ranking = {
  isUserName: (name: string) => checker.isUserName(name),
  isDefinedGlobal: (name: string) => name in globalThis,
};
self.addEventListener("message", (e) => {
  const m = e.data;
  if (m.type === "check") self.postMessage({ type: "checked", id: m.id, diagnostics: checker.check(m.code) });
  else if (m.type === "complete") {
    const req = { code: m.code, cursor_pos: m.pos };
    const content = completionReply(req, checker.complete(m.code, m.pos), ranking) as Record<string, unknown>;
    self.postMessage({ type: "replied", id: m.id, content });
  } else if (m.type === "inspect") {
    const content = inspectReply({ code: m.code, cursor_pos: m.pos }, (code, pos) => checker.inspect(code, pos));
    self.postMessage({ type: "replied", id: m.id, content: content as unknown as Record<string, unknown> });
  } else if (m.type === "add") checker.add(m.code);
  else checker.reset();
});
self.postMessage({ type: "ready" });
