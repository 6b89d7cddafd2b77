/**
 * autodiff/: graph tracing, backward, the functional API (grad, vjp, jvp, jacobian, hessian)
 * and gradcheck. No op-specific knowledge lives here: every derivative comes from the op
 * registry. (Recording switches and anomaly checks live in ops/, where `apply` reads them.)
 */
import type { Tensor } from "../tensor/Tensor";

export interface TraceEntry {
  /** Position in the trace: stable ids for one traced graph. */
  id: number;
  tensor: Tensor;
  /** Ids of the inputs of this entry's op (empty for leaves). */
  inputs: number[];
}

/** One edge of the graph walked backwards: `out` = op(inputs), differentiated at `argnum`. */
export interface Edge {
  out: Tensor;
  argnum: number;
  input: Tensor;
}

/** A path as edges from x outward: edges[0].input is x, the last edge's out is L. */
export type Path = Edge[];

/**
 * The graph that produced `y` as a flat list in topological order (every input before its
 * users, leaves first, y last). Iterative, so deep graphs (thousands of ops) cannot overflow
 * the stack.
 */
export function trace(y: Tensor): TraceEntry[] {
  return traceMany([y]);
}

export function traceMany(roots: readonly Tensor[]): TraceEntry[] {
  const order: Tensor[] = [];
  const seen = new Set<number>();
  const stack: [Tensor, number][] = roots.map((r) => [r, 0]);
  stack.reverse();
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    if (i === 0 && seen.has(t.id)) {
      stack.pop();
      continue;
    }
    seen.add(t.id);
    const inputs = t.node ? t.node.inputs : [];
    if (i < inputs.length) {
      top[1] = i + 1;
      const child = inputs[i];
      if (!seen.has(child.id)) stack.push([child, 0]);
    } else {
      stack.pop();
      order.push(t);
    }
  }
  const pos = new Map<number, number>();
  order.forEach((t, k) => pos.set(t.id, k));
  return order.map((t, k) => ({ id: k, tensor: t, inputs: t.node ? t.node.inputs.map((u) => pos.get(u.id)!) : [] }));
}
