import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { randn, sum } from "../../kernel/src";
import { expandChain } from "../../kernel/src/symbolic/chain/expandChain";

/**
 * A LaTeX command written with one backslash inside a JS string loses it: "\quad" is "quad",
 * "\text" is a tab followed by "ext". This lint scans the sources for such commands outside
 * comments (String.raw or "\\quad" is what the code must say).
 */
const COMMANDS = [
  "quad",
  "qquad",
  "text",
  "texttt",
  "frac",
  "partial",
  "sum",
  "cdot",
  "operatorname",
  "mathrm",
  "mathbf",
  "odot",
  "otimes",
  "top",
  "delta",
  "times",
  "sqrt",
  "tanh",
  "sigma",
  "begin",
  "end",
  "left",
  "right",
  "exp",
  "log",
  "odot",
];
const LOST = new RegExp(`(?<!\\\\)\\\\(${COMMANDS.join("|")})(?![a-zA-Z])`);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith(".ts") ? [p] : [];
  });
}

/** The line without its comment part (good enough for this code base's comment style). */
function code(line: string): string {
  const t = line.trim();
  if (t.startsWith("*") || t.startsWith("/*") || t.startsWith("//")) return "";
  const c = line.indexOf(" // ");
  // String.raw`\quad` keeps its backslash: those templates are fine.
  return (c >= 0 ? line.slice(0, c) : line).replace(/String\.raw`[^`]*`/g, "");
}

describe("LaTeX strings keep their backslashes", () => {
  it("no source line writes a LaTeX command with a single backslash in a string", () => {
    const bad: string[] = [];
    for (const f of [...sources("kernel/src"), ...sources("extension/src")]) {
      readFileSync(f, "utf8")
        .split("\n")
        .forEach((line, i) => {
          const m = LOST.exec(code(line));
          if (m) bad.push(`${f}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(bad).toEqual([]);
  });

  it("the lint catches the bug it was written for", () => {
    expect(LOST.test("return m === \"latex\" ? `,\\quad ${def} \\text{ (x)}` : ''")).toBe(true);
    expect(LOST.test("return m === \"latex\" ? `,\\\\quad ${def} \\\\text{ (x)}` : ''")).toBe(false);
  });

  it("a folded path's LaTeX says \\quad and \\text (no tab, no bare quad)", () => {
    const x = randn([3], { requiresGrad: true }).named("x");
    const W = randn([3, 3]).named("W");
    let h = x;
    for (let k = 0; k < 4; k++) h = W.matmul(h).tanh();
    const L = sum(h).named("L");
    const p = expandChain(L, x);
    const latex = p.paths[0].substitutedCollapsed!.latex;
    expect(p.paths[0].folded).toBeGreaterThan(0);
    expect(latex).toContain("\\quad");
    expect(latex).toContain("\\text{");
    expect(latex).not.toMatch(/\t|[^\\]quad/);
  });
});
