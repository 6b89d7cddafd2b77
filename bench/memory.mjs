// Memory: W2 training steps (forward, backward, SGD update) in a fresh process. Reports the
// peak RSS (sampled after every step) and the live memory (JS heap + ArrayBuffers, after a
// full GC) at several steps, to show that nothing accumulates across steps. Run with
// --expose-gc; prints one JSON line.
import { createRequire } from "node:module";
import { mlpParams } from "./chainlab.mjs";

const require = createRequire(import.meta.url);
const cl = require("../kernel/lib/index.js");
const steps = Number(process.argv[2] ?? 200);
const p = mlpParams();
const params = [p.W1, p.b1, p.W2, p.b2];
const opt = new cl.optim.SGD(params, { lr: 0.01 });
const tick = () => new Promise((r) => setImmediate(r));

// Freed ArrayBuffers are released after a GC's sweep, so collect, yield, collect again.
async function live() {
  global.gc();
  await tick();
  global.gc();
  const m = process.memoryUsage();
  return (m.heapUsed + m.arrayBuffers) / 2 ** 20;
}

const rss0 = process.memoryUsage().rss;
let peak = rss0;
const liveMB = {};
const marks = new Set([
  Math.min(20, steps),
  Math.floor(steps / 4),
  Math.floor(steps / 2),
  Math.floor((3 * steps) / 4),
  steps,
]);
for (let s = 1; s <= steps; s++) {
  opt.zeroGrad();
  const h = cl.relu(cl.add(cl.matmul(p.X, p.W1), p.b1));
  const L = cl.crossEntropy(cl.add(cl.matmul(h, p.W2), p.b2), p.y);
  L.backward();
  opt.step();
  const rss = process.memoryUsage().rss;
  if (rss > peak) peak = rss;
  if (marks.has(s)) liveMB[s] = await live();
}
const ks = Object.keys(liveMB)
  .map(Number)
  .sort((a, b) => a - b);
console.log(
  JSON.stringify({
    steps,
    rssStartMB: rss0 / 2 ** 20,
    peakRssMB: peak / 2 ** 20,
    liveMB,
    growthMB: liveMB[ks[ks.length - 1]] - liveMB[ks[0]],
  }),
);
