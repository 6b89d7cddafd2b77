// Deterministic inputs shared by both sides (same numbers, float64 for chainlab, float32 for TF.js).
export function lcg(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}
export function uniformArray(n, seed, lo = -1, hi = 1) {
  const r = lcg(seed);
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * r();
  return a;
}
export function labels(n, classes, seed) {
  const r = lcg(seed);
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.floor(r() * classes);
  return a;
}
