import { ChainlabError, fail, fmtShape } from "../errors";
import type { GradState } from "../protocol/graph";
import { describe, sameShape, sizeOf, stridesOf, type Shape } from "./shape";
import { formatTensor, toNested, type Nested } from "./nested";

export type DType = "float64" | "float32";
export type Storage = Float64Array | Float32Array;
/** Anything an op accepts where a tensor is expected: numbers are lifted to constants. */
export type TensorLike = Tensor | number | Nested;

/**
 * The op a node records. tensor/ sits below ops/, so it names only what it reads itself;
 * ops/OpDef.ts widens this interface to the full OpDef by declaration merging, so code above
 * sees `node.op.vjp` etc. without tensor/ importing ops/.
 */
export interface NodeOp {
  readonly name: string;
}
export type Attrs = Readonly<Record<string, unknown>>;

/**
 * How a result was made: the graph is data, never closures. Backward, Jacobians, the
 * chain-rule engine and the renderers all read these records (see autodiff/trace.ts).
 */
export interface Node {
  readonly op: NodeOp;
  readonly inputs: readonly Tensor[];
  readonly attrs: Attrs;
  /** Composite ops and nn modules this op ran inside, outermost first. */
  readonly scope: readonly string[];
  /**
   * State the composite that made this result keeps beside the graph (batch norm's running
   * statistics, as they stood right after this call): not inputs, no gradient; shown on the
   * node's card. Set once, by the composite, on its result.
   */
  buffers?: Readonly<Record<string, Tensor>>;
}

let nextId = 0;
/** How many tensors have been made so far: every tensor made from now on has an id >= this. */
export function tensorsMade(): number {
  return nextId;
}
function copyShape(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  for (let i = 0; i < shape.length; i++) s[i] = shape[i];
  return s;
}
const NO_OPTS: { requiresGrad?: boolean; name?: string; node?: Node | null } = Object.freeze({});

// The shape and node handed over by opResult to the constructor it calls (read and cleared
// first thing there, so no other construction ever sees them).
let handedShape: Shape | null = null;
let handedNode: Node | null = null;

/**
 * An op's result: like `new Tensor(data, shape, { node })`, but the shape array is adopted
 * instead of copied, and no options object is made. Ops hand over a shape that is fresh or
 * another tensor's: shapes are never written after construction, so sharing one is safe,
 * while a caller's own array (the public constructor's) is always copied.
 */
export function opResult(data: Storage, shape: Shape, node: Node | null): Tensor {
  handedShape = shape;
  handedNode = node;
  return new Tensor(data, shape);
}
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
  declare private _requiresGrad: boolean;
  declare private _grad: Tensor | null;
  declare private _retain: boolean;
  /** Set by backward() on every tensor it reached, to tell "not computed yet" apart. */
  declare _backwardRan: boolean;
  /** Scratch of backward's graph walk: the walk's number when reached, and the position then. */
  declare _mark: number;
  declare _slot: number;
  /** Scratch of backward's buffer reuse: how many gradient slots hold this tensor. */
  declare _holds: number;

  constructor(
    data: Storage,
    shape: Shape,
    opts: { requiresGrad?: boolean; name?: string; node?: Node | null } = NO_OPTS,
  ) {
    const handed = shape === handedShape;
    const node = handed ? handedNode : (opts.node ?? null);
    handedShape = null;
    handedNode = null;
    if (data.length !== sizeOf(shape))
      throw new ChainlabError(
        "Tensor",
        `data has ${data.length} elements but shape ${fmtShape(shape)} needs ${sizeOf(shape)}`,
      );
    this.id = nextId++;
    this.data = data;
    // A private copy (unless an op handed its shape over, see opResult), typed readonly but not
    // Object.freeze'd: V8 has no fast path for slice() (and other copies) of frozen arrays.
    this.shape = handed ? shape : copyShape(shape);
    this.dtype = data instanceof Float32Array ? "float32" : "float64";
    this.node = node;
    this.name = opts.name;
    this._requiresGrad = opts.requiresGrad ?? this.node !== null;
    this._grad = null;
    this._retain = false;
    this._backwardRan = false;
    this._mark = 0;
    this._slot = -1;
    this._holds = 0;
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
      if (!sameShape(g.shape, this.shape))
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
    if (this.size !== 1)
      fail("item", `only a tensor with exactly one element has an item; shape is ${fmtShape(this.shape)}`);
    return this.data[0];
  }

  /** Nested JS arrays (a number for rank 0). */
  toArray(): Nested {
    return toNested(this.data, this.shape);
  }

  toString(): string {
    return formatTensor(this);
  }
}
