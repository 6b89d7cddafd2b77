/**
 * Payload sizes per view on real-size models (npm run bench:render prints them): the JSON bytes
 * of each full MIME bundle as the kernel sends it, and how far expandChain goes on long chains.
 */
import { nn, randn, tensor, expandChain } from "../kernel/src/index";
import { buildGraphPayload } from "../kernel/src/display/graphPayload";
import { buildHeatmapPayload } from "../kernel/src/display/heatmapPayload";
import { chainBundle, graphBundle, heatmapBundle } from "../kernel/src/display/bundles";
import { boundedHeatmapBundle } from "../kernel/src/display/heatmapBudget";
import { tanhChain } from "../test/display/largeGraphs";

export function bytes(v: unknown): number {
  return Buffer.byteLength(JSON.stringify(v), "utf8");
}

/** A 3-layer MLP (256-128-64-10) on a batch, after backward: its first weight's heatmap bundle. */
export function mlpHeatmapBytes(): { bundle: number; fallback: number; unbounded: number } {
  const model = new nn.MLP([256, 128, 64, 10], { seed: 1 });
  const X = randn([32, 256], { seed: 2 });
  const L = model.forward(X).square().mean();
  L.backward();
  const W = model.parameters()[0];
  // As show.heatmap sends it (within budget); `unbounded` is the payload at its default size.
  const b = boundedHeatmapBundle(W, {});
  return {
    bundle: bytes(b),
    fallback: bytes(b["image/svg+xml"]),
    unbounded: bytes(heatmapBundle(buildHeatmapPayload(W))),
  };
}

export function graphBytes(steps: number): { nodes: number; bundle: number } {
  const { L } = tanhChain(steps);
  L.backward();
  const p = buildGraphPayload(L);
  return { nodes: p.nodes.length, bundle: bytes(graphBundle(p)) };
}

export function chainBytes(steps: number): number {
  const { x, L } = tanhChain(steps);
  return bytes(chainBundle(expandChain(L, x)));
}

export function bigParamChainBytes(n = 1000): number {
  const x = randn([n, n], { requiresGrad: true, seed: 3 }).named("x");
  const L = x.mul(tensor(2)).sum().named("L");
  return bytes(chainBundle(expandChain(L, x)));
}

/** Largest chain length (in steps of 3 ops) that expandChain finishes, trying the given lengths. */
export function expandChainLimit(lengths: number[]): { steps: number; ok: boolean; error?: string; ms: number }[] {
  return lengths.map((steps) => {
    const { x, L } = tanhChain(steps, { size: 2 });
    const t0 = performance.now();
    try {
      expandChain(L, x);
      return { steps, ok: true, ms: Math.round(performance.now() - t0) };
    } catch (e) {
      return {
        steps,
        ok: false,
        error: String((e as Error).message).slice(0, 80),
        ms: Math.round(performance.now() - t0),
      };
    }
  });
}
