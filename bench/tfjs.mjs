// The TensorFlow.js side: tfjs-core with the cpu and wasm backends, one thread each.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { uniformArray, labels } from "./data.mjs";

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export let tf;

/**
 * Loads both backends. The wasm backend never uses threads in Node (its
 * WASM_HAS_MULTITHREAD_SUPPORT flag is false when IS_NODE), but the flag and setThreadsCount(1)
 * are set anyway so a future version cannot silently use more cores than chainlab's one.
 * Returns the wasm thread count actually used, for the report.
 */
export async function initTf() {
  // The union package registers the gradient functions on the shared tfjs-core (tfjs-core's own
  // node bundle has none, and its register_all_gradients is ESM that Node cannot load); it is
  // the same tfjs-core instance the cpu and wasm backends register with.
  tf = require("@tensorflow/tfjs");
  // Production mode, as a deployed app would run (also silences the "install tfjs-node" banner).
  tf.env().set("PROD", true);
  const wasm = require("@tensorflow/tfjs-backend-wasm");
  wasm.setWasmPaths(path.join(root, "node_modules/@tensorflow/tfjs-backend-wasm/dist") + path.sep);
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  wasm.setThreadsCount(1);
  if (!(await tf.setBackend("wasm"))) throw new Error("tfjs wasm backend failed to initialise");
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  const threads = wasm.getThreadsCount();
  if (!(await tf.setBackend("cpu"))) throw new Error("tfjs cpu backend failed to initialise");
  return { version: tf.version_core, wasmThreads: threads, wasmSimd: simd };
}

/** Switches backend synchronously (both are initialised, so setBackend does no async work). */
export function use(backend) {
  tf.setBackend(backend);
  if (tf.getBackend() !== backend) throw new Error(`could not switch to ${backend}`);
}

const f32 = (a) => Float32Array.from(a);

export function w1(backend, n = 256) {
  use(backend);
  const a = tf.tensor(f32(uniformArray(n * n, 1)), [n, n]);
  const b = tf.tensor(f32(uniformArray(n * n, 2)), [n, n]);
  const dy = tf.tensor(f32(uniformArray(n * n, 3)), [n, n]);
  const g = tf.grads((x, w) => tf.matMul(x, w));
  return () => {
    use(backend);
    const [da, db] = g([a, b], dy);
    da.dispose();
    db.dispose();
  };
}

export function w2(backend) {
  use(backend);
  const X = tf.tensor(f32(uniformArray(64 * 784, 11, 0, 1)), [64, 784]);
  const y = tf.oneHot(tf.tensor1d(Int32Array.from(labels(64, 10, 12)), "int32"), 10);
  const W1 = tf.tensor(f32(uniformArray(784 * 256, 13, -0.05, 0.05)), [784, 256]);
  const b1 = tf.tensor(f32(uniformArray(256, 14, -0.1, 0.1)), [256]);
  const W2 = tf.tensor(f32(uniformArray(256 * 10, 15, -0.1, 0.1)), [256, 10]);
  const b2 = tf.tensor(f32(uniformArray(10, 16, -0.1, 0.1)), [10]);
  const vg = tf.valueAndGrads((w1, c1, w2, c2) => {
    const h = tf.relu(tf.add(tf.matMul(X, w1), c1));
    const z = tf.add(tf.matMul(h, w2), c2);
    return tf.losses.softmaxCrossEntropy(y, z);
  });
  return () => {
    use(backend);
    const { value, grads } = vg([W1, b1, W2, b2]);
    const loss = value.dataSync()[0];
    value.dispose();
    for (const g of grads) g.dispose();
    return { loss };
  };
}

export function w3(backend, ops = 2000) {
  use(backend);
  const x = tf.tensor1d([0.1, -0.2, 0.3, 0.4]);
  const c1 = tf.tensor1d([0.999, 1.001, 0.998, 1.002]);
  const c2 = tf.tensor1d([0.001, -0.001, 0.002, -0.002]);
  const dy = tf.tensor1d([1, 1, 1, 1]);
  const g = tf.grads((x0) => {
    let y = x0;
    for (let i = 0; i < ops; i++) {
      switch (i & 3) {
        case 0:
          y = tf.mul(y, c1);
          break;
        case 1:
          y = tf.add(y, c2);
          break;
        case 2:
          y = tf.tanh(y);
          break;
        default:
          y = tf.sub(y, c2);
          break;
      }
    }
    return y;
  });
  return () => {
    use(backend);
    const [dx] = tf.tidy(() => g([x], dy));
    dx.dispose();
  };
}
