// Memory: W2 training steps (forward, backward, SGD update) in a fresh process, sampling RSS
// after every step and the live heap after a forced GC, to report the peak RSS and whether
// anything accumulates across steps. Run with --expose-gc; prints one JSON line.
import { createRequire } from "node:module";
import { mlpParams } from "./chainlab.mjs";

const require = createRequire(import.meta.url);
const cl = require("../kernel/lib/index.js");
const steps = Number(process.argv[2] ?? 200);
const p = mlpParams();
const params = [p.W1, p.b1, p.W2, p.b2];
const opt = new cl.optim.SGD(params, { lr: 0.01 });
const rss0 = process.memoryUsage().rss;
let peak = rss0;
const heap = {};
for (let s = 1; s <= steps; s++) {
  opt.zeroGrad();
  const h = cl.relu(cl.add(cl.matmul(p.X, p.W1), p.b1));
  const L = cl.crossEntropy(cl.add(cl.matmul(h, p.W2), p.b2), p.y);
  L.backward();
  opt.step();
  const rss = process.memoryUsage().rss;
  if (rss > peak) peak = rss;
  if (s === 20 || s === Math.floor(steps / 2) || s === steps) {
    global.gc();
    heap[s] = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  }
}
const ks = Object.keys(heap).map(Number).sort((a, b) => a - b);
console.log(JSON.stringify({ steps, rssStartMB: rss0 / 2 ** 20, peakRssMB: peak / 2 ** 20, liveMB: Object.fromEntries(ks.map((k) => [k, heap[k] / 2 ** 20])), growthMB: (heap[ks[ks.length - 1]] - heap[ks[0]]) / 2 ** 20 }));
