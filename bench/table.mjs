// Prints the README's performance table (markdown) from a results file: the latest full run in
// .bench/ by default, or the file given. Usage: node bench/table.mjs [.bench/results-....json]
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { fmt } from "./stats.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dir = path.join(root, ".bench");
let file = process.argv[2];
if (!file) {
  const full = fs
    .readdirSync(dir)
    .filter((f) => /^results-.*\.json$/.test(f))
    .sort()
    .filter((f) => {
      const r = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
      return !r.quick && r.metrics.w1 && r.metrics.w2 && r.metrics.w3 && r.metrics.memory;
    });
  if (full.length === 0) throw new Error("no full run in .bench/: run npm run bench first");
  file = path.join(dir, full[full.length - 1]);
}
const r = JSON.parse(fs.readFileSync(file, "utf8"));
const { w1, w2, w3, w4, memory } = r.metrics;
const t = r.targets;
const met = (id) => (t[id] ? (t[id].met ? "met" : "NOT met") : "n/a");
const x = (v, d = 2) => `${v.toFixed(d)}x`;
console.log(`Figures of ${path.basename(file)} (${r.cpus} cores, ${r.cpu ?? "?"}, Node ${r.node}, commit \`${r.commit ?? "?"}\`):\n`);
console.log("| workload | chainlab (float64) | TF.js cpu | TF.js wasm | target (issue 7) | measured | |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
console.log(`| W1 matmul 256x256, forward + backward (both inputs) | ${fmt(w1.chainlab)} ms (${w1.chainlabGflops.toFixed(1)} GFLOP/s) | ${fmt(w1["tf-cpu"])} ms | ${fmt(w1["tf-wasm"])} ms | throughput >= 1.5x TF.js wasm | ${x(t["W1-wasm"].value)} | ${met("W1-wasm")} |`);
if (t["W1-numpy"]) console.log(`| W1 against NumPy float64, one thread (CPU time ${fmt(w1.chainlabCpu)} vs ${fmt(w1.numpyCpu)} ms) | | | | throughput >= 1/10 of NumPy | ${t["W1-numpy"].value.toFixed(2)} | ${met("W1-numpy")} |`);
console.log(`| W2 MLP 784-256-10, batch 64, ReLU, softmax CE, forward + backward | ${fmt(w2.chainlab)} ms | ${fmt(w2["tf-cpu"])} ms | ${fmt(w2["tf-wasm"])} ms | time <= 0.8x TF.js wasm | ${x(t["W2-wasm"].value)} | ${met("W2-wasm")} |`);
console.log(`| graph cost: W2 with the graph vs the same step without | +${(100 * t["graph-cost"].value).toFixed(1)}% | | | <= 10% | +${(100 * t["graph-cost"].value).toFixed(1)}% | ${met("graph-cost")} |`);
console.log(`| W3 2,000 chained elementwise ops on [4], forward + backward | ${w3.perOpUs.chainlab.toFixed(2)} µs/op | ${w3.perOpUs["tf-cpu"].toFixed(1)} µs/op | ${w3.perOpUs["tf-wasm"].toFixed(1)} µs/op | per-op overhead <= 0.2x TF.js cpu | ${x(t["W3-cpu"].value, 3)} | ${met("W3-cpu")} |`);
if (w4) console.log(`| W4 \`expandChain\`, 3-layer MLP (batch 32, widths 64), with numbers | ${fmt(w4.chainlab)} ms | | | < 50 ms (issue 3) | ${fmt(w4.chainlab)} ms | ${met("W4")} |`);
console.log(`| memory: W2 training, ${memory.steps} steps | peak RSS ${memory.peakRssMB.toFixed(0)} MB | | | no growth across steps | live ${Object.values(memory.liveMB)[0].toFixed(1)} -> ${Object.values(memory.liveMB).at(-1).toFixed(1)} MB | ${met("memory")} |`);
