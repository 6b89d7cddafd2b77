/**
 * Works around a tslab 1.0.22 bug: a shorthand property naming a variable of an earlier cell
 * (`show.gradNorms({ W, b })`) compiles to code that throws "W is not defined". Rewriting each
 * shorthand `{ W }` to `{ W: W }` before tslab sees the cell means the same in TypeScript and
 * avoids it. Columns of later diagnostics on a rewritten line are mapped back.
 */

interface TsSubset {
  createSourceFile(name: string, text: string, target: number, setParents: boolean, kind: number): TsNode;
  isShorthandPropertyAssignment(n: TsNode): boolean;
  forEachChild(n: TsNode, f: (c: TsNode) => void): void;
  ScriptTarget: { Latest: number };
  ScriptKind: { TSX: number; TS: number };
}
interface TsNode {
  getEnd(): number;
  name?: { getText(): string; getEnd(): number };
}

/** One insertion into the cell: `text` at offset `at` (of the original code). */
export interface Insertion {
  at: number;
  text: string;
}

let ts: TsSubset | null | undefined;
function typescript(): TsSubset | null {
  if (ts === undefined) {
    try {
      // tslab's own compiler, already loaded by the kernel.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ts = require("@tslab/typescript-for-tslab") as TsSubset;
    } catch {
      ts = null;
    }
  }
  return ts;
}

export function expandShorthands(code: string): { code: string; insertions: Insertion[] } {
  if (!/[{,]\s*[A-Za-z_$][\w$]*\s*[,}=]/.test(code)) return { code, insertions: [] }; // fast path: no candidate
  const t = typescript();
  if (!t) return { code, insertions: [] };
  const file = t.createSourceFile("cell.ts", code, t.ScriptTarget.Latest, true, t.ScriptKind.TS);
  const insertions: Insertion[] = [];
  const visit = (n: TsNode): void => {
    if (t.isShorthandPropertyAssignment(n) && n.name)
      insertions.push({ at: n.name.getEnd(), text: `: ${n.name.getText()}` });
    t.forEachChild(n, visit);
  };
  visit(file);
  if (!insertions.length) return { code, insertions };
  insertions.sort((a, b) => a.at - b.at);
  let out = "";
  let pos = 0;
  for (const ins of insertions) {
    out += code.slice(pos, ins.at) + ins.text;
    pos = ins.at;
  }
  return { code: out + code.slice(pos), insertions };
}

/** Maps a 1-based line/column of the rewritten cell back to the code the user wrote. */
export function originalColumn(
  original: string,
  insertions: readonly Insertion[],
  line: number,
  column: number,
): number {
  let lineStart = 0;
  for (let l = 1; l < line; l++) {
    const nl = original.indexOf("\n", lineStart);
    if (nl < 0) break;
    lineStart = nl + 1;
  }
  const lineEnd = original.indexOf("\n", lineStart) < 0 ? original.length : original.indexOf("\n", lineStart);
  let col = column;
  let shift = 0;
  for (const ins of insertions) {
    if (ins.at < lineStart || ins.at > lineEnd) continue;
    // An insertion before the (rewritten) column moved it right.
    if (ins.at - lineStart + shift < column - 1) {
      shift += ins.text.length;
      col -= ins.text.length;
    }
  }
  return Math.max(1, col);
}
