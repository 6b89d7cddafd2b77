/**
 * Registry-wide checks of the two notations every op contributes to the chain-rule display:
 * - its index rule d out_J / d in_I, summed by brute force over every J against a random
 *   upstream g, must equal the numeric VJP (the backward pass) to 1e-12;
 * - its vjp rule run with the symbolic algebra (the compact form that is printed), evaluated
 *   back with the numeric algebra, must equal the numeric VJP too (so X^T G is never printed
 *   where G X^T is meant).
 * - an op that prints as algebra (OpDef.printsAsAlgebra: the closed formula and inlined
 *   intermediates write it as the symbolic Algebra's method of the same name) must be that method:
 *   the algebra's op, evaluated numerically, equals the op's forward.
 * An op without an index rule fails here.
 */
import { describe, expect, test } from "vitest";
import { registry } from "../../kernel/src/ops/registry";
import type { OpDef, RuleContext, Sample } from "../../kernel/src/ops/OpDef";
import { Tensor } from "../../kernel/src/tensor/Tensor";
import { numericAlgebra } from "../../kernel/src/ops/numericAlgebra";
import { noGrad } from "../../kernel/src/ops/mode";
import { Rng } from "../../kernel/src/tensor/random";
import { evalIndexExpr, type IndexEnv } from "../../kernel/src/ops/IndexExpr";
import { symbolicAlgebra } from "../../kernel/src/symbolic/algebra/symbolicAlgebra";
import { type SymExpr, type SymOp, applyOp, evalSymTensor, sym } from "../../kernel/src/symbolic/algebra/SymExpr";
import { printSym } from "../../kernel/src/symbolic/algebra/latex";
import { texErrors } from "./texCheck";

interface Case {
  op: OpDef;
  sample: Sample;
  argnum: number;
  label: string;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const op of registry) {
    op.samples(7).forEach((sample, s) => {
      sample.inputs.forEach((t, argnum) => {
        if (op.nondiff?.includes(argnum)) return;
        out.push({
          op,
          sample,
          argnum,
          label: `${op.name} #${s} ${sample.label ?? sample.inputs.map((x) => JSON.stringify(x.shape)).join(" ")} d/d(input ${argnum})`,
        });
      });
    });
  }
  return out;
}

function forward(op: OpDef, sample: Sample): Tensor {
  const r = op.forward(sample.inputs, sample.attrs ?? {});
  return new Tensor(r.data, r.shape);
}

function randomLike(shape: readonly number[], rng: Rng): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = rng.uniform() * 2 - 1;
  return new Tensor(d, shape);
}

/** The numeric VJP for one input, summed back to its shape (as backward does). */
function numericVjp(op: OpDef, sample: Sample, out: Tensor, g: Tensor, argnum: number): Tensor | null {
  const ctx: RuleContext<Tensor> = {
    inputs: sample.inputs,
    out,
    attrs: sample.attrs ?? {},
    shapes: sample.inputs.map((t) => t.shape),
    outShape: out.shape,
  };
  return noGrad(() => {
    const r = op.vjp(g, ctx, numericAlgebra)[argnum];
    return r ? numericAlgebra.sumTo(r, sample.inputs[argnum].shape.slice()) : null;
  });
}

function multiIndices(shape: readonly number[]): number[][] {
  const n = shape.reduce((p, d) => p * d, 1);
  const out: number[][] = [];
  for (let o = 0; o < n; o++) {
    const idx = new Array<number>(shape.length);
    let r = o;
    for (let a = shape.length - 1; a >= 0; a--) {
      idx[a] = r % shape[a];
      r = Math.floor(r / shape[a]);
    }
    out.push(idx);
  }
  return out;
}

const all = cases();

describe("every registry op has an index rule", () => {
  test.each(registry.map((op) => [op.name, op] as const))("%s", (_name, op) => {
    expect(typeof op.index, `${op.name} has no index rule: the chain-rule display cannot show its local partial`).toBe(
      "function",
    );
  });
});

describe("index rule, brute-force summed, equals the VJP", () => {
  test.each(all.map((c) => [c.label, c] as const))("%s", (_label, c) => {
    const { op, sample, argnum } = c;
    expect(op.index).toBeDefined();
    const out = forward(op, sample);
    const rng = new Rng(11 + argnum);
    const g = randomLike(out.shape, rng);
    const vjp = numericVjp(op, sample, out, g, argnum);
    expect(vjp, "vjp gives a gradient").not.toBeNull();
    const inShape = sample.inputs[argnum].shape;
    const J = out.shape.map((_, a) => `J${a}`);
    const I = inShape.map((_, a) => `I${a}`);
    const rule = op.index!({
      argnum,
      J,
      I,
      shapes: sample.inputs.map((t) => t.shape),
      outShape: out.shape,
      attrs: sample.attrs ?? {},
    });
    const env: IndexEnv = { inputs: sample.inputs, out, idx: new Map() };
    const Js = multiIndices(out.shape);
    multiIndices(inShape).forEach((Iv, io) => {
      Iv.forEach((v, a) => env.idx.set(I[a], v));
      let s = 0;
      let scale = 0;
      Js.forEach((Jv, jo) => {
        Jv.forEach((v, a) => env.idx.set(J[a], v));
        const t = g.data[jo] * evalIndexExpr(rule, env);
        s += t;
        scale += Math.abs(t);
      });
      const want = vjp!.data[io];
      expect(Number.isFinite(s), `index sum at I=${JSON.stringify(Iv)} is ${s}`).toBe(true);
      expect(Math.abs(s - want), `I=${JSON.stringify(Iv)}: index form ${s} vs vjp ${want}`).toBeLessThanOrEqual(
        1e-12 * Math.max(scale, Math.abs(want), 1e-300),
      );
    });
  });
});

describe("compact form (vjp run symbolically) evaluates to the VJP", () => {
  test.each(all.map((c) => [c.label, c] as const))("%s", (_label, c) => {
    const { op, sample, argnum } = c;
    const out = forward(op, sample);
    const g = randomLike(out.shape, new Rng(23 + argnum));
    const vjp = numericVjp(op, sample, out, g, argnum)!;
    const bind = new Map<string, Tensor>();
    const inputs: SymExpr[] = sample.inputs.map((t, k) => {
      bind.set(`a${k}`, t);
      return sym(`a${k}`, t.shape);
    });
    bind.set("y", out);
    bind.set("G", g);
    const ctx: RuleContext<SymExpr> = {
      inputs,
      out: sym("y", out.shape),
      attrs: sample.attrs ?? {},
      shapes: sample.inputs.map((t) => t.shape),
      outShape: out.shape,
    };
    const raw = op.vjp(sym("G", out.shape), ctx, symbolicAlgebra)[argnum];
    expect(raw).not.toBeNull();
    const compact = symbolicAlgebra.sumTo(raw!, sample.inputs[argnum].shape.slice());
    expect(compact.shape).toEqual(sample.inputs[argnum].shape.slice());
    const got = noGrad(() => evalSymTensor(compact, bind, numericAlgebra));
    expect(got.shape).toEqual(vjp.shape);
    for (let i = 0; i < got.size; i++)
      expect(Math.abs(got.data[i] - vjp.data[i]), `element ${i}`).toBeLessThanOrEqual(
        1e-12 * Math.max(1, Math.abs(vjp.data[i])),
      );
    for (const mode of ["latex", "text"] as const) {
      const s = printSym(compact, mode);
      expect(s.length).toBeGreaterThan(0);
      expect(s).not.toMatch(/undefined|NaN|\[object/);
    }
    // MathJax draws a TeX mistake as a yellow error box: the compact form and the op's own LaTeX
    // with these attributes must be valid TeX.
    expect(texErrors(printSym(compact, "latex"))).toEqual([]);
    const names = sample.inputs.map((_, k) => `a_{${k}}`);
    expect(texErrors(op.latex(names, sample.attrs ?? {}))).toEqual([]);
  });
});

describe("the TeX check catches what MathJax rejects", () => {
  test("double scripts and unbalanced braces; a_i^2 and x^{(3)}_{kl} are fine", () => {
    expect(texErrors(String.raw`X \star_{W}_{s=2,p=1} Y`)).toHaveLength(1);
    expect(texErrors("a_i_j")).toHaveLength(1);
    expect(texErrors("a_i^2_j")).toHaveLength(1);
    expect(texErrors("a_{i")).toHaveLength(1);
    expect(texErrors(String.raw`a_i^2 + x^{(3)}_{kl} + \frac{a}{b}_{c} + \{x\}`)).toEqual([]);
  });
});

describe("an op that prints as algebra is the symbolic Algebra's op of its name", () => {
  const algebraic = registry.filter((op) => op.printsAsAlgebra);
  test("some ops print as algebra (add ... transpose)", () => {
    expect(algebraic.map((op) => op.name)).toContain("matmul");
  });
  test.each(algebraic.map((op) => ({ op, label: op.name })))("$label", ({ op }) => {
    expect(typeof (symbolicAlgebra as unknown as Record<string, unknown>)[op.name]).toBe("function");
    for (const sample of op.samples(7)) {
      const bind = new Map<string, Tensor>();
      const args = sample.inputs.map((t, k) => {
        bind.set(`a${k}`, t);
        return sym(`a${k}`, t.shape);
      });
      const perm = sample.attrs?.perm as number[] | undefined;
      const e = applyOp(op.name as SymOp, args, { perm: perm?.slice() }, symbolicAlgebra);
      const got = noGrad(() => evalSymTensor(e, bind, numericAlgebra));
      const want = forward(op, sample);
      expect(got.shape).toEqual(want.shape);
      expect(Array.from(got.data)).toEqual(Array.from(want.data));
    }
  });
});
