import type { TraceEntry } from "../autodiff/trace";

/**
 * How a traced graph is grouped for drawing at real size (graphPayload.ts sends the result):
 * scalar constants become labels of their users; a loop body unrolled k times is found from the
 * graph's own structure (consecutive segments with equal op/shape/attr/input signatures) and its
 * first k-1 copies become one summary unit; a graph still over budget keeps the output, every
 * parameter and the nodes nearest the output, and every connected run of what is cut becomes one
 * "n ops" unit, so each path from a parameter to the output stays visible. A cut part also brings
 * one level of detail (its units nearest the drawing), so the extension can open it on click.
 */

/** A drawn unit: one traced tensor, or a summary of several (cut, or repeated copies of a loop body). */
export type Unit =
  | { kind: "node"; entry: number; loop?: number; within?: number }
  | { kind: "summary"; entries: number[]; loop?: number; times?: number; period?: number; within?: number };

export interface Loop {
  /** How many copies of the body the graph holds (the summary unit stands for times - 1). */
  times: number;
  period: number;
}

export interface Units {
  units: Unit[];
  /** Unit index of each entry (-1 for scalar constants shown in labels). */
  unitOf: Int32Array;
  /**
   * For entries of a cut part sent with one level of detail: the detail unit (`within` that
   * part's summary) that holds it; -1 elsewhere.
   */
  detailOf: Int32Array;
  loops: Loop[];
}

export interface UnitOptions {
  /** Entries that are scalar constants (shown in their users' labels, never as nodes). */
  isConstant(e: TraceEntry): boolean;
  /** Parameters: never cut away (and shared across loop copies). */
  isParam(e: TraceEntry): boolean;
  /** A short structural signature: op, shape, attributes, constants. */
  signature(e: TraceEntry): string;
  maxNodes: number;
}

/** The longest period tried when looking for a repeated loop body. */
const MAX_PERIOD = 96;
/** A body must repeat at least this often, and folding must hide at least this many nodes. */
const MIN_TIMES = 4;
const MIN_SAVED = 12;

export function groupUnits(entries: readonly TraceEntry[], o: UnitOptions): Units {
  const n = entries.length;
  const output = n - 1;
  const constant = entries.map((e) => e.id !== output && o.isConstant(e));
  // Positions of the drawn entries (constants left out), in topological order.
  const order: number[] = [];
  const pos = new Int32Array(n).fill(-1);
  for (const e of entries) if (!constant[e.id]) pos[e.id] = order.push(e.id) - 1;
  // Structural signature per position: inputs by relative position, shared tensors (an RNN's W,
  // used by every copy of the body; a parameter used twice) by identity.
  const uses = new Int32Array(n);
  for (const e of entries) for (const j of e.inputs) uses[j]++;
  const ids = new Map<string, number>();
  const sig = new Int32Array(order.length);
  order.forEach((id, i) => {
    const e = entries[id];
    const ins = e.inputs.map((j) =>
      constant[j] ? "c" : uses[j] >= MIN_TIMES || (o.isParam(entries[j]) && uses[j] > 1) ? `P${j}` : `R${i - pos[j]}`,
    );
    const key = `${o.signature(e)}|${ins.join(",")}`;
    let s = ids.get(key);
    if (s === undefined) ids.set(key, (s = ids.size));
    sig[i] = s;
  });
  const loops: Loop[] = [];
  const loopOf = new Int32Array(order.length).fill(-1);
  const firstCopies: { from: number; to: number; loop: number }[] = [];
  // Find repeated runs, best first, in the parts of the order not yet folded.
  const work: [number, number][] = [[0, order.length]];
  while (work.length) {
    const [lo, hi] = work.pop()!;
    const best = bestRun(sig, lo, hi);
    if (!best) continue;
    const { start, period, times } = best;
    const loop = loops.push({ times, period }) - 1;
    const end = start + period * times;
    for (let i = start; i < end; i++) loopOf[i] = loop;
    firstCopies.push({ from: start, to: end - period, loop });
    work.push([lo, start], [end, hi]);
  }
  // Units: the first times-1 copies of each body as one summary, everything else one unit each.
  const units: Unit[] = [];
  const unitOf = new Int32Array(n).fill(-1);
  const copyAt = new Map(firstCopies.map((c) => [c.from, c]));
  for (let i = 0; i < order.length; i++) {
    const c = copyAt.get(i);
    if (c) {
      const members = order.slice(c.from, c.to);
      const u =
        units.push({
          kind: "summary",
          entries: members,
          loop: c.loop,
          times: loops[c.loop].times - 1,
          period: loops[c.loop].period,
        }) - 1;
      for (const id of members) unitOf[id] = u;
      i = c.to - 1;
      continue;
    }
    const u = units.push({ kind: "node", entry: order[i], ...(loopOf[i] >= 0 ? { loop: loopOf[i] } : {}) }) - 1;
    unitOf[order[i]] = u;
  }
  if (units.length <= o.maxNodes) return { units, unitOf, detailOf: new Int32Array(n).fill(-1), loops };
  return cut(entries, { units, unitOf, detailOf: new Int32Array(0), loops }, o);
}

/** The periodic run hiding the most nodes in sig[lo, hi), or null. */
function bestRun(sig: Int32Array, lo: number, hi: number): { start: number; period: number; times: number } | null {
  let best: { start: number; period: number; times: number; saved: number } | null = null;
  for (let p = 1; p <= MAX_PERIOD && p * MIN_TIMES <= hi - lo; p++) {
    let run = 0;
    for (let i = lo; i + p < hi; i++) {
      run = sig[i] === sig[i + p] ? run + 1 : 0;
      // sig[i-run+1 .. i+p] is periodic with period p: (run + p) / p whole copies.
      const times = Math.floor((run + p) / p);
      const next = i + 1 + p < hi && sig[i + 1] === sig[i + 1 + p];
      if (next || times < MIN_TIMES) continue;
      const saved = (times - 1) * p;
      // Copies end where the run ends, so the last copy is the one next to what follows.
      const start = i + p - times * p + 1;
      if (saved >= MIN_SAVED && (!best || saved > best.saved)) best = { start, period: p, times, saved };
    }
  }
  return best ? { start: best.start, period: best.period, times: best.times } : null;
}

/**
 * Over budget: keep the output, every parameter (up to half the budget, nearest the output first)
 * and the units nearest the output (breadth-first backwards) up to the budget. Each connected
 * part of the rest becomes one "n ops" summary unit, and brings one level of detail that the
 * extension opens on click: the part's units nearest where it feeds the drawing, as they are, and
 * the rest of the part summarised again (`within` names the summary they replace).
 */
function cut(entries: readonly TraceEntry[], g: Units, o: UnitOptions): Units {
  const m = g.units.length;
  const inputs: number[][] = Array.from({ length: m }, () => []);
  const users: number[][] = Array.from({ length: m }, () => []);
  const linked = new Set<number>();
  for (const e of entries) {
    const to = g.unitOf[e.id];
    if (to < 0) continue;
    for (const j of e.inputs) {
      const from = g.unitOf[j];
      if (from < 0 || from === to || linked.has(from * m + to)) continue;
      linked.add(from * m + to);
      inputs[to].push(from);
      users[from].push(to);
    }
  }
  const keep = new Uint8Array(m);
  const isParamUnit = (u: Unit) => u.kind === "node" && o.isParam(entries[u.entry]);
  const out = g.unitOf[entries.length - 1];
  // Parameters are kept, nearest the output first; only when there are more than half the
  // budget do the farthest join summaries (which list them by name).
  const params = paramsByDistance(inputs, out, g.units.map(isParamUnit));
  let kept = 0;
  for (const k of params.slice(0, Math.max(1, Math.floor(o.maxNodes / 2)))) {
    keep[k] = 1;
    kept++;
  }
  // Room for the summaries that will stand for what is cut.
  const budget = Math.max(kept + 2, o.maxNodes - Math.ceil(o.maxNodes / 10));
  const queue = [out];
  if (!keep[out]) kept++;
  keep[out] = 1;
  for (let q = 0; q < queue.length && kept < budget; q++) {
    for (const from of inputs[queue[q]]) {
      if (kept >= budget) break;
      if (keep[from]) continue;
      keep[from] = 1;
      kept++;
      queue.push(from);
    }
  }
  const parts = groupParts(
    inputs,
    Uint8Array.from(keep, (k) => 1 - k),
  );
  // One level of detail per part, within half the node budget, shared out smallest part first.
  let room = Math.floor(o.maxNodes / 2);
  const detailOf = new Map<number[], number[]>();
  [...parts]
    .sort((a, b) => a.length - b.length)
    .forEach((part, i, all) => {
      const take = Math.min(part.length, Math.floor(room / (all.length - i)));
      if (take < 2 && take < part.length) return;
      detailOf.set(part, nearestExits(part, inputs, users, take));
      room -= take;
    });
  // The new units, each with the old units it stands for, ordered by first member (inputs first).
  type Placed = { unit: Unit; members: number[]; standIn?: Placed };
  const placed: Placed[] = [];
  keep.forEach((k, u) => {
    if (k) placed.push({ unit: g.units[u], members: [u] });
  });
  const inPart = new Uint8Array(m);
  for (const part of parts) {
    const standIn: Placed = { unit: { kind: "summary", entries: [] }, members: part };
    placed.push(standIn);
    const detail = detailOf.get(part);
    if (!detail) continue;
    for (const u of detail) placed.push({ unit: g.units[u], members: [u], standIn });
    for (const u of part) inPart[u] = 1;
    for (const u of detail) inPart[u] = 0;
    for (const rest of groupParts(inputs, inPart))
      placed.push({ unit: { kind: "summary", entries: [] }, members: rest, standIn });
    for (const u of part) inPart[u] = 0;
  }
  placed.sort((a, b) => a.members[0] - b.members[0]);
  const index = new Map(placed.map((p, i) => [p, i]));
  const entriesOf = (u: number) => {
    const unit = g.units[u];
    return unit.kind === "node" ? [unit.entry] : unit.entries;
  };
  const unitOf = new Int32Array(entries.length).fill(-1);
  const detailUnitOf = new Int32Array(entries.length).fill(-1);
  const units: Unit[] = placed.map((p, i) => {
    const within = p.standIn ? { within: index.get(p.standIn)! } : {};
    const target = p.standIn ? detailUnitOf : unitOf;
    for (const u of p.members) for (const id of entriesOf(u)) target[id] = i;
    if (p.unit.kind === "node" || (p.members.length === 1 && p.unit === g.units[p.members[0]]))
      return { ...p.unit, ...within };
    const ids = p.members.flatMap(entriesOf).sort((a, b) => a - b);
    return { kind: "summary", entries: ids, ...within };
  });
  return { units, unitOf, detailOf: detailUnitOf, loops: g.loops };
}

/**
 * Groups the units marked in `cut` into parts to summarise: connected (edges either way), and
 * split so that no path leaves a part and comes back into it through the other units (a part
 * drawn as one node must not form a cycle with what is drawn). A part's key is the set of
 * frontier units (not cut, fed by a cut unit) it is downstream of: along any path out of a part
 * and back, the key would grow, so within one key no such path exists.
 */
function groupParts(inputs: readonly number[][], cut: Uint8Array): number[][] {
  const m = inputs.length;
  const frontier: number[] = [];
  for (let u = 0; u < m; u++) if (!cut[u] && inputs[u].some((f) => cut[f])) frontier.push(u);
  const words = Math.ceil(frontier.length / 32);
  const key = new Uint32Array(m * words);
  frontier.forEach((u, b) => (key[u * words + (b >> 5)] |= 1 << (b & 31)));
  // Units are in topological order: inputs have smaller indices.
  for (let u = 0; u < m; u++)
    for (const f of inputs[u]) for (let w = 0; w < words; w++) key[u * words + w] |= key[f * words + w];
  const sameKey = (a: number, b: number) => {
    for (let w = 0; w < words; w++) if (key[a * words + w] !== key[b * words + w]) return false;
    return true;
  };
  const parent = Int32Array.from({ length: m }, (_, k) => k);
  const find = (k: number): number => {
    while (parent[k] !== k) k = parent[k] = parent[parent[k]];
    return k;
  };
  for (let to = 0; to < m; to++)
    if (cut[to]) for (const from of inputs[to]) if (cut[from] && sameKey(from, to)) parent[find(from)] = find(to);
  const byRoot = new Map<number, number[]>();
  for (let u = 0; u < m; u++) {
    if (!cut[u]) continue;
    const r = find(u);
    const list = byRoot.get(r);
    if (list) list.push(u);
    else byRoot.set(r, [u]);
  }
  return [...byRoot.values()];
}

/** Up to `take` units of a part, breadth-first backwards from those that feed units outside it. */
function nearestExits(part: readonly number[], inputs: readonly number[][], users: readonly number[][], take: number) {
  const inside = new Set(part);
  const queue = part.filter((u) => users[u].some((v) => !inside.has(v)));
  const seen = new Set(queue);
  for (let q = 0; q < queue.length && seen.size < take; q++)
    for (const f of inputs[queue[q]]) {
      if (seen.size >= take) break;
      if (!inside.has(f) || seen.has(f)) continue;
      seen.add(f);
      queue.push(f);
    }
  return [...seen].slice(0, take);
}

/** Parameter units in breadth-first order backwards from the output. */
function paramsByDistance(inputs: readonly number[][], out: number, isParam: boolean[]): number[] {
  const seen = new Uint8Array(inputs.length);
  const queue = [out];
  seen[out] = 1;
  const found: number[] = [];
  for (let q = 0; q < queue.length; q++) {
    const k = queue[q];
    if (isParam[k]) found.push(k);
    for (const from of inputs[k]) {
      if (seen[from]) continue;
      seen[from] = 1;
      queue.push(from);
    }
  }
  return found;
}
