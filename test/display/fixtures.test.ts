/**
 * Writes the kernel's contract fixtures (test/fixtures/payloads/kernel-*.json) from real library
 * tensors, validates each with the protocol's own checks and rewrites a committed fixture when
 * the kernel now produces something else (so the extension's tests always see real payloads).
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { crossEntropy, nn, randn, tensor } from "../../kernel/src/index";
import { buildGraphPayload } from "../../kernel/src/display/graphPayload";
import { buildHeatmapPayload } from "../../kernel/src/display/heatmapPayload";
import { buildGradNormsPayload } from "../../kernel/src/display/gradNorms";
import {
  checkChainPayload,
  checkGraphPayload,
  checkHeatmapPayload,
  checkPlotPayload,
} from "../../kernel/src/protocol/validate";
import { chainExample2 } from "./chainFixture";

const DIR = path.resolve(__dirname, "../fixtures/payloads");

function mlpLoss() {
  const model = new nn.MLP([4, 8, 3], { seed: 3 });
  const x = randn([5, 4], { seed: 4, name: "x" });
  const labels = tensor([0, 2, 1, 1, 0], { name: "labels" });
  const logits = model.forward(x).named("logits");
  return { model, L: crossEntropy(logits, labels).named("L") };
}

/** The 300-op chain h = h.mul(1.01).add(0.01).tanh() x100 after backward: a folded loop. */
function loopGraph() {
  const x = randn([4], { seed: 8, requiresGrad: true, name: "x" });
  let h = x;
  for (let i = 0; i < 100; i++) h = h.mul(1.01).add(0.01).tanh();
  const L = h.sum().named("L");
  L.backward();
  return buildGraphPayload(L);
}

/** A 30-layer MLP (no repeats) cut to 40 nodes: a cut part with one level of detail. */
function cutGraph() {
  let h = randn([2, 4], { seed: 9, name: "X" });
  for (let l = 0; l < 30; l++)
    h = h
      .matmul(randn([4, 4], { seed: 20 + l, requiresGrad: true, name: `W${l}` }))
      .add(l / 30)
      .tanh();
  const L = h.square().sum().named("L");
  L.backward();
  return buildGraphPayload(L, { maxNodes: 40, detail: "stats" });
}

export function kernelFixtures(): Record<string, unknown> {
  const { model, L } = mlpLoss();
  const before = buildGraphPayload(L);
  L.backward();
  const W = model.parameters()[0];
  const rank3 = randn([3, 4, 5], { seed: 5, requiresGrad: true, name: "T" });
  rank3.tanh().sum().backward();
  const big = randn([2, 130, 70], { seed: 6, name: "big" });
  return {
    "kernel-graph-mlp-before-backward.json": before,
    "kernel-graph-mlp.json": buildGraphPayload(L),
    "kernel-graph-truncated.json": buildGraphPayload(L, { maxNodes: 5 }),
    "kernel-heatmap-weight.json": buildHeatmapPayload(W, { name: W.name ?? "W1" }),
    "kernel-heatmap-rank3.json": buildHeatmapPayload(rank3),
    "kernel-heatmap-downsampled.json": buildHeatmapPayload(big, { maxRows: 32, maxCols: 32, maxSlices: 1 }),
    "kernel-plot-gradnorms.json": buildGradNormsPayload(model),
    "kernel-chain-example2.json": chainExample2(),
    "kernel-graph-loop.json": loopGraph(),
    "kernel-graph-cut.json": cutGraph(),
  };
}

function check(name: string, p: unknown): void {
  const kind = (p as { kind: string }).kind;
  const result =
    kind === "graph"
      ? checkGraphPayload(p)
      : kind === "heatmap"
        ? checkHeatmapPayload(p)
        : kind === "chain"
          ? checkChainPayload(p)
          : checkPlotPayload(p);
  expect(result, name).toEqual({ ok: true, payload: p });
}

describe("kernel contract fixtures", () => {
  const fixtures = kernelFixtures();
  for (const [name, payload] of Object.entries(fixtures)) {
    it(`${name} is valid, JSON-safe and up to date`, () => {
      check(name, payload);
      const text = JSON.stringify(payload, null, 1) + "\n";
      expect(JSON.parse(text)).toEqual(payload); // no NaN/Infinity/undefined lost on the way
      const file = path.join(DIR, name);
      const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null;
      if (current !== text) {
        // Written atomically: the extension's tests may be reading this folder right now.
        fs.mkdirSync(DIR, { recursive: true });
        fs.writeFileSync(file + ".tmp", text);
        fs.renameSync(file + ".tmp", file);
      }
    });
  }
});
