// The browser kernel's cell rewriter (lite/src/cellTransform.ts), run the way the worker runs
// cells (an async function whose free names are globals), here in a fresh vm context per
// notebook so each test is a kernel session of its own.
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { CellSyntaxError, transformCell } from "../../lite/src/cellTransform";

function session(modules: Record<string, unknown> = {}) {
  const ctx = vm.createContext({});
  const runtime = {
    require: (spec: string) => {
      if (spec in modules) return modules[spec];
      throw new Error(`Cannot find module "${spec}"`);
    },
    defaultOf: (m: { default?: unknown }) => (m.default === undefined ? m : m.default),
    member: (m: Record<string, unknown>, key: string) => m[key],
  };
  return async (code: string): Promise<unknown> => {
    const cell = transformCell(code);
    const g = vm.runInContext("globalThis", ctx) as Record<string, unknown>;
    for (const n of cell.names) if (!(n in g)) g[n] = undefined;
    const AsyncFunction = vm.runInContext("(async () => {}).constructor", ctx) as new (
      ...a: string[]
    ) => (rt: unknown) => Promise<unknown>;
    return new AsyncFunction("__cl", cell.body)(runtime);
  };
}

describe("transformCell", () => {
  it("strips types and returns the last expression's value", async () => {
    const run = session();
    expect(
      await run("const n: number = 2;\ninterface P { x: number }\nconst p: P = { x: n * 3 };\np.x as number"),
    ).toBe(6);
  });

  it("keeps declarations across cells (const in cell 1 seen in cell 5) and allows redeclaring", async () => {
    const run = session();
    await run("const W = [1, 2, 3];\nlet total = 0;");
    await run("function sum(a: number[]): number { return a.reduce((s, v) => s + v, 0); }");
    await run("class Box { constructor(public v: number) {} }");
    await run("const { a, b: [c, ...rest] } = { a: 1, b: [2, 3, 4] };");
    expect(await run("total = sum(W) + a + c + rest.length;\nnew Box(total).v")).toBe(11);
    await run("const W = [10];"); // re-running a cell that declares W again works
    expect(await run("sum(W)")).toBe(10);
  });

  it("calls a function declared further down the same cell (hoisting kept)", async () => {
    const run = session();
    expect(await run("const y = twice(4);\nfunction twice(x: number) { return 2 * x; }\ny")).toBe(8);
  });

  it("binds imports as globals that later cells use, named, namespace and default", async () => {
    const lib = { tensor: (v: number) => v * 10, version: "1" };
    const run = session({ chainlab: lib });
    await run(
      'import { tensor, version as v } from "chainlab";\nimport * as cl from "chainlab";\nimport def from "chainlab";\nimport type { Foo } from "chainlab";',
    );
    expect(await run("[tensor(2), v, cl.version, def.version]")).toEqual([20, "1", "1", "1"]);
  });

  it("awaits at top level", async () => {
    const run = session();
    expect(await run("const v = await Promise.resolve(41);\nv + 1")).toBe(42);
  });

  it("keeps every line of the cell on its line (tracebacks point at the cell)", () => {
    const code =
      'import { a,\n  b } from "m";\nconst x: number = 1,\n  y = 2;\ntype T = {\n  z: string };\nclass C {\n  m(): void {}\n}\nthrow new Error("here");';
    const body = transformCell(code).body;
    expect(body.split("\n").length).toBe(code.split("\n").length);
    expect(body.split("\n")[9]).toContain('throw new Error("here")');
  });

  it("reports a syntax error with the cell's line and column", () => {
    let err: unknown;
    try {
      transformCell("const a = 1;\nconst b = ;");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CellSyntaxError);
    expect((err as CellSyntaxError).line).toBe(2);
    expect((err as CellSyntaxError).column).toBeGreaterThan(1);
  });

  it("returns nothing when the cell ends with a declaration", () => {
    expect(transformCell("const a = 1;").returnsValue).toBe(false);
    expect(transformCell("a").returnsValue).toBe(true);
  });
});
