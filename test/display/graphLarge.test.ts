/**
 * Graph payloads at real size: scalar constants in labels, loops folded from the graph's own
 * structure, every parameter and every path from it to the output kept, "n ops" summaries that
 * count what they hold, and the whole bundle within budget for any graph size.
 */
import { describe, expect, it } from "vitest";
import { randn, Tensor } from "../../kernel/src/index";
import { buildGraphPayload, firstView } from "../../kernel/src/display/graphPayload";
import { boundedGraphBundle } from "../../kernel/src/display/graphBudget";
import { BUNDLE_BUDGET, jsonBytes, MIME_GRAPH, type GraphPayload } from "../../kernel/src/protocol";
import { graphNodeLabel } from "../../kernel/src/protocol/graphLayout";
import { checkGraphPayload } from "../../kernel/src/protocol/validate";
import { trace } from "../../kernel/src/autodiff/trace";
import { deepMlp, tanhChain, unrolledRnn } from "./largeGraphs";

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
      const { params, L } = deepMlp(layers, 0.3);
      L.backward();
      const b = boundedGraphBundle(L);
      expect(jsonBytes(b)).toBeLessThanOrEqual(BUNDLE_BUDGET.graph);
      expect(checkGraphPayload(b[MIME_GRAPH]).ok).toBe(true);
      // What is drawn before any click (cut parts' detail opens on click: see below).
      const p = firstView(b[MIME_GRAPH] as GraphPayload);
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

/** The payload as drawn once the cut part `id` is opened: its summary gives way to its detail. */
function opened(p: GraphPayload, id: string): GraphPayload {
  const nodes = p.nodes
    .filter((n) => n.id !== id && (n.within === undefined || n.within === id))
    .map(({ within: _, ...n }) => n);
  const ids = new Set(nodes.map((n) => n.id));
  return { ...p, nodes, edges: p.edges.filter((e) => ids.has(e.from) && ids.has(e.to)) };
}

/** Ops a node stands for: a summary its count, any other node one. */
const opsOf = (nodes: GraphPayload["nodes"]) =>
  nodes.reduce((k, n) => k + (n.op === "summary" ? n.summary!.count : 1), 0);

describe("a cut part opens one level from the payload itself", () => {
  const { L } = deepMlp(400, 0.3);
  L.backward();
  const b = boundedGraphBundle(L);
  const p = b[MIME_GRAPH] as GraphPayload;
  const first = firstView(p);
  const parts = first.nodes.filter((n) => n.op === "summary" && p.nodes.some((d) => d.within === n.id));

  it("the first view is the cut graph; the detail rides along within the 300 KB budget", () => {
    expect(jsonBytes(b)).toBeLessThanOrEqual(BUNDLE_BUDGET.graph);
    expect(checkGraphPayload(p).ok).toBe(true);
    expect(parts.length).toBeGreaterThan(0);
    expect(first.nodes.length).toBeLessThanOrEqual(200);
    // What the first view counts is every op of the model, each once.
    const consts = trace(L).filter(
      (e) => !e.tensor.node && !e.tensor.requiresGrad && e.tensor.size === 1 && !e.tensor.name,
    ).length;
    expect(opsOf(first.nodes)).toBe(trace(L).length - consts);
    // The static fallbacks draw the first view only.
    expect(String(b["text/plain"])).not.toMatch(new RegExp(`^${p.nodes.find((n) => n.within)!.id} =`, "m"));
  });

  it("each part's detail holds exactly its ops: some drawn as they are, the rest summarised again", () => {
    for (const part of parts) {
      const detail = p.nodes.filter((n) => n.within === part.id);
      expect(opsOf(detail)).toBe(part.summary!.count);
      const drawn = detail.filter((n) => n.op !== "summary");
      expect(drawn.length).toBeGreaterThanOrEqual(2);
      for (const [op, k] of Object.entries(part.summary!.ops)) {
        const inDetail = detail.reduce(
          (t, n) =>
            t +
            (n.op === "summary"
              ? (n.summary!.ops[op] ?? 0)
              : n.op === op || (op === "parameter" && n.kind === "param") || (op === "input" && n.kind === "input")
                ? 1
                : 0),
          0,
        );
        expect(inDetail, op).toBe(k);
      }
    }
  });

  it("opened, the part's ops connect to the drawing, every parameter still reaches the output, no cycle", () => {
    const part = parts[parts.length - 1];
    const open = opened(p, part.id);
    expect(checkGraphPayload(open).ok).toBe(true);
    expect(paramsReachOutput(open)).toBe(true);
    const detail = new Set(p.nodes.filter((n) => n.within === part.id).map((n) => n.id));
    const firstIds = new Set(first.nodes.map((n) => n.id));
    // Where the part fed the first view, its detail now does.
    const fed = first.edges.filter((e) => e.from === part.id).map((e) => e.to);
    for (const to of fed)
      expect(open.edges.some((e) => detail.has(e.from) && e.to === to && firstIds.has(to))).toBe(true);
    expect(opsOf(open.nodes)).toBe(opsOf(first.nodes));
  });
});

describe("summaries never make a cycle, whatever the graph and the cut", () => {
  // Random DAGs of real ops, with inputs shared far apart, cut to small budgets: a part drawn as
  // one node must not be both upstream and downstream of a node kept between its members.
  function randomGraph(seed: number) {
    let s = seed;
    const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
    const pool: Tensor[] = [];
    for (let i = 0; i < 3; i++) pool.push(randn([2], { seed: seed * 10 + i, requiresGrad: i === 0 }).named(`p${i}`));
    for (let i = 0; i < 40; i++) {
      const a = pool[Math.floor(rand() * pool.length)];
      const b = pool[Math.floor(rand() * pool.length)];
      const r = rand();
      pool.push(r < 0.35 ? a.add(b) : r < 0.7 ? a.mul(b) : r < 0.85 ? a.tanh() : a.sin());
    }
    return pool
      .slice(-4)
      .reduce((acc, t) => acc.add(t))
      .sum()
      .named("L");
  }
  for (let seed = 1; seed <= 40; seed++) {
    it(`random graph ${seed}`, () => {
      const L = randomGraph(seed);
      for (const maxNodes of [4, 7, 12, 20]) {
        const p = buildGraphPayload(L, { maxNodes });
        const r = checkGraphPayload(p);
        expect(r.ok ? "ok" : r.error, `maxNodes ${maxNodes}`).toBe("ok");
        for (const part of p.nodes.filter((n) => n.op === "summary" && n.within === undefined)) {
          const o = checkGraphPayload(opened(p, part.id));
          expect(o.ok ? "ok" : o.error, `maxNodes ${maxNodes}, opened ${part.id}`).toBe("ok");
        }
      }
    });
  }
});

describe("loop summaries say how many copies they hold, and it is true", () => {
  for (const steps of [5, 37, 100]) {
    it(`a ${steps}-step chain: the summary holds the ${steps - 1} copies before the one drawn`, () => {
      const { L } = tanhChain(steps);
      const p = buildGraphPayload(L);
      const tanhInTrace = trace(L).filter((e) => e.tensor.node?.op.name === "tanh").length;
      expect(tanhInTrace).toBe(steps);
      const loop = p.nodes.find((n) => n.summary?.times !== undefined)!;
      const drawnTanh = p.nodes.filter((n) => n.op === "tanh").length;
      expect(loop.summary!.ops.tanh + drawnTanh).toBe(tanhInTrace);
      expect(loop.summary!.times).toBe(loop.summary!.ops.tanh);
      // The drawn copy is the last: it feeds the output's sum, the summary feeds it.
      const sum = p.nodes.find((n) => n.op === "sum")!;
      const lastTanh = p.nodes.find((n) => n.op === "tanh")!;
      expect(p.edges.some((e) => e.from === lastTanh.id && e.to === sum.id)).toBe(true);
      expect(graphNodeLabel(loop).title).toBe(`${tanhInTrace - 1} earlier copies`);
    });
  }
});

describe("recurrences fold", () => {
  it("an RNN unrolled 60 steps: W and U are kept once, the step body folds", () => {
    // W is itself computed (scaled once): shared tensors fold by identity, parameters or not.
    const p = buildGraphPayload(unrolledRnn(60, 0.4));
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
