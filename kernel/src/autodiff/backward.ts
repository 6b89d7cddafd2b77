import { ChainlabError, fail, fmtShape } from "../errors";
import { Tensor, type TensorLike } from "../tensor/Tensor";
import { describe } from "../tensor/shape";
import type { RuleContext } from "../ops/OpDef";
import { enableGrad, noGrad } from "./mode";
import { checkAnomaly, isAnomalyMode, withoutAnomalyChecks } from "./anomaly";
import { traceMany } from "./trace";
import { numericAlgebra } from "./numericAlgebra";
import * as F from "../ops/functions";

/**
 * Reverse mode over the recorded graph: walk the trace from the output back, asking each op's
 * rule (run with the numeric algebra) for its inputs' gradients, summing them back to each
 * input's shape (the one place broadcasting is undone), and adding up where a tensor is used
 * more than once (the multivariable chain rule's sum over paths).
 *
 * Returns the gradient of every tensor reached, keyed by tensor id. With `createGraph` the
 * gradients are themselves recorded, so they can be differentiated again.
 */
export function gradientsById(roots: readonly Tensor[], seeds: readonly Tensor[], createGraph: boolean): Map<number, Tensor> {
  const entries = traceMany(roots);
  const grads = new Map<number, Tensor>();
  const accumulate = (t: Tensor, g: Tensor) => {
    const prev = grads.get(t.id);
    grads.set(t.id, prev ? F.add(prev, g) : g);
  };
  enableGrad(() => {
    roots.forEach((r, i) => accumulate(r, seeds[i]));
    for (let k = entries.length - 1; k >= 0; k--) {
      const t = entries[k].tensor;
      const g = grads.get(t.id);
      const node = t.node;
      if (!g || !node) continue;
      const ctx: RuleContext<Tensor> = {
        inputs: node.inputs,
        out: t,
        attrs: node.attrs,
        shapes: node.inputs.map((x) => x.shape),
        outShape: t.shape,
      };
      const checking = isAnomalyMode();
      const gi = withoutAnomalyChecks(() => node.op.vjp(g, ctx, numericAlgebra));
      node.inputs.forEach((x, i) => {
        const gx = gi[i];
        if (!gx || !x.requiresGrad || (node.op.nondiff && node.op.nondiff.includes(i))) return;
        const summed = withoutAnomalyChecks(() => F.sumTo(gx, x.shape.slice()));
        if (checking) checkAnomaly(node.op.name, "backward", summed.data, [g, ...node.inputs], summed, ` while computing the gradient of input ${i}`);
        accumulate(x, summed);
      });
    }
  }, createGraph);
  return grads;
}

export function seedFor(op: string, root: Tensor, grad: TensorLike | undefined): Tensor {
  if (grad === undefined) {
    if (root.size !== 1)
      fail(op, `output has shape ${fmtShape(root.shape)}; backward() without a gradient needs a scalar (one element). Reduce it first (e.g. .sum()) or pass the gradient dL/d(output) with shape ${fmtShape(root.shape)}`);
    const d = new Float64Array(1);
    d[0] = 1;
    return new Tensor(d, root.shape);
  }
  const g = F.asTensor(op, grad, "gradient");
  if (g.rank !== root.rank || g.shape.some((d, i) => d !== root.shape[i]))
    fail(op, `gradient shape ${fmtShape(g.shape)} does not match output shape ${fmtShape(root.shape)}`);
  return g;
}

/** Tensor.backward: accumulate dL/dx into `.grad` of every leaf (and retained intermediate). */
export function backward(root: Tensor, grad?: TensorLike, opts: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
  if (!(root instanceof Tensor)) fail("backward", `expected a Tensor, got ${describe(root)}`);
  if (!root.requiresGrad)
    throw new ChainlabError("backward", "this tensor does not require grad: no input of its graph was created with { requiresGrad: true }");
  const seed = seedFor("backward", root, grad);
  const grads = gradientsById([root], [seed], opts.createGraph ?? false);
  const entries = traceMany([root]);
  noGrad(() => {
    for (const { tensor: t } of entries) {
      t._backwardRan = true;
      const g = grads.get(t.id);
      if (!g || !t.requiresGrad || !t.retainsGrad) continue;
      const gd = opts.createGraph ? g : g.node ? g.detach() : g;
      t.grad = t.grad === null ? gd : F.add(t.grad, gd);
    }
  });
}
