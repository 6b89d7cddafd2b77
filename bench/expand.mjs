// Chain-rule expansion speed (issue 3 target: a 3-layer MLP, batch 32, widths 64, expanded with
// numeric instantiation in under 50 ms). Not a test. Run: npm run build --workspace kernel &&
// node bench/expand.mjs
import { createRequire } from "node:module";
import { median, fmt } from "./stats.mjs";

const require = createRequire(import.meta.url);
const cl = require("../kernel/lib/index.js");

cl.manualSeed(0);
const B = 32;
const H = 64;
const C = 10;
const X = cl.randn([B, H]).named("X");
const labels = cl.tensor(Array.from({ length: B }, (_, i) => i % C));
const W1 = cl.randn([H, H], { requiresGrad: true }).mul(0.2).detach().named("W1");
W1.requiresGrad = true;
const b1 = cl.zeros([H], { requiresGrad: true }).named("b1");
const W2 = cl.randn([H, H], { requiresGrad: true }).mul(0.2).detach().named("W2");
W2.requiresGrad = true;
const b2 = cl.zeros([H], { requiresGrad: true }).named("b2");
const W3 = cl.randn([H, C], { requiresGrad: true }).mul(0.2).detach().named("W3");
W3.requiresGrad = true;
const h1 = X.matmul(W1).add(b1).relu().named("h1");
const h2 = h1.matmul(W2).add(b2).tanh().named("h2");
const L = cl.crossEntropy(h2.matmul(W3), labels).named("L");

const cases = { W1, b1, W2, W3 };
const TARGET_MS = 50;
let worst = 0;
for (const [name, p] of Object.entries(cases)) {
  for (let k = 0; k < 3; k++) cl.expandChain(L, p); // warm-up
  const times = [];
  let payload;
  for (let k = 0; k < 15; k++) {
    const t0 = performance.now();
    payload = cl.expandChain(L, p);
    times.push(performance.now() - t0);
  }
  const med = median(times);
  worst = Math.max(worst, med);
  const steps = payload.paths.reduce((s, q) => s + q.steps.length, 0);
  const bytes = JSON.stringify(payload).length;
  console.log(
    `expandChain(L, ${name.padEnd(2)}) ${payload.paths.length} path(s), ${String(steps).padStart(2)} steps: median ${fmt(med)} ms ` +
      `(min ${fmt(Math.min(...times))}), payload ${(bytes / 1024).toFixed(0)} kB, numbers ${payload.numeric.pass ? "pass" : "FAIL"}`,
  );
}
console.log(
  `target: 3-layer MLP (batch ${B}, widths ${H}) expanded with numbers < ${TARGET_MS} ms: worst median ${fmt(worst)} ms -> ${worst < TARGET_MS ? "MET" : "NOT MET"}`,
);
