/**
 * ops/: the op table. One file per op family, one OpDef object per op, listed once in
 * registry.ts. An op's forward kernel, derivative rule, index-notation partial, notation and
 * test domain sit together here; nothing outside this folder defines a derivative.
 *
 * One rule, two interpreters: `vjp` is written against an Algebra. Run with the numeric
 * algebra (the differentiable tensor functions) it is the backward pass, and because it is
 * built from differentiable ops, gradients of gradients come for free. Run with the symbolic
 * algebra (kernel/src/symbolic) it builds the compact matrix-form expression the chain-rule
 * display prints, so the numbers in .grad and the formulas on screen cannot disagree.
 */
import type { Attrs, Storage, Tensor } from "../tensor/Tensor";
import type { IndexExpr } from "./IndexExpr";
import type { Mode, Operand, Printed } from "./notation";

export type { Attrs };

/** The operations a derivative rule may use; implemented by Tensor functions and symbolically. */
export interface Algebra<T> {
  /** A scalar constant. */
  scalar(v: number): T;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  div(a: T, b: T): T;
  neg(a: T): T;
  square(a: T): T;
  sqrt(a: T): T;
  exp(a: T): T;
  log(a: T): T;
  sin(a: T): T;
  cos(a: T): T;
  pow(a: T, b: T): T;
  /** Non-differentiable helpers (their own derivative is zero). */
  sign(a: T): T;
  /** 1 where a > b, else 0. */
  greater(a: T, b: T): T;
  /** 1 where a == b, else 0. */
  equal(a: T, b: T): T;
  where(cond: T, a: T, b: T): T;
  matmul(a: T, b: T): T;
  outer(a: T, b: T): T;
  transpose(a: T, perm?: number[]): T;
  reshape(a: T, shape: number[]): T;
  broadcastTo(a: T, shape: number[]): T;
  /** Sums over broadcast axes so the result has `shape` (undoes broadcasting). */
  sumTo(a: T, shape: number[]): T;
  sum(a: T, axes?: number[], keepDims?: boolean): T;
  /** Zero tensor of `shape` with `a` written at offset `begin` (the adjoint of slice). */
  pad(a: T, shape: number[], begin: number[]): T;
  slice(a: T, begin: number[], size: number[]): T;
  /** Zeros of `shape` with `a` added at `indices` along `axis` (the adjoint of gather). */
  scatterAdd(a: T, indices: T, axis: number, shape: number[]): T;
  gather(a: T, indices: T, axis: number): T;
  /**
   * Any registry op by name, for families whose rules need ops of their own (a convolution's
   * input and weight gradients are convolutions too; erf for gelu). The called op must have
   * a `shape` so the symbolic interpreter knows the result's shape without computing it.
   */
  call(name: string, args: T[], attrs?: Attrs): T;
}

/** What a derivative rule sees: the op's inputs and output, and its attributes. */
export interface RuleContext<T> {
  inputs: readonly T[];
  out: T;
  attrs: Attrs;
  /** Input shapes, for rules that need them (e.g. sumTo after broadcasting). */
  shapes: readonly (readonly number[])[];
  outShape: readonly number[];
  /**
   * Which inputs' gradients are wanted (absent: all). Only an optimisation: a rule may return
   * null for an input marked false instead of computing a gradient nobody reads (matmul skips
   * a whole product for a constant operand). The symbolic interpreter leaves it unset.
   */
  needs?: readonly boolean[];
  /**
   * For vjpKernel only: g's array belongs to backward alone (made during this backward, held
   * nowhere else, not kept as a .grad), so the kernel may write one of its results into it
   * instead of a fresh array. Rules run through an Algebra ignore it.
   */
  gWritable?: boolean;
}

/** What an index rule sees: index names for the output's and the differentiated input's axes. */
export interface IndexContext {
  /** Which input is differentiated. */
  argnum: number;
  /** Index names of the output axes (J) and of input `argnum`'s axes (I). */
  J: string[];
  I: string[];
  shapes: readonly (readonly number[])[];
  outShape: readonly number[];
  attrs: Attrs;
}

export interface Sample {
  inputs: Tensor[];
  attrs?: Attrs;
  /** Which inputs are differentiated (default: all that the op differentiates). */
  label?: string;
}

export interface OpDef {
  /** Registry name, also the public function name where there is one. */
  readonly name: string;
  /** Family (file) the op belongs to, for docs and test grouping. */
  readonly family: string;
  /**
   * Computes the output values. Inputs have been validated by the public function. The shape
   * is handed to the result tensor as it is (see opResult): a fresh array, or an input's.
   */
  forward(inputs: readonly Tensor[], attrs: Attrs): { data: Storage; shape: readonly number[] };
  /**
   * The derivative rule: given g = dL/d(out), returns dL/d(input) for each input (null where an
   * input has no gradient, e.g. integer labels). Results may have the broadcast shape; the
   * engine sums them back to each input's shape (one place undoes broadcasting).
   */
  vjp<T>(g: T, ctx: RuleContext<T>, A: Algebra<T>): (T | null)[];
  /**
   * Optional: the same rule as `vjp` with the numeric algebra, written as one kernel on typed
   * arrays (fused: tanh's g(1 - y^2) is one loop instead of three ops and three arrays; matmul
   * reads operands transposed instead of copying them). Backward uses it when the gradients are
   * not themselves recorded (no createGraph); `undefined` for a case it does not cover falls back
   * to `vjp`. Registry-wide tests check it equals `vjp` on every sample.
   */
  vjpKernel?(g: Tensor, ctx: RuleContext<Tensor>): (Tensor | null)[] | undefined;
  /** Inputs that never receive gradients (labels, conditions, indices). */
  readonly nondiff?: readonly number[];
  /** d out_J / d in_I in index notation (for the chain-rule display). */
  index?(ctx: IndexContext): IndexExpr;
  /** Notation: how to print op(args), e.g. on a graph node's rule (y = X W). */
  latex(args: string[], attrs: Attrs): string;
  text(args: string[], attrs: Attrs): string;
  /**
   * Optional: op(args) in the chain-rule display's compact form, for ops whose form there depends
   * on the operands or binds looser than an atom (X^T G for a vector X; ⊙ between tensors but
   * plain juxtaposition with a scalar; a reshape of one value left out; e^{x} a superscript).
   * Without it the compact form is `latex`/`text` of the printed operands, an atom.
   */
  compact?(args: readonly Operand[], attrs: Attrs, mode: Mode): Printed;
  /**
   * y = op(args) reads as a textbook formula (X W + b, x^T, e^{x}), so the chain-rule display writes
   * an inlined intermediate and the closed formula with it, not as a call op(...). Only for ops the
   * symbolic Algebra has a method of the same name for (a registry test checks it).
   */
  readonly printsAsAlgebra?: boolean;
  /** Test domain: samples over ranks and broadcasting cases for the registry-wide tests. */
  samples(seed: number): Sample[];
  /** Second derivatives exist everywhere on the test domain (grad-of-grad is checked). */
  readonly smooth: boolean;
  /** Output shape from input shapes (needed by ops that rules reach through Algebra.call). */
  shape?(shapes: readonly (readonly number[])[], attrs: Attrs): number[];
  /** Attributes worth showing on graph nodes. */
  showAttrs?(attrs: Attrs): Record<string, string>;
}

/** Whether `op` passes gradients to its input `i` (not to labels, conditions or indices). */
export function differentiates(op: Pick<OpDef, "nondiff">, i: number): boolean {
  return op.nondiff === undefined || !op.nondiff.includes(i);
}

/** Whether a recorded op's input `i` wants a gradient: it requires one and the op passes one. */
export function needsGrad(op: Pick<OpDef, "nondiff">, input: { readonly requiresGrad: boolean }, i: number): boolean {
  return input.requiresGrad && differentiates(op, i);
}

declare module "../tensor/Tensor" {
  /** A recorded node's op is a full OpDef (tensor/ itself reads only its name). */
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merges OpDef into NodeOp
  interface NodeOp extends OpDef {}
}
