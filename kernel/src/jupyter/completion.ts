/**
 * Tab completion as a student expects it: names they declared first, then public names, then
 * JavaScript's globals; internals hidden. tslab lists TypeScript's entries as they come, which put
 * chainlab's `_backwardRan` before `backward` and offered `seedrandom` (a type package's global
 * that does not exist at run time). Pure logic, no Node built-ins.
 */

export interface CompleteRequest {
  code: string;
  cursor_pos: number;
}

/** One TypeScript completion entry (the fields used here). */
export interface CompletionEntry {
  name: string;
  kind: string;
  sortText: string;
}

/** What tslab's executor.complete returns. */
export interface CompletionInfo {
  start: number;
  end: number;
  candidates: string[];
  original?: { entries?: CompletionEntry[] } | null;
}

/** TypeScript's sortText for globals and keywords (SortText.GlobalsOrKeywords). */
const GLOBAL_SORT = "15";
/** Kinds of entries that are values at run time (types and keywords are not looked up). */
const VALUE_KINDS = new Set([
  "var",
  "let",
  "const",
  "function",
  "module",
  "class",
  "alias",
  "local var",
  "local function",
]);

export interface CompletionContext {
  /** True for names the user's cells declared or imported. */
  isUserName(name: string): boolean;
  /** True when a global name exists at run time (globalThis). */
  isDefinedGlobal(name: string): boolean;
}

/** Filters and ranks tslab's candidates; the reply's cursor range is tslab's. */
export function rankCompletions(info: CompletionInfo, code: string, cursor: number, ctx: CompletionContext): string[] {
  const typed = code.slice(info.start, cursor);
  const entries = new Map<string, CompletionEntry>();
  for (const e of info.original?.entries ?? []) if (!entries.has(e.name)) entries.set(e.name, e);
  const lower = typed.toLowerCase();
  const ranked = info.candidates
    .filter((name) => {
      // Internals (`_backwardRan`, `#private`) only when the user types the underscore.
      if ((name.startsWith("_") || name.startsWith("#")) && !typed.startsWith(name[0])) return false;
      const e = entries.get(name);
      // Declared by some @types package as a global but absent at run time: would only fail.
      if (
        e &&
        e.sortText === GLOBAL_SORT &&
        VALUE_KINDS.has(e.kind) &&
        !ctx.isUserName(name) &&
        !ctx.isDefinedGlobal(name)
      )
        return false;
      return true;
    })
    .map((name, index) => {
      const e = entries.get(name);
      const match = name.startsWith(typed) ? 0 : name.toLowerCase().startsWith(lower) ? 1 : 2;
      const origin = ctx.isUserName(name) ? 0 : e && e.sortText >= GLOBAL_SORT ? 2 : 1;
      return { name, key: [match, origin, index] };
    });
  ranked.sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.key[2] - b.key[2]);
  return ranked.map((r) => r.name);
}

export function completionReply(req: CompleteRequest, info: CompletionInfo, ctx: CompletionContext): object {
  return {
    status: "ok",
    matches: rankCompletions(info, req.code, req.cursor_pos, ctx),
    cursor_start: info.start,
    cursor_end: info.end,
    metadata: {},
  };
}
