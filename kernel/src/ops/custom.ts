/**
 * User-defined ops (course assignments, experiments): a forward function and a hand-written
 * backward, both on tensors. The result is recorded in the graph like any registry op, so
 * gradcheck, graphs and backward all see it. Its backward runs with the numeric algebra only;
 * the chain-rule display shows it as a step without an index rule unless `index` is given.
 */
import { fail, fmtShape } from "../errors";
import { Tensor, type TensorLike } from "../tensor/Tensor";
import { describe } from "../tensor/shape";
import type { OpDef, RuleContext, Algebra, IndexContext } from "./OpDef";
import type { IndexExpr } from "./IndexExpr";
import { apply } from "./apply";
import { asTensor } from "./functions";
import { noGrad } from "./mode";
import { numericAlgebra } from "./numericAlgebra";

export interface CustomOpSpec {
  name: string;
  /** Computes the output from the inputs (runs without recording). */
  forward: (...inputs: Tensor[]) => Tensor;
  /**
   * Given g = dL/d(out), the inputs and the output, returns dL/d(input) for each input (same
   * shapes as the inputs; null for inputs without a gradient). Write it with tensor ops.
   */
  backward: (g: Tensor, inputs: Tensor[], out: Tensor) => (Tensor | null)[];
  /** Optional index-notation partial d out_J / d in_I for the chain-rule display. */
  index?: (ctx: IndexContext) => IndexExpr;
  latex?: (args: string[]) => string;
}

/**
 * Defines an op from a forward function and a hand-written backward.
 * @example
 * const cube = defineOp({ name: "cube", forward: (x) => x.pow(3), backward: (g, [x]) => [g.mul(x.square()).mul(3)] });
 * gradcheck((x) => cube(x).sum(), [randn([3], { requiresGrad: true })]);
 */
export function defineOp(spec: CustomOpSpec): (...inputs: TensorLike[]) => Tensor {
  if (typeof spec !== "object" || spec === null)
    fail("defineOp", `expected { name, forward, backward }, got ${describe(spec)}`);
  const { name } = spec;
  if (typeof name !== "string" || name.length === 0) fail("defineOp", "the op needs a name");
  if (typeof spec.forward !== "function" || typeof spec.backward !== "function")
    fail(`defineOp ${name}`, "forward and backward must be functions");
  const op: OpDef = {
    name,
    family: "custom",
    smooth: true,
    forward(inputs) {
      const out = noGrad(() => spec.forward(...inputs.map((t) => new Tensor(t.data, t.shape))));
      if (!(out instanceof Tensor)) fail(name, `forward must return a Tensor, got ${describe(out)}`);
      return { data: out.data.slice() as typeof out.data, shape: out.shape.slice() };
    },
    vjp<T>(g: T, c: RuleContext<T>, A: Algebra<T>) {
      if ((A as unknown) !== numericAlgebra)
        throw new Error(`${name} is a user-defined op: its backward has no symbolic form`);
      const gs = spec.backward(g as Tensor, c.inputs.slice() as Tensor[], c.out as Tensor);
      if (!Array.isArray(gs) || gs.length !== c.inputs.length)
        fail(
          name,
          `backward must return an array with one gradient (or null) per input (${c.inputs.length}), got ${describe(gs)}`,
        );
      gs.forEach((gi, i) => {
        if (gi === null) return;
        if (!(gi instanceof Tensor))
          fail(name, `backward's gradient ${i} must be a Tensor or null, got ${describe(gi)}`);
        const want = c.shapes[i];
        if (gi.rank !== want.length || gi.shape.some((d, a) => d !== want[a]))
          fail(
            name,
            `backward's gradient ${i} has shape ${fmtShape(gi.shape)} but input ${i} has shape ${fmtShape(want)}`,
          );
      });
      return gs as (T | null)[];
    },
    index: spec.index,
    latex: (args) => (spec.latex ? spec.latex(args) : `\\operatorname{${name}}(${args.join(", ")})`),
    text: (args) => `${name}(${args.join(", ")})`,
    samples: () => [],
  };
  return (...inputs: TensorLike[]) =>
    apply(
      op,
      inputs.map((x, i) => asTensor(name, x, `input ${i}`)),
    );
}
