import { ChainlabError, fail, fmtShape } from "../errors";
import type { OpDef, Attrs } from "../ops/OpDef";
import type { GradState } from "../protocol/graph";
import { describe, sizeOf, stridesOf, type Shape } from "./shape";
import { formatTensor, toNested, type Nested } from "./nested";
import * as F from "../ops/functions";

export type DType = "float64" | "float32";
export type Storage = Float64Array | Float32Array;
/** Anything an op accepts where a tensor is expected: numbers are lifted to constants. */
export type TensorLike = Tensor | number | Nested;

/**
 * How a result was made: the graph is data, never closures. Backward, Jacobians, the
 * chain-rule engine and the renderers all read these records (see autodiff/trace.ts).
 */
export interface Node {
  readonly op: OpDef;
  readonly inputs: readonly Tensor[];
  readonly attrs: Attrs;
  /** Composite ops and nn modules this op ran inside, outermost first. */
  readonly scope: readonly string[];
}

let nextId = 0;
function copyShape(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  for (let i = 0; i < shape.length; i++) s[i] = shape[i];
  return s;
}
const NO_OPTS: { requiresGrad?: boolean; name?: string; node?: Node | null } = Object.freeze({});
let warnedNonRetained = false;

/**
 * An n-dimensional array of float64 (or float32) numbers, row-major and contiguous, that
 * records how it was computed when any input requires a gradient.
 */
export class Tensor {
  // Fields are `declare`d and assigned in the constructor, in one fixed order: with ES2022
  // class-field semantics each declared field would be defined separately before the
  // constructor runs, which made tensor creation (several per op) noticeably slower.
  /** Unique, increasing: creation order, used for stable graph ids. */
  declare readonly id: number;
  declare readonly data: Storage;
  declare readonly shape: readonly number[];
  declare readonly dtype: DType;
  /** The op that produced this tensor, or null for a leaf. */
  declare readonly node: Node | null;
  declare name: string | undefined;
  private declare _requiresGrad: boolean;
  private declare _grad: Tensor | null;
  private declare _retain: boolean;
  /** Set by backward() on every tensor it reached, to tell "not computed yet" apart. */
  declare _backwardRan: boolean;

  constructor(data: Storage, shape: Shape, opts: { requiresGrad?: boolean; name?: string; node?: Node | null } = NO_OPTS) {
    if (data.length !== sizeOf(shape))
      throw new ChainlabError("Tensor", `data has ${data.length} elements but shape ${fmtShape(shape)} needs ${sizeOf(shape)}`);
    this.id = nextId++;
    this.data = data;
    // A private copy, typed readonly but not Object.freeze'd: V8 has no fast path for slice()
    // (and other copies) of frozen arrays, and shapes are copied in every op and rule (~0.5 µs
    // each, measured: a third of the per-op cost of a small elementwise op).
    this.shape = copyShape(shape);
    this.dtype = data instanceof Float32Array ? "float32" : "float64";
    this.node = opts.node ?? null;
    this.name = opts.name;
    this._requiresGrad = opts.requiresGrad ?? this.node !== null;
    this._grad = null;
    this._retain = false;
    this._backwardRan = false;
  }

  get rank(): number {
    return this.shape.length;
  }
  get size(): number {
    return this.data.length;
  }
  get strides(): number[] {
    return stridesOf(this.shape);
  }
  get isLeaf(): boolean {
    return this.node === null;
  }

  /** Whether gradients flow to (and, for leaves, accumulate in) this tensor. */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }
  set requiresGrad(v: boolean) {
    if (typeof v !== "boolean") fail("requiresGrad", `expected true or false, got ${describe(v)}`);
    if (!v && this.node !== null && this._requiresGrad)
      fail("requiresGrad", "cannot turn off requiresGrad of a computed tensor; use detach() instead");
    this._requiresGrad = v;
  }

  /**
   * The accumulated gradient dL/d(this), same shape as this tensor. Like PyTorch, only leaves
   * that require grad keep it, plus intermediates on which retainGrad() was called.
   */
  get grad(): Tensor | null {
    if (this._grad === null && this.node !== null && !this._retain && this._backwardRan && !warnedNonRetained) {
      warnedNonRetained = true;
      console.warn(
        `chainlab: reading .grad of an intermediate tensor${this.name ? ` "${this.name}"` : ""} (made by ${this.node.op.name}); ` +
          "backward() does not keep gradients of intermediates. Call .retainGrad() on it before backward().",
      );
    }
    return this._grad;
  }
  set grad(g: Tensor | null) {
    if (g !== null) {
      if (!(g instanceof Tensor)) fail("grad", `expected a Tensor or null, got ${describe(g)}`);
      if (g.size !== this.size || g.rank !== this.rank || g.shape.some((d, i) => d !== this.shape[i]))
        fail("grad", `gradient shape ${fmtShape(g.shape)} does not match tensor shape ${fmtShape(this.shape)}`);
    }
    this._grad = g;
  }

  /** Where this tensor's gradient stands (see GradState). */
  get gradState(): GradState {
    if (this._grad !== null) return "computed";
    if (!this._requiresGrad) return "not-required";
    if (this._backwardRan && this.node !== null && !this._retain) return "not-retained";
    return "not-computed";
  }

  /** Keep this intermediate's gradient during backward() (as PyTorch's retain_grad). */
  retainGrad(): this {
    if (!this._requiresGrad) fail("retainGrad", "tensor does not require grad, so it has no gradient to keep");
    this._retain = true;
    return this;
  }
  get retainsGrad(): boolean {
    return this._retain || this.node === null;
  }

  /** Resets the accumulated gradient. */
  zeroGrad(): this {
    this._grad = null;
    return this;
  }

  /** A leaf with the same values that does not track gradients. */
  detach(): Tensor {
    return new Tensor(this.data.slice() as Storage, this.shape, { name: this.name });
  }

  /** Sets the name shown in graphs and chain-rule expansions; returns this. */
  named(name: string): this {
    if (typeof name !== "string") fail("named", `expected a string, got ${describe(name)}`);
    this.name = name;
    return this;
  }

  /** The single value of a tensor with one element. */
  item(): number {
    if (this.size !== 1) fail("item", `only a tensor with exactly one element has an item; shape is ${fmtShape(this.shape)}`);
    return this.data[0];
  }

  /** Nested JS arrays (a number for rank 0). */
  toArray(): Nested {
    return toNested(this.data, this.shape);
  }

  toString(): string {
    return formatTensor(this);
  }

  /**
   * Runs reverse-mode differentiation from this tensor, accumulating into `.grad` of every
   * leaf that requires grad. A scalar needs no seed; otherwise pass `grad` (dL/d(this)).
   */
  backward(grad?: TensorLike, opts?: { retainGraph?: boolean }): void {
    F.backward(this, grad, opts);
  }

  // ---- ops as methods (each forwards to the function of the same name) ----
  add(b: TensorLike): Tensor { return F.add(this, b); }
  sub(b: TensorLike): Tensor { return F.sub(this, b); }
  mul(b: TensorLike): Tensor { return F.mul(this, b); }
  div(b: TensorLike): Tensor { return F.div(this, b); }
  pow(b: TensorLike): Tensor { return F.pow(this, b); }
  maximum(b: TensorLike): Tensor { return F.maximum(this, b); }
  minimum(b: TensorLike): Tensor { return F.minimum(this, b); }
  neg(): Tensor { return F.neg(this); }
  square(): Tensor { return F.square(this); }
  sqrt(): Tensor { return F.sqrt(this); }
  abs(): Tensor { return F.abs(this); }
  exp(): Tensor { return F.exp(this); }
  log(): Tensor { return F.log(this); }
  sin(): Tensor { return F.sin(this); }
  cos(): Tensor { return F.cos(this); }
  tanh(): Tensor { return F.tanh(this); }
  sigmoid(): Tensor { return F.sigmoid(this); }
  relu(): Tensor { return F.relu(this); }
  sum(axes?: number | number[], keepDims?: boolean): Tensor { return F.sum(this, axes, keepDims); }
  mean(axes?: number | number[], keepDims?: boolean): Tensor { return F.mean(this, axes, keepDims); }
  max(axes?: number | number[], keepDims?: boolean): Tensor { return F.max(this, axes, keepDims); }
  min(axes?: number | number[], keepDims?: boolean): Tensor { return F.min(this, axes, keepDims); }
  prod(axes?: number | number[], keepDims?: boolean): Tensor { return F.prod(this, axes, keepDims); }
  logSumExp(axis?: number, keepDims?: boolean): Tensor { return F.logSumExp(this, axis, keepDims); }
  softmax(axis?: number): Tensor { return F.softmax(this, axis); }
  logSoftmax(axis?: number): Tensor { return F.logSoftmax(this, axis); }
  matmul(b: TensorLike): Tensor { return F.matmul(this, b); }
  dot(b: TensorLike): Tensor { return F.dot(this, b); }
  outer(b: TensorLike): Tensor { return F.outer(this, b); }
  transpose(perm?: number[]): Tensor { return F.transpose(this, perm); }
  /** Transpose (all axes reversed). */
  get T(): Tensor { return F.transpose(this); }
  reshape(shape: readonly number[]): Tensor { return F.reshape(this, shape); }
  flatten(): Tensor { return F.flatten(this); }
  squeeze(axes?: number | number[]): Tensor { return F.squeeze(this, axes); }
  unsqueeze(axis: number): Tensor { return F.unsqueeze(this, axis); }
  broadcastTo(shape: readonly number[]): Tensor { return F.broadcastTo(this, shape); }
  slice(begin: number[], size?: number[]): Tensor { return F.slice(this, begin, size); }
  index(...indices: number[]): Tensor { return F.index(this, ...indices); }
  gather(indices: TensorLike, axis?: number): Tensor { return F.gather(this, indices, axis); }
}
