import { describe, expect, it } from "vitest";
import { grad, valueAndGrad, vjp, jvp, jacobian, hessian, randn, tensor, Tensor, sum, mul, matmul, sin } from "../../kernel/src/index";

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
        const f = (x: Tensor) => sum(mul(M, x.reshape([...ys.map(() => 1), ...xs])), xs.map((_, a) => ys.length + a));
        const J = jacobian(f)(x);
        expect(J.shape).toEqual([...ys, ...xs]);
        close(J, M);
      }
    }
  });
  it("hessian of 1/2 x^T A x is (A + A^T)/2", () => {
    const A = randn([3, 3], { seed: 3 });
    const H = hessian((x: Tensor) => matmul(x, matmul(A, x)).mul(0.5))(randn([3], { seed: 4 }));
    const expected = new Tensor(Float64Array.from({ length: 9 }, (_, k) => (A.data[k] + A.data[(k % 3) * 3 + Math.floor(k / 3)]) / 2), [3, 3]);
    close(H, expected);
  });
  it("hessian of sum(sin x) is diag(-sin x)", () => {
    const x = randn([4], { seed: 5 });
    const H = hessian((x: Tensor) => sum(sin(x)))(x);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(H.data[i * 4 + j]).toBeCloseTo(i === j ? -Math.sin(x.data[i]) : 0, 12);
  });
  it("grad, valueAndGrad with argnums", () => {
    const f = (a: Tensor, b: Tensor) => sum(mul(a, b));
    const a = randn([3], { seed: 6 });
    const b = randn([3], { seed: 7 });
    close(grad(f, 1)(a, b) as Tensor, a);
    const [v, gs] = valueAndGrad(f, [0, 1])(a, b);
    expect(v.item()).toBeCloseTo(a.data.reduce((s, x, i) => s + x * b.data[i], 0), 12);
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
    for (let i = 0; i < 2; i++) expect(jt.data[i]).toBeCloseTo(J.data[i * 3] - 2 * J.data[i * 3 + 1] + 0.5 * J.data[i * 3 + 2], 12);
  });
});
