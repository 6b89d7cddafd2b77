// Fuzzing the public constructors and ops with hostile JS values: every call either returns a
// Tensor or throws a ChainlabError with a message; never another error type, never a hang,
// never a change to a tensor that already exists.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import * as C from "../../kernel/src/index";
import { METHODS } from "../../kernel/src/ops/tensorMethods";

const cyclic: unknown[] = [1, 2];
cyclic.push(cyclic);
const deep: unknown = Array.from({ length: 40 }).reduce((acc) => [acc], 1);

const hostile = fc.oneof(
  fc.constantFrom<unknown>(
    undefined,
    null,
    NaN,
    Infinity,
    -Infinity,
    -1,
    0,
    1.5,
    2 ** 40,
    -(2 ** 40),
    "3",
    "",
    "<img src=x onerror=alert(1)>",
    true,
    {},
    { length: 3 },
    [],
    [[]],
    [1, [2]],
    [[1, 2], [3]],
    [
      [1, 2],
      [3, "a"],
    ],
    [NaN],
    cyclic,
    deep,
    Symbol("s"),
    10n,
    () => 1,
    new Float64Array(3),
    new Int8Array(2),
    [-1, 2],
    [2, -3],
    [1e9, 1e9],
    [0, 3],
    [2.5],
  ),
  fc.anything(),
  fc.array(fc.integer({ min: -3, max: 4 }), { maxLength: 4 }),
);
const shapeArb = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 });
const tensorArb = fc.tuple(shapeArb, fc.boolean()).map(([s, g]) => C.randn(s, { seed: 1, requiresGrad: g }));
const arg = fc.oneof(
  { weight: 3, arbitrary: tensorArb },
  { weight: 3, arbitrary: hostile },
  { weight: 1, arbitrary: fc.integer({ min: -3, max: 3 }) },
);

// Every public function that takes user values, with how many arguments to draw.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fuzzing calls each with arbitrary values
type AnyFn = (...a: any[]) => unknown;
const targets: [string, AnyFn, number][] = [
  ["tensor", C.tensor, 2],
  ["zeros", C.zeros, 2],
  ["ones", C.ones, 2],
  ["full", C.full, 3],
  ["eye", C.eye, 3],
  ["arange", C.arange, 4],
  ["linspace", C.linspace, 4],
  ["rand", C.rand, 2],
  ["randn", C.randn, 2],
  // Every op that is also a Tensor method, with up to three values (the tensor and at most two
  // more: every method's own parameters).
  ...METHODS.map((n) => [n, C[n] as AnyFn, 3] as [string, AnyFn, number]),
  ...(["mse", "crossEntropy", "binaryCrossEntropy", "greater", "equal"] as const).map(
    (n) => [n, C[n] as AnyFn, 2] as [string, AnyFn, number],
  ),
  ["concat", C.concat, 2],
  ["stack", C.stack, 2],
  ["where", C.where, 3],
  ["sumTo", C.sumTo, 2],
  ["pad", C.pad, 3],
  ["gradcheck", C.gradcheck, 2],
];

describe("fuzzing the public API with hostile values", () => {
  it("only ever returns a Tensor or throws a ChainlabError, and never corrupts existing tensors", () => {
    const witness = C.randn([2, 3], { seed: 5, requiresGrad: true });
    const snapshot = Array.from(witness.data);
    let tried = 0;
    const errorsByOp = new Map<string, number>();
    for (const [name, fn, arity] of targets) {
      fc.assert(
        fc.property(fc.array(arg, { minLength: 0, maxLength: arity }), (args) => {
          tried++;
          try {
            const r = fn(...args);
            if (name !== "gradcheck") expect(r, `${name} returned a non-tensor`).toBeInstanceOf(C.Tensor);
          } catch (e) {
            if (!(e instanceof C.ChainlabError)) {
              throw new Error(
                `${name}(${args.map((a) => (a instanceof C.Tensor ? `Tensor${JSON.stringify(a.shape)}` : typeof a)).join(", ")}) threw ${(e as Error)?.name}: ${(e as Error)?.message}`,
                { cause: e },
              );
            }
            expect(e.message.startsWith(`${e.op}: `)).toBe(true);
            errorsByOp.set(name, (errorsByOp.get(name) ?? 0) + 1);
          }
        }),
        { numRuns: 250, seed: 11 },
      );
    }
    expect(Array.from(witness.data)).toEqual(snapshot);
    // Methods on a tensor too.
    const methods = [
      "add",
      "matmul",
      "sum",
      "reshape",
      "slice",
      "index",
      "transpose",
      "softmax",
      "gather",
      "backward",
      "item",
    ] as const;
    for (const m of methods) {
      fc.assert(
        fc.property(fc.array(arg, { maxLength: 2 }), (args) => {
          tried++;
          const t = C.randn([2, 3], { seed: 2, requiresGrad: true });
          try {
            (t[m] as (...a: unknown[]) => unknown)(...args);
          } catch (e) {
            if (!(e instanceof C.ChainlabError))
              throw new Error(`Tensor.${m} threw ${(e as Error)?.name}: ${(e as Error)?.message}`, { cause: e });
          }
        }),
        { numRuns: 200, seed: 12 },
      );
    }
    console.log(
      `fuzz: ${tried} hostile calls tried over ${targets.length} functions and ${methods.length} methods; ChainlabErrors: ${[...errorsByOp.values()].reduce((a, b) => a + b, 0)}`,
    );
    expect(tried).toBeGreaterThan(10000);
  });
});
