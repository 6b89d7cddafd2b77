/**
 * JAX-style transformations over the same engine: grad, valueAndGrad, vjp, jvp, jacobian and
 * hessian. Gradients are taken with respect to the argument tensors themselves (as
 * torch.autograd.grad), and recorded, so every result can be differentiated again.
 */
import { fail, fmtShape } from "../errors";
import { Tensor, type TensorLike } from "../tensor/Tensor";
import { describe } from "../tensor/shape";
import { zeros } from "../tensor/creation";
import { gradientsById, seedFor } from "./backward";
import { enableGrad, isGradEnabled } from "../ops/mode";
import * as F from "../ops/functions";

type Fn = (...args: Tensor[]) => Tensor;

/** Arguments as tensors that require grad (copies of constants become fresh leaves). */
function prepare(op: string, args: unknown[], argnums: number[]): Tensor[] {
  return args.map((a, i) => {
    const t = F.asTensor(op, a, `argument ${i}`);
    if (argnums.includes(i) && !t.requiresGrad)
      return new Tensor(t.data, t.shape, { requiresGrad: true, name: t.name });
    return t;
  });
}
function checkFn(op: string, f: unknown): asserts f is Fn {
  if (typeof f !== "function") fail(op, `expected a function, got ${describe(f)}`);
}
/** Calls f with recording on: transforms work inside noGrad too (gradcheck relies on it). */
function callF(op: string, f: Fn, xs: Tensor[]): Tensor {
  const y = enableGrad(() => f(...xs));
  if (!(y instanceof Tensor)) fail(op, `the function must return a Tensor, got ${describe(y)}`);
  return y;
}
function gradsWrt(out: Tensor, seed: Tensor, wrt: Tensor[]): Tensor[] {
  if (!out.requiresGrad) return wrt.map((x) => zeros(x.shape.slice()));
  const g = gradientsById([out], [seed], isGradEnabled());
  return wrt.map((x) => g.get(x.id) ?? zeros(x.shape.slice()));
}
function normArgnums(op: string, argnums: number | number[], n: number): number[] {
  const list = Array.isArray(argnums) ? argnums : [argnums];
  for (const a of list)
    if (!Number.isInteger(a) || a < 0 || a >= n) fail(op, `argnum ${a} is out of range for ${n} arguments`);
  return list;
}

/**
 * valueAndGrad(f)(...args) -> [f(args), df/d args[argnums]] for scalar-valued f.
 * @example const [L, dW] = valueAndGrad((W) => loss(W))(W)
 */
export function valueAndGrad(f: Fn, argnums: number | number[] = 0) {
  checkFn("valueAndGrad", f);
  return (...args: TensorLike[]): [Tensor, Tensor | Tensor[]] => {
    const nums = normArgnums("valueAndGrad", argnums, args.length);
    const xs = prepare("valueAndGrad", args, nums);
    const y = callF("valueAndGrad", f, xs);
    if (y.size !== 1)
      fail(
        "grad",
        `the function must return a scalar, got shape ${fmtShape(y.shape)} (use jacobian or vjp for non-scalar outputs)`,
      );
    const gs = gradsWrt(
      y,
      seedFor("grad", y, undefined),
      nums.map((i) => xs[i]),
    );
    return [y, Array.isArray(argnums) ? gs : gs[0]];
  };
}

/** grad(f)(...args): the gradient of scalar f w.r.t. argument `argnums` (or a list). */
export function grad(f: Fn, argnums: number | number[] = 0) {
  const vg = valueAndGrad(f, argnums);
  return (...args: TensorLike[]) => vg(...args)[1];
}

/** vjp(f, ...primals) -> [f(primals), (cotangent) => gradients for each primal]. */
export function vjp(f: Fn, ...primals: TensorLike[]): [Tensor, (ct: TensorLike) => Tensor[]] {
  checkFn("vjp", f);
  const nums = primals.map((_, i) => i);
  const xs = prepare("vjp", primals, nums);
  const y = callF("vjp", f, xs);
  return [y, (ct) => gradsWrt(y, seedFor("vjp", y, ct), xs)];
}

/**
 * jvp(f, primals, tangents) -> [f(primals), J tangents] (forward-mode product), computed by
 * transposing the VJP: the VJP is linear in the cotangent u, so d/du <VJP(u), t> = J t.
 */
export function jvp(f: Fn, primals: TensorLike[], tangents: TensorLike[]): [Tensor, Tensor] {
  checkFn("jvp", f);
  if (!Array.isArray(primals) || !Array.isArray(tangents) || primals.length !== tangents.length)
    fail("jvp", "primals and tangents must be arrays of the same length");
  const xs = prepare(
    "jvp",
    primals,
    primals.map((_, i) => i),
  );
  const ts = tangents.map((t, i) => {
    const tt = F.asTensor("jvp", t, `tangent ${i}`);
    if (tt.rank !== xs[i].rank || tt.shape.some((d, a) => d !== xs[i].shape[a]))
      fail("jvp", `tangent ${i} has shape ${fmtShape(tt.shape)}, primal has ${fmtShape(xs[i].shape)}`);
    return tt;
  });
  const y = callF("jvp", f, xs);
  if (!y.requiresGrad) return [y, zeros(y.shape.slice())];
  const u = zeros(y.shape.slice(), { requiresGrad: true });
  const g = gradientsById([y], [u], true);
  const vj = xs.map((x) => g.get(x.id) ?? null);
  let inner: Tensor | null = null;
  enableGrad(() =>
    vj.forEach((v, i) => {
      if (!v) return;
      const term = F.sum(F.mul(v, ts[i]));
      inner = inner ? F.add(inner, term) : term;
    }),
  );
  if (inner === null || !(inner as Tensor).requiresGrad) return [y, zeros(y.shape.slice())];
  const jt =
    gradientsById([inner], [seedFor("jvp", inner, undefined)], isGradEnabled()).get(u.id) ?? zeros(y.shape.slice());
  return [y, jt];
}

/**
 * jacobian(f)(x): all partial derivatives, shape f(x).shape ++ x.shape (PyTorch/JAX layout),
 * one reverse pass per output element.
 */
export function jacobian(f: Fn, argnum = 0) {
  checkFn("jacobian", f);
  return (...args: TensorLike[]): Tensor => {
    normArgnums("jacobian", argnum, args.length);
    const xs = prepare("jacobian", args, [argnum]);
    const x = xs[argnum];
    const y = callF("jacobian", f, xs);
    const rows: Tensor[] = [];
    for (let k = 0; k < y.size; k++) {
      const e = new Float64Array(y.size);
      e[k] = 1;
      rows.push(gradsWrt(y, new Tensor(e, y.shape), [x])[0]);
    }
    if (rows.length === 0) return zeros([...y.shape, ...x.shape]);
    return F.reshape(F.stack(rows, 0), [...y.shape, ...x.shape]);
  };
}

/** hessian(f)(x) = jacobian(grad(f))(x), shape x.shape ++ x.shape for scalar f. */
export function hessian(f: Fn, argnum = 0) {
  checkFn("hessian", f);
  return jacobian((...xs: Tensor[]) => grad(f, argnum)(...xs) as Tensor, argnum);
}
