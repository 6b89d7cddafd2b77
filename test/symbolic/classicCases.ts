/** The seed's four examples and the classic table, built as a student would build them. */
import * as C from "../../kernel/src/index";
import type { Tensor } from "../../kernel/src/index";

export interface Case {
  name: string;
  L: Tensor;
  x: Tensor;
  /** Other inputs whose gradient the closed-form tests take too. */
  also?: Tensor[];
}

export function classicCases(): Case[] {
  C.manualSeed(21);
  const out: Case[] = [];
  {
    const x = C.randn([4], { requiresGrad: true }).named("x");
    const y = x.tanh().named("y");
    out.push({ name: "seed 1: y = tanh(x), L = sum y^2", L: y.square().sum().named("L"), x });
  }
  {
    const W = C.randn([3, 4], { requiresGrad: true }).named("W");
    const x = C.randn([4]).named("x");
    const t = C.randn([3]).named("t");
    const y = W.matmul(x).named("y");
    out.push({ name: "seed 2: y = W x, L = 1/2 ||y - t||^2", L: y.sub(t).square().sum().mul(0.5).named("L"), x: W });
  }
  {
    const X = C.randn([5, 3], { requiresGrad: true }).named("X");
    const W = C.randn([3, 2], { requiresGrad: true }).named("W");
    const Y = X.matmul(W).named("Y");
    out.push({ name: "seed 3: Y = X W, L = sum sin(Y)", L: Y.sin().sum().named("L"), x: W, also: [X] });
  }
  {
    const W = C.randn([3, 4]).named("W");
    const U = C.randn([2, 3]).named("U");
    const x = C.randn([4], { requiresGrad: true }).named("x");
    const a = W.matmul(x).named("a");
    const b = a.tanh().named("b");
    const c = U.matmul(b).named("c");
    out.push({
      name: "seed 4: a = W x, b = tanh(a), c = U b, L = 1/2 ||c||^2",
      L: c.square().sum().mul(0.5).named("L"),
      x,
    });
  }
  const X = C.randn([4, 3]).named("X");
  {
    const y = C.randn([4]).named("y");
    const w = C.randn([3], { requiresGrad: true }).named("w");
    out.push({ name: "least squares ||X w - y||^2", L: X.matmul(w).sub(y).square().sum().named("L"), x: w });
  }
  {
    const t = C.tensor([0, 1, 1, 0]).named("t");
    const w = C.randn([3], { requiresGrad: true }).named("w");
    const b = C.randn([], { requiresGrad: true }).named("b");
    const p = C.sigmoid(X.matmul(w).add(b)).named("p");
    out.push({ name: "logistic regression", L: C.binaryCrossEntropy(p, t).named("L"), x: w });
  }
  {
    const W = C.randn([3, 5], { requiresGrad: true }).named("W");
    const b = C.randn([5], { requiresGrad: true }).named("b");
    const labels = C.tensor([0, 2, 4, 1]).named("labels");
    out.push({
      name: "softmax cross-entropy",
      L: C.crossEntropy(X.matmul(W).add(b), labels).named("L"),
      x: W,
      also: [b],
    });
  }
  {
    const W1 = C.randn([3, 6], { requiresGrad: true }).named("W1");
    const b1 = C.randn([6]).named("b1");
    const W2 = C.randn([6, 2], { requiresGrad: true }).named("W2");
    const b2 = C.randn([2]).named("b2");
    const T = C.randn([4, 2]).named("T");
    const H = X.matmul(W1).add(b1).tanh().named("H");
    out.push({ name: "2-layer MLP", L: H.matmul(W2).add(b2).sub(T).square().mean().named("L"), x: W1, also: [W2] });
  }
  {
    const x = C.randn([4, 5], { requiresGrad: true }).named("x");
    const mu = x.mean(1, true).named("mu");
    const xc = x.sub(mu).named("xc");
    const v = xc.square().mean(1, true).named("v");
    const y = xc.div(v.add(1e-5).sqrt()).named("y");
    out.push({
      name: "layer norm from primitives",
      L: y
        .mul(C.randn([4, 5]).named("R"))
        .sum()
        .named("L"),
      x,
    });
  }
  {
    const Q = C.randn([3, 4], { requiresGrad: true }).named("Q");
    const K = C.randn([5, 4], { requiresGrad: true }).named("K");
    const V = C.randn([5, 2], { requiresGrad: true }).named("V");
    const A = C.softmax(Q.matmul(K.transpose()).div(2), 1).named("A");
    out.push({
      name: "attention",
      L: A.matmul(V)
        .mul(C.randn([3, 2]).named("R"))
        .sum()
        .named("L"),
      x: Q,
    });
  }
  {
    const A = C.randn([2, 3]).named("A");
    const Xm = C.randn([3, 4], { requiresGrad: true }).named("X");
    const B = C.randn([4, 2]).named("B");
    out.push({ name: "trace(A X B)", L: A.matmul(Xm).matmul(B).mul(C.eye(2).named("I")).sum().named("L"), x: Xm });
  }
  {
    const A = C.randn([3, 3]).named("A");
    const x = C.randn([3], { requiresGrad: true }).named("x");
    out.push({ name: "x^T A x", L: x.matmul(A.matmul(x)).named("L"), x });
  }
  return out;
}
