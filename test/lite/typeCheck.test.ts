// The browser kernel's type checker (lite/src/typeCheck.ts) with the real TypeScript compiler and
// the same lib and chainlab declaration files the worker bundles (lite/checkerFiles.mjs).
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { beforeEach, describe, expect, it } from "vitest";
import { checkerFiles } from "../../lite/checkerFiles.mjs";
import { completionReply } from "../../kernel/src/jupyter/completion";
import { inspectReply } from "../../kernel/src/jupyter/inspection";
import { CellTypeChecker } from "../../lite/src/typeCheck";
import { BROWSER_NOTEBOOKS } from "./notebooks";

const REPO = path.join(__dirname, "..", "..");
interface NotebookCell {
  cell_type: string;
  source: string | string[];
}
const files = checkerFiles();
let checker: CellTypeChecker;
beforeEach(() => {
  checker = new CellTypeChecker(ts, files);
});

describe("CellTypeChecker", () => {
  it("reports a type error at the cell's line and column, with TypeScript's message", () => {
    const d = checker.check('const a = 1;\nconst n: number = "two";');
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ line: 2, column: 7, code: 2322 });
    expect(d[0]!.message).toContain("'string' is not assignable to type 'number'");
  });

  it('knows chainlab\'s types through `import ... from "chainlab"`', () => {
    expect(checker.check('import { tensor } from "chainlab";\nconst t = tensor([1, 2]);\nt.sum().item();')).toEqual([]);
    const d = checker.check("t.noSuchMethod();");
    expect(d.map((x) => [x.line, x.column, x.code])).toEqual([[1, 3, 2339]]);
    expect(d[0]!.message).toContain("noSuchMethod");
  });

  it("keeps declarations, imports and types across cells; a redeclaring cell replaces the old type", () => {
    expect(
      checker.check('import { tensor, Tensor } from "chainlab";\nconst W = tensor([[1, 2], [3, 4]]);\nlet steps = 0;'),
    ).toEqual([]);
    expect(checker.check("interface Run { lr: number }\nfunction double(x: number) { return 2 * x; }")).toEqual([]);
    expect(checker.check("steps = double(steps);\nconst r: Run = { lr: 0.1 };\nconst t: Tensor = W;")).toEqual([]);
    expect(checker.check("const W = 'now a string';")).toEqual([]);
    expect(checker.check("W.toUpperCase();")).toEqual([]);
    expect(checker.check("W.sum();").map((x) => x.code)).toEqual([2339]);
    expect(checker.check("const r2: Run = { lr: 'fast' };").map((x) => x.code)).toEqual([2322]);
  });

  it("keeps nothing from a cell with type errors, and everything from cells added unchecked", () => {
    expect(checker.check('const bad: number = "x";\nconst later = 1;')).toHaveLength(1);
    expect(checker.check("later;").map((x) => x.code)).toEqual([2304]);
    checker.add('import { tensor } from "chainlab";\nconst u = tensor([1]);');
    expect(checker.check("u.sum();")).toEqual([]);
    checker.reset();
    expect(checker.check("u.sum();").map((x) => x.code)).toEqual([2304]);
  });

  it("leaves syntax errors to the runtime's SyntaxError and keeps nothing from such a cell", () => {
    expect(checker.check("const x = ;\nconst y = 1;")).toEqual([]);
    expect(checker.check("y;").map((x) => x.code)).toEqual([2304]);
  });

  it("finds no type errors in the notebooks the browser test runs (cell by cell, as the kernel checks them)", () => {
    for (const nb of BROWSER_NOTEBOOKS) {
      const cells = JSON.parse(fs.readFileSync(path.join(REPO, "notebooks", nb), "utf8")).cells as NotebookCell[];
      const nbChecker = new CellTypeChecker(ts, files);
      const code = cells.filter((c) => c.cell_type === "code").map((c) => [c.source].flat().join(""));
      expect(code.length).toBeGreaterThan(0);
      code.forEach((src, i) =>
        expect({ nb, cell: i, errors: nbChecker.check(src) }).toEqual({ nb, cell: i, errors: [] }),
      );
    }
  }, 300_000);

  it("leaves missing modules to the runtime (whose error names the module) and allows top-level await", () => {
    expect(checker.check('import fs from "fs";\nawait new Promise((r) => setTimeout(r, 1));\nconsole.log(1);')).toEqual(
      [],
    );
  });
});

describe("Tab completion and Shift+Tab inspection in the browser kernel (the checker's language service)", () => {
  const ranking = (c: CellTypeChecker) => ({
    isUserName: (name: string) => c.isUserName(name),
    isDefinedGlobal: (name: string) => name in globalThis,
  });
  const complete = (code: string, pos = code.length) =>
    completionReply({ code, cursor_pos: pos }, checker.complete(code, pos), ranking(checker)) as {
      matches: string[];
      cursor_start: number;
      cursor_end: number;
    };

  it("offers a tensor's public methods after `.`, internals only when `_` is typed", () => {
    checker.check('import { tensor } from "chainlab";\nconst probe = tensor([1, 2], { requiresGrad: true });');
    const members = complete("probe.");
    expect(members.matches).toEqual(expect.arrayContaining(["backward", "matmul", "sum"]));
    expect(members.matches.filter((m) => m.startsWith("_"))).toEqual([]);
    expect(members.cursor_start).toBe("probe.".length);
    const under = complete("probe._");
    expect(under.matches.length).toBeGreaterThan(0);
    expect(under.matches.every((m) => m.startsWith("_"))).toBe(true);
  });

  it("replaces the word typed so far and ranks the user's names before globals", () => {
    checker.check("const Mass = 3;\nfunction Mangle() { return 1; }");
    const r = complete("const y = Ma");
    expect(r.cursor_start).toBe("const y = ".length);
    expect(r.cursor_end).toBe("const y = Ma".length);
    expect(new Set(r.matches.slice(0, 2))).toEqual(new Set(["Mass", "Mangle"]));
    expect(r.matches).toEqual(expect.arrayContaining(["Math", "Map"]));
    expect(r.matches.every((m) => m.toLowerCase().startsWith("ma"))).toBe(true);
  });

  it("knows chainlab's exports inside an import's braces and keeps nothing from the cell being typed", () => {
    const r = complete('import { ran } from "chainlab";', "import { ran".length);
    expect(r.matches).toEqual(expect.arrayContaining(["randn"]));
    expect(checker.check("ran;").map((x) => x.code)).toEqual([2304]);
  });

  it("Shift+Tab shows a chainlab function's signature, also inside its call's parentheses", () => {
    checker.check('import { randn } from "chainlab";');
    const at = (code: string, pos: number) =>
      inspectReply({ code, cursor_pos: pos }, (c, p) => checker.inspect(c, p)) as {
        found: boolean;
        data: Record<string, string>;
      };
    const here = at("randn", 3);
    expect(here.found).toBe(true);
    expect(here.data["text/plain"]).toMatch(/randn\(shape: /);
    const inCall = at("randn([2, 3], ", "randn([2, 3], ".length);
    expect(inCall.found).toBe(true);
    expect(inCall.data["text/plain"]).toMatch(/randn\(shape: /);
    expect(at("   ", 1).found).toBe(false);
  });
});
