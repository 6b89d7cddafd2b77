import type { DType, Storage } from "./Tensor";
import { sizeOf, stridesOf, type Shape } from "./shape";

export function alloc(n: number, dtype: DType = "float64"): Storage {
  return dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
}

/**
 * The dtype of an op's result. As in PyTorch, the inputs with at least one axis decide
 * (float32 only when all of them are float32): rank-0 inputs, such as the constant 2 in a
 * rule's 2x or a lifted number, do not widen a float32 tensor. When every input is rank 0, any
 * float32 input makes it float32 (rules' constants are float64 scalars, so a float32 scalar's
 * gradient stays float32; PyTorch would widen two 0-d tensors of mixed dtypes to float64).
 */
export function resultDType(inputs: readonly { dtype: DType; shape: readonly number[] }[]): DType {
  let sized = 0,
    sized32 = 0,
    all32 = 0;
  for (let i = 0; i < inputs.length; i++) {
    const f32 = inputs[i].dtype === "float32";
    if (f32) all32++;
    if (inputs[i].shape.length > 0) {
      sized++;
      if (f32) sized32++;
    }
  }
  if (sized > 0) return sized32 === sized ? "float32" : "float64";
  return all32 > 0 ? "float32" : "float64";
}

/**
 * Materialises `data` (of `inShape`) broadcast to `outShape` as a contiguous array. Returns the
 * input itself when no expansion is needed.
 */
export function expandTo(data: Storage, inShape: Shape, outShape: Shape): Storage {
  const n = sizeOf(outShape);
  if (data.length === n) return data;
  const out = new (data.constructor as { new (n: number): Storage })(n);
  if (data.length === 1) {
    out.fill(data[0]);
    return out;
  }
  const rank = outShape.length;
  const inStr = stridesOf(inShape);
  // Stride of each output axis in the input (0 on broadcast axes).
  const s = new Array<number>(rank).fill(0);
  const lead = rank - inShape.length;
  for (let a = lead; a < rank; a++) s[a] = inShape[a - lead] === 1 ? 0 : inStr[a - lead];
  const last = outShape[rank - 1];
  const sLast = s[rank - 1];
  const ctr = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < n; o += last) {
    for (let i = 0, p = src; i < last; i++, p += sLast) out[o + i] = data[p];
    // advance the odometer over the leading axes
    for (let a = rank - 2; a >= 0; a--) {
      ctr[a]++;
      src += s[a];
      if (ctr[a] < outShape[a]) break;
      src -= s[a] * outShape[a];
      ctr[a] = 0;
    }
  }
  return out;
}

/**
 * For a reduction of `shape` over `axes`, the output position of every input element
 * (row-major), so reductions are one pass over contiguous input.
 */
export function reducedIndex(shape: Shape, axes: readonly number[]): Int32Array {
  const n = sizeOf(shape);
  const map = new Int32Array(n);
  const rank = shape.length;
  const keep = shape.map((d, a) => (axes.includes(a) ? 1 : d));
  const kStr = stridesOf(keep);
  const s = shape.map((_, a) => (axes.includes(a) ? 0 : kStr[a]));
  const ctr = new Array<number>(rank).fill(0);
  let o = 0;
  for (let i = 0; i < n; i++) {
    map[i] = o;
    for (let a = rank - 1; a >= 0; a--) {
      ctr[a]++;
      o += s[a];
      if (ctr[a] < shape[a]) break;
      o -= s[a] * shape[a];
      ctr[a] = 0;
    }
  }
  return map;
}
