// The browser kernel's type checker (lite/src/typeCheck.ts) with the real TypeScript compiler and
// the same lib and chainlab declaration files the worker bundles (lite/checkerFiles.mjs).
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { beforeEach, describe, expect, it } from "vitest";
import { checkerFiles } from "../../lite/checkerFiles.mjs";
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
