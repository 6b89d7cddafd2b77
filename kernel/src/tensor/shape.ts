/**
 * tensor/: storage, shapes, broadcasting arithmetic, creation and random numbers.
 * Nothing here knows about ops or gradients.
 */
import { fail, fmtShape } from "../errors";

export type Shape = readonly number[];

/** Largest number of elements a tensor may have; `setMaxElements` changes it. */
let maxElements = 2 ** 27;
export function setMaxElements(n: number): void {
  if (!Number.isInteger(n) || n < 1) fail("setMaxElements", `expected a positive integer, got ${String(n)}`);
  maxElements = n;
}
export function getMaxElements(): number {
  return maxElements;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Checks that `shape` is a list of non-negative integers and that its size is allowed. */
export function checkShape(op: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) fail(op, `expected a shape (array of non-negative integers), got ${describe(shape)}`);
  if (shape.length > 32) fail(op, `shape has rank ${shape.length}; at most 32 axes are supported`);
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0)
      fail(op, `shape must contain non-negative integers, got ${describe(shape)}`);
  }
  const n = sizeOf(shape as number[]);
  if (n > maxElements)
    fail(
      op,
      `shape ${fmtShape(shape as number[])} has ${n} elements, above the limit of ${maxElements} (setMaxElements to raise it)`,
    );
  return (shape as number[]).slice();
}

export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Row-major offset of the element at multi-index `idx` of a tensor of `shape` (NumPy's ravel_multi_index). */
export function offsetOf(idx: readonly number[], shape: Shape): number {
  let off = 0;
  for (let a = 0; a < shape.length; a++) off = off * shape[a] + idx[a];
  return off;
}

/** Multi-index of the element at row-major offset `off` of a tensor of `shape` (NumPy's unravel_index). */
export function indexOf(off: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    idx[a] = off % shape[a];
    off = Math.floor(off / shape[a]);
  }
  return idx;
}

/** The axes of `from` that summing back to `to` adds up (leading axes and broadcast size-1 axes). */
export function sumToAxes(from: Shape, to: Shape): number[] {
  const lead = from.length - to.length;
  const axes: number[] = [];
  for (let a = 0; a < from.length; a++) if (a < lead || (to[a - lead] === 1 && from[a] !== 1)) axes.push(a);
  return axes;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** NumPy broadcasting of two shapes; throws naming the op when they are incompatible. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1)
      fail(op, `shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together (axis ${i - n}: ${da} vs ${db})`);
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Normalises one axis (negative counts from the end) against a rank. */
export function normAxis(op: string, axis: unknown, rank: number): number {
  if (typeof axis !== "number" || !Number.isInteger(axis)) fail(op, `axis must be an integer, got ${describe(axis)}`);
  const r = Math.max(rank, 1);
  if (axis < -r || axis >= r) fail(op, `axis ${axis} is out of range for rank ${rank} (expected ${-r}..${r - 1})`);
  return axis < 0 ? axis + r : axis;
}

/** Normalises an axis list (undefined = all axes), sorted, without duplicates. */
export function normAxes(op: string, axes: unknown, rank: number): number[] {
  if (axes === undefined || axes === null) return Array.from({ length: rank }, (_, i) => i);
  const list = Array.isArray(axes) ? axes : [axes];
  const out = list.map((a) => normAxis(op, a, rank));
  const set = new Set(out);
  if (set.size !== out.length) fail(op, `repeated axis in ${JSON.stringify(list)}`);
  return out.sort((x, y) => x - y);
}

/** Short description of any JS value for error messages (never throws, never huge). */
export function describe(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "function") return "a function";
  if (Array.isArray(v)) {
    if (v.length > 8) return `an array of length ${v.length}`;
    try {
      const s = JSON.stringify(v);
      if (s !== undefined && s.length <= 60) return s;
    } catch {
      /* cyclic */
    }
    return `an array of length ${v.length}`;
  }
  if (typeof v === "object") {
    const c = (v as object).constructor;
    return c && c.name && c.name !== "Object" ? `a ${c.name}` : "an object";
  }
  return typeof v;
}
