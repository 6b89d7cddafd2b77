/**
 * Golden chain-rule expansions for the seed's four examples (docs/chain-rule.md) and the classic
 * table: per case the step names (each step from dL/d(to) to dL/d(from), with the name and meaning
 * of its upstream gradient), the fully collapsed substituted form of every path, and the closed
 * formula of the whole gradient with its definitions. The closed formula is also evaluated
 * (closedForm.ts's data structure) against reverse mode to 1e-12, so a golden string can only
 * stand for a correct gradient. The expected strings were read and checked by hand against the
 * textbook forms (softmax cross-entropy: X^T (softmax(X W + b) - Y) / N; logistic regression:
 * X^T (p - t) / N; x^T A x: (A + A^T) x; trace(A X B): A^T B^T).
 */
import { describe, expect, test } from "vitest";
import * as C from "../../kernel/src/index";
import { classicCases } from "./classicCases";
import { closed, expectIsGradient } from "./closedFormCheck";

interface Golden {
  name: string;
  steps: string[][];
  sub: (string | null)[];
  closed: string[];
}

const GOLDEN: Golden[] = [
  {
    name: "seed 1: y = tanh(x), L = sum y^2",
    steps: [["L -> v1", "v1 -> y | g_v1 := dL/dv1", "y -> x | g_y := dL/dy"]],
    sub: ["dL/dx_i = 2 y_i (1 - y_i^2)"],
    closed: ["dL/dx = 2 y ⊙ (1 - y ⊙ y)", "y := tanh(x)"],
  },
  {
    name: "seed 2: y = W x, L = 1/2 ||y - t||^2",
    steps: [
      [
        "L -> v3",
        "v3 -> v2 | g_v3 := dL/dv3",
        "v2 -> v1 | g_v2 := dL/dv2",
        "v1 -> y | g_v1 := dL/dv1",
        "y -> W | g_y := dL/dy",
      ],
    ],
    sub: ["dL/dW_ij = (y_i - t_i) x_j"],
    closed: ["dL/dW = (y - t) x^T", "y := W x"],
  },
  {
    name: "seed 3: Y = X W, L = sum sin(Y)",
    steps: [["L -> v1", "v1 -> Y | G_v1 := dL/dv1", "Y -> W | G_Y := dL/dY"]],
    sub: ["dL/dW_ij = sum_k cos(Y_kj) X_ki"],
    closed: ["dL/dW = X^T cos(Y)", "Y := X W"],
  },
  {
    name: "seed 4: a = W x, b = tanh(a), c = U b, L = 1/2 ||c||^2",
    steps: [
      [
        "L -> v2",
        "v2 -> v1 | g_v2 := dL/dv2",
        "v1 -> c | g_v1 := dL/dv1",
        "c -> b | g_c := dL/dc",
        "b -> a | g_b := dL/db",
        "a -> x | g_a := dL/da",
      ],
    ],
    sub: ["dL/dx_i = sum_j sum_l c_l U_lj (1 - b_j^2) W_ji"],
    closed: ["dL/dx = W^T ((U^T c) ⊙ (1 - b ⊙ b))", "a := W x", "b := tanh(a)", "c := U b"],
  },
  {
    name: "least squares ||X w - y||^2",
    steps: [["L -> v3", "v3 -> v2 | g_v3 := dL/dv3", "v2 -> v1 | g_v2 := dL/dv2", "v1 -> w | g_v1 := dL/dv1"]],
    sub: ["dL/dw_i = sum_j 2 v2_j X_ji"],
    closed: ["dL/dw = 2 X^T (X w - y)"],
  },
  {
    name: "logistic regression",
    steps: [
      [
        "L -> v9",
        "v9 -> v8 | g_v9 := dL/dv9",
        "v8 -> v4 | g_v8 := dL/dv8",
        "v4 -> v3 | g_v4 := dL/dv4",
        "v3 -> p | g_v3 := dL/dv3",
        "p -> v2 | g_p' := dL/dp (along this path only)",
        "v2 -> v1 | g_v2' := dL/dv2 (along this path only)",
        "v1 -> w | g_v1' := dL/dv1 (along this path only)",
      ],
      [
        "L -> v9",
        "v9 -> v8 | g_v9 := dL/dv9",
        "v8 -> v7 | g_v8 := dL/dv8",
        "v7 -> v6 | g_v7 := dL/dv7",
        "v6 -> v5 | g_v6 := dL/dv6",
        "v5 -> p | g_v5 := dL/dv5",
        "p -> v2 | g_p'' := dL/dp (along this path only)",
        "v2 -> v1 | g_v2'' := dL/dv2 (along this path only)",
        "v1 -> w | g_v1'' := dL/dv1 (along this path only)",
      ],
    ],
    sub: [
      "dL/dw_i = sum_j ((-(1/4) t_j) / p_j) p_j (1 - p_j) X_ji",
      "dL/dw_i = -sum_j ((-(1/4) c1_j) / (1 - p_j)) p_j (1 - p_j) X_ji",
    ],
    closed: ["dL/dw = (1/4) X^T (p - t)", "p := sigmoid(X w + b)"],
  },
  {
    name: "softmax cross-entropy",
    steps: [
      [
        "L -> v5",
        "v5 -> v4 | g_v5 := dL/dv5",
        "v4 -> v3 | G_v4 := dL/dv4",
        "v3 -> v2 | G_v3 := dL/dv3",
        "v2 -> v1 | G_v2 := dL/dv2",
        "v1 -> W | G_v1 := dL/dv1",
      ],
    ],
    sub: ["dL/dW_ij = -sum_k sum_s (1/4) (δ_{labels_ks,j} - exp(v3_kj)) X_ki"],
    closed: ["dL/dW = (1/4) X^T (softmax_1(X W + b) - Y)", "Y := onehot_1(labels)"],
  },
  {
    name: "2-layer MLP",
    steps: [
      [
        "L -> v6",
        "v6 -> v5 | G_v6 := dL/dv6",
        "v5 -> v4 | G_v5 := dL/dv5",
        "v4 -> v3 | G_v4 := dL/dv4",
        "v3 -> H | G_v3 := dL/dv3",
        "H -> v2 | G_H := dL/dH",
        "v2 -> v1 | G_v2 := dL/dv2",
        "v1 -> W1 | G_v1 := dL/dv1",
      ],
    ],
    sub: [
      "dL/dW1_ij = sum_k sum_s G_v5[k,s] W2_js (1 - H_kj^2) X_ki, where G_v5 := dL/dv5 (the 2 steps from L down to v5 folded into G_v5)",
    ],
    closed: ["dL/dW1 = (1/4) X^T (((H W2 + b2 - T) W2^T) ⊙ (1 - H ⊙ H))", "H := tanh(X W1 + b1)"],
  },
  {
    name: "layer norm from primitives",
    steps: [
      [
        "L -> v4",
        "v4 -> y | G_v4 := dL/dv4",
        "y -> xc | G_y := dL/dy",
        "xc -> x | G_xc' := dL/dxc (along this path only)",
      ],
      [
        "L -> v4",
        "v4 -> y | G_v4 := dL/dv4",
        "y -> xc | G_y := dL/dy",
        "xc -> mu | G_xc' := dL/dxc (along this path only)",
        "mu -> x | G_mu' := dL/dmu (along this path only)",
      ],
      [
        "L -> v4",
        "v4 -> y | G_v4 := dL/dv4",
        "y -> v3 | G_y := dL/dy",
        "v3 -> v2 | G_v3 := dL/dv3",
        "v2 -> v | G_v2 := dL/dv2",
        "v -> v1 | G_v := dL/dv",
        "v1 -> xc | G_v1 := dL/dv1",
        "xc -> x | G_xc'' := dL/dxc (along this path only)",
      ],
      [
        "L -> v4",
        "v4 -> y | G_v4 := dL/dv4",
        "y -> v3 | G_y := dL/dy",
        "v3 -> v2 | G_v3 := dL/dv3",
        "v2 -> v | G_v2 := dL/dv2",
        "v -> v1 | G_v := dL/dv",
        "v1 -> xc | G_v1 := dL/dv1",
        "xc -> mu | G_xc'' := dL/dxc (along this path only)",
        "mu -> x | G_mu'' := dL/dmu (along this path only)",
      ],
    ],
    sub: [
      "dL/dx_ij = R_ij / sqrt(v_i0 + 0.00001)",
      "dL/dx_ij = -sum_l sum_n (R_in / sqrt(v_i0 + 0.00001)) (1 / 5)",
      "dL/dx_ij = -sum_q sum_w 2 R_iw (y_iw / v3_i0) (1 / (2 v3_iq)) (1 / 5) xc_ij",
      "dL/dx_ij = -sum_l sum_n sum_s 2 G_v3[i,s] (1 / (2 v3_is)) (1 / 5) xc_in (1 / 5), where G_v3 := dL/dv3 (the 3 steps from L down to v3 folded into G_v3)",
    ],
    closed: [
      "dL/dx = G_xc + broadcast(-(1/5) sum_{axis 1}(G_xc), [4,5])",
      "mu := mean_{axis 1}(x)",
      "xc := x - mu",
      "v := mean_{axis 1}(xc ⊙ xc)",
      "v3 := sqrt(v + 0.00001)",
      "y := xc ⊘ v3",
      "G_xc := dL/dxc = R ⊘ v3 + 2 broadcast((-(1/5) sum_{axis 1}(R ⊙ y ⊘ v3)) ⊘ (2 v3), [4,5]) ⊙ xc",
    ],
  },
  {
    name: "attention",
    steps: [
      [
        "L -> v5",
        "v5 -> v4 | G_v5 := dL/dv5",
        "v4 -> A | G_v4 := dL/dv4",
        "A -> v3 | G_A := dL/dA",
        "v3 -> v2 | G_v3 := dL/dv3",
        "v2 -> Q | G_v2 := dL/dv2",
      ],
    ],
    sub: ["dL/dQ_ij = sum_l sum_q sum_s R_is V_qs A_iq (δ_ql - A_il) (1 / 2) v1_jl"],
    closed: [
      "dL/dQ = (1/2) (A ⊙ (G_A - sum_{axis 1}(G_A ⊙ A))) K",
      "A := softmax_1((1/2) Q K^T)",
      "G_A := dL/dA = R V^T",
    ],
  },
  {
    name: "trace(A X B)",
    steps: [["L -> v3", "v3 -> v2 | G_v3 := dL/dv3", "v2 -> v1 | G_v2 := dL/dv2", "v1 -> X | G_v1 := dL/dv1"]],
    sub: ["dL/dX_ij = sum_k sum_n I_kn B_jn A_ki"],
    closed: ["dL/dX = A^T B^T"],
  },
  {
    name: "x^T A x",
    steps: [["L -> x"], ["L -> v1", "v1 -> x | g_v1 := dL/dv1"]],
    sub: ["dL/dx_i = v1_i", "dL/dx_i = sum_j x_j A_ji"],
    closed: ["dL/dx = (A + A^T) x"],
  },
];

describe("golden chain-rule expansions: seed examples and classic table", () => {
  const cases = classicCases();
  test("every case has its golden entry", () => {
    expect(cases.map((c) => c.name)).toEqual(GOLDEN.map((g) => g.name));
  });
  for (const [i, want] of GOLDEN.entries()) {
    test(want.name, () => {
      const { L, x } = cases[i];
      const p = C.expandChain(L, x);
      const steps = p.paths.map((pa) =>
        pa.steps.map((s) => `${s.to} -> ${s.from}` + (s.upstream ? ` | ${s.upstream.text.split(" = ")[0]}` : "")),
      );
      expect(steps).toEqual(want.steps);
      expect(p.paths.map((pa) => pa.substitutedCollapsed?.text ?? null)).toEqual(want.sub);
      expect([p.closed!.formula.text, ...p.closed!.where.map((w) => w.text)]).toEqual(want.closed);
      // Every tensor name in the steps is defined in the payload's list of names (or is a leaf).
      const defined = new Set((p.names ?? []).map((n) => n.text.split(/ = |: /)[0]));
      for (const pa of p.paths)
        for (const s of pa.steps) if (/^[vc]\d+$/.test(s.to)) expect(defined, s.to).toContain(s.to);
      // The closed formula is the gradient.
      expectIsGradient(closed(L, x), L, x);
    });
  }
});
