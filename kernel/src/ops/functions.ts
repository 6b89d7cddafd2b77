/**
 * The public op functions: argument checking (every bad input becomes a ChainlabError naming
 * the op, the shapes and the rule), attribute normalisation, then `apply` of the registry op.
 * Composites (dot, squeeze, stack, losses, ...) are built from registry ops inside a scope,
 * so graph views can fold them into one box.
 */
import { fail, fmtShape } from "../errors";
import { Tensor, type TensorLike } from "../tensor/Tensor";
import { broadcastShapes, checkShape, describe, normAxes, normAxis, sameShape, sizeOf } from "../tensor/shape";
import { fromNested } from "../tensor/nested";
import { alloc } from "../tensor/storage";
import { apply } from "./apply";
import { getOp } from "./registry";
import type { Attrs } from "./OpDef";
import { withScope } from "./mode";
import * as U from "./unary";
import * as B from "./binary";
import * as Rd from "./reduce";
import * as S from "./softmax";
import * as L from "./linalg";
import * as Sh from "./shape";
import * as Ix from "./indexing";

/** Lifts numbers and nested arrays to constant tensors; rejects anything else. */
export function asTensor(op: string, v: unknown, arg = "argument", like?: Tensor): Tensor {
  if (v instanceof Tensor) return v;
  if (typeof v === "number") {
    const d = alloc(1, like?.dtype ?? "float64");
    d[0] = v;
    return new Tensor(d, []);
  }
  // Typed arrays (Int32Array labels, Uint8Array masks, ...) are 1-D constants.
  if (
    ArrayBuffer.isView(v) &&
    !(v instanceof DataView) &&
    typeof (v as unknown as ArrayLike<unknown>)[0] !== "bigint"
  ) {
    const arr = v as unknown as ArrayLike<number>;
    const d = alloc(arr.length, like?.dtype ?? "float64");
    for (let i = 0; i < arr.length; i++) d[i] = arr[i];
    return new Tensor(d, [arr.length]);
  }
  if (Array.isArray(v)) {
    const { data, shape } = fromNested(op, v);
    const d = alloc(data.length, like?.dtype ?? "float64");
    d.set(data);
    return new Tensor(d, shape);
  }
  return fail(op, `${arg} must be a Tensor, a number or nested arrays of numbers, got ${describe(v)}`);
}

function bin(op: typeof B.add, a: TensorLike, b: TensorLike): Tensor {
  const ta = asTensor(op.name, a, "first argument", b instanceof Tensor ? b : undefined);
  const tb = asTensor(op.name, b, "second argument", ta);
  // Operands of one shape need no check (both exist, so their size is allowed).
  if (!sameShape(ta.shape, tb.shape)) checkShape(op.name, broadcastShapes(op.name, ta.shape, tb.shape));
  return apply(op, [ta, tb]);
}
function un(op: typeof U.neg, x: TensorLike): Tensor {
  return apply(op, [asTensor(op.name, x, "input")]);
}

/** Elementwise a + b with broadcasting. @example add(W.matmul(x), b) */
export const add = (a: TensorLike, b: TensorLike): Tensor => bin(B.add, a, b);
export const sub = (a: TensorLike, b: TensorLike): Tensor => bin(B.sub, a, b);
export const mul = (a: TensorLike, b: TensorLike): Tensor => bin(B.mul, a, b);
export const div = (a: TensorLike, b: TensorLike): Tensor => bin(B.div, a, b);
export const pow = (a: TensorLike, b: TensorLike): Tensor => bin(B.pow, a, b);
export const maximum = (a: TensorLike, b: TensorLike): Tensor => bin(B.maximum, a, b);
export const minimum = (a: TensorLike, b: TensorLike): Tensor => bin(B.minimum, a, b);
/** 1 where a > b, else 0 (no gradient). */
export const greater = (a: TensorLike, b: TensorLike): Tensor => bin(B.greater, a, b);
/** 1 where a == b, else 0 (no gradient). */
export const equal = (a: TensorLike, b: TensorLike): Tensor => bin(B.equal, a, b);
/** Elementwise choice: a where cond != 0, else b (broadcasting all three). */
export function where(cond: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  const tc = asTensor("where", cond, "condition");
  const ta = asTensor("where", a, "second argument");
  const tb = asTensor("where", b, "third argument", ta);
  checkShape("where", broadcastShapes("where", broadcastShapes("where", tc.shape, ta.shape), tb.shape));
  return apply(B.where, [tc, ta, tb]);
}

export const neg = (x: TensorLike): Tensor => un(U.neg, x);
export const square = (x: TensorLike): Tensor => un(U.square, x);
export const sqrt = (x: TensorLike): Tensor => un(U.sqrt, x);
export const abs = (x: TensorLike): Tensor => un(U.abs, x);
export const exp = (x: TensorLike): Tensor => un(U.exp, x);
export const log = (x: TensorLike): Tensor => un(U.log, x);
export const sin = (x: TensorLike): Tensor => un(U.sin, x);
export const cos = (x: TensorLike): Tensor => un(U.cos, x);
export const tanh = (x: TensorLike): Tensor => un(U.tanh, x);
export const sigmoid = (x: TensorLike): Tensor => un(U.sigmoid, x);
export const relu = (x: TensorLike): Tensor => un(U.relu, x);
export const sign = (x: TensorLike): Tensor => un(U.sign, x);
/** The error function. */
export const erf = (x: TensorLike): Tensor => un(U.erf, x);
/** Exact GELU x Phi(x) (PyTorch's default, not the tanh approximation). */
export const gelu = (x: TensorLike): Tensor => un(U.gelu, x);
/** log(1 + e^x), computed without overflow. */
export const softplus = (x: TensorLike): Tensor => un(U.softplus, x);
/** log(1 + x), accurate for small x. */
export const log1p = (x: TensorLike): Tensor => un(U.log1p, x);
/** e^x - 1, accurate for small x. */
export const expm1 = (x: TensorLike): Tensor => un(U.expm1, x);
/** Largest integer <= x (no gradient). */
export const floor = (x: TensorLike): Tensor => un(U.floor, x);
/** A copy that stays in the graph: gradients pass through unchanged (torch.clone). */
export const clone = (x: TensorLike): Tensor => un(U.clone, x);
function finiteOpt(op: string, name: string, v: unknown, def: number): number {
  if (v === undefined) return def;
  if (typeof v !== "number" || !Number.isFinite(v)) fail(op, `${name} must be a finite number, got ${describe(v)}`);
  return v;
}
/** x where x > 0, negativeSlope * x elsewhere (default slope 0.01, as PyTorch). */
export function leakyRelu(x: TensorLike, negativeSlope = 0.01): Tensor {
  return apply(U.leakyRelu, [asTensor("leakyRelu", x, "input")], {
    negativeSlope: finiteOpt("leakyRelu", "negativeSlope", negativeSlope, 0.01),
  });
}
/** x where x > 0, alpha (e^x - 1) elsewhere (default alpha 1). */
export function elu(x: TensorLike, alpha = 1): Tensor {
  return apply(U.elu, [asTensor("elu", x, "input")], { alpha: finiteOpt("elu", "alpha", alpha, 1) });
}
/**
 * Limits x to [min, max] (either may be omitted). The gradient passes where min <= x <= max.
 * @example clamp(x, { min: 0, max: 1 })
 */
export function clamp(x: TensorLike, opts: { min?: number; max?: number } = {}): Tensor {
  const t = asTensor("clamp", x, "input");
  if (typeof opts !== "object" || opts === null) fail("clamp", `options must be { min?, max? }, got ${describe(opts)}`);
  const attrs: Record<string, number> = {};
  if (opts.min !== undefined) attrs.min = finiteOpt("clamp", "min", opts.min, 0);
  if (opts.max !== undefined) attrs.max = finiteOpt("clamp", "max", opts.max, 0);
  if (attrs.min !== undefined && attrs.max !== undefined && attrs.min > attrs.max)
    fail("clamp", `min ${attrs.min} is greater than max ${attrs.max}`);
  return apply(U.clamp, [t], attrs);
}
/** a - b floor(a / b): the remainder with the sign of b (PyTorch's remainder, Python's %). */
export const remainder = (a: TensorLike, b: TensorLike): Tensor => bin(B.remainder, a, b);
/** The angle of the point (b, a) in (-pi, pi]. */
export const atan2 = (a: TensorLike, b: TensorLike): Tensor => bin(B.atan2, a, b);
/**
 * Any registry op by name (Algebra.call: rules reach their family's helper ops with it). Rules
 * pass shapes they computed themselves, so nothing is re-validated here.
 */
export function call(name: string, args: Tensor[], attrs: Attrs = {}): Tensor {
  return apply(getOp(name), args, attrs);
}
/** Swaps the last two axes (PyTorch's .mT: a batch of matrices transposed). */
export function mT(x: TensorLike): Tensor {
  const t = asTensor("mT", x, "input");
  if (t.rank < 2) fail("mT", `needs at least 2 axes, got shape ${fmtShape(t.shape)}`);
  const perm = t.shape.map((_, a) => a);
  perm[t.rank - 2] = t.rank - 1;
  perm[t.rank - 1] = t.rank - 2;
  return apply(Sh.transpose, [t], { perm });
}

function checkKeep(op: string, keepDims: unknown): boolean {
  if (keepDims === undefined) return false;
  if (typeof keepDims !== "boolean") fail(op, `keepDims must be true or false, got ${describe(keepDims)}`);
  return keepDims;
}
function reduce(op: typeof Rd.sum, x: TensorLike, axes: unknown, keepDims: unknown): Tensor {
  const t = asTensor(op.name, x, "input");
  const ax = normAxes(op.name, axes, t.rank);
  if ((op === Rd.max || op === Rd.min) && ax.some((a) => t.shape[a] === 0))
    fail(op.name, `cannot take the ${op.name} over an empty axis of shape ${fmtShape(t.shape)}`);
  return apply(op, [t], { axes: ax, keepDims: checkKeep(op.name, keepDims) });
}
/** Sum over `axes` (all by default). @example x.sum(1, true) */
export const sum = (x: TensorLike, axes?: number | number[], keepDims?: boolean): Tensor =>
  reduce(Rd.sum, x, axes, keepDims);
export const mean = (x: TensorLike, axes?: number | number[], keepDims?: boolean): Tensor =>
  reduce(Rd.mean, x, axes, keepDims);
/** Maximum over axes; ties share the gradient evenly. */
export const max = (x: TensorLike, axes?: number | number[], keepDims?: boolean): Tensor =>
  reduce(Rd.max, x, axes, keepDims);
export const min = (x: TensorLike, axes?: number | number[], keepDims?: boolean): Tensor =>
  reduce(Rd.min, x, axes, keepDims);
/** Product over axes. Its gradient is the product of the other entries (exact at zeros). */
export const prod = (x: TensorLike, axes?: number | number[], keepDims?: boolean): Tensor =>
  reduce(Rd.prod, x, axes, keepDims);

function alongAxis(op: typeof S.softmax, x: TensorLike, axis: unknown, extra: Record<string, unknown> = {}): Tensor {
  const t = asTensor(op.name, x, "input");
  if (t.rank === 0) fail(op.name, "needs at least one axis; got a scalar (shape [])");
  const ax = normAxis(op.name, axis ?? -1, t.rank);
  if (t.shape[ax] === 0) fail(op.name, `axis ${ax} of shape ${fmtShape(t.shape)} is empty`);
  return apply(op, [t], { axis: ax, ...extra });
}
export const softmax = (x: TensorLike, axis = -1): Tensor => alongAxis(S.softmax, x, axis);
export const logSoftmax = (x: TensorLike, axis = -1): Tensor => alongAxis(S.logSoftmax, x, axis);
/**
 * log sum exp over one axis or several (a list): several axes are moved to the end and merged
 * into one, so the one stable kernel does the work.
 * @example logSumExp(x, [1, 2])
 */
export function logSumExp(x: TensorLike, axis: number | number[] = -1, keepDims?: boolean): Tensor {
  const keep = checkKeep("logSumExp", keepDims);
  if (!Array.isArray(axis)) return alongAxis(S.logSumExp, x, axis, { keepDims: keep });
  const t = asTensor("logSumExp", x, "input");
  const axes = normAxes("logSumExp", axis, t.rank);
  if (axes.length === 0) fail("logSumExp", `needs at least one axis, got ${describe(axis)}`);
  if (axes.length === 1) return alongAxis(S.logSumExp, t, axes[0], { keepDims: keep });
  if (axes.some((a) => t.shape[a] === 0))
    fail("logSumExp", `an axis in ${JSON.stringify(axes)} of shape ${fmtShape(t.shape)} is empty`);
  return withScope("logSumExp", () => {
    const rest = t.shape.map((_, a) => a).filter((a) => !axes.includes(a));
    const moved = transpose(t, [...rest, ...axes]);
    const merged = reshape(moved, [...rest.map((a) => t.shape[a]), -1]);
    const r = apply(S.logSumExp, [merged], { axis: rest.length, keepDims: false });
    return keep
      ? reshape(
          r,
          t.shape.map((d, a) => (axes.includes(a) ? 1 : d)),
        )
      : r;
  });
}

/**
 * Matrix product with numpy.matmul semantics: 1-D operands are promoted and the added axis
 * removed; leading axes are batch axes and broadcast.
 * @example W.matmul(x)   // [3,4] @ [4] -> [3]
 */
export function matmul(a: TensorLike, b: TensorLike): Tensor {
  const ta = asTensor("matmul", a, "first argument");
  const tb = asTensor("matmul", b, "second argument", ta);
  if (ta.rank === 0 || tb.rank === 0)
    fail(
      "matmul",
      `both operands need at least one axis: ${fmtShape(ta.shape)} @ ${fmtShape(tb.shape)} (use mul for scalars)`,
    );
  const ka = ta.shape[ta.rank - 1];
  const kb = tb.rank === 1 ? tb.shape[0] : tb.shape[tb.rank - 2];
  if (ka !== kb)
    fail("matmul", `inner dimensions differ: ${fmtShape(ta.shape)} @ ${fmtShape(tb.shape)} (${ka} vs ${kb})`);
  if (ta.rank > 2 || tb.rank > 2) {
    if (ta.rank >= 2 && tb.rank >= 2) {
      const batch = broadcastShapes("matmul", ta.shape.slice(0, -2), tb.shape.slice(0, -2));
      checkShape("matmul", [...batch, ta.shape[ta.rank - 2], tb.shape[tb.rank - 1]]);
      return apply(L.matmul, [ta, tb]);
    }
    // N-D with 1-D: promote the vector to a matrix, multiply, drop the added axis.
    return withScope("matmul", () => {
      if (tb.rank === 1) return reshape(apply(L.matmul, [ta, reshape(tb, [kb, 1])]), ta.shape.slice(0, -1));
      const r = apply(L.matmul, [reshape(ta, [1, ka]), tb]);
      return reshape(r, [...tb.shape.slice(0, -2), tb.shape[tb.rank - 1]]);
    });
  }
  return apply(L.matmul, [ta, tb]);
}
/** Inner product of two vectors. */
export function dot(a: TensorLike, b: TensorLike): Tensor {
  const ta = asTensor("dot", a, "first argument");
  const tb = asTensor("dot", b, "second argument", ta);
  if (ta.rank !== 1 || tb.rank !== 1 || ta.size !== tb.size)
    fail("dot", `expected two vectors of equal length, got ${fmtShape(ta.shape)} and ${fmtShape(tb.shape)}`);
  return apply(L.matmul, [ta, tb]);
}
/** Outer product a b^T of two vectors (flattened if they are not). */
export function outer(a: TensorLike, b: TensorLike): Tensor {
  const ta = asTensor("outer", a, "first argument");
  const tb = asTensor("outer", b, "second argument", ta);
  checkShape("outer", [ta.size, tb.size]);
  return apply(L.outer, [ta.rank === 1 ? ta : flatten(ta), tb.rank === 1 ? tb : flatten(tb)]);
}

/** Permutes axes (reverses them by default). */
export function transpose(x: TensorLike, perm?: number[]): Tensor {
  const t = asTensor("transpose", x, "input");
  const p = perm === undefined ? Array.from({ length: t.rank }, (_, i) => t.rank - 1 - i) : perm;
  if (!Array.isArray(p) || p.length !== t.rank)
    fail(
      "transpose",
      `perm must list each of the ${t.rank} axes of shape ${fmtShape(t.shape)} once, got ${describe(perm)}`,
    );
  const norm = p.map((a) => normAxis("transpose", a, t.rank));
  if (new Set(norm).size !== norm.length) fail("transpose", `perm ${JSON.stringify(p)} repeats an axis`);
  return apply(Sh.transpose, [t], { perm: norm });
}
/** New shape with the same number of elements; one entry may be -1 (inferred). */
export function reshape(x: TensorLike, shape: readonly number[]): Tensor {
  const t = asTensor("reshape", x, "input");
  if (!Array.isArray(shape)) fail("reshape", `shape must be an array, got ${describe(shape)}`);
  const s = shape.slice();
  const neg = s.filter((d) => d === -1).length;
  if (neg > 1) fail("reshape", `only one axis can be -1, got ${JSON.stringify(shape)}`);
  if (neg === 1) {
    const rest = s.reduce((p, d) => (d === -1 ? p : p * d), 1);
    if (rest === 0 || t.size % rest !== 0)
      fail(
        "reshape",
        `cannot infer -1 in ${JSON.stringify(shape)} for ${t.size} elements (shape ${fmtShape(t.shape)})`,
      );
    s[s.indexOf(-1)] = t.size / rest;
  }
  checkShape("reshape", s);
  if (sizeOf(s) !== t.size)
    fail(
      "reshape",
      `cannot reshape ${fmtShape(t.shape)} (${t.size} elements) to ${fmtShape(s)} (${sizeOf(s)} elements)`,
    );
  return apply(Sh.reshape, [t], { shape: s });
}
export const flatten = (x: TensorLike): Tensor => reshape(x, [-1]);
/** Removes size-1 axes (all of them, or the given ones). */
export function squeeze(x: TensorLike, axes?: number | number[]): Tensor {
  const t = asTensor("squeeze", x, "input");
  const ax = axes === undefined ? t.shape.flatMap((d, a) => (d === 1 ? [a] : [])) : normAxes("squeeze", axes, t.rank);
  for (const a of ax)
    if (t.shape[a] !== 1) fail("squeeze", `axis ${a} of shape ${fmtShape(t.shape)} has size ${t.shape[a]}, not 1`);
  return reshape(
    t,
    t.shape.filter((_, a) => !ax.includes(a)),
  );
}
/** Inserts a size-1 axis at `axis` (of the result). */
export function unsqueeze(x: TensorLike, axis: number): Tensor {
  const t = asTensor("unsqueeze", x, "input");
  const a = normAxis("unsqueeze", axis, t.rank + 1);
  const s = t.shape.slice();
  s.splice(a, 0, 1);
  return reshape(t, s);
}
/** Repeats along size-1 or missing leading axes to `shape` (NumPy broadcasting). */
export function broadcastTo(x: TensorLike, shape: readonly number[]): Tensor {
  const t = asTensor("broadcastTo", x, "input");
  const s = checkShape("broadcastTo", shape);
  const b = broadcastShapes("broadcastTo", t.shape, s);
  if (b.length !== s.length || b.some((d, i) => d !== s[i]))
    fail("broadcastTo", `cannot broadcast ${fmtShape(t.shape)} to ${fmtShape(s)}`);
  return apply(Sh.broadcastTo, [t], { shape: s });
}
/** Sums broadcast axes away so the result has `shape` (the adjoint of broadcastTo). */
export function sumTo(x: TensorLike, shape: readonly number[]): Tensor {
  const t = asTensor("sumTo", x, "input");
  const s = checkShape("sumTo", shape);
  const b = broadcastShapes("sumTo", s, t.shape);
  if (b.length !== t.rank || b.some((d, i) => d !== t.shape[i]))
    fail("sumTo", `${fmtShape(s)} does not broadcast to ${fmtShape(t.shape)}`);
  if (s.length === t.rank && s.every((d, i) => d === t.shape[i])) return t;
  return apply(Rd.sumTo, [t], { shape: s });
}

/**
 * The box starting at `begin` with `size` (-1 or omitted: to the end of that axis).
 * @example x.slice([0, 1], [2, -1])
 */
export function slice(x: TensorLike, begin: number[], size?: number[]): Tensor {
  const t = asTensor("slice", x, "input");
  if (!Array.isArray(begin) || begin.length !== t.rank)
    fail("slice", `begin must have one entry per axis of ${fmtShape(t.shape)}, got ${describe(begin)}`);
  if (size !== undefined && (!Array.isArray(size) || size.length !== t.rank))
    fail("slice", `size must have one entry per axis of ${fmtShape(t.shape)}, got ${describe(size)}`);
  const b = begin.map((v, a) => {
    if (typeof v !== "number" || !Number.isInteger(v))
      fail("slice", `begin must hold integers, got ${describe(begin)}`);
    const n = v < 0 ? v + t.shape[a] : v;
    if (n < 0 || n > t.shape[a])
      fail("slice", `begin ${v} is out of range for axis ${a} of shape ${fmtShape(t.shape)}`);
    return n;
  });
  const sz = t.shape.map((d, a) => {
    const v = size?.[a] ?? -1;
    if (typeof v !== "number" || !Number.isInteger(v) || v < -1)
      fail("slice", `size must hold integers >= -1, got ${describe(size)}`);
    const n = v === -1 ? d - b[a] : v;
    if (b[a] + n > d) fail("slice", `begin ${b[a]} + size ${n} exceeds axis ${a} of shape ${fmtShape(t.shape)}`);
    return n;
  });
  return apply(Ix.slice, [t], { begin: b, size: sz });
}
/** Zeros of `shape` with `x` placed at `begin` (the adjoint of slice). */
export function pad(x: TensorLike, shape: number[], begin: number[]): Tensor {
  const t = asTensor("pad", x, "input");
  const s = checkShape("pad", shape);
  if (
    !Array.isArray(begin) ||
    begin.length !== t.rank ||
    s.length !== t.rank ||
    begin.some((b, a) => !Number.isInteger(b) || b < 0 || b + t.shape[a] > s[a])
  )
    fail("pad", `cannot place ${fmtShape(t.shape)} at ${describe(begin)} inside ${fmtShape(s)}`);
  return apply(Ix.pad, [t], { shape: s, begin: begin.slice() });
}
/** Integer indexing of the leading axes: x.index(1) is row 1, x.index(1, 2) an element. */
export function index(x: TensorLike, ...indices: number[]): Tensor {
  const t = asTensor("index", x, "input");
  if (indices.length > t.rank)
    fail("index", `${indices.length} indices for shape ${fmtShape(t.shape)} of rank ${t.rank}`);
  const b = indices.map((v, a) => {
    if (typeof v !== "number" || !Number.isInteger(v)) fail("index", `indices must be integers, got ${describe(v)}`);
    const n = v < 0 ? v + t.shape[a] : v;
    if (n < 0 || n >= t.shape[a])
      fail("index", `index ${v} is out of range for axis ${a} of shape ${fmtShape(t.shape)}`);
    return n;
  });
  return withScope("index", () => {
    const s = slice(
      t,
      [...b, ...t.shape.slice(b.length).map(() => 0)],
      [...b.map(() => 1), ...t.shape.slice(b.length)],
    );
    return reshape(s, t.shape.slice(b.length));
  });
}
/** Joins tensors along an existing axis. */
export function concat(tensors: TensorLike[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0)
    fail("concat", `expected a non-empty array of tensors, got ${describe(tensors)}`);
  const ts = tensors.map((t, i) => asTensor("concat", t, `tensor ${i}`));
  const ax = normAxis("concat", axis, ts[0].rank);
  if (ts[0].rank === 0) fail("concat", "cannot concatenate scalars; use stack");
  for (const t of ts)
    if (t.rank !== ts[0].rank || t.shape.some((d, a) => a !== ax && d !== ts[0].shape[a]))
      fail("concat", `shapes ${ts.map((u) => fmtShape(u.shape)).join(", ")} differ outside axis ${ax}`);
  return apply(Ix.concat, ts, { axis: ax });
}
/** Joins tensors of one shape along a new axis. */
export function stack(tensors: TensorLike[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0)
    fail("stack", `expected a non-empty array of tensors, got ${describe(tensors)}`);
  const ts = tensors.map((t, i) => asTensor("stack", t, `tensor ${i}`));
  for (const t of ts)
    if (t.rank !== ts[0].rank || t.shape.some((d, a) => d !== ts[0].shape[a]))
      fail("stack", `all tensors need one shape, got ${ts.map((u) => fmtShape(u.shape)).join(", ")}`);
  const ax = normAxis("stack", axis, ts[0].rank + 1);
  return withScope("stack", () =>
    concat(
      ts.map((t) => unsqueeze(t, ax)),
      ax,
    ),
  );
}
/**
 * Picks entries along `axis` by integer indices of the same rank (PyTorch gather):
 * out[i][j] = x[i][indices[i][j]] for axis 1. Indices get no gradient.
 */
export function gather(x: TensorLike, indices: TensorLike, axis = -1): Tensor {
  const t = asTensor("gather", x, "input");
  const idx = asTensor("gather", indices, "indices");
  const ax = normAxis("gather", axis, t.rank);
  checkIndices("gather", idx, t, ax);
  return apply(Ix.gather, [t, idx], { axis: ax });
}
export function scatterAdd(g: TensorLike, indices: TensorLike, axis: number, shape: number[]): Tensor {
  const t = asTensor("scatterAdd", g, "input");
  const idx = asTensor("scatterAdd", indices, "indices");
  const s = checkShape("scatterAdd", shape);
  const ax = normAxis("scatterAdd", axis, s.length);
  checkIndices("scatterAdd", idx, { shape: s }, ax);
  if (t.rank !== idx.rank || t.shape.some((d, a) => d !== idx.shape[a]))
    fail("scatterAdd", `values ${fmtShape(t.shape)} and indices ${fmtShape(idx.shape)} differ in shape`);
  return apply(Ix.scatterAdd, [t, idx], { axis: ax, shape: s });
}
function checkIndices(op: string, idx: Tensor, x: { shape: readonly number[] }, ax: number): void {
  if (idx.rank !== x.shape.length)
    fail(op, `indices ${fmtShape(idx.shape)} must have the rank of the input ${fmtShape(x.shape)}`);
  for (let a = 0; a < idx.rank; a++)
    if (a !== ax && idx.shape[a] > x.shape[a])
      fail(op, `indices ${fmtShape(idx.shape)} exceed input ${fmtShape(x.shape)} on axis ${a}`);
  for (let i = 0; i < idx.size; i++) {
    const v = idx.data[i];
    if (!Number.isInteger(v) || v < 0 || v >= x.shape[ax])
      fail(op, `index ${v} out of range [0, ${x.shape[ax]}) on axis ${ax}`);
  }
}

// ---- losses (composites) ----

/** Mean squared error mean((pred - target)^2). */
export function mse(pred: TensorLike, target: TensorLike): Tensor {
  const p = asTensor("mse", pred, "prediction");
  const t = asTensor("mse", target, "target", p);
  if (p.rank !== t.rank || p.shape.some((d, a) => d !== t.shape[a]))
    fail("mse", `prediction ${fmtShape(p.shape)} and target ${fmtShape(t.shape)} must have one shape`);
  return withScope("mse", () => mean(square(sub(p, t))));
}
/**
 * Softmax cross-entropy of logits [N, C] (or [C]) against integer class labels [N] (or a
 * number), averaged over the batch.
 */
export function crossEntropy(logits: TensorLike, labels: TensorLike): Tensor {
  const z = asTensor("crossEntropy", logits, "logits");
  const y = asTensor("crossEntropy", labels, "labels");
  if (z.rank === 1 && y.rank === 0) return crossEntropy(reshape(z, [1, z.shape[0]]), reshape(y, [1]));
  if (z.rank !== 2 || y.rank !== 1 || y.shape[0] !== z.shape[0])
    fail("crossEntropy", `expected logits [N,C] and labels [N], got ${fmtShape(z.shape)} and ${fmtShape(y.shape)}`);
  for (let i = 0; i < y.size; i++)
    if (!Number.isInteger(y.data[i]) || y.data[i] < 0 || y.data[i] >= z.shape[1])
      fail("crossEntropy", `label ${y.data[i]} at position ${i} is not a class index in [0, ${z.shape[1]})`);
  // Labels as a column for gather; an unrecorded reshape keeps their name, so formulas say onehot(labels).
  const column = reshape(y, [y.shape[0], 1]);
  if (y.name && !column.node && !column.name) column.named(y.name);
  return withScope("crossEntropy", () => neg(mean(gather(logSoftmax(z, 1), column, 1))));
}
/**
 * Binary cross-entropy -mean(t log p + (1-t) log(1-p)) of probabilities p in (0,1); with
 * `{ fromLogits: true }`, p are logits (computed stably).
 */
export function binaryCrossEntropy(pred: TensorLike, target: TensorLike, opts: { fromLogits?: boolean } = {}): Tensor {
  const p = asTensor("binaryCrossEntropy", pred, "prediction");
  const t = asTensor("binaryCrossEntropy", target, "target", p);
  if (p.rank !== t.rank || p.shape.some((d, a) => d !== t.shape[a]))
    fail("binaryCrossEntropy", `prediction ${fmtShape(p.shape)} and target ${fmtShape(t.shape)} must have one shape`);
  return withScope("binaryCrossEntropy", () => {
    if (opts.fromLogits) {
      // log(1 + e^z) - t z, written as max(z,0) - t z + log(1 + e^-|z|) to avoid overflow.
      return mean(add(sub(relu(p), mul(t, p)), log(add(1, exp(neg(abs(p)))))));
    }
    return neg(mean(add(mul(t, log(p)), mul(sub(1, t), log(sub(1, p))))));
  });
}
