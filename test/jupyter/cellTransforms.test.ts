/**
 * The kernel's pure cell logic (shared with a browser kernel): traceback line mapping from
 * tslab's CommonJS output back to the cell, keeping a failed cell's declarations, completion
 * ranking and the open-call lookup behind Shift+Tab. The real kernel is tested in test/kernel.
 */
import { describe, expect, it } from "vitest";
import { alignLines, cellTraceback } from "../../kernel/src/jupyter/cellStack";
import { rankCompletions } from "../../kernel/src/jupyter/completion";
import { DeclarationKeeper } from "../../kernel/src/jupyter/declarationKeeper";
import { openCallee } from "../../kernel/src/jupyter/inspection";

// What tslab 1.0.22 emits for SOURCE (recorded from its converter).
const SOURCE = [
  'import { tensor } from "chainlab";',
  "let x: number = 1;",
  "const t = tensor([1,2]);",
  "function f(a: number): number {",
  "  return a * 2;",
  "}",
  "while (x < 3) x++;",
  "x",
].join("\n");
const GENERATED = [
  'Object.defineProperty(exports, "__esModule", { value: true });',
  "exports.t = exports.x = exports.tensor = exports.f = exports.tsLastExpr = void 0;",
  'const chainlab_1 = require("chainlab");',
  'Object.defineProperty(exports, "tensor", { enumerable: true, get: function () { return chainlab_1.tensor; } });',
  "let x = 1;",
  "exports.x = x;",
  "const t = (0, chainlab_1.tensor)([1, 2]);",
  "exports.t = t;",
  "function f(a) {",
  "    return a * 2;",
  "}",
  "exports.f = f;",
  "while (x < 3)",
  "    exports.x = (x++, x);",
  "exports.tsLastExpr = x;",
  "",
].join("\n");

describe("alignLines", () => {
  it("maps generated lines to the cell's lines despite erased types and rewritten imports", () => {
    const map = alignLines(GENERATED, SOURCE);
    expect(map[5]).toBe(2); // let x = 1
    expect(map[7]).toBe(3); // tensor call through chainlab_1
    expect(map[9]).toBe(4); // function f(a) without its types
    expect(map[10]).toBe(5);
    expect(map[13]).toBe(7);
    expect(map[14]).toBe(7); // the split while statement stays on its line
  });
});

describe("cellTraceback", () => {
  const cells = new Map([[1, { label: "In[4]", generated: GENERATED, source: SOURCE }]]);
  const stack = [
    "Error: boom",
    "    at fail (/x/node_modules/chainlab/lib/errors.js:24:11)",
    "    at Proxy.f (chainlab-cell-1:10:14)",
    "    at chainlab-cell-1:7:13",
    "    at chainlab-cell-1:17:3",
    "    at Script.runInThisContext (node:vm:135:14)",
    "    at helper (/home/me/course/util.js:3:1)",
  ].join("\n");
  it("keeps cell frames with the cell's line text, outermost first, and the user's own files", () => {
    const tb = cellTraceback(
      stack,
      (s) => cells.get(s),
      (file) => !file.startsWith("node:") && !file.includes("node_modules"),
    );
    expect(tb).toEqual([
      "File /home/me/course/util.js:3, in helper",
      "Cell In[4], line 3",
      "    const t = tensor([1,2]);",
      "Cell In[4], line 5, in f",
      "    return a * 2;",
    ]);
  });
  it("drops everything when no frame is the user's", () => {
    expect(
      cellTraceback(
        "Error\n    at x (node:internal/a:1:1)",
        () => undefined,
        () => false,
      ),
    ).toEqual([]);
  });
});

describe("DeclarationKeeper", () => {
  function converter() {
    const seen: string[] = [];
    return {
      seen,
      convert(prev: string, src: string) {
        seen.push(prev);
        return src.includes("bad")
          ? { diagnostics: ["type error"] }
          : { diagnostics: [], declOutput: `${prev}declare let ${src};` };
      },
      inspect: (prev: string) => prev,
      complete: (prev: string) => prev,
    };
  }
  it("feeds a failed cell's declarations to the next cells until one succeeds", () => {
    const keeper = new DeclarationKeeper();
    const raw = converter();
    const conv = keeper.wrap(raw);
    keeper.cellStarted();
    conv.convert("", "a");
    expect(keeper.cellFinished(false)).toBe(true); // compiled, then interrupted
    keeper.cellStarted();
    conv.convert("", "bad");
    expect(keeper.cellFinished(false)).toBe(false); // did not compile: nothing new kept
    expect(conv.inspect("", "", 0)).toBe("declare let a;");
    keeper.cellStarted();
    conv.convert("", "b");
    keeper.cellFinished(true);
    expect(raw.seen).toEqual(["", "declare let a;", "declare let a;"]);
    // tslab holds the declarations again after a success: its own prevDecl is passed through.
    expect(conv.complete("tslab's", "", 0)).toBe("tslab's");
  });
});

describe("rankCompletions", () => {
  const entry = (name: string, kind: string, sortText: string) => ({ name, kind, sortText });
  const ctx = { isUserName: (n: string) => n === "Mass", isDefinedGlobal: (n: string) => n !== "seedrandom" };
  it("hides underscore internals and undefined globals, ranks the user's names first", () => {
    const info = {
      start: 0,
      end: 2,
      candidates: ["Map", "Math", "Mass", "seedrandom", "_secret"],
      original: {
        entries: [
          entry("Map", "var", "15"),
          entry("Math", "var", "15"),
          entry("Mass", "const", "15"),
          entry("seedrandom", "module", "15"),
          entry("_secret", "property", "11"),
        ],
      },
    };
    expect(rankCompletions(info, "Ma", 2, ctx)).toEqual(["Mass", "Map", "Math"]);
    expect(rankCompletions({ ...info, candidates: ["_secret"], start: 0 }, "_s", 2, ctx)).toEqual(["_secret"]);
  });
});

describe("openCallee", () => {
  it("finds the callee of the innermost open call", () => {
    const at = (code: string) => {
      const i = openCallee(code, code.length);
      return i < 0 ? null : code.slice(0, i + 1).match(/[\w$]+$/)![0];
    };
    expect(at("scaleBy(")).toBe("scaleBy");
    expect(at("t.matmul(a, f(b), ")).toBe("matmul");
    expect(at("f(a, g(")).toBe("g");
    expect(at("id<number>(")).toBe("id");
    expect(at("f(1);\n")).toBeNull();
    expect(at("[1, 2")).toBeNull();
  });
});
