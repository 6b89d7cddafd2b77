// show.filters / show.activations payloads: each filter lands in its (out, in) tile, gaps are
// empty, the gradient grid matches the values' layout, and big grids say what they leave out.
import { describe, expect, it } from "vitest";
import { arange, randn, sum, mul, conv2d, ChainlabError } from "../../kernel/src/index";
import { filterGridPayload, activationMapsPayload } from "../../kernel/src/display/filterGrid";
import { checkHeatmapPayload } from "../../kernel/src/protocol/validate";

describe("filter grid", () => {
  it("tiles [out, in, kh, kw] with row = out channel, column = in channel", () => {
    const W = arange(0, 2 * 3 * 2 * 2)
      .reshape([2, 3, 2, 2])
      .named("W");
    const p = filterGridPayload(W);
    const m = p.slices[0].value;
    expect(m.length).toBe(2 * 3 - 1);
    expect(m[0].length).toBe(3 * 3 - 1);
    // filter (o=1, c=2) starts at row 3, column 6 and holds W[1,2,0,0] = 1*12 + 2*4 = 20
    expect(m[3][6]).toBe(20);
    expect(m[4][7]).toBe(23);
    expect(m[2][0]).toBeNull();
    expect(m[0][2]).toBeNull();
    expect(p.title).toMatch(/row = out channel, column = in channel/);
    expect(checkHeatmapPayload(JSON.parse(JSON.stringify(p))).ok).toBe(true);
  });
  it("puts the gradient grid beside the values once backward ran", () => {
    const x = randn([1, 2, 5, 5], { seed: 1 });
    const W = randn([3, 2, 3, 3], { seed: 2, requiresGrad: true });
    sum(mul(conv2d(x, W), 2)).backward();
    const p = filterGridPayload(W);
    expect(p.show).toBe("both");
    expect(p.slices[0].grad![4][4]).toBeCloseTo(W.grad!.data[(1 * 2 + 1) * 9 + 0], 4);
  });
  it("says when filters are left out; rejects other ranks", () => {
    const p = filterGridPayload(randn([40, 1, 3, 3]));
    expect(p.slices[0].value.length).toBe(16 * 4 - 1);
    expect(p.title).toMatch(/first 16 x 1 of 40 x 1/);
    expect(() => filterGridPayload(randn([3, 3]))).toThrow(ChainlabError);
  });
  it("activation maps: one map per channel of the chosen sample", () => {
    const A = arange(0, 2 * 3 * 2 * 2).reshape([2, 3, 2, 2]);
    const p = activationMapsPayload(A, { sample: 1 });
    expect(p.slices[0].value.length).toBe(2);
    expect(p.slices[0].value[0][3]).toBe(12 + 4);
  });
});
