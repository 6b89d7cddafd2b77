/**
 * Graph payloads at real size: scalar constants in labels, loops folded from the graph's own
 * structure, every parameter and every path from it to the output kept, "n ops" summaries that
 * count what they hold, and the whole bundle within budget for any graph size.
 */
import { describe, expect, it } from "vitest";
import { randn, tensor, Tensor } from "../../kernel/src/index";
import { buildGraphPayload } from "../../kernel/src/display/graphPayload";
import { boundedGraphBundle } from "../../kernel/src/display/graphBudget";
import { BUNDLE_BUDGET, jsonBytes, MIME_GRAPH, type GraphPayload } from "../../kernel/src/protocol";
import { graphNodeLabel } from "../../kernel/src/protocol/graphLayout";
import { checkGraphPayload } from "../../kernel/src/protocol/validate";
import { trace } from "../../kernel/src/autodiff/trace";

function tanhChain(steps: number) {
  const x = randn([4], { requiresGrad: true, seed: 1 }).named("x");
  let h = x;
  for (let i = 0; i < steps; i++) h = h.mul(1.01).add(0.01).tanh();
  return { x, L: h.sum().named("L") };
}

/** Every parameter node reaches the output along the payload's edges. */
function paramsReachOutput(p: GraphPayload): boolean {
  const users = new Map<string, string[]>();
  for (const e of p.edges) users.set(e.from, [...(users.get(e.from) ?? []), e.to]);
  return p.nodes
    .filter((n) => n.kind === "param")
    .every((n) => {
      const seen = new Set([n.id]);
      const stack = [n.id];
      while (stack.length) {
        const id = stack.pop()!;
        if (id === p.output) return true;
        for (const to of users.get(id) ?? []) {
          if (seen.has(to)) continue;
          seen.add(to);
          stack.push(to);
        }
      }
      return false;
    });
}

/** A deep MLP with its own weights per layer (nothing repeats structurally): ~5 nodes a layer. */
function deepMlp(layers: number) {
  const params: Tensor[] = [];
  let h: Tensor = randn([2, 8], { seed: 3 }).named("X");
  for (let l = 0; l < layers; l++) {
    const W = randn([8, 8], { requiresGrad: true, seed: 10 + l })
      .mul(0.3)
      .named(`W${l}`);
    params.push(W);
    h = h
      .matmul(W)
      .add(l / layers)
      .tanh();
  }
  return { params, L: h.square().sum().named("L") };
}

describe("the 300-op chain h = h.mul(1.01).add(0.01).tanh() x100", () => {
  const { x, L } = tanhChain(100);
  L.backward();
  const p = buildGraphPayload(L);

  it("shows scalar constants in the op label, never as input nodes", () => {
    expect(p.nodes.filter((n) => n.op === "leaf")).toEqual([expect.objectContaining({ name: "x", kind: "param" })]);
    const mul = p.nodes.find((n) => n.op === "mul")!;
    expect(mul.constants).toEqual([{ argIndex: 1, value: 1.01 }]);
    expect(graphNodeLabel(mul).title).toBe("mul 1.01");
    expect(graphNodeLabel(p.nodes.find((n) => n.op === "add")!).title).toBe("add 0.01");
  });

  it("folds the loop body: one summary of 99 copies plus the last copy, under one loop scope", () => {
    const s = p.nodes.filter((n) => n.op === "summary");
    expect(s).toHaveLength(1);
    expect(s[0].summary).toMatchObject({ count: 297, times: 99, period: 3, ops: { mul: 99, add: 99, tanh: 99 } });
    const body = p.nodes.filter((n) => n.scope?.[0] === "loop ×100");
    expect(body.map((n) => n.op)).toEqual(["summary", "mul", "add", "tanh"]);
    expect(p.truncated).toBeUndefined(); // folding is not cutting: nothing is left out
    expect(p.nodes).toHaveLength(6);
  });

  it("keeps the parameter, with its gradient, and its path to the output", () => {
    const xn = p.nodes.find((n) => n.name === "x")!;
    expect(xn.gradState).toBe("computed");
    expect(xn.grad!.norm).toBeCloseTo(Math.hypot(...x.grad!.data), 12);
    expect(paramsReachOutput(p)).toBe(true);
    expect(checkGraphPayload(p).ok).toBe(true);
  });
});

describe("graphs without repeats, over budget", () => {
  for (const layers of [400, 4000]) {
    it(`a ${layers}-layer MLP (~${layers * 5} ops): every parameter drawn (and reaching the output) or listed in a summary, bundle <= 300 KB`, () => {
      const { params, L } = deepMlp(layers);
      L.backward();
      const b = boundedGraphBundle(L);
      expect(jsonBytes(b)).toBeLessThanOrEqual(BUNDLE_BUDGET.graph);
      const p = b[MIME_GRAPH] as GraphPayload;
      expect(checkGraphPayload(p).ok).toBe(true);
      // The weights are `mul` results of leaves here; the leaves with requiresGrad are the params.
      const leafParams = trace(L).filter((e) => !e.tensor.node && e.tensor.requiresGrad).length;
      expect(leafParams).toBe(params.length);
      // Parameters are nodes, nearest the output first, up to half the node budget; the rest are
      // listed by name in the summaries that hold them. None is lost.
      const drawn = p.nodes.filter((n) => n.kind === "param").length;
      const listed = p.nodes.reduce((k, n) => k + (n.summary?.params?.count ?? 0), 0);
      expect(drawn + listed).toBe(leafParams);
      expect(drawn).toBeGreaterThan(0);
      expect(paramsReachOutput(p)).toBe(true);
      const counted = p.nodes.reduce((k, n) => k + (n.op === "summary" ? n.summary!.count : 1), 0);
      const consts = trace(L).filter(
        (e) => !e.tensor.node && !e.tensor.requiresGrad && e.tensor.size === 1 && !e.tensor.name,
      ).length;
      expect(counted).toBe(trace(L).length - consts);
      expect(p.truncated!.omitted).toBeGreaterThan(0);
    }, 120_000);
  }
});

describe("recurrences fold", () => {
  it("an RNN unrolled 60 steps: W and U are kept once, the step body folds", () => {
    // W is itself computed (scaled once): shared tensors fold by identity, parameters or not.
    const W = randn([8, 8], { requiresGrad: true, seed: 1 }).mul(0.4).named("W");
    const U = randn([8, 3], { requiresGrad: true, seed: 2 }).named("U");
    let h = tensor(new Array(8).fill(0));
    let loss = tensor(0);
    for (let t = 0; t < 60; t++) {
      h = W.matmul(h)
        .add(U.matmul(randn([3], { seed: 10 + t })))
        .tanh();
      loss = loss.add(h.square().sum());
    }
    const p = buildGraphPayload(loss.named("L"));
    const loops = p.nodes.filter((n) => n.summary?.times !== undefined);
    expect(loops).toHaveLength(1);
    expect(loops[0].summary!.times! + 1).toBeGreaterThanOrEqual(58);
    expect(p.nodes.filter((n) => n.kind === "param")).toHaveLength(2);
    expect(p.nodes.filter((n) => n.name === "W" || n.name === "U")).toHaveLength(2);
    expect(p.nodes.length).toBeLessThan(40);
    expect(paramsReachOutput(p)).toBe(true);
  });
});

describe("hostile graph payloads end in an error, never a hung drawing", () => {
  const { L } = tanhChain(3);
  const good = buildGraphPayload(L);
  it("the payload the kernel builds passes", () => expect(checkGraphPayload(good).ok).toBe(true));
  it("an edge list with a cycle", () => {
    const bad = {
      ...good,
      edges: [...good.edges, { from: good.output, to: good.nodes[0].id, argIndex: 0, shape: [] }],
    };
    const r = checkGraphPayload(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain("cycle");
  });
  it("duplicate node ids", () => {
    const r = checkGraphPayload({ ...good, nodes: [...good.nodes, good.nodes[0]] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain("appears twice");
  });
  it("a million nodes is refused before any layout", () => {
    const node = good.nodes[0];
    const nodes = Array.from({ length: 1_000_000 }, (_, i) => ({ ...node, id: `m${i}` }));
    const r = checkGraphPayload({ ...good, nodes: [...good.nodes, ...nodes] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain("at most 5000 nodes");
  });
});
