import { ChainlabError, fail, fmtShape } from "../errors";
import { Tensor, tensorsMade, type TensorLike } from "../tensor/Tensor";
import { describe, sameShape } from "../tensor/shape";
import { alloc } from "../tensor/storage";
import { differentiates, type RuleContext } from "../ops/OpDef";
import { enableGrad, noGrad } from "../ops/mode";
import { checkAnomaly, isAnomalyMode, withoutAnomalyChecks } from "../ops/anomaly";
import { numericAlgebra } from "../ops/numericAlgebra";
import * as F from "../ops/functions";
import { apply } from "../ops/apply";
import * as B from "../ops/binary";

/**
 * Reverse mode over the recorded graph: walk the trace from the output back, asking each op's
 * rule (run with the numeric algebra) for its inputs' gradients, summing them back to each
 * input's shape (the one place broadcasting is undone), and adding up where a tensor is used
 * more than once (the multivariable chain rule's sum over paths).
 *
 * Returns the gradient of every tensor reached, keyed by tensor id. With `createGraph` the
 * gradients are themselves recorded, so they can be differentiated again.
 */
export function gradientsById(
  roots: readonly Tensor[],
  seeds: readonly Tensor[],
  createGraph: boolean,
): Map<number, Tensor> {
  const { grads, order } = reverse(roots, seeds, createGraph);
  const byId = new Map<number, Tensor>();
  for (let s = 0; s < order.length; s++) {
    const g = grads[s];
    if (g) byId.set(order[s].id, g);
  }
  return byId;
}

/** The walk of one backward, as arrays indexed by position ("slot") in `order`. */
interface GradGraph {
  /** Tensors that require grad reachable from the roots, every input before its users. */
  order: Tensor[];
  /** For slot s, its node's inputs' slots at inSlots[inStart[s] + i] (-1: no gradient). */
  inSlots: number[];
  inStart: number[];
}

let walks = 0;

/**
 * Iterative depth-first post-order from the roots over inputs that require grad (constants
 * get no gradient and have no inputs of their own). Tensors are marked with this walk's number
 * instead of being kept in a Set, and a node's input slots are noted when it is finished (its
 * inputs are finished before it), so backward itself needs no lookups by tensor.
 */
function gradGraph(roots: readonly Tensor[]): GradGraph {
  const mark = ++walks;
  const order: Tensor[] = [];
  const inSlots: number[] = [];
  const inStart: number[] = [];
  const stack: Tensor[] = [];
  const next: number[] = [];
  for (const r of roots) {
    if (r._mark === mark) continue;
    r._mark = mark;
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
        if (c.requiresGrad && c._mark !== mark) {
          c._mark = mark;
          stack.push(c);
          next.push(0);
        }
      } else {
        stack.pop();
        next.pop();
        inStart.push(inSlots.length);
        for (let j = 0; j < inputs.length; j++) inSlots.push(inputs[j].requiresGrad ? inputs[j]._slot : -1);
        t._slot = order.length;
        order.push(t);
      }
    }
  }
  return { order, inSlots, inStart };
}
const NONE: readonly Tensor[] = [];

/** Sum of two gradients of one tensor (same shape: both were summed back to it). */
function addGrads(a: Tensor, b: Tensor): Tensor {
  return apply(B.add, [a, b]);
}

/**
 * Gradients at least this big may be overwritten by a fused kernel once consumed (see
 * `scratch` in reverse): a fresh 8 MB array costs page faults and, above all, garbage
 * collections triggered by external memory; tiny ones are not worth the bookkeeping.
 */
const REUSE_MIN = 4096;

function reverse(
  roots: readonly Tensor[],
  seeds: readonly Tensor[],
  createGraph: boolean,
  reuse = false,
): { grads: (Tensor | undefined)[]; order: Tensor[] } {
  const { order, inSlots, inStart } = gradGraph(roots);
  const grads = new Array<Tensor | undefined>(order.length);
  // Buffer reuse (backward() only: its caller reads no gradient but those of leaves and
  // retained tensors): a big gradient made during this walk (id past `firstNew`, so never a
  // user's seed or a forward tensor; ops never share arrays between tensors) that sits in
  // exactly one slot is backward's own scratch once its node has consumed it, and a fused
  // kernel may write a result into it (RuleContext.gWritable). `slots` counts the slots
  // holding each such tensor: add's rule hands one g to both inputs, and then neither may
  // write into it.
  const scratch = reuse && !createGraph && !isAnomalyMode();
  const firstNew = tensorsMade();
  const slots = scratch ? new Map<Tensor, number>() : null;
  const hold = (x: Tensor) => {
    if (slots !== null && x.size >= REUSE_MIN && x.id >= firstNew) slots.set(x, (slots.get(x) ?? 0) + 1);
  };
  const release = (x: Tensor) => {
    const n = slots?.get(x);
    if (n === undefined) return;
    if (n > 1) slots!.set(x, n - 1);
    else slots!.delete(x);
  };
  enableGrad(() => {
    roots.forEach((r, i) => {
      const prev = grads[r._slot];
      grads[r._slot] = prev ? addGrads(prev, seeds[i]) : seeds[i];
    });
    const checking = isAnomalyMode();
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const node = t.node;
      if (!node) continue;
      const g = grads[k];
      if (!g) continue;
      const inputs = node.inputs;
      const at = inStart[k];
      // Inputs whose gradient is wanted: rules may skip the others (RuleContext.needs).
      const needs = new Array<boolean>(inputs.length);
      let any = false;
      for (let i = 0; i < inputs.length; i++) {
        const need = inSlots[at + i] >= 0 && differentiates(node.op, i);
        needs[i] = need;
        if (need) any = true;
      }
      if (!any) continue;
      const shapes = new Array<readonly number[]>(inputs.length);
      for (let i = 0; i < inputs.length; i++) shapes[i] = inputs[i].shape;
      const gWritable = slots !== null && !t.retainsGrad && slots.get(g) === 1;
      const ctx: RuleContext<Tensor> = {
        inputs,
        out: t,
        attrs: node.attrs,
        shapes,
        outShape: t.shape,
        needs,
        gWritable,
      };
      // The op's fused numeric kernel where it has one and the gradients are not recorded.
      const fused = createGraph || !node.op.vjpKernel ? undefined : node.op.vjpKernel(g, ctx);
      const gi =
        fused ??
        (checking
          ? withoutAnomalyChecks(() => node.op.vjp(g, ctx, numericAlgebra))
          : node.op.vjp(g, ctx, numericAlgebra));
      for (let i = 0; i < inputs.length; i++) {
        const gx = gi[i];
        if (!gx || !needs[i]) continue;
        const x = inputs[i];
        // Undo broadcasting: the one place gradients are summed back to each input's shape.
        const summed = sameShape(gx.shape, x.shape) ? gx : withoutAnomalyChecks(() => F.sumTo(gx, x.shape.slice()));
        if (checking)
          checkAnomaly(
            node.op.name,
            "backward",
            summed.data,
            [g, ...inputs],
            summed,
            ` while computing the gradient of input ${i}`,
          );
        const s = inSlots[at + i];
        const prev = grads[s];
        if (prev) {
          grads[s] = addGrads(prev, summed);
          release(prev);
          hold(grads[s]!);
        } else {
          grads[s] = summed;
          hold(summed);
        }
      }
      // This node's g is consumed (and perhaps overwritten): keep no reference to it.
      if (slots !== null && !t.retainsGrad) {
        release(g);
        grads[k] = undefined;
      }
    }
  }, createGraph);
  return { grads, order };
}

export function seedFor(op: string, root: Tensor, grad: TensorLike | undefined): Tensor {
  if (grad === undefined) {
    if (root.size !== 1)
      fail(
        op,
        `output has shape ${fmtShape(root.shape)}; backward() without a gradient needs a scalar (one element). Reduce it first (e.g. .sum()) or pass the gradient dL/d(output) with shape ${fmtShape(root.shape)}`,
      );
    // The seed in the root's dtype, so a float32 graph's gradients stay float32.
    const d = alloc(1, root.dtype);
    d[0] = 1;
    return new Tensor(d, root.shape);
  }
  const g = F.asTensor(op, grad, "gradient", root);
  if (!sameShape(g.shape, root.shape))
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
    throw new ChainlabError(
      "backward",
      "this tensor does not require grad: no input of its graph was created with { requiresGrad: true }",
    );
  const seed = seedFor("backward", root, grad);
  const { grads, order } = reverse([root], [seed], opts.createGraph ?? false, true);
  noGrad(() => {
    for (let s = 0; s < order.length; s++) {
      const t = order[s];
      t._backwardRan = true;
      const g = grads[s];
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
      fail(
        "backward",
        "retainGraph is not needed: chainlab never frees a graph after backward, so backward() can run again on it",
      );
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
