import { describe, expect, it } from "vitest";
import { colorSummedIndices, INDEX_COLORS, IndexPalette, summedLetters } from "../../extension/src/draw/indexColors";

const K = `{\\color{${INDEX_COLORS[0]}}{k}}`;
const L = `{\\color{${INDEX_COLORS[1]}}{l}}`;

describe("colour-coded summed indices", () => {
  it("finds the letters a \\sum runs over", () => {
    expect(summedLetters("\\sum_{k,l} G_{kl} X_{ki}")).toEqual(["k", "l"]);
    expect(summedLetters("\\sum_k X_{ki}")).toEqual(["k"]);
    expect(summedLetters("\\sum_{k \\in \\mathcal{B}} x_k")).toEqual(["k"]);
    expect(summedLetters("G = X^\\top W")).toEqual([]);
  });

  it("colours summed letters in subscripts only, leaving free indices and commands alone", () => {
    const out = colorSummedIndices("\\sum_{k,l} G_{kl}\\, X_{ki}\\,\\delta_{lj}", new IndexPalette(["k", "l"]));
    expect(out).toBe(`\\sum_{${K},${L}} G_{${K}${L}}\\, X_{${K}i}\\,\\delta_{${L}j}`);
  });

  it("does not touch letters inside command arguments or superscripts", () => {
    const out = colorSummedIndices("\\sum_{k} v^{(k)}_{\\text{k}k}", new IndexPalette());
    expect(out).toBe(`\\sum_{${K}} v^{(k)}_{\\text{k}${K}}`);
  });

  it("keeps one colour per name across formulas (the term table's order first)", () => {
    const palette = new IndexPalette(["l", "k"]);
    expect(colorSummedIndices("\\sum_k a_k", palette)).toBe(
      `\\sum_{{\\color{${INDEX_COLORS[1]}}{k}}} a_{{\\color{${INDEX_COLORS[1]}}{k}}}`,
    );
  });

  it("leaves formulas without sums unchanged", () => {
    expect(colorSummedIndices("\\frac{\\partial L}{\\partial W} = X^\\top G", new IndexPalette())).toBe(
      "\\frac{\\partial L}{\\partial W} = X^\\top G",
    );
  });
});
