import { fail, fmtShape } from "../errors";
import { Tensor, type DType } from "./Tensor";
import { alloc } from "./storage";
import { checkShape, describe, sizeOf } from "./shape";
import { fromNested } from "./nested";
import { rngFor } from "./random";

export interface TensorOptions {
  requiresGrad?: boolean;
  name?: string;
  dtype?: DType;
}
export interface RandomOptions extends TensorOptions {
  /** Seed for reproducible values (course material); without it a global generator is used. */
  seed?: number;
}

function checkOpts(op: string, opts: unknown): TensorOptions & RandomOptions {
  if (opts === undefined) return {};
  if (typeof opts !== "object" || opts === null || Array.isArray(opts))
    fail(op, `options must be an object, got ${describe(opts)}`);
  const o = opts as RandomOptions;
  if (o.requiresGrad !== undefined && typeof o.requiresGrad !== "boolean")
    fail(op, `requiresGrad must be true or false, got ${describe(o.requiresGrad)}`);
  if (o.name !== undefined && typeof o.name !== "string") fail(op, `name must be a string, got ${describe(o.name)}`);
  if (o.dtype !== undefined && o.dtype !== "float64" && o.dtype !== "float32")
    fail(op, `dtype must be "float64" or "float32", got ${describe(o.dtype)}`);
  if (o.seed !== undefined && (typeof o.seed !== "number" || !Number.isInteger(o.seed)))
    fail(op, `seed must be an integer, got ${describe(o.seed)}`);
  return o;
}

function finite(op: string, what: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v)) fail(op, `${what} must be a finite number, got ${describe(v)}`);
  return v;
}

function make(data: ArrayLike<number>, shape: number[], o: TensorOptions): Tensor {
  const store = alloc(data.length, o.dtype);
  store.set(data);
  return new Tensor(store, shape, { requiresGrad: o.requiresGrad ?? false, name: o.name });
}

/**
 * A tensor from a number or nested arrays.
 * @example tensor([[1, 2], [3, 4]], { requiresGrad: true, name: "W" })
 */
export function tensor(value: unknown, opts?: TensorOptions): Tensor {
  const o = checkOpts("tensor", opts);
  if (value instanceof Tensor) return make(value.data, value.shape.slice(), { dtype: value.dtype, ...o });
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const arr = value as unknown as ArrayLike<number>;
    if (typeof arr[0] === "bigint") fail("tensor", "BigInt arrays are not supported");
    return make(arr, [arr.length], o);
  }
  if (typeof value !== "number" && !Array.isArray(value))
    fail("tensor", `expected a number or nested arrays of numbers, got ${describe(value)}`);
  const { data, shape } = fromNested("tensor", value);
  return make(data, shape, o);
}

/** Scalar constant (used to lift numbers in op arguments). */
export function scalar(v: number, dtype: DType = "float64"): Tensor {
  const d = alloc(1, dtype);
  d[0] = v;
  return new Tensor(d, []);
}

export function full(shape: readonly number[], value: number, opts?: TensorOptions): Tensor {
  const o = checkOpts("full", opts);
  const s = checkShape("full", shape);
  if (typeof value !== "number") fail("full", `fill value must be a number, got ${describe(value)}`);
  const d = alloc(sizeOf(s), o.dtype);
  d.fill(value);
  return new Tensor(d, s, { requiresGrad: o.requiresGrad ?? false, name: o.name });
}
export function zeros(shape: readonly number[], opts?: TensorOptions): Tensor {
  return full(shape, 0, opts);
}
export function ones(shape: readonly number[], opts?: TensorOptions): Tensor {
  return full(shape, 1, opts);
}
/** n x m identity (m defaults to n). */
export function eye(n: number, m: number = n, opts?: TensorOptions): Tensor {
  const t = zeros(checkShape("eye", [n, m]), opts);
  for (let i = 0; i < Math.min(n, m); i++) t.data[i * m + i] = 1;
  return t;
}
/** start, start+step, ... below stop (numpy.arange). */
export function arange(start: number, stop?: number, step = 1, opts?: TensorOptions): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  for (const [k, v] of [
    ["start", start],
    ["stop", stop],
    ["step", step],
  ] as const)
    finite("arange", k, v);
  if (step === 0) fail("arange", "step must not be 0");
  const n = Math.max(0, Math.ceil((stop - start) / step));
  checkShape("arange", [n]);
  const d = Array.from({ length: n }, (_, i) => start + i * step);
  return make(d, [n], checkOpts("arange", opts));
}
/** num evenly spaced values from start to stop inclusive. */
export function linspace(start: number, stop: number, num: number, opts?: TensorOptions): Tensor {
  finite("linspace", "start", start);
  finite("linspace", "stop", stop);
  checkShape("linspace", [num]);
  const d = Array.from({ length: num }, (_, i) => (num === 1 ? start : start + ((stop - start) * i) / (num - 1)));
  return make(d, [num], checkOpts("linspace", opts));
}
/** Uniform in [0, 1). */
export function rand(shape: readonly number[], opts?: RandomOptions): Tensor {
  const o = checkOpts("rand", opts);
  const s = checkShape("rand", shape);
  const rng = rngFor(o.seed);
  const d = alloc(sizeOf(s), o.dtype);
  for (let i = 0; i < d.length; i++) d[i] = rng.uniform();
  return new Tensor(d, s, { requiresGrad: o.requiresGrad ?? false, name: o.name });
}
/** Standard normal. @example randn([3, 4], { requiresGrad: true, name: "W", seed: 0 }) */
export function randn(shape: readonly number[], opts?: RandomOptions): Tensor {
  const o = checkOpts("randn", opts);
  const s = checkShape("randn", shape);
  const rng = rngFor(o.seed);
  const d = alloc(sizeOf(s), o.dtype);
  for (let i = 0; i < d.length; i++) d[i] = rng.normal();
  return new Tensor(d, s, { requiresGrad: o.requiresGrad ?? false, name: o.name });
}

export { fmtShape };
