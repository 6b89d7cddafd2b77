/**
 * The cell rewrite that works around tslab's shorthand-property bug: `{ W }` -> `{ W: W }`
 * everywhere an object literal has a shorthand, nothing else touched, columns mapped back.
 */
import { describe, expect, it } from "vitest";
import { expandShorthands, originalColumn } from "../../kernel/src/jupyter/expandShorthands";

describe("expandShorthands", () => {
  it("expands shorthand properties, including nested and destructuring assignments", () => {
    expect(expandShorthands("show.gradNorms({ W, b })").code).toBe("show.gradNorms({ W: W, b: b })");
    expect(expandShorthands("f({ a, n: { b } })").code).toBe("f({ a: a, n: { b: b } })");
    expect(expandShorthands("({ a, b = 2 } = o)").code).toBe("({ a: a, b: b = 2 } = o)");
  });

  it("leaves everything else alone", () => {
    for (const code of [
      "const { a, b } = o;",
      "type T = { a: number };",
      "f({ a: 1 })",
      "function g({ a }: { a: number }) { return a }",
      "`{ a }`",
      "// { a }",
    ]) {
      expect(expandShorthands(code)).toEqual({ code, insertions: [] });
    }
  });

  it("maps diagnostic columns after a rewrite back to the user's code", () => {
    const code = "f({ W });\nconst z = g({ a, b }, bad);";
    const { code: out, insertions } = expandShorthands(code);
    expect(out).toBe("f({ W: W });\nconst z = g({ a: a, b: b }, bad);");
    const badCol = out.split("\n")[1].indexOf("bad") + 1;
    expect(originalColumn(code, insertions, 2, badCol)).toBe(code.split("\n")[1].indexOf("bad") + 1);
    expect(originalColumn(code, insertions, 2, 7)).toBe(7); // before any insertion
  });
});
