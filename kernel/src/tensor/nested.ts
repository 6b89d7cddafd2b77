import { fail } from "../errors";
import { formatArrayEntry } from "../protocol/format";
import type { Shape } from "./shape";
import { checkShape, describe } from "./shape";

export type Nested = number | Nested[];

/**
 * Reads a nested JS array (or a number) into flat data and a shape, rejecting ragged arrays,
 * non-numbers and (unless allowed) non-finite values. Iterative, so cyclic input cannot hang it:
 * depth is bounded by the 32-axis limit.
 */
export function fromNested(op: string, value: unknown, allowNonFinite = true): { data: number[]; shape: number[] } {
  const shape: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (shape.length > 32) fail(op, "nested array is deeper than 32 levels (or cyclic)");
    if (probe.length === 0) break;
    probe = probe[0];
  }
  checkShape(op, shape);
  const data: number[] = [];
  const walk = (v: unknown, depth: number, path: number[]): void => {
    if (depth === shape.length) {
      if (typeof v !== "number") {
        const where = path.length ? ` at [${path.join("][")}]` : "";
        fail(op, `expected a number${where}, got ${describe(v)}`);
      }
      if (!allowNonFinite && !Number.isFinite(v)) fail(op, `non-finite value ${v} at [${path.join("][")}]`);
      data.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      fail(
        op,
        `ragged nested array: expected length ${shape[depth]} at depth ${depth}${path.length ? ` (index [${path.join("][")}])` : ""}, got ${describe(v)}`,
      );
    }
    for (let i = 0; i < v.length; i++) walk(v[i], depth + 1, [...path, i]);
  };
  walk(value, 0, []);
  return { data, shape };
}

export function toNested(data: ArrayLike<number>, shape: Shape): Nested {
  if (shape.length === 0) return data[0];
  let pos = 0;
  const build = (d: number): Nested[] => {
    const n = shape[d];
    const out: Nested[] = new Array(n);
    if (d === shape.length - 1) {
      for (let i = 0; i < n; i++) out[i] = data[pos++];
    } else {
      for (let i = 0; i < n; i++) out[i] = build(d + 1);
    }
    return out;
  };
  return build(0);
}

/** NumPy-like text of a tensor, abbreviated with "..." beyond 6 entries per axis. */
export function formatValues(data: ArrayLike<number>, shape: Shape, edge = 3): string {
  if (shape.length === 0) return formatArrayEntry(data[0]);
  const strides: number[] = [];
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = acc;
    acc *= shape[i];
  }
  const rec = (d: number, off: number, indent: string): string => {
    const n = shape[d];
    const idxs: (number | null)[] = [];
    if (n > 2 * edge) {
      for (let i = 0; i < edge; i++) idxs.push(i);
      idxs.push(null);
      for (let i = n - edge; i < n; i++) idxs.push(i);
    } else for (let i = 0; i < n; i++) idxs.push(i);
    if (d === shape.length - 1)
      return "[" + idxs.map((i) => (i === null ? "..." : formatArrayEntry(data[off + i]))).join(", ") + "]";
    const sep = ",\n" + "\n".repeat(Math.max(0, shape.length - d - 2)) + indent + " ";
    return "[" + idxs.map((i) => (i === null ? "..." : rec(d + 1, off + i * strides[d], indent + " "))).join(sep) + "]";
  };
  return rec(0, 0, "");
}

export function formatTensor(t: {
  data: ArrayLike<number>;
  shape: Shape;
  name?: string;
  dtype: string;
  requiresGrad: boolean;
}): string {
  const head = `tensor${t.name ? ` "${t.name}"` : ""} shape=[${t.shape.join(",")}] ${t.dtype}${t.requiresGrad ? " requiresGrad" : ""}`;
  return `${head}\n${formatValues(t.data, t.shape)}`;
}

export { checkShape };
