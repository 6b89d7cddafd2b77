/**
 * einsum in the closed formula where rank 3 and up leaves no matrix notation (issue 12): a
 * batched product's gradient reads einsum("pqi,pqj->ij", X, cos(Y)), not sum_{axis 0}(X^T cos(Y))
 * with ^T of a rank-3 tensor. Each einsum node is evaluated by its own lowering, so comparing the
 * closed form with reverse mode (1e-12) checks the spec; the lowering itself is checked against
 * a plain loop over every index.
 */
import { describe, expect, test } from "vitest";
import * as C from "../../kernel/src/index";
import type { Tensor } from "../../kernel/src/index";
import { closedForm, evalClosedForm } from "../../kernel/src/symbolic/chain/closedForm";
import { traceGraph } from "../../kernel/src/symbolic/chain/paths";
import { lowerEinsum } from "../../kernel/src/symbolic/algebra/SymExpr";
import { numericAlgebra } from "../../kernel/src/ops/numericAlgebra";
import { noGrad } from "../../kernel/src/ops/mode";
import { gradientsById } from "../../kernel/src/autodiff/backward";

function expectClosedIsGradient(L: Tensor, x: Tensor): void {
  const r = closedForm(L, x, traceGraph(L, x));
  if (!r.closed) throw new Error(r.reason);
  const got = noGrad(() => evalClosedForm(r.form, numericAlgebra, (t) => t));
  const ref = gradientsById([L], [C.tensor(1)], false).get(x.id)!;
  let scale = 1;
  for (let k = 0; k < ref.size; k++) scale = Math.max(scale, Math.abs(ref.data[k]));
  expect(got.shape).toEqual(ref.shape);
  for (let k = 0; k < ref.size; k++) expect(Math.abs(got.data[k] - ref.data[k])).toBeLessThanOrEqual(1e-12 * scale);
}

/** einsum by its definition: a loop over every assignment of every letter. */
function einsumByLoops(spec: string, ops: Tensor[]): { data: number[]; shape: number[] } {
  const [ins, out] = spec.split("->");
  const subs = ins.split(",");
  const size = new Map<string, number>();
  subs.forEach((s, k) => s.split("").forEach((c, a) => size.set(c, ops[k].shape[a])));
  const letters = [...size.keys()];
  const shape = out.split("").map((c) => size.get(c)!);
  const data = new Array<number>(shape.reduce((a, b) => a * b, 1)).fill(0);
  const at = new Map<string, number>();
  const offset = (s: string, dims: readonly number[]) => s.split("").reduce((o, c, a) => o * dims[a] + at.get(c)!, 0);
  const loop = (d: number): void => {
    if (d === letters.length) {
      let v = 1;
      subs.forEach((s, k) => (v *= ops[k].data[offset(s, ops[k].shape)]));
      data[offset(out, shape)] += v;
      return;
    }
    for (let i = 0; i < size.get(letters[d])!; i++) {
      at.set(letters[d], i);
      loop(d + 1);
    }
  };
  loop(0);
  return { data, shape };
}

describe("einsum in the closed formula (rank >= 3)", () => {
  C.manualSeed(31);
  const X = C.randn([2, 3, 4]).named("X");
  const W = C.randn([4, 5], { requiresGrad: true }).named("W");
  const A = C.randn([2, 3, 4], { requiresGrad: true }).named("A");
  const B = C.randn([2, 4, 5], { requiresGrad: true }).named("B");
  const cases: [string, () => [Tensor, Tensor], string][] = [
    [
      "batched X W, dL/dW",
      () => [X.matmul(W).named("Y").sin().sum().named("L"), W],
      'dL/dW = einsum("pqi,pqj->ij", X, cos(Y))',
    ],
    [
      "batched A B, dL/dA",
      () => [A.matmul(B).named("Y").sin().sum().named("L"), A],
      'dL/dA = einsum("ijp,ikp->ijk", cos(Y), B)',
    ],
    [
      "batched A B, dL/dB",
      () => [A.matmul(B).named("Y").sin().sum().named("L"), B],
      'dL/dB = einsum("ipj,ipk->ijk", A, cos(Y))',
    ],
    [
      "rank-3 transpose (T_pqr = A_qrp, so dL/dA_ijk = cos(T)_kij)",
      () => [A.transpose([2, 0, 1]).named("T").sin().sum().named("L"), A],
      'dL/dA = einsum("kij->ijk", cos(T))',
    ],
  ];
  for (const [name, build, want] of cases)
    test(name, () => {
      const [L, x] = build();
      const p = C.expandChain(L, x);
      expect(p.closed!.formula.text).toBe(want);
      expect(p.closed!.formula.latex).toContain("\\operatorname{einsum}(\\texttt{");
      expectClosedIsGradient(L, x);
    });

  test("a batched product without transposes keeps matrix notation: Z := X W", () => {
    const p = C.expandChain(X.matmul(W).named("Z").sin().sum().named("L"), W);
    expect(p.closed!.where.map((w) => w.text)).toEqual(["Z := X W"]);
  });

  test("rank 2 keeps matrix notation", () => {
    C.manualSeed(32);
    const X2 = C.randn([3, 4]).named("X");
    const W2 = C.randn([4, 2], { requiresGrad: true }).named("W");
    const p = C.expandChain(X2.matmul(W2).named("Y").sin().sum().named("L"), W2);
    expect(p.closed!.formula.text).toBe("dL/dW = X^T cos(Y)");
  });

  test("the lowering is einsum's definition", () => {
    C.manualSeed(33);
    for (const [spec, shapes] of [
      [
        "pqi,pqj->ij",
        [
          [2, 3, 4],
          [2, 3, 5],
        ],
      ],
      [
        "ijp,ikp->ijk",
        [
          [2, 3, 4],
          [2, 5, 4],
        ],
      ],
      ["jki->ijk", [[3, 4, 2]]],
      [
        "ip,pj,jq->iq",
        [
          [2, 3],
          [3, 4],
          [4, 2],
        ],
      ],
    ] as [string, number[][]][]) {
      const ops = shapes.map((s) => C.randn(s));
      const got = noGrad(() => lowerEinsum(spec, ops, shapes, numericAlgebra));
      const want = einsumByLoops(spec, ops);
      expect(got.shape, spec).toEqual(want.shape);
      for (let k = 0; k < want.data.length; k++) expect(Math.abs(got.data[k] - want.data[k])).toBeLessThan(1e-12);
    }
  });
});
