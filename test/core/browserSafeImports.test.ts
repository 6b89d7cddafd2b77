// Everything below kernel/src/jupyter/ must run in a browser (design.md, "Round two"): no Node
// built-in may be imported there, statically, dynamically or through require(). The browser
// bundle's build (esbuild, platform=browser) fails on them too; this test says which file.
import fs from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";

const SRC = path.resolve(__dirname, "../../kernel/src");
const NODE_ONLY_DIR = path.join(SRC, "jupyter");
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return p === NODE_ONLY_DIR ? [] : sourceFiles(p);
    return e.name.endsWith(".ts") ? [p] : [];
  });
}

function specifiers(code: string): string[] {
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;
  return [...code.matchAll(re)].map((m) => m[1]!);
}

describe("kernel/src outside jupyter/ is browser-safe", () => {
  const files = sourceFiles(SRC);

  it("finds the library's sources", () => {
    expect(files.length).toBeGreaterThan(40);
  });

  it("the specifier scan sees every import form it guards against", () => {
    const code =
      'import a from "fs";\nimport "node:path";\nconst u = require("util");\nawait import("crypto");\nexport { x } from "os";';
    expect(specifiers(code)).toEqual(["fs", "node:path", "util", "crypto", "os"]);
  });

  it.each(files.map((f) => [path.relative(SRC, f), f]))("%s imports no Node built-in", (_name, file) => {
    const bad = specifiers(fs.readFileSync(file, "utf8")).filter((s) => BUILTINS.has(s));
    expect(bad).toEqual([]);
  });
});
