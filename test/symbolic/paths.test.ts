/**
 * Path search (symbolic/chain/paths.ts) at real size: a 100,000-op chain must not reach the call
 * stack limit, and a graph with 2^40 paths must be counted exactly and cut to the limit quickly.
 */
import { describe, expect, test } from "vitest";
import { findPaths } from "../../kernel/src/symbolic/chain/paths";
import { expandChain, tensor } from "../../kernel/src/index";
import { tanhChain } from "../display/largeGraphs";

describe("findPaths", () => {
  test("walks a 100,000-op chain without recursion: one path through every op", () => {
    const { x, L } = tanhChain(33_334, { size: 2, seed: 4 });
    const { paths, total } = findPaths(L, x, 8);
    expect(total).toBe(1);
    expect(paths).toHaveLength(1);
    const path = paths[0];
    expect(path.length).toBe(33_334 * 3 + 1);
    expect(path[0].input).toBe(x);
    expect(path[path.length - 1].out).toBe(L);
    // Consecutive edges connect: each edge's output is the next edge's input.
    let broken = 0;
    for (let k = 1; k < path.length; k++) if (path[k].input !== path[k - 1].out) broken++;
    expect(broken).toBe(0);
  });

  test("counts the paths of a graph with 2^40 of them and returns only `max`", () => {
    // h = h * h forty times: every step doubles the number of paths from x.
    const x = tensor([0.9], { requiresGrad: true, name: "x" });
    let h = x;
    for (let i = 0; i < 40; i++) h = h.mul(h);
    const { paths, total } = findPaths(h, x, 5);
    expect(total).toBe(1e9); // saturates: 2^40 > 1e9
    expect(paths).toHaveLength(5);
    for (const p of paths) {
      expect(p).toHaveLength(40);
      expect(p[0].input).toBe(x);
    }
    // The paths are distinct (they differ in which argument they take at some step).
    const keys = new Set(paths.map((p) => p.map((e) => e.argnum).join("")));
    expect(keys.size).toBe(5);
  });

  test("counts exactly below saturation: a diamond ladder of 2^12 paths", () => {
    const x = tensor([0.5, 0.2], { requiresGrad: true, name: "x" });
    let h = x;
    for (let i = 0; i < 12; i++) h = h.tanh().add(h.sin());
    const { paths, total } = findPaths(h.sum(), x, 3);
    expect(total).toBe(4096);
    expect(paths).toHaveLength(3);
  });

  test("expandChain reports how many paths it folded on the many-paths graph", () => {
    const x = tensor([0.5, 0.2], { requiresGrad: true, name: "x" });
    let h = x;
    for (let i = 0; i < 12; i++) h = h.tanh().add(h.sin());
    const L = h.sum().named("L");
    const p = expandChain(L, x, { maxPaths: 4 });
    expect(p.paths).toHaveLength(4);
    expect(p.pathsOmitted).toBe(4096 - 4);
    // The total still covers every path: it matches reverse mode.
    L.backward();
    expect(p.numeric.total).toBeCloseTo(x.grad!.data[p.numeric.at[0]], 8);
  });
});
