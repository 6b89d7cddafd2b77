/**
 * Every simplification rule of the closed form (closedRules.ts RULES) is an identity: on an
 * instance built here, the rule fires, and the tree before and after evaluates to the same
 * numbers (1e-12) on random inputs. A rule added without an instance here fails the last test.
 */
import { describe, expect, test } from "vitest";
import { manualSeed, rand, randn, tensor, eye, Tensor } from "../../kernel/src/index";
import { RULES, applyRules } from "../../kernel/src/symbolic/algebra/closedRules";
import { Consed } from "../../kernel/src/symbolic/algebra/cse";
import { type SymExpr, evalSymTensor, num, sym } from "../../kernel/src/symbolic/algebra/SymExpr";
import { symbolicAlgebra as S } from "../../kernel/src/symbolic/algebra/symbolicAlgebra";
import { numericAlgebra } from "../../kernel/src/ops/numericAlgebra";
import { noGrad } from "../../kernel/src/ops/mode";

interface Instance {
  before: SymExpr;
  bind: Record<string, Tensor>;
}

const call = (name: string, args: SymExpr[], opAttrs: Record<string, unknown>, shape: number[]): SymExpr => ({
  k: "op",
  op: "call",
  args,
  attrs: { name, opAttrs },
  shape,
});

manualSeed(7);
const z = randn([4, 5]);
const labels = tensor([[2], [0], [4], [1]]);
const A = randn([3, 4]);
const B = randn([4, 2]);
const C = randn([4, 2]);
const I4 = eye(4);
const P = rand([4, 5]);

const zS = sym("z", [4, 5]);
const lab = sym("labels", [4, 1]);
const oneHot = S.scatterAdd(num(1, [4, 1]), lab, 1, [4, 5]);

const INSTANCES: Record<string, Instance> = {
  "exp(logSoftmax(z)) = softmax(z)": {
    before: S.exp(call("logSoftmax", [zS], { axis: 1 }, [4, 5])),
    bind: { z },
  },
  "one-hot scatter = a ⊙ Y": {
    before: S.scatterAdd(sym("a", [4, 1]), lab, 1, [4, 5]),
    bind: { a: randn([4, 1]), labels },
  },
  "each row of a one-hot Y sums to 1": {
    before: S.sum(oneHot, [1], true),
    bind: { labels },
  },
  "sums are linear: sum(c a) = c sum(a)": {
    before: S.sum(S.mul(num(-0.25), zS), [1], true),
    bind: { z },
  },
  "scalars move out of products: A (c B) = c (A B)": {
    before: S.matmul(sym("A", [3, 4]), S.mul(num(0.5), S.neg(sym("B", [4, 2])))),
    bind: { A, B },
  },
  "I A = A (identity matrix)": {
    before: S.matmul(sym("I", [4, 4]), sym("B", [4, 2])),
    bind: { I: I4, B },
  },
  "like terms and common factors": {
    before: S.sub(S.mul(num(-0.25), oneHot), S.mul(num(-0.25), sym("P", [4, 5]))),
    bind: { P, labels },
  },
  "quotients cancel and like terms meet": {
    // Logistic regression's (-(t/p) + (1 - t)/(1 - p)) ⊙ p ⊙ (1 - p) = p - t.
    before: S.mul(
      S.mul(
        S.sub(
          S.div(S.neg(sym("t", [4, 5])), sym("P", [4, 5])),
          S.div(S.neg(S.sub(num(1), sym("t", [4, 5]))), S.sub(num(1), sym("P", [4, 5]))),
        ),
        sym("P", [4, 5]),
      ),
      S.sub(num(1), sym("P", [4, 5])),
    ),
    bind: { P, t: rand([4, 5]) },
  },
  "A C + B C = (A + B) C": {
    before: S.add(S.matmul(sym("A", [3, 4]), sym("B", [4, 2])), S.matmul(sym("A", [3, 4]), sym("C", [4, 2]))),
    bind: { A, B, C },
  },
};

function value(e: SymExpr, bind: Record<string, Tensor>): Tensor {
  return noGrad(() => evalSymTensor(e, new Map(Object.entries(bind)), numericAlgebra));
}

describe("closed-form rules are identities", () => {
  for (const rule of RULES) {
    test(rule.name, () => {
      const inst = INSTANCES[rule.name];
      expect(inst, `no instance for rule "${rule.name}"`).toBeDefined();
      const ctx = { isIdentity: (n: string) => n === "I", cons: new Consed() };
      const before = inst.before;
      expect(before.k).toBe("op");
      const after = rule.apply(before as Extract<SymExpr, { k: "op" }>, ctx);
      expect(after, "the rule fires on its instance").not.toBeNull();
      const v0 = value(before, inst.bind);
      const v1 = value(after!, inst.bind);
      expect(v1.shape).toEqual(v0.shape);
      for (let i = 0; i < v0.size; i++)
        expect(Math.abs(v1.data[i] - v0.data[i]), `element ${i}`).toBeLessThanOrEqual(
          1e-12 * Math.max(1, Math.abs(v0.data[i])),
        );
      // The whole rewrite (all rules to a fixpoint) keeps the value too.
      const all = applyRules(before, { isIdentity: ctx.isIdentity });
      const v2 = value(all.expr, inst.bind);
      for (let i = 0; i < v0.size; i++)
        expect(Math.abs(v2.data[i] - v0.data[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v0.data[i])));
      expect(all.used).toContain(rule.name);
    });
  }

  test("a rule does not fire where its identity does not hold", () => {
    const ctx = { isIdentity: () => false, cons: new Consed() };
    // Two labels per row: scattering is a sum over picks, not a one-hot product.
    const two = S.scatterAdd(sym("a", [4, 2]), sym("labels", [4, 2]), 1, [4, 5]);
    for (const rule of RULES) expect(rule.apply(two as Extract<SymExpr, { k: "op" }>, ctx), rule.name).toBeNull();
    // sum over the other axis of a one-hot is a count per class, not 1.
    const cols = S.sum(oneHot, [0], true);
    expect(RULES.find((r) => r.name.startsWith("each row"))!.apply(cols as Extract<SymExpr, { k: "op" }>, ctx)).toBe(
      null,
    );
  });

  test("every rule has an instance here", () => {
    expect(Object.keys(INSTANCES).sort()).toEqual(RULES.map((r) => r.name).sort());
  });
});
