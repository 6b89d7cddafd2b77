// Issue 13's bad-input list: shapes that do not fit (kernel larger than the padded input,
// channels not divisible by groups, stride 0, negative padding, dropout p outside [0, 1), an
// embedding index out of range) raise a ChainlabError naming the op, the shapes and the rule,
// before anything is computed: no registry op runs (every op's forward is watched, and still
// runs for real when called), so no output, window buffer or mask is allocated.
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from "vitest";
import {
  ChainlabError,
  conv1d,
  conv2d,
  maxPool2d,
  avgPool2d,
  dropout,
  embedding,
  nn,
  randn,
} from "../../kernel/src/index";
import { registry } from "../../kernel/src/ops/registry";

const x = randn([1, 4, 5, 5]);
const w = randn([2, 4, 3, 3]);

const cases: [string, () => unknown, RegExp][] = [
  [
    "conv2d: kernel larger than the padded input",
    () => conv2d(x, randn([2, 4, 7, 7]), null, { padding: 0 }),
    /^conv2d: kernel 7x7 \(dilated to 7x7\) is larger than the padded input 5x5 \(input \[1,4,5,5\]/,
  ],
  [
    "conv2d: dilation makes the kernel larger than the padded input",
    () => conv2d(x, w, null, { dilation: 3 }),
    /^conv2d: kernel 3x3 \(dilated to 7x7\) is larger than the padded input 5x5/,
  ],
  [
    "conv2d: channels not divisible by groups",
    () => conv2d(x, randn([3, 2, 3, 3]), null, { groups: 2 }),
    /^conv2d: channels must divide into 2 groups: input \[1,4,5,5\] has 4 channels, weight \[3,2,3,3\] has 3 out channels/,
  ],
  [
    "conv2d: stride 0",
    () => conv2d(x, w, null, { stride: 0 }),
    /^conv2d: stride must be an integer >= 1 or a pair of them, got 0 \(input \[1,4,5,5\], weight \[2,4,3,3\]\)/,
  ],
  [
    "conv2d: negative padding",
    () => conv2d(x, w, null, { padding: [1, -1] }),
    /^conv2d: padding must be an integer >= 0 or a pair of them, got \[1,-1\] \(input \[1,4,5,5\], weight \[2,4,3,3\]\)/,
  ],
  [
    "conv2d: groups 0",
    () => conv2d(x, w, null, { groups: 0 }),
    /^conv2d: groups must be a positive integer, got 0 \(input \[1,4,5,5\], weight \[2,4,3,3\]\)/,
  ],
  [
    "conv1d: stride 0",
    () => conv1d(randn([1, 2, 8]), randn([3, 2, 3]), null, { stride: 0 }),
    /^conv1d: stride must be an integer >= 1, got 0 \(input \[1,2,8\], weight \[3,2,3\]\)/,
  ],
  [
    "conv1d: kernel larger than the padded input",
    () => conv1d(randn([1, 2, 4]), randn([3, 2, 6])),
    /^conv1d: kernel 6 \(dilated to 6\) is larger than the padded input 4 \(input \[1,2,4\], weight \[3,2,6\]/,
  ],
  [
    "maxPool2d: kernel larger than the padded input",
    () => maxPool2d(x, { kernelSize: [2, 8], padding: 1 }),
    /^maxPool2d: kernel 2x8 is larger than the padded input 7x7 \(input \[1,4,5,5\]\)/,
  ],
  [
    "maxPool2d: stride 0",
    () => maxPool2d(x, { kernelSize: 2, stride: 0 }),
    /^maxPool2d: stride must be an integer >= 1 or a pair of them, got 0 \(input \[1,4,5,5\]\)/,
  ],
  [
    "avgPool2d: negative padding",
    () => avgPool2d(x, { kernelSize: 2, padding: -1 }),
    /^avgPool2d: padding must be an integer >= 0 or a pair of them, got -1 \(input \[1,4,5,5\]\)/,
  ],
  [
    "avgPool2d: padding over half the kernel",
    () => avgPool2d(x, { kernelSize: 2, padding: 2 }),
    /^avgPool2d: padding \[2,2\] must be at most half the kernel \[2,2\] \(input \[1,4,5,5\]\)/,
  ],
  ["dropout: p = 1", () => dropout(x, 1), /^dropout: p must be in \[0, 1\), got 1 \(input \[1,4,5,5\]\)/],
  ["dropout: p < 0", () => dropout(x, -0.1), /^dropout: p must be in \[0, 1\), got -0.1 \(input \[1,4,5,5\]\)/],
  [
    "embedding: index out of range",
    () => embedding([[0, 1, 7]], randn([5, 3])),
    /^embedding: index 7 at position 2 of indices \[1,3\] is out of range \[0, 5\) for weight \[5,3\]/,
  ],
  [
    "embedding: negative index",
    () => embedding([-1], randn([5, 3])),
    /^embedding: index -1 at position 0 of indices \[1\] is out of range \[0, 5\)/,
  ],
  ["nn.Dropout: p = 1.5", () => new nn.Dropout(1.5), /^Dropout: p must be in \[0, 1\), got 1.5/],
  [
    "nn.Conv2d: channels not divisible by groups",
    () => new nn.Conv2d(3, 4, 3, { groups: 2 }),
    /^Conv2d: inChannels 3 and outChannels 4 must both divide into 2 groups/,
  ],
  ["nn.Conv2d: groups 0", () => new nn.Conv2d(4, 4, 3, { groups: 0 }), /^Conv2d: groups must be a positive integer/],
];

describe("curriculum ops: bad input fails first, with op, shapes and rule", () => {
  let spies: MockInstance[] = [];
  beforeAll(() => {
    spies = registry.map((op) => vi.spyOn(op, "forward"));
  });
  afterAll(() => spies.forEach((s) => s.mockRestore()));

  it("the watch sees ops that do run", () => {
    spies.forEach((s) => s.mockClear());
    conv2d(x, w, null, { padding: 1 });
    expect(spies.some((s) => s.mock.calls.length > 0)).toBe(true);
  });

  it.each(cases)("%s", (_name, f, re) => {
    spies.forEach((s) => s.mockClear());
    let err: unknown = null;
    try {
      f();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ChainlabError);
    expect((err as Error).message).toMatch(re);
    const ran = registry.filter((_, k) => spies[k].mock.calls.length > 0).map((op) => op.name);
    expect(ran).toEqual([]);
  });
});
