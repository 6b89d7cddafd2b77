// The chainlab side of each workload: builders that return a zero-argument step function.
import { createRequire } from "node:module";
import { uniformArray, labels } from "./data.mjs";

const require = createRequire(import.meta.url);
export const cl = require("../kernel/lib/index.js");
const { Tensor } = cl;

const t = (data, shape, requiresGrad = false) => new Tensor(Float64Array.from(data), shape, { requiresGrad });

/** W1: C = A B, then dL/dA and dL/dB for a given upstream gradient. */
export function w1(n = 256) {
  const a = t(uniformArray(n * n, 1), [n, n], true);
  const b = t(uniformArray(n * n, 2), [n, n], true);
  const dy = t(uniformArray(n * n, 3), [n, n]);
  return () => {
    a.zeroGrad();
    b.zeroGrad();
    cl.matmul(a, b).backward(dy);
    return [a.grad, b.grad];
  };
}

export function mlpParams() {
  return {
    X: t(uniformArray(64 * 784, 11, 0, 1), [64, 784]),
    y: t(labels(64, 10, 12), [64]),
    W1: t(uniformArray(784 * 256, 13, -0.05, 0.05), [784, 256], true),
    b1: t(uniformArray(256, 14, -0.1, 0.1), [256], true),
    W2: t(uniformArray(256 * 10, 15, -0.1, 0.1), [256, 10], true),
    b2: t(uniformArray(10, 16, -0.1, 0.1), [10], true),
  };
}

/** W2: MLP 784-256-10, ReLU, softmax cross-entropy, forward + backward (recorded graph). */
export function w2(p = mlpParams()) {
  const params = [p.W1, p.b1, p.W2, p.b2];
  return () => {
    for (const q of params) q.zeroGrad();
    const h = cl.relu(cl.add(cl.matmul(p.X, p.W1), p.b1));
    const z = cl.add(cl.matmul(h, p.W2), p.b2);
    const L = cl.crossEntropy(z, p.y);
    L.backward();
    return { loss: L.item(), grads: params.map((q) => q.grad) };
  };
}

/**
 * W2 without a graph: the same forward under noGrad and the hand-derived backward
 * (dz = softmax(z) - onehot, over N), through the same op kernels. What the recorded version
 * costs above this is the price of the graph: node records, scopes, tracing, generic rules,
 * sumTo and accumulation.
 */
export function w2Manual(p = mlpParams()) {
  const N = p.X.shape[0];
  const C = p.W2.shape[1];
  const onehot = new Float64Array(N * C);
  for (let i = 0; i < N; i++) onehot[i * C + p.y.data[i]] = 1;
  const Y = t(onehot, [N, C]);
  return () =>
    cl.noGrad(() => {
      const h1 = cl.add(cl.matmul(p.X, p.W1), p.b1);
      const h = cl.relu(h1);
      const z = cl.add(cl.matmul(h, p.W2), p.b2);
      const ls = cl.logSoftmax(z, 1);
      const loss = -cl.sum(cl.mul(ls, Y)).item() / N;
      const dz = cl.div(cl.sub(cl.exp(ls), Y), N);
      const dW2 = cl.matmul(cl.transpose(h), dz);
      const db2 = cl.sum(dz, 0);
      const dh1 = cl.mul(cl.matmul(dz, cl.transpose(p.W2)), cl.greater(h1, 0));
      const dW1 = cl.matmul(cl.transpose(p.X), dh1);
      const db1 = cl.sum(dh1, 0);
      return { loss, grads: [dW1, db1, dW2, db2] };
    });
}

/** W3: `ops` chained elementwise ops on a [4] tensor, forward + backward. */
export function w3(ops = 2000, dtype = "float64") {
  const x = td(dtype, [0.1, -0.2, 0.3, 0.4], [4], true);
  const c1 = td(dtype, [0.999, 1.001, 0.998, 1.002], [4]);
  const c2 = td(dtype, [0.001, -0.001, 0.002, -0.002], [4]);
  const dy = td(dtype, [1, 1, 1, 1], [4]);
  return () => {
    x.zeroGrad();
    let y = x;
    for (let i = 0; i < ops; i++) {
      switch (i & 3) {
        case 0:
          y = cl.mul(y, c1);
          break;
        case 1:
          y = cl.add(y, c2);
          break;
        case 2:
          y = cl.tanh(y);
          break;
        default:
          y = cl.sub(y, c2);
          break;
      }
    }
    y.backward(dy);
    return x.grad;
  };
}

// ---- issue 15: the workloads measured against PyTorch (bench/torch_server.py runs the same) ----
const typed = (dtype, a) => (dtype === "float32" ? Float32Array.from(a) : Float64Array.from(a));
const td = (dtype, data, shape, requiresGrad = false) => new Tensor(typed(dtype, data), shape, { requiresGrad });

/** One training step of the MLP 784-256-10 (batch 64): forward, backward, plain SGD step. */
export function mlpStep(dtype = "float64") {
  const X = td(dtype, uniformArray(64 * 784, 11, 0, 1), [64, 784]);
  const y = td(dtype, labels(64, 10, 12), [64]);
  const W1 = td(dtype, uniformArray(784 * 256, 13, -0.05, 0.05), [784, 256], true);
  const b1 = td(dtype, uniformArray(256, 14, -0.1, 0.1), [256], true);
  const W2 = td(dtype, uniformArray(256 * 10, 15, -0.1, 0.1), [256, 10], true);
  const b2 = td(dtype, uniformArray(10, 16, -0.1, 0.1), [10], true);
  const opt = new cl.optim.SGD([W1, b1, W2, b2], { lr: 1e-3 });
  return () => {
    opt.zeroGrad();
    const h = cl.relu(cl.add(cl.matmul(X, W1), b1));
    const L = cl.crossEntropy(cl.add(cl.matmul(h, W2), b2), y);
    L.backward();
    opt.step();
    return L;
  };
}

/** C = A B for n x n operands, then dA and dB for a given dY. */
export function matmulStep(n, dtype = "float64") {
  const a = td(dtype, uniformArray(n * n, 1), [n, n], true);
  const b = td(dtype, uniformArray(n * n, 2), [n, n], true);
  const dy = td(dtype, uniformArray(n * n, 3), [n, n]);
  return () => {
    a.zeroGrad();
    b.zeroGrad();
    cl.matmul(a, b).backward(dy);
    return [a.grad, b.grad];
  };
}

/** tanh(x * y).sum(), forward and backward to x and y (n elements each). */
export function tanhStep(n, dtype = "float64") {
  const x = td(dtype, uniformArray(n, 21), [n], true);
  const y = td(dtype, uniformArray(n, 22), [n], true);
  return () => {
    x.zeroGrad();
    y.zeroGrad();
    cl.sum(cl.tanh(cl.mul(x, y))).backward();
    return [x.grad, y.grad];
  };
}
