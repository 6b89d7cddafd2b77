// @vitest-environment jsdom
// Batch norm's running statistics on the graph node's card: the kernel puts the buffers, as the
// call left them, on the batchNorm result's node (a copy: later steps do not change an earlier
// graph); the payload validates; the card of the folded "BatchNorm" box lists them.
import { describe, expect, it } from "vitest";
import { nn, randn, sum, mul } from "../../kernel/src/index";
import { buildGraphPayload } from "../../kernel/src/display/graphPayload";
import { checkGraphPayload } from "../../kernel/src/protocol/validate";
import { foldGraph } from "../../extension/src/draw/foldGraph";
import { drawSummaryCard } from "../../extension/src/draw/summaryCard";
import type { GraphPayload } from "../../kernel/src/protocol";

function checked(p: GraphPayload): GraphPayload {
  const c = checkGraphPayload(JSON.parse(JSON.stringify(p)));
  if (!c.ok) throw new Error(c.error);
  return c.payload;
}

describe("batch-norm running statistics on the graph node's card", () => {
  const bn = new nn.BatchNorm2d(3, { name: "bn" });
  const x = randn([4, 3, 2, 2], { seed: 1, requiresGrad: true });
  const L = sum(mul(bn.call(x), randn([4, 3, 2, 2], { seed: 2 })));
  const afterFirst = [Array.from(bn.runningMean.data), Array.from(bn.runningVar.data)];
  const payload = checked(buildGraphPayload(L));
  // A second training step moves the running statistics; the first graph must not change.
  bn.call(randn([4, 3, 2, 2], { seed: 3, requiresGrad: true }));

  it("the kernel attaches them to the batchNorm result, as the call left them", () => {
    const withBuffers = payload.nodes.filter((n) => n.buffers);
    expect(withBuffers).toHaveLength(1);
    const node = withBuffers[0];
    expect(node.scope!.some((s) => s.startsWith("batchNorm"))).toBe(true);
    expect(node.buffers!.map((b) => b.name)).toEqual(["bn.runningMean", "bn.runningVar"]);
    expect(node.buffers![0].value.values).toEqual(afterFirst[0]);
    expect(node.buffers![1].value.values).toEqual(afterFirst[1]);
    expect(Array.from(bn.runningMean.data)).not.toEqual(afterFirst[0]);
    // momentum 0.1 from zeros and ones: 0.1 * batch mean, 0.9 + 0.1 * unbiased batch variance.
    for (let c = 0; c < 3; c++) {
      let m = 0;
      for (let n = 0; n < 4; n++) for (let k = 0; k < 4; k++) m += x.data[(n * 3 + c) * 4 + k];
      expect(afterFirst[0][c]).toBeCloseTo((0.1 * m) / 16, 12);
    }
  });

  it("the card of the folded batch-norm box lists them", () => {
    const v = foldGraph(payload, new Set());
    const box = v.nodes.find((n) => n.node.buffers);
    expect(box).toBeDefined();
    const card = drawSummaryCard(document, box!, true);
    const section = card.querySelector(".cl-card-buffers")!;
    expect(section.textContent).toContain("running statistics");
    const tables = [...section.querySelectorAll("table.cl-matrix")];
    expect(tables.map((t) => t.querySelector("caption")!.textContent)).toEqual(["bn.runningMean", "bn.runningVar"]);
    const shown = tables[1].querySelectorAll("td");
    expect(shown).toHaveLength(3);
    expect(Number(shown[0].textContent)).toBeCloseTo(afterFirst[1][0], 3);
  });

  it("eval mode shows the statistics it normalised with", () => {
    bn.eval();
    const Le = sum(bn.call(randn([2, 3, 2, 2], { seed: 4, requiresGrad: true })));
    const node = checked(buildGraphPayload(Le)).nodes.find((n) => n.buffers)!;
    expect(node.buffers![0].value.values).toEqual(Array.from(bn.runningMean.data));
    bn.train();
  });
});
