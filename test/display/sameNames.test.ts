/**
 * One name per tensor across views: an unnamed intermediate that the chain-rule steps call v3
 * is labelled v3 on the graph's node too (both use autodiff/names.ts), and the graph's click
 * panel formulas use the same names.
 */
import { expect, test } from "vitest";
import * as C from "../../kernel/src/index";
import { buildGraphPayload } from "../../kernel/src/display/graphPayload";
import { graphNodeLabel } from "../../kernel/src/protocol/graphLayout";

test("the chain's step names are the graph's node labels", () => {
  C.manualSeed(5);
  const x = C.randn([3], { requiresGrad: true }).named("x");
  const W = C.randn([2, 3]).named("W");
  const L = W.matmul(x).tanh().square().sum().named("L");
  const chain = C.expandChain(L, x);
  const stepNames = chain.paths[0].steps.flatMap((s) => [s.to, s.from]);
  const auto = [...new Set(stepNames.filter((n) => /^v\d+$/.test(n)))];
  expect(auto.length).toBe(3); // W x, tanh, square
  const graph = buildGraphPayload(L);
  const labels = graph.nodes.map((n) => n.label).filter((l) => l !== undefined);
  for (const n of auto) {
    expect(labels).toContain(n);
    const node = graph.nodes.find((g) => g.label === n)!;
    // The label is on screen: it is part of the node's drawn subtitle.
    expect(graphNodeLabel(node).subtitle.startsWith(`${n} `)).toBe(true);
    // The step through this node uses the op the graph shows there.
    const step = chain.paths[0].steps.find((s) => s.to === n)!;
    expect(node.op).toBe(step.op);
    expect(node.rule!.formula.text.startsWith(`${n} = `)).toBe(true);
  }
});
