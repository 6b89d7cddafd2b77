// Prints the README's performance tables (markdown) from a results file: the latest full run in
// .bench/ by default, or the file given. Usage: node bench/table.mjs [--pt] [.bench/results-....json]
// --pt: only the PyTorch table (issue 15), from the latest non-quick run that measured it (e.g.
// `npm run bench -- --only=pt`), for when the rest of the bench did not run again.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { fmt } from "./stats.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dir = path.join(root, ".bench");
const ptOnly = process.argv.includes("--pt");
let file = process.argv.slice(2).find((a) => !a.startsWith("--"));
if (!file) {
  const full = fs
    .readdirSync(dir)
    .filter((f) => /^results-.*\.json$/.test(f))
    .sort()
    .filter((f) => {
      const r = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
      if (ptOnly) return !r.quick && r.metrics.pytorch && !r.torch?.skipped;
      return !r.quick && r.metrics.w1 && r.metrics.w2 && r.metrics.w3 && r.metrics.memory;
    });
  if (full.length === 0) throw new Error(`no ${ptOnly ? "PyTorch" : "full"} run in .bench/: run npm run bench first`);
  file = path.join(dir, full[full.length - 1]);
}
const r = JSON.parse(fs.readFileSync(file, "utf8"));
const { w1, w2, w3, w4, memory } = r.metrics;
const t = r.targets;
const met = (id) => (t[id] ? (t[id].met ? "met" : "NOT met") : "n/a");
const x = (v, d = 2) => `${v.toFixed(d)}x`;
console.log(
  `Figures of ${path.basename(file)} (${r.cpus} cores, ${r.cpu ?? "?"}, Node ${r.node}, commit \`${r.commit ?? "?"}\`):\n`,
);
if (!ptOnly) {
  console.log("| workload | chainlab (float64) | TF.js cpu | TF.js wasm | target (issue 7) | measured | |");
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
  console.log(
    `| W1 matmul 256x256, forward + backward (both inputs) | ${fmt(w1.chainlab)} ms (${w1.chainlabGflops.toFixed(1)} GFLOP/s) | ${fmt(w1["tf-cpu"])} ms | ${fmt(w1["tf-wasm"])} ms | throughput >= 1.5x TF.js wasm | ${x(t["W1-wasm"].value)} | ${met("W1-wasm")} |`,
  );
  if (t["W1-numpy"])
    console.log(
      `| W1 against NumPy float64, one thread (CPU time ${fmt(w1.chainlabCpu)} vs ${fmt(w1.numpyCpu)} ms) | | | | throughput >= 1/10 of NumPy | ${t["W1-numpy"].value.toFixed(2)} | ${met("W1-numpy")} |`,
    );
  console.log(
    `| W2 MLP 784-256-10, batch 64, ReLU, softmax CE, forward + backward | ${fmt(w2.chainlab)} ms | ${fmt(w2["tf-cpu"])} ms | ${fmt(w2["tf-wasm"])} ms | time <= 0.8x TF.js wasm | ${x(t["W2-wasm"].value)} | ${met("W2-wasm")} |`,
  );
  const pct = (v) => `${v >= 0 ? "+" : ""}${(100 * v).toFixed(1)}%`;
  console.log(
    `| graph cost: W2 with the graph vs the same step without | ${pct(t["graph-cost"].value)} | | | <= 10% | ${pct(t["graph-cost"].value)} | ${met("graph-cost")} |`,
  );
  console.log(
    `| W3 2,000 chained elementwise ops on [4], forward + backward | ${w3.perOpUs.chainlab.toFixed(2)} µs/op | ${w3.perOpUs["tf-cpu"].toFixed(1)} µs/op | ${w3.perOpUs["tf-wasm"].toFixed(1)} µs/op | per-op overhead <= 0.2x TF.js cpu | ${x(t["W3-cpu"].value, 3)} | ${met("W3-cpu")} |`,
  );
  if (w4)
    console.log(
      `| W4 \`expandChain\`, 3-layer MLP (batch 32, widths 64), with numbers | ${fmt(w4.chainlab)} ms | | | < 50 ms (issue 3) | ${fmt(w4.chainlab)} ms | ${met("W4")} |`,
    );
  console.log(
    `| memory: W2 training, ${memory.steps} steps | peak RSS ${memory.peakRssMB.toFixed(0)} MB | | | no growth across steps | live ${Object.values(memory.liveMB)[0].toFixed(1)} -> ${Object.values(memory.liveMB).at(-1).toFixed(1)} MB | ${met("memory")} |`,
  );
}

// ---- issue 15: against PyTorch (CPU, one thread each; CPU-time medians, interleaved) ----
const P = r.metrics.pytorch;
if (P && !r.torch?.skipped) {
  const ms = (v) => (v == null ? "" : `${fmt(v)} ms`);
  const rx = (v) => (v == null ? "" : `${v.toFixed(2)}x`);
  const gf = (g, k) => (g.gflopsCpu?.[k] ? ` (${g.gflopsCpu[k].toFixed(1)} GFLOP/s)` : "");
  console.log(
    `\nAgainst PyTorch ${r.torch?.version ?? ""} on the CPU, one thread each (matmul kernel: ${r.wasmKernel ?? "?"}); CPU-time medians of interleaved runs, ratio = time chainlab / time PyTorch:\n`,
  );
  console.log(
    "| workload | chainlab float64 | PyTorch float64 | ratio | chainlab float32 | PyTorch float32 | ratio | float32 speed-up | targets (issue 15) |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  const tgt = (...ids) =>
    ids
      .filter((id) => t[id])
      .map((id) => `${t[id].text}: ${met(id)}`)
      .join("; ");
  const rows = [
    ["mlp", "MLP 784-256-10, batch 64: forward, backward, SGD step", ["P-mlp64", "P-mlp32", "P-mlp-f32"]],
    ["mm64", "matmul 64x64 forward + backward", []],
    ["mm256", "matmul 256x256 forward + backward (W1)", ["P-mm256", "P-mm256-f32"]],
    ["mm512", "matmul 512x512 forward + backward", ["P-mm512"]],
    ["mm1024", "matmul 1024x1024 forward + backward", ["P-mm1024"]],
    ["tanh1e6", "`tanh(x*y).sum()` forward + backward, 1e6 elements", ["P-tanh1e6"]],
    ["tanh1e7", "`tanh(x*y).sum()` forward + backward, 1e7 elements", []],
  ];
  for (const [id, label, ids] of rows) {
    const g = P[id];
    if (!g) continue;
    const c = g.cpu;
    console.log(
      `| ${label} | ${ms(c["cl-64"])}${gf(g, "cl-64")} | ${ms(c["pt-64"])}${gf(g, "pt-64")} | ${rx(g.vsTorch64)} | ${ms(c["cl-32"])}${gf(g, "cl-32")} | ${ms(c["pt-32"])}${gf(g, "pt-32")} | ${rx(g.vsTorch32)} | ${rx(g.f32Speedup)} | ${tgt(...ids)} |`,
    );
  }
  if (P.chain) {
    const us = (v) => `${((v * 1000) / 2000).toFixed(2)} µs/op`;
    console.log(
      `| per-op overhead: 2,000 ops on [4], forward + backward (W3) | ${us(P.chain.cpu["cl-64"])} | ${us(P.chain.cpu["pt-64"])} | ${rx(P.chain.vsTorch64)} | | | | | ${tgt("P-perop")} |`,
    );
  }
  if (P.threads) {
    const th = P.threads;
    console.log(
      `| matmul 1024 forward + backward on ${th.threads} threads vs 1 (wall clock) | 1: ${ms(th.wall["cl-1"])}, ${th.threads}: ${ms(th.wall[`cl-${th.threads}`])} | | ${rx(th.speedup)} speed-up | | | | | ${tgt("P-threads")} |`,
    );
  }
}
