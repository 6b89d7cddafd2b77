/**
 * Runtime tracebacks in the cell's own terms: each cell's compiled code runs under a file name
 * of its own, so stack frames in cells are recognised and their line numbers (of tslab's
 * CommonJS output) mapped back to the lines the user wrote; frames inside libraries, Node and
 * the kernel are dropped. Pure logic, no Node built-ins (a browser kernel can reuse it).
 */

export interface CellCode {
  /** What the user sees as the cell's label, e.g. "In[3]". */
  label: string;
  /** The JavaScript that ran (tslab's output, line 1 = the output's first line). */
  generated: string;
  /** The cell as the user wrote it. */
  source: string;
}

const FILE_PREFIX = "chainlab-cell-";

/** The file name a cell's code runs under (vm's filename option). */
export function cellFileName(seq: number): string {
  return `${FILE_PREFIX}${seq}`;
}

/**
 * TypeScript's CommonJS output reprints the cell: types are erased, imported names become
 * `(0, chainlab_1.tensor)`, names of earlier cells `exports.x`, whitespace changes, and lines
 * such as `exports.x = x;` are added. A generated line is compared with the source by its
 * tokens (names, numbers, strings) with those differences removed: erasing types only removes
 * tokens, so the generated tokens are a subsequence of the source line's.
 */
const GENERATED_ONLY =
  /^\s*(Object\.defineProperty\(exports,|exports\.[\w$]+ = (?:exports\.[\w$]+ = )*(?:void 0|[\w$]+);\s*$|"use strict")/;
const TOKEN = /[A-Za-z_$][\w$]*|\d+(?:\.\d+)?(?:e[+-]?\d+)?|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g;

function tokens(line: string, generated: boolean): string[] {
  let text = line;
  if (generated) {
    text = text
      .replace(/\(0,\s*[\w$]+_\d+\.([\w$]+)\)/g, "$1")
      .replace(/\b[\w$]+_\d+\.([\w$]+)/g, "$1")
      .replace(/\bexports\.([\w$]+)\s*=\s*\(/g, "(")
      .replace(/\bexports\.([\w$]+)\s*=\s*/g, "")
      .replace(/\bexports\./g, "");
  }
  return text.match(TOKEN) ?? [];
}

function isSubsequence(small: readonly string[], big: readonly string[]): boolean {
  let j = 0;
  for (const t of big) if (j < small.length && t === small[j]) j++;
  return j === small.length;
}

/**
 * generated line (1-based) -> source line (1-based, 0 = unknown), walking both in order: a
 * generated line maps to the next source line whose tokens contain its tokens in order, else
 * to the last matched line (a statement TypeScript split over lines); generated-only lines
 * map to the last matched line too.
 */
export function alignLines(generated: string, source: string): number[] {
  const src = source.split("\n").map((l) => tokens(l, false));
  const map: number[] = [0];
  let last = 0;
  for (const line of generated.split("\n")) {
    const gen = GENERATED_ONLY.test(line) ? [] : tokens(line, true);
    if (gen.length) {
      let found = -1;
      for (let i = last; i < src.length && found < 0; i++) if (src[i].length && isSubsequence(gen, src[i])) found = i;
      if (found < 0 && last > 0 && isSubsequence(gen, src[last - 1])) found = last - 1;
      if (found >= 0) last = found + 1;
    }
    map.push(last);
  }
  return map;
}

/** One frame of a V8 stack: `at fn (file:line:col)` or `at file:line:col`. */
interface Frame {
  fn: string | null;
  file: string;
  line: number;
}

function parseFrame(text: string): Frame | null {
  const m = /^\s*at (?:(.*?) \()?(.*?):(\d+):(\d+)\)?$/.exec(text);
  if (!m) return null;
  // `Proxy.f`, `Object.f`: a function called through tslab's exports object.
  const name = m[1]?.replace(/^async /, "").replace(/^(Proxy|Object)\./, "");
  const fn = name && !/^(eval|<anonymous>)$/.test(name) ? name : null;
  return { fn, file: m[2], line: Number(m[3]) };
}

/**
 * The traceback lines for an error's stack: cell frames as `Cell In[3], line 2, in f` plus the
 * line's text, innermost last (as ipykernel prints); other frames only when `keepFile` says
 * the file is the user's own (not a library, Node or the kernel).
 */
export function cellTraceback(
  stack: string,
  cellOf: (seq: number) => CellCode | undefined,
  keepFile: (file: string) => boolean,
): string[] {
  const out: string[] = [];
  const lines = stack.split("\n").filter((l) => /^\s+at /.test(l));
  const alignments = new Map<number, number[]>();
  for (const text of lines) {
    const frame = parseFrame(text);
    if (!frame) continue;
    const fileFrame = frame.file.replace(/^(?:evalmachine\.<anonymous>|.*[\\/])?/, "");
    if (frame.file.startsWith(FILE_PREFIX) || fileFrame.startsWith(FILE_PREFIX)) {
      const seq = Number(frame.file.slice(frame.file.indexOf(FILE_PREFIX) + FILE_PREFIX.length));
      const cell = cellOf(seq);
      if (!cell) continue;
      let map = alignments.get(seq);
      if (!map) alignments.set(seq, (map = alignLines(cell.generated, cell.source)));
      // The line after the output is tslab's wrapper calling the cell: not the user's code.
      if (frame.line > cell.generated.replace(/\n+$/, "").split("\n").length) continue;
      const line = map[frame.line] ?? 0;
      const where = `Cell ${cell.label}${line ? `, line ${line}` : ""}${frame.fn ? `, in ${frame.fn}` : ""}`;
      const code = line ? cell.source.split("\n")[line - 1] : undefined;
      out.unshift(...(code !== undefined ? [where, `    ${code.trim()}`] : [where]));
    } else if (keepFile(frame.file)) {
      out.unshift(`File ${frame.file}:${frame.line}${frame.fn ? `, in ${frame.fn}` : ""}`);
    }
  }
  return out;
}
