import { describe, expect, it } from "vitest";
import {
  grad,
  valueAndGrad,
  vjp,
  jvp,
  jacobian,
  hessian,
  randn,
  tensor,
  Tensor,
  sum,
  mul,
  matmul,
  sin,
} from "../../kernel/src/index";

function close(a: Tensor, b: Tensor, tol = 1e-9) {
  expect(a.shape).toEqual(b.shape);
  for (let i = 0; i < a.size; i++) expect(Math.abs(a.data[i] - b.data[i])).toBeLessThan(tol);
}

describe("functional API", () => {
  it("jacobian has shape out.shape ++ x.shape for rank combinations", () => {
    const shapes: number[][] = [[], [3], [2, 3], [2, 1, 2]];
    for (const xs of shapes) {
      for (const ys of shapes) {
        const x = randn(xs, { seed: 1 });
        const M = randn([...ys, ...xs], { seed: 2 });
        // y = contraction of M with x (linear), so J = M.
        const f = (x: Tensor) =>
          sum(
            mul(M, x.reshape([...ys.map(() => 1), ...xs])),
            xs.map((_, a) => ys.length + a),
          );
        const J = jacobian(f)(x);
        expect(J.shape).toEqual([...ys, ...xs]);
        close(J, M);
      }
    }
  });
  it("hessian of 1/2 x^T A x is (A + A^T)/2", () => {
    const A = randn([3, 3], { seed: 3 });
    const H = hessian((x: Tensor) => matmul(x, matmul(A, x)).mul(0.5))(randn([3], { seed: 4 }));
    const expected = new Tensor(
      Float64Array.from({ length: 9 }, (_, k) => (A.data[k] + A.data[(k % 3) * 3 + Math.floor(k / 3)]) / 2),
      [3, 3],
    );
    close(H, expected);
  });
  it("hessian of sum(sin x) is diag(-sin x)", () => {
    const x = randn([4], { seed: 5 });
    const H = hessian((x: Tensor) => sum(sin(x)))(x);
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) expect(H.data[i * 4 + j]).toBeCloseTo(i === j ? -Math.sin(x.data[i]) : 0, 12);
  });
  it("grad, valueAndGrad with argnums", () => {
    const f = (a: Tensor, b: Tensor) => sum(mul(a, b));
    const a = randn([3], { seed: 6 });
    const b = randn([3], { seed: 7 });
    close(grad(f, 1)(a, b) as Tensor, a);
    const [v, gs] = valueAndGrad(f, [0, 1])(a, b);
    expect(v.item()).toBeCloseTo(
      a.data.reduce((s, x, i) => s + x * b.data[i], 0),
      12,
    );
    close((gs as Tensor[])[0], b);
  });
  it("vjp and jvp agree with the jacobian", () => {
    const W = randn([2, 3], { seed: 8 });
    const f = (x: Tensor) => matmul(W, x).tanh();
    const x = randn([3], { seed: 9 });
    const J = jacobian(f)(x);
    const u = tensor([1, -2, 0.5]);
    const v = tensor([0.3, -1]);
    const [, back] = vjp(f, x);
    const [, jt] = jvp(f, [x], [u]);
    for (let j = 0; j < 3; j++) expect(back(v)[0].data[j]).toBeCloseTo(J.data[j] * 0.3 - J.data[3 + j], 12);
    for (let i = 0; i < 2; i++)
      expect(jt.data[i]).toBeCloseTo(J.data[i * 3] - 2 * J.data[i * 3 + 1] + 0.5 * J.data[i * 3 + 2], 12);
  });
});

import { defineOp, gradcheck, randn as randn2 } from "../../kernel/src/index";
describe("defineOp (user ops)", () => {
  it("a correct hand-written backward passes gradcheck and flows through the graph", () => {
    const cube = defineOp({ name: "cube", forward: (x) => x.pow(3), backward: (g, [x]) => [g.mul(x.square()).mul(3)] });
    const x = randn2([2, 3], { requiresGrad: true, seed: 1 });
    expect(gradcheck((x: Tensor) => cube(x).tanh().sum(), [x]).pass).toBe(true);
    cube(x).sum().backward();
    expect(x.grad!.data[0]).toBeCloseTo(3 * x.data[0] ** 2, 12);
  });
  it("a wrong backward fails gradcheck and names the worst entry", () => {
    const bad = defineOp({ name: "badCube", forward: (x) => x.pow(3), backward: (g, [x]) => [g.mul(x.square())] });
    const r = gradcheck((x: Tensor) => bad(x).sum(), [randn2([3], { requiresGrad: true, seed: 2 })]);
    expect(r.pass).toBe(false);
    expect(r.inputs[0].worst).not.toBeNull();
  });
  it("a backward returning the wrong shape is a clear error", () => {
    const bad = defineOp({ name: "oops", forward: (x) => x.sum(), backward: (g) => [g] });
    expect(() => bad(randn2([3], { requiresGrad: true })).backward()).toThrow(
      /oops: backward's gradient 0 has shape \[\] but input 0 has shape \[3\]/,
    );
  });
});
