// Timing helpers: interleaved medians, paired CPU-time ratios.
import { performance } from "node:perf_hooks";

export const now = () => performance.now();
const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

export function median(xs) {
  const s = xs.slice().sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/**
 * Warm-up of one contender until the JIT has settled: at least `ms` and at least `calls` calls
 * (optimised code arrives after a number of calls, and later still on a loaded machine, where
 * the background compiler waits for a core), but no longer than `capMs` for slow contenders.
 * A time-only warm-up of 300 ms gave a 2 ms workload (W3) 2-5 calls whose first ones took
 * 60-150 ms each, and the timed calls that followed still ran unoptimised code (9-20 µs/op
 * measured instead of ~1). Returns the median time of the last calls, in ms.
 */
export function warmUp(f, { ms = 500, calls = 50, capMs = 4000 } = {}) {
  const t0 = now();
  const last = [];
  for (let k = 0; ; k++) {
    const t = now();
    if ((k >= calls && t - t0 >= ms) || (k >= 2 && t - t0 >= capMs)) break;
    f();
    last.push(now() - t);
    if (last.length > 5) last.shift();
  }
  return median(last);
}

/**
 * Interleaved timing: each round runs every contender (rotating the order, so neither side
 * always runs right after the other's garbage), `reps` timed calls each after `warm` untimed
 * ones before the first round. Returns per-contender samples in ms. The machine is shared, so
 * only medians over many short samples are meaningful.
 */
export function interleave(
  contenders,
  { rounds = 7, reps = 5, warm = 3, warmMs = 400, sampleMs = 0, cpuOut = null } = {},
) {
  // cpuOut, if given, also receives per-contender CPU-time samples: this process's CPU time
  // leaves out time spent descheduled by other load, which matters when comparing with a
  // measurement taken at another moment (NumPy runs in its own process).
  const names = Object.keys(contenders);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  if (cpuOut) for (const n of names) cpuOut[n] = [];
  // Warm-up (see warmUp), at least `warm` calls and `warmMs` per contender. With `sampleMs`, a
  // fast contender takes more calls per round (up to 200), so that the calls right after the
  // gc() below (a shrunken young generation: more scavenges) are not most of its samples.
  const repsOf = {};
  for (const n of names) {
    const t = warmUp(contenders[n], { ms: warmMs, calls: Math.max(warm, 50) });
    repsOf[n] = sampleMs > 0 ? Math.max(reps, Math.min(200, Math.round(sampleMs / t))) : reps;
  }
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    for (const n of order) {
      const f = contenders[n];
      // Collect the previous contender's garbage first, so nobody pays the other's GC debt
      // (needs node --expose-gc, which scripts/bench.sh passes).
      if (globalThis.gc) globalThis.gc();
      for (let i = 0; i < repsOf[n]; i++) {
        const c0 = cpuOut ? cpuNow() : 0;
        const t0 = now();
        f();
        samples[n].push(now() - t0);
        if (cpuOut) cpuOut[n].push(cpuNow() - c0);
      }
    }
  }
  return samples;
}

export const fmt = (ms) =>
  ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3);

/**
 * Median over many adjacent pairs of the ratio time(a) / time(b), in CPU time, alternating
 * which runs first. Each pair shares the background load of its moment, so the ratio is far
 * steadier than a ratio of two medians taken over a noisy minute.
 */
export function pairedRatio(a, b, { pairs = 60, calls = 2, warmMs = 400 } = {}) {
  for (const f of [a, b]) warmUp(f, { ms: warmMs });
  const time = (f) => {
    const t0 = cpuNow();
    for (let i = 0; i < calls; i++) f();
    return (cpuNow() - t0) / calls;
  };
  const ratios = [],
    ta = [],
    tb = [];
  for (let i = 0; i < pairs; i++) {
    let x, y;
    if (i % 2) {
      x = time(a);
      y = time(b);
    } else {
      y = time(b);
      x = time(a);
    }
    ratios.push(x / y);
    ta.push(x);
    tb.push(y);
  }
  return { ratio: median(ratios), a: median(ta), b: median(tb) };
}

/**
 * Interleaving with contenders in another process: `local` are zero-argument functions timed
 * here, `remote` are async (reps) => ({ wall, cpu }) timed by the other process. Each round runs
 * every contender (rotating the order) for its own number of reps, picked from a first call so
 * that a sample lasts about `sampleMs` (small workloads are timed over several calls).
 * Returns { wall, cpu } sample lists in ms per call.
 */
export async function interleaveAll(local, remote, { rounds = 5, sampleMs = 120, warmMs = 300 } = {}) {
  const names = [...Object.keys(local), ...Object.keys(remote)];
  const wall = Object.fromEntries(names.map((n) => [n, []]));
  const cpu = Object.fromEntries(names.map((n) => [n, []]));
  const reps = {};
  for (const [n, f] of Object.entries(local)) {
    // Reps from the warm calls' settled time, not from an average over the cold first ones.
    const t = warmUp(f, { ms: warmMs });
    reps[n] = Math.max(1, Math.min(200, Math.round(sampleMs / t)));
  }
  for (const [n, f] of Object.entries(remote)) {
    const probe = await f(1, 2);
    reps[n] = Math.max(1, Math.min(200, Math.round(sampleMs / median(probe.wall))));
    await f(1, Math.min(20, reps[n]));
  }
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    for (const n of order) {
      if (globalThis.gc) globalThis.gc();
      if (local[n]) {
        const f = local[n];
        for (let i = 0; i < reps[n]; i++) {
          const c0 = cpuNow();
          const t0 = now();
          f();
          wall[n].push(now() - t0);
          cpu[n].push(cpuNow() - c0);
        }
      } else {
        const out = await remote[n](reps[n], 0);
        wall[n].push(...out.wall);
        cpu[n].push(...out.cpu);
      }
    }
  }
  return { wall, cpu };
}
