// Conv workload (issue 13): conv2d forward + backward (dX and dW) for a batch of 32 RGB 32x32
// images and 16 filters 3x3 (stride 1, padding 1), chainlab vs TF.js (cpu and wasm, one
// thread; wasm's filter gradient by its 3-D kernel, see tfConvWasmFull). Reports GFLOP/s counting the three convolutions (forward, input and weight
// gradients) at 2 N O C kh kw Ho Wo flops each. Results are checked against each other first.
import { uniformArray } from "./data.mjs";

const N = 32,
  C = 3,
  H = 32,
  W = 32,
  O = 16,
  K = 3;
/** Flops of one convolution; forward + backward is three of them (forward, dX, dW). */
export const ONE_CONV_FLOPS = 2 * N * O * C * K * K * H * W;
export const CONV_FLOPS = 3 * ONE_CONV_FLOPS;
export const CONV_LABEL = `conv2d [${N},${C},${H},${W}] * [${O},${C},${K},${K}] pad 1, forward + backward (dX, dW)`;

export function chainlabConv(cl, withWeightGrad = true) {
  const x = new cl.Tensor(Float64Array.from(uniformArray(N * C * H * W, 31)), [N, C, H, W], { requiresGrad: true });
  const w = new cl.Tensor(Float64Array.from(uniformArray(O * C * K * K, 32, -0.3, 0.3)), [O, C, K, K], {
    requiresGrad: withWeightGrad,
  });
  const dy = new cl.Tensor(Float64Array.from(uniformArray(N * O * H * W, 33)), [N, O, H, W]);
  return () => {
    x.zeroGrad();
    if (withWeightGrad) w.zeroGrad();
    cl.conv2d(x, w, null, { padding: 1 }).backward(dy);
    return withWeightGrad ? [x.grad.data, w.grad.data] : [x.grad.data];
  };
}

/**
 * TF.js is NHWC with filters [kh, kw, in, out]: the same numbers, transposed. Its wasm backend
 * has no Conv2DBackpropFilter kernel (tfjs 4.x), so `withWeightGrad: false` times forward + dX
 * only, and chainlabConv(cl, false) does the same for that comparison.
 */
export function tfConv(T, backend, withWeightGrad = true) {
  const tf = T.tf;
  T.use(backend);
  const nchw = tf.tensor(Float32Array.from(uniformArray(N * C * H * W, 31)), [N, C, H, W]);
  const x = tf.transpose(nchw, [0, 2, 3, 1]);
  const w = tf.transpose(
    tf.tensor(Float32Array.from(uniformArray(O * C * K * K, 32, -0.3, 0.3)), [O, C, K, K]),
    [2, 3, 1, 0],
  );
  const dy = tf.transpose(tf.tensor(Float32Array.from(uniformArray(N * O * H * W, 33)), [N, O, H, W]), [0, 2, 3, 1]);
  const g = withWeightGrad ? tf.grads((a, b) => tf.conv2d(a, b, 1, "same")) : null;
  const gx = tf.grad((a) => tf.conv2d(a, w, 1, "same"));
  return () => {
    T.use(backend);
    if (!g) {
      const dx = gx(x, dy);
      const out = [tf.transpose(dx, [0, 3, 1, 2]).dataSync()];
      dx.dispose();
      return out;
    }
    const [dx, dw] = g([x, w], dy);
    const out = [tf.transpose(dx, [0, 3, 1, 2]).dataSync(), tf.transpose(dw, [3, 2, 0, 1]).dataSync()];
    dx.dispose();
    dw.dispose();
    return out;
  };
}

/**
 * TF.js wasm's full forward + backward, as well as that backend can do it: its Conv2D kernel
 * (forward), its Conv2DBackpropInput kernel (dX) and, because it has no Conv2DBackpropFilter,
 * its Conv3DBackpropFilterV2 kernel on the same data with a depth axis of 1 (dW). Every step
 * runs in wasm; nothing falls back to the cpu backend. The forward output is read back like
 * the gradients, so no work can be skipped.
 */
export function tfConvWasmFull(T) {
  const tf = T.tf;
  T.use("wasm");
  const x = tf.transpose(tf.tensor(Float32Array.from(uniformArray(N * C * H * W, 31)), [N, C, H, W]), [0, 2, 3, 1]);
  const w = tf.transpose(
    tf.tensor(Float32Array.from(uniformArray(O * C * K * K, 32, -0.3, 0.3)), [O, C, K, K]),
    [2, 3, 1, 0],
  );
  const dy = tf.transpose(tf.tensor(Float32Array.from(uniformArray(N * O * H * W, 33)), [N, O, H, W]), [0, 2, 3, 1]);
  const x5 = tf.reshape(x, [N, 1, H, W, C]);
  const dy5 = tf.reshape(dy, [N, 1, H, W, O]);
  const engine = tf.engine();
  return () => {
    T.use("wasm");
    const y = tf.conv2d(x, w, 1, "same");
    const dx = tf.conv2dTranspose(dy, w, [N, H, W, C], 1, "same");
    const dw5 = engine.runKernel(
      "Conv3DBackpropFilterV2",
      { x: x5, dy: dy5 },
      { strides: [1, 1, 1], pad: "same", filterShape: [1, K, K, C, O] },
    );
    y.dataSync();
    const out = [
      tf.transpose(dx, [0, 3, 1, 2]).dataSync(),
      tf.transpose(tf.reshape(dw5, [K, K, C, O]), [3, 2, 0, 1]).dataSync(),
    ];
    for (const t of [y, dx, dw5]) t.dispose();
    return out;
  };
}

/** Largest relative difference between chainlab's and TF.js's gradients (float32 on their side). */
export function convAgreement(a, b) {
  let worst = 0;
  for (let k = 0; k < a.length; k++) {
    let scale = 0;
    for (const v of a[k]) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < a[k].length; i++) worst = Math.max(worst, Math.abs(a[k][i] - b[k][i]) / scale);
  }
  return worst;
}
