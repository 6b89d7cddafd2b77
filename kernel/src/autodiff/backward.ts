import { ChainlabError, fail, fmtShape } from "../errors";
import { Tensor, tensorsMade, type Attrs, type Node, type TensorLike } from "../tensor/Tensor";
import { describe, sameShape } from "../tensor/shape";
import { alloc, resultDType } from "../tensor/storage";
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
  return withWalk(roots, (w) => {
    reverse(w, roots, seeds, createGraph, false);
    const byId = new Map<number, Tensor>();
    for (let s = 0; s < w.size; s++) {
      const g = w.grads[s];
      if (g) byId.set(w.order[s].id, g);
    }
    return byId;
  });
}

let walks = 0;

/**
 * One backward's walk of the graph, as arrays indexed by position ("slot") in `order`. The
 * arrays are kept for the next backward and grown as needed, so a walk allocates nothing once
 * they are big enough (fresh arrays cost ~190 bytes per node of a long chain, in pushes and
 * regrowth); `clear` drops every tensor reference, so a kept walk keeps no graph alive.
 */
class Walk {
  /** Tensors that require grad reachable from the roots, every input before its users. */
  order: Tensor[] = [];
  /** The gradient reaching each slot (summed over paths, in the tensor's shape). */
  grads: (Tensor | undefined)[] = [];
  size = 0;
  /** For slot s, its node's inputs' slots at inSlots[inStart[s] + i] (-1: no gradient). */
  inSlots = new Int32Array(1024);
  inStart = new Int32Array(512);
  private stack: Tensor[] = [];
  private next = new Int32Array(512);

  /**
   * Iterative depth-first post-order from the roots over inputs that require grad (constants
   * get no gradient and have no inputs of their own). Tensors are marked with this walk's
   * number instead of being kept in a Set, and a node's input slots are noted when it is
   * finished (its inputs are finished before it), so backward needs no lookups by tensor,
   * and a backward run inside a rule (a user-defined op's), which re-marks tensors, cannot
   * disturb this one.
   */
  build(roots: readonly Tensor[]): void {
    const mark = ++walks;
    const stack = this.stack;
    let n = 0,
      nIn = 0,
      depth = 0;
    for (const r of roots) {
      if (r._mark === mark) continue;
      r._mark = mark;
      depth = this.push(r, depth);
      while (depth > 0) {
        const t = stack[depth - 1];
        const inputs = t.node ? t.node.inputs : NONE;
        const i = this.next[depth - 1];
        if (i < inputs.length) {
          this.next[depth - 1] = i + 1;
          const c = inputs[i];
          if (c.requiresGrad && c._mark !== mark) {
            c._mark = mark;
            depth = this.push(c, depth);
          }
        } else {
          stack[--depth] = VACANT;
          if (n >= this.inStart.length) this.inStart = grown(this.inStart, n);
          if (nIn + inputs.length > this.inSlots.length) this.inSlots = grown(this.inSlots, nIn + inputs.length);
          this.inStart[n] = nIn;
          for (let j = 0; j < inputs.length; j++) this.inSlots[nIn++] = inputs[j].requiresGrad ? inputs[j]._slot : -1;
          t._slot = n;
          this.order[n] = t;
          this.grads[n] = undefined;
          n++;
        }
      }
    }
    this.size = n;
  }
  private push(t: Tensor, depth: number): number {
    if (depth >= this.next.length) this.next = grown(this.next, depth);
    this.stack[depth] = t;
    this.next[depth] = 0;
    return depth + 1;
  }
  clear(): void {
    this.order.fill(VACANT, 0, this.size);
    this.grads.fill(undefined, 0, this.size);
    this.size = 0;
  }
}
/** What vacated places of a kept Walk's arrays hold: nothing (only used places are read). */
const VACANT = undefined as unknown as Tensor;
const NONE: readonly Tensor[] = [];

function grown(a: Int32Array, need: number): Int32Array {
  const b = new Int32Array(Math.max(2 * a.length, need + 1));
  b.set(a);
  return b;
}

/** Walks kept between backward calls; a backward run inside another's rule takes another. */
const spareWalks: Walk[] = [];
function withWalk<R>(roots: readonly Tensor[], fn: (w: Walk) => R): R {
  const w = spareWalks.pop() ?? new Walk();
  try {
    w.build(roots);
    return fn(w);
  } finally {
    w.clear();
    spareWalks.push(w);
  }
}

/** Sum of two gradients of one tensor (same shape: both were summed back to it). */
function addGrads(a: Tensor, b: Tensor): Tensor {
  return apply(B.add, [a, b]);
}

/**
 * The rule context of the node being differentiated. One per backward, refilled for each node
 * (rules read it during their call and keep none of it), so a node costs no context, `needs`
 * or `shapes` array; `shapes` is made only for the rules that read it.
 */
class NodeContext implements RuleContext<Tensor> {
  inputs: readonly Tensor[] = NONE;
  out: Tensor;
  attrs: Attrs;
  outShape: readonly number[];
  needs: boolean[] = [];
  gWritable = false;
  /** A `needs` array per arity, reused. */
  private readonly needsOf: boolean[][] = [];
  constructor(first: Tensor) {
    this.out = first;
    this.attrs = NO_ATTRS;
    this.outShape = first.shape;
  }
  get shapes(): readonly (readonly number[])[] {
    return this.inputs.map((x) => x.shape);
  }
  /**
   * Points the context at node `t`; marks the inputs whose gradient is wanted (an input slot,
   * and the op passes gradients there). Returns whether any is.
   */
  fill(t: Tensor, node: Node, inSlots: Int32Array, at: number): boolean {
    const inputs = node.inputs;
    const n = inputs.length;
    const needs = this.needsOf[n] ?? (this.needsOf[n] = new Array<boolean>(n).fill(false));
    let any = false;
    for (let i = 0; i < n; i++) {
      const need = inSlots[at + i] >= 0 && differentiates(node.op, i);
      needs[i] = need;
      if (need) any = true;
    }
    this.inputs = inputs;
    this.out = t;
    this.attrs = node.attrs;
    this.outShape = t.shape;
    this.needs = needs;
    return any;
  }
}
const NO_ATTRS: Attrs = Object.freeze({});

/** Fills `w.grads` with the gradient of every tensor of the walk (see gradientsById). */
function reverse(
  w: Walk,
  roots: readonly Tensor[],
  seeds: readonly Tensor[],
  createGraph: boolean,
  reuse: boolean,
): void {
  const { order, grads, inSlots, inStart } = w;
  // Buffer reuse (backward() only: its caller reads no gradient but those of leaves and
  // retained tensors). A gradient made during this walk (id past `firstNew`, so never a user's
  // seed or a forward tensor; ops never share arrays between tensors) is backward's own scratch
  // while exactly one slot holds it: its node's fused kernel may write a result into it once
  // consumed (RuleContext.gWritable), and a second gradient of the same tensor is added into
  // it. `_holds` counts the holders (add's rule hands one g to both inputs, and then neither
  // may write). A user-defined op's backward is user code, which may keep what it is given or
  // returns: it counts as one more holder of both, for good.
  const scratch = reuse && !createGraph && !isAnomalyMode();
  const firstNew = tensorsMade();
  const owned = (x: Tensor) => x.id >= firstNew && x._holds === 1;
  const ctx = new NodeContext(order[w.size - 1]);
  enableGrad(() => {
    roots.forEach((r, i) => {
      const prev = grads[r._slot];
      grads[r._slot] = prev ? addGrads(prev, seeds[i]) : seeds[i];
    });
    const checking = isAnomalyMode();
    for (let k = w.size - 1; k >= 0; k--) {
      const t = order[k];
      const node = t.node;
      if (!node) continue;
      const g = grads[k];
      if (!g) continue;
      const at = inStart[k];
      // Inputs whose gradient is wanted: rules may skip the others (RuleContext.needs).
      if (!ctx.fill(t, node, inSlots, at)) continue;
      const inputs = node.inputs;
      const needs = ctx.needs;
      const writable = scratch && !t.retainsGrad && owned(g);
      ctx.gWritable = writable;
      const op = node.op;
      // The op's fused numeric kernel where it has one and the gradients are not recorded.
      const fused = createGraph || !op.vjpKernel ? undefined : op.vjpKernel(g, ctx);
      const gi =
        fused ??
        (checking ? withoutAnomalyChecks(() => op.vjp(g, ctx, numericAlgebra)) : op.vjp(g, ctx, numericAlgebra));
      const userCode = op.family === "custom";
      for (let i = 0; i < inputs.length; i++) {
        const gx = gi[i];
        if (!gx || !needs[i]) continue;
        const x = inputs[i];
        // Undo broadcasting: the one place gradients are summed back to each input's shape.
        const summed = sameShape(gx.shape, x.shape) ? gx : withoutAnomalyChecks(() => F.sumTo(gx, x.shape.slice()));
        if (checking)
          checkAnomaly(
            op.name,
            "backward",
            summed.data,
            [g, ...inputs],
            summed,
            ` while computing the gradient of input ${i}`,
          );
        const s = inSlots[at + i];
        const prev = grads[s];
        if (!prev) {
          grads[s] = summed;
          if (scratch) summed._holds += userCode ? 2 : 1;
        } else if (scratch && prev !== summed && owned(prev) && addInto(prev, summed)) {
          // the sum of paths accumulated into backward's own array
        } else {
          const sum = addGrads(prev, summed);
          if (scratch) {
            prev._holds--;
            sum._holds++;
          }
          grads[s] = sum;
        }
      }
      // This node's g is consumed (and perhaps overwritten): keep no reference to it.
      if (scratch && !t.retainsGrad) {
        if (!userCode && g._holds > 0) g._holds--;
        grads[k] = undefined;
      }
    }
  }, createGraph);
}

/**
 * acc += x elementwise when the sum has acc's dtype (the add op's arithmetic and rounding, so
 * the same values as a fresh sum); false when it would not.
 */
function addInto(acc: Tensor, x: Tensor): boolean {
  const a = acc.data,
    b = x.data;
  if (a === b || a.length !== b.length || resultDType([acc, x]) !== acc.dtype) return false;
  for (let i = 0; i < a.length; i++) a[i] += b[i];
  return true;
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
  const createGraph = opts.createGraph ?? false;
  withWalk([root], (w) => {
    reverse(w, [root], [seed], createGraph, true);
    noGrad(() => {
      for (let s = 0; s < w.size; s++) {
        const t = w.order[s];
        t._backwardRan = true;
        const g = w.grads[s];
        if (!g || !t.requiresGrad || !t.retainsGrad) continue;
        const gd = createGraph ? g : g.node ? g.detach() : g;
        t.grad = t.grad === null ? gd : F.add(t.grad, gd);
      }
    });
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
