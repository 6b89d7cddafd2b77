/**
 * bench/: `npm run bench` (scripts/bench.sh builds, then runs this file): chainlab side by side
 * with TensorFlow.js (cpu and wasm backends, one thread) and NumPy, plus memory and graph cost.
 * Nothing here is imported by the library or the tests, and nothing asserts on time.
 *
 * This file runs every workload interleaved, prints medians and the ratios against the issue-7
 * targets, writes .bench/results-<time>.json and prints the change against the previous file.
 */
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { interleave, interleaveAll, pairedRatio, median, fmt } from "./stats.mjs";
import * as C from "./chainlab.mjs";
import * as T from "./tfjs.mjs";
import { w4 } from "./w4.mjs";
import { startTorch } from "./pytorch.mjs";
import {
  chainlabConv,
  tfConv,
  tfConvWasmFull,
  convAgreement,
  CONV_FLOPS,
  ONE_CONV_FLOPS,
  CONV_LABEL,
} from "./conv.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = (args.find((a) => a.startsWith("--only=")) ?? "").slice(7).split(",").filter(Boolean);
const want = (w) => only.length === 0 || only.includes(w);
// --pt=mlp,matmul,tanh,chain,threads: a subset of the PyTorch section's groups (default all).
const ptOnly = (args.find((a) => a.startsWith("--pt=")) ?? "").slice(5).split(",").filter(Boolean);
const wantPt = (g) => ptOnly.length === 0 || ptOnly.includes(g);
const R = (rounds, reps) =>
  quick ? { rounds: Math.max(2, Math.ceil(rounds / 3)), reps, warm: 2 } : { rounds, reps, warm: 3 };

let commit = null;
try {
  commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  }).trim();
} catch {
  /* not a git checkout */
}
const results = {
  date: new Date().toISOString(),
  commit,
  node: process.version,
  cpus: os.cpus().length,
  cpu: os.cpus()[0]?.model,
  metrics: {},
  targets: {},
};
const M = results.metrics;
const lines = [];
const say = (s = "") => {
  console.log(s);
  lines.push(s);
};
function row(label, samples) {
  const med = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  say(
    `${label.padEnd(28)} ${Object.entries(med)
      .map(([k, v]) => `${k} ${fmt(v)} ms`)
      .join("   ")}`,
  );
  return med;
}
/** Time ratios chainlab / TF.js (below 1: chainlab is faster). */
function ratios(m) {
  say(
    `${"time chainlab / TF.js".padEnd(28)} cpu ${(m.chainlab / m["tf-cpu"]).toFixed(3)}   wasm ${(m.chainlab / m["tf-wasm"]).toFixed(3)}`,
  );
}
function target(id, text, value, ok, shown) {
  results.targets[id] = { text, value, met: ok };
  say(`  target ${id}: ${text}: ${shown} -> ${ok ? "MET" : "NOT MET"}`);
}

// Which matmul kernel this Node runs: relaxed SIMD (fused multiply-add) needs
// --experimental-wasm-relaxed-simd on Node 20 (scripts/bench.sh passes it when accepted).
const { wasmGemm } = createRequire(import.meta.url)("../kernel/lib/tensor/kernels/wasmGemm.js");
results.wasmKernel = wasmGemm()?.kind ?? "none (plain JS)";
const tfInfo = await T.initTf();
results.tfjs = tfInfo;
say(
  `chainlab bench  node ${process.version}  ${os.cpus().length} cpus  matmul kernel ${results.wasmKernel}  tfjs-core ${tfInfo.version}  (wasm threads ${tfInfo.wasmThreads}, simd ${tfInfo.wasmSimd})${quick ? "  [quick]" : ""}`,
);

// ---- NumPy (separate process, one BLAS thread), run right before and right after W1 ----
let numpyMs = null;
let numpyCpuMs = null;
const numpySamples = [];
const numpyCpu = [];
const py = process.env.CHAINLAB_BENCH_PYTHON;
function runNumpy() {
  if (!want("w1") || !py) return;
  try {
    const env = { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };
    const out = JSON.parse(
      execFileSync(py, [path.join(here, "numpy_matmul.py"), quick ? "80" : "200"], { env, encoding: "utf8" }),
    );
    numpySamples.push(...out.samples);
    numpyCpu.push(...out.cpu);
    numpyMs = median(numpySamples);
    numpyCpuMs = median(numpyCpu);
    results.numpy = out.numpy;
  } catch (e) {
    say(`NumPy: not run (${String(e.message).split("\n")[0]})`);
  }
}
if (want("w1") && !py) say("NumPy: python3 with numpy not found; W1 NumPy target not measured");

// ---- W1 ----
if (want("w1")) {
  say("\nW1 matmul 256x256 forward + backward (dA and dB), 3 x 2n^3 flop");
  runNumpy();
  const cpu = {};
  const s = interleave(
    { chainlab: C.w1(), "tf-cpu": T.w1("cpu"), "tf-wasm": T.w1("wasm") },
    { ...R(9, 3), cpuOut: cpu },
  );
  runNumpy();
  const clCpu = median(cpu.chainlab);
  const m = row("time (median)", s);
  ratios(m);
  const gf = (ms) => (6 * 256 ** 3) / ms / 1e6;
  say(
    `${"GFLOP/s".padEnd(28)} chainlab ${gf(m.chainlab).toFixed(2)}   tf-cpu ${gf(m["tf-cpu"]).toFixed(2)}   tf-wasm ${gf(m["tf-wasm"]).toFixed(2)}${numpyMs ? `   numpy ${gf(numpyMs).toFixed(1)} (${fmt(numpyMs)} ms)` : ""}`,
  );
  M.w1 = { ...m, numpy: numpyMs, chainlabCpu: clCpu, numpyCpu: numpyCpuMs, chainlabGflops: gf(m.chainlab) };
  const r = m["tf-wasm"] / m.chainlab;
  target("W1-wasm", "throughput chainlab / TF.js wasm >= 1.5", r, r >= 1.5, `${r.toFixed(2)}x`);
  if (numpyMs) {
    // NumPy runs in its own process at other moments than W1, so this ratio uses CPU time on
    // both sides: time spent descheduled by other load on a shared machine is left out.
    say(`${"CPU time (median)".padEnd(28)} chainlab ${fmt(clCpu)} ms   numpy ${fmt(numpyCpuMs)} ms`);
    const rn = numpyCpuMs / clCpu;
    target("W1-numpy", "throughput chainlab / NumPy >= 0.1 (CPU time)", rn, rn >= 0.1, `${rn.toFixed(3)}`);
  }
}

// ---- W2 ----
if (want("w2")) {
  say("\nW2 MLP 784-256-10, batch 64, ReLU, softmax cross-entropy, forward + backward");
  const p = C.mlpParams();
  const fc = C.w2(p),
    fm = C.w2Manual(p),
    fw = T.w2("wasm"),
    fcpu = T.w2("cpu");
  checkW2(fc(), fm(), fw(), fcpu());
  const s = interleave({ chainlab: fc, "tf-cpu": fcpu, "tf-wasm": fw }, R(9, 3));
  const m = row("time (median)", s);
  ratios(m);
  const r = m.chainlab / m["tf-wasm"];
  target("W2-wasm", "time chainlab / TF.js wasm <= 0.8", r, r <= 0.8, `${r.toFixed(2)}x`);
  // The price of the graph: the same step with the graph (recording, trace, generic rules,
  // sumTo, accumulation) and without (noGrad forward, hand-derived backward, same kernels).
  // Two chainlab variants a few percent apart: the median ratio over adjacent pairs, CPU time.
  const g = pairedRatio(fc, fm, { pairs: quick ? 30 : 80 });
  say(
    `${"graph cost (CPU, paired)".padEnd(28)} recorded ${fmt(g.a)} ms   no-graph ${fmt(g.b)} ms   median pair ratio ${g.ratio.toFixed(3)}`,
  );
  M.w2 = { ...m, recordedCpu: g.a, noGraphCpu: g.b, pairRatio: g.ratio };
  const over = g.ratio - 1;
  target(
    "graph-cost",
    "recorded graph + generic backward over the hand-derived no-graph step <= 10%",
    over,
    over <= 0.1,
    `${(100 * over).toFixed(1)}%`,
  );
}

// ---- conv (issue 13) ----
if (want("conv")) {
  say(`\nCONV ${CONV_LABEL}`);
  const gf = (m, flops) =>
    Object.entries(m)
      .map(([k, v]) => `${k} ${(flops / v / 1e6).toFixed(2)}`)
      .join("   ");
  const fc = chainlabConv(C.cl),
    fcpu = tfConv(T, "cpu");
  // TF.js cpu takes tens of seconds per step here: timed once (its first call), not interleaved.
  const t0 = performance.now();
  const cpuOut = fcpu();
  const cpuMs = performance.now() - t0;
  const diff = convAgreement(fc(), cpuOut);
  say(
    `${"agreement with TF.js cpu".padEnd(28)} max relative difference ${diff.toExponential(2)} (TF.js computes in float32)`,
  );
  if (!(diff < 1e-4)) throw new Error(`conv: chainlab and TF.js disagree (${diff})`);
  const s = interleave({ chainlab: fc }, R(5, 2));
  const m = { ...row("fwd + dX + dW (median)", s), "tf-cpu": cpuMs };
  say(`${"TF.js cpu (one call)".padEnd(28)} ${fmt(cpuMs)} ms`);
  say(`${"time chainlab / TF.js cpu".padEnd(28)} ${(m.chainlab / m["tf-cpu"]).toFixed(3)}`);
  say(`${"GFLOP/s".padEnd(28)} ${gf(m, CONV_FLOPS)}`);
  // The full step against TF.js wasm: its 2-D kernels for forward and dX, its 3-D filter-gradient
  // kernel (depth 1) for dW, since wasm has no 2-D one (see tfConvWasmFull).
  const fwFull = tfConvWasmFull(T);
  const diffFull = convAgreement(fc(), fwFull());
  say(
    `${"agreement with TF.js wasm".padEnd(28)} max relative difference ${diffFull.toExponential(2)} (dX and dW; forward read back too)`,
  );
  if (!(diffFull < 1e-4)) throw new Error(`conv: chainlab and TF.js wasm disagree (${diffFull})`);
  const sFull = interleave({ chainlab: fc, "tf-wasm": fwFull }, R(5, 2));
  const mFull = row("fwd + dX + dW (median)", sFull);
  say(`${"time chainlab / TF.js wasm".padEnd(28)} ${(mFull.chainlab / mFull["tf-wasm"]).toFixed(3)}`);
  say(
    `${"GFLOP/s".padEnd(28)} ${gf(mFull, CONV_FLOPS)}   (TF.js wasm: Conv2D + Conv2DBackpropInput + Conv3DBackpropFilterV2 at depth 1)`,
  );
  // Forward + dX alone: the part where TF.js wasm uses only its 2-D kernels.
  const fc2 = chainlabConv(C.cl, false),
    fw = tfConv(T, "wasm", false);
  const diff2 = convAgreement(fc2(), fw());
  if (!(diff2 < 1e-4)) throw new Error(`conv: chainlab and TF.js wasm disagree (${diff2})`);
  const s2 = interleave({ chainlab: fc2, "tf-wasm": fw }, R(5, 2));
  const m2 = row("fwd + dX (median)", s2);
  say(`${"GFLOP/s".padEnd(28)} ${gf(m2, 2 * ONE_CONV_FLOPS)}`);
  say(
    `${"load".padEnd(28)} ${os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(" ")} (1, 5, 15 min)`,
  );
  M.conv = { full: m, wasmFull: mFull, inputGradOnly: m2, load: os.loadavg() };
  const rFull = mFull.chainlab / mFull["tf-wasm"];
  target(
    "conv-wasm",
    "conv2d forward + backward (dX, dW) time chainlab / TF.js wasm < 1",
    rFull,
    rFull < 1,
    `${rFull.toFixed(2)}x`,
  );
  const r = m2.chainlab / m2["tf-wasm"];
  target(
    "conv-wasm-fwd-dx",
    "conv2d forward + input gradient time chainlab / TF.js wasm < 1",
    r,
    r < 1,
    `${r.toFixed(2)}x`,
  );
}

// ---- W3 ----
if (want("w3")) {
  say("\nW3 2000 chained elementwise ops on [4] (mul, add, tanh, sub), forward + backward");
  // sampleMs: chainlab (~2 ms a call) takes tens of calls per round, TF.js (~300 ms) two.
  const cpu = {};
  const s = interleave(
    { chainlab: C.w3(), "tf-cpu": T.w3("cpu"), "tf-wasm": T.w3("wasm") },
    { ...R(7, 2), sampleMs: 100, cpuOut: cpu },
  );
  const m = row("time (median)", s);
  row("CPU time (median)", cpu);
  ratios(m);
  const us = Object.fromEntries(Object.entries(m).map(([k, v]) => [k, (v * 1000) / 2000]));
  say(
    `${"per op (fwd+bwd)".padEnd(28)} ${Object.entries(us)
      .map(([k, v]) => `${k} ${v.toFixed(2)} µs`)
      .join("   ")}`,
  );
  M.w3 = { ...m, perOpUs: us };
  const r = us.chainlab / us["tf-cpu"];
  target("W3-cpu", "per-op overhead chainlab / TF.js cpu <= 0.2", r, r <= 0.2, `${r.toFixed(3)}x`);
}

// ---- W4 ----
if (want("w4")) {
  say("\nW4 expandChain on a 3-layer MLP (batch 32, widths 64), numeric instantiation");
  const f = w4(C.cl);
  if (!f) say("W4: expandChain not available");
  else {
    const s = interleave({ chainlab: f }, R(7, 3));
    M.w4 = row("time (median)", s);
    target(
      "W4",
      "expandChain with numbers under 50 ms (issue 3)",
      M.w4.chainlab,
      M.w4.chainlab < 50,
      `${fmt(M.w4.chainlab)} ms`,
    );
  }
}

// ---- issue 15: against PyTorch (CPU, eager, one thread), float64 and float32 ----
// Each group interleaves chainlab's rounds with PyTorch's (a long-lived Python process), so
// both sides see the same load; ratios are of wall-clock medians in one run.
if (want("pt")) {
  say(
    "\nIssue 15: chainlab vs PyTorch CPU (one thread each), interleaved; CPU-time medians; ratio = time chainlab / time PyTorch",
  );
  const torch =
    process.env.CHAINLAB_BENCH_NO_TORCH === "1"
      ? { skipped: "CHAINLAB_BENCH_NO_TORCH=1" }
      : await startTorch(process.env.CHAINLAB_BENCH_TORCH_PYTHON);
  if (torch.skipped) say(`PyTorch: not measured: ${torch.skipped}`);
  else say(`PyTorch ${torch.version}`);
  results.torch = torch.skipped ? { skipped: torch.skipped } : { version: torch.version };
  const P = (M.pytorch = {});
  const rounds = quick ? 3 : 5;
  /** One group: chainlab f64/f32 and PyTorch f64/f32 of the same workload. */
  async function group(id, label, make, torchReq, { flops = 0, dtypes = ["float64", "float32"], perOps = 0 } = {}) {
    const local = {},
      remote = {};
    for (const dt of dtypes) local[`cl-${dt.slice(5)}`] = make(dt);
    if (!torch.skipped)
      for (const dt of dtypes)
        remote[`pt-${dt.slice(5)}`] = (reps, warm) => torch.run({ ...torchReq, dtype: dt, reps, warm });
    const s = await interleaveAll(local, remote, { rounds, sampleMs: quick ? 60 : 120 });
    const m = Object.fromEntries(Object.entries(s.wall).map(([k, v]) => [k, median(v)]));
    const c = Object.fromEntries(Object.entries(s.cpu).map(([k, v]) => [k, median(v)]));
    // Medians in CPU time per call (see below), GFLOP/s from them.
    const cols = Object.entries(c).map(
      ([k, v]) =>
        `${k} ${perOps ? `${((v * 1000) / perOps).toFixed(2)} µs/op` : `${fmt(v)} ms`}${flops ? ` (${(flops / v / 1e6).toFixed(1)} GFLOP/s)` : ""}`,
    );
    say(`${label.padEnd(34)} ${cols.join("   ")}`);
    // Ratios in CPU time (each process's own): on a shared machine with load far above its core
    // count, wall time mostly measures the queue; the wall-clock ratios are printed beside them.
    const r = {},
      rw = {};
    for (const dt of dtypes) {
      const k = dt.slice(5);
      if (c[`pt-${k}`]) r[`vsTorch${k}`] = c[`cl-${k}`] / c[`pt-${k}`];
      if (m[`pt-${k}`]) rw[`vsTorch${k}`] = m[`cl-${k}`] / m[`pt-${k}`];
    }
    if (c["cl-32"] && c["cl-64"]) r.f32Speedup = c["cl-64"] / c["cl-32"];
    if (m["cl-32"] && m["cl-64"]) rw.f32Speedup = m["cl-64"] / m["cl-32"];
    const show = (o) =>
      Object.entries(o)
        .map(([k, v]) => `${k} ${v.toFixed(2)}x`)
        .join("   ");
    say(`${"  CPU-time ratios".padEnd(34)} ${show(r)}   (wall: ${show(rw)})`);
    const gf = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, flops / v / 1e6]));
    P[id] = { wall: m, cpu: c, ...r, wallRatios: rw, ...(flops ? { gflops: gf(m), gflopsCpu: gf(c) } : {}) };
    return P[id];
  }
  try {
    if (wantPt("mlp")) await mlpGroup();
    if (wantPt("matmul")) await matmulGroups();
    if (wantPt("tanh")) await tanhGroups();
    if (wantPt("chain")) await chainGroup();
    if (wantPt("threads")) await threadsGroup();
  } finally {
    if (!torch.skipped) torch.close();
  }
  async function mlpGroup() {
    const mlp = await group("mlp", "MLP 784-256-10 step (fwd,bwd,SGD)", C.mlpStep, { w: "mlp" });
    if (mlp.vsTorch64)
      target(
        "P-mlp64",
        "MLP training step <= 1.5x PyTorch float64",
        mlp.vsTorch64,
        mlp.vsTorch64 <= 1.5,
        `${mlp.vsTorch64.toFixed(2)}x`,
      );
    if (mlp.vsTorch32)
      target(
        "P-mlp32",
        "MLP training step in float32 <= 2x PyTorch float32",
        mlp.vsTorch32,
        mlp.vsTorch32 <= 2,
        `${mlp.vsTorch32.toFixed(2)}x`,
      );
    target(
      "P-mlp-f32",
      "MLP (W2) in float32 >= 1.7x faster than in float64",
      mlp.f32Speedup,
      mlp.f32Speedup >= 1.7,
      `${mlp.f32Speedup.toFixed(2)}x`,
    );
  }
  async function matmulGroups() {
    for (const n of quick ? [64, 256, 1024] : [64, 256, 512, 1024]) {
      const g = await group(
        `mm${n}`,
        `matmul ${n}x${n} fwd+bwd`,
        (dt) => C.matmulStep(n, dt),
        { w: "matmul", n },
        { flops: 6 * n ** 3 },
      );
      if (n >= 256 && g.vsTorch64) {
        const thr = 1 / g.vsTorch64;
        target(
          `P-mm${n}`,
          `matmul ${n} fwd+bwd throughput >= 0.55x PyTorch float64`,
          thr,
          thr >= 0.55,
          `${thr.toFixed(2)}x`,
        );
      }
      if (n === 256)
        target(
          "P-mm256-f32",
          "matmul 256 (W1) in float32 >= 1.7x faster than in float64",
          g.f32Speedup,
          g.f32Speedup >= 1.7,
          `${g.f32Speedup.toFixed(2)}x`,
        );
    }
  }
  async function tanhGroups() {
    for (const n of [1e6, 1e7]) {
      const g = await group(
        `tanh${n === 1e6 ? "1e6" : "1e7"}`,
        `tanh(x*y).sum() fwd+bwd n=${n.toExponential(0)}`,
        (dt) => C.tanhStep(n, dt),
        { w: "tanh", n },
      );
      if (n === 1e6 && g.vsTorch64)
        target(
          "P-tanh1e6",
          "elementwise + reduction fwd+bwd on 1e6 <= 2x PyTorch float64",
          g.vsTorch64,
          g.vsTorch64 <= 2,
          `${g.vsTorch64.toFixed(2)}x`,
        );
    }
  }
  async function chainGroup() {
    const ch = await group(
      "chain",
      "2,000 ops on [4] fwd+bwd (W3)",
      (dt) => C.w3(2000, dt),
      { w: "chain", n: 2000 },
      { dtypes: ["float64"], perOps: 2000 },
    );
    if (ch.vsTorch64)
      target(
        "P-perop",
        "per-op overhead <= 0.25x PyTorch eager",
        ch.vsTorch64,
        ch.vsTorch64 <= 0.25,
        `${ch.vsTorch64.toFixed(2)}x`,
      );
  }
  async function threadsGroup() {
    if (typeof C.cl.setNumThreads === "function") {
      // Big products on every core: the same 1024 product with 1 thread and with all of them.
      const all = os.cpus().length;
      // Wall-clock time here (CPU time adds up over threads); idle workers stay started between.
      const mk = (k) => {
        const f = C.matmulStep(1024);
        return () => {
          C.cl.setNumThreads(k);
          f();
          C.cl.setNumThreads(1);
        };
      };
      const s = await interleaveAll({ "cl-1": mk(1), [`cl-${all}`]: mk(all) }, {}, { rounds, sampleMs: 400 });
      const m = Object.fromEntries(Object.entries(s.wall).map(([k, v]) => [k, median(v)]));
      const sp = m["cl-1"] / m[`cl-${all}`];
      say(
        `${"matmul 1024 fwd+bwd, threads".padEnd(34)} 1: ${fmt(m["cl-1"])} ms   ${all}: ${fmt(m[`cl-${all}`])} ms   speed-up ${sp.toFixed(2)}x`,
      );
      P.threads = { wall: m, speedup: sp, threads: all };
      target(
        "P-threads",
        `1024 matmul on ${all} threads >= 1.7x faster than on one`,
        sp,
        sp >= 1.7,
        `${sp.toFixed(2)}x`,
      );
    } else say("threads: setNumThreads not available");
  }
}

// ---- memory (fresh process) ----
if (want("mem")) {
  say("\nMemory: W2 training (forward, backward, SGD step) for 200 steps in a fresh process");
  const out = JSON.parse(
    execFileSync(process.execPath, ["--expose-gc", path.join(here, "memory.mjs"), "200"], { encoding: "utf8" }),
  );
  say(
    `peak RSS ${out.peakRssMB.toFixed(0)} MB (process start ${out.rssStartMB.toFixed(0)} MB); live heap after GC at steps ${Object.entries(
      out.liveMB,
    )
      .map(([k, v]) => `${k}: ${v.toFixed(1)} MB`)
      .join(", ")}`,
  );
  M.memory = out;
  target(
    "memory",
    "no growth of the live heap across steps (< 1 MB from step 20 to 200)",
    out.growthMB,
    out.growthMB < 1,
    `${out.growthMB.toFixed(2)} MB`,
  );
}

// ---- results file and comparison ----
const dir = path.join(root, ".bench");
fs.mkdirSync(dir, { recursive: true });
const earlier = fs
  .readdirSync(dir)
  .filter((f) => /^results-.*\.json$/.test(f))
  .sort();
const file = path.join(dir, `results-${results.date.replace(/[:.]/g, "-")}.json`);
results.quick = quick;
fs.writeFileSync(file, JSON.stringify(results, null, 2) + "\n");
say(`\nresults written to ${path.relative(root, file)}`);
// Each figure is compared with the latest earlier run that measured it (--only runs measure a
// subset; quick runs are compared only with quick runs).
const pick = (r) => ({
  W1: r.metrics.w1?.chainlab,
  W2: r.metrics.w2?.chainlab,
  "W2 graph cost %": r.targets?.["graph-cost"] ? 100 * r.targets["graph-cost"].value : undefined,
  "W3 per op µs": r.metrics.w3?.perOpUs?.chainlab,
  W4: r.metrics.w4?.chainlab,
  "peak RSS MB": r.metrics.memory?.peakRssMB,
  ...Object.fromEntries(
    Object.entries(r.metrics.pytorch ?? {}).flatMap(([k, g]) =>
      Object.entries(g.cpu ?? {})
        .filter(([c]) => c.startsWith("cl"))
        .map(([c, v]) => [`${k} ${c}`, v]),
    ),
  ),
});
const now_ = pick(results);
const before = {};
for (const f of earlier) {
  let old;
  try {
    old = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
  } catch {
    continue;
  }
  if (Boolean(old.quick) !== quick) continue;
  const v = pick(old);
  for (const k of Object.keys(v)) if (v[k] != null) before[k] = { v: v[k], f, met: old.targets };
}
const keys = Object.keys(now_).filter((k) => now_[k] != null && before[k]);
if (keys.length > 0) say(`change against earlier${quick ? " quick" : ""} runs (chainlab medians; negative = faster):`);
for (const k of keys)
  say(
    `  ${k.padEnd(16)} ${fmt(before[k].v)} -> ${fmt(now_[k])}  (${(100 * (now_[k] / before[k].v - 1)).toFixed(1)}%)   vs ${before[k].f}`,
  );

function checkW2(rec, man, wasm, cpu) {
  // Same loss on both sides (float32 vs float64), same gradients with and without the graph.
  const tol = 1e-4 * Math.max(1, Math.abs(rec.loss));
  if (
    Math.abs(rec.loss - man.loss) > 1e-12 ||
    Math.abs(rec.loss - wasm.loss) > tol ||
    Math.abs(rec.loss - cpu.loss) > tol
  )
    throw new Error(
      `W2 losses disagree: chainlab ${rec.loss}, no-graph ${man.loss}, tf-wasm ${wasm.loss}, tf-cpu ${cpu.loss}`,
    );
  rec.grads.forEach((g, i) => {
    const h = man.grads[i];
    for (let k = 0; k < g.size; k++)
      if (Math.abs(g.data[k] - h.data[k]) > 1e-12)
        throw new Error(`W2 gradient ${i} differs between the graph and the no-graph step at ${k}`);
  });
}
