import { ChainlabError, fail, fmtShape } from "../errors";
import { Tensor, type TensorLike } from "../tensor/Tensor";
import { describe, sameShape } from "../tensor/shape";
import type { RuleContext } from "../ops/OpDef";
import { enableGrad, noGrad } from "../ops/mode";
import { checkAnomaly, isAnomalyMode, withoutAnomalyChecks } from "../ops/anomaly";
import { numericAlgebra } from "../ops/numericAlgebra";
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
  return reverse(roots, seeds, createGraph).grads;
}

/**
 * The tensors that require grad and are reachable from `roots`, every input before its users
 * (iterative depth-first post-order, as trace() but skipping constants, which get no gradient
 * and have no inputs of their own).
 */
function gradOrder(roots: readonly Tensor[]): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: Tensor[] = [];
  const next: number[] = [];
  for (const r of roots) {
    if (seen.has(r)) continue;
    seen.add(r);
    stack.push(r);
    next.push(0);
    while (stack.length > 0) {
      const top = stack.length - 1;
      const t = stack[top];
      const inputs = t.node ? t.node.inputs : NONE;
      const i = next[top];
      if (i < inputs.length) {
        next[top] = i + 1;
        const c = inputs[i];
        if (c.requiresGrad && !seen.has(c)) {
          seen.add(c);
          stack.push(c);
          next.push(0);
        }
      } else {
        stack.pop();
        next.pop();
        order.push(t);
      }
    }
  }
  return order;
}
const NONE: readonly Tensor[] = [];

function reverse(roots: readonly Tensor[], seeds: readonly Tensor[], createGraph: boolean): { grads: Map<number, Tensor>; order: Tensor[] } {
  const order = gradOrder(roots);
  const grads = new Map<number, Tensor>();
  const accumulate = (t: Tensor, g: Tensor) => {
    const prev = grads.get(t.id);
    grads.set(t.id, prev ? F.add(prev, g) : g);
  };
  enableGrad(() => {
    roots.forEach((r, i) => accumulate(r, seeds[i]));
    const checking = isAnomalyMode();
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const node = t.node;
      if (!node) continue;
      const g = grads.get(t.id);
      if (!g) continue;
      const inputs = node.inputs;
      const nondiff = node.op.nondiff;
      // Inputs whose gradient is wanted: rules may skip the others (RuleContext.needs).
      const needs = new Array<boolean>(inputs.length);
      let any = false;
      for (let i = 0; i < inputs.length; i++) {
        needs[i] = inputs[i].requiresGrad && !(nondiff && nondiff.includes(i));
        any ||= needs[i];
      }
      if (!any) continue;
      const ctx: RuleContext<Tensor> = {
        inputs,
        out: t,
        attrs: node.attrs,
        shapes: inputs.map((x) => x.shape),
        outShape: t.shape,
        needs,
      };
      const gi = checking ? withoutAnomalyChecks(() => node.op.vjp(g, ctx, numericAlgebra)) : node.op.vjp(g, ctx, numericAlgebra);
      for (let i = 0; i < inputs.length; i++) {
        const gx = gi[i];
        if (!gx || !needs[i]) continue;
        const x = inputs[i];
        // Undo broadcasting: the one place gradients are summed back to each input's shape.
        const summed = sameShape(gx.shape, x.shape) ? gx : withoutAnomalyChecks(() => F.sumTo(gx, x.shape.slice()));
        if (checking) checkAnomaly(node.op.name, "backward", summed.data, [g, ...inputs], summed, ` while computing the gradient of input ${i}`);
        accumulate(x, summed);
      }
    }
  }, createGraph);
  return { grads, order };
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

export interface BackwardOptions {
  /** Record the gradients themselves, so they can be differentiated again (higher order). */
  createGraph?: boolean;
}

/** Tensor.backward: accumulate dL/dx into `.grad` of every leaf (and retained intermediate). */
export function backward(root: Tensor, grad?: TensorLike, opts: BackwardOptions = {}): void {
  if (!(root instanceof Tensor)) fail("backward", `expected a Tensor, got ${describe(root)}`);
  checkBackwardOptions(opts);
  if (!root.requiresGrad)
    throw new ChainlabError("backward", "this tensor does not require grad: no input of its graph was created with { requiresGrad: true }");
  const seed = seedFor("backward", root, grad);
  const { grads, order } = reverse([root], [seed], opts.createGraph ?? false);
  noGrad(() => {
    for (const t of order) {
      t._backwardRan = true;
      const g = grads.get(t.id);
      if (!g || !t.requiresGrad || !t.retainsGrad) continue;
      const gd = opts.createGraph ? g : g.node ? g.detach() : g;
      t.grad = t.grad === null ? gd : F.add(t.grad, gd);
    }
  });
}

/**
 * PyTorch frees a graph after backward unless retain_graph is set. chainlab's graph is plain
 * data that the garbage collector frees once unreachable, so backward can always run again and
 * there is nothing to retain: say so instead of silently ignoring the option.
 */
function checkBackwardOptions(opts: unknown): void {
  if (opts === null || typeof opts !== "object") fail("backward", `options must be an object, got ${describe(opts)}`);
  for (const key of Object.keys(opts)) {
    if (key === "createGraph") continue;
    if (key === "retainGraph")
      fail("backward", "retainGraph is not needed: chainlab never frees a graph after backward, so backward() can run again on it");
    fail("backward", `unknown option ${JSON.stringify(key)}; the only option is createGraph`);
  }
}

declare module "../tensor/Tensor" {
  interface Tensor {
    /**
     * Runs reverse-mode differentiation from this tensor, accumulating into `.grad` of every
     * leaf that requires grad. A scalar needs no seed; otherwise pass `grad` (dL/d(this)).
     * @example loss.backward(); W.grad
     */
    backward(grad?: TensorLike, opts?: BackwardOptions): void;
  }
}
// Installed here, not in tensor/, which sits below autodiff/ (see ops/tensorMethods.ts).
Object.defineProperty(Tensor.prototype, "backward", {
  value: function (this: Tensor, grad?: TensorLike, opts?: BackwardOptions): void {
    backward(this, grad, opts);
  },
  writable: true,
  configurable: true,
});
